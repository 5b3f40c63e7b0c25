"""Filter kolla_multiarch_images: the shim over plugin_utils/kolla/images.py, its documentation, a call through Ansible."""

from __future__ import annotations

import json

from filterdocs import check_documented_options, filter_plugin, through_ansible
from kolla_share_testlib import inventory_groups, share_files
from kollafilters import GROUPS, small_plan

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import images

FILTER = filter_plugin("kolla_multiarch_images")
DEFAULTS = {"docker_registry": "quay.io", "docker_namespace": "openstack.kolla", "openstack_release": "2026.2", "kolla_base_distro": "debian",
            "kolla_base_distro_version_default_map": {"debian": "trixie"}}
NAMES = {"compute": ["nova-compute"]}


def test_shim_calls_the_image_builder():
    assert FILTER(small_plan(), NAMES, DEFAULTS) == images(small_plan(), NAMES, DEFAULTS)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_images")


def test_through_ansible():
    result = through_ansible("p | multiarch.kolla.kolla_multiarch_images(names, defaults)", {"p": small_plan(), "names": NAMES, "defaults": DEFAULTS})
    assert result["msg"]["by_host"]["ca1"] == ["quay.io/openstack.kolla/nova-compute:2026.2-debian-trixie-aarch64"]


# kolla-ansible's files are too long for one command-line argument: Ansible reads them with the file lookup,
# whose text is data, not a template (Ansible templates extra vars, it does not template what a lookup returns).
FILES = "(lookup('ansible.builtin.file', files_json) | from_json)"


def files_json(tmp_path):
    path = tmp_path / "kolla-files.json"
    path.write_text(json.dumps(share_files()))
    return str(path)


def test_through_ansible_with_kollas_files(tmp_path):
    groups = inventory_groups(GROUPS)
    result = through_ansible("p | multiarch.kolla.kolla_multiarch_images(['nova-compute'], kolla_share=%s, groups=kgroups, globals_values=g)" % FILES,
                             {"p": small_plan(), "files_json": files_json(tmp_path), "kgroups": groups, "g": {"nova_compute_tag": "fixed-1"}})
    assert "quay.io/openstack.kolla/nova-libvirt:2026.2-rocky-10-aarch64" in result["msg"]["by_host"]["ca1"]
    # A tag given in globals is every arch's (extra-vars): the registry check then finds the x86_64 tag on the aarch64 host.
    assert result["msg"]["checks"] == [{"image": "quay.io/openstack.kolla/nova-compute:fixed-1", "arch": "x86_64", "hosts": ["ctl1"]},
                                       {"image": "quay.io/openstack.kolla/nova-compute:fixed-1", "arch": "aarch64", "hosts": ["ca1"]}]
    assert result["msg"]["problems"] == []


def test_through_ansible_a_problem_fails_the_task_with_its_message(tmp_path):
    operator = {"nova_tag": "{% raw %}{{ lookup('env', 'HOME') }}{% endraw %}"}  # the operator's template, given to the filter as it is
    result = through_ansible("p | multiarch.kolla.kolla_multiarch_images(kolla_share=%s, groups=kgroups, globals_values=g)" % FILES,
                             {"p": small_plan(), "files_json": files_json(tmp_path), "kgroups": inventory_groups(GROUPS), "g": operator})
    assert result["failed"] and "nova_tag: \"{{ lookup('env', 'HOME') }}\": 'lookup' is undefined" in result["msg"]
