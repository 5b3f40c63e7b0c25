# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect the ``multiarch_host`` dict (docs/multiarch_host.md) on a target host.

Every reader takes a ``root`` (the file system root, "/" on a real host) so that
unit tests can point it at a tree they build. Nothing here raises for a host
condition: what cannot be read becomes None (or empty) plus a sentence in
``warnings`` naming the source. Runs on target hosts (Python >= 3.9, standard
library only; libvirt-python is used when importable).
"""

import os

from ansible_collections.multiarch.kolla.plugins.module_utils import arch_traits
from ansible_collections.multiarch.kolla.plugins.module_utils._probe import cgroup_version
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.module_utils.host import cpuinfo, libvirt_cost, libvirt_source, qemu_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import read_text
from ansible_collections.multiarch.kolla.plugins.module_utils.host.iommu import probe_iommu
from ansible_collections.multiarch.kolla.plugins.module_utils.host.kvm import probe_kvm

DEFAULT_URI = libvirt_source.DEFAULT_URI
DEFAULT_LIBVIRT_TIMEOUT = libvirt_source.DEFAULT_TIMEOUT
# A libvirt exchange this long (seconds) is reported with its time even when libvirt rewrote no cache entry.
LIBVIRT_SLOW_S = 5.0
# libvirt-python, or None (kept here so that tests can replace it).
import_libvirt = libvirt_source.import_libvirt


def probe_init(root, warnings):
    """Name of process 1 (/proc/1/comm), None when unreadable."""
    text = read_text(root, "/proc/1/comm", warnings, "init system")
    return text.strip() or None if text is not None else None


def _count_online(root, warnings):
    text = read_text(root, "/sys/devices/system/cpu/online", warnings, "CPU count", missing_ok=True)
    return cpuinfo.parse_cpu_list(text) if text else None


def _apply_kvm_caps(caps_needed, kvm, arch, guests, warnings):
    """Guests libvirt offers as kvm that this host's KVM cannot run (archtable kvm_guest_caps answered no) become tcg."""
    for guest_arch, (cap, _number) in sorted(caps_needed.items()):
        guest = guests.get(guest_arch)
        if guest and guest.get("accel") == "kvm" and (kvm.get("caps") or {}).get(cap) is False:
            guest["accel"] = "tcg"
            warnings.append(
                "libvirt offers a kvm domain for %s guests, but KVM on this %s host answers no to %s (KVM_CHECK_EXTENSION on /dev/kvm): "
                "such a guest cannot start under KVM here; reported as accel tcg" % (guest_arch, arch, cap)
            )


def _libvirt_source(libvirt, uri, arch, kvm, warnings, *, timeout, root):
    """(guests, host_cpu_xml) from the libvirt daemon at ``uri``; (None, None) when it does not answer usefully in time."""
    if libvirt is None:
        warnings.append("libvirt: libvirt-python is not importable by this Python; falling back to probing QEMU binaries")
        return None, None
    before = libvirt_cost.cache_stamps(root)
    inner = []
    finished, answer, seconds = libvirt_source.bounded(lambda: libvirt_source.libvirt_guests(libvirt, uri, inner), timeout)
    reprobed = libvirt_cost.rewritten(root, before)
    if not finished:
        warnings.append(libvirt_cost.timeout_warning(uri, timeout, reprobed, root))
        return None, None
    warnings.extend(inner)
    cost = libvirt_cost.cost_warning(uri, seconds, reprobed, root, slow=LIBVIRT_SLOW_S, timeout=timeout)
    if cost:
        warnings.append(cost)
    caps, guests = answer
    if caps is None:
        return None, None
    if caps["host_arch"] and caps["host_arch"] != arch:
        warnings.append("libvirt at %s reports host arch %s but the kernel says %s: the URI may name another host" % (uri, caps["host_arch"], arch))
    _apply_kvm_caps(ARCHES.get(arch, {}).get("kvm_guest_caps") or {}, kvm, arch, guests, warnings)
    kvm_guests = [a for a, g in guests.items() if g["accel"] == "kvm"]
    if kvm_guests and kvm["usable"] is not True:
        warnings.append(
            "libvirt offers kvm for %s but multiarch_host.kvm.usable is %s here (%s); run with become for the host's own view"
            % (", ".join(sorted(kvm_guests)), "unknown" if kvm["usable"] is None else "false", kvm["reason"])
        )
    return guests, caps["host_cpu_xml"]


def _nova_guest_warnings(arch, guests):
    """Native guests nova cannot place on this host (armv7l on aarch64), one sentence each."""
    native = ARCHES.get(arch, {}).get("kvm_guests", ())
    warnings = []
    for guest in sorted(guests):
        if guest == arch or guest not in native or arch_traits.nova_targetable(guest):
            continue
        warnings.append(
            "guests.{g}: nova 34 cannot place {g} guests on this {a} host: it runs every guest whose arch is not the host's as TCG "
            "(virt_type qemu, nova/virt/libvirt/driver.py _configure_guest_by_virt_type) whatever KVM could do, and os-traits names no "
            "{g} trait (HW_ARCH_{G}, COMPUTE_ARCH_{G}), so neither a trait nor the image-metadata prefilter can steer {g} images here; "
            "the collection derives no trait, machine type or emulation setting for {g}".format(g=guest, G=guest.upper(), a=arch)
        )
    return warnings


def _host_arch(kernel, warnings):
    arch = canonical_arch(kernel, strict=False)
    if arch is None:
        warnings.append("kernel architecture '%s' is not in the arch table; reported as the kernel spells it" % kernel)
        return kernel
    return arch


def _cpu(root, arch, warnings):
    text = read_text(root, "/proc/cpuinfo", warnings, "CPU vendor, model and count")
    # An unreadable file is already warned about; only an empty one needs the parser's warning.
    cpu = cpuinfo.parse_cpuinfo(text or "", arch, warnings if text is not None else [])
    if cpu["count"] is None:
        cpu["count"] = _count_online(root, warnings)
    return cpu


def collect(
    root="/",
    *,
    use_libvirt=True,
    libvirt_uri=DEFAULT_URI,
    kernel_arch=None,
    path=None,
    libvirt_module=None,
    libvirt_timeout=libvirt_source.DEFAULT_TIMEOUT,
    ioctl=None,
):
    """Return the ``multiarch_host`` dict for the host whose file system is at ``root``.

    ``kernel_arch`` defaults to ``os.uname().machine``; ``path`` is the list of
    directories searched for QEMU binaries before the usual ones (``_probe.find_binary``;
    default $PATH on a real host); ``libvirt_module`` replaces the imported
    libvirt-python and ``ioctl`` ``fcntl.ioctl`` on /dev/kvm (tests).
    ``libvirt_timeout`` bounds the libvirt exchange in seconds (0: no limit); past it,
    the QEMU binaries are probed instead. ValueError for a timeout that is not >= 0.
    """
    libvirt_timeout = libvirt_source.check_timeout(libvirt_timeout)
    warnings = []
    kernel = kernel_arch or os.uname().machine
    arch = _host_arch(kernel, warnings)
    cpu = _cpu(root, arch, warnings)
    kvm = probe_kvm(root, warnings, arch, ioctl)
    guests = host_cpu_xml = None
    guest_source = "none"
    if use_libvirt:
        libvirt = libvirt_module if libvirt_module is not None else import_libvirt()
        guests, host_cpu_xml = _libvirt_source(libvirt, libvirt_uri, arch, kvm, warnings, timeout=libvirt_timeout, root=root)
        if guests is not None:
            guest_source = "libvirt"
    if guests is None:
        guests = qemu_probe.probe_guests(arch, kvm, root=root, path=path, warnings=warnings)
        guest_source = "qemu" if guests else "none"
        if not guests:
            warnings.append("no QEMU emulator (qemu-system-*) found: this host can run no guests")
    warnings.extend(_nova_guest_warnings(arch, guests))
    return {
        "arch": arch,
        "kernel_arch": kernel,
        "cpu": cpu,
        "kvm": kvm,
        "guests": guests,
        "guest_source": guest_source,
        "host_cpu_xml": host_cpu_xml,
        "iommu": probe_iommu(root, arch, warnings),
        "cgroup_version": cgroup_version(root, warnings),
        "init_system": probe_init(root, warnings),
        "nova_traits": arch_traits.nova_traits(arch, kvm["usable"], guests),
        "warnings": warnings,
    }
