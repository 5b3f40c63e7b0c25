"""Filter canonical_arch: the shim over plugin_utils/arch_name.py, its documentation, a call through Ansible.

The names themselves are tested in tests/unit/plugins/plugin_utils/test_arch_name.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.arch_name import canonical_arch

FILTER = filter_plugin("canonical_arch")


def test_shim_is_the_rule():
    assert FILTER.__wrapped__ is canonical_arch  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER("arm64") == "aarch64"


def test_documented_options_match_the_signature():
    check_documented_options("canonical_arch")


def test_through_ansible():
    assert through_ansible("'ppc64el' | multiarch.kolla.canonical_arch", {})["msg"] == "ppc64le"
    refused = through_ansible("'sparc64' | multiarch.kolla.canonical_arch", {})
    assert refused.get("failed") and "'sparc64'" in refused["msg"] and "archtable.py" in refused["msg"]
