"""Role preflight, run for real with ansible-playbook on local hosts of this machine.

The hosts are this machine under several inventory names (connection local), with the multiarch_host fact
host_facts publishes; the role reads the network facts, the container runtimes and kolla-ansible's globals.yml
for real. Every problem is reported once, in one table, and every host stops; nothing is written anywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys

import yaml
from conftest import REPO
from kollatestlib import fact
from playbook_testlib import BINARY, playbook_env, plays

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import gather
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import libvirt

ROLE = REPO / "roles" / "preflight"
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: The fact host_facts publishes
      ansible.builtin.set_fact:
        multiarch_host: "{{ test_fact }}"

    - ansible.builtin.include_role:
        name: multiarch.kolla.preflight
"""


def run(tmp_path, hosts, *options, **extra):
    """``(rc, plays, output)`` of the role over ``hosts`` ({name: variables}) with the json callback."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    members = {"control": {h: None for h in hosts if h.startswith("ctl")}, "compute": {h: None for h in hosts if not h.startswith("ctl")}}
    inventory = {"all": {"hosts": {name: dict(local, **variables) for name, variables in hosts.items()},
                         "children": {group: {"hosts": names} for group, names in members.items()}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    globals_file = tmp_path / "globals.yml"
    extra = {"preflight_kolla_globals_file": str(globals_file), "preflight_resolve_names": False, **extra}
    (tmp_path / "extra.yml").write_text(yaml.safe_dump(extra))
    proc = subprocess.run([str(BINARY), "-i", str(tmp_path / "hosts.yml"), "-e", f"@{tmp_path / 'extra.yml'}", *options, str(tmp_path / "play.yml")],
                          cwd=str(tmp_path), env=playbook_env(), capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, plays(proc)[0], proc.stdout + proc.stderr


def task(play, name):
    return next(t["hosts"] for t in play["tasks"] if t["task"]["name"].endswith(name))


def machine():
    return {"x86_64": "x86_64", "aarch64": "aarch64"}.get(os.uname().machine, os.uname().machine)


def test_defaults_equal_the_argument_specs():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    assert {name: spec.get("default") for name, spec in options.items()} == defaults


def test_a_clean_host_passes_and_nothing_changes(tmp_path):
    # This machine runs Docker without kubelet: the operator names the driver, as container_runtime asks. It also runs
    # libvirtd on the host (scripts/setup-host), which is nova's libvirt only with enable_nova_libvirt_container: false.
    cx1 = {"test_fact": fact(machine(), kvm=True), "container_runtime_cgroup_driver": "cgroupfs", "enable_nova_libvirt_container": False}
    rc, play, out = run(tmp_path, {"cx1": cx1}, preflight_skip=["versions"], network_interface="lo")
    assert rc == 0, out[-4000:]
    said = task(play, "Say what was checked")["cx1"]["msg"]
    assert said.startswith("preflight: 13 checks over 1 hosts, 0 error(s)") and "skipped: versions" in said
    assert [t["task"]["name"] for t in play["tasks"] if any(r.get("changed") for r in t["hosts"].values())] == []


def test_every_problem_of_every_host_in_one_table_then_every_host_stops(tmp_path):
    (tmp_path / "globals.yml").write_text("kolla_internal_vip_address: 203.0.113.250\nkolla_external_vip_address: 203.0.113.250\n")
    hosts = {"ctl1": {"test_fact": fact(machine())}, "cx1": {"test_fact": fact(machine())},
             "cp1": {"test_fact": fact("ppc64le"), "nova_compute_arch_overrides": {"virt_type": "kvm"}},
             "cz1": {"test_fact": fact("s390x")}}
    rc, play, _out = run(tmp_path, hosts, preflight_skip=["versions"], network_interface="lo")
    assert rc != 0
    failed = task(play, "Stop every host once, with the table, when any finding is an error")
    message = next(iter(failed.values()))["msg"]
    for check, host in (("arch_supported", "cz1"), ("image_source", "cp1"), ("kvm_usable", "cp1"), ("hostnames", "cx1"), ("vip_subnet", "ctl1"),
                        ("runtime_cgroup", "ctl1")):
        rows = [line.split(" | ") for line in message.splitlines() if line.count(" | ") >= 4]
        assert any(row[1].strip() == check and (host == "-" or row[0].strip() == host) for row in rows), (check, message)
    assert message.startswith("preflight: ") and "nothing was changed" in message
    # host_libvirt over what the role read on this machine: each compute host (all of them this machine) gets the
    # rows the check makes of this machine's libvirt, read here by the module's own reader.
    here = libvirt.host_findings("-", gather.gather_runtime(gather.default_paths("/"), timeout=2)["libvirt"])
    rows = [[cell.strip() for cell in line.split(" | ")] for line in message.splitlines() if line.count(" | ") >= 4]
    for name in ("cx1", "cp1", "cz1"):
        assert sorted(row[2] for row in rows if row[:2] == [name, "host_libvirt"]) == sorted(f["severity"] for f in here), (name, message)
    assert not any(t["task"]["name"].endswith("Say what was checked") for t in play["tasks"])  # every host stopped


def test_check_mode_finds_the_same(tmp_path):
    hosts = {"cp1": {"test_fact": fact("ppc64le")}}
    rc, play, _out = run(tmp_path, hosts, preflight_skip=["versions"])
    rc_check, play_check, _out = run(tmp_path, hosts, "--check", preflight_skip=["versions"])
    table = task(play, "Show every finding")["cp1"]["msg"]
    assert rc == rc_check != 0 and task(play_check, "Show every finding")["cp1"]["msg"] == table
