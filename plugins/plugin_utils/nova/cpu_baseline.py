# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The newest CPU model every host of a live-migration group runs (filter ``nova_cpu_baseline``).

Controller side. libvirt-python is optional: with it, libvirt's own baselineCPU
over each host's CPU XML (daemon-less ``test:///default`` driver); without it, or
when libvirt refuses the hosts, the newest named model every host's emulator lists,
ranked by the arch table's ``cpu_model_families``.
"""

import re
import xml.etree.ElementTree as ET

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES, VIRT_TYPES
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_models import lookup_model, model_rank
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError

try:
    import libvirt

    HAS_LIBVIRT = True
except ImportError:  # pragma: no cover - depends on the controller
    libvirt = None
    HAS_LIBVIRT = False


def _named_hosts(hosts):
    if isinstance(hosts, dict):
        if "arch" in hosts and "guests" in hosts:
            raise NovaLibvirtError("nova_cpu_baseline: give a list of multiarch_host facts (or {hostname: fact}), not a single fact")
        return [(to_text(k), v) for k, v in sorted(hosts.items())]
    if isinstance(hosts, (list, tuple)):
        return [(facts.host_name(h, index=i), h) for i, h in enumerate(hosts)]
    raise NovaLibvirtError("nova_cpu_baseline: expected a list of multiarch_host facts, got %s" % type(hosts).__name__)


def _fact_arch(fact, name):
    try:
        return facts.host_arch(fact, name)
    except facts.HostFactError as exc:
        raise NovaLibvirtError(to_text(exc)) from None


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


def _group_arch(named):
    """The one arch of the group (SUPPORTED_HOST_ARCHES), or NovaLibvirtError."""
    if not named:
        raise NovaLibvirtError("nova_cpu_baseline: the host list is empty; give the multiarch_host facts of the hosts that live-migrate")
    by_arch = {}
    for name, fact in named:
        by_arch.setdefault(_fact_arch(fact, name), []).append(name)
    if len(by_arch) > 1:
        raise NovaLibvirtError(
            "nova_cpu_baseline: hosts of different architectures cannot live-migrate to each other: %s; compute one baseline per arch group"
            % "; ".join("%s: %s" % (a, ", ".join(n)) for a, n in sorted(by_arch.items()))
        )
    arch = next(iter(by_arch))
    if arch not in SUPPORTED_HOST_ARCHES:
        raise NovaLibvirtError("nova_cpu_baseline: hosts %s are %s; supported: %s" % (", ".join(by_arch[arch]), arch, ", ".join(SUPPORTED_HOST_ARCHES)))
    return arch


def _group_virt_type(named, virt_type):
    """kvm when every host has KVM, qemu when none has; a mixed or unknown group, or an impossible ask, is refused."""
    states = {name: facts.kvm_state(fact) for name, fact in named}
    if virt_type is None:
        unknown = [n for n, st in states.items() if st == facts.KVM_UNKNOWN]
        if unknown:
            raise NovaLibvirtError(
                "nova_cpu_baseline: whether KVM is usable is unknown on %s (%s); run multiarch.kolla.host_facts with become on them, "
                "or pass virt_type='kvm' or 'qemu'" % (", ".join(unknown), "; ".join(facts.kvm_reason(f) for n, f in named if n in unknown))
            )
        if all(st == facts.KVM_USABLE for st in states.values()):
            return "kvm"
        if not any(st == facts.KVM_USABLE for st in states.values()):
            return "qemu"
        raise NovaLibvirtError(
            "nova_cpu_baseline: KVM hosts (%s) and TCG-only hosts (%s) cannot live-migrate to each other; split the group or pass virt_type='qemu'"
            % (", ".join(n for n, st in states.items() if st == facts.KVM_USABLE), ", ".join(n for n, st in states.items() if st != facts.KVM_USABLE))
        )
    if virt_type not in VIRT_TYPES:
        raise NovaLibvirtError("nova_cpu_baseline: virt_type=%r: use one of %s" % (virt_type, ", ".join(VIRT_TYPES)))
    if virt_type == "kvm":
        # Unknown hosts: the operator asserts KVM; PR-KVM asked for by name (multiarch_host.kvm_on_request).
        refused = [(n, facts.kvm_on_request(f)) for n, f in named if facts.kvm_on_request(f)]
        if refused:
            names = ", ".join(n for n, _r in refused)
            raise NovaLibvirtError("nova_cpu_baseline: virt_type=kvm but KVM is not usable on %s (%s)" % (names, "; ".join("%s: %s" % r for r in refused)))
    return virt_type


def _identical_cpus(named, arch):
    """aarch64 KVM runs only the host's own CPU (host-passthrough): no named model migrates, so the CPUs must be identical."""
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
    return {"model": None, "method": "identical-host-cpu", "hosts": len(named), "cpu_mode": "host-passthrough", "extra_flags": [], "libvirt_error": None}


def _compat_generation_filter(named, arch, ranked):
    """POWER domain capabilities list every compat model as usable 'unknown': a host runs its own generation and older ones only."""
    generations = {name: _host_generation(arch, fact) for name, fact in named}
    unknown = sorted(n for n, g in generations.items() if g is None)
    if unknown:
        raise NovaLibvirtError(
            "nova_cpu_baseline: the %s CPU generation of %s is unknown (no host_cpu_xml model or cpu.model); "
            "POWER compat models cannot be checked without it" % (arch, ", ".join(unknown))
        )
    oldest = min(generations.values())
    return [(r, m) for r, m in ranked if r[0] <= oldest]


def _model_intersection(named, arch, virt_type, fallback_reason):
    """The newest ranked model in every host's emulator list."""
    lists = {name: list(((facts.guests(fact).get(arch) or {}).get("cpu_models")) or []) for name, fact in named}
    missing = sorted(n for n, models in lists.items() if not models)
    if missing:
        why = " (libvirt's baseline failed: %s)" % fallback_reason if fallback_reason else ""
        raise NovaLibvirtError(
            "nova_cpu_baseline: no CPU model list for %s (guests.%s.cpu_models is empty) and no libvirt baseline%s; gather domain capabilities"
            % (", ".join(missing), arch, why)
        )
    first = named[0][0]
    common = [m for m in lists[first] if all(lookup_model(m, models) for models in lists.values())]
    ranked = [(model_rank(arch, m), m) for m in common]
    ranked = [(r, m) for r, m in ranked if r is not None]
    if virt_type == "kvm" and ARCHES[arch]["compat_cpu_models"]:
        ranked = _compat_generation_filter(named, arch, ranked)
    if not ranked:
        raise NovaLibvirtError(
            "nova_cpu_baseline: hosts %s share no ranked named %s model (common: %s); set cpu_models yourself"
            % (", ".join(n for n, _f in named), arch, ", ".join(common) or "none")
        )
    model = max(ranked)[1]
    return {"model": model, "method": "model-intersection", "hosts": len(named), "cpu_mode": "custom", "extra_flags": [], "libvirt_error": fallback_reason}


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
    arch = _group_arch(named)
    virt_type = _group_virt_type(named, virt_type)
    if virt_type == "kvm" and not ARCHES[arch]["host_model"]:
        return _identical_cpus(named, arch)
    fallback_reason = None
    xmls = [fact.get("host_cpu_xml") for _n, fact in named]
    if virt_type == "kvm" and all(xmls) and HAS_LIBVIRT and use_libvirt:
        try:
            model, disabled = _libvirt_baseline(xmls)
        except (libvirt.libvirtError, ValueError, ET.ParseError) as exc:
            fallback_reason = to_text(exc).strip()
        else:
            return {"model": model, "method": "libvirt-baseline", "hosts": len(named), "cpu_mode": "custom", "extra_flags": disabled, "libvirt_error": None}
    return _model_intersection(named, arch, virt_type, fallback_reason)
