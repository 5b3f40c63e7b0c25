# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kolla-ansible inventory's groups, and which hosts kolla-ansible deploys to.

Controller side. Groups come from ``ansible-inventory --list`` (membership is
transitive, as Ansible's ``groups`` magic variable has it).
"""

import json

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError

# Groups whose hosts together form the control plane (kolla-ansible's multinode
# inventory: everything but compute); they must be one architecture.
DEFAULT_CONTROL_PLANE_GROUPS = ("control", "network", "monitoring", "storage")
# Groups whose hosts run nova-compute.
DEFAULT_COMPUTE_GROUPS = ("compute",)
# Groups whose hosts run no kolla container (kolla's `deployment` group is the
# deploy host itself): their hosts need no arch unless they are also in a
# control-plane or compute group.
DEFAULT_SKIP_GROUPS = ("deployment",)
# Groups that are not the operator's (never checked or reported as such).
IMPLICIT_GROUPS = ("all", "ungrouped")


def inventory_groups(inventory_list):
    """Groups of an ``ansible-inventory --list`` answer as ``{group: [hosts]}``.

    Membership is transitive (a group holds the hosts of its children, as
    Ansible's ``groups`` magic variable does); each list keeps the inventory's
    order without duplicates. ``inventory_list`` is the parsed JSON or its text.
    """
    if isinstance(inventory_list, str):
        try:
            inventory_list = json.loads(inventory_list)
        except ValueError as exc:
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: the ansible-inventory --list output is not JSON: %s" % exc) from None
    if not isinstance(inventory_list, dict):
        raise KollaMultiarchError("kolla_multiarch_inventory_groups: expected the dict ansible-inventory --list prints, got %s" % type(inventory_list).__name__)
    raw = {}
    for name, value in inventory_list.items():
        if name == "_meta":
            continue
        entry = {"hosts": value} if isinstance(value, list) else value  # old script format: a bare host list
        if not isinstance(entry, dict):
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: group %s is %r, expected a dict with hosts/children" % (name, entry))
        raw[to_text(name)] = ([to_text(h) for h in entry.get("hosts") or []], [to_text(c) for c in entry.get("children") or []])
    resolved = {}

    def resolve(name, stack):
        if name in resolved:
            return resolved[name]
        if name in stack:
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: group %s is its own descendant (%s)" % (name, " -> ".join([*stack, name])))
        hosts, children = raw.get(name, ([], []))
        seen = set()
        ordered = []
        for host in hosts:
            if host not in seen:
                seen.add(host)
                ordered.append(host)
        for child in children:
            for host in resolve(child, [*stack, name]):
                if host not in seen:
                    seen.add(host)
                    ordered.append(host)
        resolved[name] = ordered
        return ordered

    for name in raw:
        resolve(name, [])
    return resolved


def normalise_groups(groups):
    if not isinstance(groups, dict):
        raise KollaMultiarchError("kolla_multiarch_plan: groups must be a dict {group: [hosts]} (Ansible's groups), got %s" % type(groups).__name__)
    result = {}
    for name, hosts in groups.items():
        if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
            raise KollaMultiarchError("kolla_multiarch_plan: group %s must list host names, got %r" % (name, hosts))
        result[to_text(name)] = [to_text(h) for h in hosts]
    return result


def group_list(value, what):
    """A list of group names, or KollaMultiarchError naming the variable."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise KollaMultiarchError("kolla_multiarch_plan: %s must be a list of group names, got %r" % (what, value))
    return list(value)


def members(groups, names):
    """The hosts of the groups ``names``, in inventory order, without duplicates."""
    seen, ordered = set(), []
    for name in names:
        for host in groups.get(name, []):
            if host not in seen:
                seen.add(host)
                ordered.append(host)
    return ordered


def deploy_targets(groups, control_plane_groups, compute_groups, skip_groups):
    """``(hosts kolla-ansible deploys to, {host: its groups})`` from the operator's groups.

    A host of a skip group (kolla's ``deployment``, and groups fed from it such as
    ``bifrost``) is placed only when it is also in a control-plane or compute group.
    """
    member_of, order = {}, []
    for name, hosts in groups.items():
        if name in IMPLICIT_GROUPS:
            continue
        for host in hosts:
            if host not in member_of:
                member_of[host] = set()
                order.append(host)
            member_of[host].add(name)
    skipped = set(members(groups, skip_groups))
    kept = set(members(groups, list(control_plane_groups) + list(compute_groups)))
    placed = [h for h in order if h not in skipped or h in kept]
    if not placed:
        raise KollaMultiarchError(
            "kolla_multiarch_plan: the inventory has no host outside %s; give the kolla-ansible inventory (groups control, compute, ...)"
            % (", ".join(sorted(skip_groups)) or "all")
        )
    return placed, member_of
