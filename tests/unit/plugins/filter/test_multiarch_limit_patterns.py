"""Filter multiarch_limit_patterns: the shim over plugin_utils/limit.py, its documentation, a call through Ansible.

Oracle: ansible-core's own InventoryManager, limited with ``subset`` (what ``--limit`` does, @file included): the
inventory_hostnames lookup over the filter's patterns must select the same hosts.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.limit import limit_patterns

FILTER = filter_plugin("multiarch_limit_patterns")
INVENTORY = "[control]\nc1\n[compute]\ncx1\ncx2\ncx3\n[gpu]\ncx3\n"


@pytest.fixture
def inventory(tmp_path):
    (tmp_path / "hosts").write_text(INVENTORY)
    (tmp_path / "site.retry").write_text("cx1\n\n  cx3  \n")
    return tmp_path


def _limited(inventory, limit):
    """The hosts ansible-playbook keeps for ``--limit limit`` (ansible-core's InventoryManager.subset)."""
    manager = InventoryManager(loader=DataLoader(), sources=[str(inventory / "hosts")])
    manager.subset(limit)
    return sorted(host.name for host in manager.get_hosts("all"))


def _looked_up(inventory, patterns):
    manager = InventoryManager(loader=DataLoader(), sources=[str(inventory / "hosts")])
    return sorted(host.name for host in manager.get_hosts(patterns))


def test_shim_is_the_rule():
    assert FILTER.__wrapped__ is limit_patterns  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("multiarch_limit_patterns")


@pytest.mark.parametrize("limit", ["cx1,c1", "compute:!gpu", "@{dir}/site.retry", "c1,@{dir}/site.retry", "compute:&gpu"])
def test_the_patterns_select_what_ansible_playbook_keeps(inventory, limit):
    limit = limit.format(dir=inventory)
    assert _looked_up(inventory, limit_patterns(limit)) == _limited(inventory, limit)


def test_a_file_element_is_read_line_by_line(inventory):
    assert limit_patterns("c1,@%s/site.retry" % inventory) == ["c1", "cx1", "cx3"]


def test_a_missing_limit_file_fails_naming_it(inventory):
    with pytest.raises(AnsibleFilterError, match=r"cannot read the limit file .*/nope\.retry.*one a line"):
        limit_patterns("@%s/nope.retry" % inventory)


def test_through_ansible_with_the_lookup(inventory):
    expression = "query('ansible.builtin.inventory_hostnames', *(limit | multiarch.kolla.multiarch_limit_patterns)) | sort"
    found = through_ansible(expression, {"limit": "@%s/site.retry" % inventory}, inventory=str(inventory / "hosts"))
    assert found["msg"] == ["cx1", "cx3"], found
