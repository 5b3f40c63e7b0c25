"""Filter nova_cpu_baseline: the shim over plugin_utils/nova/cpu_baseline.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/nova/test_cpu_baseline.py.
"""

from __future__ import annotations

import pytest
from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_baseline import nova_cpu_baseline
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError

FILTER = filter_plugin("nova_cpu_baseline")


def tcg_host(name, models):
    return {"hostname": name, "arch": "x86_64", "kvm": {"usable": False}, "guests": {"x86_64": {"accel": "tcg", "cpu_models": models}}}


GROUP = [tcg_host("t1", ["qemu64", "Nehalem", "Westmere", "SandyBridge"]), tcg_host("t2", ["qemu64", "Nehalem", "Westmere"])]
EXPECTED = {"model": "Westmere", "method": "model-intersection", "hosts": 2, "cpu_mode": "custom", "extra_flags": [], "libvirt_error": None}


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is nova_cpu_baseline  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER(GROUP) == EXPECTED


def test_dict_input_names_hosts_by_key():
    hosts = {"zz": tcg_host(None, ["Nehalem"]), "aa": dict(tcg_host(None, ["max"]), arch="aarch64")}
    with pytest.raises(NovaLibvirtError, match=r"aarch64: aa; x86_64: zz"):
        FILTER(hosts)


def test_documented_options_match_the_signature():
    check_documented_options("nova_cpu_baseline")


def test_through_ansible():
    assert through_ansible("group | multiarch.kolla.nova_cpu_baseline('qemu')", {"group": GROUP})["msg"] == EXPECTED
    refused = through_ansible("group | multiarch.kolla.nova_cpu_baseline('kvm')", {"group": GROUP})
    assert refused.get("failed") and "virt_type=kvm but KVM is not usable on t1, t2" in refused["msg"]
