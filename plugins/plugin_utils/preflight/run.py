# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""multiarch_preflight: every named check over every host, in one pass, and one table of what was found.

Controller side, pure, behind the filter ``multiarch_preflight``; the role ``preflight`` fails once
with the table when any finding is an error. Each check is named (``CHECKS``); the operator skips one
by name with ``preflight_skip`` when they know better. A check that raises is itself a finding, so one
broken input never hides the others. The checks: docs/preflight.md.
"""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import arch, gpu, libvirt, network, runtime, versions, virt
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context, finding

# name -> (check, one line for the docs and the table's legend); order is the table's order.
CHECKS = {
    "arch_supported": (arch.arch_supported, "the host's architecture is detected and supported by kolla-ansible here"),
    "image_source": (arch.image_source, "the architecture has an image source (upstream Kolla or kolla_multiarch_image_sources)"),
    "control_plane_arch": (arch.control_plane_arch, "the control plane is one architecture, unless manifest lists are declared"),
    "kvm_usable": (virt.kvm_usable, "KVM is usable where virt_type kvm is wanted; TCG-only hosts are named"),
    "emulation_runnable": (virt.emulation_runnable, "requested emulated guest arches can run where nova's libvirt runs"),
    "host_libvirt": (libvirt.host_libvirt, "no host libvirtd or virtqemud runs, or starts at boot, next to kolla's nova_libvirt container"),
    "gpu_iommu": (gpu.gpu_iommu, "GPU hosts: IOMMU on, or its kernel arguments pending a reboot; no amd_iommu=on"),
    "gpu_selection": (gpu.gpu_selection, "GPU hosts: the selection is safe (no refusal, no error)"),
    "runtime_cgroup": (runtime.runtime_cgroup, "Docker's and kubelet's cgroup drivers can agree, and containerd's CRI survives"),
    "vip_subnet": (network.vip_subnet, "kolla_internal_vip_address is in every control host's network_interface subnet and is no host's"),
    "vips_distinct": (network.vips_distinct, "the internal and external VIPs differ"),
    "addresses_unique": (network.addresses_unique, "host addresses are unique"),
    "hostnames": (network.hostnames, "hostnames are unique and resolve to the host's address"),
    "versions": (versions.versions, "kolla-ansible and its ansible-core are versions the collection was tested with"),
}


def _skip_list(skip):
    skip = list(skip or [])
    unknown = sorted(name for name in skip if name not in CHECKS)
    return skip, ["preflight_skip names %s, which is no check; the checks: %s" % (", ".join(unknown), ", ".join(CHECKS))] if unknown else []


def table(findings):
    """A plain-text table (host, check, found, fix), errors first; empty when nothing was found."""
    if not findings:
        return ""
    rows = [("host", "check", "severity", "found", "what to do")] + [
        (f["host"], f["check"], f["severity"], f["found"], f["fix"]) for f in sorted(findings, key=lambda f: (f["severity"] != "error",))
    ]
    # The short columns padded; found and fix run on (they are sentences).
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)] + [len(rows[0][3]), len(rows[0][4])]
    lines = [" | ".join(str(cell).ljust(width) for cell, width in zip(row[:3], widths)) + " | %s | %s" % (row[3], row[4]) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def preflight(hosts, hostvars, groups=None, options=None, skip=None):
    """``{findings, errors, warnings, table, checks, skipped}`` for the play's ``hosts``."""
    ctx = Context(hosts, hostvars, groups, options)
    skip, problems = _skip_list(skip)
    findings = [finding(None, "preflight_skip", problem, "fix preflight_skip") for problem in problems]
    ran = []
    for name, (check, _doc) in CHECKS.items():
        if name in skip:
            continue
        ran.append(name)
        try:
            findings.extend(check(ctx))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a malformed fact or option: named, never hiding the rest
            findings.append(finding(None, name, "the check could not read its input: %s: %s" % (type(exc).__name__, exc),
                                    "fix the input it names (a fact from another collection version? run host_facts again)"))
    errors = [f for f in findings if f["severity"] == "error"]
    return {"findings": findings, "errors": len(errors), "warnings": len(findings) - len(errors), "table": table(findings),
            "checks": ran, "skipped": [name for name in CHECKS if name in skip], "groups": phase_groups(ctx)}


def phase_groups(ctx):
    """The groups site.yml's later phases run on: Docker installed (container_runtime), GPUs selected (gpu_passthrough)."""
    return {"multiarch_docker_hosts": [h for h in ctx.hosts if runtime.engine_installed(ctx.runtime(h))],
            "multiarch_gpu_hosts": gpu.gpu_hosts(ctx)}
