"""tests/lab/callback_plugins/lab_preload.py: the lab's Docker connection plugin is loaded in the controller, so
every worker process starts with it loaded.

The probe is an action plugin that runs in the worker and reports whether community.docker's docker_api connection
module is in ``sys.modules``. The play's host is reached with the local connection, so the worker never loads
docker_api itself: the module can only be there because the worker was forked from a controller that had it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE = "ansible_collections.community.docker.plugins.connection.docker_api"
PROBE = f"""
import sys
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        return {{"changed": False, "loaded": {MODULE!r} in sys.modules}}
"""
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Ask the worker what it has loaded
      preload_probe:
      register: probe

    - name: Show it
      ansible.builtin.debug:
        msg: "LOADED={{ probe.loaded | to_json }}"
"""


def _loaded_in_worker(tmp_path: Path, enable: bool) -> bool:
    (tmp_path / "action_plugins").mkdir()
    (tmp_path / "action_plugins" / "preload_probe.py").write_text(PROBE)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = {**os.environ, "ANSIBLE_ACTION_PLUGINS": str(tmp_path / "action_plugins"),
           "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"), "ANSIBLE_FORCE_COLOR": "false"}
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if enable:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "lab_preload"
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "lab-host,", "-c", "local",
           "-e", f"ansible_python_interpreter={sys.executable}", str(tmp_path / "play.yml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (line,) = [line for line in proc.stdout.splitlines() if "LOADED=" in line]
    return json.loads(line.split("LOADED=", 1)[1].rstrip('"'))


def test_without_the_callback_a_worker_has_not_loaded_the_docker_connection(tmp_path):
    assert _loaded_in_worker(tmp_path, enable=False) is False


def test_with_the_callback_every_worker_starts_with_it_loaded(tmp_path):
    assert _loaded_in_worker(tmp_path, enable=True) is True
