"""The cgroup_driver_decision filter: a shim over plugin_utils/cgroup_driver.py, run as Ansible runs it.

The decision itself is tested in tests/unit/plugins/plugin_utils/test_cgroup_driver.py.
Here one ansible-playbook run on localhost sends container_runtime_info to a host tree
under tmp_path (the module and its module_utils packed by Ansible as for any target),
then finds the filter by its FQCN and runs it in templates over the module's result.
The filter's documentation must name every keyword the function takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT
from filterdocs import check_documented_options
from runtime_testlib import put

from ansible_collections.multiarch.kolla.plugins.filter import cgroup_driver_decision as shim
from ansible_collections.multiarch.kolla.plugins.plugin_utils import cgroup_driver

KUBELET_SYSTEMD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
# containerd set to the same driver: kubelet then uses systemd whatever its release (the module runs no
# binary of a tree under another root, so both releases are unknown here).
CONTAINERD_SYSTEMD = "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n"
PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Detect
      multiarch.kolla.container_runtime_info:
        root: "{{ tree }}"
        docker_socket: "{{ tree }}/no.sock"
      register: info

    - name: Decide
      ansible.builtin.debug:
        msg: >-
          {{ info.runtime | multiarch.kolla.cgroup_driver_decision('', 'h1', engine='docker',
             settings={'exec-opts': ['native.umask=normal']}) }}

    - name: Refuse
      block:
        - name: An override that contradicts kubelet
          ansible.builtin.debug:
            msg: "{{ info.runtime | multiarch.kolla.cgroup_driver_decision('cgroupfs', 'h1') }}"
      rescue:
        - name: Say why
          ansible.builtin.debug:
            msg: "{{ ansible_failed_result.msg }}"
"""


@pytest.fixture(scope="module")
def playbook_run(tmp_path_factory):
    tree = tmp_path_factory.mktemp("host")
    put(tree, "/var/lib/kubelet/config.yaml", KUBELET_SYSTEMD)
    put(tree, "/etc/containerd/config.toml", CONTAINERD_SYSTEMD)
    play = tree / "play.yml"
    play.write_text(PLAY)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    proc = subprocess.run([str(PLAYBOOK), "-e", "tree=%s" % tree, str(play)], env=env, capture_output=True, text=True, check=False, timeout=300)
    try:
        tasks = json.loads(proc.stdout)["plays"][0]["tasks"]
    except (ValueError, KeyError, IndexError):
        pytest.fail("ansible-playbook gave no JSON result (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return {task["task"]["name"]: task["hosts"]["localhost"] for task in tasks}


def test_the_shim_is_the_decision():
    filters = shim.FilterModule().filters()
    assert list(filters) == ["cgroup_driver_decision"]
    assert filters["cgroup_driver_decision"].__wrapped__ is cgroup_driver.cgroup_driver_decision  # imported on the first call


def test_module_result_through_ansible(playbook_run):
    runtime = playbook_run["Detect"]["runtime"]
    assert runtime["files"]["kubelet_config"]["text"] == KUBELET_SYSTEMD
    assert playbook_run["Detect"]["changed"] is False


def test_in_a_template_over_the_modules_result(playbook_run):
    decision = playbook_run["Decide"]["msg"]
    assert decision["driver"] == "systemd"
    assert decision["source"] == "kubelet_config"
    assert decision["docker_settings"] == {"exec-opts": ["native.umask=normal", "native.cgroupdriver=systemd"]}
    assert decision["fact"]["cgroup_driver"] == "systemd"


def test_a_refusal_fails_the_template(playbook_run):
    assert playbook_run["An override that contradicts kubelet"]["failed"] is True
    assert "host h1: container_runtime_cgroup_driver is 'cgroupfs' (operator variable)" in playbook_run["Say why"]["msg"]


def test_documented_options_match_the_function():
    docs = check_documented_options("cgroup_driver_decision", cgroup_driver.cgroup_driver_decision)
    returned = set(docs["RETURN"]["_value"]["contains"])
    assert returned == {"driver", "source", "reason", "engine", "docker_settings", "required", "runtime", "warnings", "restart_pending", "fact"}
