"""tests/lab/callback_plugins/lab_exec_retry.py: a lost temp dir answer is asked for again, any other
failure is not retried, and the lab keeps failing after three lost answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: A task that needs a remote temp dir (a file transfer)
      ansible.builtin.copy:
        content: "hello\\n"
        dest: "{{ dest }}"
        mode: "0644"
"""


def _run(tmp_path: Path, lose: int, enable: bool) -> tuple[subprocess.CompletedProcess, Path]:
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    log = tmp_path / "retries.log"
    env = {
        **os.environ,
        "ANSIBLE_CONNECTION_PLUGINS": str(HERE / "connection_plugins"),
        "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
        "ANSIBLE_PIPELINING": "true",
        "ANSIBLE_REMOTE_TMP": str(tmp_path / "remote-tmp"),
        "LOSSY_LOCAL_LOSE": str(lose),
        "LAB_EXEC_RETRY_LOG": str(log),
    }
    if enable:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "lab_exec_retry"
    else:
        env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "lab-host,", "-c", "lossy_local",
           "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"dest={tmp_path / 'out.txt'}", str(tmp_path / "play.yml")]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False), log


def test_without_the_callback_a_lost_answer_fails_the_task(tmp_path):
    proc, _log = _run(tmp_path, lose=1, enable=False)
    assert proc.returncode != 0
    assert "returned empty string" in proc.stdout + proc.stderr


def test_a_lost_answer_is_asked_again_and_recorded(tmp_path):
    proc, log = _run(tmp_path, lose=2, enable=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "out.txt").read_text() == "hello\n"
    lines = log.read_text().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["attempt 1", "attempt 2"]
    assert all("returned empty string" in line for line in lines)


@pytest.mark.parametrize("lose", [3])
def test_three_lost_answers_still_fail(tmp_path, lose):
    proc, log = _run(tmp_path, lose=lose, enable=True)
    assert proc.returncode != 0
    assert "returned empty string" in proc.stdout + proc.stderr
    assert len(log.read_text().splitlines()) == 2
