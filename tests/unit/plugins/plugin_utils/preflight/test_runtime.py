"""plugins/plugin_utils/preflight/runtime.py: role container_runtime's decision, asked read-only before any change."""

from __future__ import annotations

import json

from conftest import fixture_text
from runtime_testlib import CONTAINERD, KUBELET, put, raw_runtime

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.runtime import engine_installed, runtime_cgroup

KCONF = "/var/lib/kubelet/config.yaml"
KFLAGS = "/var/lib/kubelet/kubeadm-flags.env"


def docker_host(root, kubelet=None, flags=None):
    for rel, text in ((KCONF, kubelet), (KFLAGS, flags)):
        if text is not None:
            put(root, rel, text)
    # kubelet 1.33 with containerd 1.7: kubelet's own settings decide (test_cgroup_driver.py DEFAULT_VERSIONS).
    raw = raw_runtime(root, versions={"kubelet": KUBELET["1.33.1"], "containerd": CONTAINERD["1.7.27"]} if kubelet or flags else None)
    raw["binaries"]["dockerd"] = "/usr/sbin/dockerd"
    return raw


def test_disagreeing_kubelet_settings_are_an_error_and_hosts_without_docker_are_left_alone(tmp_path):
    bad = docker_host(tmp_path / "bad", kubelet="kind: KubeletConfiguration\ncgroupDriver: systemd\n",
                      flags='KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n')
    good = docker_host(tmp_path / "good", kubelet="kind: KubeletConfiguration\ncgroupDriver: systemd\n")
    none = raw_runtime(tmp_path)  # no dockerd: container_runtime does not run there
    hostvars = {name: {"multiarch_host_read": {"runtime": raw}} for name, raw in (("bad", bad), ("good", good), ("none", none))}
    found = runtime_cgroup(Context(["bad", "good", "none"], hostvars))
    assert [(f["host"], f["severity"]) for f in found] == [("bad", "error")]
    assert "config.yaml" in found[0]["found"] and "kubeadm-flags.env" in found[0]["found"]


def test_the_operators_variables_are_the_roles(tmp_path):
    raw = docker_host(tmp_path)  # Docker without kubelet settings: the role needs container_runtime_cgroup_driver
    assert "Set container_runtime_cgroup_driver" in str(runtime_cgroup(Context(["h"], {"h": {"multiarch_host_read": {"runtime": raw}}}))[0])
    assert runtime_cgroup(Context(["h"], {"h": {"multiarch_host_read": {"runtime": raw}, "container_runtime_cgroup_driver": "systemd"}})) == []


def test_a_socket_bind_mounted_from_another_machines_docker_is_not_this_hosts_engine(tmp_path):
    info = json.loads(fixture_text("docker", "docker_info_cgroupfs_no_swarm.json"))
    mounted = raw_runtime(tmp_path / "deploy", info=info, socket_only=True)  # a deploy container with the machine's socket
    local = raw_runtime(tmp_path / "host", info=info)  # the same answer from this host's own dockerd
    assert (engine_installed(mounted), engine_installed(local)) == (False, True)
    # Nothing to check there either: container_runtime is not run on it.
    assert runtime_cgroup(Context(["deploy"], {"deploy": {"multiarch_host_read": {"runtime": mounted}}})) == []
