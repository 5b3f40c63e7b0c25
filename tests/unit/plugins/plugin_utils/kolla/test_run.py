"""plugins/plugin_utils/kolla/run.py: what a kolla-ansible run changed and what failed.

Oracle: the output of real ansible-playbook runs (the default callback, as kolla-ansible prints it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.run import run_summary

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A task that changes something
      ansible.builtin.command: "true"
      changed_when: {changed}
    - name: A task that may fail
      ansible.builtin.fail:
        msg: the nova-cell role could not list the hypervisors
      when: {fail}
"""


def ansible_run(tmp_path, changed, fail):
    play = tmp_path / "play.yml"
    play.write_text(PLAY.format(changed=str(changed).lower(), fail=str(fail).lower()))
    cli = Path(sys.executable).with_name("ansible-playbook")
    proc = subprocess.run([str(cli), "-i", "localhost,", "-c", "local", str(play)], capture_output=True, text=True, check=False,
                          env={"ANSIBLE_FORCE_COLOR": "false", "PATH": "/usr/bin:/bin", "ANSIBLE_STDOUT_CALLBACK": "default"})
    return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr, "delta": "0:00:01"}


def test_a_run_that_changed_something(tmp_path):
    summary = run_summary(ansible_run(tmp_path, changed=True, fail=False), "genconfig")
    assert summary["changed"] is True
    assert summary["message"] is None
    assert summary["recap"][0] == "kolla-ansible genconfig ran 0:00:01, exit 0"
    assert summary["recap"][1].startswith("localhost") and "changed=1" in summary["recap"][1]


def test_a_run_that_changed_nothing(tmp_path):
    summary = run_summary(ansible_run(tmp_path, changed=False, fail=False), "genconfig")
    assert summary["changed"] is False and summary["failures"] == []


def test_a_failed_run_names_the_task_and_the_message(tmp_path):
    summary = run_summary(ansible_run(tmp_path, changed=False, fail=True), "deploy", "/var/log/kolla.log")
    assert len(summary["failures"]) == 1
    assert summary["failures"][0].startswith("TASK [A task that may fail]")
    assert "the nova-cell role could not list the hypervisors" in summary["failures"][0]
    assert summary["message"].startswith("kolla-ansible deploy exited 2 (full output in /var/log/kolla.log). What failed:")


def test_output_without_a_recap_shows_its_tail():
    summary = run_summary({"rc": 1, "stdout": "line\n" * 50, "stderr": "ERROR! the inventory cannot be parsed\n"}, "pull")
    assert summary["recap"][-1] == "ERROR! the inventory cannot be parsed"
    assert "ERROR! the inventory cannot be parsed" in summary["message"]
