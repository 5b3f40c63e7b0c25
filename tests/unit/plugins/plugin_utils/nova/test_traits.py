"""plugins/plugin_utils/nova/traits.py: the traits nova reports per virt_type, from real libvirt captures, with os-traits as the oracle."""

from __future__ import annotations

import pytest
from conftest import fixture_file, require_import

from ansible_collections.multiarch.kolla.plugins.module_utils.host.libvirt_caps import parse_capabilities
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.traits import NovaTraitsError, nova_arch_traits


def host_from_caps(name, kvm_usable):
    caps = parse_capabilities(fixture_file("libvirt_caps", name).read_text())
    return {"arch": caps["host_arch"], "kvm": {"usable": kvm_usable, "reason": None if kvm_usable else "no /dev/kvm"}, "guests": caps["guests"]}


def test_nova_arch_traits_best_virt_type():
    kvm_host = host_from_caps("caps_x86_64_kvm_intel_multiarch_tcg.xml", True)
    assert nova_arch_traits(kvm_host) == ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]
    tcg_host = host_from_caps("caps_x86_64_tcg_only_nokvm.xml", False)
    assert nova_arch_traits(tcg_host) == ["COMPUTE_ARCH_MIPSEL", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]


def test_nova_arch_traits_explicit_qemu():
    host = host_from_caps("caps_x86_64_kvm_intel_multiarch_tcg.xml", True)
    traits = nova_arch_traits(host, virt_type="qemu")
    assert traits == ["COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_S390X", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]
    assert set(traits) <= set(require_import("os_traits").get_traits())


def test_nova_arch_traits_list_is_union():
    hosts = [
        host_from_caps("caps_x86_64_kvm_intel_multiarch_tcg.xml", True),
        host_from_caps("caps_aarch64_kvm_neoverse_n1.xml", True),
        host_from_caps("caps_ppc64le_kvm_power8.xml", True),
    ]
    assert nova_arch_traits(hosts) == [
        "COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_X86_64", "HW_ARCH_AARCH64", "HW_ARCH_PPC64LE", "HW_ARCH_X86_64",
    ]  # fmt: skip


def test_nova_arch_traits_kvm_refused_without_kvm():
    host = host_from_caps("caps_x86_64_tcg_only_nokvm.xml", False)
    with pytest.raises(NovaTraitsError) as exc:
        nova_arch_traits([host_from_caps("caps_ppc64le_kvm_power8.xml", True), host], virt_type="kvm")
    assert "host #1" in str(exc.value) and "x86_64" in str(exc.value) and "no /dev/kvm" in str(exc.value)


@pytest.mark.parametrize("value", [None, "x86_64", {"arch": "x86_64"}, [{"guests": {}}], 42])
def test_nova_arch_traits_bad_input(value):
    with pytest.raises(NovaTraitsError, match="nova_arch_traits"):
        nova_arch_traits(value)


def test_nova_arch_traits_bad_virt_type():
    with pytest.raises(NovaTraitsError, match="'lxc'"):
        nova_arch_traits(host_from_caps("caps_aarch64_kvm_minimal_qemucaps.xml", True), virt_type="lxc")


def test_nova_arch_traits_host_without_any_virt_type():
    with pytest.raises(NovaTraitsError, match="no virt_type"):
        nova_arch_traits({"arch": "x86_64", "kvm": {"usable": False, "reason": "no /dev/kvm"}, "guests": {}})


def test_kvm_unknown_is_not_kvm():
    # kvm.usable null: /dev/kvm exists but may not be opened (docs/multiarch_host.md); only qemu is claimed.
    host = dict(host_from_caps("caps_x86_64_kvm_intel_multiarch_tcg.xml", True), kvm={"usable": None, "reason": "/dev/kvm: permission denied"})
    assert "COMPUTE_ARCH_AARCH64" in nova_arch_traits(host)
    with pytest.raises(NovaTraitsError, match="permission denied"):
        nova_arch_traits(host, virt_type="kvm")
