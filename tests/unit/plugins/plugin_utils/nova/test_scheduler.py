"""Tests for plugins/plugin_utils/nova/scheduler.py: nova-scheduler's enabled_filters with PciPassthroughFilter.

Oracles: nova 34's own option parsing (oslo.config with nova's scheduler options
registered) reads the layers kolla-ansible merges (global.conf, nova.conf,
nova/nova-scheduler.conf, later files winning) before and after the collection's
edit, and the edit is applied by ini_batch, the module role kolla_multiarch writes
with. nova's default filter list is nova's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import require_import, run_module

from ansible_collections.multiarch.kolla.plugins.modules import ini_batch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import scheduler
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import (
    NOVA_DEFAULT_FILTERS,
    OWNED_PATH,
    PCI_FILTER,
    SCHEDULER_LAYERS,
    SchedulerConfigError,
    enabled_filters_in,
    operator_value,
    scheduler_edit,
    with_filters,
)

PCI = [PCI_FILTER]


def filters_conf(value):
    return "[filter_scheduler]\nenabled_filters = %s\n" % value


class ConfigDir:
    """A kolla config dir: the layers as files, the edit applied by ini_batch, the merged result read by nova."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, path, text):
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(0o640)  # the mode the role gives the files: a change below is a change of content

    def layers(self):
        return {path: (self.root / path).read_text() if (self.root / path).exists() else None for path in SCHEDULER_LAYERS}

    def apply(self, edit):
        """Apply one edit with ini_batch; returns whether it changed the file."""
        if edit is None:
            return False
        result = run_module(ini_batch, {"base_dir": str(self.root), "edits": [edit], "mode": "0640"})
        assert not result.get("failed"), result
        return result["changed"]

    def run(self, ledger, required):
        """One run of the role: decide from the files, write, return the new ledger entry."""
        edit, entry = scheduler_edit(self.layers(), ledger, required)
        self.apply(edit)
        return entry

    def nova_filters(self):
        """enabled_filters as nova-scheduler reads the files merged in kolla-ansible's order."""
        cfg = require_import("oslo_config.cfg")
        nova_scheduler_opts = require_import("nova.conf.scheduler")
        conf = cfg.ConfigOpts()
        nova_scheduler_opts.register_opts(conf)
        files = [str(self.root / p) for p in SCHEDULER_LAYERS if (self.root / p).exists()]
        conf(args=[], project="nova", default_config_files=files, default_config_dirs=[])
        return list(conf.filter_scheduler.enabled_filters)


@pytest.fixture
def confdir(tmp_path):
    return ConfigDir(tmp_path)


# --------------------------------------------------------------------------- nova's own defaults and parsing


def test_nova_default_filters_are_novas():
    nova_conf = require_import("nova.conf")
    conf = nova_conf.CONF
    try:
        conf([], project="nova", default_config_files=[], default_config_dirs=[])
        assert tuple(conf.filter_scheduler.enabled_filters) == NOVA_DEFAULT_FILTERS
    finally:
        conf.reset()


def test_with_filters_keeps_the_operators_list():
    assert with_filters(None, PCI).split(",") == [*NOVA_DEFAULT_FILTERS, "PciPassthroughFilter"]
    assert with_filters("", PCI).split(",") == [*NOVA_DEFAULT_FILTERS, "PciPassthroughFilter"]
    assert with_filters("AggregateInstanceExtraSpecsFilter, ComputeFilter", PCI) == "AggregateInstanceExtraSpecsFilter,ComputeFilter,PciPassthroughFilter"
    assert with_filters("ComputeFilter,PciPassthroughFilter,ImagePropertiesFilter", PCI) == "ComputeFilter,PciPassthroughFilter,ImagePropertiesFilter"
    assert with_filters(with_filters("ComputeFilter", PCI), PCI) == "ComputeFilter,PciPassthroughFilter"  # appended once
    assert with_filters("ComputeFilter", []) == "ComputeFilter"


def test_enabled_filters_in_reads_the_section_only():
    assert enabled_filters_in("[filter_scheduler]\nenabled_filters = A,B\n", OWNED_PATH) == "A,B"
    assert enabled_filters_in("[DEFAULT]\ndebug = true\n", OWNED_PATH) is None
    assert enabled_filters_in("", OWNED_PATH) is None
    assert enabled_filters_in(None, OWNED_PATH) is None
    with pytest.raises(SchedulerConfigError, match=r"nova/nova-scheduler\.conf cannot be read as INI"):
        enabled_filters_in("enabled_filters = A\n", OWNED_PATH)


@pytest.mark.parametrize(
    "text",
    [
        "[DEFAULT]\nenabled_filters = BlazarFilter\n[filter_scheduler]\nhost_subset_size = 2\n",
        "[DEFAULT]\nenabled_filters = BlazarFilter\n",
        "[scheduler]\nenabled_filters = BlazarFilter\n",
        "[filter_scheduler]\nenabled_filters = A\nenabled_filters = B,C\n",
        "[filter_scheduler]\nenabled_filters = A,\n  B\n",
        "[filter_scheduler]\n# enabled_filters = A\n",
        "[filter_scheduler]\nEnabled_Filters = A\n",
        "[Filter_Scheduler]\nenabled_filters = A\n",
    ],
    ids=["default-section-beside", "default-section-only", "other-section", "repeated-key", "continuation", "commented", "key-case", "section-case"],
)
def test_enabled_filters_in_reads_what_nova_reads(confdir, text):
    confdir.write(OWNED_PATH, text)
    value = enabled_filters_in(text, OWNED_PATH)
    expected = confdir.nova_filters()
    if value is None:
        assert tuple(expected) == NOVA_DEFAULT_FILTERS
    else:
        assert scheduler.filter_list(value) == expected


# --------------------------------------------------------------------------- the operator's value: every layer, later wins

COMBOS = [
    {"global.conf": "GlobalFilter", "nova.conf": None, OWNED_PATH: None},
    {"global.conf": "GlobalFilter", "nova.conf": "NovaConfFilter", OWNED_PATH: None},
    {"global.conf": "GlobalFilter", "nova.conf": "NovaConfFilter", OWNED_PATH: "SchedulerFilter,BlazarFilter"},
    {"global.conf": None, "nova.conf": "NovaConfFilter", OWNED_PATH: None},
    {"global.conf": None, "nova.conf": None, OWNED_PATH: "SchedulerFilter"},
    {"global.conf": "GlobalFilter", "nova.conf": None, OWNED_PATH: "SchedulerFilter"},
    {"global.conf": None, "nova.conf": None, OWNED_PATH: None},
]


@pytest.mark.parametrize("values", COMBOS, ids=lambda v: "+".join(k for k, x in v.items() if x) or "none")
def test_operator_value_is_the_layer_nova_reads(confdir, values):
    for path, value in values.items():
        confdir.write(path, "[DEFAULT]\ndebug = true\n" if value is None else filters_conf(value))
    got = operator_value(confdir.layers(), None)
    nova = confdir.nova_filters()
    assert (scheduler.filter_list(got) if got is not None else list(NOVA_DEFAULT_FILTERS)) == nova
    # With the edit applied, nova reads the operator's list plus PciPassthroughFilter.
    confdir.run(None, PCI)
    assert confdir.nova_filters() == [*nova, PCI_FILTER]


def test_an_unreadable_layer_is_named(confdir):
    for bad in ("global.conf", "nova.conf", OWNED_PATH):
        layers = {path: filters_conf("A") for path in SCHEDULER_LAYERS}
        layers[bad] = "enabled_filters = A\n"
        with pytest.raises(SchedulerConfigError) as err:
            scheduler_edit(layers, None, PCI)
        assert str(err.value).startswith("%s cannot be read as INI" % bad)
        assert "kolla-ansible merges it into nova-scheduler's nova.conf" in str(err.value)


# --------------------------------------------------------------------------- while PCI aliases exist


def test_blazar_is_kept_and_pci_is_appended_once(confdir):
    confdir.write("nova.conf", filters_conf("ComputeFilter"))
    confdir.write(OWNED_PATH, "[DEFAULT]\ncpu_allocation_ratio = 4.0\n" + filters_conf("AvailabilityZoneFilter,ComputeFilter,BlazarFilter"))
    edit, entry = scheduler_edit(confdir.layers(), None, PCI)
    value = "AvailabilityZoneFilter,ComputeFilter,BlazarFilter,PciPassthroughFilter"
    assert edit == {"path": OWNED_PATH, "section": "filter_scheduler", "option": "enabled_filters", "value": value, "state": "present"}
    assert entry == {"path": OWNED_PATH, "written": value, "operator": "AvailabilityZoneFilter,ComputeFilter,BlazarFilter"}
    assert confdir.apply(edit)
    assert confdir.nova_filters() == value.split(",")
    assert "cpu_allocation_ratio = 4.0" in (confdir.root / OWNED_PATH).read_text()


def test_a_list_with_pci_already_is_written_as_it_is(confdir):
    confdir.write(OWNED_PATH, filters_conf("ComputeFilter,PciPassthroughFilter"))
    edit, entry = scheduler_edit(confdir.layers(), None, PCI)
    assert edit["value"] == "ComputeFilter,PciPassthroughFilter" and entry["operator"] == "ComputeFilter,PciPassthroughFilter"
    assert not confdir.apply(edit)


def test_a_second_run_with_the_ledger_is_stable(confdir):
    confdir.write("global.conf", filters_conf("ComputeFilter,ImagePropertiesFilter"))
    first = confdir.run(None, PCI)
    text = (confdir.root / OWNED_PATH).read_text()
    edit, second = scheduler_edit(confdir.layers(), first, PCI)
    assert second == first
    assert not confdir.apply(edit)
    assert (confdir.root / OWNED_PATH).read_text() == text
    assert confdir.nova_filters() == ["ComputeFilter", "ImagePropertiesFilter", PCI_FILTER]


def test_a_lower_layer_changed_later_is_followed(confdir):
    """The owned file holds our list, but the operator's list lives in nova.conf: a change there reaches nova-scheduler."""
    confdir.write("nova.conf", filters_conf("ComputeFilter"))
    ledger = confdir.run(None, PCI)
    confdir.write("nova.conf", filters_conf("ComputeFilter,BlazarFilter"))
    ledger = confdir.run(ledger, PCI)
    assert confdir.nova_filters() == ["ComputeFilter", "BlazarFilter", PCI_FILTER]
    assert ledger["operator"] is None  # the owned file had no list of the operator's


# --------------------------------------------------------------------------- when the aliases go


def test_the_operators_earlier_value_comes_back(confdir):
    confdir.write(OWNED_PATH, filters_conf("ComputeFilter,BlazarFilter"))
    before = confdir.nova_filters()
    ledger = confdir.run(None, PCI)
    ledger = confdir.run(ledger, PCI)
    assert confdir.nova_filters() == [*before, PCI_FILTER]
    edit, entry = scheduler_edit(confdir.layers(), ledger, [])
    assert edit == {"path": OWNED_PATH, "section": "filter_scheduler", "option": "enabled_filters", "value": "ComputeFilter,BlazarFilter", "state": "present"}
    assert entry is None
    confdir.apply(edit)
    assert confdir.nova_filters() == before
    assert scheduler_edit(confdir.layers(), entry, []) == (None, None)  # nothing more to do


def test_the_key_is_removed_when_the_operator_had_none(confdir):
    confdir.write("nova.conf", filters_conf("ComputeFilter"))
    confdir.write(OWNED_PATH, "[DEFAULT]\ndebug = true\n")
    ledger = confdir.run(None, PCI)
    assert ledger["operator"] is None
    edit, entry = scheduler_edit(confdir.layers(), ledger, [])
    assert (edit["state"], edit["value"], entry) == ("absent", None, None)
    confdir.apply(edit)
    assert "enabled_filters" not in (confdir.root / OWNED_PATH).read_text()
    assert "debug = true" in (confdir.root / OWNED_PATH).read_text()
    assert confdir.nova_filters() == ["ComputeFilter"]  # nova.conf shows through again


def test_an_operator_edit_after_ours_is_left_alone(confdir):
    ledger = confdir.run(None, PCI)
    confdir.write(OWNED_PATH, filters_conf("ComputeFilter,MyFilter"))
    assert scheduler_edit(confdir.layers(), ledger, []) == (None, None)
    assert confdir.nova_filters() == ["ComputeFilter", "MyFilter"]
    # PCI asked for again: the operator's new list is the base, and it is what comes back later.
    edit, entry = scheduler_edit(confdir.layers(), ledger, PCI)
    assert edit["value"] == "ComputeFilter,MyFilter,PciPassthroughFilter"
    assert entry["operator"] == "ComputeFilter,MyFilter"


def test_no_pci_and_no_ledger_touches_nothing(confdir):
    confdir.write(OWNED_PATH, filters_conf("ComputeFilter"))
    assert scheduler_edit(confdir.layers(), None, []) == (None, None)
    assert scheduler_edit({}, None, []) == (None, None)
    assert scheduler_edit(None, None, []) == (None, None)
