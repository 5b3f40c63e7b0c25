"""plugins/plugin_utils/image_arch.py and disk_image.py: the arch a file's own header names, or a disk image's boot loader.

The disks are built here (tests/lib/image_files.py): a GPT with an EFI system partition (FAT12) or a PReP partition,
raw or as qcow2 with plain or zlib-compressed clusters. QEMU's own qemu-img is the oracle for the qcow2 reader: the
raw disks converted by it, plain and compressed, must read as the raw ones do.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest
from conftest import unavailable
from image_files import elf, fat_esp, gpt_disk, mbr_disk, pe, qcow2

from ansible_collections.multiarch.kolla.plugins.plugin_utils.disk_image import ESP, PREP
from ansible_collections.multiarch.kolla.plugins.plugin_utils.image_arch import ImageArchError, file_arch


@pytest.mark.parametrize(
    ("data", "arch", "how"),
    [
        (elf(183), "aarch64", "e_machine 183"),
        (elf(62), "x86_64", "e_machine 62"),
        (elf(21), "ppc64le", "EM_PPC64 (21), little-endian"),
        (elf(21, little=False), "ppc64", "EM_PPC64 (21), big-endian"),
        (elf(22, little=False), "s390x", "e_machine 22"),
        (pe(0xAA64), "aarch64", "Machine 0xaa64"),
        (pe(0x8664), "x86_64", "Machine 0x8664"),
    ],
)
def test_header_names_the_arch(tmp_path, data, arch, how):
    (tmp_path / "f").write_bytes(data)
    found, said = file_arch(tmp_path / "f")
    assert found == arch
    assert how in said


ESP_X64 = fat_esp("BOOTX64.EFI", pe(0x8664, size=1500))  # three 512-byte clusters: the FAT chain is followed
ESP_AA64 = fat_esp("BOOTAA64.EFI", pe(0xAA64))


@pytest.mark.parametrize(
    ("data", "arch", "how"),
    [
        (gpt_disk([(ESP, ESP_AA64)]), "aarch64",
         "a raw disk image with a GPT, \\EFI\\BOOT\\BOOTAA64.EFI on the EFI system partition at byte 17408: PE header: Machine 0xaa64"),
        (gpt_disk([(ESP, ESP_X64)]), "x86_64", "BOOTX64.EFI on the EFI system partition"),
        (gpt_disk([(PREP, elf(21)), (bytes(range(16)), bytes(512))]), "ppc64le", "the PReP boot partition at byte 17408: ELF header: e_machine EM_PPC64"),
        (qcow2(gpt_disk([(ESP, ESP_AA64)])), "aarch64", "a qcow2 disk image, \\EFI\\BOOT\\BOOTAA64.EFI"),
        (qcow2(gpt_disk([(ESP, ESP_AA64)]), compress=True), "aarch64", "a qcow2 disk image, \\EFI\\BOOT\\BOOTAA64.EFI"),
        (qcow2(gpt_disk([(PREP, elf(21))], sectors=64), cluster_bits=9), "ppc64le", "a qcow2 disk image, the PReP boot partition"),
    ],
)
def test_disk_boot_loader_names_the_arch(tmp_path, data, arch, how):
    (tmp_path / "disk").write_bytes(data)
    found, said = file_arch(tmp_path / "disk")
    assert (found, how in said) == (arch, True), said


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (mbr_disk(), "a raw disk image with an MBR with no EFI boot loader (\\EFI\\BOOT\\BOOT*.EFI) or PReP boot partition found"),
        (gpt_disk([(ESP, fat_esp("GRUBX64.EFI", pe(0x8664)))]), "a raw disk image with a GPT with no EFI boot loader"),
        (gpt_disk([(ESP, ESP_AA64), (PREP, elf(21))]), "a raw disk image with a GPT with boot loaders for several arches (aarch64: "),
        (gpt_disk([(PREP, elf(20, little=False))]), "a raw disk image with a GPT whose boot loader does not tell the arch (the PReP boot "
         "partition at byte 17408: a 32-bit PowerPC ELF file (e_machine EM_PPC (20)), as GRUB for Open Firmware is"),
        (b"QFI\xfb" + struct.pack(">IQ", 3, 4096) + bytes(1000), "a qcow2 image with a backing file or encryption"),
        (b"hello", "a file of no known format"),
        (bytes(0x8001) + b"CD001" + bytes(100), "a file of no known format"),
        (elf(0x9999), "an ELF file with e_machine 39321, an arch this collection does not know"),
        (pe(0x1234), "a PE file with Machine 0x1234, an arch this collection does not know"),
        (b"MZ".ljust(0x40, b"\0"), "an MZ file without a PE header (no PE\\0\\0 at 0x0)"),
    ],
)
def test_not_verifiable_says_why(tmp_path, data, kind):
    (tmp_path / "f").write_bytes(data)
    found, said = file_arch(tmp_path / "f")
    assert found is None and said.startswith(kind), said


@pytest.mark.parametrize("options", [[], ["-c"], ["-c", "-o", "cluster_size=4096"], ["-o", "cluster_size=2M"]],
                         ids=["plain", "compressed", "compressed-4k-clusters", "2m-clusters"])
@pytest.mark.parametrize(("disk", "arch"), [(gpt_disk([(ESP, ESP_AA64)]), "aarch64"), (gpt_disk([(PREP, elf(21))]), "ppc64le")],
                         ids=["esp-aa64", "prep-ppc64le"])
def test_qcow2_written_by_qemu_img_reads_as_the_raw_disk(tmp_path, disk, arch, options):
    if shutil.which("qemu-img") is None:
        unavailable("qemu-img is missing (Debian's qemu-utils; scripts/setup-host installs it)")
    (tmp_path / "disk.raw").write_bytes(disk)
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", *options, str(tmp_path / "disk.raw"), str(tmp_path / "disk.qcow2")],
                   check=True, capture_output=True, timeout=60)
    raw_arch, raw_how = file_arch(tmp_path / "disk.raw")
    found, how = file_arch(tmp_path / "disk.qcow2")
    assert (found, raw_arch) == (arch, arch), how
    assert how == raw_how.replace("a raw disk image with a GPT", "a qcow2 disk image")


def test_unreadable_file_names_it(tmp_path):
    with pytest.raises(ImageArchError, match="cannot read %s: No such file" % (tmp_path / "gone")):
        file_arch(tmp_path / "gone")
