"""Role nova_compute_arch: its interface (defaults, argument_specs) and the one table behind the filter's arguments.

The role runs for real in tests/unit/playbooks/test_site.py and test_site_limit.py (its main entry point on the
play's hosts, its outside entry point for hosts left out by --limit) and in the Molecule scenarios; here its
files are read, so that an argument one path forgets, or an install step outside the play, fails at once.
"""

from __future__ import annotations

import inspect

import yaml
from conftest import REPO

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan

ROLE = REPO / "roles" / "nova_compute_arch"
# Arguments each call sets itself: the host, facts of the host, and the pass (strict, pending installs).
PER_CALL = {"host", "os_family", "strict", "pending_arches"}


def _load(*parts):
    return yaml.safe_load((ROLE.joinpath(*parts)).read_text(encoding="utf-8"))


def _tasks(name):
    return [task for block in _load("tasks", name) for task in block.get("block", [block])]


def test_defaults_equal_the_argument_specs():
    options = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert {name: spec.get("default") for name, spec in options.items()} == _load("defaults", "main.yml")


def test_one_table_maps_every_argument_of_the_filter_to_a_role_variable():
    table = _load("vars", "main.yml")["_nova_compute_arch_arg_vars"]
    keywords = {name for name, p in inspect.signature(compute_arch_plan).parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert set(table) == keywords - PER_CALL
    assert set(table.values()) <= set(_load("defaults", "main.yml"))
    assert all(value == "nova_compute_arch_" + (key if key != "mode" else "emulation_mode") for key, value in table.items())
    # Both entry points call the filter with the arguments built from that table.
    main = [t["ansible.builtin.set_fact"]["_nova_compute_arch_plan"] for t in _tasks("main.yml") + _tasks("decide_again.yml")
            if "_nova_compute_arch_plan" in t.get("ansible.builtin.set_fact", {})]
    assert len(main) == 2 and all("**_nova_compute_arch_args" in call for call in main)
    (decide,) = [t for t in _tasks("outside.yml") if "_nova_compute_arch_outside_plan" in t.get("ansible.builtin.set_fact", {})]
    assert "strict=true, **_nova_compute_arch_outside_args" in decide["ansible.builtin.set_fact"]["_nova_compute_arch_outside_plan"]
    role_vars = _load("vars", "main.yml")
    assert "_nova_compute_arch_arg_vars" in role_vars["_nova_compute_arch_outside_given"]
    assert "_nova_compute_arch_args" in role_vars["_nova_compute_arch_outside_vars"]
    assert decide["vars"]["_nova_compute_arch_outside_host"] == "{{ item }}"


def test_the_outside_entry_point_installs_nothing_and_refuses_with_the_fix():
    tasks = _tasks("outside.yml")
    modules = {key for task in tasks for key in task if key.startswith("ansible.builtin.") or key.startswith("multiarch.kolla.")}
    assert modules == {"ansible.builtin.setup", "ansible.builtin.set_fact", "ansible.builtin.fail"}
    (refusal,) = [task["ansible.builtin.fail"]["msg"] for task in tasks if "ansible.builtin.fail" in task]
    assert "outside --limit" in refusal and "run without --limit, or include" in refusal
    assert all(task.get("delegate_facts") is True for task in tasks if "ansible.builtin.set_fact" in task)
    outside = _load("meta", "argument_specs.yml")["argument_specs"]["outside"]["options"]
    assert set(outside) == {"nova_compute_arch_outside_hosts"} and outside["nova_compute_arch_outside_hosts"]["required"] is True
