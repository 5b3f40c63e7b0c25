"""iommu: IOMMU groups, the hardware kind (sysfs class, else the arch table) and the kernel arguments."""

from __future__ import annotations

import pytest
from hosttree import write

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host.iommu import iommu_cmdline, probe_iommu


@pytest.mark.parametrize(
    ("entry", "arch", "kind"),
    [("dmar0", "x86_64", "intel-vt-d"), ("ivhd0", "x86_64", "amd-vi"), ("smmu3.0x0000000009050000", "aarch64", "arm-smmu"), (None, "ppc64le", "power")],
)
def test_iommu_kind(tmp_path, entry, arch, kind):
    for group in range(3):
        (tmp_path / f"sys/kernel/iommu_groups/{group}").mkdir(parents=True)
    if entry:
        (tmp_path / "sys/class/iommu" / entry).mkdir(parents=True)
    write(tmp_path, "/proc/cmdline", "quiet\n")
    assert probe_iommu(str(tmp_path), arch, []) == {"enabled": True, "groups": 3, "kind": kind, "cmdline": []}


@pytest.mark.parametrize("arch", [*sorted(ARCHES), "loongarch64"])
def test_kind_without_a_class_entry_comes_from_the_arch_table(tmp_path, arch):
    (tmp_path / "sys/kernel/iommu_groups/0").mkdir(parents=True)
    write(tmp_path, "/proc/cmdline", "quiet\n")
    expected = "power" if arch in ("ppc64le", "ppc64") else None
    assert probe_iommu(str(tmp_path), arch, [])["kind"] == expected


def test_no_groups_no_kind_even_on_power(tmp_path):
    write(tmp_path, "/proc/cmdline", "quiet\n")
    assert probe_iommu(str(tmp_path), "ppc64le", [])["kind"] is None


def test_iommu_cmdline_and_absent_groups(tmp_path):
    write(tmp_path, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz amd_iommu=on iommu=pt iommu.passthrough=1 vfio_iommu_type1.allow_unsafe_interrupts=1 quiet\n")
    warnings = []
    got = probe_iommu(str(tmp_path), "x86_64", warnings)
    assert got == {
        "enabled": False, "groups": 0, "kind": None,
        "cmdline": ["amd_iommu=on", "iommu=pt", "iommu.passthrough=1", "vfio_iommu_type1.allow_unsafe_interrupts=1"],
    }  # fmt: skip
    assert warnings == []  # no IOMMU is a host state, not a read failure


def test_unreadable_cmdline_warns(tmp_path):
    warnings = []
    assert probe_iommu(str(tmp_path), "x86_64", warnings)["cmdline"] == []
    assert len(warnings) == 1 and "/proc/cmdline" in warnings[0] and "IOMMU kernel arguments" in warnings[0]


def test_iommu_cmdline_keeps_order_and_ignores_lookalikes():
    text = "intel_iommu=on,sm_on iommu_foo=1 vfio-pci.ids=10de:1c03 pcie_acs_override=downstream iommu=pt"
    assert iommu_cmdline(text) == ["intel_iommu=on,sm_on", "vfio-pci.ids=10de:1c03", "pcie_acs_override=downstream", "iommu=pt"]
    assert iommu_cmdline(None) == []
