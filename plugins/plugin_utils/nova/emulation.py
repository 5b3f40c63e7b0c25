# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What emulating a foreign guest arch takes on a compute host: its packages, whether it runs, the nova-libvirt image.

Controller side, used by ``nova/compute_arch.py``. Packages and firmware per arch
and OS family come from ``module_utils/archtable.py``.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts

# kolla_base_distro values whose images are RPM based (nova-libvirt ships qemu-kvm: the native emulator only).
RPM_KOLLA_DISTROS = ("centos", "rocky", "rhel", "almalinux", "oraclelinux")
DEB_KOLLA_DISTROS = ("debian", "ubuntu")
# ansible_facts.os_family values and the arch table's package families.
OS_FAMILY_KEYS = {"Debian": "Debian", "RedHat": "RedHat"}


def as_arch_list(value, host, what):
    """Canonical arch names from a list or comma-separated string; (arches, errors)."""
    if value is None or value == "":
        return [], []
    if isinstance(value, str):
        raw = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        raw = list(value)
    else:
        return [], ["host %s: %s=%r: give a list of guest architectures such as [aarch64, ppc64le]" % (host, what, value)]
    arches, errors = [], []
    for item in raw:
        try:
            arch = canonical_arch(item)
        except UnknownArchError as exc:
            errors.append("host %s: %s: %s" % (host, what, exc))
            continue
        if arch not in arches:
            arches.append(arch)
    return arches, errors


def runnable(arch, guests):
    """The host can start guests of ``arch``: an emulator, and UEFI where the arch boots only UEFI."""
    guest = guests.get(arch)
    if guest is None:
        return False
    return not (ARCHES[arch]["uefi"] == "required" and guest.get("uefi") is False)


def _no_emulator(arch, key, info):
    """Why OS family ``key`` cannot install an emulator for ``arch`` guests (the arch table lists none)."""
    if key != "RedHat":
        return "the arch table lists no %s package with %s" % (key, info["qemu_binary"])
    native = sorted(a for a, entry in ARCHES.items() if entry["native_emulator_packages"]["RedHat"])
    return (
        "EL (RHEL, Rocky, AlmaLinux) ships qemu-kvm (/usr/libexec/qemu-kvm) built for the host's own architecture only (on %s hosts), "
        "and no qemu-system-* package for other architectures, so %s guests cannot be emulated on an EL host (%s is in no EL "
        "repository; docs/architectures.md); emulate %s on a Debian or Ubuntu compute host" % (", ".join(native), arch, info["qemu_binary"], arch)
    )


def packages(arch, family):
    """(packages, reason): what installs ``arch`` guests on OS family ``family``; reason says why not, else None."""
    info = ARCHES[arch]
    key = OS_FAMILY_KEYS.get(family)
    if key is None:
        return [], "this collection installs emulators on Debian/Ubuntu and EL (RedHat family) hosts only"
    emulators = list(info["emulator_packages"].get(key) or [])
    firmware = list(info["firmware_packages"].get(key) or [])
    if not emulators:
        return [], _no_emulator(arch, key, info)
    if info["uefi"] == "required" and not firmware:
        return [], "%s guests boot UEFI only and the arch table lists no %s UEFI firmware package for them" % (arch, key)
    return emulators + firmware, None


def with_pending(fact, pending):
    """A copy of ``fact`` whose ``guests`` also hold the arches about to be installed (check mode, or before installing)."""
    return facts.with_guests(
        fact,
        {arch: {"accel": "tcg", "emulator": "/usr/bin/" + ARCHES[arch]["qemu_binary"], "machines": [], "cpu_models": [], "uefi": None} for arch in pending},
    )


def with_native(fact, host_arch):
    """``fact``, with the host's own arch (details unknown) added to ``guests`` when only foreign ones are listed.

    nova-compute runs guests of its own arch with the emulator of the nova_libvirt
    image, whatever the host itself has installed; a host where the role installed
    only foreign emulators must keep its native settings (machine type).
    """
    guests = facts.guests(fact)
    if not guests or host_arch in guests:
        return fact
    return facts.with_guests(fact, {host_arch: {}})


def image_warnings(host, host_arch, foreign, kolla_base_distro):
    distro = (kolla_base_distro or "").strip().lower()
    if not foreign:
        return []
    listed = ", ".join(foreign)
    if distro in RPM_KOLLA_DISTROS:
        return [
            "host %s: kolla_base_distro=%s: Kolla's RPM-based nova-libvirt image installs qemu-kvm, the native emulator only, so the "
            "emulated %s guests cannot start in it even with the emulators installed on the host; use a Debian or Ubuntu based "
            "nova-libvirt image (qemu-system) or build one that adds qemu-system-<arch>" % (host, distro, listed)
        ]
    if distro in DEB_KOLLA_DISTROS:
        native_fw = set(ARCHES[host_arch]["firmware_packages"].get("Debian") or [])
        lacking = [
            "%s (%s)" % (arch, ", ".join(ARCHES[arch]["firmware_packages"]["Debian"]))
            for arch in foreign
            if ARCHES[arch]["uefi"] == "required" and not set(ARCHES[arch]["firmware_packages"].get("Debian") or []) <= native_fw
        ]
        if lacking:
            return [
                "host %s: kolla_base_distro=%s: Kolla's %s nova-libvirt image carries qemu-system for every arch but only the %s guest "
                "firmware; %s guests boot UEFI only, so add the package(s) to the image (kolla-build: nova_libvirt_packages_append)"
                % (host, distro, host_arch, host_arch, ", ".join(lacking))
            ]
        return []
    return [
        "host %s: kolla_base_distro is not known here; the nova-libvirt image must carry the emulators and firmware of %s "
        "(Kolla's RPM-based images carry only the native emulator)" % (host, listed)
    ]
