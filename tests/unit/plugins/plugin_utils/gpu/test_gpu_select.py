"""plugin_utils/gpu/select.py: which GPUs and functions of a host go to guests, over pci_passthrough_info's results."""

from __future__ import annotations

import pytest
from gpu_testlib import host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import select


def test_ids_are_normalised_and_bad_ones_named():
    assert select.parse_ids("10DE:1EB1, 10de:10f8,10de:1eb1", "x") == ["10de:10f8", "10de:1eb1"]
    assert select.parse_ids(None, "x") == []
    for bad in ("10de-1eb1", "10de:1eb", "10de:1eb1\n", 10):
        with pytest.raises(ValueError, match=r"x: .* is not a vendor:device ID"):
            select.parse_ids([bad], "x")
    with pytest.raises(ValueError, match="give a list"):
        select.parse_ids({"10de": "1eb1"}, "x")


def test_addresses_default_to_domain_0000():
    assert select.parse_address("02:00.0", "x") == "0000:02:00.0"
    assert select.parse_address("000D:01:00.0", "x") == "000d:01:00.0"
    with pytest.raises(ValueError, match="not a PCI address"):
        select.parse_address("02:00", "x")


def test_by_id_takes_every_card_with_the_id_and_its_companions(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    gpus, errors, warnings = select.select_gpus(pci, "h1", ids=["10de:1c03"])
    assert [g["address"] for g in gpus] == ["0000:01:00.0", "0000:02:00.0"] and errors == warnings == []
    assert [f["address"] for f in select.selected_functions(gpus)] == ["0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1"]


def test_all_gpus_leaves_the_boot_display_out(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    gpus, errors, _unused = select.select_gpus(pci, "h1", all_gpus=True)
    assert [g["address"] for g in gpus] == ["0000:02:00.0"] and errors == []


def test_by_address(tmp_path):
    pci = host_pci(tmp_path, "aarch64_a10")
    gpus, errors, _unused = select.select_gpus(pci, "h1", addresses=["000d:01:00.0"])
    assert [g["device_id"] for g in gpus] == ["2236"] and errors == []


def test_an_address_that_is_no_gpu_is_an_error_listing_the_gpus(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    gpus, errors, _unused = select.select_gpus(pci, "h1", addresses=["0000:02:00.1", "0000:09:00.0"])
    assert gpus == [] and len(errors) == 2
    assert errors[0].startswith("host h1: gpu_passthrough_addresses: 0000:02:00.1 is not a GPU on this host")
    assert "0000:01:00.0 (10de:1c03, NVIDIA Corporation)" in errors[0]


def test_an_id_absent_from_the_host_is_a_warning(tmp_path):
    pci = host_pci(tmp_path, "sriov_a100")
    gpus, errors, warnings = select.select_gpus(pci, "h1", ids="10de:1eb1")
    assert gpus == [] and errors == [] and warnings == ["host h1: gpu_passthrough_ids: no GPU 10de:1eb1 on this host"]


def test_host_functions_know_the_companions(tmp_path):
    pci = host_pci(tmp_path, "gpu_with_nic")
    assert sorted(select.host_functions(pci)) == ["0000:04:00.0", "0000:04:00.1", "0000:04:00.2", "0000:04:00.3"]
