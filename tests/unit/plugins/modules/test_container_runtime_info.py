"""Tests for the container_runtime_info module.

Hosts are trees built under tmp_path (the module's ``root`` option); the Docker
daemon is a small HTTP server on a unix socket that answers ``GET /info`` with the
real ``docker info`` fixture. One test compares with the live Docker daemon when
the test machine has one.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading

import pytest
from ansible.module_utils import basic
from conftest import fixture_file, run_module, unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils import container_runtime as cr
from ansible_collections.multiarch.kolla.plugins.modules import container_runtime_info

KUBELET_SYSTEMD = ("kubernetes", "kubeadm_config_cgroup_driver_systemd_docs.yaml")
KUBELET_CGROUPFS = ("kubernetes", "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml")
DAEMON_SYSTEMD = ("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")
DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        if self.path == "/info" and server.info is not None:
            status, body = server.status, server.info
        else:
            status, body = 404, b'{"message": "page not found"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def fake_docker():
    """Start a fake dockerd; returns a function(body bytes, status) -> (socket path, server)."""
    workdir = tempfile.mkdtemp(prefix="fd", dir="/tmp")  # unix socket paths are limited to 108 bytes
    servers = []

    def start(body, status=200):
        path = os.path.join(workdir, "docker%d.sock" % len(servers))
        server = _Server(path, _Handler)
        server.info = body
        server.status = status
        server.requests = []
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append(server)
        return path, server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    shutil.rmtree(workdir, ignore_errors=True)


def _put(root, relpath, content):
    path = root / relpath.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return str(path)


def _fixture_text(parts):
    return fixture_file(*parts).read_text(encoding="utf-8")


def _run(root, check_mode=False, **args):
    args.setdefault("root", str(root))
    args.setdefault("docker_socket", str(root / "no-docker.sock"))
    result = run_module(container_runtime_info, args, check_mode=check_mode)
    assert "failed" not in result, result
    return result


def test_kubelet_systemd_docker_cgroupfs(tmp_path, fake_docker):
    sock, server = fake_docker(fixture_file(*DOCKER_INFO).read_bytes())
    kconf = _put(tmp_path, "/var/lib/kubelet/config.yaml", _fixture_text(KUBELET_SYSTEMD))
    result = _run(tmp_path, docker_socket=sock)
    runtime = result["runtime"]
    assert server.requests == ["/info"]
    assert result["changed"] is False
    docker = runtime["docker"]
    assert docker["running"] is True
    assert docker["installed"] is True
    assert docker["cgroup_driver"] == "cgroupfs"
    assert docker["cgroup_version"] is None  # the 17.06 daemon of the fixture does not report it
    assert docker["server_version"] == "17.06.1-ce"
    assert docker["storage_driver"] == "overlay2"
    assert docker["containerd_image_store"] is False
    assert docker["containerd_image_store_source"] == "docker_info"
    assert docker["cgroup_driver_effective"] == "cgroupfs"
    assert docker["agrees_with_required"] is False
    required = runtime["required_cgroup_driver"]
    assert required["driver"] == "systemd"
    assert required["source"] == "kubelet_config"
    assert kconf in required["reason"]
    assert required["files"] == [kconf]
    assert runtime["kubelet"]["config_cgroup_driver"] == "systemd"
    assert runtime["kubelet"]["present"] is True
    assert runtime["warnings"] == []


def test_daemon_down_socket_missing(tmp_path, monkeypatch):
    emitted = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: emitted.append(msg))
    _put(tmp_path, "/etc/docker/daemon.json", _fixture_text(DAEMON_SYSTEMD))
    result = _run(tmp_path)
    docker = result["runtime"]["docker"]
    assert docker["installed"] is True
    assert docker["running"] is False
    assert docker["cgroup_driver"] is None
    assert docker["cgroup_driver_configured"] == "systemd"
    assert docker["cgroup_driver_effective"] == "systemd"
    assert docker["cgroup_driver_effective_source"] == "daemon_json"
    assert docker["daemon_json"]["log-opts"] == {"max-size": "100m"}
    sock = str(tmp_path / "no-docker.sock")
    assert any(sock in w and "not running" in w for w in result["runtime"]["warnings"])
    assert emitted == result["runtime"]["warnings"]  # each is also an Ansible warning


def test_daemon_down_stale_socket(tmp_path):
    workdir = tempfile.mkdtemp(prefix="fd", dir="/tmp")
    try:
        path = os.path.join(workdir, "docker.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.close()  # the file stays, nobody listens: what a crashed dockerd leaves
        result = _run(tmp_path, docker_socket=path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    docker = result["runtime"]["docker"]
    assert docker["running"] is False
    assert path in docker["info_error"]
    assert any(path in w for w in result["runtime"]["warnings"])


@pytest.mark.parametrize("body, status, words", [(b"<html>", 200, "non-JSON"), (b'{"message": "boom"}', 500, "500")])
def test_daemon_answers_badly(tmp_path, fake_docker, body, status, words):
    sock, _server = fake_docker(body, status)
    docker = _run(tmp_path, docker_socket=sock)["runtime"]["docker"]
    assert docker["running"] is False
    assert words in docker["info_error"]


def test_containerd_image_store_from_info(tmp_path, fake_docker):
    info = json.loads(fixture_file(*DOCKER_INFO).read_text())
    info.update(Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]],
                CgroupDriver="systemd", CgroupVersion="2")
    sock, _server = fake_docker(json.dumps(info).encode())
    _put(tmp_path, "/etc/docker/daemon.json", '{"features": {"containerd-snapshotter": false}}\n')
    runtime = _run(tmp_path, docker_socket=sock)["runtime"]
    docker = runtime["docker"]
    assert docker["containerd_image_store"] is True
    assert docker["containerd_image_store_source"] == "docker_info"
    assert docker["containerd_snapshotter_configured"] is False
    assert docker["cgroup_version"] == 2
    assert any("restart pending" in w for w in runtime["warnings"])


def test_containerd_image_store_from_daemon_json_when_down(tmp_path):
    reference = _fixture_text(("docker", "daemon_json_linux_full_reference_dockerd_docs.json"))
    _put(tmp_path, "/etc/docker/daemon.json", reference)
    docker = _run(tmp_path)["runtime"]["docker"]
    assert docker["containerd_image_store"] is True
    assert docker["containerd_image_store_source"] == "daemon_json"
    assert len(docker["daemon_json"]) == 75


def test_kubelet_config_not_yaml(tmp_path):
    path = _put(tmp_path, "/var/lib/kubelet/config.yaml", "[Service]\nExecStart=/usr/bin/kubelet\n")
    result = _run(tmp_path)
    kubelet = result["runtime"]["kubelet"]
    assert kubelet["config_present"] is True
    assert kubelet["config_cgroup_driver"] is None
    assert kubelet["config_error"]["path"] == path
    assert kubelet["config_error"]["line"] == 1
    assert any(path in w for w in result["runtime"]["warnings"])
    assert result["runtime"]["required_cgroup_driver"]["source"] == "none"


def test_kubelet_config_and_flags_conflict(tmp_path):
    kconf = _put(tmp_path, "/var/lib/kubelet/config.yaml", _fixture_text(KUBELET_SYSTEMD))
    flags = _put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env",
                 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs --pod-infra-container-image=registry.k8s.io/pause:3.9"\n')
    required = _run(tmp_path)["runtime"]["required_cgroup_driver"]
    assert required["source"] == "conflict"
    assert required["driver"] is None
    assert required["conflict"]["a"] == {"driver": "systemd", "file": kconf, "setting": "cgroupDriver"}
    assert required["conflict"]["b"] == {"driver": "cgroupfs", "file": flags, "setting": "--cgroup-driver"}


def test_explicit_path_options_beat_root(tmp_path):
    other = tmp_path / "elsewhere"
    kconf = _put(other, "kubelet.yaml", _fixture_text(KUBELET_CGROUPFS))
    ctd = _put(other, "containerd.toml", _fixture_text(("kubernetes", "containerd_config_v3_systemdcgroup_true_docs.toml")))
    _put(tmp_path, "/var/lib/kubelet/config.yaml", _fixture_text(KUBELET_SYSTEMD))  # ignored: the option wins
    runtime = _run(tmp_path, kubelet_config_path=kconf, containerd_config_path=ctd)["runtime"]
    required = runtime["required_cgroup_driver"]
    assert (required["driver"], required["source"], required["files"]) == ("cgroupfs", "kubelet_config", [kconf])
    assert required["overridden"] == [{"driver": "systemd", "file": ctd, "setting": "SystemdCgroup"}]
    assert runtime["containerd"]["version"] == 3


def test_containerd_only(tmp_path):
    _put(tmp_path, "/etc/containerd/config.toml",
         _fixture_text(("kubernetes", "containerd_config_v2_systemdcgroup_false_minikube_kicbase.toml")))
    runtime = _run(tmp_path)["runtime"]
    assert runtime["containerd"]["installed"] is True
    assert runtime["containerd"]["systemd_cgroup"] is False
    assert runtime["containerd"]["cri_disabled"] is False
    required = runtime["required_cgroup_driver"]
    assert (required["driver"], required["source"]) == ("cgroupfs", "containerd")
    assert runtime["docker"]["installed"] is False
    assert runtime["docker"]["agrees_with_required"] is None


def test_cri_disabled_config(tmp_path):
    _put(tmp_path, "/etc/containerd/config.toml", '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n')
    containerd = _run(tmp_path)["runtime"]["containerd"]
    assert containerd["cri_disabled"] is True
    assert containerd["cri_disabled_by"] == ["cri"]
    assert containerd["version"] == 1


def test_containerd_config_broken(tmp_path):
    path = _put(tmp_path, "/etc/containerd/config.toml", "version = 2\n[plugins\n")
    result = _run(tmp_path)
    containerd = result["runtime"]["containerd"]
    assert containerd["config_error"]["path"] == path
    assert containerd["config_error"]["line"] == 2
    assert containerd["cri_disabled"] is None
    assert any(path in w for w in result["runtime"]["warnings"])


def test_nothing_on_a_systemd_cgroup_v2_host(tmp_path):
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    _put(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
    _put(tmp_path, "/lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd\n")
    runtime = _run(tmp_path)["runtime"]
    assert runtime["host"] == {"cgroup_version": 2, "systemd": True}
    required = runtime["required_cgroup_driver"]
    assert (required["driver"], required["source"], required["files"]) == ("systemd", "host_default", [])
    docker = runtime["docker"]
    assert docker["installed"] is True  # the unit file
    assert (docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"]) == ("systemd", "docker_default")
    assert docker["agrees_with_required"] is True


def test_nothing_on_a_cgroup_v1_host(tmp_path):
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    runtime = _run(tmp_path)["runtime"]
    assert runtime["host"] == {"cgroup_version": 1, "systemd": False}
    assert runtime["required_cgroup_driver"]["source"] == "none"
    assert runtime["required_cgroup_driver"]["driver"] is None
    assert runtime["warnings"] == []


def test_kubelet_process_binary_and_missing_driver_warning(tmp_path):
    _put(tmp_path, "/proc/4242/comm", "kubelet\n")
    _put(tmp_path, "/proc/1/comm", "systemd\n")
    _put(tmp_path, "/proc/self/comm", "python\n")
    binary = _put(tmp_path, "/usr/bin/kubelet", "#!/bin/sh\n")
    os.chmod(binary, 0o755)
    runtime = _run(tmp_path)["runtime"]
    kubelet = runtime["kubelet"]
    assert kubelet["running"] is True
    assert kubelet["binary"] == binary
    assert kubelet["present"] is True
    assert any("neither" in w and "cgroupfs" in w for w in runtime["warnings"])


def test_podman_containers_conf(tmp_path):
    _put(tmp_path, "/usr/share/containers/containers.conf", '[engine]\n#cgroup_manager = "systemd"\ncgroup_manager = "systemd"\n')
    late = _put(tmp_path, "/etc/containers/containers.conf.d/50-cgroupfs.conf", '[engine]\ncgroup_manager = "cgroupfs"\n')
    _put(tmp_path, "/etc/containers/containers.conf", "[containers]\n")
    podman = _run(tmp_path)["runtime"]["podman"]
    assert podman["cgroup_manager"] == "cgroupfs"
    assert podman["cgroup_manager_file"] == late
    assert len(podman["config_files"]) == 3
    only = _run(tmp_path, containers_conf_paths=[str(tmp_path / "usr/share/containers/containers.conf")])["runtime"]["podman"]
    assert only["cgroup_manager"] == "systemd"


def test_unreadable_file_is_a_warning(tmp_path):
    (tmp_path / "etc/docker/daemon.json").mkdir(parents=True)  # a directory where a file should be
    result = _run(tmp_path)
    assert any("daemon.json" in w for w in result["runtime"]["warnings"])
    assert result["runtime"]["docker"]["daemon_json"] is None


def test_check_mode_reads_the_same(tmp_path):
    _put(tmp_path, "/var/lib/kubelet/config.yaml", _fixture_text(KUBELET_CGROUPFS))
    normal = _run(tmp_path)
    checked = _run(tmp_path, check_mode=True)
    assert checked["changed"] is False
    assert checked["runtime"] == normal["runtime"]


def _live_socket():
    path = cr.DEFAULT_DOCKER_SOCKET
    if not os.path.exists(path) or not os.access(path, os.R_OK | os.W_OK):
        return None
    if shutil.which("docker") is None:
        return None
    return path


def test_live_docker_daemon_matches_docker_cli():
    """Oracle: the docker CLI's own `docker info` against the same daemon."""
    if _live_socket() is None:
        unavailable("no Docker daemon and CLI on this machine")
    try:
        cli = subprocess.run(
            ["docker", "info", "--format", "{{json .}}"], capture_output=True, text=True, timeout=30, check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable("docker info failed: %s" % exc)
    expected = json.loads(cli.stdout)
    ours = cr.docker_api_get(cr.DEFAULT_DOCKER_SOCKET, "/info", 10)
    assert ours["CgroupDriver"] == expected["CgroupDriver"]
    assert ours["Driver"] == expected["Driver"]
    assert ours["ServerVersion"] == expected["ServerVersion"]
    facts = cr.analyze_docker_info(ours)
    assert facts["cgroup_driver"] == expected["CgroupDriver"]
    assert facts["containerd_image_store"] is (["driver-type", "io.containerd.snapshotter.v1"] in (expected["DriverStatus"] or [])
                                               or expected["Driver"] in cr.SNAPSHOTTER_ONLY_DRIVERS)


def test_broken_flags_file_is_reported_not_guessed(tmp_path):
    flags = _put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n')
    runtime = _run(tmp_path)["runtime"]
    assert runtime["kubelet"]["flags_error"]["path"] == flags
    assert runtime["kubelet"]["flags_cgroup_driver"] is None
    assert runtime["required_cgroup_driver"]["source"] == "none"
    assert [w for w in runtime["warnings"] if flags in w] == [runtime["kubelet"]["flags_error"]["text"]]
