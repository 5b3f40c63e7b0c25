# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova ``[pci]`` option values: ``device_spec`` (nova-compute) and ``alias`` (nova-api and nova-compute).

Controller side. Each value is one JSON object per line, as nova's multi-valued
options read them; ``json.dumps`` escapes every control and non-ASCII character, so
a value holds no line break of any INI reader whatever the strings in it hold; the keys nova accepts come from nova 34 (nova/pci/devspec.py and
the alias schema in nova/pci/request.py), checked against nova's own parsers in the
unit tests.
"""

import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

PCI_DEVICE_TYPES = ("type-PCI", "type-PF", "type-VF")
PCI_NUMA_POLICIES = ("required", "legacy", "preferred", "socket")
# fullmatch, never ``$``: ``$`` also matches before a final newline, so '10de\n' would pass as an ID.
_HEX4 = re.compile(r"\*|[0-9a-fA-F]{1,4}")


class PciConfigError(AnsibleFilterError):
    """A PCI device spec or alias nova would refuse."""


def _pci_dict(item, what, allowed, required_any):
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except ValueError:
            raise ValueError("%s %r is not a dict or a JSON object" % (what, item)) from None
    if not isinstance(item, dict) or not item:
        raise ValueError("%s %r: give a non-empty dict" % (what, item))
    unknown = sorted(k for k in item if k not in allowed)
    if unknown:
        raise ValueError("%s %r: unknown key(s) %s; allowed: %s" % (what, item, ", ".join(unknown), ", ".join(allowed)))
    if required_any and not any(k in item for k in required_any):
        raise ValueError("%s %r: needs one of %s" % (what, item, ", ".join(required_any)))
    for key in ("vendor_id", "product_id"):
        if key in item and not _HEX4.fullmatch(to_text(item[key])):
            raise ValueError("%s %r: %s=%r is not a 4-digit hex PCI ID" % (what, item, key, item[key]))
    return item


# nova 34 nova/conf/pci.py, [pci] device_spec help: the keys and the supported tags.
_DEVICE_SPEC_KEYS = (
    "vendor_id", "product_id", "address", "devname",
    "physical_network", "trusted", "remote_managed", "managed", "live_migratable", "resource_class", "traits",
)
# nova 34 nova/pci/request.py _ALIAS_SCHEMA properties.
_ALIAS_KEYS = ("name", "capability_type", "vendor_id", "product_id", "device_type", "numa_policy", "resource_class", "traits", "live_migratable")
_HEX4_EXACT = re.compile(r"[0-9a-fA-F]{4}")


def pci_device_specs(specs, host, source="kolla_multiarch_pci_device_spec"):
    """nova ``[pci] device_spec`` values (JSON strings, sorted keys) for one host; ``source`` names the input in errors."""
    if not specs:
        return []
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    rendered = []
    for spec in specs:
        try:
            item = _pci_dict(spec, "device spec", _DEVICE_SPEC_KEYS, ("vendor_id", "product_id", "address", "devname"))
        except ValueError as exc:
            raise PciConfigError("host %s: %s: %s" % (host, source, exc)) from None
        rendered.append(json.dumps(item, sort_keys=True, separators=(", ", ": ")))
    return rendered


def pci_aliases(aliases, source="kolla_multiarch_pci_alias"):
    """nova ``[pci] alias`` values (JSON strings, sorted keys); ``source`` names the input in errors."""
    if not aliases:
        return []
    if not isinstance(aliases, (list, tuple)):
        aliases = [aliases]
    rendered = []
    names = set()
    for alias in aliases:
        try:
            item = _pci_dict(alias, "alias", _ALIAS_KEYS, ())
        except ValueError as exc:
            raise PciConfigError("%s: %s" % (source, exc)) from None
        if not item.get("name"):
            raise PciConfigError("%s: alias %r has no name (flavors ask for pci_passthrough:alias=<name>:<count>)" % (source, item))
        for key in ("vendor_id", "product_id"):
            if key in item and not _HEX4_EXACT.fullmatch(to_text(item[key])):
                raise PciConfigError("%s: alias %s: %s=%r; nova wants exactly 4 hex digits" % (source, item["name"], key, item[key]))
        if "resource_class" not in item and not ("vendor_id" in item and "product_id" in item):
            raise PciConfigError("%s: alias %s needs vendor_id and product_id (or resource_class)" % (source, item["name"]))
        if item.get("device_type", "type-PCI") not in PCI_DEVICE_TYPES:
            raise PciConfigError(
                "%s: alias %s: device_type=%r; nova accepts %s" % (source, item["name"], item["device_type"], ", ".join(PCI_DEVICE_TYPES))
            )
        if item.get("numa_policy", "legacy") not in PCI_NUMA_POLICIES:
            raise PciConfigError(
                "%s: alias %s: numa_policy=%r; nova accepts %s" % (source, item["name"], item["numa_policy"], ", ".join(PCI_NUMA_POLICIES))
            )
        key = (item["name"], item.get("vendor_id"), item.get("product_id"))
        if key in names:
            raise PciConfigError("%s: alias %s is given twice for the same device" % (source, item["name"]))
        names.add(key)
        rendered.append(json.dumps(item, sort_keys=True, separators=(", ", ": ")))
    return rendered
