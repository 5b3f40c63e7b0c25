"""plugins/plugin_utils/preflight/context.py: findings, the fix split out of a decision's message, host variables."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from playbook_testlib import BINARY, playbook_env

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context, finding, from_message


def test_a_finding_and_its_severity():
    assert finding(None, "x", "found", "fix") == {"host": "-", "check": "x", "found": "found", "fix": "fix", "severity": "error"}
    with pytest.raises(ValueError, match="severity 'fatal'"):
        finding("h", "x", "f", "f", "fatal")


@pytest.mark.parametrize(("message", "found", "fix"), [
    ("host h: bad thing; fix: do this", "host h: bad thing", "do this"),
    ("host h: bad thing. Fix: do that", "host h: bad thing", "do that"),
    ("host h: bad thing", "host h: bad thing", "the default"),
])
def test_from_message_takes_the_messages_own_fix(message, found, fix):
    made = from_message("h", "c", message, "the default")
    assert (made["found"], made["fix"]) == (found, fix)


def test_variables_groups_and_options():
    ctx = Context(["a", "b"], {"a": {"x": 1, "n": None}}, {"g": ["b", "zz"]}, {"o": None, "p": 2})
    assert (ctx.var("a", "x"), ctx.var("a", "n", 5), ctx.var("b", "x", 3)) == (1, 5, 3)
    assert ctx.members(["g", "missing"]) == ["b"] and ctx.option("o", 7) == 7 and ctx.option("p") == 2


def _ansible_sees(tmp_path, name, host_value, globals_value):
    """What ansible-core itself makes of ``name`` on a host that sets it, run the way kolla-ansible runs (-e @globals.yml)."""
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"h1": {"ansible_connection": "local", name: host_value}}}}))
    (tmp_path / "globals.yml").write_text(yaml.safe_dump({name: globals_value} if globals_value is not None else {}))
    proc = subprocess.run([str(BINARY.with_name("ansible")), "-i", str(tmp_path / "hosts.yml"), "h1", "-e", "@%s" % (tmp_path / "globals.yml"),
                           "-m", "ansible.builtin.debug", "-a", "var=%s" % name],
                          env=playbook_env(ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_STDOUT_CALLBACK="minimal"),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.split("=>", 1)[1])[name]


@pytest.mark.parametrize("in_globals", ["eth1", None], ids=["globals-wins", "host-when-globals-is-silent"])
def test_kolla_var_reads_globals_first_as_ansible_does_for_kolla_ansible(tmp_path, in_globals):
    kolla_globals = {"network_interface": in_globals} if in_globals else {}
    ctx = Context(["h1"], {"h1": {"network_interface": "eth0"}}, options={"globals": kolla_globals, "network_interface": "ens3"})
    assert ctx.kolla_var("h1", "network_interface") == _ansible_sees(tmp_path, "network_interface", "eth0", in_globals)
    assert ctx.kolla_var("h2", "network_interface") == (in_globals or "ens3")  # a host without its own value: the run's option
    assert Context(["h1"], {}, options={"globals": ["not", "a", "mapping"]}).kolla_var("h1", "x", "dflt") == "dflt"


@pytest.mark.parametrize("in_globals", ["192.0.2.250", None], ids=["globals-wins", "inventory-when-globals-is-silent"])
def test_option_reads_globals_first_for_kollas_variables_as_ansible_does(tmp_path, in_globals):
    name = "kolla_internal_vip_address"
    kolla_globals = {name: in_globals} if in_globals else {}
    ctx = Context(["h1"], {}, options={"globals": kolla_globals, name: "192.0.2.10", "resolve": "kept"})
    assert ctx.option(name) == _ansible_sees(tmp_path, name, "192.0.2.10", in_globals)
    assert Context([], {}, options={"globals": {"resolve": "ignored"}, "resolve": "kept"}).option("resolve") == "kept"  # not kolla's


def test_the_role_passes_inventory_values_only_and_every_kolla_option_is_one_context_knows():
    """One owner of the precedence: the preflight role passes each kolla variable as the inventory gives it, and the whole
    globals.yml once; Context.option applies globals first (the role's YAML does not)."""
    from conftest import REPO  # noqa: PLC0415

    from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import KOLLA_OPTIONS  # noqa: PLC0415

    options = yaml.safe_load((REPO / "roles" / "preflight" / "vars" / "main.yml").read_text(encoding="utf-8"))["_preflight_options"]
    for name in KOLLA_OPTIONS:
        assert options[name].startswith("{{ %s | default(" % name), name
    assert [name for name, value in options.items() if "_preflight_globals_content" in str(value)] == ["globals"]


def test_runtime_comes_from_the_detect_call_else_the_preflights_own_call_and_pci_from_the_preflight():
    detect, own = {"files": {"detect": True}}, {"files": {"own": True}}
    hostvars = {"a": {"multiarch_host_read": {"runtime": detect}, "_preflight_runtime_info": {"runtime": own}},
                "b": {"multiarch_host_read": {"runtime": None}, "_preflight_runtime_info": {"runtime": own}},
                "c": {"_preflight_runtime_info": {"skipped": True}, "_preflight_pci_info": {"pci": {"devices": []}}}}
    ctx = Context(["a", "b", "c"], hostvars)
    assert (ctx.runtime("a"), ctx.runtime("b"), ctx.runtime("c"), ctx.runtime("nobody")) == (detect, own, None, None)
    assert (ctx.pci("c"), ctx.pci("a")) == ({"devices": []}, None)
