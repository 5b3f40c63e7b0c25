"""Playbook site.yml, run for real with ansible-playbook on this machine as a one-host cloud.

The host (connection local) is kolla-ansible's control and compute host; every phase runs for real: detect
(host_arch_info on this machine), preflight, nova_compute, kolla_render into tmp dirs and the capability map.
This machine's own Docker is left alone (multiarch_container_runtime_hosts names no host). Oracles: a --check
run reports the same changed tasks as the real run that follows, and a second real run changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from conftest import REPO
from playbook_testlib import BINARY, playbook_env, plays

PLAYBOOKS = ("site.yml", "preflight.yml", "report.yml")


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_the_playbooks_parse(playbook, tmp_path):
    (tmp_path / "hosts").write_text("[compute]\ncx1 ansible_connection=local\n")
    proc = subprocess.run([str(BINARY), "--syntax-check", "-i", str(tmp_path / "hosts"), str(REPO / "playbooks" / playbook)],
                          env=playbook_env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


class Site:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        (tmp_path / "inventory").mkdir()
        (tmp_path / "kolla" / "config").mkdir(parents=True)
        (tmp_path / "multinode").write_text("[control]\ncx1\n[compute]\ncx1\n")
        hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
                         "children": {"compute": {"hosts": {"cx1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}}}
        (tmp_path / "hosts.yml").write_text(yaml.safe_dump(hosts))
        extra = {"multiarch_container_runtime_hosts": "nobody", "container_runtime_cgroup_driver": "cgroupfs", "network_interface": "lo",
                 "preflight_skip": ["versions"], "preflight_resolve_names": False, "preflight_kolla_globals_file": str(tmp_path / "globals.yml"),
                 "kolla_multiarch_inventory_source": str(tmp_path / "multinode"), "kolla_multiarch_inventory_dir": str(tmp_path / "inventory"),
                 "kolla_multiarch_config_dir": str(tmp_path / "kolla"), "multiarch_report_dir": str(tmp_path / "report")}
        (tmp_path / "extra.yml").write_text(yaml.safe_dump(extra))

    def run(self, *options):
        """``(rc, changed task names per host, output)``."""
        proc = subprocess.run([str(BINARY), "-i", str(self.tmp / "hosts.yml"), "-e", f"@{self.tmp / 'extra.yml'}", *options,
                               str(REPO / "playbooks" / "site.yml")],
                              cwd=str(self.tmp), env=playbook_env(), capture_output=True, text=True, timeout=600, check=False)
        played = plays(proc)
        changed = sorted((t["task"]["name"], host) for play in played for t in play["tasks"] for host, r in t["hosts"].items() if r.get("changed"))
        return proc.returncode, changed, proc.stdout[-6000:] + proc.stderr[-3000:]


def test_check_mode_predicts_the_real_run_and_a_second_run_changes_nothing(tmp_path):
    site = Site(tmp_path)
    rc, predicted, out = site.run("--check")
    assert rc == 0, out
    assert not (tmp_path / "report").exists() and not (tmp_path / "kolla" / "config" / "nova").exists()  # check mode wrote nothing
    rc, done, out = site.run()
    assert rc == 0, out
    assert done == predicted and done, (predicted, done)
    assert "virt_type" in (tmp_path / "kolla" / "config" / "nova" / "cx1" / "nova-compute.conf").read_text()
    (row,) = json.loads((tmp_path / "report" / "capability-map.json").read_text())["hosts"]
    assert row["host"] == "cx1"
    rc, again, out = site.run()
    assert rc == 0 and again == [], (again, out)
