"""Filter multiarch_capability_map: the shim over plugin_utils/report/capability_map.py, its documentation, a call through Ansible.

The map itself is tested in tests/unit/plugins/plugin_utils/report/.
"""

from __future__ import annotations

import json

from filterdocs import check_documented_options, filter_plugin, through_ansible
from kollatestlib import fact
from report_testlib import PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.capability_map import capability_map
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import ROW_KEYS

FILTER = filter_plugin("multiarch_capability_map")


def test_shim_is_the_map():
    assert FILTER.__wrapped__ is capability_map  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("multiarch_capability_map")


def test_documented_return_is_the_map(tmp_path):
    returned = check_documented_options("multiarch_capability_map")["RETURN"]["_value"]["contains"]
    hostvars, hosts = fleet(tmp_path)
    got = FILTER(hostvars, hosts, PPC_REGISTRY)
    assert list(returned) == list(got)
    assert list(returned["rows"]["contains"]) == list(ROW_KEYS) == list(got["rows"][0])


def test_through_ansible(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    got = through_ansible("hv | multiarch.kolla.multiarch_capability_map(['ca1', 'cp1', 'gone'], image_sources=sources)",
                          {"hv": {"ca1": hostvars["ca1"], "cp1": hostvars["cp1"]}, "sources": PPC_REGISTRY})
    assert not got.get("failed"), got
    rows = json.loads(got["msg"]["json"])["hosts"]
    assert [(row["host"], row["arch"], row["detected"]) for row in rows] == [("ca1", "aarch64", True), ("cp1", "ppc64le", True), ("gone", None, False)]
    assert rows[1]["images"]["registry"] == "registry.example.com:4000"
    assert "| ca1 | aarch64 | ARM Neoverse-N1 | kvm |" in got["msg"]["markdown"]


def test_bad_input_fails_the_task_with_the_message_not_a_traceback():
    got = through_ansible("hv | multiarch.kolla.multiarch_capability_map('all')", {"hv": {"a": {"multiarch_host": fact("x86_64")}}})
    assert got.get("failed")
    assert "hosts must be a list of inventory host names, got 'all'" in got["msg"]
    assert "Traceback" not in got["msg"]
