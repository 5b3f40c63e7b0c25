# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the ``nova_compute_arch`` role decides for one host, and the aggregates of all hosts.

``compute_arch_plan`` never raises for a host problem: it returns ``errors``
(one sentence each, naming the host, key and value) so that the role can
decide every host first and fail once, listing all of them, before anything is
installed or written. Inputs are the ``multiarch_host`` fact
(docs/multiarch_host.md) and the role's variables.

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
guests (after this role installed just their emulators): nova-compute runs native
guests with the emulator of Kolla's nova_libvirt image.

Hosts of both modes advertise ``CUSTOM_EMULATES_<ARCH>`` for the arches they
emulate, so one set of image properties (``trait:CUSTOM_EMULATES_<ARCH>=required``)
schedules emulated images onto either kind.
"""

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_libvirt import (
    NOVA_LIBVIRT_KEYS,
    NovaLibvirtError,
    glance_arch_properties,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_provider_config import (
    ProviderConfigError,
    emulation_trait,
    plain,
    provider_config,
    render_provider_config_yaml,
)

EMULATION_MODES = ("dedicated", "shared")
# kolla_base_distro values whose images are RPM based (nova-libvirt ships qemu-kvm: the native emulator only).
RPM_KOLLA_DISTROS = ("centos", "rocky", "rhel", "almalinux", "oraclelinux")
DEB_KOLLA_DISTROS = ("debian", "ubuntu")
# ansible_facts.os_family values and the arch table's package families.
OS_FAMILY_KEYS = {"Debian": "Debian", "RedHat": "RedHat"}


def _as_arch_list(value, host, what):
    """Canonical arch names from a list or comma-separated string; (arches, errors)."""
    if value is None or value == "":
        return [], []
    if isinstance(value, str):
        raw = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        raw = list(value)
    else:
        return [], ["host %s: %s=%r: give a list of guest architectures such as [aarch64, ppc64le]" % (host, what, value)]
    arches, errors = [], []
    for item in raw:
        try:
            arch = canonical_arch(item)
        except UnknownArchError as exc:
            errors.append("host %s: %s: %s" % (host, what, exc))
            continue
        if arch not in arches:
            arches.append(arch)
    return arches, errors


def _guests(fact):
    result = {}
    for key, guest in ((fact.get("guests") or {}) if isinstance(fact, dict) else {}).items():
        arch = canonical_arch(key, strict=False)
        if arch and isinstance(guest, dict):
            result.setdefault(arch, guest)
    return result


def _runnable(arch, guests):
    """The host can start guests of ``arch``: an emulator, and UEFI where the arch boots only UEFI."""
    guest = guests.get(arch)
    if guest is None:
        return False
    return not (ARCHES[arch]["uefi"] == "required" and guest.get("uefi") is False)


def _packages(arch, family):
    """(packages, reason): what installs ``arch`` guests on OS family ``family``; reason says why not, else None."""
    info = ARCHES[arch]
    key = OS_FAMILY_KEYS.get(family)
    if key is None:
        return [], "this collection installs emulators on Debian/Ubuntu and EL (RedHat family) hosts only"
    emulators = list(info["emulator_packages"].get(key) or [])
    firmware = list(info["firmware_packages"].get(key) or [])
    if not emulators:
        return [], "the arch table lists no %s package with %s" % (key, info["qemu_binary"])
    if info["uefi"] == "required" and not firmware:
        return [], "%s guests boot UEFI only and the arch table lists no %s UEFI firmware package for them" % (arch, key)
    return emulators + firmware, None


def _with_pending(fact, pending):
    """A copy of ``fact`` whose ``guests`` also hold the arches about to be installed (check mode)."""
    result = dict(fact)
    guests = dict(result.get("guests") or {})
    for arch in pending:
        guests.setdefault(arch, {"accel": "tcg", "emulator": "/usr/bin/" + ARCHES[arch]["qemu_binary"], "machines": [], "cpu_models": [], "uefi": None})
    result["guests"] = guests
    return result


def _with_native(fact, host_arch):
    """A copy of ``fact`` whose ``guests`` include the host's own arch (details unknown) when only foreign ones are listed.

    nova-compute runs guests of its own arch with the emulator of the nova_libvirt
    image, whatever the host itself has installed; a host where this role
    installed only foreign emulators must keep its native settings (machine type).
    """
    guests = fact.get("guests") or {}
    if not guests or any(canonical_arch(k, strict=False) == host_arch for k in guests):
        return fact
    result = dict(fact)
    result["guests"] = dict(guests)
    result["guests"][host_arch] = {}
    return result


def _image_warnings(host, host_arch, foreign, kolla_base_distro):
    distro = (kolla_base_distro or "").strip().lower()
    if not foreign:
        return []
    listed = ", ".join(foreign)
    if distro in RPM_KOLLA_DISTROS:
        return [
            "host %s: kolla_base_distro=%s: Kolla's RPM-based nova-libvirt image installs qemu-kvm, the native emulator only, so the "
            "emulated %s guests cannot start in it even with the emulators installed on the host; use a Debian or Ubuntu based "
            "nova-libvirt image (qemu-system) or build one that adds qemu-system-<arch>" % (host, distro, listed)
        ]
    if distro in DEB_KOLLA_DISTROS:
        native_fw = set(ARCHES[host_arch]["firmware_packages"].get("Debian") or [])
        lacking = [
            "%s (%s)" % (arch, ", ".join(ARCHES[arch]["firmware_packages"]["Debian"]))
            for arch in foreign
            if ARCHES[arch]["uefi"] == "required" and not set(ARCHES[arch]["firmware_packages"].get("Debian") or []) <= native_fw
        ]
        if lacking:
            return [
                "host %s: kolla_base_distro=%s: Kolla's %s nova-libvirt image carries qemu-system for every arch but only the %s guest "
                "firmware; %s guests boot UEFI only, so add the package(s) to the image (kolla-build: nova_libvirt_packages_append)"
                % (host, distro, host_arch, host_arch, ", ".join(lacking))
            ]
        return []
    return [
        "host %s: kolla_base_distro is not known here; the nova-libvirt image must carry the emulators and firmware of %s "
        "(Kolla's RPM-based images carry only the native emulator)" % (host, listed)
    ]


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
):
    """Decide one host's nova-compute settings, emulation packages and provider config.

    ``strict``: requested emulated arches must be runnable now (after the
    role installed them); with ``strict=False`` (before installing) they are
    listed in ``missing`` with the ``packages`` that install them, and the
    settings are decided as if they were installed.
    ``pending_arches`` (check mode): arches whose packages would be installed
    are treated as runnable.
    Returns a dict; ``errors`` is empty when the host can be written.
    """
    name = to_text(host) if host else "(unnamed host)"
    plan = {
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
        "virt_type": None,
        "cpu_mode": None,
        "traits": [],
        "provider_config": {},
        "provider_config_yaml": "",
        "image_properties": {},
        "errors": [],
        "warnings": [],
    }
    errors, warnings = plan["errors"], plan["warnings"]

    if not isinstance(multiarch_host, dict) or "arch" not in multiarch_host:
        errors.append("host %s: multiarch_host is missing or not the host_facts fact; run multiarch.kolla.host_facts first" % name)
        return plan
    try:
        host_arch = canonical_arch(multiarch_host.get("arch"))
    except UnknownArchError as exc:
        errors.append("host %s: multiarch_host.arch: %s" % (name, exc))
        return plan
    plan["arch"] = host_arch

    if mode not in EMULATION_MODES:
        errors.append("host %s: nova_compute_arch_emulation_mode=%r: use dedicated or shared" % (name, mode))
        return plan
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, dict):
        errors.append("host %s: nova_compute_arch_overrides=%r: give a dict of [libvirt] keys (%s)" % (name, overrides, ", ".join(NOVA_LIBVIRT_KEYS)))
        return plan

    requested, arch_errors = _as_arch_list(emulated_arches, name, "nova_compute_arch_emulated_arches")
    errors.extend(arch_errors)
    native = ARCHES[host_arch]["kvm_guests"] if host_arch in ARCHES else (host_arch,)
    foreign = sorted(a for a in requested if a not in native)
    plan["emulated"] = foreign
    for arch in foreign:
        try:
            plan["image_properties"][arch] = glance_arch_properties(arch, emulated=True, require_emulation_trait=True)
        except NovaLibvirtError as exc:
            errors.append("host %s: nova_compute_arch_emulated_arches: %s" % (name, to_text(exc)))
    if errors:
        return plan

    pending = [a for a in (pending_arches or []) if a in foreign]
    fact = _with_pending(multiarch_host, pending) if pending else multiarch_host
    guests = _guests(fact)
    missing = [a for a in foreign if not _runnable(a, guests)]
    plan["missing"] = missing
    packages = []
    for arch in missing:
        needed, reason = _packages(arch, os_family)
        if reason:
            errors.append("host %s: cannot install %s guests on OS family %s: %s" % (name, arch, os_family or "unknown", reason))
            continue
        if strict:
            guest = guests.get(arch)
            why = "no %s emulator" % arch if guest is None else "no UEFI firmware for %s (guests.%s.uefi is false)" % (arch, arch)
            errors.append(
                "host %s: %s guests are not runnable: host_arch_info finds %s (packages that provide them: %s)" % (name, arch, why, ", ".join(needed))
            )
        packages.extend(p for p in needed if p not in packages)
    plan["packages"] = packages
    warnings.extend(_image_warnings(name, host_arch, foreign, kolla_base_distro))

    if strict:
        runnable = [a for a in foreign if a not in missing]
    else:
        # Before installing: decide as if the missing arches were installed, as the second pass will.
        runnable = foreign
        fact = _with_pending(fact, missing)
    fact = _with_native(fact, host_arch)
    over = dict(overrides)
    if foreign and mode == "dedicated":
        asked = over.get("virt_type")
        if asked not in (None, "qemu"):
            errors.append(
                "host %s: nova_compute_arch_overrides virt_type=%s with dedicated emulation of %s: dedicated emulation hosts run "
                "virt_type qemu so that nova reports COMPUTE_ARCH_* for the emulated arches; use nova_compute_arch_emulation_mode shared "
                "or drop the override" % (name, asked, ", ".join(foreign))
            )
            return plan
        over["virt_type"] = "qemu"
    try:
        settings = nova_libvirt_settings(fact, over, host=name, emulated_arches=runnable)
        rendered = render_nova_compute_libvirt(settings)
    except NovaLibvirtError as exc:
        errors.append(to_text(exc))
        return plan
    plan["settings"] = plain(settings)
    plan["libvirt"] = plain(rendered)
    plan["absent"] = [k for k in NOVA_LIBVIRT_KEYS if k not in rendered]
    plan["virt_type"] = settings["virt_type"]
    plan["cpu_mode"] = settings["cpu_mode"]

    if mode == "shared" and foreign and settings["virt_type"] == "kvm" and image_metadata_prefilter:
        errors.append(
            "host %s: shared emulation of %s is refused with [scheduler] image_metadata_prefilter = true "
            "(nova_compute_arch_image_metadata_prefilter): the prefilter turns an image's hw_emulation_architecture into a required "
            "COMPUTE_ARCH_<ARCH> trait, and a virt_type kvm host reports COMPUTE_ARCH_* only for its native %s guests, so no shared "
            "KVM host would ever qualify for the emulated images; use nova_compute_arch_emulation_mode dedicated (virt_type qemu) "
            "for these hosts, or turn the prefilter off" % (name, ", ".join(foreign), host_arch)
        )
        return plan

    try:
        traits = [emulation_trait(a) for a in foreign]
        config = provider_config(traits, provider_config_base, host=name)
        plan["provider_config_yaml"] = render_provider_config_yaml(config)
    except ProviderConfigError as exc:
        errors.append(to_text(exc))
        return plan
    plan["traits"] = traits
    plan["provider_config"] = config
    return plan


def compute_arch_aggregates(plans, prefix=""):
    """Host aggregates from the plans of all hosts: one per host arch, one per emulated guest arch.

    ``plans`` is a list of plans (or a dict of host name to plan); plans with
    errors are skipped. Each aggregate is ``{name, hosts, metadata}``, sorted by
    name, hosts sorted: the arguments of ``openstack.cloud.host_aggregate``.
    """
    if isinstance(plans, dict):
        plans = list(plans.values())
    if not isinstance(plans, (list, tuple)):
        raise NovaLibvirtError("nova_compute_arch_aggregates: expected a list of nova_compute_arch_plan results, got %r" % (plans,))
    prefix = to_text(prefix or "")
    aggregates = {}

    def add(name, host, metadata):
        entry = aggregates.setdefault(prefix + name, {"name": prefix + name, "hosts": [], "metadata": metadata})
        if host not in entry["hosts"]:
            entry["hosts"].append(host)

    for plan in plans:
        if not isinstance(plan, dict) or plan.get("errors") or not plan.get("arch"):
            continue
        host = plan.get("nova_host") or plan.get("host")
        add("arch-%s" % plan["arch"], host, {"hw_architecture": plan["arch"]})
        for arch in plan.get("emulated") or []:
            add("emulates-%s" % arch, host, {"hw_emulation_architecture": arch})
    result = []
    for name in sorted(aggregates):
        entry = aggregates[name]
        entry["hosts"] = sorted(entry["hosts"])
        result.append(entry)
    return result
