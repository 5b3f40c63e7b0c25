# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host aggregates of the compute hosts: one per host arch, one per emulated guest arch (filter ``nova_compute_arch_aggregates``)."""

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError


def compute_arch_aggregates(plans, prefix=""):
    """Host aggregates from the plans of all hosts: one per host arch, one per emulated guest arch.

    ``plans`` is a list of plans (or a dict of host name to plan); plans with
    errors are skipped. Each aggregate is ``{name, hosts, metadata}``, sorted by
    name, hosts sorted: the arguments of ``openstack.cloud.host_aggregate``.
    """
    if isinstance(plans, dict):
        plans = list(plans.values())
    if not isinstance(plans, (list, tuple)):
        raise NovaLibvirtError("nova_compute_arch_aggregates: expected a list of nova_compute_arch_plan results, got %r" % (plans,))
    prefix = to_text(prefix or "")
    aggregates = {}

    def add(name, host, metadata):
        entry = aggregates.setdefault(prefix + name, {"name": prefix + name, "hosts": [], "metadata": metadata})
        if host not in entry["hosts"]:
            entry["hosts"].append(host)

    for plan in plans:
        if not isinstance(plan, dict) or plan.get("errors") or not plan.get("arch"):
            continue
        host = plan.get("nova_host") or plan.get("host")
        add("arch-%s" % plan["arch"], host, {"hw_architecture": plan["arch"]})
        for arch in plan.get("emulated") or []:
            add("emulates-%s" % arch, host, {"hw_emulation_architecture": arch})
    result = []
    for name in sorted(aggregates):
        entry = aggregates[name]
        entry["hosts"] = sorted(entry["hosts"])
        result.append(entry)
    return result
