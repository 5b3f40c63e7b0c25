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

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import fail
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.scheduler import SCHEDULER_LAYERS

# The record of what the collection wrote (plugin_utils/kolla/render.py), in kolla's
# custom config dir; a dot file, which kolla-ansible never reads.
LEDGER_NAME = ".multiarch-kolla.json"
VARS_DIRS = ("group_vars", "host_vars")


def paths(config_dir, custom_config_dir, inventory_dir):
    """Absolute paths the role reads: ``{globals, globals_d, layers, ledger, vars_dirs}``."""
    return {
        "globals": os.path.join(config_dir, "globals.yml"),
        "globals_d": os.path.join(config_dir, "globals.d"),
        "layers": [os.path.join(custom_config_dir, rel) for rel in SCHEDULER_LAYERS],
        "ledger": os.path.join(custom_config_dir, LEDGER_NAME),
        "vars_dirs": [os.path.join(inventory_dir, name) for name in VARS_DIRS],
    }


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
