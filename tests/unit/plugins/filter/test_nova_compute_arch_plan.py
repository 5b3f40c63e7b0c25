"""Filter nova_compute_arch_plan: the shim over plugin_utils/nova/compute_arch.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/nova/test_compute_arch.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import DECISION_KEYS, compute_arch_plan

FILTER = filter_plugin("nova_compute_arch_plan")

LAB_X86 = {"arch": "x86_64", "kvm": {"usable": False, "reason": "/dev/kvm is missing"}, "guests": {}, "guest_source": "none"}


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is compute_arch_plan  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    plan = FILTER(LAB_X86, host="lab-x86")
    assert plan["errors"] == [] and plan["decision"]["virt_type"] == "qemu"


def test_documented_options_match_the_signature():
    check_documented_options("nova_compute_arch_plan")


def test_documented_return_is_the_plan():
    returned = check_documented_options("nova_compute_arch_plan")["RETURN"]["_value"]["contains"]
    decided = FILTER(LAB_X86, host="lab-x86")
    refused = FILTER(None, host="lab-x86")
    assert set(returned) == set(decided) == set(refused)
    assert "provider_config_yaml" not in returned
    assert list(returned["decision"]["contains"]) == list(DECISION_KEYS)
    assert set(decided["decision"]) == set(DECISION_KEYS) and refused["decision"] is None


def test_through_ansible():
    got = through_ansible("fact | multiarch.kolla.nova_compute_arch_plan(host='lab-x86', emulated_arches=['sparc64'])", {"fact": LAB_X86})
    assert not got.get("failed")  # host problems come back in errors, they do not fail the task
    assert got["msg"]["decision"] is None
    assert len(got["msg"]["errors"]) == 1 and "host lab-x86: nova_compute_arch_emulated_arches" in got["msg"]["errors"][0]
