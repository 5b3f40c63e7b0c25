# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HW_ARCH_* and COMPUTE_ARCH_* traits nova's libvirt driver reports.

Target hosts cannot import os-traits, so the valid names are listed here; a unit
test compares both lists with the os_traits package (os-traits 3.9). nova builds
them as follows (nova/virt/libvirt/driver.py, _get_cpu_arch_traits and
_get_cpu_emulation_arch_traits; nova/virt/libvirt/host.py, get_domain_capabilities):

* ``HW_ARCH_<host arch>`` from the host CPU arch of the libvirt capabilities;
* ``COMPUTE_ARCH_<guest arch>`` for every guest arch whose domain capabilities can
  be fetched for the configured ``[libvirt] virt_type``: with ``kvm`` only guests
  that have a kvm domain, with ``qemu`` every guest with an emulator;
* in both cases only names that exist in os-traits.

Runs on target hosts and controllers (Python >= 3.9, standard library only).
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import VIRT_TYPES

COMPUTE_ARCH_TRAITS = frozenset(
    (
        "COMPUTE_ARCH_AARCH64",
        "COMPUTE_ARCH_MIPSEL",
        "COMPUTE_ARCH_PPC64LE",
        "COMPUTE_ARCH_RISCV64",
        "COMPUTE_ARCH_S390X",
        "COMPUTE_ARCH_X86_64",
    )
)

HW_ARCH_TRAITS = frozenset(
    (
        "HW_ARCH_AARCH64",
        "HW_ARCH_ALPHA",
        "HW_ARCH_ARMV6",
        "HW_ARCH_ARMV7",
        "HW_ARCH_ARMV7B",
        "HW_ARCH_CRIS",
        "HW_ARCH_I686",
        "HW_ARCH_IA64",
        "HW_ARCH_LM32",
        "HW_ARCH_M68K",
        "HW_ARCH_MICROBLAZE",
        "HW_ARCH_MICROBLAZEEL",
        "HW_ARCH_MIPS",
        "HW_ARCH_MIPS64",
        "HW_ARCH_MIPS64EL",
        "HW_ARCH_MIPSEL",
        "HW_ARCH_OPENRISC",
        "HW_ARCH_PARISC",
        "HW_ARCH_PARISC64",
        "HW_ARCH_PPC",
        "HW_ARCH_PPC64",
        "HW_ARCH_PPC64LE",
        "HW_ARCH_PPCEMB",
        "HW_ARCH_PPCLE",
        "HW_ARCH_S390",
        "HW_ARCH_S390X",
        "HW_ARCH_SH4",
        "HW_ARCH_SH4EB",
        "HW_ARCH_SPARC",
        "HW_ARCH_SPARC64",
        "HW_ARCH_UNICORE32",
        "HW_ARCH_X86_64",
        "HW_ARCH_XTENSA",
        "HW_ARCH_XTENSAEB",
    )
)


def arch_traits(host_arch, guests, virt_type):
    """Sorted trait names nova reports for ``virt_type`` ('kvm' or 'qemu').

    ``host_arch`` is the host's canonical arch, ``guests`` the ``guests`` dict of
    multiarch_host. Names that os-traits does not define are left out, as nova does.
    """
    if virt_type not in VIRT_TYPES:
        raise ValueError("virt_type must be one of %s, got %r" % (", ".join(VIRT_TYPES), virt_type))
    traits = set()
    if host_arch:
        hw = "HW_ARCH_" + str(host_arch).upper()
        if hw in HW_ARCH_TRAITS:
            traits.add(hw)
    for arch, guest in (guests or {}).items():
        domains = guest.get("domain_types") or []
        if virt_type == "kvm" and "kvm" not in domains:
            continue
        if virt_type == "qemu" and not (guest.get("emulator") or domains):
            continue
        trait = "COMPUTE_ARCH_" + str(arch).upper()
        if trait in COMPUTE_ARCH_TRAITS:
            traits.add(trait)
    return sorted(traits)


def usable_virt_types(kvm_usable, guests):
    """The ``[libvirt] virt_type`` values a host can use: kvm when KVM is usable (true; not null, unknown), qemu when any emulator exists."""
    types = []
    if kvm_usable is True:
        types.append("kvm")
    if any(g.get("emulator") or g.get("domain_types") for g in (guests or {}).values()):
        types.append("qemu")
    return types


def nova_traits(host_arch, kvm_usable, guests):
    """``{virt_type: [traits]}`` for each virt type the host can use."""
    return {vt: arch_traits(host_arch, guests, vt) for vt in usable_virt_types(kvm_usable, guests)}


def nova_targetable(arch):
    """Whether nova can steer guests of ``arch`` to a host: os-traits names the arch (HW_ARCH_* or COMPUTE_ARCH_*).

    nova 34 turns an image's hw_architecture / hw_emulation_architecture into
    HW_ARCH_<ARCH> / COMPUTE_ARCH_<ARCH> and gives up on the whole request when os-traits
    lacks the name (nova/scheduler/request_filter.py, transform_image_metadata); a host
    reports COMPUTE_ARCH_* only for names os-traits defines (driver.py,
    _get_cpu_emulation_arch_traits). Of the arch table's arches only armv7l has neither
    (os-traits spells it HW_ARCH_ARMV7).
    """
    suffix = str(arch).upper()
    return "HW_ARCH_" + suffix in HW_ARCH_TRAITS or "COMPUTE_ARCH_" + suffix in COMPUTE_ARCH_TRAITS
