"""Tests for plugins/plugin_utils/nova/timeouts.py: nova-compute [DEFAULT] timeouts for guests under TCG.

Oracles: nova 34's and oslo.messaging's own option definitions (names, groups,
defaults, minimums), oslo.config reading the rendered values back, and nova's
ComputeManager._get_power_off_values (the clean-shutdown window an instance gets).
"""

from __future__ import annotations

import math

import pytest
from nova_testlib import load_default_section, nova_timeout_options, power_off_timeout, write_ini_section

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.timeouts import (
    TIMEOUT_KEYS,
    TIMEOUT_RULES,
    nova_compute_timeouts,
    os_shutdown_timeout,
    scaled,
    tcg_arches,
    tcg_slowdowns,
)

TABLE = tcg_slowdowns()  # the arch table's measured factors


@pytest.mark.parametrize("rule", TIMEOUT_RULES, ids=lambda r: r.option)
def test_rule_table_is_nova_and_oslo_messaging_own_options(rule):
    opts = nova_timeout_options()
    assert rule.section == "DEFAULT"  # registered without a group: nova reads them as CONF.<option>
    assert rule.option in opts
    opt = opts[rule.option]
    assert opt.default == rule.default
    assert getattr(opt.type, "min", None) == rule.minimum
    assert rule.source
    # A scaled value never goes below nova's default or its minimum.
    assert rule.floor >= (rule.minimum or 0)
    assert rule.cap is None or rule.cap >= rule.default


def test_shutdown_cap_is_nova_long_rpc_timeout():
    assert nova_timeout_options()["long_rpc_timeout"].default == next(r.cap for r in TIMEOUT_RULES if r.option == "shutdown_timeout")


def test_every_arch_has_a_table_slowdown_of_at_least_one():
    assert set(TABLE) == set(ARCHES)
    for arch, factor in TABLE.items():
        assert isinstance(factor, (int, float)) and factor >= 1, arch


@pytest.mark.parametrize("host_arch", SUPPORTED_HOST_ARCHES)
def test_kvm_hosts_that_emulate_nothing_get_nothing(host_arch):
    assert nova_compute_timeouts(host_arch, [], "kvm", TABLE, instance_build_timeout=300) == {}
    assert tcg_arches(host_arch, [], "kvm") == []


@pytest.mark.parametrize("host_arch", SUPPORTED_HOST_ARCHES)
def test_hosts_without_kvm_run_their_own_guests_under_tcg(host_arch):
    factors = tcg_slowdowns({host_arch: 3})
    assert tcg_arches(host_arch, [], "qemu") == [host_arch]
    assert nova_compute_timeouts(host_arch, [], "qemu", factors) == {"shutdown_timeout": "180", "rpc_response_timeout": "180"}


def test_emulating_host_with_the_table_factor():
    factor = TABLE["aarch64"]
    values = nova_compute_timeouts("x86_64", ["aarch64"], "kvm", TABLE)
    assert values == {"shutdown_timeout": str(min(1800, math.ceil(60 * factor))), "rpc_response_timeout": str(min(600, math.ceil(60 * factor)))}
    assert "instance_build_timeout" not in values  # 0 (off) in nova, never invented


@pytest.mark.parametrize(
    ("factor", "shutdown", "rpc"),
    [(1, 60, 60), (1.01, 61, 61), (2.5, 150, 150), (8, 480, 480), (12, 720, 600), (30, 1800, 600), (1000, 1800, 600)],
)
def test_measured_factor_is_clamped(factor, shutdown, rpc):
    factors = tcg_slowdowns({"arm64": factor})
    values = nova_compute_timeouts("x86_64", ["aarch64"], "kvm", factors)
    assert values == {"shutdown_timeout": str(shutdown), "rpc_response_timeout": str(rpc)}


def test_largest_factor_wins_and_virt_type_qemu_counts_the_host_arch():
    factors = tcg_slowdowns({"aarch64": 2, "ppc64le": 4, "x86_64": 6})
    assert nova_compute_timeouts("x86_64", ["aarch64", "ppc64le"], "kvm", factors)["shutdown_timeout"] == "240"
    # virt_type qemu (dedicated mode): the host's own x86_64 guests run under TCG too.
    assert tcg_arches("x86_64", ["aarch64"], "qemu") == ["aarch64", "x86_64"]
    assert nova_compute_timeouts("x86_64", ["aarch64", "ppc64le"], "qemu", factors)["shutdown_timeout"] == "360"


@pytest.mark.parametrize(("given", "expected"), [(None, None), (0, None), ("", None), (300, "900"), (1, "3")])
def test_instance_build_timeout_scaled_only_when_set(given, expected):
    factors = tcg_slowdowns({"aarch64": 3})
    values = nova_compute_timeouts("x86_64", ["aarch64"], "kvm", factors, instance_build_timeout=given)
    assert values.get("instance_build_timeout") == expected


@pytest.mark.parametrize("bad", [-1, True, "300", 1.5, [300]])
def test_instance_build_timeout_refused(bad):
    with pytest.raises(NovaLibvirtError) as err:
        nova_compute_timeouts("x86_64", ["aarch64"], "kvm", TABLE, instance_build_timeout=bad, host="cmp-1")
    assert "host cmp-1" in str(err.value) and "nova_compute_arch_instance_build_timeout" in str(err.value) and repr(bad) in str(err.value)


@pytest.mark.parametrize(
    ("measured", "words"),
    [
        ("fast", ["give a dict"]),
        ({"sparc": 3}, ["unknown architecture 'sparc'"]),
        ({"aarch64": 0.5}, ["aarch64=0.5", "below 1"]),
        ({"aarch64": True}, ["aarch64=True", "not a number"]),
        ({"aarch64": "8"}, ["'8'", "not a number"]),
        ({"aarch64": float("nan")}, ["not a number"]),
    ],
)
def test_measured_factors_refused(measured, words):
    with pytest.raises(NovaLibvirtError) as err:
        tcg_slowdowns(measured, host="cmp-1")
    text = str(err.value)
    assert text.startswith("host cmp-1: nova_compute_arch_tcg_slowdown")
    for word in words:
        assert word in text


def test_measured_factor_replaces_only_its_arch():
    factors = tcg_slowdowns({"ppc64el": 7})
    assert factors["ppc64le"] == 7
    assert {a: f for a, f in factors.items() if a != "ppc64le"} == {a: f for a, f in TABLE.items() if a != "ppc64le"}


def test_scaled_never_leaves_its_bounds():
    for rule in TIMEOUT_RULES:
        assert scaled(rule.option, rule.default, 1) == max(rule.floor, rule.default)
        if rule.cap is not None:
            assert scaled(rule.option, rule.default, 10**6) == rule.cap


def test_nova_reads_the_values_back(tmp_path):
    factors = tcg_slowdowns({"aarch64": 5})
    values = nova_compute_timeouts("x86_64", ["aarch64"], "kvm", factors, instance_build_timeout=120)
    assert set(values) == set(TIMEOUT_KEYS)
    conf = load_default_section(write_ini_section(tmp_path / "nova-compute.conf", "DEFAULT", values))
    for key, text in values.items():
        assert getattr(conf, key) == int(text), key
    assert (conf.shutdown_timeout, conf.rpc_response_timeout, conf.instance_build_timeout) == (300, 300, 600)
    # nova's clean-shutdown window of an instance whose image sets nothing.
    assert power_off_timeout(conf) == 300


def test_nova_defaults_stand_on_a_native_host(tmp_path):
    conf = load_default_section(write_ini_section(tmp_path / "nova-compute.conf", "DEFAULT", nova_compute_timeouts("x86_64", [], "kvm", TABLE)))
    opts = nova_timeout_options()
    for key in TIMEOUT_KEYS:
        assert getattr(conf, key) == opts[key].default
    assert power_off_timeout(conf) == 60


def test_image_os_shutdown_timeout_wins_over_the_host(tmp_path):
    factors = tcg_slowdowns({"ppc64le": 4, "aarch64": 9})
    assert os_shutdown_timeout("ppc64le", factors) == "240"
    assert os_shutdown_timeout("aarch64", factors) == "540"
    conf = load_default_section()  # a KVM host of shared mode: nova's default 60 s
    assert power_off_timeout(conf, {"os_shutdown_timeout": os_shutdown_timeout("ppc64le", factors)}) == 240
    assert power_off_timeout(conf) == 60
