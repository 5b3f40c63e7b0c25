# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accessors for the ``multiarch_host`` fact (docs/multiarch_host.md), the one way decisions read it.

Controller side. Every decision that needs a host's arch, its guests or whether
KVM is usable asks here, so a change of the contract changes one file.
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import (
    SUPPORTED_HOST_ARCHES,
    UnknownArchError,
    canonical_arch,
)


class HostFactError(AnsibleFilterError):
    """A ``multiarch_host`` fact that is missing or does not follow the contract."""


def host_name(fact, host=None, index=None):
    """The name to use in messages: ``host``, else the fact's own name, else its position."""
    if host:
        return to_text(host)
    if isinstance(fact, dict):
        for key in ("hostname", "inventory_hostname", "name"):
            if fact.get(key):
                return to_text(fact[key])
    if index is not None:
        return "host #%d" % index
    return "(unnamed host)"


def arch_or_reason(fact):
    """``(canonical arch, None)``, or ``(None, why)`` in words when the fact gives no usable arch."""
    if not isinstance(fact, dict):
        return None, "has no multiarch_host fact"
    raw = fact.get("arch")
    if raw is None:
        return None, "multiarch_host.arch is null (the architecture was not detected)"
    arch = canonical_arch(raw, strict=False)
    if arch is None:
        return None, "multiarch_host.arch=%r is not an architecture the arch table knows" % (raw,)
    return arch, None


def host_arch(fact, name, supported=False):
    """The canonical arch of the host, or HostFactError naming ``name``.

    ``supported``: also refuse an arch outside SUPPORTED_HOST_ARCHES (the arches
    whose nova-compute settings the collection decides).
    """
    if not isinstance(fact, dict):
        raise HostFactError("host %s: multiarch_host must be a dict (the fact host_facts sets), got %s" % (name, type(fact).__name__))
    try:
        arch = canonical_arch(fact.get("arch"))
    except UnknownArchError as exc:
        raise HostFactError("host %s: multiarch_host.arch: %s" % (name, exc)) from None
    if supported and arch not in SUPPORTED_HOST_ARCHES:
        raise HostFactError(
            "host %s: arch %s: nova-compute settings are decided for %s hosts only; leave this host out of the compute group"
            % (name, arch, ", ".join(SUPPORTED_HOST_ARCHES))
        )
    return arch


def _raw_guests(fact):
    """The fact's ``guests`` dict as it is (empty when absent or not a dict: unknown)."""
    raw = fact.get("guests") if isinstance(fact, dict) else None
    return raw if isinstance(raw, dict) else {}


def checked(fact, label):
    """``(arch as detected, kvm usable (true, false or None: unknown), every guest)`` of a fact that follows the contract; HostFactError otherwise.

    Strict where the other accessors are lenient: for code that must refuse a malformed
    fact (``label`` names the host, e.g. "host cmp1"). Guests keep every name libvirt gave,
    arches the table does not know included.
    """
    if not isinstance(fact, Mapping):
        raise HostFactError(
            "%s: expected the multiarch_host dict, got %r; run the multiarch.kolla.host_facts role (module host_arch_info) on the host first"
            % (label, fact)
        )
    arch, kvm_fact, all_guests = fact.get("arch"), fact.get("kvm"), fact.get("guests")
    if not isinstance(arch, str) or not arch:
        raise HostFactError("%s: multiarch_host has no 'arch' (got %r); run multiarch.kolla.host_facts again" % (label, arch))
    if not isinstance(kvm_fact, Mapping) or "usable" not in kvm_fact or not isinstance(kvm_fact["usable"], (bool, type(None))):
        raise HostFactError(
            "%s: multiarch_host.kvm.usable must be true, false or null (got kvm=%r); run multiarch.kolla.host_facts again" % (label, kvm_fact)
        )
    if not isinstance(all_guests, Mapping) or not all(isinstance(g, Mapping) for g in all_guests.values()):
        raise HostFactError(
            "%s: multiarch_host.guests must be a dict of guest dicts (got %r); run multiarch.kolla.host_facts again" % (label, all_guests)
        )
    return arch, kvm_fact["usable"], all_guests


def guests(fact):
    """The guests the host runs, keyed by canonical arch (names the arch table does not know, and malformed entries, are left out)."""
    result = {}
    for key, guest in _raw_guests(fact).items():
        arch = canonical_arch(key, strict=False)
        if arch and isinstance(guest, dict):
            result.setdefault(arch, guest)
    return result


def kvm(fact):
    """The fact's ``kvm`` dict (empty when absent or malformed)."""
    value = fact.get("kvm") if isinstance(fact, dict) else None
    return value if isinstance(value, dict) else {}


KVM_USABLE = "usable"
KVM_UNUSABLE = "unusable"
KVM_UNKNOWN = "unknown"


def kvm_usable(fact):
    """Whether KVM is known to be usable on the host (``kvm.usable`` is true); False when false or unknown."""
    return kvm(fact).get("usable") is True


def kvm_state(fact):
    """``usable`` (kvm.usable true), ``unusable`` (false) or ``unknown`` (null, or not reported)."""
    usable = kvm(fact).get("usable")
    if usable is True:
        return KVM_USABLE
    if usable is False:
        return KVM_UNUSABLE
    return KVM_UNKNOWN


def kvm_reason(fact):
    """The fact's own words on why KVM is not usable or unknown (``kvm.reason``), or a default naming the field."""
    reason = kvm(fact).get("reason")
    if reason:
        return to_text(reason)
    return "multiarch_host.kvm.usable is %s" % {KVM_USABLE: "true", KVM_UNUSABLE: "false"}.get(kvm_state(fact), "null or missing")


def kvm_on_request(fact):
    """None when the operator may ask for ``virt_type = kvm`` on this host, else why not (the fact's reason).

    Accepted: KVM usable; KVM unknown (/dev/kvm this user could not open: the operator
    asserts it works for libvirt); PR-KVM (``module`` kvm_pr, opened read-write) asked for
    by name. Refused: everything the fact knows to be unusable.
    """
    state = kvm_state(fact)
    info = kvm(fact)
    if state != KVM_UNUSABLE or (info.get("module") == "kvm_pr" and info.get("rw") is True):
        return None
    return kvm_reason(fact)


def with_guests(fact, extra):
    """A copy of ``fact`` whose ``guests`` also hold ``extra`` (``{arch: guest}``) where absent."""
    result = dict(fact)
    merged = dict(_raw_guests(fact))
    for arch, guest in extra.items():
        merged.setdefault(arch, guest)
    result["guests"] = merged
    return result
