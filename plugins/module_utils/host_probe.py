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

import errno
import os

from ansible_collections.multiarch.kolla.plugins.module_utils import arch_traits, cpuinfo, libvirt_caps, qemu_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, canonical_arch

DEFAULT_URI = "qemu:///system"

# KVM vendor modules, most specific first; anything else named kvm_* is reported as is.
KVM_MODULES = ("kvm_intel", "kvm_amd", "kvm_hv", "kvm_pr", "kvm_s390", "kvm_arm")
IOMMU_CLASS_KINDS = (("dmar", "intel-vt-d"), ("ivhd", "amd-vi"), ("smmu", "arm-smmu"), ("arm-smmu", "arm-smmu"))
IOMMU_CMDLINE_PREFIXES = ("intel_iommu", "amd_iommu", "iommu", "vfio", "vfio_pci", "vfio-pci", "vfio_iommu_type1", "pcie_acs_override")


def _path(root, rel):
    return os.path.join(root, rel.lstrip("/"))


def read_text(root, rel, warnings, what=None, missing_ok=False):
    """Return the text of ``rel`` under ``root``; None plus a warning when it cannot be read."""
    path = _path(root, rel)
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError as exc:
        if missing_ok and exc.errno == errno.ENOENT:
            return None
        warnings.append("%s cannot be read (%s)%s" % (rel, exc.strerror or exc, ": %s unknown" % what if what else ""))
        return None


def _listdir(root, rel, warnings, what, missing_ok=True):
    try:
        return sorted(os.listdir(_path(root, rel)))
    except OSError as exc:
        if missing_ok and exc.errno == errno.ENOENT:
            return None
        warnings.append("%s cannot be listed (%s): %s unknown" % (rel, exc.strerror or exc, what))
        return None


def probe_kvm(root, warnings):
    """Return the ``kvm`` dict: device present, opened read-write, module, nested, reason."""
    device = _path(root, "/dev/kvm")
    result = {"usable": False, "device": False, "rw": False, "module": None, "nested": None, "reason": None}
    if os.path.exists(device):
        result["device"] = True
        try:
            fd = os.open(device, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            result["reason"] = "/dev/kvm exists but cannot be opened read-write: %s" % (exc.strerror or exc)
        else:
            os.close(fd)
            result["rw"] = True
            result["usable"] = True
    else:
        result["reason"] = "/dev/kvm does not exist (KVM module not loaded, no hardware virtualisation, or not passed into this container)"
    modules = _listdir(root, "/sys/module", warnings, "KVM module") or []
    kvm_mods = [m for m in KVM_MODULES if m in modules] + sorted(m for m in modules if m.startswith("kvm_") and m not in KVM_MODULES)
    if kvm_mods:
        name = kvm_mods[0]
        result["module"] = name
        nested = read_text(root, "/sys/module/%s/parameters/nested" % name, warnings, missing_ok=True)
        if nested is not None:
            value = nested.strip().upper()
            result["nested"] = value in ("Y", "1")
    elif "kvm" in modules:
        # No vendor module: arm64 (and riscv) KVM is built into the kernel; a
        # loadable generic kvm has an initstate file.
        loadable = os.path.exists(_path(root, "/sys/module/kvm/initstate"))
        result["module"] = "kvm" if loadable else "builtin"
    elif result["device"]:
        result["module"] = "builtin"
    return result


def probe_iommu(root, arch, warnings):
    """Return the ``iommu`` dict from sysfs and the kernel command line."""
    groups = _listdir(root, "/sys/kernel/iommu_groups", warnings, "IOMMU groups")
    count = len(groups) if groups else 0
    kind = None
    for name in _listdir(root, "/sys/class/iommu", warnings, "IOMMU kind") or []:
        for prefix, label in IOMMU_CLASS_KINDS:
            if name.startswith(prefix):
                kind = label
                break
        if kind:
            break
    if kind is None and count and arch in ("ppc64le", "ppc64"):
        kind = "power"
    cmdline_text = read_text(root, "/proc/cmdline", warnings, "IOMMU kernel arguments")
    args = []
    for token in (cmdline_text or "").split():
        key = token.split("=", 1)[0]
        if key.split(".", 1)[0] in IOMMU_CMDLINE_PREFIXES:
            args.append(token)
    return {"enabled": count > 0, "groups": count, "kind": kind, "cmdline": args}


def probe_cgroup_version(root, warnings):
    """2 when /sys/fs/cgroup is the unified cgroup2 hierarchy, 1 for a v1/hybrid layout, None if neither."""
    if os.path.exists(_path(root, "/sys/fs/cgroup/cgroup.controllers")):
        return 2
    if os.path.isdir(_path(root, "/sys/fs/cgroup")):
        try:
            if os.listdir(_path(root, "/sys/fs/cgroup")):
                return 1
        except OSError as exc:
            warnings.append("/sys/fs/cgroup cannot be listed (%s): cgroup version unknown" % (exc.strerror or exc))
            return None
    warnings.append("/sys/fs/cgroup is missing or empty: cgroup version unknown")
    return None


def probe_init(root, warnings):
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


def libvirt_guests(libvirt, uri, warnings):
    """Ask the libvirt daemon at ``uri``; return (parsed capabilities or None, guests or None).

    One connection: read-write, so that getDomainCapabilities (firmware, CPU
    models) is allowed; when only a read-only connection is granted the guests come
    without firmware details (uefi None) and a warning says so.
    """
    _quiet_libvirt(libvirt)
    conn = None
    read_only = False
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as exc:
        first_error = str(exc).strip()
        try:
            conn = libvirt.openReadOnly(uri)
            read_only = True
            warnings.append(
                "libvirt: read-write connection to %s refused (%s); connected read-only, so UEFI firmware and CPU models "
                "(domain capabilities) are unknown: run with become or as a member of the libvirt group" % (uri, first_error)
            )
        except libvirt.libvirtError:
            warnings.append("libvirt: cannot connect to %s (%s); falling back to probing QEMU binaries" % (uri, first_error))
            return None, None
    try:
        try:
            caps_xml = conn.getCapabilities()
        except libvirt.libvirtError as exc:
            warnings.append("libvirt: getCapabilities on %s failed (%s); falling back to probing QEMU binaries" % (uri, str(exc).strip()))
            return None, None
        try:
            caps = libvirt_caps.parse_capabilities(caps_xml)
        except ValueError as exc:
            warnings.append("libvirt: capabilities from %s are unusable (%s); falling back to probing QEMU binaries" % (uri, exc))
            return None, None
        guests = caps["guests"]
        if read_only:
            return caps, guests
        domcaps = []
        for arch in sorted(guests):
            guest = guests[arch]
            virt_type = "kvm" if guest["accel"] == "kvm" else "qemu"
            machine = _domcaps_machine(arch, guest)
            try:
                xml_text = conn.getDomainCapabilities(guest["emulator"], arch, machine, virt_type, 0)
                item = libvirt_caps.parse_domain_capabilities(xml_text)
                item["arch"] = arch  # fold into the guest we asked about, whatever libvirt calls it
                domcaps.append(item)
            except libvirt.libvirtError as exc:
                warnings.append(
                    "libvirt: getDomainCapabilities for %s (%s, machine %s) failed (%s): its UEFI firmware and CPU models are unknown"
                    % (arch, virt_type, machine or "default", str(exc).strip())
                )
            except ValueError as exc:
                warnings.append("libvirt: domain capabilities for %s are unusable (%s): its UEFI firmware and CPU models are unknown" % (arch, exc))
        return caps, libvirt_caps.merge_domain_capabilities(guests, domcaps)
    finally:
        try:
            conn.close()
        except Exception:  # pylint: disable=broad-except
            pass


def collect(root="/", *, use_libvirt=True, libvirt_uri=DEFAULT_URI, kernel_arch=None, path=None, libvirt_module=None):
    """Return the ``multiarch_host`` dict for the host whose file system is at ``root``.

    ``kernel_arch`` defaults to ``os.uname().machine``; ``path`` is the list of
    directories searched for QEMU binaries (default $PATH plus libexec dirs);
    ``libvirt_module`` replaces the imported libvirt-python (tests).
    """
    warnings = []
    kernel = kernel_arch or os.uname().machine
    arch = canonical_arch(kernel, strict=False)
    if arch is None:
        arch = kernel
        warnings.append("kernel architecture '%s' is not in the arch table; reported as the kernel spells it" % kernel)

    cpuinfo_text = read_text(root, "/proc/cpuinfo", warnings, "CPU vendor, model and count")
    # An unreadable file is already warned about; only an empty one needs the parser's warning.
    cpu = cpuinfo.parse_cpuinfo(cpuinfo_text or "", arch, warnings if cpuinfo_text is not None else [])
    if cpu["count"] is None:
        cpu["count"] = _count_online(root, warnings)
    kvm = probe_kvm(root, warnings)

    guests = None
    guest_source = "none"
    host_cpu_xml = None
    if use_libvirt:
        libvirt = libvirt_module if libvirt_module is not None else import_libvirt()
        if libvirt is None:
            warnings.append("libvirt: libvirt-python is not importable by this Python; falling back to probing QEMU binaries")
        else:
            caps, guests = libvirt_guests(libvirt, libvirt_uri, warnings)
            if caps is not None:
                guest_source = "libvirt"
                host_cpu_xml = caps["host_cpu_xml"]
                if caps["host_arch"] and caps["host_arch"] != arch:
                    warnings.append(
                        "libvirt at %s reports host arch %s but the kernel says %s: the URI may name another host" % (libvirt_uri, caps["host_arch"], arch)
                    )
                kvm_guests = [a for a, g in guests.items() if g["accel"] == "kvm"]
                if kvm_guests and not kvm["usable"]:
                    warnings.append(
                        "libvirt offers kvm for %s but this user cannot use /dev/kvm (%s); run with become for the host's own view"
                        % (", ".join(sorted(kvm_guests)), kvm["reason"])
                    )
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
        "cgroup_version": probe_cgroup_version(root, warnings),
        "init_system": probe_init(root, warnings),
        "nova_traits": arch_traits.nova_traits(arch, kvm["usable"], guests),
        "warnings": warnings,
    }
