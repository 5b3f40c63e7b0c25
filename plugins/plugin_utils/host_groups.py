# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide the inventory groups of one host from its ``multiarch_host`` fact.

Controller-side logic behind the filter ``multiarch_host_groups``; the role
``host_facts`` publishes the result as the fact ``multiarch_groups``
(docs/decisions.md) and adds the host to each group. The rule:

* ``arch``: ``<arch prefix><multiarch_host.arch>`` (arch_x86_64, arch_aarch64, ...);
* ``accel``: ``kvm_hosts`` when ``kvm.usable`` is true, ``tcg_only_hosts`` when false,
  ``kvm_unknown_hosts`` when null (/dev/kvm this user could not open: run host_facts with become);
* ``emulates``: ``<emulates prefix><guest arch>`` for every guest whose ``accel`` is
  ``tcg`` and whose arch is not the host's own, sorted;
* ``all``: the three above together, sorted.
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts

KVM_GROUP = "kvm_hosts"
TCG_GROUP = "tcg_only_hosts"
KVM_UNKNOWN_GROUP = "kvm_unknown_hosts"
DEFAULT_ARCH_PREFIX = "arch_"
DEFAULT_EMULATES_PREFIX = "emulates_"

# Ansible group names: letters, digits and underscores, not starting with a digit
# (ansible-core lib/ansible/inventory/group.py, C.INVALID_VARIABLE_NAMES).
_GROUP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class HostGroupsError(AnsibleFilterError):
    """Bad input to multiarch_host_groups; the message names the host, the value and the fix."""


def _label(host):
    return "host %s" % host if host else "the host"


def _check_prefix(value, param, default, host):
    if not isinstance(value, str) or not _GROUP_NAME.match(value + "x"):
        raise HostGroupsError(
            "multiarch_host_groups: %s: %s=%r cannot start an Ansible group name; use letters, digits and underscores, "
            "not starting with a digit (role host_facts: host_facts_%s_group_prefix, default %r)" % (_label(host), param, value, param.split("_")[0], default)
        )


def _group(prefix, arch, host):
    name = "%s%s" % (prefix, arch)
    if not _GROUP_NAME.match(name):
        raise HostGroupsError(
            "multiarch_host_groups: %s: architecture %r gives the group name %r, which Ansible does not accept; "
            "check multiarch_host (run multiarch.kolla.host_facts again)" % (_label(host), arch, name)
        )
    return name


def _checked_fact(multiarch_host, host):
    """(arch, kvm usable: true, false or None, guests) of a multiarch_host dict; HostGroupsError naming what is missing."""
    try:
        return facts.checked(multiarch_host, _label(host))
    except facts.HostFactError as exc:
        raise HostGroupsError("multiarch_host_groups: %s" % exc) from None


def host_groups(multiarch_host, arch_prefix=DEFAULT_ARCH_PREFIX, emulates_prefix=DEFAULT_EMULATES_PREFIX, host=None):
    """The ``multiarch_groups`` dict ``{arch, accel, emulates, all}`` of one host.

    ``host`` (the inventory name) only makes error messages name the host.
    """
    _check_prefix(arch_prefix, "arch_prefix", DEFAULT_ARCH_PREFIX, host)
    _check_prefix(emulates_prefix, "emulates_prefix", DEFAULT_EMULATES_PREFIX, host)
    arch, kvm_usable, guests = _checked_fact(multiarch_host, host)
    arch_group = _group(arch_prefix, arch, host)
    accel_group = {True: KVM_GROUP, False: TCG_GROUP}.get(kvm_usable, KVM_UNKNOWN_GROUP)
    emulated = sorted(name for name, guest in guests.items() if name != arch and guest.get("accel") == "tcg")
    emulates = [_group(emulates_prefix, name, host) for name in emulated]
    return {
        "arch": arch_group,
        "accel": accel_group,
        "emulates": emulates,
        "all": sorted({arch_group, accel_group, *emulates}),
    }
