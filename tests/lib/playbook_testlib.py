"""Running a playbook of the collection for real in a test.

``BINARY`` is the ansible-playbook of the Python running the tests; ``playbook_env(**extra)`` the environment
that loads the work tree's collection and prints with the json callback (``extra`` wins); ``plays(proc)`` the
parsed plays of a finished run, or a test failure showing what was printed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT

BINARY = Path(sys.executable).with_name("ansible-playbook")


def playbook_env(**extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_PIPELINING="1",
               PATH=f"{BINARY.parent}:{os.environ['PATH']}")
    env.update(extra)
    return env


def plays(proc):
    """The ``plays`` of the json callback's output of ``proc`` (a finished subprocess.run with text output)."""
    try:
        return json.loads(proc.stdout)["plays"]
    except (ValueError, KeyError):
        pytest.fail("ansible-playbook gave no JSON (rc %s): %s %s" % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
