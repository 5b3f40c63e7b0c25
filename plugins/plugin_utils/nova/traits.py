# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HW_ARCH_*/COMPUTE_ARCH_* traits nova reports for multiarch_host facts, per virt_type.

Which traits a host gets for a virt_type is module_utils/arch_traits.py (shared with
the host modules); this layer checks the facts, picks the host's best virt_type when
none is asked for and refuses one the host cannot use, naming the host and the fix.
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import arch_traits, usable_virt_types
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import VIRT_TYPES


class NovaTraitsError(AnsibleFilterError):
    """Facts that are not multiarch_host, or a virt_type the host cannot use."""


def _virt_type_for(host, virt_type, label):
    kvm = host.get("kvm") or {}
    usable = usable_virt_types(kvm.get("usable"), host.get("guests") or {})
    if virt_type is None:
        if not usable:
            raise NovaTraitsError(
                "nova_arch_traits: %s (arch %s) can use no virt_type: KVM is not usable (%s) and no QEMU emulator was found; "
                "install the emulator package for the host arch" % (label, host.get("arch"), kvm.get("reason"))
            )
        return usable[0]
    if virt_type not in usable:
        why = "KVM is not usable (%s)" % kvm.get("reason") if virt_type == "kvm" else "no QEMU emulator was found"
        raise NovaTraitsError(
            "nova_arch_traits: %s (arch %s) cannot use virt_type %s: %s; ask for one of %s or leave virt_type unset for the host's best"
            % (label, host.get("arch"), virt_type, why, usable or "none")
        )
    return virt_type


def host_traits(host, virt_type=None, label="the host"):
    """Sorted traits of one multiarch_host dict for ``virt_type`` (None: kvm when usable, else qemu)."""
    if not isinstance(host, Mapping) or "arch" not in host or "guests" not in host:
        raise NovaTraitsError(
            "nova_arch_traits: %s is not a multiarch_host dict (needs 'arch', 'kvm' and 'guests'), got %r; "
            "pass the fact set by the multiarch.kolla.host_facts role or the 'host' of host_arch_info" % (label, host)
        )
    guests = host.get("guests") or {}
    if not isinstance(guests, Mapping):
        raise NovaTraitsError("nova_arch_traits: 'guests' of %s must be a dict of guest arches, got %r" % (label, guests))
    return arch_traits(host.get("arch"), guests, _virt_type_for(host, virt_type, label))


def nova_arch_traits(hosts, virt_type=None):
    """Sorted traits for a multiarch_host dict, or the union over a list of them."""
    if virt_type is not None and virt_type not in VIRT_TYPES:
        raise NovaTraitsError(
            "nova_arch_traits: virt_type must be one of %s or None (the host's best: kvm when usable, else qemu), got %r" % (", ".join(VIRT_TYPES), virt_type)
        )
    if isinstance(hosts, Mapping):
        return host_traits(hosts, virt_type)
    if isinstance(hosts, (list, tuple)):
        traits = set()
        for index, host in enumerate(hosts):
            traits.update(host_traits(host, virt_type, "host #%d of the list" % index))
        return sorted(traits)
    raise NovaTraitsError("nova_arch_traits: expected a multiarch_host dict or a list of them, got %r" % (hosts,))
