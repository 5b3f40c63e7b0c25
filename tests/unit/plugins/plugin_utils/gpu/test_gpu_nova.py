"""plugin_utils/gpu/nova.py: device_spec, alias and flavor extra specs, checked with nova 34's own parsers.

Oracles: nova.pci.whitelist.Whitelist (device_spec), nova.pci.request.get_alias_from_config (alias),
nova.api.validation.extra_specs.validators.validate (flavor extra specs); each entry alone, so that every
bad entry is reported.
"""

from __future__ import annotations

import json

import pytest
from conftest import require_import
from gpu_testlib import HOSTS, host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import kernel, nova, select


def decide(pci, aliases=None, **selection):
    gpus, errors, _unused = select.select_gpus(pci, "h1", **selection)
    assert errors == []
    bind = kernel.binding(select.selected_functions(gpus), select.host_functions(pci))
    return nova.nova_decision(gpus, bind["overrides"], "h1", aliases)


def every_decision(tmp_path):
    """Each built host with every GPU but the boot display, and the two GTX 1060 by ID (one per card model)."""
    for name in HOSTS:
        yield decide(host_pci(tmp_path, name), all_gpus=True)
    yield decide(host_pci(tmp_path / "ids", "two_gtx1060"), ids=["10de:1c03"])
    options = {"name": "a100", "count": 2, "numa_policy": "preferred", "resource_class": "CUSTOM_A100", "traits": ["CUSTOM_HBM2"]}
    yield decide(host_pci(tmp_path / "opts", "sriov_a100"), aliases={"10de:20f1": options}, ids=["10de:20f1"])


def test_every_device_spec_is_accepted_by_novas_whitelist(tmp_path):
    whitelist = require_import("nova.pci.whitelist")
    bad = []
    for specs, _unused, _unused, errors in every_decision(tmp_path):
        assert errors == []
        for spec in specs:
            try:
                whitelist.Whitelist([spec])
            except Exception as exc:  # nova raises its own types; collect them all
                bad.append("%s: %s" % (spec, exc))
    assert bad == []


def test_every_alias_is_accepted_by_novas_alias_loader(tmp_path, nova_config, nova_request):
    bad, seen = [], 0
    for _unused, aliases, _unused, _unused in every_decision(tmp_path):
        for alias in aliases:
            nova_config.set_override("alias", [alias], group="pci")
            nova_request.get_alias_from_config.cache_clear()
            try:
                parsed = nova_request.get_alias_from_config()
            except Exception as exc:
                bad.append("%s: %s" % (alias, exc))
                continue
            assert list(parsed) == [json.loads(alias)["name"]]
            seen += 1
    assert bad == [] and seen >= 6


def test_every_flavor_extra_spec_passes_novas_validators(tmp_path):
    validators = require_import("nova.api.validation.extra_specs.validators")
    bad = []
    for _unused, _unused, extra, _unused in every_decision(tmp_path):
        for specs in extra.values():
            for key, value in specs.items():
                try:
                    validators.validate(key, value)
                except Exception as exc:
                    bad.append("%s=%s: %s" % (key, value, exc))
    assert bad == []
    with pytest.raises(Exception):  # noqa: B017 - the oracle refuses what the role must never write
        validators.validate("pci_passthrough:alias", "a100")


def test_split_cards_are_listed_by_address_and_whole_ids_by_id(tmp_path):
    specs, aliases, extra, _unused = decide(host_pci(tmp_path, "two_gtx1060"), all_gpus=True)
    assert [json.loads(s) for s in specs] == [{"address": "0000:02:00.0", "product_id": "1c03", "vendor_id": "10de"}]
    # 10de:1c03 has no device name in the pci.ids excerpt: the name falls back to the IDs
    assert json.loads(aliases[0]) == {"name": "gpu-10de-1c03", "vendor_id": "10de", "product_id": "1c03", "device_type": "type-PCI"}
    assert extra == {"gpu-10de-1c03": {"pci_passthrough:alias": "gpu-10de-1c03:1"}}
    specs, _unused, _unused, _unused = decide(host_pci(tmp_path / "a", "aarch64_a10"), all_gpus=True)
    assert [json.loads(s) for s in specs] == [{"product_id": "2236", "vendor_id": "10de"}]


def test_sriov_cards_are_type_pf_and_names_come_from_the_model(tmp_path, nova_config, nova_request):
    _unused, aliases, _unused, _unused = decide(host_pci(tmp_path, "sriov_a100"), all_gpus=True)
    alias = json.loads(aliases[0])
    assert (alias["name"], alias["device_type"]) == ("a100-pcie-40gb", "type-PF")
    nova_config.set_override("alias", aliases, group="pci")
    assert nova_request.get_alias_from_config()["a100-pcie-40gb"][1][0]["dev_type"] == "type-PF"


def test_operator_alias_options_reach_nova(tmp_path, nova_config, nova_request):
    given = {"10de:20f1": {"name": "a100", "count": 2, "numa_policy": "preferred", "resource_class": "CUSTOM_A100", "traits": ["CUSTOM_HBM2", "CUSTOM_X"]}}
    _unused, aliases, extra, errors = decide(host_pci(tmp_path, "sriov_a100"), aliases=given, ids=["10de:20f1"])
    assert errors == [] and extra == {"a100": {"pci_passthrough:alias": "a100:2"}}
    nova_config.set_override("alias", aliases, group="pci")
    policy, specs = nova_request.get_alias_from_config()["a100"]
    assert policy == "preferred"
    assert specs[0]["resource_class"] == "CUSTOM_A100" and specs[0]["traits"] == "CUSTOM_HBM2,CUSTOM_X"


@pytest.mark.parametrize(
    ("aliases", "words"),
    [
        ({"10de:20f1": {"nam": "x"}}, "unknown key(s) nam"),
        ({"10de:20f1": {"count": 0}}, "count=0; give a whole number"),
        ({"10de:20f1": {"name": "a:100"}}, "name='a:100'; give a non-empty name without ':' or ','"),
        ({"10de:20f1": {"numa_policy": "strict"}}, "numa_policy='strict'"),
        ({"A100": {}}, "'A100' is not a vendor:device ID"),
        (["10de:20f1"], "give a dict"),
    ],
)
def test_bad_alias_options_are_errors(tmp_path, aliases, words):
    specs, rendered, extra, errors = decide(host_pci(tmp_path, "sriov_a100"), aliases=aliases, ids=["10de:20f1"])
    assert (specs, rendered, extra) == ([], [], {})
    assert len(errors) == 1 and errors[0].startswith("host h1: ") and words in errors[0]


def test_derived_names():
    assert nova.alias_name({"vendor_id": "1002", "device_id": "7341", "names": {"device": "Navi 14 [Radeon Pro W5500]"}}) == "radeon-pro-w5500"
    assert nova.alias_name({"vendor_id": "10de", "device_id": "1db1", "names": {"device": "GV100GL"}}) == "gv100gl"
    assert nova.alias_name({"vendor_id": "10de", "device_id": "1db1", "names": {"device": None}}) == "gpu-10de-1db1"
