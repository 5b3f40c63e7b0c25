"""The trait names kept for target hosts against os-traits (the oracle), and the per-virt_type rule."""

from __future__ import annotations

import pytest
from conftest import require_import
from nova_testlib import load_nova_conf, nova_conf_cleared

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import (
    COMPUTE_ARCH_TRAITS,
    HW_ARCH_TRAITS,
    arch_traits,
    nova_targetable,
    nova_traits,
    usable_virt_types,
)
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES, VIRT_TYPES, trait_suffix


def test_compute_arch_names_match_os_traits():
    os_traits = require_import("os_traits")
    assert set(COMPUTE_ARCH_TRAITS) == set(os_traits.get_traits(prefix="COMPUTE_ARCH_"))


def test_hw_arch_names_match_os_traits():
    os_traits = require_import("os_traits")
    assert set(HW_ARCH_TRAITS) == set(os_traits.get_traits(prefix="HW_ARCH_"))


@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_supported_host_arches_have_both_traits(arch):
    # The arch table's spelling (trait_suffix) gives names os-traits defines for every supported host arch.
    os_traits = require_import("os_traits")
    assert "HW_ARCH_" + trait_suffix(arch) in os_traits.get_traits(prefix="HW_ARCH_")
    assert "COMPUTE_ARCH_" + trait_suffix(arch) in os_traits.get_traits(prefix="COMPUTE_ARCH_")


GUESTS = {
    "x86_64": {"domain_types": ["kvm", "qemu"], "emulator": "/usr/bin/qemu-system-x86_64"},
    "i686": {"domain_types": ["kvm", "qemu"], "emulator": "/usr/bin/qemu-system-i386"},
    "aarch64": {"domain_types": ["qemu"], "emulator": "/usr/bin/qemu-system-aarch64"},
    "ppc64le": {"domain_types": ["qemu"], "emulator": "/usr/bin/qemu-system-ppc64le"},
    "armv6l": {"domain_types": ["qemu"], "emulator": "/usr/bin/qemu-system-arm"},
}


def test_kvm_keeps_native_only_qemu_keeps_all():
    assert arch_traits("x86_64", GUESTS, "kvm") == ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]
    assert arch_traits("x86_64", GUESTS, "qemu") == ["COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]


def test_invalid_names_are_dropped_like_nova():
    # armv7l has no HW_ARCH_ARMV7L in os-traits; i686 and armv6l have no COMPUTE_ARCH_ trait.
    os_traits = require_import("os_traits")
    assert arch_traits("armv7l", {"i686": GUESTS["i686"], "armv6l": GUESTS["armv6l"]}, "qemu") == []
    for name in ("HW_ARCH_ARMV7L", "COMPUTE_ARCH_I686", "COMPUTE_ARCH_ARMV6L"):
        assert name not in os_traits.get_traits()


def test_usable_virt_types():
    assert usable_virt_types(True, GUESTS) == ["kvm", "qemu"]
    assert usable_virt_types(False, GUESTS) == ["qemu"]
    assert usable_virt_types(True, {}) == ["kvm"]
    assert usable_virt_types(False, {}) == []
    assert nova_traits("aarch64", False, {}) == {}


def test_bad_virt_type():
    with pytest.raises(ValueError, match="virt_type"):
        arch_traits("x86_64", GUESTS, "xen")


def test_virt_types_come_from_the_arch_table():
    # One definition (archtable.VIRT_TYPES); every value is a virt_type nova accepts.
    nova_libvirt_conf = require_import("nova.conf.libvirt")
    (virt_type_opt,) = [opt for opts in nova_libvirt_conf.list_opts().values() for opt in opts if opt.name == "virt_type"]
    assert set(VIRT_TYPES) <= set(virt_type_opt.type.choices)
    for virt_type in VIRT_TYPES:
        assert isinstance(arch_traits("x86_64", GUESTS, virt_type), list)


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_nova_targetable_is_whether_os_traits_names_the_arch(arch):
    """nova 34's image-metadata prefilter needs HW_ARCH_<ARCH> or COMPUTE_ARCH_<ARCH> to exist in os-traits."""
    os_traits = require_import("os_traits")
    suffix = arch.upper()
    assert nova_targetable(arch) is (hasattr(os_traits, "HW_ARCH_" + suffix) or hasattr(os_traits, "COMPUTE_ARCH_" + suffix))


def test_armv7l_is_the_arch_nova_cannot_target():
    assert [a for a in sorted(ARCHES) if not nova_targetable(a)] == ["armv7l"]
    assert nova_targetable("vax") is False


@pytest.mark.parametrize("usable", [None, False, 0, "yes"])
def test_kvm_virt_type_only_when_usable_is_true(usable):
    assert "kvm" not in usable_virt_types(usable, GUESTS)
    assert "kvm" not in nova_traits("x86_64", usable, GUESTS)


def test_nova_itself_cannot_target_armv7l_guests():
    """nova 34 turns hw_architecture=armv7l into HW_ARCH_ARMV7L, which os-traits lacks: the prefilter gives up on the request."""
    os_traits = require_import("os_traits")
    request_filter = require_import("nova.scheduler.request_filter")
    objects = require_import("nova.objects")
    objects.register_all()
    for trait in ("HW_ARCH_ARMV7L", "COMPUTE_ARCH_ARMV7L"):
        assert not hasattr(os_traits, trait)
    with nova_conf_cleared() as conf:
        load_nova_conf(conf)
        conf.set_override("image_metadata_prefilter", True, group="scheduler")
        for prop in ("hw_architecture", "hw_emulation_architecture"):
            spec = _request_spec(objects, **{prop: "armv7l"})
            assert request_filter.transform_image_metadata(None, spec) is False, prop
            assert spec.root_required == set()
        aarch64 = _request_spec(objects, hw_architecture="aarch64", hw_emulation_architecture="ppc64le")
        assert request_filter.transform_image_metadata(None, aarch64) is True
        assert aarch64.root_required == {"HW_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE"}


def _request_spec(objects, **props):
    """A RequestSpec as nova's own request_filter tests build it."""
    return objects.RequestSpec(image=objects.ImageMeta(properties=objects.ImageMetaProps(**props)), flavor=objects.Flavor(extra_specs={}))
