"""plugins/plugin_utils/kolla/inventory.py: the kolla-ansible inventory's groups and the hosts kolla-ansible deploys to.

Oracle: Ansible's own inventory manager (group membership from the same file).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from kollatestlib import multinode

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import (
    DEFAULT_COMPUTE_GROUPS,
    DEFAULT_CONTROL_PLANE_GROUPS,
    DEFAULT_SKIP_GROUPS,
    deploy_targets,
    group_list,
    inventory_groups,
    members,
    normalise_groups,
)


def test_inventory_groups_match_ansibles_own_groups(tmp_path):
    """ansible-inventory --list --export, turned into groups here, equals Ansible's own groups (transitive)."""
    inventory = tmp_path / "multinode"
    inventory.write_text(
        "[control]\nctl1\nctl2\n[network]\nnet1\n[compute]\ncx1\nca1\n[deployment]\nlocalhost ansible_connection=local\n"
        "[baremetal:children]\ncontrol\nnetwork\ncompute\n[nova:children]\ncontrol\n[nova-api:children]\nnova\n"
        "[openvswitch:children]\nnetwork\ncompute\n[common:children]\nbaremetal\n"
    )
    cli = Path(sys.executable).with_name("ansible-inventory")
    out = subprocess.run([str(cli), "-i", str(inventory), "--list", "--export"], capture_output=True, text=True, check=True).stdout
    got = inventory_groups(out)

    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415

    manager = InventoryManager(loader=DataLoader(), sources=[str(inventory)])
    expected = {name: [h.name for h in group.get_hosts()] for name, group in manager.groups.items()}
    for name, hosts in expected.items():
        assert sorted(got.get(name, [])) == sorted(hosts), name
    assert got["nova-api"] == ["ctl1", "ctl2"]
    assert got["common"] == ["ctl1", "ctl2", "net1", "cx1", "ca1"]  # inventory order, each host once
    assert inventory_groups(json.loads(out)) == got


def test_inventory_groups_refuses_cycles_and_junk():
    with pytest.raises(AnsibleFilterError, match=r"group a is its own descendant \(a -> b -> a\)"):
        inventory_groups({"a": {"children": ["b"]}, "b": {"children": ["a"]}})
    with pytest.raises(AnsibleFilterError, match="not JSON"):
        inventory_groups("[WARNING]: no inventory")
    with pytest.raises(AnsibleFilterError, match="expected the dict"):
        inventory_groups(["a"])


def test_deploy_targets_skip_hosts_that_are_only_in_deployment():
    placed, member_of = deploy_targets(multinode(), DEFAULT_CONTROL_PLANE_GROUPS, DEFAULT_COMPUTE_GROUPS, DEFAULT_SKIP_GROUPS)
    assert placed == ["ctl1", "ctl2", "ctl3", "cx1", "ca1", "cp1"]
    assert member_of["cx1"] == {"baremetal", "compute", "openvswitch"}


def test_an_all_in_one_deploy_host_is_a_target():
    groups = {"control": ["localhost"], "compute": ["localhost"], "deployment": ["localhost"]}
    placed, _member_of = deploy_targets(groups, DEFAULT_CONTROL_PLANE_GROUPS, DEFAULT_COMPUTE_GROUPS, DEFAULT_SKIP_GROUPS)
    assert placed == ["localhost"]


def test_an_inventory_of_only_the_deploy_host_is_refused():
    with pytest.raises(AnsibleFilterError, match="the inventory has no host outside deployment"):
        deploy_targets({"deployment": ["localhost"]}, DEFAULT_CONTROL_PLANE_GROUPS, DEFAULT_COMPUTE_GROUPS, DEFAULT_SKIP_GROUPS)


def test_members_keep_order_without_duplicates():
    assert members(multinode(), ["compute", "control", "baremetal"]) == ["cx1", "ca1", "cp1", "ctl1", "ctl2", "ctl3"]


@pytest.mark.parametrize(("value", "message"), [(["control"], "groups must be a dict"), ({"control": "ctl1"}, "group control must list host names")])
def test_malformed_groups(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        normalise_groups(value)


@pytest.mark.parametrize("value", ["control", None, {"control": 1}])
def test_group_lists_must_be_lists(value):
    with pytest.raises(AnsibleFilterError, match="compute_groups must be a list of group names"):
        group_list(value, "compute_groups")
