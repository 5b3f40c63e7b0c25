"""The test doubles (tests/kolla_doubles), loaded by Ansible as the scenarios load them.

kolla-ansible's kolla_toolbox and kolla_container through ANSIBLE_ACTION_PLUGINS (kolla
calls them by short name), kubernetes.core.k8s_drain through a collections directory put
first on ANSIBLE_COLLECTIONS_PATH (the role calls it by FQCN). Each answers its calls and
records them, and fails loudly on any other call: that failure is what makes a new
live-service dependency show up in the scenarios.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT

REPO = Path(__file__).resolve().parents[2]  # tests/kolla_doubles -> the repository
DOUBLES = REPO / "tests" / "kolla_doubles" / "action_plugins"
COLLECTION_DOUBLES = REPO / "tests" / "kolla_doubles" / "collections"
ANSIBLE = Path(sys.executable).with_name("ansible")

LIST_HYPERVISORS = {"module_name": "openstack.cloud.resources", "module_args": {"service": "compute", "type": "hypervisor", "auth": {"password": "s3cret"}}}


def call(module, args, log, check=False):
    env = dict(
        os.environ,
        ANSIBLE_ACTION_PLUGINS=str(DOUBLES),
        ANSIBLE_COLLECTIONS_PATH="%s:%s" % (COLLECTION_DOUBLES, COLLECTIONS_ROOT),
        KOLLA_DOUBLES_LOG=str(log),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
    )
    argv = [str(ANSIBLE), "localhost", "-c", "local", "-m", module, "-a", json.dumps(args)] + (["--check"] if check else [])
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
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


DRAIN = {"name": "node-1", "kubeconfig": "/etc/kubernetes/admin.conf", "state": "drain",
         "delete_options": {"ignore_daemonsets": True, "delete_emptydir_data": True}}


@pytest.mark.parametrize(
    ("args", "record"),
    [
        (DRAIN, {"call": "drain", "name": "node-1", "kubeconfig": "/etc/kubernetes/admin.conf", "delegate_to": None,
                 "delete_options": {"ignore_daemonsets": True, "delete_emptydir_data": True}}),
        ({"name": "node-1", "state": "uncordon"}, {"call": "uncordon", "name": "node-1", "kubeconfig": None, "delegate_to": None}),
    ],
)
@pytest.mark.parametrize("check", [False, True], ids=["run", "check-mode"])
def test_k8s_drain_by_its_fqcn_is_recorded(tmp_path, args, record, check):
    log = tmp_path / "doubles.log"
    answer = call("kubernetes.core.k8s_drain", args, log, check=check)
    assert not answer.get("failed") and answer["changed"] is True, answer
    assert "recorded by the test double" in answer["result"]
    assert records(log) == [dict(record, double="k8s_drain", host="localhost", check_mode=check)]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"name": "node-1", "state": "cordon"}, "state='cordon' name='node-1'"),
        ({"state": "uncordon"}, "state='uncordon' name=None"),
        ({"name": "node-1", "state": "uncordon", "kubeconfg": "/x", "password": "s3cret"}, "options kubeconfg are not k8s_drain's"),
    ],
)
def test_k8s_drain_refuses_anything_else(tmp_path, args, says):
    log = tmp_path / "doubles.log"
    answer = call("kubernetes.core.k8s_drain", args, log)
    assert answer.get("failed"), answer
    assert answer["msg"].startswith("k8s_drain test double: unexpected call from host localhost")
    assert says in answer["msg"]
    assert "s3cret" not in answer["msg"]
    assert records(log) == []


def test_k8s_drain_double_takes_the_real_modules_options():
    # Oracle: kubernetes.core's own argument spec (the real collection, outside the doubles' directory).
    import kolla_doubles  # noqa: PLC0415
    from ansible_collections.kubernetes.core.plugins.modules.k8s_drain import argspec  # noqa: PLC0415

    spec = argspec()
    names = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
    assert names == kolla_doubles.K8S_DRAIN_OPTIONS
    assert set(spec["state"]["choices"]) >= {"drain", "uncordon"}


FLAVOR = {"name": "g1.p100", "vcpus": 8, "ram": 65536, "disk": 80, "extra_specs": {"pci_passthrough:alias": "p100:1"}, "cloud": "lab"}


def test_compute_flavor_by_its_fqcn_is_recorded(tmp_path):
    log = tmp_path / "doubles.log"
    answer = call("openstack.cloud.compute_flavor", FLAVOR, log)
    assert not answer.get("failed") and answer["changed"] is True, answer
    assert records(log) == [dict(FLAVOR, call="flavor", double="compute_flavor", host="localhost", delegate_to=None, check_mode=False)]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"name": "g1", "vcpus": 1, "ram": 1}, "disk=None"),
        (dict(FLAVOR, state="absent"), "state='absent'"),
        (dict(FLAVOR, flavour_id="x"), "options flavour_id are not compute_flavor's"),
    ],
)
def test_compute_flavor_refuses_anything_else(tmp_path, args, says):
    log = tmp_path / "doubles.log"
    answer = call("openstack.cloud.compute_flavor", args, log)
    assert answer.get("failed") and says in answer["msg"], answer
    assert records(log) == []


def test_compute_flavor_double_takes_the_real_modules_options():
    # Oracle: openstack.cloud's own argument spec (the real collection, outside the doubles' directory).
    import kolla_doubles  # noqa: PLC0415
    from ansible_collections.openstack.cloud.plugins.module_utils.openstack import openstack_full_argument_spec  # noqa: PLC0415
    from ansible_collections.openstack.cloud.plugins.modules.compute_flavor import ComputeFlavorModule  # noqa: PLC0415

    spec = openstack_full_argument_spec(**ComputeFlavorModule.argument_spec)
    names = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
    assert names == kolla_doubles.COMPUTE_FLAVOR_OPTIONS


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
