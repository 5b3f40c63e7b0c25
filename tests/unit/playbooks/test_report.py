"""playbooks/report.yml, run for real with ansible-playbook over local hosts (connection local).

Four hosts carry the facts the roles publish (report_testlib's real mixed fleet, in the
inventory's host_vars); ``new1`` has none, so play 1 detects it for real with host_facts
(QEMU probe, no libvirt). The map must be written next to the inventory as three 0644 files,
a second run must change nothing, --check must write nothing, facts in the fact cache must be
reused, a host whose detection fails must still be a row, and a refusal must write nothing.
"""

from __future__ import annotations

import json
import os
import platform
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import COLLECTIONS_ROOT, REPO
from kollatestlib import fact, fingerprint
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.capability_map import capability_map
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import UNREACHABLE

BINARY = Path(sys.executable).with_name("ansible-playbook")
PLAYBOOK = REPO / "playbooks" / "report.yml"
FILES = ("capability-map.md", "capability-map.json", "capability-map.html")
LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}


class Inventory:
    """An inventory directory under ``tmp_path``: hosts.yml and one host_vars file per host with facts."""

    def __init__(self, tmp_path, hostvars, hosts):
        self.tmp = tmp_path
        self.dir = tmp_path / "inventory"
        (self.dir / "host_vars").mkdir(parents=True)
        inventory = {host: dict(LOCAL) for host in hosts}
        if "new1" in inventory:
            inventory["new1"]["host_facts_use_libvirt"] = False  # detected for real, by the QEMU probe
        (self.dir / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": inventory}}, sort_keys=False))
        for host, variables in hostvars.items():
            facts = {key: value for key, value in variables.items() if key.startswith("multiarch_")}
            if facts:
                (self.dir / "host_vars" / ("%s.yml" % host)).write_text(yaml.safe_dump(facts))
        (tmp_path / "extra.yml").write_text(yaml.safe_dump({"kolla_multiarch_image_sources": PPC_REGISTRY}))

    def run(self, *options, env=None):
        """``(exit code, output)`` of ansible-playbook report.yml over this inventory."""
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                           ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env or {}))
        proc = subprocess.run(
            [str(BINARY), "-i", str(self.dir / "hosts.yml"), "-e", "@%s" % (self.tmp / "extra.yml"), *options, str(PLAYBOOK)],
            cwd=str(self.tmp), env=environment, capture_output=True, text=True, timeout=600, check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr

    def rows(self, where=None):
        return {row["host"]: row for row in json.loads(((where or self.dir) / "capability-map.json").read_text())["hosts"]}


def _detected_hosts(out):
    """The hosts host_arch_info ran on (the task's ok lines)."""
    task = out.split("TASK [multiarch.kolla.host_facts : Read the host with host_arch_info]", 1)
    if len(task) == 1:
        return []
    lines = task[1].split("TASK [", 1)[0].splitlines()
    return [line.split("[", 1)[1].split("]", 1)[0] for line in lines if line.startswith(("ok: [", "changed: ["))]


def test_the_map_is_written_next_to_the_inventory_then_a_second_run_changes_nothing(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, hostvars, hosts)
    os.chmod(inventory.dir, 0o750)
    rc, out = inventory.run()
    assert rc == 0, out
    assert stat.S_IMODE(inventory.dir.stat().st_mode) == 0o750  # an existing directory keeps its mode
    assert _detected_hosts(out) == ["new1"]  # the hosts with facts are not detected again
    for name in FILES:
        assert stat.S_IMODE((inventory.dir / name).stat().st_mode) == 0o644
    rows = inventory.rows()
    assert list(rows) == HOSTS
    # The four hosts with facts: exactly the filter's rows over the same facts.
    expected = capability_map(hostvars, hosts, PPC_REGISTRY)["rows"]
    assert [rows[row["host"]] for row in expected[:4]] == expected[:4]
    # new1 was detected on this machine.
    assert rows["new1"]["detected"] is True and rows["new1"]["arch"] == canonical_arch(platform.machine())
    markdown = (inventory.dir / "capability-map.md").read_text()
    assert "Capability map: %s/capability-map.{md,json,html} (changed: capability-map.md, capability-map.json, capability-map.html)" % inventory.dir in out
    for line in markdown.splitlines()[4:]:
        assert line in out  # the table is printed
    assert (inventory.dir / "capability-map.html").read_text().startswith("<!DOCTYPE html>")

    before = fingerprint(inventory.dir)
    rc, out = inventory.run()
    assert rc == 0 and "(unchanged)" in out, out
    assert "localhost                  : ok=5    changed=0" in out
    assert fingerprint(inventory.dir) == before


def test_check_mode_writes_nothing_and_says_what_would_change(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, hostvars, hosts)
    before = fingerprint(inventory.dir)
    elsewhere = tmp_path / "reports" / "today"
    rc, out = inventory.run("--check", "--diff", "-e", "multiarch_report_dir=%s" % elsewhere)
    assert rc == 0, out
    assert "would change: capability-map.md, capability-map.json, capability-map.html; check mode, nothing written" in out
    assert fingerprint(inventory.dir) == before
    assert not (tmp_path / "reports").exists()


def test_a_report_dir_that_does_not_exist_is_created(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, {h: hostvars[h] for h in ("ca1", "cp1")}, ["ca1", "cp1"])
    created = tmp_path / "reports" / "today"
    rc, out = inventory.run("-e", "multiarch_report_dir=%s" % created)
    assert rc == 0, out
    assert stat.S_IMODE(created.stat().st_mode) == 0o755 and list(inventory.rows(created)) == ["ca1", "cp1"]
    assert not (inventory.dir / "capability-map.md").exists()


CACHE_FACT = """
- hosts: new1
  gather_facts: false
  tasks:
    - ansible.builtin.set_fact:
        multiarch_host: "{{ cached }}"
        cacheable: true
"""


def test_facts_in_the_fact_cache_are_used_as_they_are(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, {"ca1": hostvars["ca1"]}, ["ca1", "new1"])
    cache = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "facts")}
    # An earlier run left new1's fact in the fact cache (as host_facts does with host_facts_cacheable).
    _write(tmp_path / "cached.yml", {"cached": fact("ppc64le", kvm=True)})
    (tmp_path / "cache.yml").write_text(CACHE_FACT)
    proc = subprocess.run([str(BINARY), "-i", str(inventory.dir / "hosts.yml"), "-e", "@%s" % (tmp_path / "cached.yml"), str(tmp_path / "cache.yml")],
                          cwd=str(tmp_path), env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), **cache), capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0 and list((tmp_path / "facts").iterdir()), proc.stdout + proc.stderr
    rc, out = inventory.run(env=cache)
    assert rc == 0, out
    assert _detected_hosts(out) == []
    assert inventory.rows()["new1"]["arch"] == "ppc64le"  # the cached fact, not this machine


def test_a_host_whose_detection_fails_is_a_row_that_says_so(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, {"ca1": hostvars["ca1"]}, ["ca1", "new1"])
    rc, out = inventory.run("-e", "@%s" % _write(tmp_path / "broken.yml", {"host_facts_libvirt_timeout": "not a number"}))
    assert rc == 2, out  # the failed host is reported ...
    rows = inventory.rows()  # ... and the map is written all the same
    assert rows["ca1"]["detected"] is True
    assert rows["new1"]["detected"] is False and rows["new1"]["notes"] == [UNREACHABLE]  # it dropped out of this run


def _write(path, variables):
    path.write_text(yaml.safe_dump(variables))
    return path


def test_refusals_name_the_fix_and_write_nothing(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    inventory = Inventory(tmp_path, hostvars, hosts)
    before = fingerprint(inventory.dir)
    bad = _write(tmp_path / "bad.yml", {"kolla_multiarch_image_sources": {"aarch64": {"registry": "https://mirror.example.com/kolla"}}})
    rc, out = inventory.run("-e", "@%s" % bad)
    assert rc == 2 and "kolla_multiarch_image_sources.aarch64.registry='https://mirror.example.com/kolla'" in out, out
    rc, out = inventory.run("-e", "multiarch_hosts=nothing_matches")
    assert rc == 2 and "no host matches multiarch_hosts=nothing_matches" in out, out
    rc, out = inventory.run("-e", "multiarch_report_dir=reports/today")
    assert rc == 2 and "multiarch_report_dir=reports/today is not an absolute path" in out, out
    assert not (tmp_path / "reports").exists() and not (REPO / "playbooks" / "reports").exists()
    assert fingerprint(inventory.dir) == before


def test_a_host_list_has_no_inventory_dir_so_the_dir_must_be_given(tmp_path):
    facts = _write(tmp_path / "facts.yml", {"multiarch_host": fact("aarch64"), **LOCAL})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = [str(BINARY), "-i", "ca1,", "-e", "@%s" % facts, str(PLAYBOOK)]
    proc = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 2 and "comes from no inventory directory" in proc.stdout and "give multiarch_report_dir" in proc.stdout, proc.stdout
    proc = subprocess.run([*command[:-1], "-e", "multiarch_report_dir=%s" % (tmp_path / "out"), command[-1]], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads((tmp_path / "out" / "capability-map.json").read_text())["hosts"][0]["arch"] == "aarch64"
