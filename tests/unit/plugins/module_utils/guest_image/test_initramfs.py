"""guest_image._initramfs: module load order from modules.dep, and the newc archive GNU cpio reads back."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess

import pytest
from conftest import unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image import _initramfs as initramfs

# An excerpt of the shape of Debian 6.1's modules.dep (each line lists every dependency, nearest first).
MODULES_DEP = """\
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko \
kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio.ko:
kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/crypto/crc32c_generic.ko:
"""


def test_load_order_puts_dependencies_first_once():
    table = initramfs.parse_modules_dep(MODULES_DEP)
    order = initramfs.load_order(table, set(), ["virtio_pci", "virtio_blk", "ext4"])
    assert len(order) == len(set(order))
    for module, deps in ((p, d) for p, d in table.values()):
        if module in order:
            assert all(order.index(dep) < order.index(module) for dep in deps), module
    assert order[-1] == "kernel/fs/ext4/ext4.ko.xz"


def test_builtin_modules_are_skipped_and_unknown_ones_named():
    table = initramfs.parse_modules_dep(MODULES_DEP)
    assert initramfs.load_order(table, {"virtio_blk"}, ["virtio_blk"]) == []
    with pytest.raises(initramfs.InitramfsError, match="no module virtio_scsi"):
        initramfs.load_order(table, set(), ["virtio_scsi"])
    assert initramfs.module_name("kernel/drivers/scsi/sd_mod.ko.zst") == "sd_mod"
    assert initramfs.module_name("x/virtio-blk.ko") == "virtio_blk"


def fake_tree(root, kver="6.1.0-50-arm64"):
    moddir = root / "lib" / "modules" / kver
    moddir.mkdir(parents=True)
    (moddir / "modules.dep").write_text(MODULES_DEP)
    (moddir / "modules.builtin").write_text("kernel/drivers/scsi/sd_mod.ko\nkernel/drivers/scsi/virtio_scsi.ko\n")
    for line in MODULES_DEP.splitlines():
        path = moddir / line.split(":")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        data = b"\x7fELF" + path.name.encode()
        if path.suffix == ".xz":
            import lzma  # noqa: PLC0415

            data = lzma.compress(b"\x7fELF" + b"ext4.ko")
        path.write_bytes(data)
    (root / "bin").mkdir()
    (root / "bin" / "busybox").write_bytes(b"\x7fELF busybox")
    return kver


def test_cpio_reads_the_initramfs_back(tmp_path):
    cpio = shutil.which("cpio")
    if cpio is None:
        unavailable("GNU cpio is not installed (scripts/setup-host installs it)")
    tree = tmp_path / "tree"
    kver = fake_tree(tree)
    data, modules = initramfs.build_initramfs(str(tree), kver)
    assert modules[-1] == "crc32c_generic" and "ext4" in modules and "sd_mod" not in modules
    out = tmp_path / "out"
    out.mkdir()
    listing = subprocess.run([cpio, "-tv"], input=gzip.decompress(data), capture_output=True, check=True).stdout.decode()
    assert "crw-------" in listing and "dev/console" in listing
    # Extract everything but the device node (no mknod needed) and compare the files.
    subprocess.run([cpio, "-id", "--quiet", "--no-absolute-filenames", "--nonmatching", "dev/console"], input=gzip.decompress(data),
                   cwd=out, check=True)
    assert (out / "bin" / "busybox").read_bytes() == b"\x7fELF busybox"
    assert stat.S_IMODE(os.stat(out / "init").st_mode) == 0o755
    assert (out / "init").read_text().startswith("#!/bin/busybox sh")
    # The xz module is stored decompressed, under its plain .ko name, and listed in load order.
    assert (out / "lib" / "kernel" / "fs" / "ext4" / "ext4.ko").read_bytes() == b"\x7fELFext4.ko"
    loads = (out / "etc" / "modules.load").read_text().split()
    assert loads[-1] == "lib/kernel/crypto/crc32c_generic.ko"
    assert loads.index("lib/kernel/drivers/virtio/virtio.ko") < loads.index("lib/kernel/drivers/virtio/virtio_pci.ko")


def test_missing_busybox_or_kernel_is_named(tmp_path):
    with pytest.raises(initramfs.InitramfsError, match="busybox-static"):
        initramfs.build_initramfs(str(tmp_path), "6.1")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "busybox").write_bytes(b"x")
    with pytest.raises(initramfs.InitramfsError, match=r"is kernel 6\.1 installed"):
        initramfs.build_initramfs(str(tmp_path), "6.1")


def test_x86_64_guests_load_the_config_drives_cdrom_before_systemd_starts():
    amd64 = initramfs.boot_modules(ARCHES["x86_64"]["guest_boot"])
    assert amd64[:len(initramfs.BOOT_MODULES)] == initramfs.BOOT_MODULES
    assert {"ahci", "ata_piix", "sr_mod"} <= set(amd64)
    # The other arches' config drives are found as they are (their boot tests read DataSourceConfigDrive).
    for arch in ("aarch64", "ppc64le"):
        assert initramfs.boot_modules(ARCHES[arch]["guest_boot"]) == initramfs.BOOT_MODULES
