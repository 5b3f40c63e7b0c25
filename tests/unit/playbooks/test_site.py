"""Playbook site.yml, run for real with ansible-playbook on this machine as a one-host cloud.

The host (connection local) is kolla-ansible's control and compute host; every phase runs for real: detect
(host_arch_info on this machine), preflight, nova_compute, kolla_render into tmp dirs and the capability map.
This machine's own Docker is left alone (multiarch_container_runtime_hosts names no host). Oracles: a --check
run reports the same changed tasks as the real run that follows, and a second real run changes nothing.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import REPO
from playbook_testlib import BINARY, playbook_env
from site_testlib import Site

PLAYBOOKS = ("site.yml", "preflight.yml", "report.yml")


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_the_playbooks_parse(playbook, tmp_path):
    (tmp_path / "hosts").write_text("[compute]\ncx1 ansible_connection=local\n")
    proc = subprocess.run([str(BINARY), "--syntax-check", "-i", str(tmp_path / "hosts"), str(REPO / "playbooks" / playbook)],
                          env=playbook_env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


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
