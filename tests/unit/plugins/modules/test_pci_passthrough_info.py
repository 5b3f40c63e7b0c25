"""Module pci_passthrough_info through run_module: captured and built trees, missing pci.ids, bad options."""

from __future__ import annotations

import yaml
from conftest import run_module
from pcitree import captured, debian_boot, kernel, pci_ids, ppc64le_v100, two_gtx1060

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import pci_ids as pci_ids_module
from ansible_collections.multiarch.kolla.plugins.modules import pci_passthrough_info

ALDERLAKE = "sysfs_pci_x86_64_intel_alderlake_igpu_iommu_groups"
P100 = "sysfs_pci_x86_64_vm_nvidia_p100_passthrough_no_iommu"


def documented():
    return yaml.safe_load(pci_passthrough_info.RETURN)["pci"]["contains"]


def test_captured_alderlake_igpu(tmp_path):
    result = run_module(pci_passthrough_info, {"root": str(captured(tmp_path, ALDERLAKE))})
    assert "failed" not in result and result["changed"] is False
    pci = result["pci"]
    assert [(d["address"], d["iommu_group"], d["driver"]) for d in pci["devices"]] == [("0000:00:02.0", 0, "i915")]
    assert pci["iommu"] == {"enabled": True, "groups": 15}


def test_captured_guest_without_iommu(tmp_path):
    pci = run_module(pci_passthrough_info, {"root": str(captured(tmp_path, P100))})["pci"]
    assert pci["iommu"] == {"enabled": False, "groups": 0}
    p100 = next(d for d in pci["devices"] if d["device_id"] == "15f8")
    assert p100["iommu_group"] is None and p100["iommu_group_devices"] == [] and p100["driver"] == "nvidia"


def test_devices_root_reads_the_capture_and_the_system_from_root(tmp_path):
    # A lab deciding about captured hardware: devices and running kernel from the capture, tools and pci.ids from root.
    system = tmp_path / "system"
    debian_boot(system)
    pci_ids(system)
    capture = kernel(captured(tmp_path, P100), release="6.1.0-28-cloud-amd64", modules=("nvidia",), cmdline="BOOT_IMAGE=/vmlinuz ro quiet")
    pci = run_module(pci_passthrough_info, {"root": str(system), "devices_root": str(capture)})["pci"]
    alone = run_module(pci_passthrough_info, {"root": str(capture)})["pci"]
    assert pci["devices"][1]["device_id"] == "15f8" and pci["devices"][1]["names"]["vendor"] == "NVIDIA Corporation"
    assert alone["devices"][1]["names"]["vendor"] is None  # no pci.ids in the capture
    assert pci["kernel"]["release"] == "6.1.0-28-cloud-amd64" and pci["cmdline"] == "BOOT_IMAGE=/vmlinuz ro quiet" and pci["vfio_modules"] == []
    assert pci["initramfs"]["tool"] == "initramfs-tools" and pci["bootloader"]["grub_dropin_dir"] is True
    assert alone["initramfs"]["tool"] is None and alone["bootloader"]["grub_dropin_dir"] is False
    assert pci["iommu"] == alone["iommu"] == {"enabled": False, "groups": 0}
    result = run_module(pci_passthrough_info, {"root": str(system), "devices_root": str(tmp_path / "absent")})
    assert result["failed"] and result["msg"].startswith("devices_root=%s is not a directory" % (tmp_path / "absent"))


def test_documented_fields_are_returned_and_check_mode_is_the_same(tmp_path):
    two_gtx1060(tmp_path)
    pci_ids(tmp_path)
    normal = run_module(pci_passthrough_info, {"root": str(tmp_path)})
    checked = run_module(pci_passthrough_info, {"root": str(tmp_path)}, check_mode=True)
    assert normal == checked
    pci = normal["pci"]
    assert set(pci) == set(documented())
    for dev in pci["devices"]:
        assert set(dev) == set(documented()["devices"]["contains"])
        assert dev["names"]["vendor"] == "NVIDIA Corporation"
        assert dev["names"]["device"] is None  # 10de:1c03 is not in the excerpt: null, never guessed
        assert dev["names"]["class"] == "VGA compatible controller"
    assert pci["warnings"] == []


def test_missing_pci_ids_gives_null_names_and_no_failure(tmp_path):
    two_gtx1060(tmp_path)
    pci = run_module(pci_passthrough_info, {"root": str(tmp_path)})["pci"]
    assert pci["pci_ids"] is False and pci["warnings"] == []
    assert all(dev["names"] == {"vendor": None, "device": None, "subsystem": None, "class": None} for dev in pci["devices"])


def test_pci_ids_option(tmp_path):
    ppc64le_v100(tmp_path)
    pci_ids(tmp_path, "/opt/ids/pci.ids")
    pci = run_module(pci_passthrough_info, {"root": str(tmp_path), "pci_ids": ["/opt/ids/pci.ids"]})["pci"]
    assert [d["names"]["device"] for d in pci["devices"]] == ["ASPEED Graphics Family", "GV100GL [Tesla V100 SXM2 16GB]"]
    assert "vfio_iommu_spapr_tce" in pci["vfio_modules"]


def test_unreadable_attribute_is_null_with_a_warning(tmp_path):
    two_gtx1060(tmp_path)
    boot_vga = tmp_path / "sys/devices/pci0000:00/0000:01:00.0/boot_vga"
    boot_vga.unlink()
    boot_vga.mkdir()
    pci = run_module(pci_passthrough_info, {"root": str(tmp_path)})["pci"]
    assert pci["devices"][0]["boot_vga"] is None
    assert len(pci["warnings"]) == 1 and "boot_vga of PCI device 0000:01:00.0 unknown" in pci["warnings"][0]


def test_bad_options_fail_with_the_fix(tmp_path):
    result = run_module(pci_passthrough_info, {"root": str(tmp_path / "absent")})
    assert result["failed"] and "is not a directory" in result["msg"] and str(tmp_path / "absent") in result["msg"]
    result = run_module(pci_passthrough_info, {"root": str(tmp_path), "pci_ids": ["pci.ids"]})
    assert result["failed"] and "must be absolute" in result["msg"]


def test_documented_defaults_are_the_ones_used():
    options = yaml.safe_load(pci_passthrough_info.DOCUMENTATION)["options"]
    assert options["pci_ids"]["default"] == list(pci_ids_module.DEFAULT_PATHS)
    assert options["root"]["default"] == "/"


def test_return_documentation_uses_only_known_keys():
    # A comma inside an unquoted flow-mapping description once split it into a bogus key (validate-modules: return-syntax-error).
    allowed = {"description", "returned", "type", "elements", "contains", "sample"}

    def walk(entries, where):
        for name, entry in entries.items():
            assert set(entry) <= allowed, "%s.%s: %s" % (where, name, sorted(set(entry) - allowed))
            walk(entry.get("contains", {}), "%s.%s" % (where, name))

    walk(yaml.safe_load(pci_passthrough_info.RETURN), "RETURN")
