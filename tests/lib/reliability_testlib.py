"""Helpers of the reliability suite (tests/reliability): runs as an operator sees them, secrets, and written modes.

``VerboseSite`` is site_testlib's ``Site`` run with Ansible's default output (what an operator reads, ``-vvv``
included; the json callback cannot be parsed once ``-vvv`` prints its connection lines): ``site.verbose(*options,
env=...)`` returns ``(rc, stdout + stderr)``. ``run_play(tmp_path, play, hosts, extra, *options, env=...)`` does the
same for a playbook of the test's own over ``hosts`` (name -> host variables, connection local).

``leaks(text, secrets)`` is every secret found in ``text``, as it is or inside a base64 token (what ``slurp`` and
``b64encode`` print). ``modes(*roots)`` is ``{path: mode}`` of every file and directory under ``roots``.

``kolla_venv(tmp_path)`` is a virtual environment with this Ansible's ansible-inventory and a kolla-ansible stand-in
that prints a recap as kolla-ansible does; ``python_with(tmp_path, path)`` an interpreter that also imports from
``path`` (a ``sitecustomize`` there runs first), for one host of an inventory.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO
from playbook_testlib import BINARY, playbook_env
from site_testlib import LOCAL, Site

DEFAULT_OUTPUT = {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default", "ANSIBLE_FORCE_COLOR": "0"}
_BASE64 = re.compile(r"[A-Za-z0-9+/]{12,}={0,2}")
KOLLA_ANSIBLE_STUB = """#!/bin/sh
# kolla-ansible stand-in: prints a recap as kolla-ansible does.
echo "PLAY RECAP *********************************************************************"
echo "localhost                  : ok=3    changed=0    unreachable=0    failed=0    skipped=0"
"""


def _run(argv, cwd, env):
    proc = subprocess.run([str(BINARY), *argv], cwd=str(cwd), env=playbook_env(**DEFAULT_OUTPUT, **(env or {})),
                          capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


class VerboseSite(Site):
    def verbose(self, *options, env=None):
        """``(rc, output)`` of site.yml with Ansible's default output; ``env`` is added to ansible-playbook's environment."""
        return _run(["-i", str(self.tmp / "hosts.yml"), "-e", f"@{self.tmp / 'extra.yml'}", *options, str(REPO / "playbooks" / "site.yml")],
                    self.tmp, env)


def gpu_play(hosts="all"):
    """A play that gives ``hosts`` the fact host_facts publishes (an Intel x86_64 host) and runs role gpu_passthrough."""
    return """
- hosts: %s
  gather_facts: false
  tasks:
    - name: The fact host_facts publishes
      ansible.builtin.set_fact:
        multiarch_host: {arch: x86_64, cpu: {vendor: GenuineIntel}}

    - ansible.builtin.include_role:
        name: multiarch.kolla.gpu_passthrough
""" % hosts


def run_play(tmp_path, play, hosts, extra, *options, env=None):
    """``(rc, output)`` of the playbook text ``play`` over ``hosts`` ({name: variables}, connection local) with ``extra``."""
    tmp_path = Path(tmp_path)
    (tmp_path / "play.yml").write_text(play)
    inventory = {name: {**LOCAL, **variables} for name, variables in hosts.items()}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": inventory}}))
    (tmp_path / "extra.yml").write_text(yaml.safe_dump(extra or {"unused": 1}))
    return _run(["-i", str(tmp_path / "hosts.yml"), "-e", f"@{tmp_path / 'extra.yml'}", *options, str(tmp_path / "play.yml")], tmp_path, env)


def leaks(text, secrets):
    """The secrets found in ``text``: as they are, or in a base64 token of it."""
    decoded = []
    for token in _BASE64.findall(text):
        try:
            decoded.append(base64.b64decode(token + "=" * (-len(token) % 4)).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return [secret for secret in secrets if secret in text or any(secret in part for part in decoded)]


def modes(*roots):
    """``{path: permission bits}`` of every file and directory under ``roots`` (links are left out)."""
    found = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(folder) / name
                if not path.is_symlink():
                    found[path] = stat.S_IMODE(path.stat().st_mode)
    return found


def kolla_venv(tmp_path):
    """A virtual environment for kolla_multiarch_venv: this Ansible's ansible-inventory and the kolla-ansible stand-in."""
    venv = Path(tmp_path) / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "ansible-inventory").symlink_to(BINARY.with_name("ansible-inventory"))
    (venv / "bin" / "kolla-ansible").write_text(KOLLA_ANSIBLE_STUB)
    os.chmod(venv / "bin" / "kolla-ansible", 0o755)
    return venv


def python_with(tmp_path, path):
    """An interpreter (a script for ansible_python_interpreter) that runs this Python with ``path`` on PYTHONPATH."""
    script = Path(tmp_path) / "python-with"
    script.write_text('#!/bin/sh\nPYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}" exec "%s" "$@"\n' % (path, sys.executable))
    os.chmod(script, 0o755)
    return script
