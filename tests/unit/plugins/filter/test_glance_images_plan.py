"""Filter glance_images_plan: the shim over plugin_utils/glance_images.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/test_glance_images.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible
from image_files import elf

from ansible_collections.multiarch.kolla.plugins.plugin_utils.glance_images import glance_images_plan

FILTER = filter_plugin("glance_images_plan")


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is glance_images_plan  # imported on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("glance_images_plan")


def test_through_ansible(tmp_path):
    (tmp_path / "vmlinux").write_bytes(elf(21))
    image = {"name": "p", "arch": "ppc64el", "filename": str(tmp_path / "vmlinux"), "properties": {"hw_machine_type": "pseries"}}
    got = through_ansible("[image] | multiarch.kolla.glance_images_plan([])", {"image": image})
    assert [i["name"] for i in got["msg"]["create"]] == ["p"] and got["msg"]["errors"] == []
    wrong = through_ansible("[image | combine({'arch': 'x86_64'})] | multiarch.kolla.glance_images_plan([])", {"image": image})
    assert wrong["msg"]["errors"] == ["p: arch is x86_64 but %s is built for ppc64le (ELF header: e_machine EM_PPC64 (21), little-endian)" % image["filename"]]
