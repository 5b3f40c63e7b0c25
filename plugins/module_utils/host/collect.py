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
from ansible_collections.multiarch.kolla.plugins.module_utils.host import cpuinfo, libvirt_caps, qemu_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import read_text
from ansible_collections.multiarch.kolla.plugins.module_utils.host.iommu import probe_iommu
from ansible_collections.multiarch.kolla.plugins.module_utils.host.kvm import probe_kvm

DEFAULT_URI = "qemu:///system"


def probe_init(root, warnings):
    """Name of process 1 (/proc/1/comm), None when unreadable."""
    text = read_text(root, "/proc/1/comm", warnings, "init system")
    return text.strip() or None if text is not None else None


def _count_online(root, warnings):
    text = read_text(root, "/sys/devices/system/cpu/online", warnings, "CPU count", missing_ok=True)
    return cpuinfo.parse_cpu_list(text) if text else None


def import_libvirt():
    """Return the libvirt module, or None when libvirt-python is not importable."""
    try:
        import libvirt  # noqa: PLC0415  pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return libvirt


def _quiet_libvirt(libvirt):
    # libvirt prints every error to stderr by default; errors reach us as exceptions.
    try:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    except Exception:  # pylint: disable=broad-except
        pass


def _domcaps_machine(arch, guest):
    preferred = ARCHES.get(arch, {}).get("machine_type")
    if preferred and preferred in guest["machines"]:
        return preferred
    return None


def _connect(libvirt, uri, warnings):
    """(connection, read_only): read-write first, read-only second; (None, False) with a warning when both are refused."""
    try:
        return libvirt.open(uri), False
    except libvirt.libvirtError as exc:
        first_error = str(exc).strip()
    try:
        conn = libvirt.openReadOnly(uri)
    except libvirt.libvirtError:
        warnings.append("libvirt: cannot connect to %s (%s); falling back to probing QEMU binaries" % (uri, first_error))
        return None, False
    warnings.append(
        "libvirt: read-write connection to %s refused (%s); connected read-only, so UEFI firmware and CPU models "
        "(domain capabilities) are unknown: run with become or as a member of the libvirt group" % (uri, first_error)
    )
    return conn, True


def _capabilities(libvirt, conn, uri, warnings):
    """Parsed host capabilities, None with a warning when libvirt fails or answers garbage."""
    try:
        return libvirt_caps.parse_capabilities(conn.getCapabilities())
    except libvirt.libvirtError as exc:
        warnings.append("libvirt: getCapabilities on %s failed (%s); falling back to probing QEMU binaries" % (uri, str(exc).strip()))
    except ValueError as exc:
        warnings.append("libvirt: capabilities from %s are unusable (%s); falling back to probing QEMU binaries" % (uri, exc))
    return None


def _domain_capabilities(libvirt, conn, guests, warnings):
    """Domain capabilities of every guest (its accelerated domain, the arch's nova machine type when offered)."""
    domcaps = []
    for arch in sorted(guests):
        guest = guests[arch]
        virt_type = "kvm" if guest["accel"] == "kvm" else "qemu"
        machine = _domcaps_machine(arch, guest)
        try:
            item = libvirt_caps.parse_domain_capabilities(conn.getDomainCapabilities(guest["emulator"], arch, machine, virt_type, 0))
        except libvirt.libvirtError as exc:
            warnings.append(
                "libvirt: getDomainCapabilities for %s (%s, machine %s) failed (%s): its UEFI firmware and CPU models are unknown"
                % (arch, virt_type, machine or "default", str(exc).strip())
            )
            continue
        except ValueError as exc:
            warnings.append("libvirt: domain capabilities for %s are unusable (%s): its UEFI firmware and CPU models are unknown" % (arch, exc))
            continue
        item["arch"] = arch  # fold into the guest we asked about, whatever libvirt calls it
        domcaps.append(item)
    return domcaps


def libvirt_guests(libvirt, uri, warnings):
    """Ask the libvirt daemon at ``uri``; return (parsed capabilities or None, guests or None).

    One connection: read-write, so that getDomainCapabilities (firmware, CPU
    models) is allowed; when only a read-only connection is granted the guests come
    without firmware details (uefi None) and a warning says so.
    """
    _quiet_libvirt(libvirt)
    conn, read_only = _connect(libvirt, uri, warnings)
    if conn is None:
        return None, None
    try:
        caps = _capabilities(libvirt, conn, uri, warnings)
        if caps is None:
            return None, None
        if read_only:
            return caps, caps["guests"]
        return caps, libvirt_caps.merge_domain_capabilities(caps["guests"], _domain_capabilities(libvirt, conn, caps["guests"], warnings))
    finally:
        try:
            conn.close()
        except Exception:  # pylint: disable=broad-except
            pass


def _libvirt_source(libvirt, uri, arch, kvm, warnings):
    """(guests, host_cpu_xml) from the libvirt daemon at ``uri``; (None, None) when it does not answer usefully."""
    if libvirt is None:
        warnings.append("libvirt: libvirt-python is not importable by this Python; falling back to probing QEMU binaries")
        return None, None
    caps, guests = libvirt_guests(libvirt, uri, warnings)
    if caps is None:
        return None, None
    if caps["host_arch"] and caps["host_arch"] != arch:
        warnings.append("libvirt at %s reports host arch %s but the kernel says %s: the URI may name another host" % (uri, caps["host_arch"], arch))
    kvm_guests = [a for a, g in guests.items() if g["accel"] == "kvm"]
    if kvm_guests and not kvm["usable"]:
        warnings.append(
            "libvirt offers kvm for %s but this user cannot use /dev/kvm (%s); run with become for the host's own view"
            % (", ".join(sorted(kvm_guests)), kvm["reason"])
        )
    return guests, caps["host_cpu_xml"]


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


def collect(root="/", *, use_libvirt=True, libvirt_uri=DEFAULT_URI, kernel_arch=None, path=None, libvirt_module=None):
    """Return the ``multiarch_host`` dict for the host whose file system is at ``root``.

    ``kernel_arch`` defaults to ``os.uname().machine``; ``path`` is the list of
    directories searched for QEMU binaries before the usual ones (``_probe.find_binary``;
    default $PATH on a real host); ``libvirt_module`` replaces the imported
    libvirt-python (tests).
    """
    warnings = []
    kernel = kernel_arch or os.uname().machine
    arch = _host_arch(kernel, warnings)
    cpu = _cpu(root, arch, warnings)
    kvm = probe_kvm(root, warnings)
    guests = host_cpu_xml = None
    guest_source = "none"
    if use_libvirt:
        libvirt = libvirt_module if libvirt_module is not None else import_libvirt()
        guests, host_cpu_xml = _libvirt_source(libvirt, libvirt_uri, arch, kvm, warnings)
        if guests is not None:
            guest_source = "libvirt"
    if guests is None:
        guests = qemu_probe.probe_guests(arch, kvm["usable"], root=root, path=path, warnings=warnings)
        guest_source = "qemu" if guests else "none"
        if not guests:
            warnings.append("no QEMU emulator (qemu-system-*) found: this host can run no guests")
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
