"""Checks shared by the tests of the filter shims in plugins/filter/.

A shim is one line over plugins/plugin_utils: ``filter_plugin`` loads it as Ansible
does (the plugin's ``FilterModule``), ``filter_docs`` reads its adjacent
``<name>.yml``, and ``check_documented_options`` compares DOCUMENTATION.options
(less ``_input``) with the parameters the filter function accepts: the same names,
the positional ones in order, the same defaults. ``through_ansible`` calls a filter
by its FQCN in a real ``ansible`` run, as a role does.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import COLLECTIONS_ROOT, REPO

FILTER_DIR = REPO / "plugins" / "filter"
# Documented "no value" defaults that a function spells None.
_EMPTY = ({}, [], "")


def filter_plugin(name):
    """The function the collection's filter plugin ``name`` gives Ansible; its FilterModule offers exactly that filter."""
    module = importlib.import_module("ansible_collections.multiarch.kolla.plugins.filter.%s" % name)
    filters = module.FilterModule().filters()
    assert list(filters) == [name], "plugins/filter/%s.py offers %s" % (name, sorted(filters))
    return filters[name]


def filter_docs(name):
    """DOCUMENTATION, EXAMPLES and RETURN of plugins/filter/<name>.yml."""
    docs = yaml.safe_load((FILTER_DIR / ("%s.yml" % name)).read_text())
    assert docs["DOCUMENTATION"]["name"] == name
    assert docs["RETURN"]["_value"]["description"]
    assert docs["EXAMPLES"].strip()
    return docs


def _same_default(documented, actual):
    if isinstance(actual, tuple):
        actual = list(actual)  # YAML has lists only
    if documented == actual and type(documented) is type(actual):
        return True
    return actual is None and documented in _EMPTY


def check_documented_options(name, function=None):
    """DOCUMENTATION.options of ``name`` (less ``_input``) are exactly the parameters of the filter after its input.

    ``function``: what to compare with (default: the function the plugin gives
    Ansible). Positional options (DOCUMENTATION.positional) must be the first
    parameters, in order, and passable by position; a required option has no default;
    an optional one's documented default must be the parameter's (an empty dict, list
    or string may be spelled None), and without one it must default to None. Returns
    the documentation.
    """
    docs = filter_docs(name)
    options = docs["DOCUMENTATION"]["options"]
    params = list(inspect.signature(function or filter_plugin(name)).parameters.values())
    assert options["_input"].get("required") is True, name
    accepted = {p.name: p for p in params[1:]}
    assert set(options) - {"_input"} == set(accepted), "%s: documented %s, accepted %s" % (name, sorted(set(options) - {"_input"}), sorted(accepted))
    positional = [p.strip() for p in docs["DOCUMENTATION"].get("positional", "_input").split(",")]
    assert positional[0] == "_input", name
    assert [p.name for p in params[1 : len(positional)]] == positional[1:], name
    for param in params[: len(positional)]:
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, "%s: %s cannot be given by position" % (name, param.name)
    for option, spec in options.items():
        if option == "_input":
            continue
        default = accepted[option].default
        if spec.get("required"):
            assert default is inspect.Parameter.empty and "default" not in spec, "%s: option %s is documented as required but has a default" % (name, option)
            continue
        assert default is not inspect.Parameter.empty, "%s: option %s is documented as optional but is required" % (name, option)
        if "default" in spec:
            assert _same_default(spec["default"], default), "%s: %s documented default %r, function default %r" % (name, option, spec["default"], default)
        else:
            assert default is None, "%s: %s defaults to %r, undocumented" % (name, option, default)
    return docs


def through_ansible(expression, variables, inventory=None):
    """Template ``expression`` (Jinja, without braces) in an ``ansible localhost`` run with ``variables`` as extra vars
    (and ``inventory`` as its inventory when given, else the repository's ansible.cfg's).

    Returns the debug task's result for localhost: ``msg`` is the value, or ``failed``
    and ``msg`` the error Ansible reports (a filter error fails the task, no traceback).
    """
    binary = Path(sys.executable).with_name("ansible")
    if not binary.exists():
        pytest.skip("ansible is not installed next to %s" % sys.executable)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="false",
    )
    args = json.dumps({"msg": "{{ %s }}" % expression})
    proc = subprocess.run(
        [str(binary), *(["-i", inventory] if inventory else []), "localhost", "-c", "local", "-m", "ansible.builtin.debug", "-a", args,
         "-e", json.dumps(variables)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        pytest.fail("ansible gave no JSON result (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return None  # unreachable
