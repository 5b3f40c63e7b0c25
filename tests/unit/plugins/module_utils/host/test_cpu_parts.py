"""CPU part tables: Arm implementer/part names and POWER PVR generations."""

from __future__ import annotations

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils.host import cpu_parts


@pytest.mark.parametrize(
    ("implementer", "part", "vendor", "model"),
    [
        (0x41, 0xD0C, "ARM", "Neoverse-N1"),  # AWS Graviton2, Ampere Altra
        (0x41, 0xD40, "ARM", "Neoverse-V1"),  # AWS Graviton3
        (0x41, 0xD4F, "ARM", "Neoverse-V2"),  # AWS Graviton4
        (0x41, 0xD08, "ARM", "Cortex-A72"),
        (0x48, 0xD01, "HiSilicon", "Kunpeng-920"),
        (0xC0, 0xAC3, "Ampere", "Ampere-1"),
        (0xC0, 0xAC4, "Ampere", "Ampere-1a"),
        (0x50, 0x000, "APM", "X-Gene"),
        (0x43, 0x0AF, "Cavium", "ThunderX2-99XX"),
        (0x4E, 0x004, "NVIDIA", "Carmel"),
        (0x46, 0x001, "Fujitsu", "A64FX"),
        (0x61, 0x023, "Apple", "Firestorm-M1"),
    ],
)
def test_part_table_entries(implementer, part, vendor, model):
    assert cpu_parts.arm_vendor(implementer) == vendor
    assert cpu_parts.arm_part_name(implementer, part) == model


def test_power_pvr_table_unknown_is_none():
    assert cpu_parts.power_generation(0x004E) == "POWER9"
    assert cpu_parts.power_generation(0x1234) is None


@pytest.mark.parametrize(("text", "value"), [("0x41", 0x41), ("0xd0c", 0xD0C), (" 0XC0 ", 0xC0), ("41", None), ("0xzz", None), (None, None), ("", None)])
def test_parse_hex_id(text, value):
    assert cpu_parts.parse_hex_id(text) == value


def test_formats_are_the_kernel_spelling():
    # /proc/cpuinfo prints "CPU implementer : 0x41" and "CPU part : 0xd0c" (arch/arm64/kernel/cpuinfo.c: 0x%02x, 0x%03x).
    assert cpu_parts.format_implementer(0x41) == "0x41"
    assert cpu_parts.format_part(0xD0C) == "0xd0c"
    assert cpu_parts.format_part(0x1) == "0x001"


def test_every_part_has_a_known_implementer():
    assert set(cpu_parts.ARM_PARTS) <= set(cpu_parts.ARM_IMPLEMENTERS)
    assert cpu_parts.arm_vendor(0x99) is None
    assert cpu_parts.arm_part_name(0x99, 0x001) is None
