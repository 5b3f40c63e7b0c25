"""Role kolla_multiarch, run for real with ansible-playbook on localhost.

The host's decisions are set as the decide roles publish them (a compute host of the
test machine's own arch), so that only the render role runs.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The decide roles' facts
      ansible.builtin.set_fact:
        multiarch_host: {arch: "{{ arch }}", kvm: {usable: false, reason: test}, guests: {}}
        multiarch_groups: {arch: "arch_{{ arch }}"}
        multiarch_nova_compute: "{{ {'arch': arch, 'kvm': {'usable': false}, 'guests': {}}
                                    | multiarch.kolla.nova_compute_arch_plan(host='localhost') | json_query('decision') }}"

    - name: Render into a read-only config dir
      block:
        - ansible.builtin.include_role:
            name: multiarch.kolla.kolla_multiarch
      rescue:
        - ansible.builtin.copy:
            dest: "{{ result_file }}"
            content: "{{ ansible_failed_result.msg }}"
            mode: "0644"
"""


def fingerprint(*dirs):
    return sorted((str(p), p.stat().st_size) for d in dirs for p in d.rglob("*"))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only bind mount needs root")
def test_a_read_only_config_dir_is_refused_and_nothing_written(tmp_path):
    binary = Path(sys.executable).with_name("ansible-playbook")
    kolla, inventory = tmp_path / "kolla", tmp_path / "inventory"
    confdir = kolla / "config"
    confdir.mkdir(parents=True)
    inventory.mkdir()
    (inventory / "multinode").write_text("[control]\nlocalhost\n[compute]\nlocalhost\n")
    (confdir / "nova.conf").write_text("[DEFAULT]\ndebug = True\n")
    if subprocess.run(["mount", "--bind", str(confdir), str(confdir)], check=False).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(confdir)], check=True)
        before = fingerprint(kolla, inventory)
        (tmp_path / "play.yml").write_text(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_LOCALHOST_WARNING="false",
                   PATH=f"{binary.parent}:{os.environ['PATH']}")  # ansible-inventory of this Ansible
        extra = {
            "arch": platform.machine(),
            "kolla_multiarch_inventory_source": inventory / "multinode",
            "kolla_multiarch_inventory_dir": inventory,
            "kolla_multiarch_config_dir": kolla,
            "result_file": tmp_path / "msg.txt",
        }
        args = [arg for key, value in extra.items() for arg in ("-e", f"{key}={value}")]
        proc = subprocess.run(
            [str(binary), "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}", *args, str(tmp_path / "play.yml")],
            cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        msg = (tmp_path / "msg.txt").read_text()
        assert f"{confdir} on localhost is not writable" in msg
        assert "Nothing was written" in msg and "kolla_multiarch_custom_config_dir" in msg
        assert fingerprint(kolla, inventory) == before
    finally:
        subprocess.run(["umount", str(confdir)], check=False)
