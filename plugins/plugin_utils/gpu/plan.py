# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_passthrough_plan: everything the gpu_passthrough role decides for one host (docs/gpu-passthrough.md).

Controller side, pure: selection (select.py), refusals (refusals.py), host changes as data (kernel.py)
and nova's values (nova.py). Host problems are not raised: they come back in ``errors`` and
``refused``, and a host with any has no files, so a play can decide every host and stop once.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import kernel, nova, refusals, select

PLAN_KEYS = (
    "host", "arch", "selected", "functions", "binding", "refused", "forced", "files", "file_modes", "files_absent",
    "grubby_args", "kernel_args", "kernel_args_pending", "vfio_modules", "needs_initramfs", "device_spec", "aliases",
    "flavor_extra_specs", "errors", "warnings",
)


def _empty(host, arch):
    plan = dict.fromkeys(PLAN_KEYS)
    plan.update(host=host, arch=arch, selected=[], functions=[], binding={"ids": [], "overrides": [], "softdeps": []}, refused=[], forced=[],
                files={}, file_modes={}, files_absent=list(kernel.OWNED_FILES), grubby_args=[], kernel_args=[], kernel_args_pending=[],
                vfio_modules=[], needs_initramfs=False, device_spec=[], aliases=[], flavor_extra_specs={}, errors=[], warnings=[])
    return plan


def _arch(arch, host):
    try:
        return canonical_arch(arch), []
    except UnknownArchError as exc:
        return None, ["host %s: arch: %s (give multiarch_host.arch)" % (host, exc)]


def gpu_passthrough_plan(pci, *, host=None, arch=None, cpu_vendor=None, ids=None, addresses=None, all_gpus=False, forced=None,
                         kernel_config=None, kernel_args_in_place=False, vendor_reset_installed=None,
                         no_reset_recovery_ids=refusals.DEFAULT_NO_RESET_RECOVERY, blacklist_drivers=None, aliases=None):
    """The decision for one host from its ``pci`` (module pci_passthrough_info) and the operator's variables.

    ``kernel_args_in_place`` None: decide whether the running kernel has every argument from a first decision
    (no problem, something selected, nothing pending); then an IOMMU still off is refused (``iommu_off``).
    """
    if kernel_args_in_place is None:
        first = gpu_passthrough_plan(pci, host=host, arch=arch, cpu_vendor=cpu_vendor, ids=ids, addresses=addresses, all_gpus=all_gpus,
                                     forced=forced, kernel_config=kernel_config, kernel_args_in_place=False,
                                     vendor_reset_installed=vendor_reset_installed, no_reset_recovery_ids=no_reset_recovery_ids,
                                     blacklist_drivers=blacklist_drivers, aliases=aliases)
        kernel_args_in_place = not first["errors"] and not first["refused"] and bool(first["selected"]) and not first["kernel_args_pending"]
    host = host or "unknown"
    canonical, errors = _arch(arch, host)
    plan = _empty(host, canonical)
    if not isinstance(pci, dict) or "devices" not in pci:
        plan["errors"] = [*errors, "host %s: the pci result is missing or not pci_passthrough_info's; run multiarch.kolla.pci_passthrough_info" % host]
        return plan
    gpus, select_errors, warnings = select.select_gpus(pci, host, ids=ids, addresses=addresses, all_gpus=all_gpus)
    functions = select.selected_functions(gpus)
    errors += select_errors
    try:
        found = refusals.refusals(pci, gpus, functions, host=host, kernel_args_in_place=kernel_args_in_place,
                                  vendor_reset_installed=vendor_reset_installed, no_reset_recovery_ids=no_reset_recovery_ids)
    except ValueError as exc:
        found, errors = [], [*errors, "host %s: %s" % (host, exc)]
    refused, lifted, force_errors = refusals.apply_forced(found, forced, host)
    plan.update(selected=[g["address"] for g in gpus], functions=[f["address"] for f in functions], refused=refused,
                forced=lifted, warnings=list(pci.get("warnings") or []) + warnings)
    errors += force_errors
    if not gpus:
        plan["warnings"].append("host %s: no GPU selected; nothing to do" % host)
    if errors or refused or not gpus or canonical is None:
        plan["errors"] = errors
        return plan
    args, arg_warnings, arg_errors = kernel.kernel_args(canonical, cpu_vendor, kernel_config, pci, host)
    modules, module_warnings = kernel.vfio_modules(canonical, (pci.get("kernel") or {}).get("version"), host)
    written = kernel.host_files(pci, functions, select.host_functions(pci), args=args, modules=modules, host=host, blacklist_drivers=blacklist_drivers)
    spec, alias_values, extra, nova_errors = nova.nova_decision(gpus, written["binding"]["overrides"], host, aliases)
    plan["warnings"] += arg_warnings + module_warnings
    plan["errors"] = arg_errors + written["errors"] + nova_errors
    if plan["errors"]:
        return plan
    cmdline = (pci.get("cmdline") or "").split()
    plan.update(
        binding=written["binding"], files=written["files"], file_modes=written["modes"],
        files_absent=[p for p in kernel.OWNED_FILES if p not in written["files"]], grubby_args=written["grubby_args"],
        kernel_args=args, kernel_args_pending=[a for a in args if a not in cmdline], vfio_modules=modules,
        needs_initramfs=any(p in written["files"] for p in (kernel.PATHS["initramfs-tools"], kernel.PATHS["dracut"])),
        device_spec=spec, aliases=alias_values, flavor_extra_specs=extra,
    )
    return plan
