"""Tests for the container_runtime_info module.

Hosts are trees built under tmp_path (the module's ``root`` option); the Docker
daemon is a fake dockerd on a unix socket that answers ``GET /info`` with the real
``docker info`` fixture. The module returns what it found, unparsed; what the
controller makes of it is tested with plugins/plugin_utils (runtime_facts, cgroup_driver).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml
from ansible.module_utils import basic
from conftest import fixture_file, fixture_text, run_module, unavailable
from runtime_testlib import CONTAINER_MNT, FakeDockerd, containers_json, fake_process, put

from ansible_collections.multiarch.kolla.plugins.modules import container_runtime_info

KUBELET_SYSTEMD = ("kubernetes", "kubeadm_config_cgroup_driver_systemd_docs.yaml")
KUBELET_CGROUPFS = ("kubernetes", "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml")
CONTAINERD_V3 = ("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml")
DAEMON_SYSTEMD = ("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")
DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")


def _run(root, check_mode=False, **args):
    args.setdefault("root", str(root))
    args.setdefault("docker_socket", str(root / "no-docker.sock"))
    result = run_module(container_runtime_info, args, check_mode=check_mode)
    assert "failed" not in result, result
    return result


def test_files_and_the_daemons_answer_as_found(tmp_path):
    kconf = put(tmp_path, "/var/lib/kubelet/config.yaml", fixture_text(*KUBELET_SYSTEMD))
    routes = {"/containers/json?all=1": containers_json("nova_libvirt", "nova_compute")}
    with FakeDockerd(fixture_file(*DOCKER_INFO).read_bytes(), routes=routes) as dockerd:
        result = _run(tmp_path, docker_socket=dockerd.socket)
        assert dockerd.requests == ["/info", "/containers/json?all=1"]
    runtime = result["runtime"]
    assert result["changed"] is False
    assert runtime["files"]["kubelet_config"] == {"path": kconf, "exists": True, "text": fixture_text(*KUBELET_SYSTEMD), "error": None}
    assert runtime["files"]["daemon_json"] == {"path": str(tmp_path / "etc/docker/daemon.json"), "exists": False, "text": None, "error": None}
    assert runtime["docker_info"]["info"] == json.loads(fixture_file(*DOCKER_INFO).read_text())
    assert runtime["docker_info"]["socket"] == dockerd.socket
    assert runtime["docker_info"]["error"] is None
    assert runtime["libvirt"]["containers"] == ["nova_compute", "nova_libvirt"]
    assert runtime["warnings"] == []
    assert set(runtime) == {"files", "containers_conf", "docker_units", "docker_info", "binaries", "versions", "kubelet_running", "libvirt",
                            "host", "warnings"}


def test_daemon_down_socket_missing(tmp_path, monkeypatch):
    emitted = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: emitted.append(msg))
    put(tmp_path, "/etc/docker/daemon.json", fixture_text(*DAEMON_SYSTEMD))
    result = _run(tmp_path)
    docker = result["runtime"]["docker_info"]
    assert docker["asked"] is True  # daemon.json says Docker is installed
    assert docker["info"] is None
    assert result["runtime"]["files"]["daemon_json"]["text"] == fixture_text(*DAEMON_SYSTEMD)
    sock = str(tmp_path / "no-docker.sock")
    assert any(sock in w and "not running" in w for w in result["runtime"]["warnings"])
    assert emitted == result["runtime"]["warnings"]  # each is also an Ansible warning


def test_daemon_answers_badly(tmp_path):
    with FakeDockerd(b"<html>") as dockerd:
        docker = _run(tmp_path, docker_socket=dockerd.socket)["runtime"]["docker_info"]
    assert docker["info"] is None
    assert "non-JSON" in docker["error"]


def test_explicit_path_options_beat_root(tmp_path):
    other = tmp_path / "elsewhere"
    kconf = put(other, "kubelet.yaml", fixture_text(*KUBELET_CGROUPFS))
    ctd = put(other, "containerd.toml", fixture_text(*CONTAINERD_V3))
    flags = put(other, "flags.env", 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n')
    daemon = put(other, "daemon.json", "{}\n")
    put(tmp_path, "/var/lib/kubelet/config.yaml", fixture_text(*KUBELET_SYSTEMD))  # ignored: the option wins
    files = _run(tmp_path, kubelet_config_path=kconf, containerd_config_path=ctd, kubeadm_flags_path=flags,
                 daemon_json_path=daemon)["runtime"]["files"]
    assert [files[key]["path"] for key in ("kubelet_config", "containerd_config", "kubeadm_flags", "daemon_json")] == [kconf, ctd, flags, daemon]
    assert files["kubelet_config"]["text"] == fixture_text(*KUBELET_CGROUPFS)


def test_host_probes(tmp_path):
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    put(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
    unit = put(tmp_path, "/lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd\n")
    put(tmp_path, "/proc/4242/comm", "kubelet\n")
    binary = put(tmp_path, "/usr/bin/kubelet", "#!/bin/sh\n")
    os.chmod(binary, 0o755)
    runtime = _run(tmp_path)["runtime"]
    assert runtime["host"] == {"cgroup_version": 2, "systemd": True}
    assert runtime["docker_units"] == [unit]
    assert runtime["kubelet_running"] is True
    assert runtime["binaries"]["kubelet"] == binary
    assert runtime["binaries"]["dockerd"] is None
    # The unit file says Docker is installed, so its (missing) socket was asked.
    assert runtime["docker_info"]["asked"] is True


def test_host_libvirt_next_to_kollas_container(tmp_path):
    fake_process(tmp_path, "self")
    fake_process(tmp_path, 812, "libvirtd")
    fake_process(tmp_path, 30511, "libvirtd", CONTAINER_MNT)
    put(tmp_path, "/run/libvirt/libvirt-sock", "")
    (tmp_path / "etc/systemd/system/sockets.target.wants").mkdir(parents=True)
    os.symlink("/lib/systemd/system/virtqemud.socket", str(tmp_path / "etc/systemd/system/sockets.target.wants/virtqemud.socket"))
    libvirt = _run(tmp_path)["runtime"]["libvirt"]
    assert libvirt == {"daemons": [{"pid": 812, "name": "libvirtd", "host_namespace": True},
                                   {"pid": 30511, "name": "libvirtd", "host_namespace": False}],
                       "sockets": [str(tmp_path / "run/libvirt/libvirt-sock")], "units_enabled": ["virtqemud.socket"], "units_masked": [],
                       "containers": None, "containers_error": None}


def _libvirtd_pids():
    """Oracle: procps' pgrep, not the module's /proc walk."""
    try:
        proc = subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(int(pid) for pid in proc.stdout.split())


@pytest.mark.libvirt
def test_live_host_libvirtd_is_on_the_host():
    """This machine runs libvirtd on the host (scripts/setup-host): the module names it, in the host's mount namespace."""
    pids = _libvirtd_pids()
    if not pids:
        unavailable("no libvirtd process on this machine; start it (scripts/setup-host)")
    result = run_module(container_runtime_info, {"docker_timeout": 2, "version_timeout": 10})
    daemons = result["runtime"]["libvirt"]["daemons"]
    found = {d["pid"]: d for d in daemons if d["name"] == "libvirtd"}
    assert set(pids) <= set(found), (pids, daemons)
    assert all(found[pid]["host_namespace"] is True for pid in pids), daemons
    assert os.path.exists("/run/libvirt/libvirt-sock") is ("/run/libvirt/libvirt-sock" in result["runtime"]["libvirt"]["sockets"])


def test_cgroup_v1_host(tmp_path):
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    runtime = _run(tmp_path)["runtime"]
    assert runtime["host"] == {"cgroup_version": 1, "systemd": False}
    assert runtime["docker_info"]["asked"] is False
    assert runtime["warnings"] == []


def test_podman_containers_conf(tmp_path):
    usr = put(tmp_path, "/usr/share/containers/containers.conf", '[engine]\ncgroup_manager = "systemd"\n')
    late = put(tmp_path, "/etc/containers/containers.conf.d/50-cgroupfs.conf", '[engine]\ncgroup_manager = "cgroupfs"\n')
    etc = put(tmp_path, "/etc/containers/containers.conf", "[containers]\n")
    conf = _run(tmp_path)["runtime"]["containers_conf"]
    assert [entry["path"] for entry in conf] == [usr, etc, late]
    assert conf[2]["text"] == '[engine]\ncgroup_manager = "cgroupfs"\n'
    only = _run(tmp_path, containers_conf_paths=[usr])["runtime"]["containers_conf"]
    assert [entry["path"] for entry in only] == [usr]


def test_unreadable_file_is_a_warning(tmp_path):
    (tmp_path / "etc/docker/daemon.json").mkdir(parents=True)  # a directory where a file should be
    result = _run(tmp_path)
    entry = result["runtime"]["files"]["daemon_json"]
    assert entry["text"] is None
    assert entry["exists"] is True
    assert entry["error"].endswith("daemon.json is a directory")
    assert entry["error"] in result["runtime"]["warnings"]


def test_check_mode_reads_the_same(tmp_path):
    put(tmp_path, "/var/lib/kubelet/config.yaml", fixture_text(*KUBELET_CGROUPFS))
    normal = _run(tmp_path)
    checked = _run(tmp_path, check_mode=True)
    assert checked["changed"] is False
    assert checked["runtime"] == normal["runtime"]


def test_versions_under_another_root_report_the_binary_only(tmp_path):
    marker = tmp_path / "ran"
    for name in ("kubelet", "containerd"):
        binary = put(tmp_path, "/usr/bin/%s" % name, "#!/bin/sh\ntouch %s\necho 'Kubernetes v1.33.1'\n" % marker)
        os.chmod(binary, 0o755)
    result = _run(tmp_path)
    versions = result["runtime"]["versions"]
    assert not marker.exists()  # nothing of the mounted tree ran
    for name in ("kubelet", "containerd"):
        binary = str(tmp_path / "usr/bin" / name)
        assert versions[name]["binary"] == binary
        assert (versions[name]["ran"], versions[name]["stdout"]) == (False, None)
        assert versions[name]["error"] == "%s was not run: it lies under the root %s, not on this host's /" % (binary, tmp_path)
    assert result["runtime"]["warnings"] == []


def test_no_binaries_no_versions(tmp_path):
    versions = _run(tmp_path)["runtime"]["versions"]
    assert versions == {name: {"binary": None, "ran": False, "rc": None, "stdout": None, "stderr": None, "error": None}
                        for name in ("kubelet", "containerd")}


def test_timeouts_must_be_positive(tmp_path):
    for option in ("version_timeout", "docker_timeout"):
        result = run_module(container_runtime_info, {"root": str(tmp_path), option: 0})
        assert result["failed"] is True
        assert result["msg"] == "%s is 0.0; give a number of seconds above 0" % option


def test_documentation_matches_the_module(tmp_path, monkeypatch):
    seen = {}
    original = basic.AnsibleModule.__init__

    def spy(self, argument_spec, **kwargs):
        seen.update(argument_spec)
        original(self, argument_spec, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", spy)
    runtime = _run(tmp_path)["runtime"]
    options = yaml.safe_load(container_runtime_info.DOCUMENTATION)["options"]
    assert set(options) == set(seen)
    assert {name: options[name].get("default") for name in options} == {name: spec.get("default") for name, spec in seen.items()}
    returned = yaml.safe_load(container_runtime_info.RETURN)["runtime"]["contains"]
    assert set(returned) == set(runtime)
    assert set(returned["versions"]["sample"]) == set(runtime["versions"])
    assert set(returned["versions"]["sample"]["kubelet"]) == set(runtime["versions"]["kubelet"])
    assert set(returned["libvirt"]["contains"]) == set(runtime["libvirt"])
    assert set(returned["libvirt"]["contains"]["daemons"]["sample"][0]) == {"pid", "name", "host_namespace"}
