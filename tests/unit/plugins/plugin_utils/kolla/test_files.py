"""plugins/plugin_utils/kolla/files.py: what kolla_multiarch reads, sorted by use and parsed."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.files import LEDGER_NAME, dir_problems, inputs, paths
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import SCHEDULER_LAYERS

DIRS = ("/etc/kolla", "/etc/kolla/config", "/etc/kolla/inventory")


def test_paths_name_the_layers_kolla_merges_and_the_ledger():
    where = paths(*DIRS)
    assert where["layers"] == ["/etc/kolla/config/" + rel for rel in SCHEDULER_LAYERS]
    assert where["ledger"] == "/etc/kolla/config/" + LEDGER_NAME
    assert where["vars_dirs"] == ["/etc/kolla/inventory/group_vars", "/etc/kolla/inventory/host_vars"]


def test_inputs_sort_and_parse_every_file():
    contents = {
        "/etc/kolla/globals.d/10-a.yml": "openstack_release: '2026.1'\n",
        "/etc/kolla/globals.yml": "kolla_base_distro: debian\n",
        "/etc/kolla/config/nova.conf": "[filter_scheduler]\nenabled_filters = ComputeFilter\n",
        "/etc/kolla/config/.multiarch-kolla.json": '{"version": 1}',
        "/etc/kolla/inventory/host_vars/cx1.yml": "a: 1\n",
        "/etc/kolla/inventory/group_vars/arch_x86_64.yml": "",
    }
    got = inputs(contents, *DIRS)
    # kolla-ansible's order: globals.yml first, then globals.d by name (later wins).
    assert list(got["globals"]) == ["/etc/kolla/globals.yml", "/etc/kolla/globals.d/10-a.yml"]
    assert got["globals"]["/etc/kolla/globals.d/10-a.yml"] == {"openstack_release": "2026.1"}
    assert got["layers"] == {"nova.conf": "[filter_scheduler]\nenabled_filters = ComputeFilter\n"}
    assert got["vars"] == {"host_vars/cx1.yml": {"a": 1}, "group_vars/arch_x86_64.yml": None}
    assert got["ledger"] == {"version": 1}


def test_files_that_cannot_be_parsed_are_all_named():
    contents = {"/etc/kolla/globals.yml": "a: [", "/etc/kolla/config/.multiarch-kolla.json": "{", "/etc/kolla/inventory/host_vars/h.yml": "b: {"}
    with pytest.raises(AnsibleFilterError) as excinfo:
        inputs(contents, *DIRS)
    text = str(excinfo.value)
    assert "(3 problems)" in text
    assert "/etc/kolla/globals.yml is not valid YAML" in text
    assert "/etc/kolla/config/.multiarch-kolla.json is not the JSON this role writes" in text and "remove it and run again" in text
    assert "nothing was written" in text


def test_the_inventory_source_is_copied_into_the_dir_unless_it_lives_there():
    where = paths(*DIRS, inventory_source="/srv/ops/multinode")
    assert where["source_copy"] == "multinode" and where["source_in_dir"] is False
    for inside in ("/etc/kolla/inventory/multinode", "/etc/kolla/inventory/./multinode", "/etc/kolla//inventory/multinode"):
        where = paths(*DIRS, inventory_source=inside)
        assert where["source_copy"] is None and where["source_in_dir"] is True
    assert "source_copy" not in paths(*DIRS)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("/srv/ops/.multinode", "Ansible skips hidden files"),
        ("/srv/ops/multinode.txt", "ignores files ending in .txt"),
        ("/srv/ops/multinode~", "ignores files ending in ~"),
        ("/srv/ops/multinode.orig", "ignores files ending in .orig"),
        ("/srv/ops/multinode.retry", "ignores files ending in .retry"),
        ("/srv/ops/multinode.cfg", "ignores files ending in .cfg"),
        ("/srv/ops/multiarch-groups.yml", "the role writes that file"),
        ("/srv/ops/host_vars", "the role writes that file"),
        ("/srv/ops/group_vars", "the role writes that file"),
        ("/srv/ops/", "has no file name"),
    ],
)
def test_an_inventory_source_kolla_ansible_would_not_read_in_the_dir_is_refused(source, why):
    """The source (or its copy) is read by kolla-ansible as one file of the inventory dir (-i <dir>): a name Ansible's
    directory loading skips (ansible-core 2.19 inventory/manager.py IGNORED) would lose the operator's groups."""
    with pytest.raises(AnsibleFilterError) as excinfo:
        paths(*DIRS, inventory_source=source)
    assert why in str(excinfo.value) and "kolla_multiarch_inventory_source" in str(excinfo.value)
    assert "nothing was written" in str(excinfo.value) and "fix: " in str(excinfo.value)


@pytest.mark.parametrize(("dirs", "needle"), [
    (("/srv/kolla/../etc", "/etc/kolla/config", "/etc/kolla/inventory"),
     "kolla_multiarch_config_dir=/srv/kolla/../etc has a '..' component, so the role would read and write in /srv/etc instead"),
    (("/etc/kolla", "/etc/kolla/config/..", "/etc/kolla/inventory"), "kolla_multiarch_custom_config_dir=/etc/kolla/config/.. has a '..' component"),
    (("/etc/kolla", "/etc/kolla/config", "/etc/kolla/inv\nx"), "kolla_multiarch_inventory_dir='/etc/kolla/inv\\nx' holds a control character"),
    (("/etc/kolla", "/etc/kolla/config", ""), "kolla_multiarch_inventory_dir is empty"),
    (("/etc/kolla", "/etc/kolla/config", "/etc/kolla"), "kolla_multiarch_inventory_dir=/etc/kolla is or holds kolla_multiarch_config_dir=/etc/kolla"),
    (("/etc/kolla", "/etc/kolla/config", "/etc/kolla/config"),
     "kolla_multiarch_inventory_dir=/etc/kolla/config is or holds kolla_multiarch_custom_config_dir=/etc/kolla/config"),
    (("/etc/kolla", "/etc/kolla/config", "/"), "kolla_multiarch_inventory_dir=/ is or holds kolla_multiarch_config_dir=/etc/kolla"),
])
def test_unsafe_directories_are_refused_before_anything_is_read(dirs, needle):
    with pytest.raises(AnsibleFilterError) as excinfo:
        paths(*dirs)
    assert needle in str(excinfo.value) and "nothing was written" in str(excinfo.value)


def test_a_dotted_name_and_an_inventory_beside_the_config_dir_are_fine():
    assert dir_problems("/etc/kolla..d", "/etc/kolla..d/config", "/etc/kolla-inventory") == []
    assert dir_problems(*DIRS) == []  # kolla-ansible's layout: the inventory dir inside the config dir holds neither
