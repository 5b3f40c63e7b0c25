"""pci/vendor_reset: our table is vendor-reset's device table, checked against its CSV export."""

from __future__ import annotations

import csv
import io

from conftest import fixture_text

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import vendor_reset


def oracle():
    rows = csv.DictReader(io.StringIO(fixture_text("pci", "vendor_reset_device_db.csv")))
    return {(row["vendor_id"][2:].lower(), row["device_id"][2:].lower()): row for row in rows}


def test_every_row_is_in_the_table_with_its_family_and_nothing_else():
    rows = oracle()
    assert len(rows) > 60
    assert set(vendor_reset.TABLE) == set(rows)
    for key, row in rows.items():
        family = vendor_reset.TABLE[key]
        assert family == row["group"], key
        assert vendor_reset.DEVICE_INFO.get(family, family) == row["device_info"], key
        assert vendor_reset.RESET_OPS[family] == row["reset_ops"], key


def test_the_families_the_issue_names():
    families = set(vendor_reset.TABLE.values())
    assert families == {"AMD_POLARIS10", "AMD_POLARIS11", "AMD_POLARIS12", "AMD_VEGA10", "AMD_VEGA20", "AMD_NAVI10", "AMD_NAVI12", "AMD_NAVI14", "AMD_ARCTURUS"}


def test_lookup():
    assert vendor_reset.lookup("1002", "7341") == {"listed": True, "family": "AMD_NAVI14"}
    assert vendor_reset.lookup("1002", "738C") == {"listed": True, "family": "AMD_ARCTURUS"}  # Instinct MI100
    assert vendor_reset.lookup("1002", "73a3") == {"listed": False, "family": None}  # Navi 21: not in the table
    assert vendor_reset.lookup("10de", "7341") == {"listed": False, "family": None}
    assert vendor_reset.lookup(None, None) == {"listed": False, "family": None}
