"""Tests for plugins/module_utils/runtime/gather.py.

Hosts are trees built under tmp_path (the ``root``); Docker is a fake dockerd on a
unix socket. The same gather runs on the target's oldest Python (3.9, no tomllib,
no PyYAML) and must return the same result as here.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import COLLECTIONS_ROOT, fixture_file
from runtime_testlib import CONTAINER_MNT, FakeDockerd, containers_json, fake_process, put

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import gather

DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")


def test_default_paths_under_root(tmp_path):
    paths = gather.default_paths(str(tmp_path))
    assert paths["daemon_json_path"] == str(tmp_path / "etc/docker/daemon.json")
    assert paths["docker_socket"] == str(tmp_path / "var/run/docker.sock")
    assert paths["containers_conf_paths"][-1] == str(tmp_path / "etc/containers/containers.conf.d")
    assert gather.default_paths("/")["kubeadm_flags_path"] == "/var/lib/kubelet/kubeadm-flags.env"
    assert paths["systemd_system_dir"] == str(tmp_path / "etc/systemd/system")  # libvirt_host's, in the same dict
    assert paths["libvirt_sockets"][0] == str(tmp_path / "run/libvirt/libvirt-sock")


def test_read_source(tmp_path):
    warnings = []
    path = put(tmp_path, "/etc/containerd/config.toml", "version = 2\n")
    assert gather.read_source(path, "containerd config", warnings) == {"path": path, "exists": True, "text": "version = 2\n", "error": None}
    absent = str(tmp_path / "absent.toml")
    assert gather.read_source(absent, "containerd config", warnings) == {"path": absent, "exists": False, "text": None, "error": None}
    assert warnings == []
    (tmp_path / "dir.toml").mkdir()
    directory = gather.read_source(str(tmp_path / "dir.toml"), "containerd config", warnings)
    assert (directory["exists"], directory["text"]) == (True, None)
    assert directory["error"] == "containerd config %s is a directory" % (tmp_path / "dir.toml")
    binary = tmp_path / "latin1.conf"
    binary.write_bytes(b"caf\xe9\n")
    latin1 = gather.read_source(str(binary), "containers.conf", warnings)
    assert latin1["error"].startswith("containers.conf %s is not UTF-8 text" % binary)
    assert warnings == [directory["error"], latin1["error"]]


def test_containers_conf_reading_order(tmp_path):
    usr = put(tmp_path, "usr.conf", '[engine]\ncgroup_manager = "systemd"\n')
    etc = put(tmp_path, "etc.conf", "[containers]\n")
    dropin = tmp_path / "containers.conf.d"
    put(tmp_path, "containers.conf.d/20-late.conf", "")
    put(tmp_path, "containers.conf.d/10-early.conf", "")
    put(tmp_path, "containers.conf.d/30-broken.conf", "[engine\n")
    put(tmp_path, "containers.conf.d/ignored.txt", "")
    files = gather.containers_conf_files([usr, etc, str(dropin), str(tmp_path / "absent.conf")])
    assert [p.rsplit("/", 1)[1] for p in files] == ["usr.conf", "etc.conf", "10-early.conf", "20-late.conf", "30-broken.conf"]


def test_process_running(tmp_path):
    put(tmp_path, "/proc/4242/comm", "kubelet\n")
    put(tmp_path, "/proc/1/comm", "systemd\n")
    put(tmp_path, "/proc/self/comm", "kubelet\n")  # not a pid
    assert gather.process_running("kubelet", str(tmp_path / "proc")) is True
    assert gather.process_running("dockerd", str(tmp_path / "proc")) is False
    assert gather.process_running("kubelet", str(tmp_path / "no-proc")) is None
    put(tmp_path, "/proc/77/comm", "containerd-shim\n")  # comm is cut to 15 characters
    assert gather.process_running("containerd-shim-runc-v2", str(tmp_path / "proc")) is True


def test_find_processes_walks_proc_once_for_every_name(tmp_path):
    for pid, comm in ((4242, "kubelet"), (30511, "libvirtd"), (812, "libvirtd"), (9, "systemd"), (77, "containerd-shim")):
        put(tmp_path, "/proc/%d/comm" % pid, comm + "\n")
    put(tmp_path, "/proc/self/comm", "libvirtd\n")  # not a pid
    (tmp_path / "proc/555").mkdir()  # a process that exited while /proc was read: no comm
    (tmp_path / "proc/556").mkdir()
    (tmp_path / "proc/556/comm").write_bytes(b"\xff\xfe\n")
    found = gather.find_processes(("kubelet", "libvirtd", "virtqemud", "containerd-shim-runc-v2"), str(tmp_path / "proc"))
    assert found == {"kubelet": [4242], "libvirtd": [812, 30511], "virtqemud": [], "containerd-shim-runc-v2": [77]}
    assert gather.find_processes(("kubelet",), str(tmp_path / "no-proc")) is None


def test_find_processes_on_this_machine():
    """Oracle: this test's own process, found by its comm in the real /proc."""
    with open("/proc/self/comm") as handle:
        comm = handle.read().strip()
    assert os.getpid() in gather.find_processes((comm,))[comm]


def test_docker_not_asked_when_absent(tmp_path):
    warnings = []
    got = gather.ask_docker(str(tmp_path / "docker.sock"), False, 1, warnings)
    assert got == {"socket": str(tmp_path / "docker.sock"), "socket_present": False, "asked": False, "info": None, "error": None}
    assert warnings == []


def test_docker_installed_but_down(tmp_path):
    warnings = []
    sock = str(tmp_path / "docker.sock")
    got = gather.ask_docker(sock, True, 1, warnings)
    assert got["asked"] is True
    assert got["info"] is None
    assert sock in got["error"]
    assert warnings == ["Docker is installed but its socket %s does not exist (daemon not running)" % sock]


def test_docker_answer_is_returned_raw(tmp_path):
    body = fixture_file(*DOCKER_INFO).read_bytes()
    warnings = []
    with FakeDockerd(body) as dockerd:
        got = gather.ask_docker(dockerd.socket, False, 5, warnings)  # the socket alone is reason to ask
    assert got["info"] == json.loads(body)
    assert (got["socket_present"], got["asked"], got["error"]) == (True, True, None)
    assert warnings == []


def test_docker_answering_badly_is_a_warning():
    warnings = []
    with FakeDockerd(b'{"message": "boom"}', 500) as dockerd:
        got = gather.ask_docker(dockerd.socket, True, 5, warnings)
    assert got["info"] is None
    assert "500" in got["error"]
    assert warnings == [got["error"]]


def _host(tmp_path):
    files = {
        "etc/containerd/config.toml": ("kubernetes", "containerd_config_v2_default_1.7_no_systemdcgroup.toml"),
        "var/lib/kubelet/config.yaml": ("kubernetes", "kubeadm_config_v1beta4_k8s1.35_containerd_systemd_minikube.yaml"),
        "etc/docker/daemon.json": ("docker", "daemon_json_linux_full_reference_dockerd_docs.json"),
    }
    for rel, parts in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fixture_file(*parts).read_bytes())
    put(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd"\n')
    put(tmp_path, "/etc/containers/containers.conf", '[engine]\ncgroup_manager = "cgroupfs"\n')
    put(tmp_path, "/lib/systemd/system/docker.service", "[Service]\n")
    put(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    binary = put(tmp_path, "/usr/bin/kubelet", "#!/bin/sh\n")
    os.chmod(binary, 0o755)
    put(tmp_path, "/proc/4242/comm", "kubelet\n")
    fake_process(tmp_path, "self")
    fake_process(tmp_path, 30511, "libvirtd", CONTAINER_MNT)
    (tmp_path / "etc/systemd/system/sockets.target.wants").mkdir(parents=True)
    os.symlink("/lib/systemd/system/libvirtd.socket", str(tmp_path / "etc/systemd/system/sockets.target.wants/libvirtd.socket"))
    return files


def test_gather_a_whole_host(tmp_path):
    files = _host(tmp_path)
    paths = gather.default_paths(str(tmp_path))
    raw = gather.gather_runtime(paths, root=str(tmp_path), timeout=1)
    assert raw["files"]["daemon_json"]["text"] == fixture_file(*files["etc/docker/daemon.json"]).read_text()
    assert raw["files"]["containerd_config"]["exists"] is True
    assert raw["files"]["kubeadm_flags"]["text"] == 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd"\n'
    assert [entry["path"] for entry in raw["containers_conf"]] == [str(tmp_path / "etc/containers/containers.conf")]
    assert raw["docker_units"] == [str(tmp_path / "lib/systemd/system/docker.service")]
    assert raw["binaries"] == {"dockerd": None, "docker": None, "containerd": None, "kubelet": str(tmp_path / "usr/bin/kubelet"), "podman": None}
    assert raw["kubelet_running"] is True
    assert raw["libvirt"] == {"daemons": [{"pid": 30511, "name": "libvirtd", "host_namespace": False}], "sockets": [],
                              "units_enabled": ["libvirtd.socket"], "units_masked": [], "containers": None, "containers_error": None}
    assert raw["host"] == {"cgroup_version": 2, "systemd": True}
    # kubelet's --version is not run from a tree that is not this host's /: only its path is reported.
    assert (raw["versions"]["kubelet"]["binary"], raw["versions"]["kubelet"]["ran"]) == (str(tmp_path / "usr/bin/kubelet"), False)
    assert raw["versions"]["containerd"]["binary"] is None
    # Docker looks installed (daemon.json, unit) but its socket is missing: asked, and said so.
    assert raw["docker_info"]["asked"] is True
    assert raw["warnings"] == ["Docker is installed but its socket %s does not exist (daemon not running)" % paths["docker_socket"]]
    json.dumps(raw)  # a module result: JSON all the way down


def test_an_empty_host(tmp_path):
    raw = gather.gather_runtime(gather.default_paths(str(tmp_path)), root=str(tmp_path))
    assert all(entry["exists"] is False for entry in raw["files"].values())
    assert raw["containers_conf"] == []
    assert raw["docker_info"]["asked"] is False
    assert raw["host"] == {"cgroup_version": None, "systemd": False}
    assert raw["kubelet_running"] is None  # no /proc under this root
    assert raw["libvirt"] == {"daemons": None, "sockets": [], "units_enabled": [], "units_masked": [], "containers": None,
                              "containers_error": None}
    assert raw["warnings"] == []


def test_docker_that_answered_is_asked_for_its_containers(tmp_path):
    paths = gather.default_paths(str(tmp_path))
    with FakeDockerd(fixture_file(*DOCKER_INFO).read_bytes(), routes={"/containers/json?all=1": containers_json("nova_libvirt")}) as dockerd:
        paths["docker_socket"] = dockerd.socket
        raw = gather.gather_runtime(paths, root=str(tmp_path), timeout=5)
        assert dockerd.requests == ["/info", "/containers/json?all=1"]
    assert raw["libvirt"]["containers"] == ["nova_libvirt"]
    assert raw["warnings"] == []


# ------------------------------------------------ the target's oldest Python


def _python39():
    candidates = [shutil.which("python3.9"), *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"], check=True,
                           capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    return None


PY39 = _python39()

GATHER_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import gather
from ansible_collections.multiarch.kolla.plugins.module_utils import docker_daemon_json
paths = gather.default_paths(sys.argv[2])
raw = gather.gather_runtime(paths, root=sys.argv[2], timeout=1)
plan = docker_daemon_json.plan_daemon_json(raw["files"]["daemon_json"]["text"], settings={"exec-opts": ["native.cgroupdriver=systemd"]})
print(json.dumps({"modules": sorted(m for m in sys.modules if m.split(".")[0] in ("yaml", "tomllib", "ansible")), "raw": raw, "plan": plan}))
"""


@pytest.mark.skipif(PY39 is None, reason="no Python 3.9 interpreter on this machine")
def test_same_result_on_python39_with_the_standard_library_only(tmp_path):
    """Modules run on target Python 3.9: no tomllib there, and usually no PyYAML or ansible either."""
    _host(tmp_path)
    proc = subprocess.run([PY39, "-I", "-c", GATHER_SCRIPT, str(COLLECTIONS_ROOT), str(tmp_path)], capture_output=True, text=True,
                          timeout=60, check=True)
    old = json.loads(proc.stdout)
    assert old["modules"] == []
    here = json.loads(json.dumps(gather.gather_runtime(gather.default_paths(str(tmp_path)), root=str(tmp_path), timeout=1)))
    assert old["raw"] == here
    assert old["plan"]["config"]["exec-opts"] == ["native.cgroupdriver=systemd"]
    assert sys.version_info >= (3, 11)
