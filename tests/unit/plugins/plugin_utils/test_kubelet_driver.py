"""Tests for plugins/plugin_utils/kubelet_driver.py: the cgroup driver kubelet requires, by kubelet's own rules.

Settings come as the decision reads them (file and driver); with versions, the raw results come from the
real gather code over host trees under tmp_path (runtime_testlib.raw_runtime) and go through the
decision (cgroup_driver.py), so that each rule is seen where the operator meets it.
"""

from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError
from conftest import fixture_text
from runtime_testlib import CONTAINERD, KUBELET, put, raw_runtime, systemd_v2

from ansible_collections.multiarch.kolla.plugins.plugin_utils import cgroup_driver as cd
from ansible_collections.multiarch.kolla.plugins.plugin_utils import kubelet_driver as kd

KCONF = "/var/lib/kubelet/config.yaml"
KFLAGS = "/var/lib/kubelet/kubeadm-flags.env"
CTD = "/etc/containerd/config.toml"
KUBELET_SYSTEMD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"


def _src(driver, path):
    return {"driver": driver, "file": path}


# ------------------------------------------------------------------ the requirement


def test_kubelet_config_decides_over_containerd():
    got = kd.required_cgroup_driver(kubelet_config=_src("systemd", KCONF), containerd=_src("cgroupfs", CTD), cgroup_version=1)
    assert got["driver"] == "systemd"
    assert got["source"] == "kubelet_config"
    assert got["reason"] == "kubelet cgroupDriver: systemd in %s" % KCONF
    assert got["files"] == [KCONF]
    assert got["conflict"] is None
    assert got["overridden"] == [{"driver": "cgroupfs", "file": CTD, "setting": "SystemdCgroup"}]


def test_kubelet_config_and_flags_disagree_is_a_conflict():
    got = kd.required_cgroup_driver(kubelet_config=_src("systemd", KCONF), kubelet_flags=_src("cgroupfs", KFLAGS))
    assert got["driver"] is None
    assert got["source"] == "conflict"
    assert got["conflict"] == {
        "a": {"driver": "systemd", "file": KCONF, "setting": "cgroupDriver"},
        "b": {"driver": "cgroupfs", "file": KFLAGS, "setting": "--cgroup-driver"},
    }
    assert KCONF in got["reason"]
    assert KFLAGS in got["reason"]


def test_kubelet_config_and_flags_agree():
    got = kd.required_cgroup_driver(kubelet_config=_src("cgroupfs", KCONF), kubelet_flags=_src("cgroupfs", KFLAGS), cgroup_version=2, systemd=True)
    assert (got["driver"], got["source"], got["files"]) == ("cgroupfs", "kubelet", [KCONF, KFLAGS])


def test_kubelet_flags_alone():
    got = kd.required_cgroup_driver(kubelet_flags=_src("systemd", KFLAGS), kubelet_config=_src(None, KCONF))
    assert (got["driver"], got["source"]) == ("systemd", "kubelet_flags")
    assert got["reason"] == "kubelet --cgroup-driver=systemd in %s" % KFLAGS


@pytest.mark.parametrize("driver, word", [("systemd", "true"), ("cgroupfs", "false")])
def test_containerd_only(driver, word):
    got = kd.required_cgroup_driver(containerd=_src(driver, CTD), cgroup_version=2, systemd=True)
    assert (got["driver"], got["source"]) == (driver, "containerd")
    assert got["reason"] == "containerd runc SystemdCgroup = %s in %s" % (word, CTD)


@pytest.mark.parametrize(
    "version, systemd, driver, source",
    [(2, True, "systemd", "host_default"), (1, True, None, "none"), (2, False, None, "none"), (None, None, None, "none")],
)
def test_nothing_configured(version, systemd, driver, source):
    got = kd.required_cgroup_driver(kubelet_config=_src(None, KCONF), containerd=_src(None, CTD), cgroup_version=version, systemd=systemd)
    assert (got["driver"], got["source"]) == (driver, source)
    assert got["reason"]


def test_invalid_values_do_not_count():
    got = kd.required_cgroup_driver(kubelet_config=_src("SystemD", KCONF), containerd=_src("cgroupfs", CTD))
    assert got["source"] == "containerd"


# ------------------------------------------- kubelet's own rules, with versions (issue 12)
# A KubeletConfiguration without cgroupDriver means kubelet's default, not the host's: cgroupfs
# (KubeletConfiguration v1beta1 defaults), or from kubelet 1.31 on (KubeletCgroupDriverFromCRI) the
# driver a CRI runtime that implements RuntimeConfig reports (containerd 2.0 and later).

KUBELET_NO_DRIVER = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n"
CONTAINERD_V3_NO_KEY = "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  BinaryName = '/usr/bin/runc'\n"


def _versions(kubelet=None, containerd=None):
    versions = {}
    if kubelet:
        versions["kubelet"] = KUBELET[kubelet]
    if containerd:
        versions["containerd"] = CONTAINERD[containerd]
    return versions


def _kubelet_host(tmp_path, kubelet_text, *, kubelet=None, containerd=None, containerd_text=None, flags=None):
    systemd_v2(tmp_path)
    for rel, text in ((KCONF, kubelet_text), (CTD, containerd_text), (KFLAGS, flags)):
        if text is not None:
            put(tmp_path, rel, text)
    return raw_runtime(tmp_path, versions=_versions(kubelet, containerd))


def test_kubelet_config_without_a_driver_is_kubelets_default_not_the_hosts(tmp_path):
    # kubelet 1.30 has the gate off: its own default, cgroupfs, although the host is systemd on cgroup v2.
    view = cd.analyze(_kubelet_host(tmp_path, KUBELET_NO_DRIVER, kubelet="1.30.4", containerd="1.7.27"))
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == ("cgroupfs", "kubelet_default")
    assert "kubelet 1.30.4" in required["reason"] and "cgroupfs" in required["reason"]
    assert str(tmp_path) + KCONF in required["reason"]


def test_kubelet_131_takes_the_driver_containerd_2_reports(tmp_path):
    raw = _kubelet_host(tmp_path, KUBELET_NO_DRIVER, kubelet="1.31.0", containerd="2.0.0",
                        containerd_text=fixture_text("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml"))
    decision = cd.cgroup_driver_decision(raw, "", "h1")
    assert (decision["driver"], decision["source"]) == ("systemd", "kubelet_cri")
    assert "containerd 2.0.0" in decision["reason"] and "SystemdCgroup = true" in decision["reason"]


def test_kubelet_131_ignores_its_config_when_containerd_2_reports(tmp_path):
    # containerd 2.x's runc options default to SystemdCgroup = false: it reports cgroupfs, and kubelet
    # uses that, not the cgroupDriver of its own file.
    raw = _kubelet_host(tmp_path, KUBELET_SYSTEMD, kubelet="1.33.1", containerd="2.1.4", containerd_text=CONTAINERD_V3_NO_KEY)
    view = cd.analyze(raw)
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == ("cgroupfs", "kubelet_cri")
    assert required["overridden"] == [{"driver": "systemd", "file": str(tmp_path) + KCONF, "setting": "cgroupDriver"}]
    assert [w for w in view["warnings"] if "ignores cgroupDriver: systemd" in w]
    with pytest.raises(AnsibleFilterError, match=r"'systemd' \(operator variable\), but kubelet 1\.33\.1 takes the cgroup driver from containerd"):
        cd.cgroup_driver_decision(raw, "systemd", "h1")


def test_containerd_before_2_reports_nothing_so_kubelets_setting_holds(tmp_path):
    raw = _kubelet_host(tmp_path, KUBELET_SYSTEMD, kubelet="1.33.1", containerd="1.7.27", containerd_text=CONTAINERD_V3_NO_KEY)
    decision = cd.cgroup_driver_decision(raw, "", "h1")
    assert (decision["driver"], decision["source"], decision["reason"]) == (
        "systemd", "kubelet_config", "kubelet cgroupDriver: systemd in %s%s" % (tmp_path, KCONF))


@pytest.mark.parametrize(
    "gates, kubelet, driver, source",
    [
        ("featureGates:\n  KubeletCgroupDriverFromCRI: false\n", "1.33.1", "systemd", "kubelet_config"),
        ("featureGates:\n  KubeletCgroupDriverFromCRI: false\n", "1.34.0", "cgroupfs", "kubelet_cri"),  # GA, locked on
        ("featureGates:\n  KubeletCgroupDriverFromCRI: true\n", "1.30.4", "cgroupfs", "kubelet_cri"),  # alpha, turned on
        ("featureGates:\n  KubeletCgroupDriverFromCRI: true\n", "1.27.16", "systemd", "kubelet_config"),  # no such gate yet
    ],
    ids=["off-1.33", "off-but-locked-1.34", "on-1.30", "before-1.28"],
)
def test_the_feature_gate_as_set_and_as_locked(tmp_path, gates, kubelet, driver, source):
    raw = _kubelet_host(tmp_path, KUBELET_SYSTEMD + gates, kubelet=kubelet, containerd="2.0.0", containerd_text=CONTAINERD_V3_NO_KEY)
    required = cd.analyze(raw)["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == (driver, source)


def test_the_feature_gate_flag_beats_the_config(tmp_path):
    raw = _kubelet_host(tmp_path, KUBELET_SYSTEMD + "featureGates:\n  KubeletCgroupDriverFromCRI: true\n", kubelet="1.31.0",
                        containerd="2.0.0", containerd_text=CONTAINERD_V3_NO_KEY,
                        flags='KUBELET_KUBEADM_ARGS="--feature-gates=KubeletCgroupDriverFromCRI=false,NodeSwap=true"\n')
    required = cd.analyze(raw)["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == ("systemd", "kubelet_config")


def test_unknown_kubelet_version_is_refused_with_the_fix(tmp_path):
    # No kubelet binary: 1.30 would use cgroupfs, 1.31 with containerd 2 whatever containerd reports.
    raw = _kubelet_host(tmp_path, KUBELET_NO_DRIVER, containerd="2.0.0",
                        containerd_text=fixture_text("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml"))
    required = cd.analyze(raw)["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == (None, "unknown")
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(raw, "", "h1")
    msg = str(err.value)
    assert msg.startswith("host h1: ")
    assert "kubelet's version is unknown" in msg
    assert "cgroupDriver" in msg and "container_runtime_cgroup_driver" in msg
    # The operator's word settles it.
    assert cd.cgroup_driver_decision(raw, "systemd", "h1")["source"] == "operator"


def test_unknown_containerd_version_is_refused_only_when_it_matters(tmp_path):
    # kubelet's default is cgroupfs; containerd 2 would report systemd, 1.7 nothing.
    raw = _kubelet_host(tmp_path, KUBELET_NO_DRIVER, kubelet="1.33.1",
                        containerd_text=fixture_text("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml"))
    with pytest.raises(AnsibleFilterError, match="containerd's version is unknown"):
        cd.cgroup_driver_decision(raw, "", "h1")
    # kubelet and containerd set the same driver: whichever rule applies, the answer is systemd.
    agreed = _kubelet_host(tmp_path / "agreed", KUBELET_SYSTEMD,
                           containerd_text=fixture_text("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml"))
    decision = cd.cgroup_driver_decision(agreed, "", "h1")
    assert (decision["driver"], decision["source"]) == ("systemd", "kubelet_config")


def test_a_runtime_the_collection_does_not_read(tmp_path):
    kubelet = KUBELET_SYSTEMD + "containerRuntimeEndpoint: unix:///var/run/crio/crio.sock\n"
    raw = _kubelet_host(tmp_path, kubelet, kubelet="1.31.0")
    with pytest.raises(AnsibleFilterError, match=r"unix:///var/run/crio/crio\.sock \(CRI-O\)"):
        cd.cgroup_driver_decision(raw, "", "h1")
    old = _kubelet_host(tmp_path / "old", kubelet, kubelet="1.30.4")
    assert cd.cgroup_driver_decision(old, "", "h1")["driver"] == "systemd"


def test_the_rules_cite_their_sources():
    for name, rule in kd.KUBELET_RULES.items():
        assert rule["source"], name
        assert re.search(r"(kubernetes|containerd|cri-o)", rule["source"]), name
    assert kd.KUBELET_RULES["cri_gate"]["default_on"] == (1, 31)
    assert kd.KUBELET_RULES["containerd_runtime_config"]["since"] == (2, 0)
    assert kd.KUBELET_RULES["kubeadm_writes_systemd"]["since"] == (1, 22)
