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
    for key in ("cpuinfo_format", "iommu_kind"):
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
