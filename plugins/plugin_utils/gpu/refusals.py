# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the gpu_passthrough decision refuses, each check with a stable name the operator can force.

Controller side, pure. Every problem of a host is listed at once; a refused host gets no files.
"""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.select import describe, device_id, parse_ids

# The names the operator forces one at a time (gpu_passthrough_force), in the order they are checked.
REFUSALS = ("boot_vga", "iommu_group_shared", "iommu_off", "vendor_reset_missing", "no_reset_recovery")
# Cards that hang after a guest stops even with vendor-reset: the Radeon Pro W5500 (Navi 14) lost at the
# first guest shutdown (issue 13); vendor-reset lists Navi 14 now, yet failed resets are still reported.
DEFAULT_NO_RESET_RECOVERY = ("1002:7341",)
# PCI-to-PCI bridges (class 0x0604, PCI-SIG class codes) stay with the host in a group passed to guests:
# their driver, pcieport, does no DMA for the devices below it (Linux drivers/pci/pcie/portdrv.c sets
# driver_managed_dma; kernels before 5.19 listed it in vfio's driver allowlist, drivers/vfio/vfio.c).
_BRIDGE_CLASS = "0604"


def _refusal(name, dev, host, reason, fix):
    message = "host %s: %s %s. Fix: %s; or force this one check with gpu_passthrough_force: [%s]." % (host, describe(dev), reason, fix, name)
    return {"name": name, "address": dev.get("address"), "message": message}


def _is_bridge(dev):
    return dev.get("bridge") is True or str(dev.get("class") or "").startswith(_BRIDGE_CLASS)


def _boot_vga(gpu, host, **_):
    if gpu.get("boot_vga") is True:
        return [_refusal(
            "boot_vga", gpu, host, "is the boot VGA device (the firmware's console); the host loses its console",
            "select the other cards by address, or with gpu_passthrough_all_gpus, which leaves the boot display out",
        )]
    return []


def _group_shared(gpu, host, chosen, **_):
    strangers = [d for d in gpu.get("iommu_group_devices") or [] if d.get("address") not in chosen and not _is_bridge(d)]
    if not strangers:
        return []
    names = ", ".join("%s (%s, driver %s)" % (d.get("address"), device_id(d), d.get("driver")) for d in strangers)
    return [_refusal(
        "iommu_group_shared", gpu, host, "shares IOMMU group %s with %s, which would leave the host with it" % (gpu.get("iommu_group"), names),
        "move the card to a slot with its own group (a root port with ACS), or select those devices as well",
    )]


def _iommu_off(gpu, host, pci, kernel_args_in_place, **_):
    if not kernel_args_in_place or (pci.get("iommu") or {}).get("enabled") is not False:
        return []
    return [_refusal(
        "iommu_off", gpu, host, "has no IOMMU group: the IOMMU is off although the kernel arguments are in place and the host rebooted "
        "(command line: %s)" % pci.get("cmdline"),
        "turn on VT-d / AMD-Vi (IOMMU) in the firmware setup and reboot",
    )]


def _vendor_reset(gpu, host, pci, vendor_reset_installed, **_):
    listed = (gpu.get("vendor_reset") or {}).get("listed") is True
    if not listed or pci.get("vendor_reset_loaded") is True or vendor_reset_installed is True:
        return []
    family = (gpu.get("vendor_reset") or {}).get("family")
    return [_refusal(
        "vendor_reset_missing", gpu, host, "is in vendor-reset's table (%s) and the vendor_reset module is neither loaded nor installed; "
        "without it the card cannot be reset after a guest stops" % family,
        "install vendor-reset (https://github.com/gnif/vendor-reset) and load it at boot",
    )]


def _no_recovery(gpu, host, no_recovery, **_):
    if device_id(gpu) not in no_recovery:
        return []
    return [_refusal(
        "no_reset_recovery", gpu, host, "is listed in gpu_passthrough_no_reset_recovery_ids: it does not recover from a guest shutdown "
        "even with vendor-reset and hangs until the host reboots",
        "use another card model, or remove the ID from gpu_passthrough_no_reset_recovery_ids",
    )]


_CHECKS = (_boot_vga, _group_shared, _iommu_off, _vendor_reset, _no_recovery)


def refusals(pci, gpus, functions, *, host, kernel_args_in_place=False, vendor_reset_installed=None, no_reset_recovery_ids=DEFAULT_NO_RESET_RECOVERY):
    """Every refusal for the selected ``gpus`` (and their ``functions``), ordered by device then check.

    Each is ``{"name", "address", "message"}``. Raises ValueError for a bad ID list.
    """
    no_recovery = set(parse_ids(list(no_reset_recovery_ids or []), "gpu_passthrough_no_reset_recovery_ids"))
    chosen = {f["address"] for f in functions}
    found = []
    for gpu in gpus:
        for check in _CHECKS:
            found.extend(check(
                gpu, host=host, pci=pci, chosen=chosen, kernel_args_in_place=kernel_args_in_place,
                vendor_reset_installed=vendor_reset_installed, no_recovery=no_recovery,
            ))
    return found


def apply_forced(found, forced, host):
    """Split ``found`` into (refused, lifted) by the names in ``forced``; unknown names are errors.

    Returns ``(refused, lifted, errors)``.
    """
    if isinstance(forced, str):
        forced = [part.strip() for part in forced.split(",") if part.strip()]
    forced = list(forced or [])
    errors = [
        "host %s: gpu_passthrough_force: %r is no check; the checks are %s" % (host, name, ", ".join(REFUSALS))
        for name in forced if name not in REFUSALS
    ]
    refused = [r for r in found if r["name"] not in forced]
    lifted = [r for r in found if r["name"] in forced]
    return refused, lifted, errors
