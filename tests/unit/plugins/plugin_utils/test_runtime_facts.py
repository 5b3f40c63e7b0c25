"""Tests for plugins/plugin_utils/runtime_facts.py: the parsed view of container_runtime_info's raw result.

The raw results come from the real gather code over host trees under tmp_path
(runtime_testlib.raw_runtime), with the real ``docker info`` fixture standing for
the daemon's answer where a test needs one.
"""

from __future__ import annotations

import json

from conftest import fixture_text
from runtime_testlib import CONTAINERD, KUBELET, put, raw_runtime

from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_facts

KUBELET_SYSTEMD = ("kubernetes", "kubeadm_config_cgroup_driver_systemd_docs.yaml")
DAEMON_SYSTEMD = ("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")
DAEMON_REFERENCE = ("docker", "daemon_json_linux_full_reference_dockerd_docs.json")
DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")


def _info(**changes):
    return dict(json.loads(fixture_text(*DOCKER_INFO)), **changes)


def test_running_docker_next_to_kubelet(tmp_path):
    put(tmp_path, "/var/lib/kubelet/config.yaml", fixture_text(*KUBELET_SYSTEMD))
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path, info=_info()))
    docker = view["docker"]
    assert docker["running"] is True
    assert docker["installed"] is True
    assert docker["cgroup_driver"] == "cgroupfs"
    assert docker["cgroup_version"] is None  # the 17.06 daemon of the fixture does not report it
    assert docker["server_version"] == "17.06.1-ce"
    assert docker["storage_driver"] == "overlay2"
    assert docker["containerd_image_store"] is False
    assert docker["containerd_image_store_source"] == "docker_info"
    assert (docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"]) == ("cgroupfs", "docker_info")
    assert view["kubelet"]["config_cgroup_driver"] == "systemd"
    assert view["kubelet"]["kind_found"] is True
    assert view["kubelet"]["present"] is True
    assert view["warnings"] == []


def test_daemon_down_daemon_json_decides(tmp_path):
    put(tmp_path, "/etc/docker/daemon.json", fixture_text(*DAEMON_SYSTEMD))
    raw = raw_runtime(tmp_path)
    docker = runtime_facts.parse_runtime(raw)["docker"]
    assert docker["installed"] is True
    assert docker["running"] is False
    assert docker["cgroup_driver"] is None
    assert docker["cgroup_driver_configured"] == "systemd"
    assert (docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"]) == ("systemd", "daemon_json")
    assert docker["daemon_json"]["log-opts"] == {"max-size": "100m"}
    assert docker["info_error"] == raw["docker_info"]["error"]
    assert str(tmp_path / "no-docker.sock") in docker["info_error"]


def test_containerd_image_store_from_info(tmp_path):
    info = _info(Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]], CgroupDriver="systemd", CgroupVersion="2")
    path = put(tmp_path, "/etc/docker/daemon.json", '{"features": {"containerd-snapshotter": false}}\n')
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path, info=info))
    docker = view["docker"]
    assert docker["containerd_image_store"] is True
    assert docker["containerd_image_store_source"] == "docker_info"
    assert docker["containerd_snapshotter_configured"] is False
    assert docker["cgroup_version"] == 2
    assert view["warnings"] == [
        "%s sets features.containerd-snapshotter=false but the running daemon uses the containerd image store (restart pending?)" % path
    ]


def test_containerd_image_store_from_daemon_json_when_down(tmp_path):
    path = put(tmp_path, "/etc/docker/daemon.json", fixture_text(*DAEMON_REFERENCE))
    docker = runtime_facts.parse_runtime(raw_runtime(tmp_path))["docker"]
    assert docker["containerd_image_store"] is True
    assert docker["containerd_image_store_source"] == "daemon_json"
    assert docker["containerd_image_store_reason"] == "features.containerd-snapshotter is true in %s" % path
    assert len(docker["daemon_json"]) == 75


def test_restart_pending_driver_is_a_warning(tmp_path):
    path = put(tmp_path, "/etc/docker/daemon.json", '{"exec-opts": ["native.cgroupdriver=systemd"]}\n')
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path, info=_info()))
    assert view["docker"]["cgroup_driver_effective"] == "cgroupfs"  # what runs, not what is configured
    assert view["warnings"] == ["%s sets native.cgroupdriver=systemd but the running daemon uses cgroupfs (restart pending?)" % path]


def test_docker_default_driver(tmp_path):
    put(tmp_path, "/lib/systemd/system/docker.service", "[Service]\n")
    cgroupfs = runtime_facts.parse_runtime(raw_runtime(tmp_path))["docker"]
    assert cgroupfs["installed"] is True  # the unit file
    assert (cgroupfs["cgroup_driver_effective"], cgroupfs["cgroup_driver_effective_source"]) == ("cgroupfs", "docker_default")
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    put(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
    systemd = runtime_facts.parse_runtime(raw_runtime(tmp_path))["docker"]
    assert (systemd["cgroup_driver_effective"], systemd["cgroup_driver_effective_source"]) == ("systemd", "docker_default")


def test_no_docker(tmp_path):
    docker = runtime_facts.parse_runtime(raw_runtime(tmp_path))["docker"]
    assert docker["installed"] is False
    assert docker["cgroup_driver_effective"] is None
    assert docker["daemon_json_present"] is False


def test_broken_daemon_json(tmp_path):
    path = put(tmp_path, "/etc/docker/daemon.json", '{\n  "log-driver": "json-file",\n  "exec-opts" ["x"]\n}\n')
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    error = view["docker"]["daemon_json_error"]
    assert (error["path"], error["line"], error["column"]) == (path, 3, 15)
    assert view["docker"]["daemon_json"] is None
    assert view["warnings"] == [error["text"]]


def test_unreadable_daemon_json(tmp_path):
    (tmp_path / "etc/docker/daemon.json").mkdir(parents=True)  # a directory where a file should be
    raw = raw_runtime(tmp_path)
    docker = runtime_facts.parse_runtime(raw)["docker"]
    assert docker["daemon_json"] is None
    assert docker["daemon_json_present"] is True
    assert docker["daemon_json_error"]["text"] == raw["files"]["daemon_json"]["error"]
    assert docker["daemon_json_error"]["line"] is None


def test_containerd_only(tmp_path):
    put(tmp_path, "/etc/containerd/config.toml", fixture_text("kubernetes", "containerd_config_v2_systemdcgroup_false_minikube_kicbase.toml"))
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    containerd = view["containerd"]
    assert containerd["installed"] is True
    assert containerd["systemd_cgroup"] is False
    assert containerd["cri_disabled"] is False
    assert containerd["version"] == 2
    assert containerd["default_runtime_name"] == "runc"
    assert "cgroup_driver" not in containerd
    assert view["docker"]["installed"] is False


def test_cri_disabled_config(tmp_path):
    put(tmp_path, "/etc/containerd/config.toml", '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n')
    containerd = runtime_facts.parse_runtime(raw_runtime(tmp_path))["containerd"]
    assert containerd["cri_disabled"] is True
    assert containerd["cri_disabled_by"] == ["cri"]
    assert containerd["version"] == 1


def test_no_containerd_config_loads_cri(tmp_path):
    containerd = runtime_facts.parse_runtime(raw_runtime(tmp_path))["containerd"]
    assert (containerd["config_present"], containerd["cri_disabled"], containerd["installed"]) == (False, False, False)


def test_containerd_config_broken(tmp_path):
    path = put(tmp_path, "/etc/containerd/config.toml", "version = 2\n[plugins\n")
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    containerd = view["containerd"]
    assert containerd["config_error"]["path"] == path
    assert containerd["config_error"]["line"] == 2
    assert containerd["cri_disabled"] is None
    assert any(path in w for w in view["warnings"])


def test_kubelet_config_not_yaml(tmp_path):
    path = put(tmp_path, "/var/lib/kubelet/config.yaml", "[Service]\nExecStart=/usr/bin/kubelet\n")
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    kubelet = view["kubelet"]
    assert kubelet["config_present"] is True
    assert kubelet["config_cgroup_driver"] is None
    assert kubelet["config_error"]["path"] == path
    assert kubelet["config_error"]["line"] == 1
    assert any(path in w for w in view["warnings"])


def test_broken_flags_file(tmp_path):
    flags = put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n')
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    assert view["kubelet"]["flags_error"]["path"] == flags
    assert view["kubelet"]["flags_cgroup_driver"] is None
    assert [w for w in view["warnings"] if flags in w] == [view["kubelet"]["flags_error"]["text"]]


def test_kubelet_endpoint_flags_first(tmp_path):
    put(tmp_path, "/var/lib/kubelet/config.yaml", fixture_text("kubernetes", "kubeadm_config_v1beta4_k8s1.35_containerd_systemd_minikube.yaml"))
    assert runtime_facts.parse_runtime(raw_runtime(tmp_path))["kubelet"]["container_runtime_endpoint"] == "unix:///run/containerd/containerd.sock"
    put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/crio.sock"\n')
    kubelet = runtime_facts.parse_runtime(raw_runtime(tmp_path))["kubelet"]
    assert kubelet["container_runtime_endpoint"] == "unix:///run/crio.sock"
    assert kubelet["flags_present"] is True


def test_kubelet_present_by_process_alone(tmp_path):
    put(tmp_path, "/proc/4242/comm", "kubelet\n")
    kubelet = runtime_facts.parse_runtime(raw_runtime(tmp_path))["kubelet"]
    assert (kubelet["present"], kubelet["running"], kubelet["binary"]) == (True, True, None)


def test_podman_containers_conf(tmp_path):
    put(tmp_path, "/usr/share/containers/containers.conf", '[engine]\n#cgroup_manager = "systemd"\ncgroup_manager = "systemd"\n')
    late = put(tmp_path, "/etc/containers/containers.conf.d/50-cgroupfs.conf", '[engine]\ncgroup_manager = "cgroupfs"\n')
    broken = put(tmp_path, "/etc/containers/containers.conf.d/60-broken.conf", "[engine\n")
    put(tmp_path, "/etc/containers/containers.conf", "[containers]\n")
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    podman = view["podman"]
    assert podman["cgroup_manager"] == "cgroupfs"
    assert podman["cgroup_manager_file"] == late
    assert len(podman["config_files"]) == 3
    assert podman["installed"] is False
    assert [w for w in view["warnings"] if broken in w] == [view["warnings"][0]]
    only = runtime_facts.parse_runtime(raw_runtime(tmp_path, containers_conf_paths=[str(tmp_path / "usr/share/containers/containers.conf")]))
    assert only["podman"]["cgroup_manager"] == "systemd"


def test_is_raw_runtime(tmp_path):
    raw = raw_runtime(tmp_path)
    assert runtime_facts.is_raw_runtime(raw) is True
    assert runtime_facts.is_raw_runtime({"docker": {}}) is False
    assert runtime_facts.is_raw_runtime(dict(raw, files=[])) is False
    assert runtime_facts.is_raw_runtime(None) is False


def test_releases_and_the_cri_gate(tmp_path):
    put(tmp_path, "/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\nfeatureGates:\n  KubeletCgroupDriverFromCRI: true\n")
    flags = put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--feature-gates=KubeletCgroupDriverFromCRI=false"\n')
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path, versions={"kubelet": KUBELET["1.33.1"], "containerd": CONTAINERD["2.0.0"]}))
    assert (view["kubelet"]["release"], view["kubelet"]["release_error"]) == ("1.33.1", None)
    assert (view["containerd"]["release"], view["containerd"]["release_error"]) == ("2.0.0", None)
    # The flag wins over the config file, gate by gate, as kubelet reads them.
    assert view["kubelet"]["cri_gate"] == {"value": False, "setting": "--feature-gates", "file": flags}


def test_no_release_without_a_binary(tmp_path):
    view = runtime_facts.parse_runtime(raw_runtime(tmp_path))
    assert (view["kubelet"]["release"], view["kubelet"]["release_error"]) == (None, "no kubelet binary was found")
    assert view["kubelet"]["cri_gate"] is None
    assert view["containerd"]["runc_runtime"] is None


def test_a_daemon_answering_where_nothing_of_dockers_is_installed_runs_elsewhere(tmp_path):
    mounted = runtime_facts.parse_runtime(raw_runtime(tmp_path / "a", info=_info(), socket_only=True))["docker"]
    local = runtime_facts.parse_runtime(raw_runtime(tmp_path / "b", info=_info()))["docker"]
    assert (mounted["running"], mounted["daemon_elsewhere"]) == (True, True)
    assert (local["running"], local["daemon_elsewhere"]) == (True, False)
    put(tmp_path / "c", "/etc/docker/daemon.json", "{}")  # a daemon.json makes the host's own Docker
    configured = runtime_facts.parse_runtime(raw_runtime(tmp_path / "c", info=_info(), socket_only=True))["docker"]
    assert configured["daemon_elsewhere"] is False
