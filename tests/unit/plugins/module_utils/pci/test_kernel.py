"""pci/kernel: kernel version, modules, command line, IOMMU groups, initramfs tool and bootloader, by their files."""

from __future__ import annotations

import pytest
from pcitree import debian_boot, device, el_boot, executable, kernel, write

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import kernel as pci_kernel


@pytest.mark.parametrize(
    ("release", "version"),
    [
        ("6.1.0-13-amd64", [6, 1, 0]),
        ("5.14.0-362.8.1.el9_3.ppc64le", [5, 14, 0]),
        ("6.8.0-45-generic", [6, 8, 0]),
        ("6.2-rc1", [6, 2, 0]),
    ],
)
def test_kernel_release(tmp_path, release, version):
    kernel(tmp_path, release=release)
    warnings = []
    assert pci_kernel.kernel_release(str(tmp_path), warnings) == {"release": release, "version": version}
    assert warnings == []


def test_kernel_release_unknown(tmp_path):
    warnings = []
    assert pci_kernel.kernel_release(str(tmp_path), warnings) == {"release": None, "version": None}
    assert warnings == ["/proc/sys/kernel/osrelease does not exist: kernel release unknown"]
    write(tmp_path, "/proc/sys/kernel/osrelease", "custom\n")
    warnings = []
    assert pci_kernel.kernel_release(str(tmp_path), warnings) == {"release": "custom", "version": None}
    assert "does not start with a version number" in warnings[0]


def test_loaded_and_builtin_modules(tmp_path):
    kernel(tmp_path, modules=("vfio_iommu_type1", "vfio_pci", "vendor_reset"))
    (tmp_path / "sys/module/vfio").mkdir(parents=True)  # built in: no /proc/modules line
    warnings = []
    names = (*pci_kernel.VFIO_MODULES, pci_kernel.VENDOR_RESET_MODULE)
    assert pci_kernel.loaded_modules(str(tmp_path), names, warnings) == ["vfio", "vfio_pci", "vfio_iommu_type1", "vendor_reset"]
    assert warnings == []


def test_modules_unknown_without_proc_modules(tmp_path):
    warnings = []
    assert pci_kernel.loaded_modules(str(tmp_path), pci_kernel.VFIO_MODULES, warnings) is None
    assert warnings == ["/proc/modules does not exist: loaded kernel modules unknown"]


def test_kernel_without_module_support(tmp_path):
    # CONFIG_MODULES=n: no /proc/modules; built-in modules with parameters are in /sys/module.
    (tmp_path / "sys/module/vfio").mkdir(parents=True)
    (tmp_path / "sys/module/kernel").mkdir(parents=True)
    warnings = []
    assert pci_kernel.loaded_modules(str(tmp_path), pci_kernel.VFIO_MODULES, warnings) == ["vfio"]
    assert warnings == []


def test_cmdline_and_its_iommu_arguments(tmp_path):
    kernel(tmp_path, cmdline="BOOT_IMAGE=/vmlinuz root=/dev/sda1 amd_iommu=on iommu=pt vfio-pci.ids=1002:7341,1002:ab38 quiet")
    line, args = pci_kernel.cmdline(str(tmp_path), [])
    assert line.endswith("quiet") and not line.endswith("\n")
    assert args == ["amd_iommu=on", "iommu=pt", "vfio-pci.ids=1002:7341,1002:ab38"]
    warnings = []
    assert pci_kernel.cmdline(str(tmp_path / "none"), warnings) == (None, [])
    assert warnings == ["/proc/cmdline does not exist: kernel command line unknown"]


def test_iommu_groups_from_the_directory_or_the_links(tmp_path):
    assert pci_kernel.iommu(str(tmp_path), {}, []) == {"enabled": False, "groups": 0}
    device(tmp_path, "0000:01:00.0", "10de:1c03", "0x030000", group=1)
    device(tmp_path, "0000:01:00.1", "10de:10f1", "0x040300", group=1)
    (tmp_path / "sys/kernel/iommu_groups/0/devices").mkdir(parents=True)
    assert pci_kernel.iommu(str(tmp_path), {}, []) == {"enabled": True, "groups": 2}
    # A capture without /sys/kernel/iommu_groups: the devices' links still name their groups.
    devices = {"a": {"iommu_group": 3}, "b": {"iommu_group": 3}, "c": {"iommu_group": 0}, "d": {"iommu_group": None}}
    assert pci_kernel.iommu(str(tmp_path / "capture"), devices, []) == {"enabled": True, "groups": 2}


def test_initramfs_tools_and_grub_dropins(tmp_path):
    debian_boot(tmp_path)
    assert pci_kernel.initramfs(str(tmp_path)) == {"tool": "initramfs-tools", "installed": ["initramfs-tools"]}
    assert pci_kernel.bootloader(str(tmp_path)) == {
        "grub_dropin_dir": True, "grub_default": True, "grubby": False, "update_grub": True, "grub_mkconfig": "grub-mkconfig",
    }


def test_dracut_and_grubby(tmp_path):
    el_boot(tmp_path)
    assert pci_kernel.initramfs(str(tmp_path)) == {"tool": "dracut", "installed": ["dracut"]}
    assert pci_kernel.bootloader(str(tmp_path)) == {
        "grub_dropin_dir": False, "grub_default": True, "grubby": True, "update_grub": False, "grub_mkconfig": "grub2-mkconfig",
    }


def test_a_leftover_config_dir_does_not_name_the_tool(tmp_path):
    # initramfs-tools removed, its /etc directory left; dracut installed: dracut builds the image.
    (tmp_path / "etc/initramfs-tools").mkdir(parents=True)
    executable(tmp_path, "/usr/bin/dracut")
    assert pci_kernel.initramfs(str(tmp_path)) == {"tool": "dracut", "installed": ["initramfs-tools", "dracut"]}


def test_two_tools_with_binaries_name_none(tmp_path):
    executable(tmp_path, "/usr/sbin/update-initramfs")
    executable(tmp_path, "/usr/bin/dracut")
    assert pci_kernel.initramfs(str(tmp_path)) == {"tool": None, "installed": ["initramfs-tools", "dracut"]}


def test_nothing_installed(tmp_path):
    assert pci_kernel.initramfs(str(tmp_path)) == {"tool": None, "installed": []}
    assert pci_kernel.bootloader(str(tmp_path)) == {
        "grub_dropin_dir": False, "grub_default": False, "grubby": False, "update_grub": False, "grub_mkconfig": None,
    }
