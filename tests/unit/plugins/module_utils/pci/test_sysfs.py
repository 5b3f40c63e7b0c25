"""pci/sysfs: devices, attributes, IOMMU groups and companions, from captured and built trees."""

from __future__ import annotations

import errno

import pytest
from pcitree import captured, device, gpu_with_nic, two_gtx1060, write

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import sysfs

ALDERLAKE = "sysfs_pci_x86_64_intel_alderlake_igpu_iommu_groups"
P100 = "sysfs_pci_x86_64_vm_nvidia_p100_passthrough_no_iommu"


@pytest.fixture
def alderlake(tmp_path):
    return str(captured(tmp_path, ALDERLAKE))


def test_captured_alderlake_igpu(alderlake):
    warnings = []
    devices = sysfs.scan(alderlake, warnings)
    assert warnings == []
    assert len(devices) == 23
    igpu = devices["0000:00:02.0"]
    assert igpu["vendor_id"] == "8086" and igpu["device_id"] == "46a6" and igpu["class"] == "030000"
    assert igpu["driver"] == "i915" and igpu["iommu_group"] == 0
    # The capture has no subsystem files: the IDs come from modalias (sv000017AAsd000022E7).
    assert (igpu["subsystem_vendor_id"], igpu["subsystem_device_id"]) == ("17aa", "22e7")
    assert igpu["numa_node"] == -1 and igpu["boot_vga"] is None and igpu["sriov_totalvfs"] is None and igpu["reset_method"] is None
    assert [a for a in devices if sysfs.is_gpu(devices[a])] == ["0000:00:02.0"]
    assert sysfs.group_members(devices, "0000:00:02.0") == []
    thunderbolt = sysfs.group_members(devices, "0000:00:0d.0")
    assert [m["address"] for m in thunderbolt] == ["0000:00:0d.2", "0000:00:0d.3"]
    assert {m["driver"] for m in thunderbolt} == {"thunderbolt"}
    assert [m["address"] for m in sysfs.companions(devices, "0000:00:1f.3")] == ["0000:00:1f.0", "0000:00:1f.4", "0000:00:1f.5"]


def test_captured_guest_without_iommu(tmp_path):
    warnings = []
    devices = sysfs.scan(str(captured(tmp_path, P100)), warnings)
    gpus = {a: d for a, d in devices.items() if sysfs.is_gpu(d)}
    assert sorted(gpus) == ["0000:04:00.0", "0000:06:00.0"]
    p100 = gpus["0000:06:00.0"]
    assert (p100["vendor_id"], p100["device_id"], p100["class"], p100["driver"]) == ("10de", "15f8", "030200", "nvidia")
    assert p100["iommu_group"] is None and sysfs.group_members(devices, "0000:06:00.0") == []
    assert all(d["iommu_group"] is None for d in devices.values())
    assert devices["0000:00:00.0"]["driver"] is None


def test_identical_cards_groups_bridges_and_companions(tmp_path):
    two_gtx1060(tmp_path)
    devices = sysfs.scan(str(tmp_path), [])
    first, second = devices["0000:01:00.0"], devices["0000:02:00.0"]
    assert (first["boot_vga"], second["boot_vga"]) == (True, False)
    assert (first["driver"], second["driver"]) == ("nouveau", "vfio-pci")
    assert (first["subsystem_vendor_id"], first["subsystem_device_id"]) == ("19da", "2438")
    members = sysfs.group_members(devices, "0000:01:00.0")
    assert [(m["address"], m["bridge"]) for m in members] == [("0000:00:01.0", True), ("0000:01:00.1", False)]
    assert [c["address"] for c in sysfs.companions(devices, "0000:02:00.0")] == ["0000:02:00.1"]
    assert sysfs.companions(devices, "0000:02:00.0")[0] == {
        "address": "0000:02:00.1", "vendor_id": "10de", "device_id": "10f1", "class": "040300", "driver": "vfio-pci", "iommu_group": 2, "bridge": False,
    }


def test_companions_of_a_turing_card_and_a_nic_in_the_group(tmp_path):
    gpu_with_nic(tmp_path)
    devices = sysfs.scan(str(tmp_path), [])
    assert [c["class"] for c in sysfs.companions(devices, "0000:04:00.0")] == ["040300", "0c0330", "0c8000"]
    members = sysfs.group_members(devices, "0000:04:00.0")
    assert [m["address"] for m in members if not m["bridge"]][-1] == "0000:05:00.0"


def test_attributes_sriov_reset_and_numa(tmp_path):
    device(tmp_path, "0000:c1:00.0", "10de:20f1", "0x030200", numa_node=1, sriov_totalvfs=20, reset_method="flr bus")
    device(tmp_path, "0000:c2:00.0", "10de:20f1", "0x030200", reset_method="")
    devices = sysfs.scan(str(tmp_path), [])
    assert devices["0000:c1:00.0"]["sriov_totalvfs"] == 20 and devices["0000:c1:00.0"]["numa_node"] == 1
    assert devices["0000:c1:00.0"]["reset_method"] == ["flr", "bus"]
    assert devices["0000:c2:00.0"]["reset_method"] == []  # reset disabled by writing an empty list
    assert devices["0000:c1:00.0"]["driver"] is None


def test_processing_accelerators_are_gpus_and_bridges_are_not():
    assert sysfs.is_gpu({"class": "120000"}) and sysfs.is_gpu({"class": "030200"})
    assert not sysfs.is_gpu({"class": "040300"}) and not sysfs.is_gpu({"class": None})
    assert sysfs.is_bridge({"class": "060400"}) and not sysfs.is_bridge({"class": "060000"})


def test_unreadable_and_unparsable_attributes_are_null_with_a_warning(tmp_path):
    path = device(tmp_path, "0000:01:00.0", "10de:1c03", "0x030000", numa_node=0)
    (path / "numa_node").unlink()
    (path / "numa_node").mkdir()
    (path / "vendor").write_text("nvidia\n")
    (path / "sriov_totalvfs").write_text("many\n")
    warnings = []
    dev = sysfs.read_device(str(tmp_path), "0000:01:00.0", warnings)
    assert dev["numa_node"] is None and dev["vendor_id"] is None and dev["sriov_totalvfs"] is None
    assert dev["device_id"] == "1c03"
    assert len(warnings) == 3
    assert any("numa_node" in w and "directory" in w and w.endswith("numa_node of PCI device 0000:01:00.0 unknown") for w in warnings)
    assert any("'nvidia', not a hex number" in w for w in warnings)
    assert any("'many', not a number" in w for w in warnings)


def test_unreadable_link_warns(tmp_path, monkeypatch):
    device(tmp_path, "0000:01:00.0", "10de:1c03", "0x030000", driver="nouveau", group=1)

    def refuse(path):
        raise OSError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(sysfs.os, "readlink", refuse)
    warnings = []
    dev = sysfs.read_device(str(tmp_path), "0000:01:00.0", warnings)
    assert dev["driver"] is None and dev["iommu_group"] is None
    assert len(warnings) == 2 and all("Permission denied" in w for w in warnings)


def test_group_link_that_names_no_number(tmp_path):
    path = device(tmp_path, "0000:01:00.0", "10de:1c03", "0x030000")
    (path / "iommu_group").symlink_to("../../../kernel/iommu_groups/odd")
    warnings = []
    assert sysfs.read_device(str(tmp_path), "0000:01:00.0", warnings)["iommu_group"] is None
    assert warnings and "'odd', not a group number" in warnings[0]


def test_no_pci_bus(tmp_path):
    warnings = []
    assert sysfs.scan(str(tmp_path), warnings) == {}
    assert warnings == ["/sys/bus/pci/devices does not exist (no PCI bus, or /sys not mounted): no PCI devices"]
    write(tmp_path, "/sys/bus/pci/devices", "not a directory")
    warnings = []
    assert sysfs.scan(str(tmp_path), warnings) == {}
    assert len(warnings) == 1 and "cannot be listed" in warnings[0]


def test_slot():
    assert sysfs.slot("0035:03:00.1") == "0035:03:00"
    assert sysfs.slot("10000:e1:00.0") == "10000:e1:00"
