"""pci/pci_ids: names from the real pci.ids excerpt; what is missing stays None."""

from __future__ import annotations

import re

from conftest import fixture_text
from pcitree import write

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import pci_ids


def excerpt():
    return fixture_text("pci", "pci_ids_gpu_excerpt.ids")


def ids(vendor, device, subsystem_vendor=None, subsystem_device=None, klass=None):
    return {"vendor_id": vendor, "device_id": device, "subsystem_vendor_id": subsystem_vendor, "subsystem_device_id": subsystem_device, "class": klass}


def test_every_vendor_device_and_subsystem_line_is_parsed():
    text = excerpt()
    db = pci_ids.parse(text)
    # Independent count of the excerpt's lines, by the format pci.ids documents.
    vendor_lines = re.findall(r"^[0-9a-f]{4}  ", text, re.M)
    device_lines = re.findall(r"^\t[0-9a-f]{4}  ", text, re.M)
    subsystem_lines = re.findall(r"^\t\t[0-9a-f]{4} [0-9a-f]{4}  ", text, re.M)
    assert (len(db["vendors"]), len(db["devices"]), len(db["subsystems"])) == (len(vendor_lines), len(device_lines), len(subsystem_lines))
    assert len(db["devices"]) > 20 and len(db["subsystems"]) > 5


def test_names_of_real_cards():
    db = pci_ids.parse(excerpt())
    assert pci_ids.names(db, ids("1002", "7341", klass="030000")) == {
        "vendor": "Advanced Micro Devices, Inc. [AMD/ATI]",
        "device": "Navi 14 [Radeon Pro W5500]",
        "subsystem": None,
        "class": "VGA compatible controller",
    }
    names = pci_ids.names(db, ids("1a03", "2000", "15d9", "1b95", "030000"))
    assert names["subsystem"] == "H12SSL-i (AST2500 BMC)" and names["vendor"] == "ASPEED Technology, Inc."
    assert pci_ids.names(db, ids("10de", "20f1", klass="030200"))["class"] == "3D controller"
    assert pci_ids.names(db, ids("1002", "ab38", klass="040300"))["class"] == "Audio device"
    # Class 0x12 is not in the excerpt: None, never a guess.
    h100 = pci_ids.names(db, ids("10de", "2330", klass="120000"))
    assert h100 == {"vendor": "NVIDIA Corporation", "device": "GH100 [H100 SXM5 80GB]", "subsystem": None, "class": None}
    assert pci_ids.names(db, {})["vendor"] is None


def test_classes_by_level():
    db = pci_ids.parse(excerpt())
    assert db["classes"]["03"] == "Display controller"
    assert db["classes"]["0300"] == "VGA compatible controller"
    assert db["classes"]["030000"] == "VGA controller"
    assert db["classes"]["0380"] == "Display controller"
    assert db["classes"]["0403"] == "Audio device"
    assert "0400" not in db["classes"]


def test_malformed_lines_are_skipped():
    db = pci_ids.parse("10de  NVIDIA Corporation\n\tzzzz  not hex\n\t1c03  GP106\n\t\t19da  missing device\nxyz\n\n")
    assert db["devices"] == {("10de", "1c03"): "GP106"}
    assert db["subsystems"] == {}
    assert pci_ids.parse(None)["vendors"] == {}


def test_no_database_gives_no_names():
    assert pci_ids.names(None, ids("10de", "1c03", "19da", "2438", "030000")) == {"vendor": None, "device": None, "subsystem": None, "class": None}


def test_load_takes_the_first_file_that_exists(tmp_path):
    write(tmp_path, "/usr/share/hwdata/pci.ids", excerpt())
    warnings = []
    db = pci_ids.load(str(tmp_path), pci_ids.DEFAULT_PATHS, warnings)
    assert db["vendors"]["10de"] == "NVIDIA Corporation" and warnings == []


def test_load_without_any_file_is_silent(tmp_path):
    warnings = []
    assert pci_ids.load(str(tmp_path), pci_ids.DEFAULT_PATHS, warnings) is None
    assert warnings == []


def test_unreadable_file_warns_and_the_next_is_used(tmp_path):
    (tmp_path / "usr/share/misc/pci.ids").mkdir(parents=True)
    write(tmp_path, "/usr/share/hwdata/pci.ids", excerpt())
    warnings = []
    db = pci_ids.load(str(tmp_path), pci_ids.DEFAULT_PATHS, warnings)
    assert db["devices"][("10de", "2236")] == "GA102GL [A10]"
    assert len(warnings) == 1 and "directory" in warnings[0] and warnings[0].endswith("PCI names from /usr/share/misc/pci.ids unknown")
