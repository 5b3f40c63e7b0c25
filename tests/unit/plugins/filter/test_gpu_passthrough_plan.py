"""Filter gpu_passthrough_plan: the shim over plugin_utils/gpu/plan.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/gpu/test_gpu_*.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible
from gpu_testlib import host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import PLAN_KEYS, gpu_passthrough_plan

FILTER = filter_plugin("gpu_passthrough_plan")


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is gpu_passthrough_plan  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("gpu_passthrough_plan")


def test_documented_return_is_the_plan(tmp_path):
    returned = check_documented_options("gpu_passthrough_plan")["RETURN"]["_value"]["contains"]
    decided = FILTER(host_pci(tmp_path, "sriov_a100"), host="h1", arch="x86_64", cpu_vendor="AuthenticAMD", all_gpus=True)
    assert list(returned) == list(PLAN_KEYS) == list(decided)
    assert set(returned["binding"]["contains"]) == set(decided["binding"])


def test_through_ansible(tmp_path):
    pci = host_pci(tmp_path, "amd_w5500")
    got = through_ansible("pci | multiarch.kolla.gpu_passthrough_plan(host='h1', arch='x86_64', cpu_vendor='AuthenticAMD', ids=['1002:7341'])", {"pci": pci})
    assert not got.get("failed")  # refusals come back in the plan, they do not fail the task
    assert [r["name"] for r in got["msg"]["refused"]] == ["vendor_reset_missing", "no_reset_recovery"]
    assert got["msg"]["files"] == {}
