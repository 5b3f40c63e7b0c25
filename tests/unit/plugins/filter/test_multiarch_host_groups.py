"""Filter multiarch_host_groups: the shim, its documentation, and a call through Ansible itself."""

from __future__ import annotations

import pytest
from filterdocs import check_documented_options, through_ansible

from ansible_collections.multiarch.kolla.plugins.filter.multiarch_host_groups import FilterModule
from ansible_collections.multiarch.kolla.plugins.plugin_utils.host_groups import HostGroupsError, host_groups

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
    filters = FilterModule().filters()
    assert list(filters) == ["multiarch_host_groups"]
    assert filters["multiarch_host_groups"].__wrapped__ is host_groups  # imported on the first call
    assert FilterModule().filters()["multiarch_host_groups"](HOST) == EXPECTED


def test_documented_options_match_the_signature():
    docs = check_documented_options("multiarch_host_groups")
    assert set(docs["RETURN"]["_value"]["contains"]) == set(EXPECTED)


def test_errors_are_filter_errors():
    from ansible.errors import AnsibleFilterError  # noqa: PLC0415

    with pytest.raises(AnsibleFilterError, match="host lab-1"):
        host_groups({"arch": "x86_64"}, host="lab-1")
    assert issubclass(HostGroupsError, AnsibleFilterError)


def test_through_ansible():
    # The filter by its FQCN, the way the role calls it, in a real ansible run.
    result = through_ansible("host | multiarch.kolla.multiarch_host_groups(arch_prefix='cpu_', host=inventory_hostname)", {"host": HOST})
    assert result["msg"] == {**EXPECTED, "arch": "cpu_x86_64", "all": ["cpu_x86_64", "emulates_aarch64", "emulates_ppc64le", "kvm_hosts"]}


def test_kvm_unknown_through_ansible():
    # A null kvm.usable travels through Ansible as None and lands the host in kvm_unknown_hosts.
    host = {**HOST, "kvm": {"usable": None, "reason": "/dev/kvm exists but this user may not open it (Permission denied)"}}
    result = through_ansible("host | multiarch.kolla.multiarch_host_groups", {"host": host})
    assert result["msg"]["accel"] == "kvm_unknown_hosts"
    assert "kvm_unknown_hosts" in result["msg"]["all"]
