"""Filter kolla_multiarch_inventory_groups: the shim over plugin_utils/kolla/inventory.py, its documentation, a call through Ansible."""

from __future__ import annotations

import json

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import inventory_groups

FILTER = filter_plugin("kolla_multiarch_inventory_groups")
LISTED = {"_meta": {}, "all": {"children": ["ungrouped", "control"]}, "control": {"hosts": ["ctl1"]}, "nova": {"children": ["control"]}}


def test_shim_calls_the_inventory_reader():
    assert FILTER(json.dumps(LISTED)) == inventory_groups(LISTED)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_inventory_groups")


def test_through_ansible():
    assert through_ansible("listed | multiarch.kolla.kolla_multiarch_inventory_groups", {"listed": json.dumps(LISTED)})["msg"]["nova"] == ["ctl1"]
