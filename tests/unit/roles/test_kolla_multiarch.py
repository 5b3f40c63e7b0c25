"""nova_compute_arch refuses a kolla config dir it cannot write, before writing anything.

Runs the real role with ansible-playbook on localhost (the test machine's own
multiarch_host from host_facts) against a config directory on a read-only mount.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: multiarch.kolla.host_facts
  tasks:
    - name: Apply nova_compute_arch to a read-only config dir
      block:
        - ansible.builtin.include_role:
            name: multiarch.kolla.nova_compute_arch
      rescue:
        - ansible.builtin.copy:
            dest: "{{ result_file }}"
            content: "{{ ansible_failed_result.msg }}"
            mode: "0644"
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only tmpfs needs root")
def test_read_only_config_dir_is_refused_and_nothing_written(tmp_path):
    binary = Path(sys.executable).with_name("ansible-playbook")
    confdir = tmp_path / "kolla-config"
    confdir.mkdir()
    (confdir / "operator.conf").write_text("[DEFAULT]\ndebug = True\n")
    if subprocess.run(["mount", "--bind", str(confdir), str(confdir)], check=False).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(confdir)], check=True)
        before = sorted(p.relative_to(confdir) for p in confdir.rglob("*"))
        (tmp_path / "play.yml").write_text(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_LOCALHOST_WARNING="false")
        proc = subprocess.run(
            [str(binary), "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
             "-e", f"nova_compute_arch_config_dir={confdir}", "-e", f"result_file={tmp_path / 'msg.txt'}",
             str(tmp_path / "play.yml")],
            cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        msg = (tmp_path / "msg.txt").read_text()
        assert f"{confdir} on localhost is not writable" in msg
        assert "Nothing was written" in msg and "virt_type" in msg
        assert sorted(p.relative_to(confdir) for p in confdir.rglob("*")) == before
    finally:
        subprocess.run(["umount", str(confdir)], check=False)
