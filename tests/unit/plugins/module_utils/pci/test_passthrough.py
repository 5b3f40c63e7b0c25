"""pci/passthrough: the whole ``pci`` dict from built hosts (x86_64, aarch64, ppc64le) and the captured trees."""

from __future__ import annotations

import json

from pcitree import aarch64_a10, amd_w5500, captured, pci_ids, ppc64le_v100, sriov_a100, two_gtx1060

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import passthrough


def gpus(result):
    return {d["address"]: d for d in result["devices"]}


def test_two_identical_cards_one_boot_display(tmp_path):
    two_gtx1060(tmp_path)
    result = passthrough.gather(str(tmp_path))
    assert list(gpus(result)) == ["0000:01:00.0", "0000:02:00.0"]
    first, second = result["devices"]
    assert (first["vendor_id"], first["device_id"]) == (second["vendor_id"], second["device_id"]) == ("10de", "1c03")
    assert (first["boot_vga"], second["boot_vga"]) == (True, False)
    assert [c["device_id"] for c in second["companions"]] == ["10f1"]
    assert result["iommu"] == {"enabled": True, "groups": 2}
    assert result["cmdline_iommu_args"] == ["intel_iommu=on", "iommu=pt"]
    assert result["initramfs"]["tool"] == "initramfs-tools" and result["bootloader"]["grub_dropin_dir"] is True
    assert result["vendor_reset_loaded"] is False and result["vfio_modules"] == ["vfio", "vfio_pci", "vfio_iommu_type1"]
    assert result["kernel"] == {"release": "6.1.0-13-amd64", "version": [6, 1, 0]}
    assert result["warnings"] == []
    json.dumps(result)  # plain data only


def test_w5500_is_in_vendor_resets_table(tmp_path):
    amd_w5500(tmp_path)
    pci_ids(tmp_path)
    result = passthrough.gather(str(tmp_path))
    (card,) = result["devices"]
    assert card["vendor_reset"] == {"listed": True, "family": "AMD_NAVI14"}
    assert card["names"]["device"] == "Navi 14 [Radeon Pro W5500]"
    assert [(c["vendor_id"], c["device_id"], c["class"]) for c in card["companions"]] == [("1002", "ab38", "040300")]
    assert card["reset_method"] == ["bus"]
    assert result["vendor_reset_loaded"] is False and result["pci_ids"] is True


def test_vendor_reset_loaded(tmp_path):
    amd_w5500(tmp_path, vendor_reset=True)
    result = passthrough.gather(str(tmp_path))
    assert result["vendor_reset_loaded"] is True and "vendor_reset" not in result["vfio_modules"]


def test_sriov_datacenter_gpu(tmp_path):
    sriov_a100(tmp_path)
    pci_ids(tmp_path)
    result = passthrough.gather(str(tmp_path))
    a100 = gpus(result)["0000:c1:00.0"]
    assert a100["sriov_totalvfs"] == 20 and a100["numa_node"] == 1 and a100["class"] == "030200"
    assert a100["names"] == {"vendor": "NVIDIA Corporation", "device": "GA100 [A100 PCIe 40GB]", "subsystem": None, "class": "3D controller"}
    bmc = gpus(result)["0000:02:00.0"]
    assert bmc["boot_vga"] is True and bmc["sriov_totalvfs"] is None
    assert bmc["names"]["subsystem"] == "H12SSL-i (AST2500 BMC)"
    assert result["cmdline_iommu_args"] == ["amd_iommu=on", "iommu=pt"]


def test_aarch64_host(tmp_path):
    aarch64_a10(tmp_path)
    result = passthrough.gather(str(tmp_path))
    assert list(gpus(result)) == ["0004:02:00.0", "000d:01:00.0"]
    a10 = gpus(result)["000d:01:00.0"]
    assert a10["driver"] == "vfio-pci" and a10["iommu_group"] == 12 and a10["companions"] == []
    assert result["vfio_modules"] == ["vfio", "vfio_pci", "vfio_iommu_type1"]
    assert result["kernel"]["version"] == [6, 8, 0] and result["cmdline_iommu_args"] == []


def test_ppc64le_host(tmp_path):
    ppc64le_v100(tmp_path)
    pci_ids(tmp_path, "/usr/share/hwdata/pci.ids")
    result = passthrough.gather(str(tmp_path))
    v100 = gpus(result)["0035:03:00.0"]
    assert v100["names"]["device"] == "GV100GL [Tesla V100 SXM2 16GB]" and v100["numa_node"] == 8
    assert result["vfio_modules"] == ["vfio", "vfio_pci", "vfio_pci_core", "vfio_iommu_spapr_tce"]
    assert result["initramfs"] == {"tool": "dracut", "installed": ["dracut"]}
    assert result["bootloader"]["grubby"] is True and result["bootloader"]["grub_dropin_dir"] is False


def test_captured_trees(tmp_path):
    alderlake = passthrough.gather(str(captured(tmp_path, "sysfs_pci_x86_64_intel_alderlake_igpu_iommu_groups")))
    (igpu,) = alderlake["devices"]
    assert (igpu["address"], igpu["iommu_group"], igpu["driver"]) == ("0000:00:02.0", 0, "i915")
    assert alderlake["iommu"] == {"enabled": True, "groups": 15}
    guest = passthrough.gather(str(captured(tmp_path, "sysfs_pci_x86_64_vm_nvidia_p100_passthrough_no_iommu")))
    assert guest["iommu"] == {"enabled": False, "groups": 0}
    assert [d["device_id"] for d in guest["devices"]] == ["1050", "15f8"]
    # The captures hold /sys only: what lives in /proc is null, each with its warning.
    assert guest["kernel"] == {"release": None, "version": None} and guest["cmdline"] is None and guest["vfio_modules"] is None
    assert len(guest["warnings"]) == 3
