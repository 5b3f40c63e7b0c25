# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU identification tables: Arm implementer/part IDs and IBM POWER PVR versions.

These are CPU-part tables, not per-architecture rules (those live in archtable).
Facts come from the MIDR_EL1 values published in Arm's and the vendors' technical
reference manuals as collected in the Linux kernel (arch/arm64/include/asm/cputype.h)
and util-linux (sys-utils/lscpu-arm.c), and from the PVR values in the kernel's
arch/powerpc/include/asm/reg.h. An ID that is not listed here is reported with its
raw value by the callers, never guessed.

Runs on target hosts (Python >= 3.9, standard library only).
"""

# Arm "CPU implementer" (MIDR_EL1 bits 31:24) -> vendor name.
ARM_IMPLEMENTERS = {
    0x41: "ARM",
    0x42: "Broadcom",
    0x43: "Cavium",
    0x44: "DEC",
    0x46: "Fujitsu",
    0x48: "HiSilicon",
    0x49: "Infineon",
    0x4D: "Motorola/Freescale",
    0x4E: "NVIDIA",
    0x50: "APM",
    0x51: "Qualcomm",
    0x53: "Samsung",
    0x56: "Marvell",
    0x61: "Apple",
    0x66: "Faraday",
    0x69: "Intel",
    0x6D: "Microsoft",
    0x70: "Phytium",
    0xC0: "Ampere",
}

# (implementer, "CPU part") -> part name. Notes on where a part is found are
# comments only: the same part ID is sold by several vendors (an AWS Graviton2
# and an Ampere Altra both report Arm 0x41/0xd0c Neoverse-N1), so /proc/cpuinfo
# alone never names the product.
ARM_PARTS = {
    # Arm Ltd. designs
    0x41: {
        0x810: "ARM810",
        0x920: "ARM920",
        0x922: "ARM922",
        0x926: "ARM926",
        0x940: "ARM940",
        0x946: "ARM946",
        0x966: "ARM966",
        0xA20: "ARM1020",
        0xA22: "ARM1022",
        0xA26: "ARM1026",
        0xB02: "ARM11-MPCore",
        0xB36: "ARM1136",
        0xB56: "ARM1156",
        0xB76: "ARM1176",
        0xC05: "Cortex-A5",
        0xC07: "Cortex-A7",
        0xC08: "Cortex-A8",
        0xC09: "Cortex-A9",
        0xC0D: "Cortex-A17",  # first announced as Cortex-A12
        0xC0E: "Cortex-A17",
        0xC0F: "Cortex-A15",
        0xC14: "Cortex-R4",
        0xC15: "Cortex-R5",
        0xC17: "Cortex-R7",
        0xC18: "Cortex-R8",
        0xC20: "Cortex-M0",
        0xC21: "Cortex-M1",
        0xC23: "Cortex-M3",
        0xC24: "Cortex-M4",
        0xC27: "Cortex-M7",
        0xC60: "Cortex-M0+",
        0xD00: "Foundation-Model",
        0xD01: "Cortex-A32",
        0xD02: "Cortex-A34",
        0xD03: "Cortex-A53",
        0xD04: "Cortex-A35",
        0xD05: "Cortex-A55",
        0xD06: "Cortex-A65",
        0xD07: "Cortex-A57",
        0xD08: "Cortex-A72",  # AWS Graviton (first generation)
        0xD09: "Cortex-A73",
        0xD0A: "Cortex-A75",
        0xD0B: "Cortex-A76",
        0xD0C: "Neoverse-N1",  # AWS Graviton2, Ampere Altra / Altra Max
        0xD0D: "Cortex-A77",
        0xD0E: "Cortex-A76AE",
        0xD0F: "AEMv8-Model",
        0xD13: "Cortex-R52",
        0xD15: "Cortex-R82",
        0xD20: "Cortex-M23",
        0xD21: "Cortex-M33",
        0xD40: "Neoverse-V1",  # AWS Graviton3
        0xD41: "Cortex-A78",
        0xD42: "Cortex-A78AE",
        0xD43: "Cortex-A65AE",
        0xD44: "Cortex-X1",
        0xD46: "Cortex-A510",
        0xD47: "Cortex-A710",
        0xD48: "Cortex-X2",
        0xD49: "Neoverse-N2",
        0xD4A: "Neoverse-E1",
        0xD4B: "Cortex-A78C",
        0xD4C: "Cortex-X1C",
        0xD4D: "Cortex-A715",
        0xD4E: "Cortex-X3",
        0xD4F: "Neoverse-V2",  # AWS Graviton4, NVIDIA Grace
        0xD80: "Cortex-A520",
        0xD81: "Cortex-A720",
        0xD82: "Cortex-X4",
        0xD83: "Neoverse-V3AE",
        0xD84: "Neoverse-V3",
        0xD85: "Cortex-X925",  # NVIDIA GB10 big cores
        0xD87: "Cortex-A725",  # NVIDIA GB10 little cores
        0xD89: "Cortex-A720AE",
        0xD8E: "Neoverse-N3",
    },
    0x42: {
        0x00F: "Brahma-B15",
        0x100: "Brahma-B53",
        0x516: "Vulcan",  # became Cavium ThunderX2
    },
    0x43: {
        0x0A0: "ThunderX",
        0x0A1: "ThunderX-88XX",
        0x0A2: "ThunderX-81XX",
        0x0A3: "ThunderX-83XX",
        0x0AF: "ThunderX2-99XX",
        0x0B0: "OcteonTX2",
        0x0B1: "OcteonTX2-98XX",
        0x0B2: "OcteonTX2-96XX",
        0x0B3: "OcteonTX2-95XX",
        0x0B4: "OcteonTX2-95XXN",
        0x0B5: "OcteonTX2-95XXMM",
        0x0B6: "OcteonTX2-95XXO",
        0x0B8: "ThunderX3-T110",
    },
    0x44: {
        0xA10: "SA110",
        0xA11: "SA1100",
    },
    0x46: {
        0x001: "A64FX",
    },
    0x48: {
        0xD01: "Kunpeng-920",  # core name TSV110
        0xD02: "HIP09",
        0xD06: "HIP12",
        0xD40: "Cortex-A76",  # HiSilicon-built core that reports this ID
    },
    0x4E: {
        0x000: "Denver",
        0x003: "Denver-2",
        0x004: "Carmel",
        0x010: "Olympus",
    },
    0x50: {
        0x000: "X-Gene",  # X-Gene 1/2/3 (eMAG)
    },
    0x51: {
        0x001: "Oryon-X1",
        0x00F: "Scorpion",
        0x02D: "Scorpion",
        0x04D: "Krait",
        0x06F: "Krait",
        0x200: "Kryo",
        0x201: "Kryo",
        0x205: "Kryo",
        0x211: "Kryo",
        0x800: "Falkor-V1/Kryo-2XX-Gold",
        0x801: "Kryo-2XX-Silver",
        0x802: "Kryo-3XX-Gold",
        0x803: "Kryo-3XX-Silver",
        0x804: "Kryo-4XX-Gold",
        0x805: "Kryo-4XX-Silver",
        0xC00: "Falkor",
        0xC01: "Saphira",
    },
    0x53: {
        0x001: "Exynos-M1",
        0x002: "Exynos-M3",
        0x003: "Exynos-M4",
        0x004: "Exynos-M5",
    },
    0x56: {
        0x131: "Feroceon-88FR131",
        0x581: "PJ4/PJ4b",
        0x584: "PJ4B-MP",
    },
    0x61: {
        0x020: "Icestorm-A14",
        0x021: "Firestorm-A14",
        0x022: "Icestorm-M1",
        0x023: "Firestorm-M1",
        0x024: "Icestorm-M1-Pro",
        0x025: "Firestorm-M1-Pro",
        0x028: "Icestorm-M1-Max",
        0x029: "Firestorm-M1-Max",
        0x030: "Blizzard-A15",
        0x031: "Avalanche-A15",
        0x032: "Blizzard-M2",
        0x033: "Avalanche-M2",
        0x034: "Blizzard-M2-Pro",
        0x035: "Avalanche-M2-Pro",
        0x038: "Blizzard-M2-Max",
        0x039: "Avalanche-M2-Max",
    },
    0x66: {
        0x526: "FA526",
        0x626: "FA626",
    },
    0x6D: {
        0xD49: "Azure-Cobalt-100",  # Neoverse-N2 based
    },
    0x70: {
        0x660: "FTC660",
        0x661: "FTC661",
        0x662: "FTC662",
        0x663: "FTC663",
    },
    0xC0: {
        0xAC3: "Ampere-1",
        0xAC4: "Ampere-1a",
    },
}

# IBM POWER processor version (upper 16 bits of the PVR) -> generation.
POWER_PVR_VERSIONS = {
    0x003F: "POWER7",
    0x004A: "POWER7+",
    0x004B: "POWER8E",
    0x004C: "POWER8NVL",
    0x004D: "POWER8",
    0x004E: "POWER9",
    0x0080: "POWER10",
    0x0082: "POWER11",
}


def parse_hex_id(value):
    """Return the integer of an ID such as '0x41' or '0xd0c', None when not hexadecimal."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text.startswith("0x"):
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def format_implementer(value):
    return "0x%02x" % value


def format_part(value):
    return "0x%03x" % value


def arm_vendor(implementer):
    """Vendor name of an Arm implementer ID (int), None when unknown."""
    return ARM_IMPLEMENTERS.get(implementer)


def arm_part_name(implementer, part):
    """Part name for an (implementer, part) pair of ints, None when not in the table."""
    return ARM_PARTS.get(implementer, {}).get(part)


def power_generation(pvr_version):
    """POWER generation for the PVR version (int, upper 16 bits), None when unknown."""
    return POWER_PVR_VERSIONS.get(pvr_version)
