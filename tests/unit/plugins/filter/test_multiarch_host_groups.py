"""Filter multiarch_host_groups: the shim, its documentation, and a call through Ansible itself."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.multiarch.kolla.plugins.filter.multiarch_host_groups import FilterModule
from ansible_collections.multiarch.kolla.plugins.plugin_utils.host_groups import HostGroupsError, host_groups

REPO = Path(__file__).resolve().parents[4]
DOCS = REPO / "plugins" / "filter" / "multiarch_host_groups.yml"
ANSIBLE = Path(sys.executable).with_name("ansible")

HOST = {
    "arch": "x86_64",
    "kvm": {"usable": True, "reason": None},
    "guests": {"x86_64": {"accel": "kvm"}, "i686": {"accel": "kvm"}, "ppc64le": {"accel": "tcg"}, "aarch64": {"accel": "tcg"}},
}
EXPECTED = {
    "arch": "arch_x86_64",
    "accel": "kvm_hosts",
    "emulates": ["emulates_aarch64", "emulates_ppc64le"],
    "all": ["arch_x86_64", "emulates_aarch64", "emulates_ppc64le", "kvm_hosts"],
}


def test_shim_is_the_decision():
    assert FilterModule().filters() == {"multiarch_host_groups": host_groups}
    assert FilterModule().filters()["multiarch_host_groups"](HOST) == EXPECTED


def test_documented_options_match_the_signature():
    doc = yaml.safe_load(DOCS.read_text())["DOCUMENTATION"]
    params = inspect.signature(host_groups).parameters
    assert set(doc["options"]) == {"_input"} | (set(params) - {"multiarch_host"})
    for name, option in doc["options"].items():
        if "default" in option:
            assert params[name].default == option["default"], name
    returned = yaml.safe_load(DOCS.read_text())["RETURN"]["_value"]["contains"]
    assert set(returned) == set(EXPECTED)


def test_errors_are_filter_errors():
    from ansible.errors import AnsibleFilterError  # noqa: PLC0415

    with pytest.raises(AnsibleFilterError, match="host lab-1"):
        host_groups({"arch": "x86_64"}, host="lab-1")
    assert issubclass(HostGroupsError, AnsibleFilterError)


def test_through_ansible():
    # The filter by its FQCN, the way the role calls it, in a real ansible run.
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
    )
    expression = "{{ host | multiarch.kolla.multiarch_host_groups(arch_prefix='cpu_', host=inventory_hostname) }}"
    args = json.dumps({"var": expression.strip("{} ")})
    proc = subprocess.run(
        [str(ANSIBLE), "localhost", "-c", "local", "-m", "ansible.builtin.debug", "-a", args, "-e", json.dumps({"host": HOST})],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        pytest.fail("ansible gave no JSON result (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    got = next(v for k, v in result.items() if k.startswith("host |"))
    assert got == {**EXPECTED, "arch": "cpu_x86_64", "all": ["cpu_x86_64", "emulates_aarch64", "emulates_ppc64le", "kvm_hosts"]}
