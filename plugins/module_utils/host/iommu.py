# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``iommu`` part of ``multiarch_host``: IOMMU groups, the hardware kind, and the kernel arguments.

Groups are the directories of /sys/kernel/iommu_groups; the kind is named by the
/sys/class/iommu entries the drivers register (Linux drivers/iommu: dmar<N> from
intel/dmar.c, ivhd<N> from amd/init.c, smmu3.<addr> and arm-smmu from arm/), else
by the arch table's ``iommu_kind`` for an arch whose IOMMU registers none.
Runs on target hosts (Python >= 3.9, standard library only).
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import list_dir, read_text

IOMMU_CLASS_KINDS = (("dmar", "intel-vt-d"), ("ivhd", "amd-vi"), ("smmu", "arm-smmu"), ("arm-smmu", "arm-smmu"))
# Kernel parameters (Documentation/admin-guide/kernel-parameters.txt) and module options that shape the IOMMU and VFIO.
IOMMU_CMDLINE_PREFIXES = ("intel_iommu", "amd_iommu", "iommu", "vfio", "vfio_pci", "vfio-pci", "vfio_iommu_type1", "pcie_acs_override")


def _class_kind(names):
    for name in names:
        for prefix, label in IOMMU_CLASS_KINDS:
            if name.startswith(prefix):
                return label
    return None


def iommu_group_names(root, warnings):
    """The directories of /sys/kernel/iommu_groups (one per group); None when it cannot be listed."""
    return list_dir(root, "/sys/kernel/iommu_groups", warnings, "IOMMU groups")


def kernel_cmdline(root, warnings, what="kernel command line"):
    """/proc/cmdline, stripped; None when it cannot be read (``what`` names it in the warning)."""
    text = read_text(root, "/proc/cmdline", warnings, what)
    return text.strip() if text is not None else None


def iommu_cmdline(text):
    """The IOMMU and VFIO arguments of a kernel command line, in order."""
    args = []
    for token in (text or "").split():
        key = token.split("=", 1)[0]
        if key.split(".", 1)[0] in IOMMU_CMDLINE_PREFIXES:
            args.append(token)
    return args


def probe_iommu(root, arch, warnings):
    """Return the ``iommu`` dict from sysfs and the kernel command line of a host of canonical ``arch``."""
    groups = iommu_group_names(root, warnings)
    count = len(groups) if groups else 0
    kind = _class_kind(list_dir(root, "/sys/class/iommu", warnings, "IOMMU kind") or [])
    if kind is None and count:
        kind = ARCHES.get(arch, {}).get("iommu_kind")
    cmdline = kernel_cmdline(root, warnings, "IOMMU kernel arguments")
    return {"enabled": count > 0, "groups": count, "kind": kind, "cmdline": iommu_cmdline(cmdline)}
