# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova-scheduler's ``[filter_scheduler] enabled_filters``: the operator's list plus the filters PCI passthrough needs.

Controller side. kolla-ansible builds nova-scheduler's nova.conf by merging, later
files winning key by key (kolla-ansible 23, ansible/roles/nova/tasks/config.yml,
merge_configs sources): ``<node_custom_config>/global.conf``, ``nova.conf``,
``nova/nova-scheduler.conf``, then the per-host files. The operator's list is the
value of the last of the first three that sets it (nova's default when none
does). The collection writes the whole list into ``nova/nova-scheduler.conf``
only while PCI aliases are in use, and remembers in its ledger what it wrote and
what that file held before, so that it can give the operator's value back when
PCI passthrough is no longer asked for.
"""

import configparser

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

PCI_FILTER = "PciPassthroughFilter"
# nova 34 [filter_scheduler] enabled_filters default (nova/conf/scheduler.py).
NOVA_DEFAULT_FILTERS = (
    "ComputeFilter",
    "ComputeCapabilitiesFilter",
    "ImagePropertiesFilter",
    "ServerGroupAntiAffinityFilter",
    "ServerGroupAffinityFilter",
)
# The files kolla-ansible merges for nova-scheduler before the per-host ones, lowest first.
SCHEDULER_LAYERS = ("global.conf", "nova.conf", "nova/nova-scheduler.conf")
# The one the collection writes the list into.
OWNED_PATH = SCHEDULER_LAYERS[-1]
SECTION, OPTION = "filter_scheduler", "enabled_filters"
# A section name no INI file has: oslo.config gives [DEFAULT] keys to no other group.
_NO_DEFAULT_SECTION = "\0multiarch.kolla: no default section"


class SchedulerConfigError(AnsibleFilterError):
    """An override file kolla-ansible would merge cannot be read."""


def enabled_filters_in(conf_text, path):
    """``[filter_scheduler] enabled_filters`` of an INI text (None when unset or no text).

    As oslo.config reads it: ``[DEFAULT]`` is a section of its own (configparser
    would otherwise offer its keys in every section), option names are case-sensitive,
    section names are not (oslo.config lower-cases group names, oslo_config/cfg.py
    ``_normalize_group_name``), and the last value in the file wins.
    """
    if not conf_text:
        return None
    parser = configparser.RawConfigParser(strict=False, interpolation=None, default_section=_NO_DEFAULT_SECTION)
    parser.optionxform = str
    try:
        parser.read_string(to_text(conf_text))
    except configparser.Error as exc:
        raise SchedulerConfigError(
            "%s cannot be read as INI (%s); fix the file, kolla-ansible merges it into nova-scheduler's nova.conf" % (path, exc)
        ) from None
    value = None
    for section in parser.sections():
        if section.lower() == SECTION and parser.has_option(section, OPTION):
            value = parser.get(section, OPTION)
    return value


def filter_list(value):
    """A comma-separated filter list as a list of names (empty names dropped)."""
    return [f.strip() for f in to_text(value).split(",") if f.strip()]


def with_filters(current, required):
    """``current`` (a value or None for nova's default) with ``required`` appended where missing, comma-joined."""
    filters = filter_list(current) if current is not None and to_text(current).strip() else list(NOVA_DEFAULT_FILTERS)
    for name in required:
        if name not in filters:
            filters.append(name)
    return ",".join(filters)


def operator_value(layers, ledger_entry):
    """The operator's own list: the highest layer that sets one, seeing through what the collection wrote.

    ``layers``: ``{path relative to the config dir: text or None}``. ``ledger_entry``:
    what the collection wrote last time (``{written, operator}``) or None. When
    nova/nova-scheduler.conf still holds exactly what the collection wrote, the
    value the operator had there before counts instead.
    """
    # Every layer is read, so that a file kolla-ansible cannot merge is named even under one that sets the list.
    values = {path: enabled_filters_in((layers or {}).get(path), path) for path in SCHEDULER_LAYERS}
    for path in reversed(SCHEDULER_LAYERS):
        value = values[path]
        if path == OWNED_PATH and ledger_entry and value == ledger_entry.get("written"):
            value = ledger_entry.get("operator")
        if value is not None:
            return value
    return None


def scheduler_edit(layers, ledger_entry, required):
    """``(edit or None, new ledger entry or None)`` for nova/nova-scheduler.conf.

    ``required``: filters the cloud needs (``[PCI_FILTER]`` while aliases exist, else
    empty). With filters required, the whole list is written and the ledger keeps
    what the file held before. Without, a list the collection wrote is replaced by
    the operator's earlier value (or removed when there was none); a list the
    operator changed since is left alone.
    """
    current = enabled_filters_in((layers or {}).get(OWNED_PATH), OWNED_PATH)
    ours = bool(ledger_entry) and current == ledger_entry.get("written")
    if required:
        value = with_filters(operator_value(layers, ledger_entry), required)
        before = ledger_entry.get("operator") if ours else current
        return _edit(value), {"path": OWNED_PATH, "written": value, "operator": before}
    if not ours:
        return None, None
    before = ledger_entry.get("operator")
    return _edit(before), None


def _edit(value):
    edit = {"path": OWNED_PATH, "section": SECTION, "option": OPTION}
    if value is None:
        edit.update(value=None, state="absent")
    else:
        edit.update(value=value, state="present")
    return edit
