# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the running kernel and the installed boot tools mean for passthrough.

- the kernel release (/proc/sys/kernel/osrelease) and its numeric version;
- the vfio and vendor-reset modules that are loaded (/proc/modules; a built-in
  module has no line there but a /sys/module/<name> directory);
- the kernel command line and its IOMMU arguments, and the IOMMU groups, read as host/iommu.py reads them;
- IOMMU groups: the directories of /sys/kernel/iommu_groups, or where that directory
  was not captured, the groups the devices' ``iommu_group`` links name;
- the initramfs tool that is installed and the bootloader configuration mechanism,
  detected by their files, never by the OS family.

Standard library only; runs on target hosts (Python >= 3.9).
"""

import os
import re

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import find_binary, under
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import read_text
from ansible_collections.multiarch.kolla.plugins.module_utils.host.iommu import iommu_cmdline, iommu_group_names, kernel_cmdline

# vfio_virqfd was folded into vfio in Linux 6.2 ("vfio: Fold vfio_virqfd.ko into vfio.ko"); vfio_pci_core split out in 5.15.
VFIO_MODULES = ("vfio", "vfio_pci", "vfio_pci_core", "vfio_iommu_type1", "vfio_iommu_spapr_tce", "vfio_virqfd")
VENDOR_RESET_MODULE = "vendor_reset"
# (tool, files that show it installed, binaries that build the image)
INITRAMFS_TOOLS = (
    ("initramfs-tools", ("/etc/initramfs-tools",), ("update-initramfs", "mkinitramfs")),
    ("dracut", ("/etc/dracut.conf.d",), ("dracut",)),
)


def kernel_release(root, warnings):
    """``{"release": "6.1.0-13-amd64", "version": [6, 1, 0]}``; both None when unreadable."""
    text = read_text(root, "/proc/sys/kernel/osrelease", warnings, "kernel release")
    release = text.strip() if text else None
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release or "")
    version = [int(part) for part in match.groups(default="0")] if match else None
    if release and version is None:
        warnings.append("kernel release %r does not start with a version number: kernel version unknown" % release)
    return {"release": release, "version": version}


def loaded_modules(root, names, warnings):
    """The ``names`` that are loaded or built in, in the order given; None when /proc/modules cannot be read.

    A kernel without module support (CONFIG_MODULES=n) has no /proc/modules: only /sys/module tells then.
    """
    missing = not os.path.lexists(under(root, "/proc/modules")) and os.path.isdir(under(root, "/sys/module"))
    text = "" if missing else read_text(root, "/proc/modules", warnings, "loaded kernel modules")
    if text is None:
        return None
    loaded = {line.split(None, 1)[0] for line in text.splitlines() if line.strip()}
    return [name for name in names if name in loaded or os.path.isdir(under(root, "/sys/module/%s" % name))]


def cmdline(root, warnings):
    """The kernel command line (stripped) and its IOMMU/VFIO arguments."""
    line = kernel_cmdline(root, warnings)
    return line, iommu_cmdline(line)


def iommu(root, devices, warnings):
    """``{"enabled", "groups"}``: groups counted in /sys/kernel/iommu_groups, else from the devices' links."""
    names = iommu_group_names(root, warnings)
    if names is None:
        names = {device["iommu_group"] for device in devices.values() if device["iommu_group"] is not None}
    count = len(names)
    return {"enabled": count > 0, "groups": count}


def initramfs(root):
    """``{"tool", "installed"}``: every tool whose files exist; ``tool`` the one that builds the image, None when none or unclear."""
    installed, building = [], []
    for tool, paths, binaries in INITRAMFS_TOOLS:
        has_binary = any(find_binary(name, root) for name in binaries)
        if has_binary or any(os.path.isdir(under(root, path)) for path in paths):
            installed.append(tool)
        if has_binary:
            building.append(tool)
    candidates = building or installed
    return {"tool": candidates[0] if len(candidates) == 1 else None, "installed": installed}


def bootloader(root):
    """How kernel arguments can be set: GRUB drop-ins (Debian/Ubuntu) or grubby (EL), and the GRUB tools present."""
    mkconfig = find_binary("grub-mkconfig", root) or find_binary("grub2-mkconfig", root)
    return {
        "grub_dropin_dir": os.path.isdir(under(root, "/etc/default/grub.d")),
        "grub_default": os.path.isfile(under(root, "/etc/default/grub")),
        "grubby": find_binary("grubby", root) is not None,
        "update_grub": find_binary("update-grub", root) is not None,
        "grub_mkconfig": os.path.basename(mkconfig) if mkconfig else None,
    }
