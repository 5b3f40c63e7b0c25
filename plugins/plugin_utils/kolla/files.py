# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files role ``kolla_multiarch`` reads before it decides, and what they hold.

Controller side, behind the filters ``kolla_multiarch_paths`` (what to read) and
``kolla_multiarch_inputs`` (the texts read, parsed and sorted by use). A file
that cannot be parsed stops the role with its path and the fix, before anything
is written.
"""

import json
import os

import yaml

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError, fail
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import SCHEDULER_LAYERS

# The record of what the collection wrote (plugin_utils/kolla/render.py), in kolla's
# custom config dir; a dot file, which kolla-ansible never reads.
LEDGER_NAME = ".multiarch-kolla.json"
# The arch groups, written next to the operator's inventory in the inventory dir.
GROUPS_FILE = "multiarch-groups.yml"
VARS_DIRS = ("group_vars", "host_vars")
# What Ansible skips when an inventory is a directory, as kolla-ansible's -i <dir> reads it
# (ansible-core 2.19 lib/ansible/inventory/manager.py IGNORED: hidden files always, and the
# default INVENTORY_IGNORE_EXTS, constants.REJECT_EXTS + .orig, .cfg, .retry).
_IGNORED_EXTS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry")


def _source_problem(name):
    if not name:
        return "has no file name"
    if name.startswith("."):
        return "is a hidden file, and Ansible skips hidden files in an inventory dir"
    for ext in _IGNORED_EXTS:
        if name.endswith(ext):
            return "ends in %s, and Ansible ignores files ending in %s in an inventory dir" % (ext, ext)
    if name in (GROUPS_FILE, *VARS_DIRS):
        return "is named %s, and the role writes that file of the inventory dir itself" % name
    return None


def _source(inventory_source, inventory_dir):
    """``{source_copy, source_in_dir}``: the name the operator's inventory gets in the inventory dir (None when it lives there)."""
    name = os.path.basename(inventory_source)
    why = _source_problem(name)
    if why:
        raise KollaMultiarchError(
            "kolla_multiarch: kolla_multiarch_inventory_source=%s %s; kolla-ansible reads the inventory dir %s, so your groups would be "
            "lost; nothing was written; fix: rename the file (e.g. multinode) and point kolla_multiarch_inventory_source at it"
            % (inventory_source, why, inventory_dir)
        )
    inside = os.path.normpath(os.path.dirname(inventory_source)) == os.path.normpath(inventory_dir)
    return {"source_copy": None if inside else name, "source_in_dir": inside}


def _inside(path, directory):
    """``path`` is ``directory`` or lies under it (both normalised)."""
    path, directory = os.path.normpath(path), os.path.normpath(directory)
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def dir_problems(config_dir, custom_config_dir, inventory_dir):
    """What is wrong with the three directories of the role, one sentence each (empty: nothing).

    A ``..`` component makes the role read and write somewhere else than the name says; a control
    character (a line break) is no path an operator means. The inventory dir must not hold the config
    dirs: kolla-ansible runs ``ansible-playbook -i <inventory dir>``, and ansible-core reads every file
    under an inventory dir as an inventory source (ansible-core 2.19 lib/ansible/inventory/manager.py:
    ``InventoryManager.parse_source`` descends into every subdirectory), globals.yml and passwords.yml included.
    """
    given = (("kolla_multiarch_config_dir", config_dir), ("kolla_multiarch_custom_config_dir", custom_config_dir),
             ("kolla_multiarch_inventory_dir", inventory_dir))
    problems = []
    for var, value in given:
        text = str(value)
        if not text.strip():
            problems.append("%s is empty; fix: give the directory's absolute path" % var)
        elif any(ord(char) < 32 or ord(char) == 127 for char in text):
            problems.append("%s=%r holds a control character (a line break?); fix: give the directory's path on one line" % (var, text))
        elif ".." in text.split("/"):
            problems.append("%s=%s has a '..' component, so the role would read and write in %s instead; fix: give the path without '..'"
                            % (var, text, os.path.normpath(text)))
    if problems:
        return problems
    for var, value in given[:2]:
        if _inside(value, inventory_dir):
            problems.append("kolla_multiarch_inventory_dir=%s is or holds %s=%s, and kolla-ansible would read every file there (globals.yml, "
                            "passwords.yml, the config overrides) as an inventory; fix: give the inventory a directory of its own, such "
                            "as %s/inventory" % (inventory_dir, var, value, os.path.normpath(str(config_dir))))
    return problems


def paths(config_dir, custom_config_dir, inventory_dir, inventory_source=None):
    """Absolute paths the role reads: ``{globals, globals_d, layers, ledger, vars_dirs}``.

    With ``inventory_source`` (the operator's inventory file) also ``source_copy``, the
    name its copy gets in the inventory dir (None when the file lives there), and
    ``source_in_dir``; a name kolla-ansible would not read there raises KollaMultiarchError,
    and so do directories ``dir_problems`` names.
    """
    problems = dir_problems(config_dir, custom_config_dir, inventory_dir)
    if problems:
        fail(problems, "kolla_multiarch: the directories are unsafe; nothing was written")
    where = {
        "globals": os.path.join(config_dir, "globals.yml"),
        "globals_d": os.path.join(config_dir, "globals.d"),
        "layers": [os.path.join(custom_config_dir, rel) for rel in SCHEDULER_LAYERS],
        "ledger": os.path.join(custom_config_dir, LEDGER_NAME),
        "vars_dirs": [os.path.join(inventory_dir, name) for name in VARS_DIRS],
    }
    if inventory_source is not None:
        where.update(_source(inventory_source, inventory_dir))
    return where


def _yaml(text, path, problems):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.append("%s is not valid YAML (%s); fix the file" % (path, " ".join(str(exc).split())))
        return None


def _under(path, directory):
    return os.path.dirname(path) == directory.rstrip("/")


def inputs(contents, config_dir, custom_config_dir, inventory_dir):
    """Sort the texts read (``{absolute path: text}``) by use, parsed.

    Returns ``{globals: {path: data}, layers: {relative path: text}, vars: {relative path: data}, ledger: data or None}``;
    ``vars`` paths are relative to the inventory dir, ``layers`` to the custom config dir. ``globals`` is in
    kolla-ansible's order, later winning: globals.yml, then the globals.d files by name (each one an ``-e @file``).
    """
    where = paths(config_dir, custom_config_dir, inventory_dir)
    result = {"globals": {}, "layers": {}, "vars": {}, "ledger": None}
    problems = []
    layers = dict(zip(where["layers"], SCHEDULER_LAYERS))
    contents = contents or {}
    ordered = ([where["globals"]] if where["globals"] in contents else []) + sorted(p for p in contents if p != where["globals"])
    for path in ordered:
        text = contents[path]
        if path in layers:
            result["layers"][layers[path]] = text
        elif path == where["ledger"]:
            try:
                result["ledger"] = json.loads(text)
            except ValueError as exc:
                problems.append("%s is not the JSON this role writes (%s); fix: remove it and run again" % (path, exc))
        elif path == where["globals"] or _under(path, where["globals_d"]):
            result["globals"][path] = _yaml(text, path, problems)
        elif any(_under(path, d) for d in where["vars_dirs"]):
            result["vars"][os.path.relpath(path, inventory_dir)] = _yaml(text, path, problems)
    if problems:
        fail(problems, "kolla_multiarch: files kolla-ansible reads cannot be parsed; nothing was written")
    return result
