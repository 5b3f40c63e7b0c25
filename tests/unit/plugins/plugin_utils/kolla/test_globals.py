"""plugins/plugin_utils/kolla/globals.py: per-arch and per-host keys in the operator's globals, which override every host."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError
from kollatestlib import GLOBALS, PPC_SOURCE, mixed, multinode, problems_of

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.globals import globals_conflicts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"openstack_tag_suffix": "-aarch64"}, ["/etc/kolla/globals.yml sets openstack_tag_suffix='-aarch64', but kolla-ansible passes"]),
        ({"openstack_tag_suffix": ""}, ["/etc/kolla/globals.yml sets openstack_tag_suffix=''"]),
        ({"docker_registry": "quay.io"}, ["/etc/kolla/globals.yml sets docker_registry='quay.io'"]),
        ({"nova_compute_virt_type": "kvm"}, ["/etc/kolla/globals.yml sets nova_compute_virt_type='kvm'"]),
        ({"openstack_tag": "2025.1-ubuntu-noble"}, ["/etc/kolla/globals.yml sets openstack_tag='2025.1-ubuntu-noble', which replaces"]),
        ({"docker_image_url": "quay.io/openstack.kolla/"}, ["/etc/kolla/globals.yml sets docker_image_url='quay.io/openstack.kolla/', which replaces"]),
        # Not per arch in this plan: fine in globals.
        ({"kolla_base_distro": "debian", "openstack_release": "2025.1", "docker_namespace_x": 1}, []),
    ],
)
def test_per_arch_and_per_host_keys_in_globals_fail(content, expected):
    files = {GLOBALS: content, "/etc/kolla/globals.d/empty.yml": None}
    if not expected:
        plan(multinode(), mixed(), image_sources_override=PPC_SOURCE, globals_files=files)
        return
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), mixed(), image_sources_override=PPC_SOURCE, globals_files=files)
    problems = problems_of(excinfo)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
        assert problem.endswith(")") or "remove" in problem


def test_a_shared_registry_in_globals_is_fine_when_no_arch_sets_one():
    # Every arch pulls from the operator's mirror: docker_registry is not per arch then.
    sources = {"ppc64le": {"namespace": "kolla-ppc64le"}}
    the_plan = plan(multinode(), mixed(), image_sources_override=sources, globals_files={GLOBALS: {"docker_registry": "mirror:4000"}})
    assert "docker_registry" not in json.dumps(the_plan["group_vars"])
    # ... but a fixed docker_image_url would bypass the ppc64le namespace.
    with pytest.raises(AnsibleFilterError, match="docker_image_url"):
        plan(multinode(), mixed(), image_sources_override=sources, globals_files={GLOBALS: {"docker_image_url": "mirror:4000/kolla/"}})


def test_globals_d_files_are_named():
    with pytest.raises(AnsibleFilterError, match=r"/etc/kolla/globals.d/50-images.yml sets openstack_tag_suffix"):
        plan(multinode(), mixed(), image_sources_override=PPC_SOURCE,
             globals_files={"/etc/kolla/globals.d/50-images.yml": {"openstack_tag_suffix": "-aarch64"}})


def test_host_keys_the_plan_writes_are_refused_in_globals():
    problems = globals_conflicts({GLOBALS: {"docker_custom_config": {}}}, {}, ["x86_64"], host_keys=["docker_custom_config"])
    assert len(problems) == 1 and "the container_runtime role decides it per host" in problems[0]
