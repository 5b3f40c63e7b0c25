# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host changes GPU passthrough needs, as data: kernel arguments, vfio-pci binding, module lists, owned files.

Controller side, pure. Per-arch facts (IOMMU arguments, the VFIO IOMMU backend) come from
plugins/module_utils/archtable.py. Every file is one the role owns whole (nothing is edited in
place); each starts with HEADER.
"""

import re

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.select import device_id

HEADER = "# Managed by the multiarch.kolla collection (role gpu_passthrough); it rewrites this file whole. Do not edit.\n"
PATHS = {
    "modprobe": "/etc/modprobe.d/multiarch-kolla-vfio.conf",
    "blacklist": "/etc/modprobe.d/multiarch-kolla-blacklist.conf",
    "udev": "/etc/udev/rules.d/61-multiarch-kolla-vfio.rules",
    "modules_load": "/etc/modules-load.d/multiarch-kolla-vfio.conf",
    # initramfs-tools (Debian 12, 0.142) reads /etc/initramfs-tools/modules and /usr/share/initramfs-tools/modules.d
    # only (mkinitramfs); a hook in /etc/initramfs-tools/hooks with force_load (hook-functions) is the owned file.
    "initramfs-tools": "/etc/initramfs-tools/hooks/multiarch-kolla-vfio",
    "dracut": "/etc/dracut.conf.d/90-multiarch-kolla-vfio.conf",
    # grub-mkconfig sources /etc/default/grub, then /etc/default/grub.d/*.cfg in order: 99- comes after Ubuntu cloud
    # images' 50-cloudimg-settings.cfg, which sets GRUB_CMDLINE_LINUX_DEFAULT itself.
    "grub": "/etc/default/grub.d/99-multiarch-kolla-gpu.cfg",
}
OWNED_FILES = tuple(sorted(PATHS.values()))
# Kernel arguments the IOMMU must not get (Linux Documentation/admin-guide/kernel-parameters.txt: amd_iommu=
# takes fullflush, off, force_enable, force_isolation, pgtbl_v1/v2, irtcachedis, nohugepages, v2_pgsizes_only).
INVALID_ARGS = ("amd_iommu=on",)
# An argument that the kernel's build config can make the default (drivers/iommu/intel/Kconfig).
DEFAULT_ON_CONFIG = {"intel_iommu=on": "CONFIG_INTEL_IOMMU_DEFAULT_ON"}
# vfio_virqfd is part of vfio.ko from Linux 6.2 on (drivers/vfio/Makefile: vfio-$(CONFIG_VFIO_VIRQFD) += virqfd.o).
VIRQFD_FOLDED = (6, 2)
# Drivers whose module has another name (the softdep names the module: modprobe.d(5)).
_DRIVER_MODULE = {"xhci_hcd": "xhci_pci", "nvidia-gpu": "i2c_nvidia_gpu", "pcieport": None, "vfio-pci": None}
_MODULE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def kernel_args(arch, cpu_vendor, kernel_config, pci, host):
    """IOMMU kernel arguments for the host; returns ``(args, warnings, errors)``."""
    table = ARCHES[canonical_arch(arch)]["iommu_kernel_args"]
    warnings, errors = [], []
    vendor_specific = [v for v in table if v != "*"]
    if vendor_specific and not cpu_vendor:
        errors.append("host %s: the CPU vendor is unknown, so the IOMMU arguments cannot be chosen; give cpu_vendor "
                      "(multiarch_host.cpu.vendor, such as GenuineIntel or AuthenticAMD)" % host)
    args = list(table.get(cpu_vendor, ())) + list(table.get("*", ()))
    for arg, option in DEFAULT_ON_CONFIG.items():
        if arg in args and str((kernel_config or {}).get(option, "")).lower() == "y":
            args.remove(arg)
    for arg in pci.get("cmdline_iommu_args") or []:
        if arg in INVALID_ARGS:
            warnings.append("host %s: the kernel command line has %s, which is no valid value and is ignored by the kernel; "
                            "remove it from the bootloader configuration" % (host, arg))
    return args, warnings, errors


def vfio_modules(arch, version, host):
    """The vfio modules to load at boot, in load order; returns ``(modules, warnings)``."""
    modules = ["vfio", ARCHES[canonical_arch(arch)]["vfio_iommu_module"], "vfio_pci"]
    if not version:
        return modules, ["host %s: the kernel version is unknown; vfio_virqfd (a module before Linux 6.2) is left out" % host]
    if tuple(version[:2]) < VIRQFD_FOLDED:
        modules.insert(1, "vfio_virqfd")
    return modules, []


def binding(functions, known):
    """How vfio-pci takes the selected ``functions``: by ID where every function with that ID goes, else per address.

    ``known``: every function of the host by address. Returns ``{"ids", "overrides", "softdeps"}``.
    """
    chosen = {f["address"] for f in functions}
    split = {device_id(f) for f in known.values() if f["address"] not in chosen}
    ids = sorted({device_id(f) for f in functions if device_id(f) not in split})
    overrides = sorted(f["address"] for f in functions if device_id(f) in split)
    # vfio-pci loads before the drivers of the selected functions and, where identical cards are split, before the
    # driver the host keeps for their twins: so it is there when the per-address driver_override is set.
    selected_ids = {device_id(f) for f in functions}
    twins = [f for f in known.values() if f["address"] not in chosen and device_id(f) in selected_ids]
    softdeps = set()
    for function in [*functions, *twins]:
        driver = function.get("driver")
        module = _DRIVER_MODULE.get(driver, driver)
        if module:
            softdeps.add(module.replace("-", "_"))
    return {"ids": ids, "overrides": overrides, "softdeps": sorted(softdeps)}


def _modprobe(bind):
    lines = []
    if bind["ids"]:
        lines.append("options vfio-pci ids=%s\n" % ",".join(bind["ids"]))
    lines.extend("softdep %s pre: vfio-pci\n" % module for module in bind["softdeps"])
    return HEADER + "".join(lines) if lines else None


def _initramfs(tool, modules):
    if tool == "initramfs-tools":
        return (
            "#!/bin/sh\n" + HEADER + 'PREREQ=""\nprereqs() { echo "$PREREQ"; }\ncase "$1" in\n    prereqs) prereqs; exit 0 ;;\nesac\n'
            ". /usr/share/initramfs-tools/hook-functions\n" + "".join("force_load %s\n" % m for m in modules)
        )
    # dracut.conf(5): force_drivers are added to the image and loaded early with modprobe.
    return HEADER + 'force_drivers+=" %s "\n' % " ".join(modules)


def _bootloader(pci, args, host):
    """``(grub drop-in content or None, grubby args, errors)``."""
    boot = pci.get("bootloader") or {}
    if not args:
        return None, [], []
    if boot.get("grub_dropin_dir"):
        return HEADER + 'GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} %s"\n' % " ".join(args), [], []
    if boot.get("grubby"):
        return None, list(args), []
    return None, [], ["host %s: neither /etc/default/grub.d nor grubby found, so the kernel arguments %s have no place; "
                      "create /etc/default/grub.d (GRUB 2 on Debian or Ubuntu) or install grubby (EL)" % (host, " ".join(args))]


def host_files(pci, functions, known, *, args, modules, host, blacklist_drivers=None):
    """The owned files (path -> content), their modes, the grubby arguments and errors."""
    errors = []
    files = {}
    bind = binding(functions, known)
    modprobe = _modprobe(bind)
    if modprobe:
        files[PATHS["modprobe"]] = modprobe
    if bind["overrides"]:
        files[PATHS["udev"]] = HEADER + "".join(
            'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="%s", ATTR{driver_override}="vfio-pci"\n' % a for a in bind["overrides"]
        )
    drivers = [str(d) for d in blacklist_drivers or []]
    bad = [d for d in drivers if not _MODULE_NAME.fullmatch(d)]
    if bad:
        errors.append("host %s: gpu_passthrough_blacklist_drivers: %s are no module names" % (host, ", ".join(repr(d) for d in bad)))
    elif drivers:
        files[PATHS["blacklist"]] = HEADER + "".join("blacklist %s\n" % d for d in sorted(set(drivers)))
    files[PATHS["modules_load"]] = HEADER + "".join("%s\n" % m for m in modules)
    tool = (pci.get("initramfs") or {}).get("tool")
    if tool in ("initramfs-tools", "dracut"):
        files[PATHS[tool]] = _initramfs(tool, modules)
    else:
        errors.append("host %s: no single initramfs tool found (installed: %s), so vfio cannot load before the host drivers; "
                      "keep exactly one of initramfs-tools and dracut" % (host, ", ".join((pci.get("initramfs") or {}).get("installed") or []) or "none"))
    grub, grubby_args, boot_errors = _bootloader(pci, args, host)
    if grub:
        files[PATHS["grub"]] = grub
    modes = {path: "0755" if path == PATHS["initramfs-tools"] else "0644" for path in files}
    return {"files": dict(sorted(files.items())), "modes": dict(sorted(modes.items())), "grubby_args": grubby_args,
            "binding": bind, "errors": errors + boot_errors}
