"""plugins/plugin_utils/preflight/gpu.py: GPU hosts' IOMMU and selection, from role gpu_passthrough's own decision.

The pci results are the real module over pcitree's built hosts (gpu_testlib); the decision is the role's filter.
"""

from __future__ import annotations

import pcitree
from conftest import run_module
from gpu_testlib import host_pci
from kollatestlib import fact

from ansible_collections.multiarch.kolla.plugins.modules import pci_passthrough_info
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import gpu
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context


def host(pci, **variables):
    multiarch_host = fact("x86_64", kvm=True)
    multiarch_host["cpu"]["vendor"] = "AuthenticAMD"
    return {"multiarch_host": multiarch_host, "_preflight_pci_info": {"pci": pci}, **variables}


def ctx(hostvars):
    return Context(list(hostvars), hostvars)


def test_a_safe_selection_has_no_finding_and_hosts_without_selection_are_not_gpu_hosts(tmp_path):
    hostvars = {"a100": host(host_pci(tmp_path, "sriov_a100"), gpu_passthrough_all_gpus=True), "plain": host(None)}
    assert gpu.gpu_selection(ctx(hostvars)) == []
    assert [f for f in gpu.gpu_iommu(ctx(hostvars)) if f["check"] == "gpu_iommu" and "off" in f["found"]] == []


def test_a_refused_selection_is_named_with_the_force_name(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    (found,) = gpu.gpu_selection(ctx({"g": host(pci, gpu_passthrough_addresses=["0000:01:00.0"])}))
    assert found["host"] == "g" and "boot VGA" in found["found"] and found["severity"] == "error"
    assert "boot_vga" in found["fix"]


def test_amd_iommu_on_and_an_iommu_off_with_nothing_pending(tmp_path):
    root = tmp_path / "amd"
    root.mkdir()
    pcitree.sriov_a100(root)
    pcitree.pci_ids(root)
    pcitree.kernel(root, cmdline="BOOT_IMAGE=/vmlinuz ro amd_iommu=on iommu=pt")
    pci = run_module(pci_passthrough_info, {"root": str(root)})["pci"]
    pci["iommu"]["enabled"] = False  # the firmware's IOMMU is off although iommu=pt is already on the command line
    found = gpu.gpu_iommu(ctx({"h": host(pci, gpu_passthrough_all_gpus=True)}))
    assert [f["found"].split(",")[0] for f in found] == [
        "amd_iommu=on on the kernel command line", "the IOMMU is off and no kernel argument is pending (BOOT_IMAGE=/vmlinuz ro amd_iommu=on iommu=pt)"]


def test_a_gpu_host_whose_devices_were_not_read(tmp_path):
    (found,) = gpu.gpu_iommu(ctx({"g": host(None, gpu_passthrough_ids=["10de:20f1"])}))
    assert found["host"] == "g" and "were not read" in found["found"]
