"""A mixed fleet's host variables for the capability map tests, made by the collection's own decisions over real data.

``fleet(tmp_path)`` returns ``(hostvars, hosts)``: the facts each role would publish on five hosts
- ``cx1``: a real Intel Skylake KVM host (virt-manager's capabilities, with OVMF and AAVMF firmware),
  an A100 selected for passthrough (``intel_iommu=on`` pending a reboot), kubelet with ``cgroupDriver: systemd``;
- ``cx2``: a real x86_64 host without KVM (TCG only) whose Radeon Pro W5500 is refused, kubelet on
  cgroupfs (kubeadm 1.12's defaulted KubeletConfiguration);
- ``ca1``: a real Neoverse-N1 aarch64 KVM host (AAVMF) with an A10 passed through (nothing pending),
  no kubelet (systemd, cgroup v2: Docker's default);
- ``cp1``: a real POWER8 ppc64le KVM host, no GPU and no runtime decided;
- ``new1``: no fact at all (host_facts did not run there).
"""

from __future__ import annotations

from conftest import fixture_text
from gpu_testlib import host_pci
from nova_testlib import caps_host
from runtime_testlib import CONTAINERD, KUBELET, put, raw_runtime

from ansible_collections.multiarch.kolla.plugins.plugin_utils.cgroup_driver import cgroup_driver_decision
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan

HOSTS = ["cx1", "cx2", "ca1", "cp1", "new1"]
KUBELET_SYSTEMD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
KUBELET_CGROUPFS = ("kubernetes", "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml")
# The operator's image source for ppc64le (upstream Kolla publishes none).
PPC_REGISTRY = {"ppc64le": {"registry": "registry.example.com:4000", "namespace": "kolla-ppc64le"}}


def runtime_fact(root, kubelet_config=None):
    """multiarch_container_runtime as role container_runtime publishes it, decided over a host tree under ``root``."""
    versions = {"containerd": CONTAINERD["1.7.27"]}
    if kubelet_config is not None:
        put(root, "/var/lib/kubelet/config.yaml", kubelet_config)
        versions["kubelet"] = KUBELET["1.33.1"]
    put(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n")
    put(root, "/run/systemd/system/.keep", "")
    decision = cgroup_driver_decision(raw_runtime(root, versions=versions), host=root.name)
    return dict(decision["fact"], docker_custom_config={"exec-opts": decision["docker_settings"]["exec-opts"]})


def nova_fact(fact, host):
    plan = compute_arch_plan(fact, host=host)
    assert not plan["errors"], plan["errors"]
    return plan["decision"]


def fleet(tmp_path):
    """``(hostvars, hosts)`` of the five hosts above."""
    cx1 = caps_host("caps_x86_64_kvm_intel_multiarch_tcg.xml", name="cx1")
    cx2 = caps_host("caps_x86_64_tcg_only_nokvm.xml", name="cx2")
    ca1 = caps_host("caps_aarch64_kvm_neoverse_n1.xml", name="ca1")
    cp1 = caps_host("caps_ppc64le_kvm_power8.xml", name="cp1")
    gpu_cx1 = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="cx1", arch="x86_64", cpu_vendor="GenuineIntel", ids=["10de:20f1"])
    gpu_cx2 = gpu_passthrough_plan(host_pci(tmp_path, "amd_w5500"), host="cx2", arch="x86_64", cpu_vendor="GenuineIntel", ids=["1002:7341"])
    gpu_ca1 = gpu_passthrough_plan(host_pci(tmp_path, "aarch64_a10"), host="ca1", arch="aarch64", ids=["10de:2236"])
    for name in ("rt-cx1", "rt-cx2", "rt-ca1"):
        (tmp_path / name).mkdir()
    hostvars = {
        "cx1": {"multiarch_host": cx1, "multiarch_nova_compute": nova_fact(cx1, "cx1"), "multiarch_gpu_passthrough": gpu_cx1,
                "multiarch_container_runtime": runtime_fact(tmp_path / "rt-cx1", KUBELET_SYSTEMD)},
        "cx2": {"multiarch_host": cx2, "multiarch_nova_compute": nova_fact(cx2, "cx2"), "multiarch_gpu_passthrough": gpu_cx2,
                "multiarch_container_runtime": runtime_fact(tmp_path / "rt-cx2", fixture_text(*KUBELET_CGROUPFS))},
        "ca1": {"multiarch_host": ca1, "multiarch_nova_compute": nova_fact(ca1, "ca1"), "multiarch_gpu_passthrough": gpu_ca1,
                "multiarch_container_runtime": runtime_fact(tmp_path / "rt-ca1")},
        "cp1": {"multiarch_host": cp1, "multiarch_nova_compute": nova_fact(cp1, "cp1")},
        "new1": {"inventory_hostname": "new1"},
    }
    return hostvars, list(HOSTS)
