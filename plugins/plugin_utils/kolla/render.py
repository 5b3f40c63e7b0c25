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

Every value written is checked first (``_value_problems``): an INI value must be one
line that oslo.config reads back as it is (the writer's own rule,
module_utils/ini_batch.py ``value_problem``), and no value may hold what Ansible
would evaluate as a template - kolla-ansible renders every override file as a Jinja
template (kolla-ansible 23.0.0, ansible/action_plugins/merge_configs.py
``read_config``) and Ansible templates inventory variables when they are used
(ansible-core 2.19, _internal/_templating/_jinja_bits.py ``is_possibly_template``).
Such a value, from a fact a host reported or an operator's input, would run on the
deploy host. The paths a ledger names are checked as the writer checks paths.
"""

import json

import yaml
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils._files import relative_problem
from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import value_problem
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla import pci
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError, fail
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.files import GROUPS_FILE, LEDGER_NAME
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import PCI_FILTER, scheduler_edit
from ansible_collections.multiarch.kolla.plugins.plugin_utils.plain import plain

LEDGER_VERSION = 1
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


# Where each INI value comes from, for the fix in a refusal.
_SOURCES = {
    "libvirt": "the host's nova_compute_arch decision (multiarch_nova_compute.libvirt); run nova_compute_arch again with valid overrides",
    "DEFAULT": "the host's nova_compute_arch decision (multiarch_nova_compute.defaults); run nova_compute_arch again with valid overrides",
    "device_spec": "the host's kolla_multiarch_pci_device_spec or multiarch_gpu_passthrough.device_spec (role gpu_passthrough)",
    "alias": "kolla_multiarch_pci_alias or the hosts' multiarch_gpu_passthrough.aliases (role gpu_passthrough)",
    "enabled_filters": "your enabled_filters in global.conf, nova.conf or nova/nova-scheduler.conf of the custom config dir",
    "docker_custom_config": "the daemon.json container_runtime read on the host (multiarch_container_runtime.docker_custom_config)",
    "group_vars": "kolla_multiarch_image_sources",
    "host_vars": "the host's nova_compute_arch decision (multiarch_nova_compute)",
}
# What Ansible templates (ansible-core 2.19 _jinja_bits.is_possibly_template, default delimiters).
_TEMPLATE_STARTS = ("{{", "{%", "{#")
_TEMPLATE_PREFIX = "#jinja2:"


def _template_in(value):
    """The first string in ``value`` (keys and nested items included) Ansible would template, or None."""
    if isinstance(value, str):
        return value if value.startswith(_TEMPLATE_PREFIX) or any(mark in value for mark in _TEMPLATE_STARTS) else None
    items = list(value.items()) if isinstance(value, dict) else list(value) if isinstance(value, (list, tuple)) else []
    for item in items:
        found = _template_in(item if not isinstance(item, tuple) else list(item))
        if found is not None:
            return found
    return None


def _ini_value_problems(edits):
    problems = []
    for edit in edits:
        values = edit.get("value_list") or ([] if edit.get("value") is None else [edit["value"]])
        parts = edit["path"].split("/")
        who = "host %s: " % parts[1] if len(parts) == 3 and parts[0] == "nova" else ""
        source = _SOURCES.get(edit["option"], _SOURCES.get(edit["section"], "the input it comes from"))
        for value in values:
            text = to_text(value)
            why = value_problem(text)
            if why is None and _template_in(text) is not None:
                why = "%r holds a template marker ({{, {%%, {#) and kolla-ansible's merge_configs would evaluate it as a template" % text
            if why:
                problems.append("%s%s [%s] %s: the value %s; fix %s" % (who, edit["path"], edit["section"], edit["option"], why, source))
    return problems


def _vars_value_problems(the_plan):
    problems = []
    for kind in ("group_vars", "host_vars"):
        for name, values in sorted((the_plan.get(kind) or {}).items()):
            for key, value in sorted(values.items()):
                found = _template_in(value)
                if found is not None:
                    problems.append(
                        "%s%s/%s.yml %s: %r holds a template marker ({{, {%%, {#) and Ansible would evaluate it as a template when "
                        "kolla-ansible runs; fix %s" % ("host %s: " % name if kind == "host_vars" else "", kind, name, key, found,
                                                        _SOURCES.get(key, _SOURCES[kind]))
                    )
    return problems


def _check_ledger(ledger):
    if ledger in (None, "", {}):
        return {"version": LEDGER_VERSION, "ini": {}, "vars": {}, "enabled_filters": None}
    if not isinstance(ledger, dict) or ledger.get("version") != LEDGER_VERSION:
        raise KollaMultiarchError(
            "kolla_multiarch: the ledger .multiarch-kolla.json is not one this version wrote (%r); fix: remove the file and run again "
            "(keys written by an earlier run are then kept until you remove them)" % (ledger,)
        )
    for part, kinds in (("ini", None), ("vars", ("group_vars", "host_vars"))):
        for path in ledger.get(part) or {}:
            why = relative_problem(path)
            if why is None and kinds and (path.split("/")[0] not in kinds or path.count("/") != 1):
                why = "%r is not a group_vars/ or host_vars/ file" % (path,)
            if why:
                raise KollaMultiarchError(
                    "kolla_multiarch: the ledger .multiarch-kolla.json names %s, which this version never writes; nothing was written; "
                    "fix: remove the file and run again (keys written by an earlier run are then kept until you remove them)" % why
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
        # [DEFAULT] timeouts (multiarch_nova_compute.defaults). A key not decided this time is removed only where the
        # ledger says this collection wrote it (ini_edits), so a [DEFAULT] line of the operator's own stays.
        for key, value in (conf.get("defaults") or {}).items():
            edits.append({"path": path, "section": "DEFAULT", "option": key, "value": value, "state": "present"})
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


def _kept_pci(the_plan, ledger):
    """The ``(path, section, option)`` keys an earlier run wrote for the GPUs of hosts this run did not look at
    (``pci_kept_hosts``): each kept host's ``[pci] device_spec``, and the ``[pci] alias`` list when one of them had specs."""
    written = ledger.get("ini") or {}
    kept = {("nova/%s/nova-compute.conf" % h, "pci", "device_spec") for h in the_plan.get("pci_kept_hosts") or ()}
    kept = {key for key in kept if key[2] in (written.get(key[0]) or {}).get("pci", [])}
    if kept:
        kept |= {(path, "pci", "alias") for path in ALIAS_FILES if "alias" in (written.get(path) or {}).get("pci", [])}
    return kept


def ini_edits(the_plan, layers=None, ledger=None):
    """``(edits, ledger part)``: every INI edit of the config overrides, in a stable order.

    Each edit: ``{path, section, option, value | value_list, state}`` with ``path``
    relative to kolla's custom config dir. ``layers``: the operator's
    ``global.conf``, ``nova.conf`` and ``nova/nova-scheduler.conf`` texts (None when absent).
    """
    ledger = _check_ledger(ledger)
    kept = _kept_pci(the_plan, ledger)
    edits = [e for e in _libvirt_edits(the_plan) + _alias_edits(the_plan) if (e["path"], e["section"], e["option"]) not in kept]
    edits += pci.placement_edits(the_plan, ledger)
    required = [PCI_FILTER] if the_plan.get("pci_alias") or any(key[2] == "alias" for key in kept) else []
    scheduler, filters_entry = scheduler_edit(layers or {}, ledger.get("enabled_filters"), required)
    if scheduler is not None:
        edits.append(scheduler)
    decided = {(e["path"], e["section"], e["option"]) for e in edits} | kept
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
    for path, section, option in sorted(kept):
        written.setdefault(path, {}).setdefault(section, []).append(option)
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
    """Everything role kolla_multiarch writes: ``{ini_edits, files, config_files, ledger, ledger_text}``.

    Raises KollaMultiarchError listing every value that kolla-ansible would read as
    something else (see the module docstring) before anything is written.
    """
    edits, ini_part = ini_edits(the_plan, layers, ledger)
    problems = _ini_value_problems(edits) + _vars_value_problems(the_plan)
    if problems:
        fail(problems, "kolla_multiarch: values that kolla-ansible would read as something else; nothing was written")
    files, vars_part = vars_files(the_plan, existing_vars, ledger)
    new_ledger = plain({"version": LEDGER_VERSION, **ini_part, **vars_part})
    ledger_text = json.dumps(new_ledger, indent=2, sort_keys=True) + "\n"
    return {"ini_edits": edits, "files": files, "config_files": {LEDGER_NAME: ledger_text}, "ledger": new_ledger, "ledger_text": ledger_text}
