# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a disk image's boot binary without a kernel block device or qemu-img (controller side).

``open_disk(handle)`` gives a reader ``read(offset, size)`` of the guest disk: the raw file itself, or the guest view of
a qcow2 file. ``boot_binaries(read)`` yields ``(where, read_binary)`` for the binaries firmware would boot: the
removable-media loader ``\\EFI\\BOOT\\BOOT<ARCH>.EFI`` of each EFI system partition (UEFI 2.10, 3.5.1.1; FAT, per
Microsoft's FAT specification) and the PReP boot partition's ELF loader of POWER (PAPR; GRUB's grub-install writes
core.elf there). The partitions come from the GPT (UEFI 2.10, 5.3) or, without one, the MBR (types 0xEF and 0x41).

qcow2 (QEMU docs/interop/qcow2.txt): version 2 and 3 images without backing file, encryption, external data file or
extended L2 entries; zlib-compressed clusters are read, zstd-compressed ones are not (``DiskImageError`` says why).
"""

import struct
import zlib

SECTOR = 512
ESP = bytes.fromhex("28732ac11ff8d211ba4b00a0c93ec93b")  # C12A7328-F81F-11D2-BA4B-00A0C93EC93B, GUID byte order
PREP = bytes.fromhex("382d1a9e12c61643aa268b49521e5a8b")  # 9E1A2D38-C612-4316-AA26-8B49521E5A8B
MBR_TYPES = {0xEF: ESP, 0x41: PREP}
MAX_LOADER = 1 << 20  # bytes of a boot binary read at most: its headers are in the first few KiB


class DiskImageError(Exception):
    """The disk cannot be read here; the message says why."""


def _raw_reader(handle):
    def read(offset, size):
        handle.seek(offset)
        return handle.read(size)

    return read


def _qcow2_reader(handle):
    head = _raw_reader(handle)(0, 112)
    version, backing, _backing_size, cluster_bits, _size, crypt, l1_size, l1_offset = struct.unpack_from(">IQIIQIIQ", head, 4)
    incompatible = struct.unpack_from(">Q", head, 72)[0] if version >= 3 else 0
    header_length = struct.unpack_from(">I", head, 100)[0] if version >= 3 else 72
    if backing or crypt:
        raise DiskImageError("a qcow2 image with a backing file or encryption")
    if incompatible & ~0x9 or (header_length > 104 and head[104] != 0):  # bit 0 dirty, bit 3 compression type: zlib only
        raise DiskImageError("a qcow2 image with features not read here (incompatible features 0x%x, compression type %d)"
                             % (incompatible, head[104] if header_length > 104 else 0))
    cluster = 1 << cluster_bits
    handle.seek(l1_offset)
    l1 = struct.unpack(">%dQ" % l1_size, handle.read(8 * l1_size))
    mask = (1 << 56) - 1 & ~0x1FF

    def cluster_data(index):
        l1_entry = l1[index >> (cluster_bits - 3)] if (index >> (cluster_bits - 3)) < l1_size else 0
        if not l1_entry & mask:
            return bytes(cluster)
        handle.seek((l1_entry & mask) + 8 * (index & ((cluster >> 3) - 1)))
        (entry,) = struct.unpack(">Q", handle.read(8))
        if entry & (1 << 62):  # compressed: host offset and sector count share the low 62 bits
            shift = 62 - (cluster_bits - 8)
            offset = entry & ((1 << shift) - 1)
            sectors = ((entry >> shift) & ((1 << (cluster_bits - 8)) - 1)) + 1
            handle.seek(offset)
            return zlib.decompressobj(-15).decompress(handle.read(sectors * SECTOR - (offset & 511)), cluster).ljust(cluster, b"\0")
        if entry & 1 or not entry & mask:  # bit 0: reads as zeros
            return bytes(cluster)
        handle.seek(entry & mask)
        return handle.read(cluster).ljust(cluster, b"\0")

    def read(offset, size):
        out = bytearray()
        while size > 0:
            index, within = divmod(offset, cluster)
            piece = cluster_data(index)[within : within + size]
            out += piece
            offset, size = offset + len(piece), size - len(piece)
        return bytes(out)

    return read


def open_disk(handle):
    """A ``read(offset, size)`` of the guest disk in ``handle`` (raw, or qcow2 by its magic)."""
    if _raw_reader(handle)(0, 4) == b"QFI\xfb":
        return _qcow2_reader(handle)
    return _raw_reader(handle)


def _partitions(read):
    """``[(type GUID, first byte)]`` of the GPT, or of the MBR's ESP and PReP entries without a GPT."""
    header = read(SECTOR, 92)
    if header[:8] == b"EFI PART":
        entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
        table = read(entries_lba * SECTOR, count * entry_size)
        found = []
        for index in range(count):
            entry = table[index * entry_size : (index + 1) * entry_size]
            if entry[:16] != bytes(16):
                found.append((entry[:16], struct.unpack_from("<Q", entry, 32)[0] * SECTOR))
        return found
    mbr = read(0, SECTOR)
    found = []
    for index in range(4):
        kind, start = mbr[446 + 16 * index + 4], struct.unpack_from("<I", mbr, 446 + 16 * index + 8)[0]
        if kind in MBR_TYPES:
            found.append((MBR_TYPES[kind], start * SECTOR))
    return found


def _fat_files(read, start):
    """``{8.3 name: reader}`` of the files in ``\\EFI\\BOOT`` of the FAT file system at byte ``start``."""
    boot = read(start, 64)
    per_sector, per_cluster, reserved, fats, root_entries, total16 = struct.unpack_from("<HBHBHH", boot, 11)
    fat_sectors = struct.unpack_from("<H", boot, 22)[0] or struct.unpack_from("<I", boot, 36)[0]
    if per_sector not in (512, 1024, 2048, 4096) or not per_cluster or not fats:
        return {}
    total = total16 or struct.unpack_from("<I", boot, 32)[0]
    fat_start = start + reserved * per_sector
    root_start = fat_start + fats * fat_sectors * per_sector
    data_start = root_start + ((root_entries * 32 + per_sector - 1) // per_sector) * per_sector
    clusters = (total - (data_start - start) // per_sector) // per_cluster
    width = 12 if clusters < 4085 else 16 if clusters < 65525 else 32  # Microsoft FAT specification, "FAT Type Determination"
    size = per_sector * per_cluster

    def chain(first, limit):
        out = bytearray()
        current = first
        while 2 <= current < (0xFF7 if width == 12 else 0xFFF7 if width == 16 else 0x0FFFFFF7) and len(out) < limit:
            out += read(data_start + (current - 2) * size, size)
            raw = read(fat_start + current * width // 8, 4)
            value = struct.unpack_from("<I", raw.ljust(4, b"\0"))[0]
            current = (value >> 4 if current & 1 else value & 0xFFF) if width == 12 else value & (0xFFFF if width == 16 else 0x0FFFFFFF)
        return bytes(out[:limit])

    def entries(data):
        for index in range(0, len(data) - 31, 32):
            entry = data[index : index + 32]
            if entry[0] == 0:
                break
            if entry[0] != 0xE5 and entry[11] != 0x0F:
                first = struct.unpack_from("<H", entry, 26)[0] | (struct.unpack_from("<H", entry, 20)[0] << 16 if width == 32 else 0)
                yield entry[:11].decode("latin-1"), entry[11], first, struct.unpack_from("<I", entry, 28)[0]

    directory = read(root_start, root_entries * 32) if width != 32 else chain(struct.unpack_from("<I", boot, 44)[0], 1 << 16)
    for name in ("EFI        ", "BOOT       "):
        match = [first for entry, attr, first, _size in entries(directory) if entry.upper() == name and attr & 0x10]
        if not match:
            return {}
        directory = chain(match[0], 1 << 16)
    return {entry.strip().upper(): chain(first, min(length, MAX_LOADER)) for entry, attr, first, length in entries(directory) if not attr & 0x10}


def boot_binaries(read):
    """``[(where, first bytes of the binary)]`` of the disk's boot loaders (see the module's docstring)."""
    found = []
    for kind, start in _partitions(read):
        if kind == ESP:
            for name, data in sorted(_fat_files(read, start).items()):
                if name.startswith("BOOT") and name.endswith("EFI"):
                    found.append(("\\EFI\\BOOT\\%s.EFI on the EFI system partition at byte %d" % (name[:-3].strip(), start), data))
        elif kind == PREP:
            found.append(("the PReP boot partition at byte %d" % start, read(start, 4096)))
    return found
