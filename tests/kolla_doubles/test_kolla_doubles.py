"""The two kolla-ansible test doubles (tests/kolla_doubles), loaded by Ansible as the scenario loads them.

Each answers its one call and records it, and fails loudly on any other call:
that failure is what makes a new live-service dependency in kolla-ansible show
up in the kolla_multiarch scenario.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]  # tests/kolla_doubles -> the repository
DOUBLES = REPO / "tests" / "kolla_doubles" / "action_plugins"
ANSIBLE = Path(sys.executable).with_name("ansible")

LIST_HYPERVISORS = {"module_name": "openstack.cloud.resources", "module_args": {"service": "compute", "type": "hypervisor", "auth": {"password": "s3cret"}}}


def call(module, args, log):
    env = dict(
        os.environ,
        ANSIBLE_ACTION_PLUGINS=str(DOUBLES),
        KOLLA_DOUBLES_LOG=str(log),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
    )
    proc = subprocess.run(
        [str(ANSIBLE), "localhost", "-c", "local", "-m", module, "-a", json.dumps(args)], env=env, capture_output=True, text=True, check=False
    )
    try:
        return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        pytest.fail("ansible gave no JSON result (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))


def records(log):
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize(
    ("module", "args", "result", "record"),
    [
        ("kolla_toolbox", LIST_HYPERVISORS, {"resources": []}, {"call": "list-hypervisors", "delegate_to": None}),
        (
            "kolla_container",
            {"action": "pull_image", "image": "quay.io/openstack.kolla/nova-compute:2026.2-debian-trixie"},
            {"image": "quay.io/openstack.kolla/nova-compute:2026.2-debian-trixie"},
            {"call": "pull_image", "image": "quay.io/openstack.kolla/nova-compute:2026.2-debian-trixie"},
        ),
    ],
)
def test_the_one_call_is_answered_and_recorded(tmp_path, module, args, result, record):
    log = tmp_path / "doubles.log"
    answer = call(module, args, log)
    assert not answer.get("failed") and not answer.get("changed"), answer
    assert {k: answer[k] for k in result} == result
    assert records(log) == [dict(record, double=module, host="localhost")]


@pytest.mark.parametrize(
    ("module", "args", "says"),
    [
        (
            "kolla_toolbox",
            {"module_name": "openstack.cloud.resources", "module_args": {"service": "identity", "type": "project", "auth": {"password": "s3cret"}}},
            "answers only nova-cell's 'list hypervisors' lookup",
        ),
        (
            "kolla_toolbox",
            {"module_name": "ansible.builtin.command", "module_args": {"cmd": "nova-manage cell_v2 list_cells"}},
            "module_name='ansible.builtin.command'",
        ),
        ("kolla_container", {"action": "start_container", "name": "nova_compute", "image": "n"}, "action='start_container' name='nova_compute'"),
        ("kolla_container", {"action": "pull_image"}, "only records pull_image requests"),
    ],
)
def test_any_other_call_fails_loudly(tmp_path, module, args, says):
    log = tmp_path / "doubles.log"
    answer = call(module, args, log)
    assert answer.get("failed"), answer
    assert answer["msg"].startswith("%s test double: unexpected call from host localhost" % module)
    assert says in answer["msg"]
    assert "s3cret" not in answer["msg"]  # kolla passes the cloud's credentials: never echoed
    assert records(log) == []
