# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova-compute ``[DEFAULT]`` timeouts that fit guests running under TCG (emulated), and the per-image lever.

Controller side, used by ``nova/compute_arch.py`` (the decision's ``defaults``) and
``nova/glance.py`` (``os_shutdown_timeout`` of emulated images). Pure: no nova import.

A guest under TCG does everything slower than under KVM: it takes longer to answer the
ACPI power button, to boot, to reach its agent. nova's timeouts assume KVM speed. The
slowdown ``s`` of a host is the largest factor of the arches it runs under TCG: the
foreign arches it emulates, and its own arch too where ``[libvirt] virt_type`` is qemu
(dedicated emulation mode, or a host without usable KVM), since then every guest runs
under TCG. Each factor is the arch table's ``tcg_slowdown`` (measured on the project's
test machine by tests/bench/bench_tcg_slowdown.py; see the table's header for what and how)
unless the operator measured one on the host (``nova_compute_arch_tcg_slowdown``).

``TIMEOUT_RULES`` is the one table: each option nova-compute reads, nova's default, and
the rule that scales it. A KVM host that emulates nothing gets no value: nova's defaults stand.

Not cited: the Multi-Arch SIG's report (openstack.org/multi-arch-sig-report). Only its
opening is at hand and it holds no timeout values, so no number here comes from it.
"""

import collections
import math
import numbers

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError

# section, option, nova's default and minimum, rule, the floor and cap of a scaled value, upstream source.
# Rules: "scale" - ceil(default * s) within [floor, cap] on every emulating host;
# "scale_if_set" - ceil(operator's value * s) within [floor, cap], only when the operator gave a value above 0.
TimeoutRule = collections.namedtuple("TimeoutRule", "section option default minimum rule floor cap source")
TIMEOUT_RULES = (
    # The clean-shutdown window of stop, rescue, shelve and rebuild; then the guest is destroyed.
    # The image property os_shutdown_timeout wins over it per instance (manager._get_power_off_values).
    # Cap 1800: nova's own long_rpc_timeout default, the longest wait nova plans for anywhere.
    TimeoutRule("DEFAULT", "shutdown_timeout", 60, 0, "scale", 60, 1800,
                "nova 34 nova/conf/compute.py shutdown_timeout; nova/compute/manager.py _get_power_off_values"),
    # 0 (off) unless the operator sets it: nova then errors builds that take longer. Never invented here.
    TimeoutRule("DEFAULT", "instance_build_timeout", 0, 0, "scale_if_set", 0, None,
                "nova 34 nova/conf/compute.py instance_build_timeout; nova/compute/manager.py _check_instance_build_time"),
    # How long nova-compute waits on the RPC calls it makes (to nova-conductor, and to other compute hosts in
    # migrations and resizes of its guests). The calls other services make to this host's guests
    # (set_admin_password, quiesce_instance, attach_interface: nova/compute/rpcapi.py cctxt.call without a timeout)
    # time out on the caller's value (nova-api), which this collection does not write (docs/architectures.md,
    # "Slow hosts"). Cap 600: ten times the default; a longer wait only hides a dead peer.
    TimeoutRule("DEFAULT", "rpc_response_timeout", 60, None, "scale", 60, 600,
                "oslo.messaging oslo_messaging/rpc/client.py _client_opts rpc_response_timeout; nova 34 nova/compute/rpcapi.py"),
)
TIMEOUT_KEYS = tuple(rule.option for rule in TIMEOUT_RULES)
_RULES = {rule.option: rule for rule in TIMEOUT_RULES}


def _factor_problem(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        return "is not a number"
    if value < 1:
        return "is below 1 (TCG is never faster than KVM; 1 means no slowdown)"
    return None


def tcg_slowdowns(measured=None, host=None):
    """``{arch: factor}``: the arch table's ``tcg_slowdown``, replaced per arch by the operator's ``measured`` dict.

    Raises NovaLibvirtError naming the host, key and value for an unknown arch or a factor below 1.
    """
    who = "host %s: " % host if host else ""
    factors = {arch: info["tcg_slowdown"] for arch, info in ARCHES.items()}
    if measured in (None, ""):
        return factors
    if not isinstance(measured, dict):
        raise NovaLibvirtError("%snova_compute_arch_tcg_slowdown=%r: give a dict of guest arch -> factor, e.g. {aarch64: 8}" % (who, measured))
    for key, value in measured.items():
        try:
            arch = canonical_arch(key)
        except UnknownArchError as exc:
            raise NovaLibvirtError("%snova_compute_arch_tcg_slowdown: %s" % (who, exc)) from None
        why = _factor_problem(value)
        if why:
            raise NovaLibvirtError("%snova_compute_arch_tcg_slowdown %s=%r %s; give a factor >= 1 (the guest's time under TCG over its time "
                                   "under KVM; tests/bench/bench_tcg_slowdown.py measures it)" % (who, key, value, why))
        factors[arch] = value
    return factors


def tcg_arches(host_arch, emulated, virt_type):
    """The guest arches a host runs under TCG: the emulated ones, plus its own where virt_type is qemu (no KVM at all)."""
    arches = list(emulated or [])
    if virt_type == "qemu" and host_arch not in arches:
        arches.append(host_arch)
    return arches


def slowdown(arches, factors):
    """The largest factor of ``arches`` (1 when there are none)."""
    return max([1] + [factors[arch] for arch in arches])


def scaled(option, base, factor):
    """``ceil(base * factor)`` within the option's floor and cap (TIMEOUT_RULES)."""
    rule = _RULES[option]
    value = max(rule.floor, math.ceil(base * factor))
    return value if rule.cap is None else min(rule.cap, value)


def _build_timeout(value, host):
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NovaLibvirtError(
            "host %s: nova_compute_arch_instance_build_timeout=%r: give nova's [DEFAULT] instance_build_timeout in seconds for a "
            "native host (an integer >= 0; 0 leaves it off)" % (host, value)
        )
    return value


def nova_compute_timeouts(host_arch, emulated, virt_type, factors, *, instance_build_timeout=None, host=None):
    """``{option: string}`` of nova-compute's ``[DEFAULT]`` for a host; ``{}`` when it runs nothing under TCG.

    ``emulated``: the foreign arches the host emulates; ``virt_type``: its decided ``[libvirt] virt_type``;
    ``factors``: ``tcg_slowdowns()``; ``instance_build_timeout``: the operator's value for a
    native host (scaled when above 0, otherwise not written).
    """
    build = _build_timeout(instance_build_timeout, host)
    arches = tcg_arches(host_arch, emulated, virt_type)
    if not arches:
        return {}
    factor = slowdown(arches, factors)
    values = {}
    for rule in TIMEOUT_RULES:
        if rule.rule == "scale":
            values[rule.option] = scaled(rule.option, rule.default, factor)
        elif build:
            values[rule.option] = scaled(rule.option, build, factor)
    return {option: str(value) for option, value in values.items()}


def os_shutdown_timeout(arch, factors):
    """The image property ``os_shutdown_timeout`` (string) of emulated ``arch`` images: the shutdown_timeout rule for that arch alone."""
    return str(scaled("shutdown_timeout", _RULES["shutdown_timeout"].default, slowdown([arch], factors)))
