"""Role host_facts: its interface (defaults, argument_specs), what it passes to host_arch_info, and its groups.

The role runs in the Molecule scenario host_facts (the lab hosts and this machine);
here its files are read, so that an option the role forgets to pass, or a group the
docs do not name, fails at once.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import REPO

from ansible_collections.multiarch.kolla.plugins.module_utils.host import collect
from ansible_collections.multiarch.kolla.plugins.modules import host_arch_info
from ansible_collections.multiarch.kolla.plugins.plugin_utils import host_groups

ROLE = REPO / "roles" / "host_facts"


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _options():
    return _load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def _detect_task():
    detect = _load(ROLE / "tasks" / "main.yml")[0]
    return next(task for task in detect["block"] if "multiarch.kolla.host_arch_info" in task)


def test_defaults_equal_the_argument_specs():
    defaults = _load(ROLE / "defaults" / "main.yml")
    options = _options()
    assert set(defaults) == set(options)
    assert {name: spec.get("default") for name, spec in options.items()} == defaults


# Options of the detect call that read for the later phases, with the variable each comes from.
READ_FOR_LATER = {
    "gather_subset": "{{ host_facts_gather_subset }}",
    "runtime": "{{ host_facts_read_runtime | bool }}",
    "daemon_json_path": "{{ container_runtime_daemon_json | default(omit) }}",  # the container_runtime role's file
}


def test_every_module_option_is_passed_from_a_role_variable():
    module_options = yaml.safe_load(host_arch_info.DOCUMENTATION)["options"]
    args = _detect_task()["multiarch.kolla.host_arch_info"]
    assert set(args) == set(module_options)
    for option in set(module_options) - set(READ_FOR_LATER):
        assert args[option] == "{{ host_facts_%s }}" % option
    assert {option: args[option] for option in READ_FOR_LATER} == READ_FOR_LATER


def test_what_the_detect_call_reads_for_later_is_what_the_later_phases_skip_on():
    """The fact subsets the role reads by default are the module's choices, and the later phases' own calls are skipped on them."""
    module_options = yaml.safe_load(host_arch_info.DOCUMENTATION)["options"]
    assert _options()["host_facts_gather_subset"]["default"] == module_options["gather_subset"]["choices"]
    assert _options()["host_facts_gather_subset"]["choices"] == module_options["gather_subset"]["choices"]
    read = next(t for t in _load(ROLE / "tasks" / "main.yml")[0]["block"] if "multiarch_host_read" in t.get("ansible.builtin.set_fact", {}))
    assert read["ansible.builtin.set_fact"]["multiarch_host_read"] == {
        "gather_subset": "{{ host_facts_gather_subset if _host_facts_fresh else [] }}",
        "runtime": "{{ _host_facts_detected.runtime | default(none) if _host_facts_fresh else none }}"}
    assert "cacheable" not in read["ansible.builtin.set_fact"]  # never cached: a later run must read again
    cached = [t["ansible.builtin.set_fact"] for t in _load(ROLE / "tasks" / "main.yml")[0]["block"] if "cacheable" in t.get("ansible.builtin.set_fact", {})]
    assert [sorted(facts) for facts in cached] == [["cacheable", "multiarch_groups", "multiarch_host"]]
    preflight = ROLE.parent / "preflight"
    reads = _load(preflight / "tasks" / "read.yml")
    assert next(t for t in reads if "ansible.builtin.setup" in t)["when"] == "_preflight_read_network | bool"
    assert next(t for t in reads if "multiarch.kolla.container_runtime_info" in t)["when"] == "_preflight_read_runtime | bool"
    read_when = _load(preflight / "vars" / "main.yml")
    assert "'network' not in (multiarch_host_read.gather_subset | default([]))" in read_when["_preflight_read_network"]
    assert "multiarch_host_read.runtime | default(none) is none" in read_when["_preflight_read_runtime"]
    include = next(t for t in _load(preflight / "tasks" / "main.yml")[0]["block"] if "ansible.builtin.include_tasks" in t)
    assert include["ansible.builtin.include_tasks"]["file"] == "read.yml"
    assert all("_preflight_read_%s | bool" % kind in include["when"] for kind in ("network", "runtime", "pci"))


def test_libvirt_timeout_default_is_the_modules():
    spec = _options()["host_facts_libvirt_timeout"]
    assert spec["type"] == "float" and spec["default"] == collect.DEFAULT_LIBVIRT_TIMEOUT
    assert "0" in " ".join(spec["description"]) and "QEMU" in " ".join(spec["description"])


def test_the_groups_the_role_documents_are_the_decisions():
    text = " ".join(_load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["description"])
    for group in (host_groups.KVM_GROUP, host_groups.TCG_GROUP, host_groups.KVM_UNKNOWN_GROUP):
        assert "C(%s)" % group in text, group


def test_phases_are_tagged():
    tasks = _load(ROLE / "tasks" / "main.yml")
    assert [task["tags"] for task in tasks] == [["host_facts", "host_facts_detect"], ["host_facts", "host_facts_group"]]


def _outside_read_task():
    read = _load(ROLE / "tasks" / "outside.yml")[0]
    return next(task for task in read["block"] if "multiarch.kolla.host_arch_info" in task)


def test_the_outside_entry_point_reads_each_host_with_its_own_variables_read_only():
    task = _outside_read_task()
    module_options = yaml.safe_load(host_arch_info.DOCUMENTATION)["options"]
    args = task["multiarch.kolla.host_arch_info"]
    assert set(args) == set(module_options) - set(READ_FOR_LATER)  # the render needs multiarch_host alone
    for option in args:  # delegated tasks template with the current host's variables: the host's own come from hostvars
        assert args[option] == "{{ hostvars[item].host_facts_%s | default(host_facts_%s) }}" % (option, option)
    assert task["delegate_to"] == "{{ item }}" and task["ignore_unreachable"] is True
    assert "supports_check_mode=True" in Path(host_arch_info.__file__).read_text(encoding="utf-8")  # read-only, runs under --check
    outside = _load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["outside"]["options"]
    assert outside == {"host_facts_outside_hosts": {"type": "list", "elements": "str", "required": True,
                                                    "description": outside["host_facts_outside_hosts"]["description"]}}


def test_the_outside_entry_point_sets_only_the_public_facts_and_caches_nothing():
    tasks = [task for block in _load(ROLE / "tasks" / "outside.yml") for task in block["block"]]
    set_facts = [task["ansible.builtin.set_fact"] for task in tasks if "ansible.builtin.set_fact" in task]
    assert [sorted(facts) for facts in set_facts] == [["multiarch_host"], ["multiarch_groups"]]
    assert all(task.get("delegate_facts") is True for task in tasks if "ansible.builtin.set_fact" in task)
    assert [block["tags"] for block in _load(ROLE / "tasks" / "outside.yml")] == [["host_facts", "host_facts_detect"], ["host_facts", "host_facts_group"]]
