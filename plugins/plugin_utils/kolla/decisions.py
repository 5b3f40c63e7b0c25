# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the decide roles' facts (docs/decisions.md) for one host, as role ``kolla_multiarch`` renders them.

Controller side. Nothing here decides: a fact that is missing, malformed or stale
is a problem naming the host and the role to run, never a reason to decide again.
"""

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import line_break
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import DECISION_KEYS, OPTIONAL_DECISION_KEYS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NOVA_LIBVIRT_KEYS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt_image import reference_problem
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.pci import PciConfigError, pci_aliases, pci_device_specs
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.timeouts import TIMEOUT_KEYS

# The keys of multiarch_gpu_passthrough (docs/gpu-passthrough.md) that kolla_multiarch reads.
GPU_FACT_KEYS = ("arch", "device_spec", "aliases", "refused", "errors")


def get(mapping, key, default=None):
    """``mapping[key]``, or ``default`` when absent or None.

    Membership is asked first: Ansible's ``hostvars`` answers an unknown host with
    an undefined value instead of a KeyError.
    """
    try:
        if key not in mapping:
            return default
        value = mapping[key]
    except (AttributeError, TypeError, KeyError):
        return default
    return default if value is None else value


def host_arch_group(host, hv, member_of=""):
    """``(arch, arch group, None)`` or ``(None, None, problem)`` from host_facts' facts; ``member_of`` names the host's groups."""
    who = "host %s (groups %s)" % (host, member_of) if member_of else "host %s" % host
    arch, why = facts.arch_or_reason(get(hv, "multiarch_host"))
    if arch is None:
        return None, None, "%s %s; fix: run the multiarch.kolla.host_facts role on it in the same play (hosts: all) before kolla_multiarch" % (who, why)
    groups = get(hv, "multiarch_groups", {})
    group = groups.get("arch") if isinstance(groups, dict) else None
    if not isinstance(group, str) or not group:
        return None, None, (
            "%s has no multiarch_groups.arch (the arch group host_facts puts it in); fix: run the multiarch.kolla.host_facts role "
            "of this collection version on it before kolla_multiarch" % who
        )
    return arch, to_text(group), None


def docker_custom_config(host, hv, problems):
    """The daemon.json role container_runtime decided for the host, or None when it did not run."""
    runtime = get(hv, "multiarch_container_runtime")
    if runtime is None:
        return None
    config = runtime.get("docker_custom_config") if isinstance(runtime, dict) else None
    if config is None:
        return None
    if not isinstance(config, dict):
        problems.append("host %s: multiarch_container_runtime.docker_custom_config=%r is not a dict (the daemon.json container_runtime sets)" % (host, config))
        return None
    return config


def _one_line(value):
    # The writer's one set of line breaks (module_utils/ini_batch.py LINE_BREAKS).
    return line_break(to_text(value)) is None


def _section_problem(field, section, owned, values):
    """Why ``multiarch_nova_compute.<field>`` is not a dict of the owned ``[section]`` keys with one-line INI values, or None."""
    if not isinstance(values, dict):
        return "multiarch_nova_compute.%s=%r is not a dict of [%s] keys" % (field, values, section)
    unknown = sorted(k for k in values if k not in owned)
    if unknown:
        return "multiarch_nova_compute.%s has keys %s that are not the collection's [%s] keys (%s)" % (field, ", ".join(unknown), section, ", ".join(owned))
    bad = sorted(k for k, v in values.items() if not isinstance(v, (str, int)) or isinstance(v, bool) or not _one_line(v))
    if bad:
        return "multiarch_nova_compute.%s: %s must be one-line INI values" % (field, ", ".join(bad))
    return None


def nova_compute(host, hv, arch, problems):
    """The host's ``multiarch_nova_compute`` decision checked against the contract, or None after a problem."""
    decision = get(hv, "multiarch_nova_compute")
    fix = "fix: run the multiarch.kolla.nova_compute_arch role on the compute hosts (after host_facts) before kolla_multiarch"
    if decision is None:
        # A host left out by --limit keeps no facts unless they were cached (site.yml's header).
        problems.append("host %s is in a compute group but has no multiarch_nova_compute decision; %s (with --limit: include the "
                        "host, or cache the facts - nova_compute_arch_cacheable and host_facts_cacheable true with a fact cache)" % (host, fix))
        return None
    missing = [k for k in DECISION_KEYS if k not in OPTIONAL_DECISION_KEYS and (not isinstance(decision, dict) or k not in decision)]
    if missing:
        problems.append("host %s: multiarch_nova_compute lacks %s (not the fact nova_compute_arch publishes); %s" % (host, ", ".join(missing), fix))
        return None
    if facts.arch_or_reason({"arch": decision["arch"]})[0] != arch:
        problems.append(
            "host %s: multiarch_nova_compute was decided for %s but the host is %s (a stale or cached decision); %s" % (host, decision["arch"], arch, fix)
        )
        return None
    why = _section_problem("libvirt", "libvirt", NOVA_LIBVIRT_KEYS, decision["libvirt"]) or _section_problem(
        "defaults", "DEFAULT", TIMEOUT_KEYS, decision["defaults"])
    if why:
        problems.append("host %s: %s; %s" % (host, why, fix))
        return None
    if not isinstance(decision["provider_config"], dict):
        problems.append("host %s: multiarch_nova_compute.provider_config=%r is not a dict; %s" % (host, decision["provider_config"], fix))
        return None
    image = decision.get("libvirt_image")
    if image is not None and not (isinstance(image, dict) and reference_problem(image.get("image")) is None):
        problems.append("host %s: multiarch_nova_compute.libvirt_image=%r is not {image: <reference>, ...}; %s" % (host, image, fix))
        return None
    return decision


def device_specs(host, hv, problems):
    """nova ``[pci] device_spec`` values of the host (``kolla_multiarch_pci_device_spec``)."""
    try:
        return pci_device_specs(get(hv, "kolla_multiarch_pci_device_spec"), host)
    except PciConfigError as exc:
        problems.append(to_text(exc))
        return []


def gpu_passthrough(host, hv, arch, problems):
    """``(device_spec, aliases)`` of the host's ``multiarch_gpu_passthrough`` fact (role gpu_passthrough), ``([], [])`` without one.

    Both are nova's rendered values, re-checked here: the fact may come from a fact cache or another
    collection version. A fact that is stale (another arch), holds a refusal or errors, or is not the
    role's shape is a problem; nothing of it is rendered.
    """
    fact = get(hv, "multiarch_gpu_passthrough")
    if fact is None:
        return [], []
    fix = "fix: run the multiarch.kolla.gpu_passthrough role of this collection version on it before kolla_multiarch"
    missing = [k for k in GPU_FACT_KEYS if not isinstance(fact, dict) or k not in fact]
    if missing:
        problems.append("host %s: multiarch_gpu_passthrough lacks %s (not the fact gpu_passthrough publishes); %s" % (host, ", ".join(missing), fix))
        return [], []
    if fact["refused"] or fact["errors"]:
        found = [to_text(e.get("message", e) if isinstance(e, dict) else e) for e in list(fact["refused"] or []) + list(fact["errors"] or [])]
        problems.append("host %s: multiarch_gpu_passthrough holds refusals or errors (%s); fix them and run the multiarch.kolla.gpu_passthrough role "
                        "again before kolla_multiarch" % (host, "; ".join(found)))
        return [], []
    if facts.arch_or_reason({"arch": fact["arch"]})[0] != arch:
        problems.append("host %s: multiarch_gpu_passthrough was decided for %s but the host is %s (a stale or cached decision); %s"
                        % (host, fact["arch"], arch, fix))
        return [], []
    try:
        return (pci_device_specs(fact["device_spec"], host, "multiarch_gpu_passthrough.device_spec"),
                pci_aliases(fact["aliases"], "host %s: multiarch_gpu_passthrough.aliases" % host))
    except PciConfigError as exc:
        problems.append("%s; %s" % (exc, fix))
        return [], []
