# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PCI devices as sysfs shows them: IDs, class, driver, IOMMU group, and the attributes passthrough cares about.

Every device is a link in /sys/bus/pci/devices named by its address
(``domain:bus:device.function``). The attributes are the kernel's
(Linux Documentation/ABI/testing/sysfs-bus-pci and drivers/pci/pci-sysfs.c):
``vendor``, ``device``, ``subsystem_vendor``, ``subsystem_device``, ``class`` (hex),
``boot_vga`` (VGA-class devices only), ``numa_node`` (-1: no affinity),
``sriov_totalvfs`` (SR-IOV physical functions only), ``reset_method`` (5.15 and later),
and the links ``driver`` and ``iommu_group`` (to /sys/kernel/iommu_groups/<n>).
Older captures lack the subsystem files; the ``sv``/``sd`` fields of ``modalias``
carry the same IDs (drivers/pci/pci-driver.c, pci_uevent/modalias).

An attribute that is absent is None without a word; one that exists but cannot be
read or parsed is None plus one sentence in ``warnings``. Standard library only;
runs on target hosts (Python >= 3.9).
"""

import errno
import os
import re

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import under
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import list_dir, read_text

DEVICES = "/sys/bus/pci/devices"
# Display controllers (0x03xx: VGA, XGA, 3D, other) and processing accelerators (0x12xx), PCI Code and ID Assignment spec.
GPU_CLASSES = ("03", "12")
BRIDGE_CLASS = "0604"  # PCI-to-PCI bridge: PCIe root and switch ports
MODALIAS = re.compile(r"sv([0-9A-Fa-f]{8})sd([0-9A-Fa-f]{8})")


def _attr(root, address, name, warnings):
    text = read_text(root, "%s/%s/%s" % (DEVICES, address, name), warnings, "%s of PCI device %s" % (name, address), missing_ok=True)
    return None if text is None else text.strip()


def _hex(root, address, name, width, warnings):
    """A hex attribute as ``width`` lowercase digits without 0x; None when absent or not hex (with a warning)."""
    text = _attr(root, address, name, warnings)
    if text is None:
        return None
    digits = text.lower()[2:] if text.lower().startswith("0x") else text.lower()
    if not digits or len(digits) > width or any(c not in "0123456789abcdef" for c in digits):
        warnings.append("%s/%s/%s holds %r, not a hex number: %s of PCI device %s unknown" % (DEVICES, address, name, text, name, address))
        return None
    return digits.rjust(width, "0")


def _int(root, address, name, warnings):
    text = _attr(root, address, name, warnings)
    if text is None:
        return None
    try:
        return int(text, 10)
    except ValueError:
        warnings.append("%s/%s/%s holds %r, not a number: %s of PCI device %s unknown" % (DEVICES, address, name, text, name, address))
        return None


def _link(root, address, name, warnings):
    """The last component of the link ``name`` of a device; None when there is no such link."""
    path = under(root, "%s/%s/%s" % (DEVICES, address, name))
    try:
        return os.path.basename(os.readlink(path))
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            warnings.append("%s/%s/%s cannot be read (%s): %s of PCI device %s unknown" % (DEVICES, address, name, exc.strerror or exc, name, address))
        return None


def _subsystem(root, address, warnings):
    vendor = _hex(root, address, "subsystem_vendor", 4, warnings)
    device = _hex(root, address, "subsystem_device", 4, warnings)
    if vendor is None and device is None:
        match = MODALIAS.search(_attr(root, address, "modalias", warnings) or "")
        if match:
            return match.group(1)[4:].lower(), match.group(2)[4:].lower()
    return vendor, device


def _group(root, address, warnings):
    name = _link(root, address, "iommu_group", warnings)
    if name is None:
        return None
    if not name.isdigit():
        warnings.append("%s/%s/iommu_group points to %r, not a group number: IOMMU group of PCI device %s unknown" % (DEVICES, address, name, address))
        return None
    return int(name)


def read_device(root, address, warnings):
    """Everything sysfs says about one device that the passthrough decisions use."""
    subsystem = _subsystem(root, address, warnings)
    boot_vga = _attr(root, address, "boot_vga", warnings)
    reset = _attr(root, address, "reset_method", warnings)
    return {
        "address": address,
        "vendor_id": _hex(root, address, "vendor", 4, warnings),
        "device_id": _hex(root, address, "device", 4, warnings),
        "subsystem_vendor_id": subsystem[0],
        "subsystem_device_id": subsystem[1],
        "class": _hex(root, address, "class", 6, warnings),
        "revision": _hex(root, address, "revision", 2, warnings),
        "driver": _link(root, address, "driver", warnings),
        "iommu_group": _group(root, address, warnings),
        "boot_vga": None if boot_vga is None else boot_vga == "1",
        "numa_node": _int(root, address, "numa_node", warnings),
        "sriov_totalvfs": _int(root, address, "sriov_totalvfs", warnings),
        "reset_method": None if reset is None else reset.split(),
    }


def scan(root, warnings):
    """``{address: device}`` for every PCI device; empty, with a warning, when sysfs has no PCI bus."""
    addresses = list_dir(root, DEVICES, warnings, "PCI devices")
    if addresses is None:
        if not os.path.lexists(under(root, DEVICES)):
            warnings.append("%s does not exist (no PCI bus, or /sys not mounted): no PCI devices" % DEVICES)
        return {}
    return {address: read_device(root, address, warnings) for address in addresses}


def is_gpu(device):
    """A display controller (class 0x03xx) or processing accelerator (0x12xx)."""
    return (device.get("class") or "")[:2] in GPU_CLASSES


def is_bridge(device):
    return (device.get("class") or "")[:4] == BRIDGE_CLASS


def slot(address):
    """``domain:bus:device`` of an address (the functions of one card share it)."""
    return address.rsplit(".", 1)[0]


def summary(device):
    """The short form of a related device: group member or companion function."""
    keys = ("address", "vendor_id", "device_id", "class", "driver", "iommu_group")
    result = {key: device.get(key) for key in keys}
    result["bridge"] = is_bridge(device)
    return result


def group_members(devices, address):
    """The other devices of ``address``'s IOMMU group, by address; empty when it has no group."""
    group = devices[address]["iommu_group"]
    if group is None:
        return []
    return [summary(devices[a]) for a in sorted(devices) if a != address and devices[a]["iommu_group"] == group]


def companions(devices, address):
    """The other functions of the same card (same domain:bus:device): HDMI audio, USB xHCI, UCSI."""
    return [summary(devices[a]) for a in sorted(devices) if a != address and slot(a) == slot(address)]
