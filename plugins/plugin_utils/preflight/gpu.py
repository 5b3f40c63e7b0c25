# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: GPU hosts - the IOMMU, and a selection role gpu_passthrough would not refuse.

A GPU host is one with a selection in role gpu_passthrough's variables (``gpu_passthrough_ids``,
``_addresses`` or ``_all_gpus``). The decision is the role's own filter (plugins/plugin_utils/gpu/plan.py),
made read-only here over what the preflight role read on the host (module pci_passthrough_info,
``Context.pci``), before any host changes.
"""

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import kernel
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.refusals import DEFAULT_NO_RESET_RECOVERY
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding, from_message

# gpu_passthrough_plan's options and the role variables that give them (roles/gpu_passthrough/vars/main.yml).
_OPTIONS = {"ids": "gpu_passthrough_ids", "addresses": "gpu_passthrough_addresses", "forced": "gpu_passthrough_force",
            "blacklist_drivers": "gpu_passthrough_blacklist_drivers", "aliases": "gpu_passthrough_aliases",
            "vendor_reset_installed": "gpu_passthrough_vendor_reset_installed"}


def gpu_hosts(ctx):
    """The play's hosts that select GPUs (role gpu_passthrough's variables), in play order."""
    return [h for h in ctx.hosts if ctx.var(h, "gpu_passthrough_ids") or ctx.var(h, "gpu_passthrough_addresses")
            or boolean(ctx.var(h, "gpu_passthrough_all_gpus", False), strict=False)]


def decisions(ctx):
    """``{host: (pci result or None, decision or None)}`` for every GPU host."""
    out = {}
    for host in gpu_hosts(ctx):
        pci = ctx.pci(host)
        if not isinstance(pci, dict):
            out[host] = (None, None)
            continue
        fact = ctx.var(host, "multiarch_host") or {}
        kwargs = {key: ctx.var(host, name) for key, name in _OPTIONS.items()}
        out[host] = (pci, gpu_passthrough_plan(
            pci, host=host, arch=facts.arch_or_reason(fact)[0], cpu_vendor=(fact.get("cpu") or {}).get("vendor"),
            all_gpus=boolean(ctx.var(host, "gpu_passthrough_all_gpus", False), strict=False), kernel_args_in_place=None,
            no_reset_recovery_ids=ctx.var(host, "gpu_passthrough_no_reset_recovery_ids", list(DEFAULT_NO_RESET_RECOVERY)), **kwargs))
    return out


def gpu_iommu(ctx):
    out = []
    for host, (pci, plan) in decisions(ctx).items():
        if pci is None:
            out.append(finding(host, "gpu_iommu", "GPUs are selected but the host's PCI devices were not read",
                               "run the preflight role (it reads them with multiarch.kolla.pci_passthrough_info)"))
            continue
        out += [finding(host, "gpu_iommu", "%s on the kernel command line, which is not a value the kernel accepts" % arg,
                        "remove it from the bootloader configuration (the AMD IOMMU is on by default; amd_iommu takes off, fullflush, ...)")
                for arg in pci.get("cmdline_iommu_args") or [] if arg in kernel.INVALID_ARGS]  # the role's own list (gpu/kernel.py)
        if (pci.get("iommu") or {}).get("enabled") is False and not plan["kernel_args_pending"] and not plan["errors"]:
            out.append(finding(host, "gpu_iommu", "the IOMMU is off and no kernel argument is pending (%s)" % (pci.get("cmdline") or "empty command line"),
                               "turn on VT-d / AMD-Vi (IOMMU) in the firmware setup; no kernel argument can fix it"))
    return out


def gpu_selection(ctx):
    out = []
    for host, (_pci, plan) in decisions(ctx).items():
        if plan is None:
            continue
        out += [from_message(host, "gpu_selection", refusal["message"], "or lift this one check with gpu_passthrough_force: [%s]" % refusal["name"])
                for refusal in plan["refused"]]
        out += [from_message(host, "gpu_selection", error, "fix the gpu_passthrough variables of the host") for error in plan["errors"]]
    return out
