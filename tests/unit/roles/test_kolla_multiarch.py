"""Role kolla_multiarch, run for real with ansible-playbook on localhost.

The host's decisions are set as the decide roles publish them (a compute host of the
test machine's own arch), so that only the render role runs. Each refusal must leave
the inventory dir and the config dir byte-for-byte as they were (a fingerprint of both:
contents, modes, owners, every path); a first run in check mode creates nothing; the
environment given to kolla-ansible is never printed, even with -vvv.
"""

from __future__ import annotations

import os
import platform
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import COLLECTIONS_ROOT
from kollatestlib import fingerprint, read_only_mount

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

    - name: Render
      block:
        - ansible.builtin.include_role:
            name: multiarch.kolla.kolla_multiarch
      rescue:
        - ansible.builtin.copy:
            dest: "{{ result_file }}"
            content: "{{ ansible_failed_result.msg }}"
            mode: "0644"
          check_mode: false
"""
BINARY = Path(sys.executable).with_name("ansible-playbook")
SECRET = "h7-S3cret-never-printed"
FAILING = 'echo "TASK [nova : Copy config]"\necho "fatal: [localhost]: FAILED! => {\\"msg\\": \\"boom\\"}"\nexit 2\n'
STUB = """#!/bin/sh
# kolla-ansible stand-in: records what it was given, prints a recap as kolla-ansible does.
printf '%s\\n' "$OS_PASSWORD" > "$STUB_RECORD"
printf '%s\\n' "$*" >> "$STUB_RECORD"
echo "PLAY RECAP *********************************************************************"
echo "localhost                  : ok=3    changed=0    unreachable=0    failed=0    skipped=0"
"""


class Deploy:
    """A deploy host's kolla dirs under ``tmp_path``: the config dir, its custom config dir and the generated inventory dir."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.kolla = tmp_path / "kolla"
        self.config = self.kolla / "config"
        self.inventory = tmp_path / "inventory"
        self.source = tmp_path / "ops" / "multinode"
        self.source.parent.mkdir()
        self.source.write_text("[control]\nlocalhost\n[compute]\nlocalhost\n")
        self.msg = tmp_path / "msg.txt"

    def make(self):
        self.config.mkdir(parents=True)
        (self.config / "nova.conf").write_text("[DEFAULT]\ndebug = True\n")
        return self

    def run(self, *options, **extra):
        """Run the role; returns (exit code, output, failure message or None)."""
        (self.tmp / "play.yml").write_text(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
                   PATH=f"{BINARY.parent}:{os.environ['PATH']}")  # ansible-inventory of this Ansible
        given = {
            "arch": platform.machine(),
            "kolla_multiarch_inventory_source": str(self.source),
            "kolla_multiarch_inventory_dir": str(self.inventory),
            "kolla_multiarch_config_dir": str(self.kolla),
            "result_file": str(self.msg),
            **extra,
        }
        (self.tmp / "extra.yml").write_text(yaml.safe_dump(given))
        if self.msg.exists():
            self.msg.unlink()
        proc = subprocess.run(
            [str(BINARY), "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"@{self.tmp / 'extra.yml'}",
             *options, str(self.tmp / "play.yml")],
            cwd=str(self.tmp), env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr, self.msg.read_text() if self.msg.exists() else None

    def dirs(self):
        return fingerprint(self.kolla, self.inventory)


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_a_run_writes_both_dirs_then_changes_nothing_and_never_widens_a_mode(tmp_path):
    deploy = Deploy(tmp_path).make()
    (deploy.inventory / "host_vars").mkdir(parents=True)
    os.chmod(deploy.inventory, 0o700)
    (deploy.inventory / "host_vars" / "localhost.yml").write_text("my_secret: x\n")
    os.chmod(deploy.inventory / "host_vars" / "localhost.yml", 0o600)
    rc, out, msg = deploy.run()
    assert rc == 0 and msg is None, out
    assert (deploy.inventory / "multinode").read_text() == deploy.source.read_text()
    host_vars = yaml.safe_load((deploy.inventory / "host_vars" / "localhost.yml").read_text())
    assert host_vars["my_secret"] == "x" and host_vars["nova_compute_virt_type"] == "qemu"
    assert mode_of(deploy.inventory / "host_vars" / "localhost.yml") == 0o600  # kept, not widened to 0640
    assert mode_of(deploy.inventory) == 0o700  # an existing directory keeps its mode
    assert mode_of(deploy.inventory / "multinode") == 0o640 and mode_of(deploy.inventory / "group_vars") == 0o750
    assert mode_of(deploy.config / "nova" / "localhost") == 0o750
    assert "virt_type = qemu" in (deploy.config / "nova" / "localhost" / "nova-compute.conf").read_text()
    assert (deploy.config / ".multiarch-kolla.json").exists()
    before = deploy.dirs()
    rc, out, msg = deploy.run()
    assert rc == 0 and msg is None and "changed=0" in out, out
    assert deploy.dirs() == before


def _break_config(deploy, how):
    """A config dir the INI step must refuse, after the inventory files were rendered."""
    nova = deploy.config / "nova"
    if how == "an override file that is not UTF-8":
        (nova / "localhost").mkdir(parents=True)
        (nova / "localhost" / "nova-compute.conf").write_bytes(b"[libvirt]\nimages_type = r\xe4w\n")
        return "is not UTF-8 text"
    (nova).mkdir(parents=True)
    (nova / "localhost").write_text("a file where the host's directory must be\n")
    return "is not a directory"


@pytest.mark.parametrize("how", ["an override file that is not UTF-8", "a file where a directory must be"])
def test_a_refusal_at_the_ini_step_leaves_the_inventory_dir_unwritten_too(tmp_path, how):
    deploy = Deploy(tmp_path).make()
    reason = _break_config(deploy, how)
    before = deploy.dirs()
    rc, out, msg = deploy.run()
    assert rc == 0 and msg is not None, out
    assert reason in msg and "Nothing was written, neither in %s nor in %s" % (deploy.inventory, deploy.config) in msg
    assert deploy.dirs() == before
    assert not deploy.inventory.exists()


def test_a_read_only_config_dir_is_refused_and_nothing_written(tmp_path):
    deploy = Deploy(tmp_path).make()
    deploy.inventory.mkdir()
    with read_only_mount(deploy.config):
        before = deploy.dirs()
        rc, out, msg = deploy.run()
        assert rc == 0 and msg is not None, out
        assert f"{deploy.config} on localhost is not writable" in msg
        assert "Nothing was written" in msg and "kolla_multiarch_custom_config_dir" in msg
        assert deploy.dirs() == before


@pytest.mark.parametrize("which", ["kolla_multiarch_custom_config_dir", "kolla_multiarch_inventory_dir", "kolla_multiarch_config_dir"])
def test_a_directory_that_is_a_file_gets_the_roles_message(tmp_path, which):
    deploy = Deploy(tmp_path).make()
    path = {"kolla_multiarch_custom_config_dir": deploy.config, "kolla_multiarch_inventory_dir": deploy.inventory,
            "kolla_multiarch_config_dir": deploy.kolla}[which]
    if path.exists():
        for child in sorted(path.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        path.rmdir()
    path.write_text("not a directory\n")
    before = deploy.dirs()
    rc, out, msg = deploy.run()
    assert rc == 0 and msg is not None, out
    assert msg.startswith(f"{path} on localhost is not a directory. Nothing was written. Fix: make it a directory")
    assert f"or point {which} elsewhere" in msg and "Not a directory" not in msg
    assert deploy.dirs() == before


def test_check_mode_on_a_first_run_reports_what_it_would_create(tmp_path):
    deploy = Deploy(tmp_path)  # neither the config dir nor the inventory dir exists yet
    rc, out, msg = deploy.run("--check", "--diff")
    assert rc == 0 and msg is None, out
    assert not deploy.kolla.exists() and not deploy.inventory.exists()
    for created in ("nova/localhost/nova-compute.conf", "host_vars/localhost.yml", "multiarch-groups.yml", ".multiarch-kolla.json"):
        assert created in out
    assert "changed=2" in out  # the two writes, predicted


def test_the_environment_is_never_printed_even_with_vvv(tmp_path):
    deploy = Deploy(tmp_path).make()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "ansible-inventory").symlink_to(BINARY.with_name("ansible-inventory"))
    (venv / "bin" / "kolla-ansible").write_text(STUB)
    os.chmod(venv / "bin" / "kolla-ansible", 0o755)
    record = tmp_path / "stub-record.txt"
    environment = {"OS_PASSWORD": SECRET, "STUB_RECORD": str(record)}
    # kolla-ansible fails: the role must still say what failed, and never show the environment.
    (venv / "bin" / "kolla-ansible").write_text(STUB.replace('echo "PLAY RECAP', FAILING + 'echo "'))
    rc, out, msg = deploy.run("-vvv", kolla_multiarch_venv=str(venv), kolla_multiarch_action="genconfig", kolla_multiarch_environment=environment)
    assert record.read_text().splitlines() == [SECRET, f"genconfig -i {deploy.inventory} --configdir {deploy.kolla}"]  # it got there
    assert rc == 0 and msg is not None, out
    assert "kolla-ansible genconfig exited 2" in msg and "TASK [nova : Copy config]" in msg and "boom" in msg, msg
    assert "<localhost> EXEC" in out  # -vvv shows the command lines Ansible runs ...
    assert SECRET not in out and SECRET not in msg  # ... and the secret is on none of them


def test_an_inventory_file_kolla_ansible_would_skip_in_the_dir_is_refused(tmp_path):
    deploy = Deploy(tmp_path).make()
    hidden = deploy.source.with_name(".multinode")
    deploy.source.rename(hidden)
    deploy.source = hidden
    before = deploy.dirs()
    rc, out, msg = deploy.run()
    assert rc == 0 and msg is not None, out
    assert f"kolla_multiarch_inventory_source={hidden} is a hidden file, and Ansible skips hidden files in an inventory dir" in msg
    assert "nothing was written; fix: rename the file" in msg
    assert deploy.dirs() == before
