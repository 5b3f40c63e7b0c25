"""Filter nova_libvirt_settings: the shim over plugin_utils/nova/libvirt.py, its documentation, and calls through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/nova/test_libvirt.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT
from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import nova_libvirt_settings, render_nova_compute_libvirt

FILTER = filter_plugin("nova_libvirt_settings")


def host(arch, kvm, models, machines):
    """A multiarch_host fact whose libvirt offers the host's own arch (docs/multiarch_host.md)."""
    return {
        "hostname": "web-1",
        "arch": arch,
        "kvm": {"usable": kvm, "reason": None if kvm else "/dev/kvm is missing"},
        "guests": {arch: {"accel": "kvm" if kvm else "tcg", "machines": machines, "cpu_models": models}},
    }


ARM = host("aarch64", True, ["cortex-a57", "cortex-a72", "max", "neoverse-n1"], ["virt", "virt-7.2"])
PPC = host("ppc64le", False, ["POWER10", "POWER7", "POWER8", "POWER9"], ["pseries", "pseries-7.2"])


def test_shim_calls_the_decision_and_renders_on_request():
    assert FILTER(ARM) == nova_libvirt_settings(ARM)
    assert FILTER(ARM) == {
        "virt_type": "kvm",
        "cpu_mode": "host-passthrough",
        "cpu_models": [],
        "cpu_model_extra_flags": [],
        "hw_machine_type": "aarch64=virt",
        "num_pcie_ports": 16,
    }
    assert FILTER(ARM, render=True) == render_nova_compute_libvirt(nova_libvirt_settings(ARM))
    assert FILTER(ARM, render=True) == {
        "virt_type": "kvm",
        "cpu_mode": "host-passthrough",
        "hw_machine_type": "aarch64=virt",
        "num_pcie_ports": "16",
    }
    over = {"cpu_models": ["POWER8"]}
    assert FILTER(PPC, over, host="p1", emulated_arches=None) == nova_libvirt_settings(PPC, overrides=over, host="p1")


def test_documented_options_match_the_signature():
    check_documented_options("nova_libvirt_settings")


def test_through_ansible():
    got = through_ansible("ppc | multiarch.kolla.nova_libvirt_settings({'cpu_models': ['POWER8']}, render=true)", {"ppc": PPC})
    assert got["msg"] == {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "POWER8", "hw_machine_type": "ppc64le=pseries"}


PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Render through the collection's filter name
      ansible.builtin.set_fact:
        got: "{{ ppc | multiarch.kolla.nova_libvirt_settings({'cpu_models': ['POWER8']}, render=true) }}"
    - name: Compare
      ansible.builtin.assert:
        that:
          - "got == {'virt_type': 'qemu', 'cpu_mode': 'custom', 'cpu_models': 'POWER8', 'hw_machine_type': 'ppc64le=pseries'}"
    - name: A refused override fails the task with the filter's message
      block:
        - name: host-model on aarch64
          ansible.builtin.set_fact:
            bad: "{{ arm | multiarch.kolla.nova_libvirt_settings({'cpu_mode': 'host-model'}) }}"
        - name: Not reached
          ansible.builtin.fail:
            msg: the filter accepted host-model on aarch64
      rescue:
        - name: The message names host, key and value
          ansible.builtin.assert:
            that:
              - "'web-1: override cpu_mode=host-model: libvirt has no host-model on aarch64' in ansible_failed_result.msg"
"""


def test_filter_through_ansible_playbook(tmp_path):
    """The filter as a playbook calls it: collection name, Jinja arguments, AnsibleFilterError as a task failure."""
    binary = Path(sys.executable).with_name("ansible-playbook")
    if not binary.exists():
        pytest.skip("ansible-playbook not installed next to %s" % sys.executable)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    (tmp_path / "vars.json").write_text(json.dumps({"ppc": PPC, "arm": ARM}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_LOCALHOST_WARNING="false")
    proc = subprocess.run(
        [str(binary), "-i", "localhost,", "-e", "@%s" % (tmp_path / "vars.json"), str(tmp_path / "play.yml")],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout and "rescued=1" in proc.stdout
