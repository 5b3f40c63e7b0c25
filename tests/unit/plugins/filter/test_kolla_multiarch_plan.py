"""Filter kolla_multiarch_plan: the shim over plugin_utils/kolla/plan.py, its documentation, a call through Ansible.

The plan itself is tested in tests/unit/plugins/plugin_utils/kolla/test_plan.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible
from kollafilters import GROUPS, hostvars, small_plan

from ansible_collections.multiarch.kolla.plugins.filter.kolla_multiarch_plan import kolla_multiarch_plan

FILTER = filter_plugin("kolla_multiarch_plan")


def test_shim_is_the_plan():
    assert FILTER is kolla_multiarch_plan
    assert FILTER(GROUPS, hostvars()) == small_plan()
    assert FILTER(GROUPS, hostvars(), image_sources={"aarch64": {"tag_suffix": "-arm"}})["group_vars"]["arch_aarch64"] == {"openstack_tag_suffix": "-arm"}


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_plan")


def test_through_ansible():
    result = through_ansible("groups_ | multiarch.kolla.kolla_multiarch_plan(hv)", {"groups_": GROUPS, "hv": hostvars()})
    assert result["msg"]["arch_groups"] == {"arch_aarch64": ["ca1"], "arch_x86_64": ["ctl1"]}


def test_a_refusal_through_ansible_lists_the_problem_without_a_traceback():
    bad = hostvars()
    del bad["ca1"]["multiarch_nova_compute"]
    result = through_ansible("groups_ | multiarch.kolla.kolla_multiarch_plan(hv)", {"groups_": GROUPS, "hv": bad})
    assert result["failed"] is True
    assert "host ca1 is in a compute group but has no multiarch_nova_compute decision" in result["msg"]
    assert "Traceback" not in result["msg"]
