"""Filter nova_provider_config: the shim over plugin_utils/nova/provider_config.py, its documentation, a call through Ansible.

The decision itself, with nova's own provider config loader as its oracle, is tested
in tests/unit/plugins/plugin_utils/nova/test_provider_config.py.
"""

from __future__ import annotations

import yaml
from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.provider_config import (
    provider_config,
    provider_config_for_arches,
    render_provider_config_yaml,
)

FILTER = filter_plugin("nova_provider_config")
EXPECTED = {
    "meta": {"schema_version": "1.0"},
    "providers": [{"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["CUSTOM_EMULATES_AARCH64"]}}],
}


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is provider_config_for_arches  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER(["arm64"]) == EXPECTED == provider_config(["CUSTOM_EMULATES_AARCH64"])
    text = FILTER(["arm64"], render=True)
    assert text == render_provider_config_yaml(EXPECTED) and yaml.safe_load(text) == EXPECTED


def test_documented_options_match_the_signature():
    check_documented_options("nova_provider_config")


def test_through_ansible():
    assert through_ansible("['aarch64'] | multiarch.kolla.nova_provider_config", {})["msg"] == EXPECTED
    refused = through_ansible("['aarch64'] | multiarch.kolla.nova_provider_config(base={'providers': []}, host='c1')", {})
    assert refused.get("failed") and "host c1: provider config base: meta.schema_version=None" in refused["msg"]
