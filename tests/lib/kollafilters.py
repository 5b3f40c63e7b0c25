"""Inputs for the tests of the kolla_multiarch filter shims: one small decided cloud, built with the real decide code."""

from __future__ import annotations

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan

GROUPS = {"control": ["ctl1"], "compute": ["ctl1", "ca1"]}


def hostvars():
    result = {}
    for host, arch in (("ctl1", "x86_64"), ("ca1", "aarch64")):
        fact = {"arch": arch, "kvm": {"usable": False}, "guests": {}}
        result[host] = {
            "multiarch_host": fact,
            "multiarch_groups": {"arch": "arch_" + arch},
            "multiarch_nova_compute": compute_arch_plan(fact, host=host)["decision"],
        }
    return result


def small_plan():
    return plan(GROUPS, hostvars())
