"""Tests for plugins/plugin_utils/multiarch_host.py: the accessors of the multiarch_host fact (docs/multiarch_host.md).

Oracle: a fact from the real module (host_arch_info run against fixture trees is
tested in tests/unit/plugins/modules); here the contract's edge cases: aliases,
unknown arches, missing and malformed parts.
"""

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts

# --------------------------------------------------------------------------- host_name


def test_host_name_prefers_the_given_name_then_the_facts_then_the_position():
    fact = {"hostname": "h1", "inventory_hostname": "inv1", "name": "n1"}
    assert facts.host_name(fact, host="given") == "given"
    assert facts.host_name(fact) == "h1"
    assert facts.host_name({"inventory_hostname": "inv1", "name": "n1"}) == "inv1"
    assert facts.host_name({"hostname": None, "name": "n1"}) == "n1"
    assert facts.host_name({"arch": "x86_64"}, index=3) == "host #3"
    assert facts.host_name({"arch": "x86_64"}) == "(unnamed host)"
    assert facts.host_name("not a dict", index=0) == "host #0"
    assert facts.host_name(None) == "(unnamed host)"


# --------------------------------------------------------------------------- arch


@pytest.mark.parametrize(("raw", "arch"), [("x86_64", "x86_64"), ("amd64", "x86_64"), ("ARM64", "aarch64"), ("ppc64el", "ppc64le"), ("s390x", "s390x")])
def test_arch_aliases_are_canonical(raw, arch):
    fact = {"arch": raw}
    assert facts.arch_or_reason(fact) == (arch, None)
    assert facts.host_arch(fact, "h1") == arch


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        (None, ["has no multiarch_host fact"]),
        ("x86_64", ["has no multiarch_host fact"]),
        ({}, ["multiarch_host.arch is null", "not detected"]),
        ({"arch": None}, ["multiarch_host.arch is null"]),
        ({"arch": "sparc64"}, ["multiarch_host.arch='sparc64'", "arch table"]),
        ({"arch": 42}, ["multiarch_host.arch=42"]),
    ],
)
def test_arch_or_reason_says_why_in_words(fact, words):
    arch, reason = facts.arch_or_reason(fact)
    assert arch is None
    for word in words:
        assert word in reason


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        (None, ["host h1", "must be a dict", "NoneType"]),
        (["x86_64"], ["host h1", "must be a dict", "list"]),
        ({}, ["host h1", "multiarch_host.arch", "missing"]),
        ({"arch": "sparc64"}, ["host h1", "multiarch_host.arch", "'sparc64'", "known: "]),
    ],
)
def test_host_arch_errors_name_the_host_and_the_value(fact, words):
    with pytest.raises(facts.HostFactError) as err:
        facts.host_arch(fact, "h1")
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_host_arch_supported_only_for_the_compute_arches(arch):
    fact = {"arch": arch}
    assert facts.host_arch(fact, "h1") == arch
    if arch in SUPPORTED_HOST_ARCHES:
        assert facts.host_arch(fact, "h1", supported=True) == arch
        return
    with pytest.raises(facts.HostFactError) as err:
        facts.host_arch(fact, "h1", supported=True)
    for word in ("host h1", "arch %s" % arch, "x86_64, aarch64, ppc64le", "leave this host out of the compute group"):
        assert word in str(err.value)


def test_fact_errors_are_filter_errors():
    """A bad fact fails the task that called the filter, with the message (not a traceback)."""
    assert issubclass(facts.HostFactError, AnsibleFilterError)


# --------------------------------------------------------------------------- guests


def test_guests_keyed_by_canonical_arch_unknown_and_malformed_left_out():
    fact = {
        "arch": "x86_64",
        "guests": {
            "x86_64": {"accel": "kvm"},
            "arm64": {"accel": "tcg", "uefi": True},
            "aarch64": {"accel": "tcg", "uefi": False},  # a second spelling of aarch64: the first one listed wins
            "mips": {"accel": "tcg"},  # libvirt lists more arches than the table knows
            "ppc64le": "not a dict",
        },
    }
    before = copy.deepcopy(fact)
    assert facts.guests(fact) == {"x86_64": {"accel": "kvm"}, "aarch64": {"accel": "tcg", "uefi": True}}
    assert fact == before


@pytest.mark.parametrize("fact", [None, "x86_64", {}, {"guests": None}, {"guests": {}}, {"guests": ["aarch64"]}, {"guests": "aarch64"}])
def test_guests_unknown_or_malformed_is_empty(fact):
    assert facts.guests(fact) == {}


def test_with_guests_adds_where_absent_and_changes_nothing_in_place():
    fact = {"arch": "x86_64", "guests": {"x86_64": {"accel": "kvm"}}, "kvm": {"usable": True}}
    before = copy.deepcopy(fact)
    got = facts.with_guests(fact, {"x86_64": {}, "aarch64": {"accel": "tcg"}})
    assert got == {"arch": "x86_64", "guests": {"x86_64": {"accel": "kvm"}, "aarch64": {"accel": "tcg"}}, "kvm": {"usable": True}}
    assert fact == before
    assert facts.with_guests({"arch": "x86_64"}, {"aarch64": {}})["guests"] == {"aarch64": {}}
    assert facts.with_guests({"arch": "x86_64", "guests": None}, {})["guests"] == {}


@pytest.mark.parametrize("malformed", [["aarch64"], "aarch64", 42])
def test_with_guests_over_malformed_guests_keeps_only_the_extra(malformed):
    got = facts.with_guests({"arch": "x86_64", "guests": malformed}, {"aarch64": {"accel": "tcg"}})
    assert got["guests"] == {"aarch64": {"accel": "tcg"}}
    assert facts.guests(got) == {"aarch64": {"accel": "tcg"}}


# --------------------------------------------------------------------------- kvm


@pytest.mark.parametrize(
    ("fact", "kvm", "usable"),
    [
        ({"kvm": {"usable": True, "reason": None}}, {"usable": True, "reason": None}, True),
        ({"kvm": {"usable": False, "reason": "/dev/kvm is missing"}}, {"usable": False, "reason": "/dev/kvm is missing"}, False),
        ({"kvm": {"device": True}}, {"device": True}, False),  # present but not known to be usable
        ({"kvm": None}, {}, False),
        ({"kvm": True}, {}, False),  # not the contract's dict: unknown, so not usable
        ({}, {}, False),
        (None, {}, False),
    ],
)
def test_kvm_and_kvm_usable(fact, kvm, usable):
    assert facts.kvm(fact) == kvm
    assert facts.kvm_usable(fact) is usable


# --------------------------------------------------------------------------- checked: the strict reading


def test_checked_returns_the_fact_as_detected():
    fact = {"arch": "amd64", "kvm": {"usable": True}, "guests": {"x86_64": {"accel": "kvm"}, "mips": {"accel": "tcg"}}}
    arch, usable, all_guests = facts.checked(fact, "host cmp1")
    assert (arch, usable) == ("amd64", True)  # the arch as detected, not canonical
    assert all_guests == fact["guests"]  # every guest, arches the table does not know included
    assert facts.checked({"arch": "x86_64", "kvm": {"usable": False}, "guests": {}}, "host cmp1") == ("x86_64", False, {})
    # null: /dev/kvm exists but this user may not open it (docs/multiarch_host.md)
    assert facts.checked({"arch": "x86_64", "kvm": {"usable": None}, "guests": {}}, "host cmp1") == ("x86_64", None, {})


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        (None, ["host cmp1: expected the multiarch_host dict, got None", "host_facts"]),
        ({"kvm": {"usable": True}, "guests": {}}, ["host cmp1: multiarch_host has no 'arch' (got None)"]),
        ({"arch": "", "kvm": {"usable": True}, "guests": {}}, ["has no 'arch' (got '')"]),
        ({"arch": "x86_64", "guests": {}}, ["host cmp1: multiarch_host.kvm.usable must be true, false or null (got kvm=None)"]),
        ({"arch": "x86_64", "kvm": {}, "guests": {}}, ["kvm.usable must be true, false or null", "kvm={}"]),
        ({"arch": "x86_64", "kvm": {"usable": "yes"}, "guests": {}}, ["kvm.usable must be true, false or null", "'yes'"]),
        ({"arch": "x86_64", "kvm": {"usable": True}}, ["host cmp1: multiarch_host.guests must be a dict of guest dicts (got None)"]),
        ({"arch": "x86_64", "kvm": {"usable": True}, "guests": {"x86_64": "kvm"}}, ["guests must be a dict of guest dicts"]),
    ],
)
def test_checked_refuses_a_fact_off_the_contract(fact, words):
    with pytest.raises(facts.HostFactError) as err:
        facts.checked(fact, "host cmp1")
    for word in words:
        assert word in str(err.value)


# --------------------------------------------------------------------------- kvm_state and an explicit virt_type=kvm

DENIED = {"usable": None, "device": True, "rw": None, "module": "kvm_intel", "reason": "/dev/kvm exists but this user may not open it (Permission denied)"}
PR_KVM = {"usable": False, "device": True, "rw": True, "module": "kvm_pr", "reason": "kvm_pr only: PR-KVM"}


@pytest.mark.parametrize(
    ("kvm", "state"),
    [
        ({"usable": True}, "usable"),
        ({"usable": False, "reason": "/dev/kvm does not exist"}, "unusable"),
        (DENIED, "unknown"),
        (PR_KVM, "unusable"),
        ({"device": True}, "unknown"),  # no answer is not a "no"
        (None, "unknown"),
    ],
)
def test_kvm_state_has_three_answers(kvm, state):
    fact = {"arch": "x86_64", "kvm": kvm}
    assert facts.kvm_state(fact) == state
    assert facts.kvm_usable(fact) is (state == "usable")


@pytest.mark.parametrize(
    ("kvm", "refusal"),
    [
        ({"usable": True}, None),
        (DENIED, None),  # the operator asserts KVM works where this user could not look
        (PR_KVM, None),  # the operator asks for PR-KVM by name
        ({**PR_KVM, "rw": None}, "kvm_pr only: PR-KVM"),  # PR-KVM that this user could not open either
        ({"usable": False, "device": False, "rw": False, "reason": "/dev/kvm does not exist"}, "/dev/kvm does not exist"),
        ({"usable": False}, "multiarch_host.kvm.usable is false"),
    ],
)
def test_kvm_on_request(kvm, refusal):
    assert facts.kvm_on_request({"arch": "ppc64le", "kvm": kvm}) == refusal
