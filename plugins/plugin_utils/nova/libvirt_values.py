# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``[libvirt]`` values nova reads back as they were meant: one line, list items without commas, names by a safe pattern.

Controller side, used by ``nova/libvirt.py``. Each function returns why a value cannot
be written (a phrase), or None. The line breaks are the INI writer's one set
(``module_utils/ini_batch.py``: every separator of ``str.splitlines``); what oslo.config
would read differently follows nova 34's option types (nova/conf/libvirt.py): ``cpu_models``,
``cpu_model_extra_flags`` and ``hw_machine_type`` are ListOpts (oslo_config.types.List
splits on every comma, its String items lose surrounding quotes and whitespace),
``num_pcie_ports`` an IntOpt. The unit tests read every accepted value back with nova's
own option definitions.
"""

import re

from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import line_break, value_problem

# CPU model names as QEMU (-cpu help) and libvirt's CPU map spell them: Skylake-Client-IBRS, cortex-a57,
# POWER9, power9_v2.2, power7+ (the unit tests check both lists). Used with fullmatch, as the others.
CPU_MODEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
# nova cpu_model_extra_flags: a CPU feature name, optionally prefixed + (require) or - (disable).
FLAG_RE = re.compile(r"[+-]?[A-Za-z0-9][A-Za-z0-9_.-]*")
# QEMU machine type names (pc-q35-7.2, virt-7.2, pseries, s390-ccw-virtio).
MACHINE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Python's int() also reads " 8", "1_0" and non-ASCII digits; the text written must be plain ASCII digits.
DIGITS_RE = re.compile(r"[0-9]+")


def line_break_in(value):
    """The first line break in any string of ``value`` (lists, tuples, dict keys and values included), or None."""
    if isinstance(value, dict):
        items = [i for pair in value.items() for i in pair]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    for item in items:
        found = line_break_in(item) if isinstance(item, (dict, list, tuple)) else (line_break(item) if isinstance(item, str) else None)
        if found is not None:
            return found
    return None


def list_items(value):
    """``(items, problem)``: a list, or a comma-separated string, as stripped non-empty items; ``problem`` when it cannot be one."""
    if value is None:
        return [], None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()], None
    if not isinstance(value, (list, tuple)):
        return [], "give a list or a comma-separated string"
    items = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return [], "every item must be a non-empty string"
        if "," in item:
            return [], "item %r holds a comma, which nova's list option reads as two items; give them as two items" % (item,)
        items.append(item.strip())
    return items, None


def model_problem(model):
    """Why ``model`` is not a CPU model name, or None."""
    if CPU_MODEL_RE.fullmatch(model):
        return None
    return "%r is not a CPU model name (letters, digits, '_', '.', '+' and '-', as QEMU and libvirt name models)" % (model,)


def flag_problem(flag):
    """Why ``flag`` is not a CPU flag ([+|-]name), or None."""
    return None if FLAG_RE.fullmatch(flag) else "%r is not a CPU flag ([+|-]name)" % (flag,)


def machine_problem(machine):
    """Why ``machine`` is not a machine type name, or None."""
    return None if isinstance(machine, str) and MACHINE_RE.fullmatch(machine) else "%r is not a machine type name" % (machine,)


def count_problem(value):
    """Why ``value`` is not a count nova's IntOpt reads as written (an int, or ASCII digits), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not DIGITS_RE.fullmatch(value)):
        return "give an integer"
    return None


def rendered_problem(text):
    """Why ``text`` cannot be one INI value oslo.config reads back unchanged (module_utils/ini_batch.py), or None."""
    mark = line_break(text)
    if mark is not None:
        return "%r holds a line break (%r); an INI value is one line" % (text, mark)
    return value_problem(text)
