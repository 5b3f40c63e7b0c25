"""Tests for plugins/plugin_utils/cgroup_driver.py: the decision (kubelet's own rules: test_kubelet_driver.py).

Raw results come from the real gather code over host trees under tmp_path
(runtime_testlib.raw_runtime); Docker's answer is the real ``docker info`` fixture,
changed where a test needs another daemon. The fact's shape is checked against
docs/decisions.md, where the contract is written.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from conftest import REPO, fixture_text
from runtime_testlib import CONTAINERD, KUBELET, put, raw_runtime, systemd_v2

from ansible_collections.multiarch.kolla.plugins.plugin_utils import cgroup_driver as cd
from ansible_collections.multiarch.kolla.plugins.plugin_utils import kubelet_driver

KCONF = "/var/lib/kubelet/config.yaml"
KFLAGS = "/var/lib/kubelet/kubeadm-flags.env"
CTD = "/etc/containerd/config.toml"
KUBELET_SYSTEMD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
CONTAINERD_SYSTEMD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n'
DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")
SNAPSHOTTER = {"Driver": "overlayfs", "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]}


def _src(driver, path):
    return {"driver": driver, "file": path}


def _info(**changes):
    return dict(json.loads(fixture_text(*DOCKER_INFO)), **changes)


# A kubeadm node of today: kubelet 1.33 on containerd 1.7, which does not report a driver over CRI,
# so kubelet's own settings decide (the releases matter where they change the answer: see below).
DEFAULT_VERSIONS = {"kubelet": KUBELET["1.33.1"], "containerd": CONTAINERD["1.7.27"]}


def _host(tmp_path, kubelet=None, flags=None, containerd=None, info=None):
    for rel, text in ((KCONF, kubelet), (KFLAGS, flags), (CTD, containerd)):
        if text is not None:
            put(tmp_path, rel, text)
    with_kubelet = kubelet is not None or flags is not None  # a host without kubelet gets no kubelet binary either
    versions = DEFAULT_VERSIONS if with_kubelet else {"containerd": DEFAULT_VERSIONS["containerd"]}
    return raw_runtime(tmp_path, info=info, versions=versions)


# ------------------------------------------------------------- analyze (raw -> view)


def test_kubelet_systemd_docker_cgroupfs(tmp_path):
    view = cd.analyze(_host(tmp_path, kubelet=fixture_text("kubernetes", "kubeadm_config_cgroup_driver_systemd_docs.yaml"), info=_info()))
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"], required["files"]) == ("systemd", "kubelet_config", [str(tmp_path) + KCONF])
    assert str(tmp_path) + KCONF in required["reason"]
    assert view["docker"]["cgroup_driver_effective"] == "cgroupfs"
    assert view["docker"]["agrees_with_required"] is False
    assert view["warnings"] == []


def test_explicit_paths_and_overridden_containerd(tmp_path):
    other = tmp_path / "elsewhere"
    kconf = put(other, "kubelet.yaml", fixture_text("kubernetes", "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml"))
    ctd = put(other, "containerd.toml", fixture_text("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml"))
    put(tmp_path, KCONF, KUBELET_SYSTEMD)  # not read: the path option names another file
    # kubelet 1.30: the CRI gate is off, so its cgroupDriver holds over containerd's SystemdCgroup.
    view = cd.analyze(raw_runtime(tmp_path, kubelet_config_path=kconf, containerd_config_path=ctd, versions={"kubelet": KUBELET["1.30.4"]}))
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"], required["files"]) == ("cgroupfs", "kubelet_config", [kconf])
    assert required["overridden"] == [{"driver": "systemd", "file": ctd, "setting": "SystemdCgroup"}]
    assert view["containerd"]["version"] == 3


def test_conflict_from_files(tmp_path):
    view = cd.analyze(_host(tmp_path, kubelet=KUBELET_SYSTEMD,
                            flags='KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs --pod-infra-container-image=registry.k8s.io/pause:3.9"\n'))
    required = view["required_cgroup_driver"]
    assert required["source"] == "conflict"
    assert required["driver"] is None
    assert required["conflict"]["a"] == {"driver": "systemd", "file": str(tmp_path) + KCONF, "setting": "cgroupDriver"}
    assert required["conflict"]["b"] == {"driver": "cgroupfs", "file": str(tmp_path) + KFLAGS, "setting": "--cgroup-driver"}


def test_containerd_only_host(tmp_path):
    view = cd.analyze(_host(tmp_path, containerd=fixture_text("kubernetes", "containerd_config_v2_systemdcgroup_false_minikube_kicbase.toml")))
    assert (view["required_cgroup_driver"]["driver"], view["required_cgroup_driver"]["source"]) == ("cgroupfs", "containerd")
    assert view["docker"]["agrees_with_required"] is None  # no Docker


def test_systemd_cgroup_v2_host_with_docker_installed(tmp_path):
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    put(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
    put(tmp_path, "/lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd\n")
    view = cd.analyze(raw_runtime(tmp_path))
    assert view["host"] == {"cgroup_version": 2, "systemd": True}
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"], required["files"]) == ("systemd", "host_default", [])
    assert view["docker"]["agrees_with_required"] is True


def test_cgroup_v1_host_requires_nothing(tmp_path):
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    view = cd.analyze(raw_runtime(tmp_path))
    assert (view["required_cgroup_driver"]["source"], view["required_cgroup_driver"]["driver"]) == ("none", None)
    assert view["warnings"] == []


def test_kubelet_without_its_files_is_unknown_not_the_hosts_default(tmp_path):
    # Issue 12: a kubelet whose settings are not where they are looked for is not "no setting".
    systemd_v2(tmp_path)
    put(tmp_path, "/proc/4242/comm", "kubelet\n")
    view = cd.analyze(raw_runtime(tmp_path))
    assert view["kubelet"]["present"] is True
    required = view["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == (None, "unknown")
    assert "neither" in required["reason"] and "cgroupfs" in required["reason"]


def test_unparsable_kubelet_files_require_nothing_known(tmp_path):
    systemd_v2(tmp_path)
    flags = put(tmp_path, KFLAGS, 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n')
    put(tmp_path, KCONF, "[Service]\nExecStart=/usr/bin/kubelet\n")
    view = cd.analyze(raw_runtime(tmp_path))
    assert (view["required_cgroup_driver"]["source"], view["required_cgroup_driver"]["driver"]) == ("unknown", None)
    assert [w for w in view["warnings"] if flags in w] == [view["kubelet"]["flags_error"]["text"]]
    assert not [w for w in view["warnings"] if "neither" in w]  # the files are broken, not silent


# ----------------------------------------------------------------------- decision


def test_kubelet_decides(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1")
    assert (decision["driver"], decision["source"]) == ("systemd", "kubelet_config")
    assert "config.yaml" in decision["reason"]
    assert decision["docker_settings"] == {"exec-opts": ["native.cgroupdriver=systemd"]}


def test_matching_override_is_honoured(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "systemd", "h1")
    assert {key: decision[key] for key in ("driver", "source", "reason")} == {
        "driver": "systemd", "source": "operator", "reason": "container_runtime_cgroup_driver=systemd (operator variable)",
    }


def test_override_contradicting_kubelet_names_both(tmp_path):
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "cgroupfs", "h1")
    msg = str(err.value)
    assert "host h1" in msg and "'cgroupfs'" in msg and "systemd" in msg and KCONF in msg


def test_override_wins_over_containerd_only(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, containerd=CONTAINERD_SYSTEMD), "cgroupfs", "h1")
    assert (decision["driver"], decision["source"]) == ("cgroupfs", "operator")
    assert decision["required"]["driver"] == "systemd"


def test_unknown_override_value(tmp_path):
    with pytest.raises(AnsibleFilterError, match="'cgroupsv2'; use one of systemd, cgroupfs"):
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "cgroupsv2", "h1")


def test_kubelet_config_and_flags_disagree(tmp_path):
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD, flags='KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n'), "", "h1")
    assert "config.yaml" in str(err.value) and "kubeadm-flags.env" in str(err.value)
    assert "Make kubelet's cgroupDriver" in str(err.value)


@pytest.mark.parametrize("override", ["", "systemd"])
def test_kubelet_config_that_is_not_yaml_stops_the_decision(tmp_path, override):
    raw = _host(tmp_path, kubelet="cgroupDriver: [systemd\n  : :\n")
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(raw, override, "h1")
    assert "config.yaml cannot be read or parsed" in str(err.value)
    assert "(line " in str(err.value)


def test_unreadable_containerd_config_stops_the_decision(tmp_path):
    (tmp_path / "etc/containerd/config.toml").mkdir(parents=True)
    with pytest.raises(AnsibleFilterError, match=r"config.toml cannot be read or parsed \(containerd config .* is a directory\)"):
        cd.cgroup_driver_decision(raw_runtime(tmp_path), "systemd", "h1")


def test_nothing_to_decide_asks_for_the_variable(tmp_path):
    with pytest.raises(AnsibleFilterError, match=r"^host h1: no cgroup driver can be decided: .* Set container_runtime_cgroup_driver"):
        cd.cgroup_driver_decision(raw_runtime(tmp_path), "", "h1")


def test_input_that_is_not_a_runtime_result():
    with pytest.raises(AnsibleFilterError, match="expects the `runtime` result"):
        cd.cgroup_driver_decision({"docker": {}}, "", "h1")


def test_unknown_engine(tmp_path):
    with pytest.raises(AnsibleFilterError, match=r"^host h1: container_runtime_engine is 'containerd'; use docker or podman$"):
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", engine="containerd")


# ------------------------------------------------------------- daemon.json settings


def test_operator_exec_opts_survive_next_to_the_driver(tmp_path):
    settings = {"exec-opts": ["native.umask=normal", "isolation=default"], "log-driver": "json-file", "log-opts": {"max-size": "50m"}}
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings=settings)
    assert decision["docker_settings"] == {
        "exec-opts": ["native.umask=normal", "isolation=default", "native.cgroupdriver=systemd"],
        "log-driver": "json-file",
        "log-opts": {"max-size": "50m"},
    }
    assert settings["exec-opts"] == ["native.umask=normal", "isolation=default"]  # the operator's value is untouched


def test_operator_exec_opt_naming_the_same_driver_is_kept_in_place(tmp_path):
    settings = {"exec-opts": ["Native.CgroupDriver=systemd", "native.umask=normal"]}
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings=settings)
    assert decision["docker_settings"]["exec-opts"] == ["native.cgroupdriver=systemd", "native.umask=normal"]


def test_operator_exec_opt_naming_another_driver_is_refused(tmp_path):
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings={"exec-opts": ["native.cgroupdriver=cgroupfs"]})
    msg = str(err.value)
    assert msg.startswith("host h1: container_runtime_docker_settings: exec-opts entry 'native.cgroupdriver=cgroupfs' contradicts")
    assert "set container_runtime_cgroup_driver" in msg


@pytest.mark.parametrize(
    "settings, words",
    [
        (["exec-opts"], "container_runtime_docker_settings must be a dictionary"),
        ({"exec-opts": "native.umask=normal"}, "exec-opts must be a list"),
        ({"exec-opts": ["a=1", "A=2"]}, "names a more than once"),
    ],
)
def test_bad_settings_are_refused(tmp_path, settings, words):
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings=settings)
    assert words in str(err.value)
    assert str(err.value).startswith("host h1: ")


def test_podman_has_no_docker_settings(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", engine="podman", settings=["ignored"])
    assert decision["docker_settings"] is None
    assert decision["engine"] == "podman"
    assert decision["fact"] == {"engine": "podman", "cgroup_driver": "systemd", "source": "kubelet_config",
                                "reason": decision["reason"], "docker_custom_config": None}


# ------------------------------------------------- containerd image store next to kubelet


def test_containerd_image_store_next_to_kubelet_is_refused(tmp_path):
    raw = _host(tmp_path, kubelet=KUBELET_SYSTEMD, info=_info(**SNAPSHOTTER))
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(raw, "", "h1")
    msg = str(err.value)
    assert msg.startswith("host h1: kubelet runs here and Docker uses the containerd image store (DriverStatus driver-type io.containerd.snapshotter.v1)")
    assert "container_runtime_containerd_cri_kept=true" in msg


def test_containerd_image_store_from_daemon_json_next_to_kubelet_is_refused(tmp_path):
    put(tmp_path, "/etc/docker/daemon.json", '{"features": {"containerd-snapshotter": true}}\n')
    with pytest.raises(AnsibleFilterError, match=r"features.containerd-snapshotter is true in .*daemon.json"):
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1")


def test_cri_kept_confirms_the_containerd_image_store(tmp_path):
    raw = _host(tmp_path, kubelet=KUBELET_SYSTEMD, info=_info(**SNAPSHOTTER))
    decision = cd.cgroup_driver_decision(raw, "", "h1", cri_kept=True)
    assert decision["driver"] == "systemd"
    assert decision["runtime"]["docker"]["containerd_image_store"] is True


def test_containerd_image_store_without_kubelet_or_with_podman(tmp_path):
    assert cd.cgroup_driver_decision(_host(tmp_path, info=_info(**SNAPSHOTTER)), "systemd", "h1")["driver"] == "systemd"
    raw = _host(tmp_path, kubelet=KUBELET_SYSTEMD, info=_info(**SNAPSHOTTER))
    assert cd.cgroup_driver_decision(raw, "", "h1", engine="podman")["driver"] == "systemd"


def test_classic_image_store_next_to_kubelet(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD, info=_info()), "", "h1")
    assert decision["runtime"]["docker"]["containerd_image_store"] is False
    assert decision["driver"] == "systemd"


# ------------------------------------------------------------------------ the fact


def _documented_fact():
    text = (REPO / "docs" / "decisions.md").read_text(encoding="utf-8")
    section = text.split("## `multiarch_container_runtime`", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return yaml.safe_load(block.replace("{...}", "{}"))["multiarch_container_runtime"]


def test_fact_shape_is_the_documented_one(tmp_path):
    decision = cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings={"debug": True})
    fact = decision["fact"]
    documented = _documented_fact()
    assert list(fact) == list(documented)
    assert fact == {
        "engine": "docker",
        "cgroup_driver": "systemd",
        "source": "kubelet_config",
        "reason": "kubelet cgroupDriver: systemd in %s%s" % (tmp_path, KCONF),
        "docker_custom_config": None,  # filled by the role with the merged daemon.json
    }
    assert fact["source"] in ("operator", *kubelet_driver.KUBELET_SOURCES, "containerd", "host_default")
    json.dumps(decision)  # a fact: JSON all the way down


def test_nan_in_the_operators_settings_is_refused(tmp_path):
    with pytest.raises(AnsibleFilterError, match=r"^host h1: container_runtime_docker_settings.shutdown-timeout: nan"):
        cd.cgroup_driver_decision(_host(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1", settings={"shutdown-timeout": float("nan")})


def test_a_docker_socket_from_another_machine_is_refused_before_daemon_json_is_decided(tmp_path):
    raw = raw_runtime(tmp_path, info=_info(), socket_only=True)  # a deploy container with the machine's socket mounted
    with pytest.raises(AnsibleFilterError) as err:
        cd.cgroup_driver_decision(raw, "systemd", "deploy1")
    msg = str(err.value)
    assert msg.startswith("host deploy1: Docker answers on %s, but no dockerd" % (tmp_path / "no-docker.sock"))
    assert "leave this host out of multiarch_container_runtime_hosts" in msg
    assert cd.cgroup_driver_decision(raw_runtime(tmp_path / "own", info=_info()), "systemd", "h1")["driver"] == "systemd"


def test_a_running_docker_on_another_driver_than_the_decision_has_a_restart_pending(tmp_path):
    # The interrupted run of the container_runtime_fault scenario: daemon.json already names systemd, dockerd still cgroupfs.
    put(tmp_path / "a", "/etc/docker/daemon.json", '{"exec-opts": ["native.cgroupdriver=systemd"]}')
    interrupted = cd.cgroup_driver_decision(raw_runtime(tmp_path / "a", info=_info()), "systemd", "h1")
    assert (interrupted["restart_pending"], interrupted["docker_settings"]) == (True, {"exec-opts": ["native.cgroupdriver=systemd"]})
    assert cd.cgroup_driver_decision(raw_runtime(tmp_path / "b", info=_info()), "cgroupfs", "h1")["restart_pending"] is False
    assert cd.cgroup_driver_decision(raw_runtime(tmp_path / "c"), "systemd", "h1")["restart_pending"] is False  # not running
