# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova's side of GPU passthrough: the host's ``[pci] device_spec``, the cloud's ``[pci] alias``, flavor extra specs.

Controller side, pure. Rendering and validation are plugins/plugin_utils/nova/pci.py's (one JSON object
per line, nova 34's keys); this file only decides the values. Only the GPUs are listed: their companion
functions are bound to vfio-pci so that the IOMMU group is viable, but guests ask for the GPU.
"""

import re

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.select import device_id, parse_ids
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.pci import PciConfigError, pci_aliases, pci_device_specs

# Operator keys per vendor:device ID (gpu_passthrough_aliases); the last three are nova 34's alias keys
# (nova/pci/request.py _ALIAS_SCHEMA).
ALIAS_OPTIONS = ("name", "count", "numa_policy", "resource_class", "traits")
# nova/api/validation/extra_specs/pci_passthrough.py: the value is '$alias:$count[, ...]', so no ':' or ',' in a name.
_SLUG = re.compile(r"[^a-z0-9]+")
_BRACKETED = re.compile(r"\[([^\]]+)\]")


def alias_name(gpu):
    """A name derived from the model: pci.ids' marketing name in brackets, slugged; else gpu-<vendor>-<device>."""
    device = ((gpu.get("names") or {}).get("device")) or ""
    bracketed = _BRACKETED.search(device)
    slug = _SLUG.sub("-", (bracketed.group(1) if bracketed else device).lower()).strip("-")
    return slug or "gpu-%s-%s" % (gpu["vendor_id"], gpu["device_id"])


def _options(aliases, host):
    """gpu_passthrough_aliases checked: {"vvvv:dddd": {...}}; raises ValueError."""
    if not aliases:
        return {}
    if not isinstance(aliases, dict):
        raise ValueError("host %s: gpu_passthrough_aliases: give a dict of vendor:device ID -> {%s}" % (host, ", ".join(ALIAS_OPTIONS)))
    checked = {}
    for key, given in aliases.items():
        try:
            (ident,) = parse_ids([key], "gpu_passthrough_aliases")
        except ValueError as exc:
            raise ValueError("host %s: %s" % (host, exc)) from None
        value = dict(given or {})
        unknown = sorted(set(value) - set(ALIAS_OPTIONS))
        if unknown:
            raise ValueError("host %s: gpu_passthrough_aliases[%s]: unknown key(s) %s; allowed: %s" % (host, key, ", ".join(unknown), ", ".join(ALIAS_OPTIONS)))
        count = value.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("host %s: gpu_passthrough_aliases[%s]: count=%r; give a whole number of at least 1" % (host, key, count))
        name = value.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip() or ":" in name or "," in name):
            raise ValueError("host %s: gpu_passthrough_aliases[%s]: name=%r; give a non-empty name without ':' or ','" % (host, key, name))
        checked[ident] = value
    return checked


def nova_decision(gpus, overrides, host, aliases=None):
    """``(device_spec, aliases, flavor_extra_specs, errors)`` for the selected ``gpus``.

    ``overrides``: addresses vfio-pci takes per address (identical cards split between host and guests):
    those GPUs are listed by address. The device_spec values are rendered strings; the aliases are rendered
    strings too, one per model, to be merged over the cloud (the same on nova-api and every nova-compute).
    """
    try:
        options = _options(aliases, host)
    except ValueError as exc:
        return [], [], {}, [str(exc)]
    specs, wanted, extra = [], [], {}
    for gpu in gpus:
        spec = {"vendor_id": gpu["vendor_id"], "product_id": gpu["device_id"]}
        if gpu["address"] in overrides:
            spec["address"] = gpu["address"]
        if spec not in specs:
            specs.append(spec)
        option = options.get(device_id(gpu), {})
        alias = {"name": option.get("name") or alias_name(gpu), "vendor_id": gpu["vendor_id"], "product_id": gpu["device_id"],
                 "device_type": "type-PF" if (gpu.get("sriov_totalvfs") or 0) > 0 else "type-PCI"}
        alias.update({k: option[k] for k in ("numa_policy", "resource_class") if option.get(k) is not None})
        if option.get("traits"):  # nova reads a comma-separated string
            traits = option["traits"]
            alias["traits"] = ",".join(traits) if isinstance(traits, (list, tuple)) else traits
        if alias not in wanted:
            wanted.append(alias)
            extra[alias["name"]] = {"pci_passthrough:alias": "%s:%d" % (alias["name"], option.get("count", 1))}
    try:
        return pci_device_specs(specs, host), pci_aliases(wanted), extra, []
    except PciConfigError as exc:
        return [], [], {}, ["host %s: gpu_passthrough_aliases: %s" % (host, exc)]
