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


def test_every_module_option_is_passed_from_a_role_variable():
    module_options = yaml.safe_load(host_arch_info.DOCUMENTATION)["options"]
    args = _detect_task()["multiarch.kolla.host_arch_info"]
    assert set(args) == set(module_options)
    for option in module_options:
        assert args[option] == "{{ host_facts_%s }}" % option


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
