# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide nova-compute ``[libvirt]`` settings and glance image properties per architecture.

Controller-side logic behind the filters ``nova_libvirt_settings``,
``nova_cpu_baseline`` and ``glance_arch_properties``. Every per-architecture value
comes from ``module_utils/archtable.py``; the input is the ``multiarch_host`` fact
(docs/multiarch_host.md) plus operator overrides. libvirt-python is optional (used
for libvirt's own CPU baseline computation); nova is never imported here.

Rules (checked against nova 34's own code in the unit tests):

* ``virt_type`` is ``kvm`` only where ``kvm.usable``; otherwise ``qemu`` (TCG).
* KVM: the arch's ``kvm_cpu_mode`` (x86_64/ppc64le ``host-model``, aarch64
  ``host-passthrough``: libvirt has no host-model on aarch64).
* TCG: ``custom`` with the first of the arch's ``tcg_cpu_models`` the host's own
  emulator lists (``guests[<host arch>].cpu_models``), or the first of them when
  that list is unknown.
* ``hw_machine_type``: the table's machine type of every guest arch in ``guests``
  whose emulator offers it; with ``guests`` empty (unknown) that of the host's
  own arch.
* A host that serves emulated guests of other arches (``emulated_arches``, or a
  host whose libvirt offers no guest of its own arch) gets ``cpu_mode = none``:
  nova applies ``[libvirt] cpu_mode``/``cpu_models`` to every guest, and libvirt
  refuses host-model and other-arch named models for a foreign TCG guest.
"""

import re
import xml.etree.ElementTree as ET

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import COMPUTE_ARCH_TRAITS
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import (
    ARCHES,
    SUPPORTED_HOST_ARCHES,
    UnknownArchError,
    canonical_arch,
)

try:
    import libvirt

    HAS_LIBVIRT = True
except ImportError:  # pragma: no cover - depends on the controller
    libvirt = None
    HAS_LIBVIRT = False

# nova [libvirt] cpu_mode choices (nova/conf/libvirt.py).
CPU_MODES = ("host-model", "host-passthrough", "custom", "none")
# virt_type values this collection writes (nova also knows lxc and parallels).
VIRT_TYPES = ("kvm", "qemu")
# nova [libvirt] num_pcie_ports: IntOpt(min=0, max=28).
NOVA_MAX_PCIE_PORTS = 28
# Keys of the settings dict, in the order they are rendered; the role owns exactly
# these keys of nova-compute.conf [libvirt] and removes the ones not rendered.
NOVA_LIBVIRT_KEYS = ("virt_type", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "hw_machine_type", "num_pcie_ports")
OVERRIDE_KEYS = NOVA_LIBVIRT_KEYS

_FLAG_RE = re.compile(r"^[+-]?[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MACHINE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Named-model variants rank with their family: <family>[-noTSX][-IBRS|-IBPB][-vN].
_MODEL_RE = re.compile(r"^(?P<family>.+?)(?P<variant>-noTSX-IBRS|-noTSX|-IBRS|-IBPB)?(?:-v(?P<version>[0-9]+))?$")
_VARIANT_RANK = {"-noTSX": 0, None: 1, "-noTSX-IBRS": 2, "-IBRS": 3, "-IBPB": 3}


class NovaLibvirtError(AnsibleFilterError):
    """A value the rules cannot turn into a working nova configuration."""


# --------------------------------------------------------------------------- helpers


def _host_name(multiarch_host, host=None, index=None):
    if host:
        return to_text(host)
    if isinstance(multiarch_host, dict):
        for key in ("hostname", "inventory_hostname", "name"):
            if multiarch_host.get(key):
                return to_text(multiarch_host[key])
    if index is not None:
        return "host #%d" % index
    return "(unnamed host)"


def _host_arch(multiarch_host, name):
    if not isinstance(multiarch_host, dict):
        raise NovaLibvirtError(
            "host %s: multiarch_host must be a dict (the fact host_facts sets), got %s" % (name, type(multiarch_host).__name__)
        )
    raw = multiarch_host.get("arch")
    try:
        arch = canonical_arch(raw)
    except UnknownArchError as exc:
        raise NovaLibvirtError("host %s: multiarch_host.arch: %s" % (name, exc)) from None
    return arch


def _supported_host_arch(multiarch_host, name):
    arch = _host_arch(multiarch_host, name)
    if arch not in SUPPORTED_HOST_ARCHES:
        raise NovaLibvirtError(
            "host %s: arch %s: nova-compute settings are decided for %s hosts only; leave this host out of the compute group"
            % (name, arch, ", ".join(SUPPORTED_HOST_ARCHES))
        )
    return arch


def _guests(multiarch_host):
    """Guests keyed by canonical arch (unknown arch names dropped)."""
    result = {}
    for key, guest in (multiarch_host.get("guests") or {}).items():
        arch = canonical_arch(key, strict=False)
        if arch and isinstance(guest, dict):
            result.setdefault(arch, guest)
    return result


def _kvm_usable(multiarch_host):
    kvm = multiarch_host.get("kvm") or {}
    return bool(kvm.get("usable")) if isinstance(kvm, dict) else False


def _as_list(value, what, name):
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            if not isinstance(v, str) or not v.strip():
                raise NovaLibvirtError("host %s: override %s=%r: every item must be a non-empty string" % (name, what, value))
            items.append(v.strip())
        return items
    raise NovaLibvirtError("host %s: override %s=%r: give a list or a comma-separated string" % (name, what, value))


def _lookup_model(model, known):
    """Return the spelling of ``model`` in ``known`` (case-insensitive, as nova maps names), or None."""
    lowered = {m.lower(): m for m in known}
    return lowered.get(model.lower())


def model_rank(arch, model):
    """Sort key of a named CPU model for ``arch`` (higher is newer), or None when unranked.

    A model ranks by its family's position in the arch's ``cpu_model_families``
    (oldest to newest), then by QEMU's version suffix ``-vN``, then by variant:
    ``-noTSX`` < plain < ``-noTSX-IBRS`` < ``-IBRS``/``-IBPB``.
    """
    families = [f.lower() for f in ARCHES[canonical_arch(arch)]["cpu_model_families"]]
    match = _MODEL_RE.match(model or "")
    if not match:
        return None
    family = match.group("family").lower()
    if family not in families:
        if model.lower() in families:
            family, variant, version = model.lower(), None, 0
        else:
            return None
    else:
        variant = match.group("variant")
        version = int(match.group("version") or 0)
    return (families.index(family), version, _VARIANT_RANK[variant], -len(model))


# --------------------------------------------------------------------------- settings


def pick_tcg_cpu_model(arch, emulator_models):
    """The first of the arch's ``tcg_cpu_models`` the emulator lists (any when unknown); None when none matches."""
    prefs = ARCHES[arch]["tcg_cpu_models"]
    if not prefs:
        return None
    if not emulator_models:
        return prefs[0]
    for pref in prefs:
        found = _lookup_model(pref, emulator_models)
        if found:
            return found
    return None


def _default_machine_types(guests):
    entries = []
    for arch, info in ARCHES.items():
        guest = guests.get(arch)
        machine = info["machine_type"]
        if guest is None or not machine:
            continue
        machines = guest.get("machines") or []
        if machines and machine not in machines:
            continue
        entries.append((arch, machine))
    return entries


def _parse_machine_types(value, guests, name):
    if isinstance(value, dict):
        pairs = [(to_text(k), v) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = []
        for raw_item in value.split(","):
            item = raw_item.strip()
            if not item:
                continue
            arch, sep, machine = item.partition("=")
            if not sep:
                raise NovaLibvirtError(
                    "host %s: override hw_machine_type=%r: item %r is not arch=machine (nova format: x86_64=q35,aarch64=virt)"
                    % (name, value, item)
                )
            pairs.append((arch.strip(), machine.strip()))
    else:
        raise NovaLibvirtError(
            "host %s: override hw_machine_type=%r: give a dict {arch: machine} or nova's string x86_64=q35,aarch64=virt" % (name, value)
        )
    entries = []
    for raw_arch, machine in pairs:
        arch = canonical_arch(raw_arch, strict=False)
        if arch is None:
            raise NovaLibvirtError("host %s: override hw_machine_type: unknown arch %r; known: %s" % (name, raw_arch, ", ".join(ARCHES)))
        if arch not in guests:
            raise NovaLibvirtError(
                "host %s: override hw_machine_type: %s=%s but the host cannot run %s guests (guests: %s); install %s or drop the entry"
                % (name, raw_arch, machine, arch, ", ".join(sorted(guests)) or "none", ARCHES[arch]["qemu_binary"])
            )
        if not isinstance(machine, str) or not _MACHINE_RE.match(machine):
            raise NovaLibvirtError("host %s: override hw_machine_type: %s=%r is not a machine type name" % (name, raw_arch, machine))
        machines = guests[arch].get("machines") or []
        if machines and machine not in machines:
            raise NovaLibvirtError(
                "host %s: override hw_machine_type: %s=%s is not offered by %s on this host; pick one of %s"
                % (name, arch, machine, guests[arch].get("emulator") or ARCHES[arch]["qemu_binary"], ", ".join(machines))
            )
        if arch in [a for a, _m in entries]:
            raise NovaLibvirtError("host %s: override hw_machine_type: %s appears twice" % (name, arch))
        entries.append((arch, machine))
    return entries


def _pcie_ports(value, arch, name):
    info = ARCHES[arch]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise NovaLibvirtError("host %s: override num_pcie_ports=%r: give an integer 0..%d" % (name, value, NOVA_MAX_PCIE_PORTS))
    try:
        ports = int(value)
    except ValueError:
        raise NovaLibvirtError("host %s: override num_pcie_ports=%r: give an integer 0..%d" % (name, value, NOVA_MAX_PCIE_PORTS)) from None
    if not info["pcie_root_ports"]:
        raise NovaLibvirtError(
            "host %s: override num_pcie_ports=%r: nova adds PCIe root ports only on x86_64 (q35) and aarch64 (virt) hosts, not on %s; drop it"
            % (name, value, arch)
        )
    limit = min(info["max_pcie_ports"] or NOVA_MAX_PCIE_PORTS, NOVA_MAX_PCIE_PORTS)
    if not 0 <= ports <= limit:
        raise NovaLibvirtError(
            "host %s: override num_pcie_ports=%r: %s hosts allow 0..%d (nova's limit for the virt/q35 machines)" % (name, value, arch, limit)
        )
    return ports


def nova_libvirt_settings(multiarch_host, overrides=None, host=None, emulated_arches=None):
    """Return nova-compute ``[libvirt]`` settings for one host.

    ``overrides`` (one dict, keys of NOVA_LIBVIRT_KEYS) win per key after validation.
    ``emulated_arches``: guest arches other than the host's own that this host
    serves emulated (hw_emulation_architecture images); they force cpu_mode none.
    Raises NovaLibvirtError naming the host, key and value for anything nova or
    libvirt would refuse.
    """
    name = _host_name(multiarch_host, host)
    arch = _supported_host_arch(multiarch_host, name)
    info = ARCHES[arch]
    guests = _guests(multiarch_host)
    kvm_usable = _kvm_usable(multiarch_host)
    own_guest = guests.get(arch) or {}
    emulator_models = list(own_guest.get("cpu_models") or [])
    emulator = own_guest.get("emulator") or info["qemu_binary"]

    if overrides is None:
        overrides = {}
    if not isinstance(overrides, dict):
        raise NovaLibvirtError("host %s: overrides must be a dict of [libvirt] keys, got %r" % (name, overrides))
    unknown = sorted(k for k in overrides if k not in OVERRIDE_KEYS)
    if unknown:
        raise NovaLibvirtError(
            "host %s: unknown override key(s) %s (values %s); valid keys: %s"
            % (name, ", ".join(unknown), ", ".join("%r" % (overrides[k],) for k in unknown), ", ".join(OVERRIDE_KEYS))
        )
    over = {k: v for k, v in overrides.items() if v is not None}

    emulated = []
    for raw in _as_list(emulated_arches, "emulated_arches", name):
        guest_arch = canonical_arch(raw, strict=False)
        if guest_arch is None:
            raise NovaLibvirtError("host %s: emulated_arches: unknown arch %r; known: %s" % (name, raw, ", ".join(ARCHES)))
        if guest_arch in info["kvm_guests"]:
            continue  # native to this host, not emulated
        if guest_arch not in guests:
            raise NovaLibvirtError(
                "host %s: emulated_arches: %s but the host has no %s emulator (guests: %s); install %s"
                % (name, guest_arch, guest_arch, ", ".join(sorted(guests)) or "none", " ".join(ARCHES[guest_arch]["emulator_packages"].get("Debian", [])))
            )
        if guest_arch not in emulated:
            emulated.append(guest_arch)

    # virt_type
    virt_type = over.get("virt_type", "kvm" if kvm_usable else "qemu")
    if virt_type not in VIRT_TYPES:
        raise NovaLibvirtError("host %s: override virt_type=%r: this collection writes one of %s" % (name, virt_type, ", ".join(VIRT_TYPES)))
    if virt_type == "kvm" and not kvm_usable:
        reason = (multiarch_host.get("kvm") or {}).get("reason") if isinstance(multiarch_host.get("kvm"), dict) else None
        raise NovaLibvirtError(
            "host %s: override virt_type=kvm but KVM is not usable on this host (%s); use virt_type qemu or fix /dev/kvm"
            % (name, reason or "multiarch_host.kvm.usable is false")
        )

    # cpu_mode
    foreign_only = bool(guests) and arch not in guests
    if emulated or foreign_only:
        default_mode = "none"
    elif virt_type == "kvm":
        default_mode = info["kvm_cpu_mode"]
    else:
        default_mode = "custom"
    cpu_mode = over.get("cpu_mode", default_mode)
    if cpu_mode not in CPU_MODES:
        raise NovaLibvirtError("host %s: override cpu_mode=%r: valid values are %s" % (name, cpu_mode, ", ".join(CPU_MODES)))
    if "cpu_mode" in over:
        foreign = emulated or (sorted(guests) if foreign_only else [])
        if foreign and cpu_mode != "none":
            raise NovaLibvirtError(
                "host %s: override cpu_mode=%s while the host runs emulated %s guests: nova applies [libvirt] cpu_mode to every guest and "
                "libvirt accepts only cpu_mode none for a %s guest on a %s host; use none or stop emulating on this host"
                % (name, cpu_mode, ", ".join(foreign), foreign[0], arch)
            )
        if cpu_mode == "host-model" and not info["host_model"]:
            raise NovaLibvirtError(
                "host %s: override cpu_mode=host-model: libvirt has no host-model on %s; use host-passthrough (KVM) or custom" % (name, arch)
            )
        if virt_type == "qemu" and cpu_mode not in info["tcg_cpu_modes"]:
            raise NovaLibvirtError(
                "host %s: override cpu_mode=%s with virt_type qemu: libvirt offers %s for TCG guests on %s"
                % (name, cpu_mode, ", ".join(info["tcg_cpu_modes"]), arch)
            )

    # cpu_models
    if "cpu_models" in over:
        models = _as_list(over["cpu_models"], "cpu_models", name)
        if models and cpu_mode != "custom":
            raise NovaLibvirtError(
                "host %s: override cpu_models=%r with cpu_mode %s: nova refuses cpu_models unless cpu_mode is custom" % (name, over["cpu_models"], cpu_mode)
            )
    else:
        models = []
    flags = _as_list(over.get("cpu_model_extra_flags"), "cpu_model_extra_flags", name)
    for flag in flags:
        if not _FLAG_RE.match(flag):
            raise NovaLibvirtError("host %s: override cpu_model_extra_flags: %r is not a CPU flag ([+|-]name)" % (name, flag))
    if flags and cpu_mode == "none":
        raise NovaLibvirtError("host %s: override cpu_model_extra_flags=%r with cpu_mode none: nova ignores CPU flags without a CPU model" % (name, flags))

    if cpu_mode == "custom":
        if not models:
            if virt_type == "kvm":
                raise NovaLibvirtError(
                    "host %s: override cpu_mode=custom under KVM needs cpu_models (a model this CPU runs, e.g. from nova_cpu_baseline)" % name
                )
            picked = pick_tcg_cpu_model(arch, emulator_models)
            if picked is None:
                raise NovaLibvirtError(
                    "host %s: %s lists none of the default TCG models %s; set cpu_models to one of %s"
                    % (name, emulator, ", ".join(info["tcg_cpu_models"]), ", ".join(emulator_models))
                )
            models = [picked]
        checked = []
        disables = any(f.startswith("-") for f in flags)
        for model in models:
            if emulator_models:
                found = _lookup_model(model, emulator_models)
                if found is None and not (virt_type == "kvm" and disables):
                    raise NovaLibvirtError(
                        "host %s: override cpu_models: %s is not a model %s runs on this host (usable: %s)"
                        % (name, model, emulator, ", ".join(emulator_models))
                    )
                checked.append(found or model)
            elif virt_type == "kvm" and info["compat_cpu_models"]:
                found = _lookup_model(model, info["compat_cpu_models"])
                if found is None:
                    raise NovaLibvirtError(
                        "host %s: override cpu_models: %s is not a %s compatibility model (%s)" % (name, model, arch, ", ".join(info["compat_cpu_models"]))
                    )
                checked.append(found)
            else:
                checked.append(model)
        models = checked

    # hw_machine_type. An empty ``guests`` means unknown (no emulator on the host
    # itself, as on kolla hosts whose QEMU lives in the nova_libvirt container): the
    # host's own arch gets its table machine type, overrides may name its native arches.
    if "hw_machine_type" in over:
        machine_entries = _parse_machine_types(over["hw_machine_type"], guests or {a: {} for a in info["kvm_guests"]}, name)
    else:
        machine_entries = _default_machine_types(guests or {arch: {}})
    hw_machine_type = ",".join("%s=%s" % pair for pair in machine_entries) or None

    # num_pcie_ports
    if "num_pcie_ports" in over:
        num_pcie_ports = _pcie_ports(over["num_pcie_ports"], arch, name)
    else:
        num_pcie_ports = info["default_pcie_ports"] if info["pcie_root_ports"] else None

    return {
        "virt_type": virt_type,
        "cpu_mode": cpu_mode,
        "cpu_models": models,
        "cpu_model_extra_flags": flags,
        "hw_machine_type": hw_machine_type,
        "num_pcie_ports": num_pcie_ports,
    }


def render_nova_compute_libvirt(settings):
    """Render settings as nova-compute.conf ``[libvirt]`` INI values: ``{key: string}``.

    Keys whose value is None or an empty list are left out (nova's default
    applies); the role removes owned keys (NOVA_LIBVIRT_KEYS) that are not rendered.
    Lists are comma-joined as oslo.config's ListOpt reads them.
    """
    if not isinstance(settings, dict):
        raise NovaLibvirtError("render_nova_compute_libvirt: settings must be the dict nova_libvirt_settings returns, got %r" % (settings,))
    unknown = sorted(k for k in settings if k not in NOVA_LIBVIRT_KEYS)
    if unknown:
        raise NovaLibvirtError(
            "render_nova_compute_libvirt: unknown key(s) %s; nova [libvirt] keys rendered here: %s" % (", ".join(unknown), ", ".join(NOVA_LIBVIRT_KEYS))
        )
    rendered = {}
    for key in NOVA_LIBVIRT_KEYS:
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            for item in value:
                if "," in to_text(item) or not to_text(item).strip():
                    raise NovaLibvirtError("render_nova_compute_libvirt: %s item %r cannot be written as a list item" % (key, item))
            rendered[key] = ",".join(to_text(v).strip() for v in value)
        elif isinstance(value, bool):
            raise NovaLibvirtError("render_nova_compute_libvirt: %s=%r: no nova [libvirt] key owned here is a boolean" % (key, value))
        else:
            text = to_text(value)
            if "\n" in text:
                raise NovaLibvirtError("render_nova_compute_libvirt: %s=%r contains a newline" % (key, value))
            rendered[key] = text
    return rendered


# --------------------------------------------------------------------------- baseline


def _named_hosts(hosts):
    if isinstance(hosts, dict):
        if "arch" in hosts and "guests" in hosts:
            raise NovaLibvirtError("nova_cpu_baseline: give a list of multiarch_host facts (or {hostname: fact}), not a single fact")
        return [(to_text(k), v) for k, v in sorted(hosts.items())]
    if isinstance(hosts, (list, tuple)):
        return [(_host_name(h, index=i), h) for i, h in enumerate(hosts)]
    raise NovaLibvirtError("nova_cpu_baseline: expected a list of multiarch_host facts, got %s" % type(hosts).__name__)


def _libvirt_baseline(xmls):
    """Run libvirt's baselineCPU over host CPU XML; return (model, ['-feature', ...]).

    Uses the daemon-less ``test:///default`` driver: baselineCPU only needs
    libvirt's CPU map, not a hypervisor.
    """
    conn = libvirt.open("test:///default")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        out = conn.baselineCPU(list(xmls), 0)
    finally:
        libvirt.registerErrorHandler(None, None)
        conn.close()
    if not out:
        raise ValueError("libvirt returned no baseline CPU")
    root = ET.fromstring(out)
    model = root.findtext("model")
    if not model:
        raise ValueError("libvirt's baseline CPU names no model: %s" % out.strip())
    disabled = ["-" + f.get("name") for f in root.findall("feature") if f.get("policy") == "disable" and f.get("name")]
    return model.strip(), disabled


def _cpu_signature(multiarch_host):
    cpu = multiarch_host.get("cpu") or {}
    if not isinstance(cpu, dict) or not (cpu.get("model") or cpu.get("ids")):
        return None
    ids = cpu.get("ids") or {}
    cores = cpu.get("cores") or []
    return (
        cpu.get("vendor"),
        cpu.get("model"),
        tuple(sorted((to_text(k), to_text(v)) for k, v in ids.items())) if isinstance(ids, dict) else to_text(ids),
        tuple(sorted((to_text(c.get("implementer")), to_text(c.get("part"))) for c in cores if isinstance(c, dict))),
    )


def _host_generation(arch, fact):
    """Family index of the host's own CPU (POWER<n>) from host_cpu_xml or cpu.model, or None."""
    names = []
    xml = fact.get("host_cpu_xml")
    if xml:
        try:
            names.append(ET.fromstring(xml).findtext("model"))
        except ET.ParseError:
            pass
    cpu = fact.get("cpu") or {}
    if isinstance(cpu, dict):
        names.append(cpu.get("model"))
    for text in names:
        match = re.search(r"POWER\s*([0-9]+)", text or "", re.IGNORECASE)
        if match:
            rank = model_rank(arch, "POWER%s" % match.group(1))
            if rank is not None:
                return rank[0]
    return None


def nova_cpu_baseline(hosts, virt_type=None, use_libvirt=True):
    """The newest CPU model every host of a live-migration group runs.

    Returns ``{model, method, hosts, cpu_mode, extra_flags, libvirt_error}`` where ``method`` is
    ``libvirt-baseline`` (libvirt's baselineCPU over each host's ``host_cpu_xml``),
    ``model-intersection`` (the newest model, by the arch's ``cpu_model_families``,
    in every host's ``guests[<arch>].cpu_models``) or, on aarch64 KVM where no
    named model can run, ``identical-host-cpu`` (model None, cpu_mode
    host-passthrough, only when every host reports the same CPU).
    ``extra_flags`` are nova ``cpu_model_extra_flags`` (``-feature`` for features
    libvirt's baseline disables on the model); ``libvirt_error`` says why libvirt's
    baseline was not used when it refused the hosts (None otherwise).
    """
    named = _named_hosts(hosts)
    if not named:
        raise NovaLibvirtError("nova_cpu_baseline: the host list is empty; give the multiarch_host facts of the hosts that live-migrate")
    by_arch = {}
    for name, fact in named:
        by_arch.setdefault(_host_arch(fact, name), []).append(name)
    if len(by_arch) > 1:
        raise NovaLibvirtError(
            "nova_cpu_baseline: hosts of different architectures cannot live-migrate to each other: %s; compute one baseline per arch group"
            % "; ".join("%s: %s" % (a, ", ".join(n)) for a, n in sorted(by_arch.items()))
        )
    arch = next(iter(by_arch))
    if arch not in SUPPORTED_HOST_ARCHES:
        raise NovaLibvirtError("nova_cpu_baseline: hosts %s are %s; supported: %s" % (", ".join(by_arch[arch]), arch, ", ".join(SUPPORTED_HOST_ARCHES)))
    info = ARCHES[arch]
    count = len(named)

    usable = {name: _kvm_usable(fact) for name, fact in named}
    if virt_type is None:
        if all(usable.values()):
            virt_type = "kvm"
        elif not any(usable.values()):
            virt_type = "qemu"
        else:
            raise NovaLibvirtError(
                "nova_cpu_baseline: KVM hosts (%s) and TCG-only hosts (%s) cannot live-migrate to each other; split the group or pass virt_type='qemu'"
                % (", ".join(n for n, u in usable.items() if u), ", ".join(n for n, u in usable.items() if not u))
            )
    elif virt_type not in VIRT_TYPES:
        raise NovaLibvirtError("nova_cpu_baseline: virt_type=%r: use one of %s" % (virt_type, ", ".join(VIRT_TYPES)))
    elif virt_type == "kvm" and not all(usable.values()):
        raise NovaLibvirtError("nova_cpu_baseline: virt_type=kvm but KVM is not usable on %s" % ", ".join(n for n, u in usable.items() if not u))

    if virt_type == "kvm" and not info["host_model"]:
        # aarch64: KVM runs only the host's own CPU (host-passthrough); no named model migrates.
        signatures = {name: _cpu_signature(fact) for name, fact in named}
        unknown = [n for n, s in signatures.items() if s is None]
        if unknown:
            raise NovaLibvirtError(
                "nova_cpu_baseline: %s KVM hosts migrate only between identical CPUs and the CPU of %s is unknown" % (arch, ", ".join(unknown))
            )
        if len(set(signatures.values())) > 1:
            raise NovaLibvirtError(
                "nova_cpu_baseline: %s KVM offers no named CPU model, so live migration needs identical CPUs; these differ: %s"
                % (arch, "; ".join("%s: %s %s" % (n, s[0], s[1]) for n, s in sorted(signatures.items())))
            )
        return {"model": None, "method": "identical-host-cpu", "hosts": count, "cpu_mode": "host-passthrough", "extra_flags": [], "libvirt_error": None}

    fallback_reason = None
    if virt_type == "kvm":
        xmls = [fact.get("host_cpu_xml") for _n, fact in named]
        if all(xmls) and HAS_LIBVIRT and use_libvirt:
            try:
                model, disabled = _libvirt_baseline(xmls)
            except (libvirt.libvirtError, ValueError, ET.ParseError) as exc:
                fallback_reason = to_text(exc).strip()
            else:
                return {"model": model, "method": "libvirt-baseline", "hosts": count, "cpu_mode": "custom", "extra_flags": disabled, "libvirt_error": None}

    lists = {name: list(((_guests(fact).get(arch) or {}).get("cpu_models")) or []) for name, fact in named}
    missing = sorted(n for n, models in lists.items() if not models)
    if missing:
        why = " (libvirt's baseline failed: %s)" % fallback_reason if fallback_reason else ""
        raise NovaLibvirtError(
            "nova_cpu_baseline: no CPU model list for %s (guests.%s.cpu_models is empty) and no libvirt baseline%s; gather domain capabilities"
            % (", ".join(missing), arch, why)
        )
    first = named[0][0]
    common = [m for m in lists[first] if all(_lookup_model(m, models) for models in lists.values())]
    ranked = [(model_rank(arch, m), m) for m in common]
    ranked = [(r, m) for r, m in ranked if r is not None]
    if virt_type == "kvm" and info["compat_cpu_models"]:
        # POWER domain capabilities list every compat model as usable 'unknown':
        # a host runs its own generation and older ones only.
        generations = {name: _host_generation(arch, fact) for name, fact in named}
        unknown = sorted(n for n, g in generations.items() if g is None)
        if unknown:
            raise NovaLibvirtError(
                "nova_cpu_baseline: the %s CPU generation of %s is unknown (no host_cpu_xml model or cpu.model); "
                "POWER compat models cannot be checked without it" % (arch, ", ".join(unknown))
            )
        oldest = min(generations.values())
        ranked = [(r, m) for r, m in ranked if r[0] <= oldest]
    if not ranked:
        raise NovaLibvirtError(
            "nova_cpu_baseline: hosts %s share no ranked named %s model (common: %s); set cpu_models yourself"
            % (", ".join(n for n, _f in named), arch, ", ".join(common) or "none")
        )
    model = max(ranked)[1]
    return {"model": model, "method": "model-intersection", "hosts": count, "cpu_mode": "custom", "extra_flags": [], "libvirt_error": fallback_reason}


# --------------------------------------------------------------------------- glance


def glance_arch_properties(arch, emulated=False, host_arch=None, require_emulation_trait=False):
    """Glance image properties for guests of ``arch``.

    Native images get ``hw_architecture: <arch>``. Emulated images get
    ``hw_emulation_architecture: <arch>`` and, when ``host_arch`` is given,
    ``hw_architecture: <host_arch>`` (the physical hosts' arch, as nova's
    emulation feature defines it); without ``host_arch`` hw_architecture is left
    out so any host that runs the arch (natively or emulated) qualifies.
    ``require_emulation_trait`` adds ``trait:CUSTOM_EMULATES_<ARCH>: required``
    for shared KVM hosts that advertise that custom trait.
    """
    try:
        guest_arch = canonical_arch(arch)
    except UnknownArchError as exc:
        raise NovaLibvirtError("glance_arch_properties: %s" % exc) from None
    info = ARCHES[guest_arch]
    if not info["nova_arch"]:
        raise NovaLibvirtError(
            "glance_arch_properties: nova does not know the architecture %s (hw_architecture would be refused); pick one of %s"
            % (guest_arch, ", ".join(a for a in ARCHES if ARCHES[a]["nova_arch"]))
        )
    props = {}
    if emulated:
        emulatable = [a for a in ARCHES if ARCHES[a]["nova_arch"] and "COMPUTE_ARCH_%s" % a.upper() in COMPUTE_ARCH_TRAITS]
        if guest_arch not in emulatable:
            raise NovaLibvirtError(
                "glance_arch_properties: emulated %s images: nova schedules them by the trait COMPUTE_ARCH_%s, which os-traits does not define; "
                "emulated images can be %s" % (guest_arch, guest_arch.upper(), ", ".join(emulatable))
            )
        props["hw_emulation_architecture"] = guest_arch
        if host_arch is not None:
            try:
                physical = canonical_arch(host_arch)
            except UnknownArchError as exc:
                raise NovaLibvirtError("glance_arch_properties: host_arch: %s" % exc) from None
            if physical == guest_arch:
                raise NovaLibvirtError(
                    "glance_arch_properties: %s guests on %s hosts are not emulated; call with emulated=false" % (guest_arch, physical)
                )
            if physical not in SUPPORTED_HOST_ARCHES:
                raise NovaLibvirtError(
                    "glance_arch_properties: host_arch=%s: compute hosts are %s" % (host_arch, ", ".join(SUPPORTED_HOST_ARCHES))
                )
            props["hw_architecture"] = physical
        if require_emulation_trait:
            props["trait:CUSTOM_EMULATES_%s" % guest_arch.upper()] = "required"
    else:
        if host_arch is not None and canonical_arch(host_arch, strict=False) not in (None, guest_arch):
            raise NovaLibvirtError(
                "glance_arch_properties: host_arch=%s differs from arch=%s; set emulated=true for an emulated image" % (host_arch, guest_arch)
            )
        if require_emulation_trait:
            raise NovaLibvirtError("glance_arch_properties: require_emulation_trait applies to emulated images only (emulated=true)")
        props["hw_architecture"] = guest_arch
    if info["machine_type"]:
        props["hw_machine_type"] = info["machine_type"]
    if info["uefi"] == "required":
        props["hw_firmware_type"] = "uefi"
    props.update(info["image_properties"])
    return props
