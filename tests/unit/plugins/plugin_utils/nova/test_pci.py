"""Tests for plugins/plugin_utils/nova/pci.py: nova [pci] device_spec and alias values.

Oracles: nova 34's own PCI device spec matcher (nova/pci/devspec.py), its alias
schema and parser (nova/pci/request.py), and the device_spec keys nova documents
in its option help (nova/conf/pci.py).
"""

from __future__ import annotations

import json
import re

import pytest
from ansible.errors import AnsibleFilterError
from conftest import require_import

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import pci

# --------------------------------------------------------------------------- the keys nova reads


def test_alias_keys_are_novas(nova_request):
    assert set(pci._ALIAS_KEYS) == set(nova_request._ALIAS_SCHEMA["properties"])


def test_alias_choices_are_novas(nova_request):
    properties = nova_request._ALIAS_SCHEMA["properties"]
    assert set(pci.PCI_DEVICE_TYPES) == set(properties["device_type"]["enum"])
    assert set(pci.PCI_NUMA_POLICIES) == set(properties["numa_policy"]["enum"])


def test_device_spec_keys_are_the_ones_nova_documents():
    """nova 34 documents its device_spec keys and tags in the option's help (nova/conf/pci.py)."""
    nova_pci_conf = require_import("nova.conf.pci")
    help_text = next(o for o in nova_pci_conf.pci_opts if o.name == "device_spec").help
    section = help_text.split("Valid key values are", 1)[1].split("Valid examples are", 1)[0]
    keys = re.findall(r"^  ``([a-z_]+)``$", section, re.MULTILINE)
    tags = re.findall(r"^    - ``([a-z_]+)``", section, re.MULTILINE)
    assert keys and tags
    assert set(pci._DEVICE_SPEC_KEYS) == set(keys) | set(tags)


# --------------------------------------------------------------------------- device specs


def test_rendered_device_specs_match_the_device_in_nova():
    nova_devspec = require_import("nova.pci.devspec")
    given = [{"vendor_id": "10de", "product_id": "20b5", "address": "0000:3b:00.0"}, '{"vendor_id": "1002", "product_id": "74a1"}']
    rendered = pci.pci_device_specs(given, "g1")
    assert rendered[0] == '{"address": "0000:3b:00.0", "product_id": "20b5", "vendor_id": "10de"}'
    specs = [nova_devspec.PciDeviceSpec(json.loads(r)) for r in rendered]
    dev = {"vendor_id": "10de", "product_id": "20b5", "address": "0000:3b:00.0", "parent_addr": None}
    assert specs[0].match(dev)
    assert not specs[0].match(dict(dev, address="0000:af:00.0"))
    assert specs[1].match({"vendor_id": "1002", "product_id": "74a1", "address": "0000:01:00.0", "parent_addr": None})


def test_every_documented_tag_is_accepted_and_nova_parses_it():
    nova_devspec = require_import("nova.pci.devspec")
    spec = {"vendor_id": "10de", "product_id": "20b5", "managed": "yes", "live_migratable": "no", "resource_class": "CUSTOM_A100", "traits": "CUSTOM_GPU"}
    (rendered,) = pci.pci_device_specs([spec], "g1")
    parsed = nova_devspec.PciDeviceSpec(json.loads(rendered))
    assert parsed.get_tags()["live_migratable"] == "false" and parsed.get_tags()["managed"] == "true"


def test_no_device_spec_and_a_single_one():
    assert pci.pci_device_specs(None, "g1") == []
    assert pci.pci_device_specs([], "g1") == []
    assert pci.pci_device_specs({"vendor_id": "10de"}, "g1") == ['{"vendor_id": "10de"}']


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"physical_network": "physnet1"}, ["needs one of vendor_id, product_id, address, devname"]),
        ({"vendor_id": "10de", "vendor": "x"}, ["unknown key(s) vendor"]),
        ({"vendor_id": "10dex"}, ["vendor_id='10dex' is not a 4-digit hex PCI ID"]),
        ({}, ["give a non-empty dict"]),
        ("not json", ["is not a dict or a JSON object"]),
    ],
)
def test_bad_device_spec_names_the_host(spec, words):
    with pytest.raises(pci.PciConfigError) as err:
        pci.pci_device_specs([spec], "g1")
    assert str(err.value).startswith("host g1: kolla_multiarch_pci_device_spec: device spec ")
    for word in words:
        assert word in str(err.value)
    assert issubclass(pci.PciConfigError, AnsibleFilterError)


# --------------------------------------------------------------------------- aliases


def test_rendered_aliases_parse_in_nova(nova_config, nova_request):
    rendered = pci.pci_aliases(
        [
            {"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF", "numa_policy": "preferred"},
            {"name": "mi210", "vendor_id": "1002", "product_id": "740f"},
        ]
    )
    nova_config.set_override("alias", rendered, group="pci")
    aliases = nova_request.get_alias_from_config()
    assert aliases == {
        "a100": ("preferred", [{"vendor_id": "10de", "product_id": "20b5", "dev_type": "type-PF"}]),
        "mi210": ("legacy", [{"vendor_id": "1002", "product_id": "740f"}]),
    }


def test_no_alias_and_a_single_one():
    assert pci.pci_aliases(None) == []
    assert pci.pci_aliases({"name": "g", "resource_class": "CUSTOM_GPU"}) == ['{"name": "g", "resource_class": "CUSTOM_GPU"}']


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ({"vendor_id": "10de", "product_id": "20b5"}, "has no name"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b5", "device_type": "PF"}, "device_type='PF'; nova accepts type-PCI, type-PF, type-VF"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b5", "numa_policy": "strict"}, "numa_policy='strict'"),
        ({"name": "g", "vendor_id": "10dex", "product_id": "20b5"}, "not a 4-digit hex PCI ID"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b"}, "product_id='20b'; nova wants exactly 4 hex digits"),
        ({"name": "g", "vendor": "10de"}, r"unknown key\(s\) vendor"),
        ("{not json", "is not a dict or a JSON object"),
    ],
)
def test_bad_aliases_fail_as_nova_would(nova_config, nova_request, alias, message):
    with pytest.raises(AnsibleFilterError, match=message):
        pci.pci_aliases([alias])
    if isinstance(alias, dict) and alias.get("name"):  # nova refuses it too
        nova_config.set_override("alias", [json.dumps(alias)], group="pci")
        nova_request.get_alias_from_config.cache_clear()
        with pytest.raises(Exception):  # noqa: B017 - nova raises its own exception types
            nova_request.get_alias_from_config()


def test_an_alias_given_twice_for_the_same_device_is_refused():
    alias = {"name": "g", "vendor_id": "10de", "product_id": "20b5"}
    with pytest.raises(pci.PciConfigError, match="alias g is given twice for the same device"):
        pci.pci_aliases([alias, dict(alias)])
    # The same name for two devices is how nova lets a flavor take either.
    assert len(pci.pci_aliases([alias, dict(alias, product_id="20b0")])) == 2


# --------------------------------------------------------------------------- values that reach nova as meant


@pytest.mark.parametrize("value", ["10de\n", "10de\r\n", " 10de", "10de "])
def test_an_id_with_a_line_end_or_spaces_is_refused(value):
    """``$`` in a pattern also matches before a final newline: an ID such as '10de\\n' must not pass as 10de."""
    with pytest.raises(pci.PciConfigError, match="vendor_id"):
        pci.pci_device_specs([{"vendor_id": value}], "g1")
    with pytest.raises(pci.PciConfigError, match="vendor_id"):
        pci.pci_aliases([{"name": "g", "vendor_id": value, "product_id": "20b5"}])


@pytest.mark.parametrize("mark", ["\n", "\r", "\x0b", "\x85", "\u2028", "\u2029"], ids=repr)
def test_every_rendered_value_is_one_line_and_nova_reads_what_was_given(mark):
    """Strings inside a spec or alias may hold any character: the rendered JSON escapes them, so the INI line stays
    one line for every reader and nova's JSON parser gives back exactly the given value."""
    nova_devspec = require_import("nova.pci.devspec")
    from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import LINE_BREAKS, value_problem  # noqa: PLC0415

    spec = {"vendor_id": "10de", "product_id": "20b5", "physical_network": "net%svirt_type = kvm" % mark}
    alias = {"name": "g%sx" % mark, "vendor_id": "10de", "product_id": "20b5"}
    for given, (rendered,) in ((spec, pci.pci_device_specs([spec], "g1")), (alias, pci.pci_aliases([alias]))):
        assert not any(m in rendered for m in LINE_BREAKS) and value_problem(rendered) is None
        assert json.loads(rendered) == given
    assert nova_devspec.PciDeviceSpec(json.loads(pci.pci_device_specs([spec], "g1")[0])).tags["physical_network"] == spec["physical_network"]
