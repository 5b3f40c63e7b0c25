"""plugin_utils/gpu/refusals.py: each refusal's message, and forcing one by name lifts only that one."""

from __future__ import annotations

import pytest
from gpu_testlib import captured_pci, host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import refusals, select

P100 = "sysfs_pci_x86_64_vm_nvidia_p100_passthrough_no_iommu"


def decide(pci, **kwargs):
    selection = {k: kwargs.pop(k) for k in ("ids", "addresses", "all_gpus") if k in kwargs}
    gpus, errors, _unused = select.select_gpus(pci, "h1", **selection)
    assert errors == []
    return refusals.refusals(pci, gpus, select.selected_functions(gpus), host="h1", **kwargs)


def names(found):
    return [(r["name"], r["address"]) for r in found]


def test_boot_vga(tmp_path):
    found = decide(host_pci(tmp_path, "two_gtx1060"), ids=["10de:1c03"])
    assert names(found) == [("boot_vga", "0000:01:00.0")]
    message = found[0]["message"]
    assert message.startswith("host h1: 0000:01:00.0 (10de:1c03, NVIDIA Corporation) is the boot VGA device")
    assert "gpu_passthrough_all_gpus" in message and message.endswith("gpu_passthrough_force: [boot_vga].")


def test_a_group_holding_only_the_card_and_bridges_passes(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")  # group 2: root port 8086:0c05, the card and its audio
    assert decide(pci, addresses=["0000:02:00.0"]) == []


def test_iommu_group_shared_with_a_nic(tmp_path):
    (found,) = decide(host_pci(tmp_path, "gpu_with_nic"), ids=["10de:1eb1"])
    assert found["name"] == "iommu_group_shared"
    assert "shares IOMMU group 7 with 0000:05:00.0 (8086:1521, driver igb)" in found["message"]
    assert "Quadro RTX 4000" in found["message"]
    assert "0000:04:00.1" not in found["message"]  # companions go along, they are no strangers


def test_iommu_off_only_once_the_kernel_arguments_are_in_place(tmp_path):
    pci = captured_pci(tmp_path, P100)
    assert pci["iommu"]["enabled"] is False
    assert decide(pci, ids=["10de:15f8"]) == []
    (found,) = decide(pci, ids=["10de:15f8"], kernel_args_in_place=True)
    assert found["name"] == "iommu_off" and "the IOMMU is off although the kernel arguments are in place" in found["message"]
    assert "turn on VT-d / AMD-Vi" in found["message"]


def test_vendor_reset_missing_and_no_reset_recovery_on_the_w5500(tmp_path):
    found = decide(host_pci(tmp_path, "amd_w5500"), ids=["1002:7341"])
    assert names(found) == [("vendor_reset_missing", "0000:0b:00.0"), ("no_reset_recovery", "0000:0b:00.0")]
    assert "vendor-reset's table (AMD_NAVI14)" in found[0]["message"] and "Navi 14 [Radeon Pro W5500]" in found[0]["message"]
    assert "does not recover from a guest shutdown" in found[1]["message"]


def test_vendor_reset_loaded_or_installed_lifts_that_refusal(tmp_path):
    loaded = host_pci(tmp_path / "loaded", "amd_w5500", vendor_reset=True)
    assert [r["name"] for r in decide(loaded, ids=["1002:7341"])] == ["no_reset_recovery"]
    plain = host_pci(tmp_path / "plain", "amd_w5500")
    assert [r["name"] for r in decide(plain, ids=["1002:7341"], vendor_reset_installed=True, no_reset_recovery_ids=[])] == []


def test_forcing_one_name_lifts_only_that_one(tmp_path):
    found = decide(host_pci(tmp_path, "amd_w5500"), ids=["1002:7341"])
    refused, lifted, errors = refusals.apply_forced(found, ["vendor_reset_missing"], "h1")
    assert [r["name"] for r in refused] == ["no_reset_recovery"] and [r["name"] for r in lifted] == ["vendor_reset_missing"]
    assert errors == []
    refused, lifted, _unused = refusals.apply_forced(found, "vendor_reset_missing, no_reset_recovery", "h1")
    assert refused == [] and len(lifted) == 2


def test_an_unknown_force_name_is_an_error():
    _unused, _unused, errors = refusals.apply_forced([], ["bootvga"], "h1")
    assert errors == ["host h1: gpu_passthrough_force: 'bootvga' is no check; the checks are %s" % ", ".join(refusals.REFUSALS)]


def test_a_bad_no_recovery_id_is_refused(tmp_path):
    with pytest.raises(ValueError, match="gpu_passthrough_no_reset_recovery_ids"):
        decide(host_pci(tmp_path, "amd_w5500"), ids=["1002:7341"], no_reset_recovery_ids=["W5500"])


def test_every_refusal_has_a_check_and_a_test():
    assert [c.__name__ for c in refusals._CHECKS] == ["_boot_vga", "_group_shared", "_iommu_off", "_vendor_reset", "_no_recovery"]
    assert len(refusals.REFUSALS) == len(refusals._CHECKS)
