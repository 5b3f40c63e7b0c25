"""The names the documentation gives exist, and a role's documentation names only modules the role runs.

Two defects of issue 12 were documentation that disagreed with the code: kolla_multiarch's
argument_specs said it wrote with community.general.ini_file (it uses ini_batch), and a docstring
named a filter, kolla_multiarch_scheduler_filters, that never existed.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import REPO

FILTERS = {p.stem for p in (REPO / "plugins" / "filter").glob("*.py")}
MODULES = {p.stem for p in (REPO / "plugins" / "modules").glob("*.py")}
ROLES = {p.name for p in (REPO / "roles").iterdir() if p.is_dir()}
PLAYBOOKS = {p.stem for p in (REPO / "playbooks").glob("*.yml")}
FRAGMENTS = {p.stem for p in (REPO / "plugins" / "doc_fragments").glob("*.py")}
# ansible-doc's anchors for roles (R(...) links) and the package paths of the Python code.
KNOWN = FILTERS | MODULES | ROLES | PLAYBOOKS | FRAGMENTS | {"%s_role" % r for r in ROLES} | {"plugins"}

FQCN = re.compile(r"(?<![\w.])multiarch\.kolla\.([a-z][a-z0-9_]*)")
# "filter X", "Filter X", "filter ``X``", "the filters ``X``,\n``Y`` and ``Z``": prose that names our filters.
FILTER_PROSE = re.compile(r"\b[Ff]ilters?\s+((?:`{0,2}[a-z][a-z0-9_]*`{0,2}(?:,\s*|\s+and\s+|\s+or\s+)?)+)")
NAME = re.compile(r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]")
# Jinja's and Ansible's own filters, named in prose next to ours.
BUILTIN_FILTERS = {"from_yaml", "to_json", "from_json", "b64decode", "to_nice_yaml", "to_yaml", "regex_search", "regex_replace"}


def documentation_files():
    for folder in ("docs", "roles", "plugins", "playbooks"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in {".md", ".yml", ".yaml", ".py", ".j2"} and "__pycache__" not in path.parts and path.is_file():
                yield path
    yield REPO / "README.md"


def problems(text, where):
    found = []
    for match in FQCN.finditer(text):
        if match.group(1) not in KNOWN:
            found.append("%s: multiarch.kolla.%s is no module, filter, role, playbook or doc fragment" % (where, match.group(1)))
    for match in FILTER_PROSE.finditer(text):
        for name in NAME.findall(match.group(1)):
            if name not in FILTERS and name not in BUILTIN_FILTERS:
                found.append("%s: names a filter %s that does not exist" % (where, name))
    return found


def test_every_name_the_documentation_gives_exists():
    found = [p for path in documentation_files() for p in problems(path.read_text(encoding="utf-8"), path.relative_to(REPO))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "the filters ``kolla_multiarch_plan``,\n``kolla_multiarch_inventory_groups`` and ``kolla_multiarch_scheduler_filters``",
        "Filters `kolla_multiarch_plan` and `kolla_multiarch_scheduler_filters` decide.",
        "R(multiarch.kolla.kolla_multiarchs,ansible_collections.multiarch.kolla.kolla_multiarch_role)",
    ],
)
def test_the_check_finds_a_name_that_does_not_exist(text):
    assert problems(text, "x")


def role_modules(role):
    """FQCN modules the role's tasks run."""
    names = set()
    for path in (REPO / "roles" / role / "tasks").rglob("*.yml"):
        for task in _tasks(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            names.update(key for key in task if key.count(".") == 2)
    return names


def _tasks(items):
    for item in items:
        if isinstance(item, dict):
            yield item
            for key in ("block", "rescue", "always"):
                yield from _tasks(item.get(key) or [])


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_roles_documentation_names_only_modules_it_runs(role):
    specs = REPO / "roles" / role / "meta" / "argument_specs.yml"
    assert specs.exists(), "%s has no meta/argument_specs.yml" % role
    runs = role_modules(role)
    assert not unrun_modules(specs.read_text(encoding="utf-8"), runs), "%s documents modules it does not run (it runs %s)" % (role, sorted(runs))


def unrun_modules(specs_text, runs):
    """Writing modules a role's argument_specs names, C(ns.coll.module), that its tasks do not run."""
    named = set(re.findall(r"C\(((?:[a-z0-9_]+\.){2}[a-z0-9_]+)\)", specs_text))
    writers = {"multiarch.kolla.%s" % m for m in MODULES} | {
        "community.general.ini_file",
        "ansible.builtin.copy",
        "ansible.builtin.template",
        "ansible.builtin.lineinfile",
    }
    return sorted((named & writers) - runs)


def test_the_role_check_finds_the_old_ini_file_claim():
    old = "Writes into O(kolla_multiarch_custom_config_dir) with C(community.general.ini_file), keeping every other line"
    assert unrun_modules(old, role_modules("kolla_multiarch")) == ["community.general.ini_file"]
