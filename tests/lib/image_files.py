"""Tiny image files whose own headers tell their arch, for plugins/plugin_utils/image_arch.py and the image tests.

``elf`` (an ELF64 header), ``pe`` (an MZ/PE binary), ``mbr_disk``, ``fat_esp`` (a FAT12 EFI system partition holding
one loader), ``gpt_disk`` and ``qcow2`` (bytes). Built from the formats' own specifications, each cited where it is used.
"""

from __future__ import annotations

import os
import struct
import zlib


def elf(machine, little=True, size=4096):
    """An ELF64 header (System V ABI) with ``e_machine`` = ``machine``, padded to ``size`` bytes."""
    order = "<" if little else ">"
    ident = b"\x7fELF" + bytes([2, 1 if little else 2, 1]) + bytes(9)
    return (ident + struct.pack(order + "HHI", 2, machine, 1)).ljust(size, b"\0")


def pe(machine, size=4096):
    """An MZ stub whose e_lfanew (0x3c) points at a PE signature and COFF ``Machine`` = ``machine``."""
    head = bytearray(b"MZ".ljust(0x80, b"\0"))
    struct.pack_into("<I", head, 0x3C, 0x40)
    head[0x40:0x46] = b"PE\0\0" + struct.pack("<H", machine)
    return bytes(head).ljust(size, b"\0")


def mbr_disk(size=8192):
    """A raw disk whose MBR has one Linux partition (Glance's format inspector refuses an MBR with none)."""
    disk = bytearray(size)
    disk[446:462] = struct.pack("<B3sB3sII", 0, bytes(3), 0x83, bytes(3), 1, size // 512 - 1)
    disk[510:512] = b"\x55\xaa"
    return bytes(disk)


def _fat12_set(fat, cluster, value):
    offset = cluster * 3 // 2
    if cluster & 1:
        fat[offset] = (fat[offset] & 0x0F) | ((value << 4) & 0xF0)
        fat[offset + 1] = (value >> 4) & 0xFF
    else:
        fat[offset] = value & 0xFF
        fat[offset + 1] = (fat[offset + 1] & 0xF0) | ((value >> 8) & 0x0F)


def _dirent(name, attr, first, size=0):
    return name.encode().ljust(11)[:11] + bytes([attr]) + bytes(14) + struct.pack("<HI", first, size)


def fat_esp(loader_name, loader, sectors=128):
    """A FAT12 file system (512-byte clusters, one FAT sector per copy) holding ``\\EFI\\BOOT\\<loader_name>``."""
    fs = bytearray(sectors * 512)
    struct.pack_into("<3s8sHBHBHHBH", fs, 0, b"\xebX\x90", b"mkfs.fat", 512, 1, 1, 2, 16, sectors, 0xF8, 1)
    fs[510:512] = b"\x55\xaa"
    fat = bytearray(512)
    _fat12_set(fat, 0, 0xFF8)
    _fat12_set(fat, 1, 0xFFF)
    count = max(1, -(-len(loader) // 512))
    for cluster in (2, 3):
        _fat12_set(fat, cluster, 0xFFF)
    for index in range(count):
        _fat12_set(fat, 4 + index, 0xFFF if index == count - 1 else 5 + index)
    fs[512:1024] = fs[1024:1536] = fat
    fs[1536:1568] = _dirent("EFI", 0x10, 2)
    data = 4 * 512  # cluster 2
    fs[data : data + 32] = _dirent("BOOT", 0x10, 3)
    name, ext = loader_name.split(".")
    fs[data + 512 : data + 544] = _dirent(name.ljust(8) + ext, 0x20, 4, len(loader))
    fs[data + 1024 : data + 1024 + len(loader)] = loader
    return bytes(fs)


def gpt_disk(partitions, sectors=512):
    """A raw disk with a protective MBR and a GPT of ``partitions`` (``[(type GUID bytes, data)]``, from LBA 34 on)."""
    disk = bytearray(sectors * 512)
    disk[446:462] = struct.pack("<B3sB3sII", 0, bytes(3), 0xEE, bytes(3), 1, sectors - 1)
    disk[510:512] = b"\x55\xaa"
    entries, lba = bytearray(128 * 128), 34
    for index, (kind, data) in enumerate(partitions):
        size = -(-len(data) // 512)
        struct.pack_into("<16s16sQQ", entries, index * 128, kind, os.urandom(16), lba, lba + size - 1)
        disk[lba * 512 : lba * 512 + len(data)] = data
        lba += size
    disk[1024 : 1024 + len(entries)] = entries
    header = bytearray(struct.pack("<8sIII4xQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 1, sectors - 1, 34, sectors - 34,
                                   os.urandom(16), 2, 128, 128, zlib.crc32(entries)))
    struct.pack_into("<I", header, 16, zlib.crc32(header))
    disk[512 : 512 + 92] = header
    return bytes(disk)


def qcow2(raw, compress=False, cluster_bits=12):
    """``raw`` as a qcow2 v3 image (QEMU docs/interop/qcow2.txt): one L1 entry, data clusters plain or zlib-compressed.

    Enough for a reader of the guest view; no refcount table (qemu-img check would complain, Glance does not)."""
    cluster = 1 << cluster_bits
    count = -(-len(raw) // cluster)
    assert count <= cluster // 8, "one L2 table only"
    header = struct.pack(">4sIQIIQIIQQIIQQQQII", b"QFI\xfb", 3, 0, 0, cluster_bits, len(raw), 0, 1, cluster, 0, 0, 0, 0, 0, 0, 0, 4, 104)
    image = bytearray(header.ljust(cluster, b"\0"))
    image += struct.pack(">Q", 2 * cluster | (1 << 63)).ljust(cluster, b"\0")  # L1 at cluster 1 -> L2 at cluster 2
    l2, data = bytearray(cluster), bytearray()
    base = 3 * cluster
    for index in range(count):
        chunk = raw[index * cluster : (index + 1) * cluster].ljust(cluster, b"\0")
        if not any(chunk):
            continue
        offset = base + len(data)
        if compress:
            packed = _deflate(chunk)
            extra = ((offset + len(packed) - 1) >> 9) - (offset >> 9)
            struct.pack_into(">Q", l2, 8 * index, (1 << 62) | (extra << (62 - (cluster_bits - 8))) | offset)
            data += packed
        else:
            struct.pack_into(">Q", l2, 8 * index, offset | (1 << 63))
            data += chunk
    return bytes(image + l2 + data)


def _deflate(data):
    packer = zlib.compressobj(9, zlib.DEFLATED, -12)  # QEMU writes raw deflate with a 4 KiB window
    return packer.compress(data) + packer.flush()
