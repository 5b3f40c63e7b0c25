# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glance image properties for guests of an architecture, native or emulated (filter ``glance_arch_properties``).

Controller side. Machine type, firmware and extra properties per arch come from
``module_utils/archtable.py``; the emulation traits nova can schedule on from
``module_utils/arch_traits.py`` (os-traits' names); the clean-shutdown window of
emulated images from ``nova/timeouts.py``.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import COMPUTE_ARCH_TRAITS
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import (
    ARCHES,
    SUPPORTED_HOST_ARCHES,
    UnknownArchError,
    canonical_arch,
)
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.provider_config import emulation_trait
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.timeouts import os_shutdown_timeout, tcg_slowdowns


def _emulated_properties(guest_arch, host_arch, require_emulation_trait, tcg_slowdown):
    emulatable = [a for a in ARCHES if ARCHES[a]["nova_arch"] and "COMPUTE_ARCH_%s" % a.upper() in COMPUTE_ARCH_TRAITS]
    if guest_arch not in emulatable:
        raise NovaLibvirtError(
            "glance_arch_properties: emulated %s images: nova schedules them by the trait COMPUTE_ARCH_%s, which os-traits does not define; "
            "emulated images can be %s" % (guest_arch, guest_arch.upper(), ", ".join(emulatable))
        )
    # nova 34 manager._get_power_off_values: the image's os_shutdown_timeout wins over [DEFAULT] shutdown_timeout,
    # so the guest gets its arch's window on every host, KVM-shared or dedicated.
    props = {"hw_emulation_architecture": guest_arch, "os_shutdown_timeout": os_shutdown_timeout(guest_arch, tcg_slowdowns(tcg_slowdown)),
             "hw_cdrom_bus": _cdrom_bus(guest_arch)}
    if host_arch is not None:
        try:
            physical = canonical_arch(host_arch)
        except UnknownArchError as exc:
            raise NovaLibvirtError("glance_arch_properties: host_arch: %s" % exc) from None
        if physical == guest_arch:
            raise NovaLibvirtError("glance_arch_properties: %s guests on %s hosts are not emulated; call with emulated=false" % (guest_arch, physical))
        if physical not in SUPPORTED_HOST_ARCHES:
            raise NovaLibvirtError("glance_arch_properties: host_arch=%s: compute hosts are %s" % (host_arch, ", ".join(SUPPORTED_HOST_ARCHES)))
        props["hw_architecture"] = physical
    if require_emulation_trait:
        props["trait:%s" % emulation_trait(guest_arch)] = "required"
    return props


def _cdrom_bus(guest_arch):
    """The CD-ROM bus nova gives a native guest of ``guest_arch`` (archtable ``nova_cdrom_bus``, else by machine type).

    nova 34 picks the bus from hw_architecture (libvirt utils.get_arch), which is the host's arch on an emulated image:
    an aarch64 or ppc64le guest emulated on x86_64 would get an IDE CD-ROM (its config drive, a rescue disk), which
    QEMU's virt and pseries machines do not have ("IDE controllers are unsupported for this QEMU binary or machine type").
    """
    info = ARCHES[guest_arch]
    return info["nova_cdrom_bus"] or ("sata" if "q35" in (info["machine_type"] or "") else "ide")


def _native_properties(guest_arch, host_arch, require_emulation_trait):
    if host_arch is not None and canonical_arch(host_arch, strict=False) not in (None, guest_arch):
        raise NovaLibvirtError(
            "glance_arch_properties: host_arch=%s differs from arch=%s; set emulated=true for an emulated image" % (host_arch, guest_arch)
        )
    if require_emulation_trait:
        raise NovaLibvirtError("glance_arch_properties: require_emulation_trait applies to emulated images only (emulated=true)")
    return {"hw_architecture": guest_arch}


def glance_arch_properties(arch, emulated=False, host_arch=None, require_emulation_trait=False, tcg_slowdown=None):
    """Glance image properties for guests of ``arch``.

    Native images get ``hw_architecture: <arch>``. Emulated images get
    ``hw_emulation_architecture: <arch>`` and, when ``host_arch`` is given,
    ``hw_architecture: <host_arch>`` (the physical hosts' arch, as nova's
    emulation feature defines it); without ``host_arch`` hw_architecture is left
    out so any host that runs the arch (natively or emulated) qualifies.
    ``require_emulation_trait`` adds ``trait:CUSTOM_EMULATES_<ARCH>: required``
    for shared KVM hosts that advertise that custom trait. Emulated images also get
    ``os_shutdown_timeout``: nova's 60 s clean-shutdown window scaled by the arch's TCG
    slowdown (the arch table's, or ``tcg_slowdown`` {arch: factor}, the operator's measured one), and
    ``hw_cdrom_bus``: the bus nova would give the arch natively (see ``_cdrom_bus``).
    """
    try:
        guest_arch = canonical_arch(arch)
    except UnknownArchError as exc:
        raise NovaLibvirtError("glance_arch_properties: %s" % exc) from None
    info = ARCHES[guest_arch]
    if not info["nova_arch"]:
        raise NovaLibvirtError(
            "glance_arch_properties: nova does not know the architecture %s (hw_architecture would be refused); pick one of %s"
            % (guest_arch, ", ".join(a for a in ARCHES if ARCHES[a]["nova_arch"]))
        )
    if emulated:
        props = _emulated_properties(guest_arch, host_arch, require_emulation_trait, tcg_slowdown)
    else:
        props = _native_properties(guest_arch, host_arch, require_emulation_trait)
    if info["machine_type"]:
        props["hw_machine_type"] = info["machine_type"]
    if info["uefi"] == "required":
        props["hw_firmware_type"] = "uefi"
    props.update(info["image_properties"])
    return props
