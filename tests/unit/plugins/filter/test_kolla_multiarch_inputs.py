"""Filter kolla_multiarch_inputs: the shim over plugin_utils/kolla/files.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.files import inputs

FILTER = filter_plugin("kolla_multiarch_inputs")
TEXTS = {"/etc/kolla/globals.yml": "kolla_base_distro: debian\n", "/etc/kolla/inventory/host_vars/h1.yml": "a: 1\n"}


def test_shim_is_the_reader():
    assert FILTER.__wrapped__ is inputs  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_inputs")


def test_through_ansible():
    result = through_ansible("t | multiarch.kolla.kolla_multiarch_inputs('/etc/kolla', '/etc/kolla/config', '/etc/kolla/inventory')", {"t": TEXTS})
    assert result["msg"]["globals"] == {"/etc/kolla/globals.yml": {"kolla_base_distro": "debian"}}
    assert result["msg"]["vars"] == {"host_vars/h1.yml": {"a": 1}}
