"""Filter kolla_multiarch_images: the shim over plugin_utils/kolla/images.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible
from kollafilters import small_plan

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
