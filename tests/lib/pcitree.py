"""PCI sysfs trees for the pci_passthrough_info tests, built the way the kernel lays them out.

A device is a directory /sys/devices/pci<domain>:<bus>/<address> with its attribute
files, a ``driver`` link and an ``iommu_group`` link; /sys/bus/pci/devices/<address>
links to it and /sys/kernel/iommu_groups/<n>/devices/<address> names it. The hosts
below take their IDs, classes and drivers from real ``lspci -nn``/``lspci -vs``
listings and pci.ids (../shared/fixtures/pci): names in the comments are pci.ids'.
The captured trees of ../shared/fixtures/pci are unpacked by ``captured``.
"""

from __future__ import annotations

import os
import stat
import tarfile

from conftest import fixture_file, fixture_text

EXCERPT = "pci_ids_gpu_excerpt.ids"


def write(root, rel, text=""):
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _link(path, target):
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def device(root, address, ids, klass, *, driver=None, group=None, subsystem=None, boot_vga=None, numa_node=-1, sriov_totalvfs=None, reset_method=None):
    """One PCI function. ``ids`` "10de:1c03", ``klass`` "0x030000", ``subsystem`` "19da:2438"."""
    vendor, dev = ids.split(":")
    parent = "pci%s:00" % address.split(":", 1)[0]  # the host bridge's directory, as the kernel names it
    base = "sys/devices/" + parent
    path = root / base / address
    attrs = {"vendor": "0x" + vendor, "device": "0x" + dev, "class": klass, "revision": "0xa1"}
    if subsystem:
        attrs["subsystem_vendor"], attrs["subsystem_device"] = ("0x" + part for part in subsystem.split(":"))
    for name, value in (("boot_vga", boot_vga), ("numa_node", numa_node), ("sriov_totalvfs", sriov_totalvfs), ("reset_method", reset_method)):
        if value is not None:
            attrs[name] = str(int(value) if isinstance(value, bool) else value)
    for name, value in attrs.items():
        write(root, "%s/%s/%s" % (base, address, name), value + "\n")
    _link(root / "sys/bus/pci/devices" / address, "../../../devices/%s/%s" % (parent, address))
    if driver:
        _link(path / "driver", "../../../bus/pci/drivers/%s" % driver)
    if group is not None:
        _link(path / "iommu_group", "../../../kernel/iommu_groups/%d" % group)
        _link(root / ("sys/kernel/iommu_groups/%d/devices" % group) / address, "../../../../devices/%s/%s" % (parent, address))
    return path


def kernel(root, release="6.1.0-13-amd64", modules=("vfio", "vfio_pci", "vfio_iommu_type1"), cmdline="BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet"):
    write(root, "/proc/sys/kernel/osrelease", release + "\n")
    write(root, "/proc/modules", "".join("%s 16384 0 - Live 0x0000000000000000\n" % name for name in ("ext4", *modules)))
    write(root, "/proc/cmdline", cmdline + "\n")
    return root


def pci_ids(root, rel="/usr/share/misc/pci.ids"):
    """The real pci.ids excerpt where the host keeps pci.ids."""
    return write(root, rel, fixture_text("pci", EXCERPT))


def executable(root, rel):
    path = write(root, rel, "#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def debian_boot(root):
    """initramfs-tools and GRUB with its drop-in directory, as on Debian and Ubuntu."""
    executable(root, "/usr/sbin/update-initramfs")
    (root / "etc/initramfs-tools").mkdir(parents=True, exist_ok=True)
    (root / "etc/default/grub.d").mkdir(parents=True, exist_ok=True)
    write(root, "/etc/default/grub", 'GRUB_CMDLINE_LINUX=""\n')
    executable(root, "/usr/sbin/update-grub")
    executable(root, "/usr/sbin/grub-mkconfig")
    return root


def el_boot(root):
    """dracut and grubby, as on EL 8, 9 and 10."""
    executable(root, "/usr/bin/dracut")
    (root / "etc/dracut.conf.d").mkdir(parents=True, exist_ok=True)
    write(root, "/etc/default/grub", 'GRUB_CMDLINE_LINUX=""\n')
    executable(root, "/usr/sbin/grubby")
    executable(root, "/usr/sbin/grub2-mkconfig")
    return root


def two_gtx1060(root):
    """Two GeForce GTX 1060 6GB (ZOTAC), each with its HDMI audio behind its own root port; the first is the boot display.

    IDs, classes and drivers from iommu_groups_listing_x86_64_gtx1060_clayfreeman.txt and the two lspci -vs listings.
    """
    device(root, "0000:00:01.0", "8086:0c01", "0x060400", driver="pcieport", group=1)
    device(root, "0000:01:00.0", "10de:1c03", "0x030000", driver="nouveau", group=1, subsystem="19da:2438", boot_vga=True)
    device(root, "0000:01:00.1", "10de:10f1", "0x040300", driver="snd_hda_intel", group=1, subsystem="19da:2438")
    device(root, "0000:00:01.1", "8086:0c05", "0x060400", driver="pcieport", group=2)
    device(root, "0000:02:00.0", "10de:1c03", "0x030000", driver="vfio-pci", group=2, subsystem="19da:2438", boot_vga=False)
    device(root, "0000:02:00.1", "10de:10f1", "0x040300", driver="vfio-pci", group=2, subsystem="19da:2438")
    kernel(root, cmdline="BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt quiet")
    return debian_boot(root)


def amd_w5500(root, vendor_reset=False):
    """A Radeon Pro W5500 (Navi 14, 1002:7341) with its HDMI audio (1002:ab38) in one IOMMU group."""
    device(root, "0000:00:03.1", "1022:1483", "0x060400", driver="pcieport", group=4)
    device(root, "0000:0b:00.0", "1002:7341", "0x030000", driver="amdgpu", group=4, reset_method="bus")
    device(root, "0000:0b:00.1", "1002:ab38", "0x040300", driver="snd_hda_intel", group=4)
    kernel(root, modules=("vfio", "vfio_pci", "vfio_iommu_type1") + (("vendor_reset",) if vendor_reset else ()))
    return debian_boot(root)


def gpu_with_nic(root):
    """A Quadro RTX 4000 (TU104GL) with its audio, USB xHCI and UCSI functions, behind a root port without ACS it shares with an I350 NIC."""
    device(root, "0000:00:1c.0", "8086:a338", "0x060400", driver="pcieport", group=7)
    device(root, "0000:04:00.0", "10de:1eb1", "0x030000", driver="nvidia", group=7, boot_vga=False, numa_node=0)
    device(root, "0000:04:00.1", "10de:10f8", "0x040300", driver="snd_hda_intel", group=7)
    device(root, "0000:04:00.2", "10de:1ad8", "0x0c0330", driver="xhci_hcd", group=7)
    device(root, "0000:04:00.3", "10de:1ad9", "0x0c8000", driver="nvidia-gpu", group=7)
    device(root, "0000:05:00.0", "8086:1521", "0x020000", driver="igb", group=7)
    kernel(root)
    return debian_boot(root)


def sriov_a100(root):
    """An A100 PCIe 40GB (3D controller) that is an SR-IOV physical function, on NUMA node 1, with an ASPEED BMC display."""
    device(root, "0000:02:00.0", "1a03:2000", "0x030000", driver="ast", group=20, subsystem="15d9:1b95", boot_vga=True, numa_node=0)
    device(root, "0000:c1:00.0", "10de:20f1", "0x030200", driver="nvidia", group=91, numa_node=1, sriov_totalvfs=20, reset_method="flr bus")
    kernel(root, release="5.15.0-91-generic", cmdline="BOOT_IMAGE=/vmlinuz root=/dev/sda1 amd_iommu=on iommu=pt")
    return debian_boot(root)


def aarch64_a10(root):
    """An arm64 server (domains per root complex) with an A10 and the ASPEED BMC display; SMMU groups."""
    device(root, "0004:02:00.0", "1a03:2000", "0x030000", driver="ast", group=3, boot_vga=True)
    device(root, "000d:01:00.0", "10de:2236", "0x030200", driver="vfio-pci", group=12, numa_node=0, reset_method="flr bus")
    kernel(root, release="6.8.0-45-generic", cmdline="BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro")
    return debian_boot(root)


def ppc64le_v100(root):
    """A POWER9 host (PHB domains) with a Tesla V100 SXM2 16GB bound to vfio-pci, the sPAPR TCE IOMMU driver loaded; EL tools."""
    device(root, "0035:03:00.0", "10de:1db1", "0x030200", driver="vfio-pci", group=0, numa_node=8)
    device(root, "0030:01:00.0", "1a03:2000", "0x030000", driver="ast", group=5, boot_vga=True, numa_node=0)
    kernel(root, release="5.14.0-362.8.1.el9_3.ppc64le", modules=("vfio", "vfio_pci", "vfio_pci_core", "vfio_iommu_spapr_tce"))
    return el_boot(root)


def captured(tmp_path, name):
    """Unpack the captured tree ``name`` (a .tar.gz of ../shared/fixtures/pci) under ``tmp_path``; returns its root."""
    archive = fixture_file("pci", name + ".tar.gz")
    target = tmp_path / name
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "sysroot"
