# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a plan into the exact writes: INI edits of kolla's config overrides, the inventory's vars files, and the ledger.

Controller side, behind the filter ``kolla_multiarch_render``. The ledger is the
record of what the collection wrote last time (``<custom config dir>/.multiarch-kolla.json``):
``ini`` (file -> section -> options it set), ``vars`` (vars file -> keys it set) and
``enabled_filters`` (what it wrote into nova/nova-scheduler.conf and the operator's
value there before).
A key in the ledger that this run no longer decides is removed (or given back to
the operator's value), so nothing the collection wrote stays behind when a host
stops emulating, a PCI spec or alias is dropped, or a host leaves the inventory.
The operator's own keys and lines are never touched.
"""

import json

import yaml

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import PCI_FILTER, scheduler_edit
from ansible_collections.multiarch.kolla.plugins.plugin_utils.plain import plain

LEDGER_VERSION = 1
GROUPS_FILE = "multiarch-groups.yml"
# nova-api reads [pci] alias to turn flavors into PCI requests, nova-compute to claim devices: both get the same list.
ALIAS_FILES = ("nova/nova-api.conf", "nova/nova-compute.conf")
_HEADERS = {
    GROUPS_FILE: "# Written by multiarch.kolla.kolla_multiarch: one group per CPU architecture, next to the\n"
    "# operator's inventory. Rewritten on every run; do not edit.\n",
    "group_vars": "# Image source of this architecture, written by multiarch.kolla.kolla_multiarch. It owns\n"
    "# openstack_tag_suffix, docker_registry and docker_namespace here; other keys are kept.\n",
    "host_vars": "# Per-host values written by multiarch.kolla.kolla_multiarch from the decide roles' facts. It owns\n"
    "# docker_custom_config, nova_compute_virt_type, nova_libvirt_cpu_mode and nova_cell_compute_provider_config\n"
    "# here; other keys are kept.\n",
}


def _check_ledger(ledger):
    if ledger in (None, "", {}):
        return {"version": LEDGER_VERSION, "ini": {}, "vars": {}, "enabled_filters": None}
    if not isinstance(ledger, dict) or ledger.get("version") != LEDGER_VERSION:
        raise KollaMultiarchError(
            "kolla_multiarch: the ledger .multiarch-kolla.json is not one this version wrote (%r); fix: remove the file and run again "
            "(keys written by an earlier run are then kept until you remove them)" % (ledger,)
        )
    return ledger


def _libvirt_edits(the_plan):
    edits = []
    for host in sorted(the_plan.get("nova_compute", {})):
        conf = the_plan["nova_compute"][host]
        path = "nova/%s/nova-compute.conf" % host
        for key, value in (conf.get("libvirt") or {}).items():
            edits.append({"path": path, "section": "libvirt", "option": key, "value": value, "state": "present"})
        for key in conf.get("libvirt_absent") or []:
            edits.append({"path": path, "section": "libvirt", "option": key, "value": None, "state": "absent"})
        if conf.get("pci_device_spec"):
            edits.append({"path": path, "section": "pci", "option": "device_spec", "value_list": conf["pci_device_spec"], "state": "present"})
        else:
            edits.append({"path": path, "section": "pci", "option": "device_spec", "value": None, "state": "absent"})
    return edits


def _alias_edits(the_plan):
    aliases = the_plan.get("pci_alias") or []
    if aliases:
        return [{"path": path, "section": "pci", "option": "alias", "value_list": aliases, "state": "present"} for path in ALIAS_FILES]
    return [{"path": path, "section": "pci", "option": "alias", "value": None, "state": "absent"} for path in ALIAS_FILES]


def ini_edits(the_plan, layers=None, ledger=None):
    """``(edits, ledger part)``: every INI edit of the config overrides, in a stable order.

    Each edit: ``{path, section, option, value | value_list, state}`` with ``path``
    relative to kolla's custom config dir. ``layers``: the operator's
    ``global.conf``, ``nova.conf`` and ``nova/nova-scheduler.conf`` texts (None when absent).
    """
    ledger = _check_ledger(ledger)
    edits = _libvirt_edits(the_plan) + _alias_edits(the_plan)
    required = [PCI_FILTER] if the_plan.get("pci_alias") else []
    scheduler, filters_entry = scheduler_edit(layers or {}, ledger.get("enabled_filters"), required)
    if scheduler is not None:
        edits.append(scheduler)
    decided = {(e["path"], e["section"], e["option"]) for e in edits}
    for path, sections in sorted((ledger.get("ini") or {}).items()):
        for section, options in sorted(sections.items()):
            edits.extend(
                {"path": path, "section": section, "option": option, "value": None, "state": "absent"}
                for option in options
                if (path, section, option) not in decided
            )
    written = {}
    for edit in edits:
        if edit["state"] == "present" and edit is not scheduler:
            written.setdefault(edit["path"], {}).setdefault(edit["section"], []).append(edit["option"])
    return edits, {"ini": written, "enabled_filters": filters_entry}


def _dump(header, data):
    return header + yaml.safe_dump(plain(data), default_flow_style=False, sort_keys=True, indent=2, allow_unicode=True, width=1000)


def _vars_targets(the_plan):
    """``{relative path: (kind, values this run decides)}`` for the group_vars and host_vars files."""
    targets = {}
    for group, values in (the_plan.get("group_vars") or {}).items():
        targets["group_vars/%s.yml" % group] = ("group_vars", values)
    for host, values in (the_plan.get("host_vars") or {}).items():
        targets["host_vars/%s.yml" % host] = ("host_vars", values)
    for host in the_plan.get("host_arch") or {}:
        targets.setdefault("host_vars/%s.yml" % host, ("host_vars", {}))
    return targets


def vars_files(the_plan, existing=None, ledger=None):
    """``(files, ledger part)``: the text of every inventory file to write, relative to the inventory dir.

    ``existing``: ``{relative path: parsed YAML}`` of the vars files already there.
    Owned keys are replaced; keys the ledger says the collection wrote into a file it no
    longer decides are dropped; every other key is kept.
    """
    ledger = _check_ledger(ledger)
    existing = existing or {}
    owned = the_plan.get("owned_keys") or {}
    targets = _vars_targets(the_plan)
    files = {GROUPS_FILE: _dump(_HEADERS[GROUPS_FILE], the_plan.get("inventory") or {})}
    written = {}
    for path in sorted(set(targets) | set(ledger.get("vars") or {})):
        kind, values = targets.get(path, (path.split("/", 1)[0], {}))
        before = existing.get(path)
        if before is not None and not isinstance(before, dict):
            raise KollaMultiarchError("kolla_multiarch: %s holds %s, not a mapping of variables; fix the file" % (path, type(before).__name__))
        drop = set(owned.get(kind) or ())
        if path not in targets:
            drop |= set((ledger.get("vars") or {}).get(path) or ())
        merged = {k: v for k, v in (before or {}).items() if k not in drop}
        merged.update(values)
        # A key written by an earlier run and kept as it is (docker_custom_config without container_runtime) stays recorded.
        kept = {k for k in (ledger.get("vars") or {}).get(path) or () if k in merged}
        if values or kept:
            written[path] = sorted(set(values) | kept)
        if before is not None or values:
            files[path] = _dump(_HEADERS[kind], merged)
    return files, {"vars": written}


def render(the_plan, layers=None, existing_vars=None, ledger=None):
    """Everything role kolla_multiarch writes: ``{ini_edits, files, ledger, ledger_text}``."""
    edits, ini_part = ini_edits(the_plan, layers, ledger)
    files, vars_part = vars_files(the_plan, existing_vars, ledger)
    new_ledger = plain({"version": LEDGER_VERSION, **ini_part, **vars_part})
    return {"ini_edits": edits, "files": files, "ledger": new_ledger, "ledger_text": json.dumps(new_ledger, indent=2, sort_keys=True) + "\n"}
