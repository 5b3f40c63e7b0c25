# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_arch_traits: the arch traits nova reports for one or more multiarch_host dicts (docs in nova_arch_traits.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import arch_traits, usable_virt_types
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import VIRT_TYPES


def _one_host(host, virt_type, label):
    if not isinstance(host, Mapping) or "arch" not in host or "guests" not in host:
        raise AnsibleFilterError(
            "nova_arch_traits: %s is not a multiarch_host dict (needs 'arch', 'kvm' and 'guests'), got %r; "
            "pass the fact set by the multiarch.kolla.host_facts role or the 'host' of host_arch_info" % (label, host)
        )
    guests = host.get("guests") or {}
    if not isinstance(guests, Mapping):
        raise AnsibleFilterError("nova_arch_traits: 'guests' of %s must be a dict of guest arches, got %r" % (label, guests))
    kvm = host.get("kvm") or {}
    usable = usable_virt_types(bool(kvm.get("usable")), guests)
    wanted = virt_type
    if wanted is None:
        if not usable:
            raise AnsibleFilterError(
                "nova_arch_traits: %s (arch %s) can use no virt_type: KVM is not usable (%s) and no QEMU emulator was found; "
                "install the emulator package for the host arch" % (label, host.get("arch"), kvm.get("reason"))
            )
        wanted = usable[0]
    elif wanted not in usable:
        why = "KVM is not usable (%s)" % kvm.get("reason") if wanted == "kvm" else "no QEMU emulator was found"
        raise AnsibleFilterError(
            "nova_arch_traits: %s (arch %s) cannot use virt_type %s: %s; ask for one of %s or leave virt_type unset for the host's best"
            % (label, host.get("arch"), wanted, why, usable or "none")
        )
    return arch_traits(host.get("arch"), guests, wanted)


def nova_arch_traits(hosts, virt_type=None):
    """Sorted HW_ARCH_*/COMPUTE_ARCH_* traits for a multiarch_host dict or a list of them (union)."""
    if virt_type is not None and virt_type not in VIRT_TYPES:
        raise AnsibleFilterError(
            "nova_arch_traits: virt_type must be one of %s or None (the host's best: kvm when usable, else qemu), got %r" % (", ".join(VIRT_TYPES), virt_type)
        )
    if isinstance(hosts, Mapping):
        return _one_host(hosts, virt_type, "the host")
    if isinstance(hosts, (list, tuple)):
        traits = set()
        for index, host in enumerate(hosts):
            traits.update(_one_host(host, virt_type, "host #%d of the list" % index))
        return sorted(traits)
    raise AnsibleFilterError("nova_arch_traits: expected a multiarch_host dict or a list of them, got %r" % (hosts,))


class FilterModule(object):
    def filters(self):
        return {"nova_arch_traits": nova_arch_traits}
