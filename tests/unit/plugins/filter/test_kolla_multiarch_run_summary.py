"""Filter kolla_multiarch_run_summary: the shim over plugin_utils/kolla/run.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.run import run_summary

FILTER = filter_plugin("kolla_multiarch_run_summary")
RUN = {"rc": 0, "delta": "0:03:28", "stdout": "PLAY RECAP ***\nmol-x86_64 : ok=120  changed=0  unreachable=0  failed=0\n", "stderr": ""}


def test_shim_is_the_summary():
    assert FILTER.__wrapped__ is run_summary  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_run_summary")


def test_through_ansible():
    result = through_ansible("run | multiarch.kolla.kolla_multiarch_run_summary('genconfig')", {"run": RUN})
    assert result["msg"]["changed"] is False
    assert result["msg"]["recap"] == ["kolla-ansible genconfig ran 0:03:28, exit 0", "mol-x86_64 : ok=120  changed=0  unreachable=0  failed=0"]
