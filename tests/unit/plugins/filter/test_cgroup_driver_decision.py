"""cgroup_driver_decision over results of the real container_runtime_info logic."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.filter.cgroup_driver_decision import cgroup_driver_decision
from ansible_collections.multiarch.kolla.plugins.module_utils import container_runtime as cr

KUBELET_SYSTEMD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"


def _runtime(tmp_path, kubelet=None, flags=None, containerd=None):
    """Gather a runtime dict from files under a fake root, as the module does on a host."""
    files = {
        "var/lib/kubelet/config.yaml": kubelet,
        "var/lib/kubelet/kubeadm-flags.env": flags,
        "etc/containerd/config.toml": containerd,
    }
    for rel, text in files.items():
        if text is not None:
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    paths = cr.default_paths(str(tmp_path))
    paths["docker_socket"] = str(tmp_path / "no-docker.sock")
    return cr.gather_runtime_info(paths)


def test_kubelet_decides(tmp_path):
    decision = cgroup_driver_decision(_runtime(tmp_path, kubelet=KUBELET_SYSTEMD), "", "h1")
    assert decision["driver"] == "systemd"
    assert "config.yaml" in decision["reason"]


def test_matching_override_is_honoured(tmp_path):
    decision = cgroup_driver_decision(_runtime(tmp_path, kubelet=KUBELET_SYSTEMD), "systemd", "h1")
    assert decision == {"driver": "systemd", "source": "operator", "reason": "container_runtime_cgroup_driver=systemd (operator variable)"}


def test_override_contradicting_kubelet_names_both(tmp_path):
    with pytest.raises(AnsibleFilterError) as err:
        cgroup_driver_decision(_runtime(tmp_path, kubelet=KUBELET_SYSTEMD), "cgroupfs", "h1")
    msg = str(err.value)
    assert "host h1" in msg and "'cgroupfs'" in msg and "systemd" in msg and "/var/lib/kubelet/config.yaml" in msg


def test_override_wins_over_containerd_only(tmp_path):
    toml = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n'
    decision = cgroup_driver_decision(_runtime(tmp_path, containerd=toml), "cgroupfs", "h1")
    assert decision["driver"] == "cgroupfs" and decision["source"] == "operator"


def test_unknown_override_value(tmp_path):
    with pytest.raises(AnsibleFilterError, match="'cgroupsv2'; use one of systemd, cgroupfs"):
        cgroup_driver_decision(_runtime(tmp_path, kubelet=KUBELET_SYSTEMD), "cgroupsv2", "h1")


def test_kubelet_config_and_flags_disagree(tmp_path):
    runtime = _runtime(tmp_path, kubelet=KUBELET_SYSTEMD, flags='KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n')
    with pytest.raises(AnsibleFilterError) as err:
        cgroup_driver_decision(runtime, "", "h1")
    assert "config.yaml" in str(err.value) and "kubeadm-flags.env" in str(err.value)


def test_kubelet_config_that_is_not_yaml_stops_the_decision(tmp_path):
    runtime = _runtime(tmp_path, kubelet="cgroupDriver: [systemd\n  : :\n")
    assert runtime["kubelet"]["config_error"]
    with pytest.raises(AnsibleFilterError) as err:
        cgroup_driver_decision(runtime, "", "h1")
    assert "config.yaml cannot be parsed" in str(err.value)


def test_nothing_to_decide_asks_for_the_variable(tmp_path):
    runtime = _runtime(tmp_path)
    if runtime["required_cgroup_driver"]["driver"]:
        pytest.skip("this machine is a systemd host with cgroup v2: the host default decides")
    with pytest.raises(AnsibleFilterError, match="Set container_runtime_cgroup_driver"):
        cgroup_driver_decision(runtime, "", "h1")


def test_input_that_is_not_a_runtime_result():
    with pytest.raises(AnsibleFilterError, match="expects the `runtime` result"):
        cgroup_driver_decision({"docker": {}}, "", "h1")
