"""cpuinfo parsing over every real /proc/cpuinfo capture in the shared fixtures."""

from __future__ import annotations

import pytest
from conftest import fixture_file, fixture_files

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host.cpuinfo import parse_cpu_list, parse_cpuinfo, parse_lscpu, split_records

# One explicit expectation per fixture file: arch the capture comes from and the
# exact `cpu` dict. A new fixture without an entry here fails.
EXPECTED = {
    "cpuinfo_aarch64_cavium_thunderx_scaleway_6cpu.txt": (
        "aarch64",
        {
            "vendor": "Cavium",
            "model": "ThunderX-88XX",
            "count": 6,
            "ids": {"implementer": "0x43", "part": "0x0a1"},
            "cores": [{"implementer": "0x43", "part": "0x0a1", "vendor": "Cavium", "model": "ThunderX-88XX", "count": 6}],
            "platform": None,
            "machine": None,
            "virt_flag": None,
        },
    ),
    "cpuinfo_aarch64_hisilicon_kunpeng920_128cpu.txt": (
        "aarch64",
        {
            "vendor": "HiSilicon",
            "model": "Kunpeng-920",
            "count": 128,
            "ids": {"implementer": "0x48", "part": "0xd01"},
            "cores": [{"implementer": "0x48", "part": "0xd01", "vendor": "HiSilicon", "model": "Kunpeng-920", "count": 128}],
            "platform": None,
            "machine": None,
            "virt_flag": None,
        },
    ),
    # NVIDIA GB10: 10 Cortex-X925 (MIDR part 0xd85) + 10 Cortex-A725 (0xd87), both Arm-designed (implementer 0x41).
    "cpuinfo_aarch64_nvidia_dgx_gb10_20cpu.txt": (
        "aarch64",
        {
            "vendor": "ARM",
            "model": "Cortex-X925 + Cortex-A725",
            "count": 20,
            "ids": {"implementer": "0x41", "part": "0xd85"},
            "cores": [
                {"implementer": "0x41", "part": "0xd85", "vendor": "ARM", "model": "Cortex-X925", "count": 10},
                {"implementer": "0x41", "part": "0xd87", "vendor": "ARM", "model": "Cortex-A725", "count": 10},
            ],
            "platform": None,
            "machine": None,
            "virt_flag": None,
        },
    ),
    "cpuinfo_ppc64_ibm_power7_pseries.txt": (
        "ppc64",
        {
            "vendor": "IBM",
            "model": "POWER7",
            "count": 16,
            "ids": {"pvr": "0x003f0201", "pvr_generation": "POWER7", "revision": "2.1"},
            "cores": [],
            "platform": "pSeries",
            "machine": "CHRP IBM,8233-E8B",
            "virt_flag": None,
        },
    ),
    # "POWER8 (architected)" with PVR version 0x004b: a POWER8E running in an LPAR.
    "cpuinfo_ppc64le_power8_pseries_24cpu.txt": (
        "ppc64le",
        {
            "vendor": "IBM",
            "model": "POWER8",
            "count": 24,
            "ids": {"pvr": "0x004b0201", "pvr_generation": "POWER8E", "revision": "2.1"},
            "cores": [],
            "platform": "pSeries",
            "machine": "CHRP IBM,8247-21L",
            "virt_flag": None,
        },
    ),
    "cpuinfo_ppc64le_power9_powernv_ac922_176cpu.txt": (
        "ppc64le",
        {
            "vendor": "IBM",
            "model": "POWER9",
            "count": 176,
            "ids": {"pvr": "0x004e1201", "pvr_generation": "POWER9", "revision": "2.1"},
            "cores": [],
            "platform": "PowerNV",
            "machine": "PowerNV 8335-GTW",
            "virt_flag": None,
        },
    ),
    "cpuinfo_x86_64_amd_epyc7451_96cpu.txt": (
        "x86_64",
        {
            "vendor": "AuthenticAMD",
            "model": "AMD EPYC 7451 24-Core Processor",
            "count": 96,
            "ids": {"family": 23, "model": 1, "stepping": 2},
            "cores": [],
            "platform": None,
            "machine": None,
            "virt_flag": "svm",
        },
    ),
    "cpuinfo_x86_64_intel_i7-1165G7_8cpu.txt": (
        "x86_64",
        {
            "vendor": "GenuineIntel",
            "model": "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz",
            "count": 8,
            "ids": {"family": 6, "model": 140, "stepping": 1},
            "cores": [],
            "platform": None,
            "machine": None,
            "virt_flag": "vmx",
        },
    ),
}

# lscpu summaries of the same machines: the cross-check for vendor, model, count and virtualisation.
LSCPU_OF = {
    "lscpu_x86_64_amd_epyc7451.txt": "cpuinfo_x86_64_amd_epyc7451_96cpu.txt",
    "lscpu_x86_64_intel_i7-1165G7.txt": "cpuinfo_x86_64_intel_i7-1165G7_8cpu.txt",
}
LSCPU_VIRT = {"VT-x": "vmx", "AMD-V": "svm"}


@pytest.mark.parametrize("path", fixture_files("cpuinfo", "cpuinfo_*.txt"), ids=lambda p: p.name)
def test_cpuinfo_fixture(path):
    fixture_file("cpuinfo", path.name)
    assert path.name in EXPECTED, f"fixture {path.name} has no expectation in EXPECTED; add one"
    arch, expected = EXPECTED[path.name]
    warnings = []
    assert parse_cpuinfo(path.read_text(), arch, warnings) == expected
    assert warnings == []


@pytest.mark.parametrize("path", fixture_files("cpuinfo", "lscpu_*.txt"), ids=lambda p: p.name)
def test_lscpu_cross_check(path):
    fixture_file("cpuinfo", path.name)
    assert path.name in LSCPU_OF, f"lscpu fixture {path.name} is not mapped to its cpuinfo capture in LSCPU_OF"
    lscpu = parse_lscpu(path.read_text())
    cpuinfo_name = LSCPU_OF[path.name]
    arch = EXPECTED[cpuinfo_name][0]
    cpu = parse_cpuinfo(fixture_file("cpuinfo", cpuinfo_name).read_text(), arch, [])
    assert cpu["vendor"] == lscpu["Vendor ID"]
    assert cpu["model"] == lscpu["Model name"]
    assert cpu["count"] == int(lscpu["CPU(s)"])
    assert cpu["ids"] == {"family": int(lscpu["CPU family"]), "model": int(lscpu["Model"]), "stepping": int(lscpu["Stepping"])}
    assert cpu["virt_flag"] == LSCPU_VIRT[lscpu["Virtualization"]]


def test_empty_cpuinfo_warns_and_leaves_fields_null():
    warnings = []
    cpu = parse_cpuinfo("", "aarch64", warnings)
    assert cpu["vendor"] is None and cpu["model"] is None and cpu["count"] is None
    assert len(warnings) == 1 and "/proc/cpuinfo" in warnings[0]


def test_unknown_aarch64_part_reported_by_raw_id():
    text = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xfff\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n"
    warnings = []
    cpu = parse_cpuinfo(text, "aarch64", warnings)
    assert cpu["cores"] == [
        {"implementer": "0x41", "part": "0xd0c", "vendor": "ARM", "model": "Neoverse-N1", "count": 1},
        {"implementer": "0x41", "part": "0xfff", "vendor": "ARM", "model": None, "count": 1},
    ]
    # Never a partial name: one unknown part makes the summary model unknown.
    assert cpu["model"] is None
    assert cpu["vendor"] == "ARM"
    assert len(warnings) == 1
    assert "/proc/cpuinfo" in warnings[0] and "0x41" in warnings[0] and "0xfff" in warnings[0]


def test_unknown_implementer_reported_by_raw_id():
    warnings = []
    cpu = parse_cpuinfo("processor : 0\nCPU implementer : 0x99\nCPU part : 0x001\n", "aarch64", warnings)
    assert cpu["vendor"] is None and cpu["model"] is None
    assert cpu["ids"] == {"implementer": "0x99", "part": "0x001"}
    assert "0x99" in warnings[0]


@pytest.mark.parametrize(("text", "count"), [("0-7\n", 8), ("0-3,8-11", 8), ("0", 1), ("", None), ("x-y", None)])
def test_parse_cpu_list(text, count):
    assert parse_cpu_list(text) == count


@pytest.mark.parametrize("arch", ["aarch64", "ppc64le"])
def test_x86_cpuinfo_under_user_mode_emulation(arch):
    # qemu-user passes the x86 host's /proc/cpuinfo through to an emulated aarch64/ppc64le userland.
    warnings = []
    cpu = parse_cpuinfo(fixture_file("cpuinfo", "cpuinfo_x86_64_amd_epyc7451_96cpu.txt").read_text(), arch, warnings)
    assert cpu["vendor"] is None and cpu["model"] is None and cpu["ids"] == {} and cpu["cores"] == []
    assert cpu["count"] == 96
    assert len(warnings) == 1 and "AuthenticAMD" in warnings[0] and arch in warnings[0]


def test_power_cpuinfo_without_pvr():
    warnings = []
    cpu = parse_cpuinfo("processor\t: 0\nclock\t: 3000MHz\n", "ppc64le", warnings)
    assert cpu["vendor"] is None and cpu["model"] is None
    assert "/proc/cpuinfo" in warnings[0]


def test_power_unknown_pvr_reported_raw():
    warnings = []
    cpu = parse_cpuinfo("processor\t: 0\nrevision\t: 1.0 (pvr 0099 0100)\n", "ppc64le", warnings)
    assert cpu["vendor"] == "IBM" and cpu["model"] is None
    assert cpu["ids"] == {"pvr": "0x00990100", "pvr_generation": None, "revision": "1.0"}
    assert "0x00990100" in warnings[0]


# Each arch of a cpuinfo_format reads the same layout: the 32-bit sibling gets the 64-bit arch's answer.
SIBLINGS = {"i686": "cpuinfo_x86_64_intel_i7-1165G7_8cpu.txt", "armv7l": "cpuinfo_aarch64_hisilicon_kunpeng920_128cpu.txt"}


@pytest.mark.parametrize("arch", sorted(SIBLINGS))
def test_sibling_arch_reads_the_same_format(arch):
    name = SIBLINGS[arch]
    native, expected = EXPECTED[name]
    assert ARCHES[arch]["cpuinfo_format"] == ARCHES[native]["cpuinfo_format"]
    warnings = []
    assert parse_cpuinfo(fixture_file("cpuinfo", name).read_text(), arch, warnings) == expected
    assert warnings == []


# Layouts of arch/s390/kernel/processor.c and arch/riscv/kernel/cpu.c (Linux 6.1), shortened.
S390_CPUINFO = """vendor_id       : IBM/S390
# processors    : 4
bogomips per cpu: 3033.00
max thread id   : 0
features	: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx sie
processor 0: version = FF,  identification = 0133E8,  machine = 8561
processor 1: version = FF,  identification = 0133E8,  machine = 8561

cpu number      : 0
cpu MHz dynamic : 5200
"""
RISCV_CPUINFO = """processor	: 0
hart		: 1
isa		: rv64imafdc_zicntr_zicsr_zifencei_zihpm
mmu		: sv39
uarch		: sifive,u74-mc
mvendorid	: 0x489
marchid		: 0x8000000000000007
mimpid		: 0x4210427

processor	: 1
hart		: 2
isa		: rv64imafdc_zicntr_zicsr_zifencei_zihpm
mmu		: sv39
uarch		: sifive,u74-mc
"""


def test_s390_format():
    warnings = []
    cpu = parse_cpuinfo(S390_CPUINFO, "s390x", warnings)
    assert (cpu["vendor"], cpu["model"], cpu["count"]) == ("IBM/S390", "8561", 4)
    assert warnings == []


def test_riscv_format():
    cpu = parse_cpuinfo(RISCV_CPUINFO, "riscv64", [])
    assert cpu["model"] == "sifive,u74-mc" and cpu["count"] == 2
    assert cpu["ids"] == {"mvendorid": "0x489", "marchid": "0x8000000000000007", "mimpid": "0x4210427"}


def test_arch_without_a_format_counts_only():
    # An arch the table does not know (the kernel's name kept): no parser guesses its layout.
    cpu = parse_cpuinfo("processor\t: 0\nmodel name\t: Loongson-3A5000\n\nprocessor\t: 1\n", "loongarch64", [])
    assert cpu["count"] == 2 and cpu["vendor"] is None and cpu["model"] is None


def test_split_records_keeps_the_power_trailer():
    records, trailer = split_records(fixture_file("cpuinfo", "cpuinfo_ppc64le_power9_powernv_ac922_176cpu.txt").read_text())
    assert len(records) == 176
    assert trailer["platform"] == "PowerNV" and trailer["machine"] == "PowerNV 8335-GTW"
