# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the ``nova_compute_arch`` role decides for one host (filter ``nova_compute_arch_plan``).

``compute_arch_plan`` never raises for a host problem: it returns ``errors``
(one sentence each, naming the host, key and value) so that the role can decide
every host first and fail once, listing all of them, before anything is
installed. Inputs are the ``multiarch_host`` fact (docs/multiarch_host.md) and
the role's variables; the plan's ``decision`` is the fact the role publishes,
``multiarch_nova_compute`` (docs/decisions.md), which role ``kolla_multiarch``
renders.

Emulation modes (a guest arch the host does not run natively, from
``emulated_arches``):

* ``dedicated``: ``[libvirt] virt_type = qemu``. nova reports
  ``COMPUTE_ARCH_<ARCH>`` for every emulated arch itself, so nova's image
  metadata prefilter (``hw_emulation_architecture`` -> required
  ``COMPUTE_ARCH_<ARCH>``) finds the host. Every guest on the host runs under TCG.
* ``shared``: ``virt_type`` stays ``kvm`` where KVM is usable, so native guests keep
  KVM and foreign guests are downgraded to TCG one by one. nova reports only the
  native ``COMPUTE_ARCH_*`` then, so the host advertises ``CUSTOM_EMULATES_<ARCH>``
  through nova's provider config and emulated images require that trait. With
  ``[scheduler] image_metadata_prefilter`` on, nova would still require
  ``COMPUTE_ARCH_<ARCH>`` for those images and no KVM host qualifies: refused.

The host's own arch counts as runnable even when the host lists only foreign
guests (after the role installed just their emulators): nova-compute runs native
guests with the emulator of Kolla's nova_libvirt image.

Hosts of both modes advertise ``CUSTOM_EMULATES_<ARCH>`` for the arches they
emulate, so one set of image properties (``trait:CUSTOM_EMULATES_<ARCH>=required``)
schedules emulated images onto either kind.

Hosts that run guests under TCG (an emulated arch, or virt_type qemu) get nova-compute
``[DEFAULT]`` timeouts scaled by the TCG slowdown (``defaults``, nova/timeouts.py); KVM
hosts that emulate nothing get none (nova's defaults).
``nova_compute_arch_overrides`` replaces any ``[libvirt]`` or ``[DEFAULT]`` value.
"""

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import emulation, libvirt_image
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import (
    NOVA_LIBVIRT_KEYS,
    NovaLibvirtError,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.provider_config import ProviderConfigError, emulation_trait, provider_config
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.timeouts import TIMEOUT_KEYS, TIMEOUT_RULES, nova_compute_timeouts, tcg_slowdowns
from ansible_collections.multiarch.kolla.plugins.plugin_utils.plain import plain

EMULATION_MODES = ("dedicated", "shared")
# The keys of the published decision (docs/decisions.md, multiarch_nova_compute).
DECISION_KEYS = (
    "arch", "virt_type", "cpu_mode", "libvirt", "libvirt_absent", "emulation_mode", "emulated",
    "traits", "provider_config", "image_properties", "nova_host", "defaults", "defaults_absent", "libvirt_image",
)
# Keys of the fact added later: a fact cached by an older version lacks them, and counts as None for them.
OPTIONAL_DECISION_KEYS = ("libvirt_image",)
_OVERRIDE_KEYS = "[libvirt] %s; [DEFAULT] %s" % (", ".join(NOVA_LIBVIRT_KEYS), ", ".join(TIMEOUT_KEYS))


def _new_plan(host, nova_host, mode):
    name = to_text(host) if host else "(unnamed host)"
    return {
        "host": name,
        "nova_host": to_text(nova_host) if nova_host else name,
        "arch": None,
        "mode": mode,
        "emulated": [],
        "missing": [],
        "packages": [],
        "settings": {},
        "libvirt": {},
        "absent": list(NOVA_LIBVIRT_KEYS),
        "defaults": {},
        "defaults_absent": list(TIMEOUT_KEYS),
        "virt_type": None,
        "cpu_mode": None,
        "traits": [],
        "provider_config": {},
        "image_properties": {},
        "libvirt_image": None,
        "decision": None,
        "errors": [],
        "warnings": [],
    }


def _check_inputs(plan, multiarch_host, mode, overrides):
    """The host's arch, or None after adding the reason to ``errors``."""
    name, errors = plan["host"], plan["errors"]
    if not isinstance(multiarch_host, dict) or "arch" not in multiarch_host:
        errors.append("host %s: multiarch_host is missing or not the host_facts fact; run multiarch.kolla.host_facts first" % name)
        return None
    try:
        host_arch = facts.host_arch(multiarch_host, name)
    except facts.HostFactError as exc:
        errors.append(to_text(exc))
        return None
    if mode not in EMULATION_MODES:
        errors.append("host %s: nova_compute_arch_emulation_mode=%r: use dedicated or shared" % (name, mode))
        return None
    if overrides is not None and not isinstance(overrides, dict):
        errors.append("host %s: nova_compute_arch_overrides=%r: give a dict of nova-compute keys (%s)" % (name, overrides, _OVERRIDE_KEYS))
        return None
    return host_arch


def _foreign_arches(plan, host_arch, emulated_arches, factors):
    """The foreign guest arches asked for, with their image properties; errors for unknown or unschedulable arches."""
    name = plan["host"]
    requested, arch_errors = emulation.as_arch_list(emulated_arches, name, "nova_compute_arch_emulated_arches")
    plan["errors"].extend(arch_errors)
    native = ARCHES[host_arch]["kvm_guests"]
    foreign = sorted(a for a in requested if a not in native)
    for arch in foreign:
        try:
            plan["image_properties"][arch] = glance_arch_properties(arch, emulated=True, require_emulation_trait=True, tcg_slowdown=factors)
        except NovaLibvirtError as exc:
            plan["errors"].append("host %s: nova_compute_arch_emulated_arches: %s" % (name, to_text(exc)))
    return foreign


def _missing_emulators(plan, fact, foreign, os_family, strict):
    """The foreign arches not runnable yet, and the packages that install them (errors when strict)."""
    name = plan["host"]
    guests = facts.guests(fact)
    missing = [a for a in foreign if not emulation.runnable(a, guests)]
    packages = []
    for arch in missing:
        needed, reason = emulation.packages(arch, os_family)
        if reason:
            plan["errors"].append("host %s: cannot install %s guests on OS family %s: %s" % (name, arch, os_family or "unknown", reason))
            continue
        if strict:
            guest = guests.get(arch)
            why = "no %s emulator" % arch if guest is None else "no UEFI firmware for %s (guests.%s.uefi is false)" % (arch, arch)
            plan["errors"].append(
                "host %s: %s guests are not runnable: host_arch_info finds %s (packages that provide them: %s)" % (name, arch, why, ", ".join(needed))
            )
        packages.extend(p for p in needed if p not in packages)
    plan["missing"] = missing
    plan["packages"] = packages
    return missing


def _overrides_for_mode(plan, overrides, foreign, mode):
    """The [libvirt] overrides with the mode's virt_type; None after an error."""
    over = {k: v for k, v in (overrides or {}).items() if k not in TIMEOUT_KEYS}
    if not foreign or mode != "dedicated":
        return over
    asked = over.get("virt_type")
    if asked not in (None, "qemu"):
        plan["errors"].append(
            "host %s: nova_compute_arch_overrides virt_type=%s with dedicated emulation of %s: dedicated emulation hosts run "
            "virt_type qemu so that nova reports COMPUTE_ARCH_* for the emulated arches; use nova_compute_arch_emulation_mode shared "
            "or drop the override" % (plan["host"], asked, ", ".join(foreign))
        )
        return None
    over["virt_type"] = "qemu"
    return over


def _decide_libvirt(plan, fact, over, runnable):
    """Fill the plan's [libvirt] settings; False after an error."""
    try:
        settings = nova_libvirt_settings(fact, over, host=plan["host"], emulated_arches=runnable)
        rendered = render_nova_compute_libvirt(settings)
    except NovaLibvirtError as exc:
        plan["errors"].append(to_text(exc))
        return False
    plan["settings"] = plain(settings)
    plan["libvirt"] = plain(rendered)
    plan["absent"] = [k for k in NOVA_LIBVIRT_KEYS if k not in rendered]
    plan["virt_type"] = settings["virt_type"]
    plan["cpu_mode"] = settings["cpu_mode"]
    return True


def _prefilter_refusal(plan, host_arch, foreign):
    return (
        "host %s: shared emulation of %s is refused with [scheduler] image_metadata_prefilter = true "
        "(nova_compute_arch_image_metadata_prefilter): the prefilter turns an image's hw_emulation_architecture into a required "
        "COMPUTE_ARCH_<ARCH> trait, and a virt_type kvm host reports COMPUTE_ARCH_* only for its native %s guests, so no shared "
        "KVM host would ever qualify for the emulated images; use nova_compute_arch_emulation_mode dedicated (virt_type qemu) "
        "for these hosts, or turn the prefilter off" % (plan["host"], ", ".join(foreign), host_arch)
    )


def _decide_provider_config(plan, foreign, base):
    try:
        traits = [emulation_trait(a) for a in foreign]
        config = provider_config(traits, base, host=plan["host"])
    except ProviderConfigError as exc:
        plan["errors"].append(to_text(exc))
        return False
    plan["traits"] = traits
    plan["provider_config"] = config
    return True


def _timeout_override(plan, rule, value):
    """An operator's [DEFAULT] value as a string, or None after adding the error."""
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or (rule.minimum is not None and number < rule.minimum):
        plan["errors"].append(
            "host %s: nova_compute_arch_overrides %s=%r: nova's [%s] %s is an integer of seconds%s; fix the value or drop the key"
            % (plan["host"], rule.option, value, rule.section, rule.option, "" if rule.minimum is None else " >= %d" % rule.minimum)
        )
        return None
    return str(number)


def _decide_defaults(plan, overrides, factors, instance_build_timeout):
    """Fill the plan's nova-compute [DEFAULT] timeouts (scaled by the TCG slowdown, then the operator's overrides); False after an error."""
    before = len(plan["errors"])
    try:
        values = nova_compute_timeouts(plan["arch"], plan["emulated"], plan["virt_type"], factors,
                                       instance_build_timeout=instance_build_timeout, host=plan["host"])
    except NovaLibvirtError as exc:
        plan["errors"].append(to_text(exc))
        return False
    for rule in TIMEOUT_RULES:
        value = (overrides or {}).get(rule.option)
        if value is not None:
            values[rule.option] = _timeout_override(plan, rule, value)
    plan["defaults"] = {k: values[k] for k in TIMEOUT_KEYS if values.get(k) is not None}
    plan["defaults_absent"] = [k for k in TIMEOUT_KEYS if k not in plan["defaults"]]
    return len(plan["errors"]) == before


def _slowdowns(plan, tcg_slowdown):
    """Every arch's TCG slowdown factor (the arch table's, or the operator's measured ones); None after an error."""
    try:
        return tcg_slowdowns(tcg_slowdown, host=plan["host"])
    except NovaLibvirtError as exc:
        plan["errors"].append(to_text(exc))
        return None


def _decide_image(plan, foreign, kolla_base_distro, container, base):
    """The emulation-ready nova-libvirt image (or the warning that the image lacks emulators); False when refused."""
    value, errors = libvirt_image.libvirt_image(plan["host"], foreign, kolla_base_distro, container, base)
    plan["errors"].extend(errors)
    plan["libvirt_image"] = value
    if container and value is None and not errors:
        plan["warnings"].extend(emulation.image_warnings(plan["host"], plan["arch"], foreign, kolla_base_distro))
    return not errors


def decision(plan):
    """The fact ``multiarch_nova_compute`` (docs/decisions.md) of a plan without errors."""
    return {
        "arch": plan["arch"],
        "virt_type": plan["virt_type"],
        "cpu_mode": plan["cpu_mode"],
        "libvirt": dict(plan["libvirt"]),
        "libvirt_absent": list(plan["absent"]),
        "emulation_mode": plan["mode"],
        "emulated": list(plan["emulated"]),
        "traits": list(plan["traits"]),
        "provider_config": plan["provider_config"],
        "image_properties": plan["image_properties"],
        "nova_host": plan["nova_host"],
        "defaults": dict(plan["defaults"]),
        "defaults_absent": list(plan["defaults_absent"]),
        "libvirt_image": plan["libvirt_image"],
    }


def compute_arch_plan(
    multiarch_host,
    *,
    host=None,
    overrides=None,
    emulated_arches=None,
    mode="dedicated",
    image_metadata_prefilter=False,
    os_family=None,
    kolla_base_distro=None,
    provider_config_base=None,
    strict=True,
    pending_arches=None,
    nova_host=None,
    tcg_slowdown=None,
    instance_build_timeout=None,
    libvirt_container=True,
    libvirt_image=None,
):
    """Decide one host's nova-compute settings, emulation packages and provider config.

    ``strict``: requested emulated arches must be runnable now (after the
    role installed them); with ``strict=False`` (before installing) they are
    listed in ``missing`` with the ``packages`` that install them, and the
    settings are decided as if they were installed.
    ``pending_arches`` (check mode): arches whose packages would be installed
    are treated as runnable.
    ``tcg_slowdown``: the operator's measured {arch: factor}, replacing the arch table's measured
    ones; ``instance_build_timeout``: the operator's value for native hosts, scaled on emulating hosts.
    ``libvirt_container``: libvirt runs in kolla's nova_libvirt container (enable_nova_libvirt_container);
    ``libvirt_image``: the image it runs, from which an emulation-ready one is derived (``nova/libvirt_image.py``).
    Returns a dict; ``errors`` is empty and ``decision`` set when the host is decided.
    """
    plan = _new_plan(host, nova_host, mode)
    host_arch = _check_inputs(plan, multiarch_host, mode, overrides)
    factors = _slowdowns(plan, tcg_slowdown) if host_arch else None
    if factors is None:
        return plan
    plan["arch"] = host_arch
    foreign = _foreign_arches(plan, host_arch, emulated_arches, factors)
    plan["emulated"] = foreign
    if plan["errors"]:
        return plan
    pending = [a for a in (pending_arches or []) if a in foreign]
    fact = emulation.with_pending(multiarch_host, pending) if pending else multiarch_host
    missing = _missing_emulators(plan, fact, foreign, os_family, strict)
    if not _decide_image(plan, foreign, kolla_base_distro, libvirt_container, libvirt_image):
        return plan
    if strict:
        runnable = [a for a in foreign if a not in missing]
    else:
        # Before installing: decide as if the missing arches were installed, as the second pass will.
        runnable = foreign
        fact = emulation.with_pending(fact, missing)
    over = _overrides_for_mode(plan, overrides, foreign, mode)
    if over is None or not _decide_libvirt(plan, emulation.with_native(fact, host_arch), over, runnable):
        return plan
    if mode == "shared" and foreign and plan["virt_type"] == "kvm" and image_metadata_prefilter:
        plan["errors"].append(_prefilter_refusal(plan, host_arch, foreign))
        return plan
    if not _decide_defaults(plan, overrides, factors, instance_build_timeout):
        return plan
    if _decide_provider_config(plan, foreign, provider_config_base) and not plan["errors"]:
        plan["decision"] = decision(plan)
    return plan
