# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``pci`` dict of ``pci_passthrough_info`` (docs/pci_passthrough_info.md), from a host tree under a root.

Reads sysfs (pci/sysfs.py), the kernel and boot tools (pci/kernel.py), pci.ids
(pci/pci_ids.py) and vendor-reset's table (pci/vendor_reset.py); decides nothing.
Standard library only; runs on target hosts (Python >= 3.9).
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import kernel, pci_ids, sysfs, vendor_reset


def _device(devices, address, db):
    device = dict(devices[address])
    device["names"] = pci_ids.names(db, device)
    device["iommu_group_devices"] = sysfs.group_members(devices, address)
    device["companions"] = sysfs.companions(devices, address)
    device["vendor_reset"] = vendor_reset.lookup(device["vendor_id"], device["device_id"])
    return device


def gather(root="/", pci_ids_paths=pci_ids.DEFAULT_PATHS, devices_root=None):
    """Everything the module returns, ``warnings`` included.

    ``devices_root`` (default ``root``) is where the running kernel's side is read: ``/sys`` (devices,
    IOMMU groups), ``/proc`` (command line, modules, release). The installed system's side - pci.ids,
    the initramfs tool, the bootloader - is read under ``root``.
    """
    warnings = []
    devices_root = devices_root or root
    devices = sysfs.scan(devices_root, warnings)
    db = pci_ids.load(root, pci_ids_paths, warnings)
    modules = kernel.loaded_modules(devices_root, (*kernel.VFIO_MODULES, kernel.VENDOR_RESET_MODULE), warnings)
    line, args = kernel.cmdline(devices_root, warnings)
    return {
        "devices": [_device(devices, address, db) for address in sorted(devices) if sysfs.is_gpu(devices[address])],
        "vendor_reset_loaded": None if modules is None else kernel.VENDOR_RESET_MODULE in modules,
        "vfio_modules": None if modules is None else [name for name in modules if name != kernel.VENDOR_RESET_MODULE],
        "iommu": kernel.iommu(devices_root, devices, warnings),
        "cmdline": line,
        "cmdline_iommu_args": args,
        "kernel": kernel.kernel_release(devices_root, warnings),
        "initramfs": kernel.initramfs(root),
        "bootloader": kernel.bootloader(root),
        "pci_ids": db is not None,
        "warnings": warnings,
    }
