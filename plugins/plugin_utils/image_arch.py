# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The architecture an image file was built for, read from its own header (controller side).

``file_arch(path)`` returns ``(arch, how)``: ``arch`` is the archtable's canonical name, or None when the file does
not say (``how`` then tells why: a disk image whose boot binary is not read, an unknown format).

- ELF (a vmlinux, a bootloader): ``e_machine`` and, for 64-bit POWER, the byte order in ``e_ident[EI_DATA]``
  (System V ABI, "ELF Header"; the EM_* numbers of Linux's include/uapi/linux/elf-em.h).
- PE/COFF (an EFI binary, an arm64 or x86 Linux Image with its EFI stub): the ``Machine`` field of the COFF header found
  at the offset stored at 0x3c of the MZ header (Microsoft PE Format, "Machine Types"; UEFI 2.10 section 2.1.1).
- Disk images (raw with a GPT or MBR, qcow2): the arch of their boot loader, found and read by ``disk_image.py``
  (``\\EFI\\BOOT\\BOOT<ARCH>.EFI`` on the EFI system partition, or the PReP partition's ELF). A disk without one, or
  one that cannot be read here (an ISO, a zstd-compressed qcow2), is "not verifiable" and the caller says so.
"""

import struct
import zlib

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.disk_image import DiskImageError, boot_binaries, open_disk

# The arch table's elf_machine and pe_machine (module_utils/archtable.py): header number (and byte order) -> arch.
_ELF_MACHINES = {entry["elf_machine"]: arch for arch, entry in ARCHES.items()}
_PE_MACHINES = {entry["pe_machine"]: arch for arch, entry in ARCHES.items() if entry["pe_machine"] is not None}
_BYTE_ORDER = {1: "little", 2: "big"}  # ELF e_ident[EI_DATA]
_EM_PPC64 = 21  # named in the message: EM_PPC64 (Linux include/uapi/linux/elf-em.h)
_EM_PPC = 20  # 32-bit PowerPC (Linux include/uapi/linux/elf-em.h): GRUB for Open Firmware, no arch of the table
_HEAD = 8192  # an MZ header's e_lfanew points within the first KiBs; a GPT header is at 512


class ImageArchError(Exception):
    """The file cannot be read."""


def _elf_arch(head):
    data = head[5]  # EI_DATA: 1 little-endian, 2 big-endian
    if data not in (1, 2) or len(head) < 20:
        return None, "an ELF file with an invalid EI_DATA byte %d" % data
    machine = struct.unpack_from("<H" if data == 1 else ">H", head, 18)[0]
    order = _BYTE_ORDER[data]
    if (machine, order) in _ELF_MACHINES:  # one number for two arches, told apart by byte order (EM_PPC64)
        named = "EM_PPC64 (%d)" % machine if machine == _EM_PPC64 else "%d" % machine
        return _ELF_MACHINES[machine, order], "ELF header: e_machine %s, %s-endian" % (named, order)
    if (machine, None) in _ELF_MACHINES:
        return _ELF_MACHINES[machine, None], "ELF header: e_machine %d" % machine
    if machine == _EM_PPC:
        return None, "a 32-bit PowerPC ELF file (e_machine EM_PPC (20)), as GRUB for Open Firmware is; it boots ppc64 and ppc64le guests alike"
    return None, "an ELF file with e_machine %d, an arch this collection does not know" % machine


def _pe_arch(head):
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    coff = head[offset : offset + 6]
    if len(coff) < 6 or coff[:4] != b"PE\0\0":
        return None, "an MZ file without a PE header (no PE\\0\\0 at 0x%x)" % offset
    (machine,) = struct.unpack_from("<H", coff, 4)
    if machine in _PE_MACHINES:
        return _PE_MACHINES[machine], "PE header: Machine 0x%04x" % machine
    return None, "a PE file with Machine 0x%04x, an arch this collection does not know" % machine


def binary_arch(head):
    """``(arch or None, how)`` of an ELF or PE binary whose first bytes are ``head``; ``(None, None)`` for anything else."""
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        return _elf_arch(head)
    if head[:2] == b"MZ" and len(head) >= 0x40:
        return _pe_arch(head)
    return None, None


def _disk_arch(read, kind):
    loaders = boot_binaries(read)
    arches, silent = {}, []
    for where, data in loaders:
        arch, how = binary_arch(data)
        if arch:
            arches.setdefault(arch, "%s: %s" % (where, how))
        else:
            silent.append("%s: %s" % (where, how or "not an ELF or PE binary"))
    if len(arches) == 1:
        arch, how = next(iter(arches.items()))
        return arch, "%s, %s" % (kind, how)
    if arches:
        return None, "%s with boot loaders for several arches (%s)" % (kind, "; ".join("%s: %s" % item for item in sorted(arches.items())))
    if silent:
        return None, "%s whose boot loader does not tell the arch (%s)" % (kind, "; ".join(silent))
    return None, "%s with no EFI boot loader (\\EFI\\BOOT\\BOOT*.EFI) or PReP boot partition found" % kind


def file_arch(path):
    """``(arch or None, how)`` of the file at ``path``; ImageArchError when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
            arch, how = binary_arch(head)
            if how:
                return arch, how
            kind = _disk_kind(head)
            if kind is None:
                return None, "a file of no known format"
            try:
                return _disk_arch(open_disk(handle), kind)
            except DiskImageError as exc:
                return None, "%s" % exc
            except (struct.error, zlib.error, IndexError, ValueError) as exc:
                return None, "%s that could not be read (%s)" % (kind, exc)
    except OSError as exc:
        raise ImageArchError("cannot read %s: %s" % (path, exc.strerror or exc)) from None


def _disk_kind(head):
    if head[:4] == b"QFI\xfb":
        return "a qcow2 disk image"
    if head[512:520] == b"EFI PART":
        return "a raw disk image with a GPT"
    if head[510:512] == b"\x55\xaa":
        return "a raw disk image with an MBR"
    return None
