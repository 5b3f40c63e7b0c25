"""plugins/plugin_utils/kolla/decisions.py: the decide roles' facts read for one host, never decided again."""

from __future__ import annotations

import pytest
from kollatestlib import decided

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla import decisions


def test_get_treats_none_and_missing_alike_and_survives_odd_mappings():
    assert decisions.get({"a": None}, "a", 1) == 1
    assert decisions.get({}, "a", 2) == 2
    assert decisions.get(None, "a", 3) == 3


def test_host_arch_group_reads_host_facts():
    assert decisions.host_arch_group("h", decided("h", "aarch64", compute=False)) == ("aarch64", "arch_aarch64", None)
    arch, group, why = decisions.host_arch_group("h", {"multiarch_host": {"arch": "x86_64"}}, "compute")
    assert (arch, group) == (None, None)
    assert why.startswith("host h (groups compute) has no multiarch_groups.arch")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"multiarch_nova_compute": {"arch": "x86_64"}}, "multiarch_nova_compute lacks virt_type"),
        ({"multiarch_nova_compute": "kvm"}, "multiarch_nova_compute lacks arch"),
        ("libvirt_key", "that are not the collection's [libvirt] keys"),
        ("newline", "cpu_models must be one-line INI values"),
        ("u2028", "cpu_models must be one-line INI values"),
        ("provider", "provider_config='x' is not a dict"),
        ("defaults_key", "multiarch_nova_compute.defaults has keys debug that are not the collection's [DEFAULT] keys"),
        ("defaults_newline", "multiarch_nova_compute.defaults: shutdown_timeout must be one-line INI values"),
        ("defaults_type", "multiarch_nova_compute.defaults=['600'] is not a dict of [DEFAULT] keys"),
    ],
)
def test_a_malformed_decision_is_refused_naming_the_role(change, message):
    hv = decided("h", "x86_64")
    decision = dict(hv["multiarch_nova_compute"], libvirt=dict(hv["multiarch_nova_compute"]["libvirt"]),
                    defaults=dict(hv["multiarch_nova_compute"]["defaults"]))
    if change == "defaults_key":
        decision["defaults"]["debug"] = "true"
    elif change == "defaults_newline":
        decision["defaults"]["shutdown_timeout"] = "600\nrpc_response_timeout = 1"
    elif change == "defaults_type":
        decision["defaults"] = ["600"]
    elif change == "libvirt_key":
        decision["libvirt"]["images_type"] = "rbd"
    elif change == "newline":
        decision["libvirt"]["cpu_models"] = "Nehalem\nvirt_type = kvm"
    elif change == "u2028":
        decision["libvirt"]["cpu_models"] = "Nehalem\u2028virt_type = kvm"
    elif change == "provider":
        decision["provider_config"] = "x"
    else:
        decision = change["multiarch_nova_compute"]
    problems = []
    assert decisions.nova_compute("h", dict(hv, multiarch_nova_compute=decision), "x86_64", problems) is None
    assert len(problems) == 1 and message in problems[0], problems
    assert "run the multiarch.kolla.nova_compute_arch role" in problems[0]


def test_docker_custom_config_comes_from_container_runtime_only():
    problems = []
    assert decisions.docker_custom_config("h", {"docker_custom_config": {"a": 1}}, problems) is None  # not a decision
    runtime = {"multiarch_container_runtime": {"docker_custom_config": {"log-driver": "json-file"}}}
    assert decisions.docker_custom_config("h", runtime, problems) == {"log-driver": "json-file"}
    assert decisions.docker_custom_config("h", {"multiarch_container_runtime": {"docker_custom_config": ["x"]}}, problems) is None
    assert problems == ["host h: multiarch_container_runtime.docker_custom_config=['x'] is not a dict (the daemon.json container_runtime sets)"]


def test_device_specs_name_the_host():
    problems = []
    assert decisions.device_specs("g1", {"kolla_multiarch_pci_device_spec": [{"physical_network": "physnet1"}]}, problems) == []
    assert problems[0].startswith("host g1: kolla_multiarch_pci_device_spec: device spec")
