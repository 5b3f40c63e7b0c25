# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova's cloud-wide ``[pci]`` settings as role ``kolla_multiarch`` writes them: the aliases of every host merged, and PCI in Placement.

Controller side. The values themselves are rendered and checked one by one in plugins/plugin_utils/nova/pci.py;
this file puts together what several hosts and the operator give, as nova reads the result:

* ``[pci] alias`` is one list for nova-api and every nova-compute (render.py ``ALIAS_FILES``). Entries of one
  name are ORed by nova, but only when their ``numa_policy`` and ``device_type`` agree (nova 34,
  nova/pci/request.py ``get_alias_from_config``); without ``[filter_scheduler] pci_in_placement`` each needs
  ``vendor_id`` and ``product_id``, and with it each name may have one entry only (``_validate_required_ids``,
  ``_validate_multispec``). nova reads ``device_type`` of every entry of a name given more than once, so each
  needs one. A conflict names who gave each entry.
* ``[pci] report_in_placement`` (nova-compute) and ``[filter_scheduler] pci_in_placement`` (nova-api,
  nova-scheduler and nova-conductor, as nova/conf/scheduler.py's help asks) are written only when asked.
  nova-compute refuses to start once reporting was enabled and is then turned off (nova/compute/
  pci_placement_translator.py), so a ledger that says the collection wrote it keeps it, or the run fails.
"""

import json

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError

REPORT_IN_PLACEMENT = ("nova/nova-compute.conf", "pci", "report_in_placement")
PCI_IN_PLACEMENT_FILES = ("nova/nova-api.conf", "nova/nova-scheduler.conf", "nova/nova-conductor.conf")
OPERATOR_ALIASES = "kolla_multiarch_pci_alias"


def _policy(item):
    return item.get("numa_policy") or "legacy"


def _conflict(name, first, item):
    """Why nova refuses two alias entries of one name, or None."""
    (one, who_one), (two, who_two) = first, item
    if "device_type" not in one or "device_type" not in two:
        # nova 34 compares the entries' dev_type by key: an entry without device_type fails the whole alias list.
        return "[pci] alias %s: %s and %s both give it, and nova needs device_type on every entry of a name given more than once" % (
            name, who_one, who_two)
    for key, read in (("numa_policy", _policy), ("device_type", lambda i: i["device_type"])):
        if read(one) != read(two):
            return "[pci] alias %s: %s gives %s=%s but %s gives %s=%s; nova refuses one alias name with two %s values" % (
                name, who_one, key, read(one), who_two, key, read(two), key)
    if (one.get("vendor_id"), one.get("product_id")) == (two.get("vendor_id"), two.get("product_id")):
        return "[pci] alias %s: %s and %s give the device %s:%s with different settings (%s, %s)" % (
            name, who_one, who_two, one.get("vendor_id"), one.get("product_id"), json.dumps(one, sort_keys=True), json.dumps(two, sort_keys=True))
    return None


def merge_aliases(operator, per_host, pci_in_placement, problems):
    """One ``[pci] alias`` list: the operator's entries, then each host's (hosts sorted), each value once.

    ``operator`` and ``per_host`` (``{host: [values]}``) hold rendered values (nova/pci.py ``pci_aliases``).
    Conflicts are appended to ``problems``, naming the sources.
    """
    merged, origin = [], {}
    sources = [(OPERATOR_ALIASES, operator or [])] + [("host %s's multiarch_gpu_passthrough" % h, per_host[h]) for h in sorted(per_host)]
    for who, values in sources:
        for value in values:
            if value not in origin:
                origin[value] = who
                merged.append(value)
    by_name = {}
    for value in merged:
        item = json.loads(value)
        by_name.setdefault(item["name"].strip(), []).append((item, origin[value]))
    fix = "fix: give the models different names (gpu_passthrough_aliases or kolla_multiarch_pci_alias), or the same settings"
    for name, entries in sorted(by_name.items()):
        for item in entries[1:]:
            why = _conflict(name, entries[0], item)
            if why:
                problems.append("%s; %s" % (why, fix))
        if pci_in_placement and len(entries) > 1:
            problems.append("[pci] alias %s has %d entries (%s) but [filter_scheduler] pci_in_placement allows one per name; %s" % (
                name, len(entries), ", ".join(sorted({who for _item, who in entries})), fix))
        no_ids = sorted({who for item, who in entries if not (item.get("vendor_id") and item.get("product_id"))})
        if no_ids and not pci_in_placement:
            problems.append("[pci] alias %s from %s has no vendor_id and product_id, which nova needs unless [filter_scheduler] "
                            "pci_in_placement is on; fix: give both IDs" % (name, ", ".join(no_ids)))
    return merged


def placement(report_in_placement, pci_in_placement, problems, warnings):
    """The plan's ``pci_placement`` part: ``{report_in_placement, pci_in_placement}`` checked."""
    report, schedule = bool(report_in_placement), bool(pci_in_placement)
    if schedule and not report:
        problems.append("kolla_multiarch_pci_in_placement is true but kolla_multiarch_pci_report_in_placement is false: nova schedules PCI "
                        "devices in Placement only after every nova-compute reports them (nova/conf/scheduler.py); fix: set both")
    if report:
        warnings.append("[pci] report_in_placement is on for every nova-compute: once a nova-compute has reported its PCI devices to "
                        "Placement, nova refuses to start it with reporting turned off, so this cannot be undone")
    return {"report_in_placement": report, "pci_in_placement": schedule}


def placement_edits(the_plan, ledger):
    """INI edits for PCI in Placement; raises KollaMultiarchError when turning reporting off after the collection turned it on."""
    wanted = the_plan.get("pci_placement") or {}
    path, section, option = REPORT_IN_PLACEMENT
    edits = []
    if wanted.get("report_in_placement"):
        edits.append({"path": path, "section": section, "option": option, "value": "True", "state": "present"})
    elif option in ((ledger.get("ini") or {}).get(path) or {}).get(section, []):
        raise KollaMultiarchError(
            "kolla_multiarch: %s [%s] %s = True was written by an earlier run and kolla_multiarch_pci_report_in_placement is now false; "
            "nova-compute refuses to start with reporting turned off once it has reported PCI devices to Placement "
            "(nova/compute/pci_placement_translator.py); nothing was written; fix: set kolla_multiarch_pci_report_in_placement: true again"
            % (path, section, option)
        )
    if wanted.get("pci_in_placement"):
        edits.extend({"path": p, "section": "filter_scheduler", "option": "pci_in_placement", "value": "True", "state": "present"}
                     for p in PCI_IN_PLACEMENT_FILES)
    return edits
