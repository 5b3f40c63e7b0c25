"""Filter kolla_multiarch_environment: the shim over plugin_utils/kolla/environment.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.environment import environment_script

FILTER = filter_plugin("kolla_multiarch_environment")


def test_shim_is_the_script():
    assert FILTER.__wrapped__ is environment_script  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_environment")


def test_through_ansible():
    result = through_ansible("env | multiarch.kolla.kolla_multiarch_environment('/opt/v', '/var/log/k.log')", {"env": {"OS_PASSWORD": "a'b"}})
    assert result["msg"] == environment_script({"OS_PASSWORD": "a'b"}, "/opt/v", "/var/log/k.log")
