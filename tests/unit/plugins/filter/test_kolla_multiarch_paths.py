"""Filter kolla_multiarch_paths: the shim over plugin_utils/kolla/files.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.files import paths

FILTER = filter_plugin("kolla_multiarch_paths")


def test_shim_is_the_paths():
    assert FILTER.__wrapped__ is paths  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_paths")


def test_through_ansible():
    result = through_ansible("'/etc/kolla' | multiarch.kolla.kolla_multiarch_paths('/etc/kolla/config', '/etc/kolla/inventory')", {})
    assert result["msg"] == paths("/etc/kolla", "/etc/kolla/config", "/etc/kolla/inventory")
