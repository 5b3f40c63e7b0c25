# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide one host's nova-compute ``[libvirt]`` settings, and render them as INI values.

Controller-side logic behind the filter ``nova_libvirt_settings`` and role
``nova_compute_arch``. Every per-architecture value comes from
``module_utils/archtable.py``; the input is the ``multiarch_host`` fact
(docs/multiarch_host.md) plus operator overrides. nova is never imported here.

Rules (checked against nova 34's own code in the unit tests):

* ``virt_type`` is ``kvm`` where ``kvm.usable`` is true and ``qemu`` (TCG) where it is
  false; where it is null (unknown: /dev/kvm this user could not open) the decision
  refuses unless the operator's override names ``virt_type``. An override ``kvm`` is
  accepted where KVM is usable or unknown, and for PR-KVM (``module`` kvm_pr, opened
  read-write) asked for by name (multiarch_host.kvm_on_request).
* KVM: the arch's ``kvm_cpu_mode`` (x86_64/ppc64le ``host-model``, aarch64
  ``host-passthrough``: libvirt has no host-model on aarch64).
* TCG: ``custom`` with the first of the arch's ``tcg_cpu_models`` the host's own
  emulator lists (``guests[<host arch>].cpu_models``), or the first of them when
  that list is unknown.
* ``hw_machine_type``: the table's machine type of every guest arch in ``guests``
  whose emulator offers it, except a native guest nova cannot place (armv7l on aarch64:
  arch_traits.nova_targetable); with ``guests`` empty (unknown) that of the host's own arch.
* Every override value is one line that nova's option types read back as meant
  (``nova/libvirt_values.py``): no line break of any kind, no comma inside a list item,
  CPU models, flags and machine types by a safe name pattern (also when the emulator's
  model list is unknown), ``num_pcie_ports`` in ASCII digits.
* A host that serves emulated guests of other arches (``emulated_arches``, or a
  host whose libvirt offers no guest of its own arch) gets ``cpu_mode = none``:
  nova applies ``[libvirt] cpu_mode``/``cpu_models`` to every guest, and libvirt
  refuses host-model and other-arch named models for a foreign TCG guest.
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import nova_targetable
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, VIRT_TYPES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import libvirt_values as values
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_models import lookup_model, pick_tcg_cpu_model

# nova [libvirt] cpu_mode choices (nova/conf/libvirt.py).
CPU_MODES = ("host-model", "host-passthrough", "custom", "none")
# nova [libvirt] num_pcie_ports: IntOpt(min=0, max=28).
NOVA_MAX_PCIE_PORTS = 28
# Keys of the settings dict, in the order they are rendered; the collection owns exactly
# these keys of nova-compute.conf [libvirt] and removes the ones not rendered.
NOVA_LIBVIRT_KEYS = ("virt_type", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "hw_machine_type", "num_pcie_ports")
OVERRIDE_KEYS = NOVA_LIBVIRT_KEYS


class NovaLibvirtError(AnsibleFilterError):
    """A value the rules cannot turn into a working nova configuration."""


def _as_list(value, what, name):
    items, problem = values.list_items(value)
    if problem:
        raise NovaLibvirtError("host %s: override %s=%r: %s" % (name, what, value, problem))
    return items


def _default_machine_types(guests, host_arch):
    entries = []
    for arch, info in ARCHES.items():
        guest = guests.get(arch)
        machine = info["machine_type"]
        if guest is None or not machine:
            continue
        if arch != host_arch and arch in ARCHES[host_arch]["kvm_guests"] and not nova_targetable(arch):
            continue  # a native guest nova cannot place (armv7l on aarch64): no machine type claims it can
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
        if values.machine_problem(machine):
            raise NovaLibvirtError("host %s: override hw_machine_type: %s=%s" % (name, raw_arch, values.machine_problem(machine)))
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
    if values.count_problem(value):
        raise NovaLibvirtError("host %s: override num_pcie_ports=%r: give an integer 0..%d" % (name, value, NOVA_MAX_PCIE_PORTS))
    ports = int(value)
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


def _host_context(multiarch_host, name):
    """What the decision reads from the fact, once: arch, its table entry, guests, KVM, the native emulator."""
    try:
        arch = facts.host_arch(multiarch_host, name, supported=True)
    except facts.HostFactError as exc:
        raise NovaLibvirtError(to_text(exc)) from None
    info = ARCHES[arch]
    guests = facts.guests(multiarch_host)
    own_guest = guests.get(arch) or {}
    return {
        "name": name,
        "arch": arch,
        "info": info,
        "guests": guests,
        "fact": multiarch_host,
        "emulator_models": list(own_guest.get("cpu_models") or []),
        "emulator": own_guest.get("emulator") or info["qemu_binary"],
        "foreign_only": bool(guests) and arch not in guests,
    }


def _checked_overrides(overrides, name):
    """The overrides with a value (None means "not set"), or NovaLibvirtError for unknown keys."""
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise NovaLibvirtError("host %s: overrides must be a dict of [libvirt] keys, got %r" % (name, overrides))
    unknown = sorted(k for k in overrides if k not in OVERRIDE_KEYS)
    if unknown:
        raise NovaLibvirtError(
            "host %s: unknown override key(s) %s (values %s); valid keys: %s"
            % (name, ", ".join(unknown), ", ".join("%r" % (overrides[k],) for k in unknown), ", ".join(OVERRIDE_KEYS))
        )
    for key in OVERRIDE_KEYS:
        mark = values.line_break_in(overrides.get(key))
        if mark is not None:
            raise NovaLibvirtError(
                "host %s: override %s=%r holds a line break (%r): an INI value is one line, and an INI reader would take the rest "
                "for another line (another key); remove it" % (name, key, overrides[key], mark)
            )
    return {k: v for k, v in overrides.items() if v is not None}


def _emulated_arches(emulated_arches, ctx):
    """Foreign guest arches the host serves emulated (native ones dropped); each must have an emulator."""
    name, guests = ctx["name"], ctx["guests"]
    emulated = []
    for raw in _as_list(emulated_arches, "emulated_arches", name):
        guest_arch = canonical_arch(raw, strict=False)
        if guest_arch is None:
            raise NovaLibvirtError("host %s: emulated_arches: unknown arch %r; known: %s" % (name, raw, ", ".join(ARCHES)))
        if not nova_targetable(guest_arch):
            raise NovaLibvirtError(
                "host %s: emulated_arches: %s: nova cannot place %s guests (os-traits names no %s trait, and nova runs a guest "
                "of another arch as TCG); drop it" % (name, guest_arch, guest_arch, guest_arch.upper())
            )
        if guest_arch in ctx["info"]["kvm_guests"]:
            continue  # native to this host, not emulated
        if guest_arch not in guests:
            raise NovaLibvirtError(
                "host %s: emulated_arches: %s but the host has no %s emulator (guests: %s); install %s"
                % (name, guest_arch, guest_arch, ", ".join(sorted(guests)) or "none", " ".join(ARCHES[guest_arch]["emulator_packages"].get("Debian", [])))
            )
        if guest_arch not in emulated:
            emulated.append(guest_arch)
    return emulated


def _virt_type(over, ctx):
    name, fact = ctx["name"], ctx["fact"]
    if "virt_type" not in over:
        state = facts.kvm_state(fact)
        if state == facts.KVM_UNKNOWN:
            raise NovaLibvirtError(
                "host %s: whether KVM is usable is unknown (%s); run multiarch.kolla.host_facts with become (or as a member of the kvm "
                "group) so that host_arch_info can open /dev/kvm, or decide with nova_compute_arch_overrides: {virt_type: kvm} "
                "(or qemu)" % (name, facts.kvm_reason(fact))
            )
        return "kvm" if state == facts.KVM_USABLE else "qemu"
    virt_type = over["virt_type"]
    if virt_type not in VIRT_TYPES:
        raise NovaLibvirtError("host %s: override virt_type=%r: this collection writes one of %s" % (name, virt_type, ", ".join(VIRT_TYPES)))
    refusal = facts.kvm_on_request(fact) if virt_type == "kvm" else None
    if refusal:
        raise NovaLibvirtError("host %s: override virt_type=kvm but KVM is not usable on this host (%s); use virt_type qemu or fix /dev/kvm" % (name, refusal))
    return virt_type


def _cpu_mode(over, ctx, virt_type, emulated):
    name, arch, info = ctx["name"], ctx["arch"], ctx["info"]
    if emulated or ctx["foreign_only"]:
        default_mode = "none"
    elif virt_type == "kvm":
        default_mode = info["kvm_cpu_mode"]
    else:
        default_mode = "custom"
    cpu_mode = over.get("cpu_mode", default_mode)
    if cpu_mode not in CPU_MODES:
        raise NovaLibvirtError("host %s: override cpu_mode=%r: valid values are %s" % (name, cpu_mode, ", ".join(CPU_MODES)))
    if "cpu_mode" not in over:
        return cpu_mode
    foreign = emulated or (sorted(ctx["guests"]) if ctx["foreign_only"] else [])
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
    return cpu_mode


def _cpu_flags(over, name, cpu_mode):
    flags = _as_list(over.get("cpu_model_extra_flags"), "cpu_model_extra_flags", name)
    for flag in flags:
        if values.flag_problem(flag):
            raise NovaLibvirtError("host %s: override cpu_model_extra_flags: %s" % (name, values.flag_problem(flag)))
    if flags and cpu_mode == "none":
        raise NovaLibvirtError("host %s: override cpu_model_extra_flags=%r with cpu_mode none: nova ignores CPU flags without a CPU model" % (name, flags))
    return flags


def _checked_model(model, ctx, virt_type, disables):
    """``model`` as the emulator (or the arch's compat list) spells it; NovaLibvirtError when it cannot run."""
    name, arch, info, emulator_models = ctx["name"], ctx["arch"], ctx["info"], ctx["emulator_models"]
    if values.model_problem(model):
        raise NovaLibvirtError("host %s: override cpu_models: %s" % (name, values.model_problem(model)))
    if emulator_models:
        found = lookup_model(model, emulator_models)
        if found is None and not (virt_type == "kvm" and disables):
            raise NovaLibvirtError(
                "host %s: override cpu_models: %s is not a model %s runs on this host (usable: %s)"
                % (name, model, ctx["emulator"], ", ".join(emulator_models))
            )
        return found or model
    if virt_type == "kvm" and info["compat_cpu_models"]:
        found = lookup_model(model, info["compat_cpu_models"])
        if found is None:
            raise NovaLibvirtError(
                "host %s: override cpu_models: %s is not a %s compatibility model (%s)" % (name, model, arch, ", ".join(info["compat_cpu_models"]))
            )
        return found
    return model


def _cpu_models(over, ctx, virt_type, cpu_mode, flags):
    name = ctx["name"]
    models = []
    if "cpu_models" in over:
        models = _as_list(over["cpu_models"], "cpu_models", name)
        if models and cpu_mode != "custom":
            raise NovaLibvirtError(
                "host %s: override cpu_models=%r with cpu_mode %s: nova refuses cpu_models unless cpu_mode is custom" % (name, over["cpu_models"], cpu_mode)
            )
    if cpu_mode != "custom":
        return models
    if not models:
        if virt_type == "kvm":
            raise NovaLibvirtError(
                "host %s: override cpu_mode=custom under KVM needs cpu_models (a model this CPU runs, e.g. from nova_cpu_baseline)" % name
            )
        picked = pick_tcg_cpu_model(ctx["arch"], ctx["emulator_models"])
        if picked is None:
            raise NovaLibvirtError(
                "host %s: %s lists none of the default TCG models %s; set cpu_models to one of %s"
                % (name, ctx["emulator"], ", ".join(ctx["info"]["tcg_cpu_models"]), ", ".join(ctx["emulator_models"]))
            )
        models = [picked]
    disables = any(f.startswith("-") for f in flags)
    return [_checked_model(model, ctx, virt_type, disables) for model in models]


def _hw_machine_type(over, ctx):
    # An empty ``guests`` means unknown (no emulator on the host itself, as on kolla hosts
    # whose QEMU lives in the nova_libvirt container): the host's own arch gets its table
    # machine type, overrides may name its native arches.
    guests, info = ctx["guests"], ctx["info"]
    if "hw_machine_type" in over:
        entries = _parse_machine_types(over["hw_machine_type"], guests or {a: {} for a in info["kvm_guests"]}, ctx["name"])
    else:
        entries = _default_machine_types(guests or {ctx["arch"]: {}}, ctx["arch"])
    return ",".join("%s=%s" % pair for pair in entries) or None


def nova_libvirt_settings(multiarch_host, overrides=None, host=None, emulated_arches=None):
    """Return nova-compute ``[libvirt]`` settings for one host.

    ``overrides`` (one dict, keys of NOVA_LIBVIRT_KEYS) win per key after validation.
    ``emulated_arches``: guest arches other than the host's own that this host
    serves emulated (hw_emulation_architecture images); they force cpu_mode none.
    Raises NovaLibvirtError naming the host, key and value for anything nova or
    libvirt would refuse.
    """
    ctx = _host_context(multiarch_host, facts.host_name(multiarch_host, host))
    over = _checked_overrides(overrides, ctx["name"])
    emulated = _emulated_arches(emulated_arches, ctx)
    virt_type = _virt_type(over, ctx)
    cpu_mode = _cpu_mode(over, ctx, virt_type, emulated)
    flags = _cpu_flags(over, ctx["name"], cpu_mode)
    models = _cpu_models(over, ctx, virt_type, cpu_mode, flags)
    info = ctx["info"]
    if "num_pcie_ports" in over:
        num_pcie_ports = _pcie_ports(over["num_pcie_ports"], ctx["arch"], ctx["name"])
    else:
        num_pcie_ports = info["default_pcie_ports"] if info["pcie_root_ports"] else None
    return {
        "virt_type": virt_type,
        "cpu_mode": cpu_mode,
        "cpu_models": models,
        "cpu_model_extra_flags": flags,
        "hw_machine_type": _hw_machine_type(over, ctx),
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
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        if isinstance(value, bool):
            raise NovaLibvirtError("render_nova_compute_libvirt: %s=%r: no nova [libvirt] key owned here is a boolean" % (key, value))
        if isinstance(value, (list, tuple)):
            for item in value:
                if "," in to_text(item) or not to_text(item).strip():
                    raise NovaLibvirtError("render_nova_compute_libvirt: %s item %r cannot be written as a list item" % (key, item))
            text = ",".join(to_text(v).strip() for v in value)
        else:
            text = to_text(value)
        problem = values.rendered_problem(text)
        if problem:
            raise NovaLibvirtError("render_nova_compute_libvirt: %s=%s" % (key, problem))
        rendered[key] = text
    return rendered
