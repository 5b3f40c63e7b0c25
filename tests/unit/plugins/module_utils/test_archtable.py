"""archtable: the one per-architecture table; every entry complete and documented, the lookups it offers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils import archtable
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import (
    ARCHES,
    SUPPORTED_HOST_ARCHES,
    VIRT_TYPES,
    UnknownArchError,
    arch_info,
    canonical_arch,
    trait_suffix,
)

CPUINFO_FORMATS = {"x86", "arm", "power", "s390", "riscv"}


def documented_keys():
    """Key names of the "Keys of each entry" comment block above ARCHES."""
    source = Path(archtable.__file__).read_text()
    block = source[source.index("# Keys of each entry:") : source.index("ARCHES = {")]
    return {m.group(1) for m in re.finditer(r"^#   ([a-z_]+) ", block, re.MULTILINE)}


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_every_entry_has_exactly_the_documented_keys(arch):
    assert set(ARCHES[arch]) == documented_keys()


def test_docs_list_the_new_keys():
    text = (Path(archtable.__file__).resolve().parents[2] / "docs" / "architectures.md").read_text()
    for key in ("cpuinfo_format", "iommu_kind", "kvm_guest_caps", "kvm_module_required", "native_emulator_packages", "emulator_packages",
                "iommu_kernel_args", "vfio_iommu_module", "guest_boot", "nova_cdrom_bus", "boot_firmware_file"):
        assert f"`{key}`" in text, key


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_cpuinfo_format_and_iommu_kind(arch):
    entry = ARCHES[arch]
    assert entry["cpuinfo_format"] in CPUINFO_FORMATS
    assert entry["iommu_kind"] in (None, "power")
    # Only the POWER kernels' IOMMU (TCE tables) registers no /sys/class/iommu entry of a known kind.
    assert (entry["iommu_kind"] == "power") == (entry["cpuinfo_format"] == "power")


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_kvm_guests_share_the_hosts_cpu_family(arch):
    # A guest KVM runs natively is the same ISA family: its kernel prints the same cpuinfo layout.
    for guest in ARCHES[arch]["kvm_guests"]:
        assert ARCHES[guest]["cpuinfo_format"] == ARCHES[arch]["cpuinfo_format"], guest
        assert ARCHES[guest]["iommu_kind"] == ARCHES[arch]["iommu_kind"], guest


def test_every_format_is_used():
    assert {entry["cpuinfo_format"] for entry in ARCHES.values()} == CPUINFO_FORMATS


def test_virt_types():
    assert VIRT_TYPES == ("kvm", "qemu")


def test_supported_host_arches_are_entries():
    assert set(SUPPORTED_HOST_ARCHES) <= set(ARCHES)


def test_aliases_are_unique():
    seen = {}
    for arch, entry in ARCHES.items():
        for alias in entry["aliases"]:
            assert alias not in ARCHES, alias
            assert alias not in seen, (alias, seen.get(alias), arch)
            seen[alias] = arch


@pytest.mark.parametrize(("name", "arch"), [("AMD64", "x86_64"), (" arm64 ", "aarch64"), ("ppc64el", "ppc64le"), ("ppc64", "ppc64"), ("i386", "i686")])
def test_canonical_arch(name, arch):
    assert canonical_arch(name) == arch


def test_unknown_arch():
    with pytest.raises(UnknownArchError, match="'sparc64'"):
        canonical_arch("sparc64")
    with pytest.raises(UnknownArchError, match="missing"):
        canonical_arch(None)
    assert canonical_arch("sparc64", strict=False) is None
    assert canonical_arch(None, strict=False) is None


def test_arch_info_is_a_copy():
    info = arch_info("arm64")
    info["firmware_packages"]["Debian"].append("changed")
    assert "changed" not in ARCHES["aarch64"]["firmware_packages"]["Debian"]


def test_trait_suffix():
    assert trait_suffix("amd64") == "X86_64"
    assert trait_suffix("ppc64el") == "PPC64LE"


# --------------------------------------------------------------------------- issue 12 defects


@pytest.mark.parametrize(("name", "arch"), [("armv8l", "armv7l"), ("ARMv8l", "armv7l"), ("armv7l", "armv7l"), ("armv8", "aarch64"), ("arm64", "aarch64")])
def test_armv8l_is_the_32_bit_personality(name, arch):
    """uname -m of a 32-bit userland on an ARMv8 CPU is armv8l (Linux arch/arm64/include/asm/compat.h, COMPAT_UTS_MACHINE)."""
    assert canonical_arch(name) == arch


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_kvm_module_required_only_on_power(arch):
    """KVM on POWER is usable for nova only with kvm_hv (PowerNV); kvm_pr runs guests in problem state."""
    expected = "kvm_hv" if ARCHES[arch]["cpuinfo_format"] == "power" else None
    assert ARCHES[arch]["kvm_module_required"] == expected


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_kvm_guest_caps_name_native_guests_and_real_capabilities(arch):
    """Only native guests may need a KVM capability; the number is the Linux uapi one (linux/kvm.h)."""
    caps = ARCHES[arch]["kvm_guest_caps"]
    assert set(caps) <= set(ARCHES[arch]["kvm_guests"]) - {arch}
    for name, number in caps.values():
        assert name.startswith("KVM_CAP_") and isinstance(number, int) and number > 0
    assert ARCHES["aarch64"]["kvm_guest_caps"] == {"armv7l": ("KVM_CAP_ARM_EL1_32BIT", 93)}


def test_kvm_guest_caps_numbers_match_the_linux_headers():
    """/usr/include/linux/kvm.h (Debian linux-libc-dev) is the oracle where it is installed."""
    header = Path("/usr/include/linux/kvm.h")
    if not header.exists():
        pytest.skip("no /usr/include/linux/kvm.h on this machine (Debian package linux-libc-dev)")
    text = header.read_text()
    for entry in ARCHES.values():
        for name, number in entry["kvm_guest_caps"].values():
            assert re.search(r"^#define %s\s+%d\b" % (name, number), text, re.MULTILINE), name


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_el_ships_no_foreign_emulator(arch):
    """RHEL/Rocky/Alma build qemu-kvm for the host's own target only (qemu-kvm.spec target_list); no qemu-system-<arch> exists."""
    assert ARCHES[arch]["emulator_packages"]["RedHat"] == []
    assert "qemu-system-aarch64" not in str(ARCHES[arch]["emulator_packages"])
    native = ARCHES[arch]["native_emulator_packages"]["RedHat"]
    # qemu-kvm is built for x86_64, aarch64 and s390x; on ppc64le the EL 9 spec builds the tools only.
    assert native == (["qemu-kvm"] if arch in ("x86_64", "aarch64", "s390x") else [])


# --------------------------------------------------------------------------- GPU passthrough fields


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_iommu_kernel_args_and_vfio_module(arch):
    entry = ARCHES[arch]
    assert entry["vfio_iommu_module"] in ("vfio_iommu_type1", "vfio_iommu_spapr_tce")
    # The sPAPR TCE backend is POWER's only (Linux drivers/vfio/Kconfig: VFIO_IOMMU_SPAPR_TCE depends on PPC_IOMMU).
    assert (entry["vfio_iommu_module"] == "vfio_iommu_spapr_tce") == (entry["cpuinfo_format"] == "power")
    args = [a for vendor_args in entry["iommu_kernel_args"].values() for a in vendor_args]
    assert "amd_iommu=on" not in args  # no valid value (kernel-parameters.txt)
    # Only x86 kernels have intel_iommu= and iommu=pt; SMMU and TCE need no argument.
    assert bool(args) == (entry["cpuinfo_format"] == "x86")


def test_intel_hosts_get_intel_iommu_and_every_x86_host_iommu_pt():
    args = ARCHES["x86_64"]["iommu_kernel_args"]
    assert args["GenuineIntel"] == ("intel_iommu=on",) and args["*"] == ("iommu=pt",) and "AuthenticAMD" not in args
