"""Tests for plugins/plugin_utils/nova/glance.py: glance image properties for guests of one arch.

Oracles: nova 34's image metadata objects (every property is a field of
ImageMetaProps, every value passes its enum), nova's image metadata prefilter
(every trait it derives from the properties exists in os-traits), os-traits, and
nova's ComputeManager._get_power_off_values for os_shutdown_timeout (a free-form
property nova reads from the instance's image system metadata, not an ImageMetaProps field).
"""

from __future__ import annotations

import pytest
from conftest import require_import
from nova_testlib import load_default_section, nova_conf_cleared, power_off_timeout
from tcg_testlib import expected_seconds

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError


@pytest.fixture
def os_traits():
    return require_import("os_traits")


@pytest.fixture
def objects():
    """nova's versioned objects, registered."""
    module = require_import("nova.objects")
    module.register_all()
    return module


EXPECTED = {
    "x86_64": {"hw_architecture": "x86_64", "hw_machine_type": "q35"},
    "aarch64": {
        "hw_architecture": "aarch64",
        "hw_machine_type": "virt",
        "hw_firmware_type": "uefi",
        "hw_video_model": "virtio",
        "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi",
    },
    "ppc64le": {"hw_architecture": "ppc64le", "hw_machine_type": "pseries"},
}


@pytest.mark.parametrize("arch", sorted(EXPECTED))
def test_native_properties_per_arch(arch):
    assert glance_arch_properties(arch) == EXPECTED[arch]


@pytest.mark.parametrize(("alias", "arch"), [("amd64", "x86_64"), ("arm64", "aarch64"), ("ppc64el", "ppc64le"), ("AArch64", "aarch64")])
def test_aliases(alias, arch):
    assert glance_arch_properties(alias) == EXPECTED[arch]


def test_emulated_properties():
    assert glance_arch_properties("aarch64", True, host_arch="amd64") == {
        "hw_emulation_architecture": "aarch64",
        "hw_architecture": "x86_64",
        "hw_machine_type": "virt",
        "hw_firmware_type": "uefi",
        "hw_video_model": "virtio",
        "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi",
        "hw_cdrom_bus": "scsi",
        "os_shutdown_timeout": str(expected_seconds("shutdown_timeout", "aarch64")),
    }
    assert glance_arch_properties("ppc64le", emulated=True) == {
        "hw_emulation_architecture": "ppc64le", "hw_machine_type": "pseries", "hw_cdrom_bus": "scsi",
        "os_shutdown_timeout": str(expected_seconds("shutdown_timeout", "ppc64le")),
    }
    assert glance_arch_properties("x86_64", True, host_arch="aarch64", require_emulation_trait=True) == {
        "hw_emulation_architecture": "x86_64",
        "hw_architecture": "aarch64",
        "hw_machine_type": "q35",
        "trait:CUSTOM_EMULATES_X86_64": "required",
        "hw_cdrom_bus": "sata",
        "os_shutdown_timeout": str(expected_seconds("shutdown_timeout", "x86_64")),
    }


TABLE_AARCH64 = expected_seconds("shutdown_timeout", "aarch64")  # the arch table's measured factor


@pytest.mark.parametrize(
    ("measured", "seconds"),
    [(None, TABLE_AARCH64), ({"arm64": 3}, 180), ({"aarch64": 1}, 60), ({"aarch64": 99}, 1800), ({"x86_64": 2}, TABLE_AARCH64)],
)
def test_emulated_images_get_their_arch_shutdown_window(measured, seconds):
    props = glance_arch_properties("aarch64", True, tcg_slowdown=measured)
    assert props["os_shutdown_timeout"] == str(seconds)
    # nova 34 gives the instance that window, whatever the host's [DEFAULT] shutdown_timeout says.
    assert power_off_timeout(load_default_section(), props) == seconds
    assert "os_shutdown_timeout" not in glance_arch_properties("aarch64", tcg_slowdown=measured)  # native images keep nova's default


def test_measured_factor_refused():
    with pytest.raises(NovaLibvirtError) as err:
        glance_arch_properties("aarch64", True, tcg_slowdown={"aarch64": 0})
    assert "nova_compute_arch_tcg_slowdown aarch64=0" in str(err.value)


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (("sparc",), {}, ["unknown architecture 'sparc'"]),
        (("aarch64", True), {"host_arch": "arm64"}, ["not emulated", "emulated=false"]),
        (("aarch64",), {"host_arch": "x86_64"}, ["host_arch=x86_64", "emulated=true"]),
        (("aarch64",), {"require_emulation_trait": True}, ["emulated images only"]),
        (("aarch64", True), {"host_arch": "vax"}, ["host_arch", "'vax'"]),
        (("aarch64", True), {"host_arch": "s390x"}, ["host_arch=s390x", "x86_64, aarch64, ppc64le"]),
        (("riscv64",), {}, ["does not know the architecture riscv64"]),
        (("i686", True), {}, ["COMPUTE_ARCH_I686", "x86_64, aarch64, ppc64le, s390x"]),
    ],
)
def test_errors_name_the_value_and_the_fix(args, kwargs, words):
    with pytest.raises(NovaLibvirtError) as err:
        glance_arch_properties(*args, **kwargs)
    for word in words:
        assert word in str(err.value)


# Guest arches nova 34 emulates: it knows the name and os-traits has COMPUTE_ARCH_<ARCH>.
EMULATABLE = ("x86_64", "aarch64", "ppc64le", "s390x")


def _all_property_sets():
    sets = []
    for arch in ARCHES:
        if not ARCHES[arch]["nova_arch"]:
            continue
        sets.append(pytest.param(glance_arch_properties(arch), id="%s-native" % arch))
        if arch not in EMULATABLE:
            continue
        for host in SUPPORTED_HOST_ARCHES:
            if host != arch:
                sets.append(pytest.param(glance_arch_properties(arch, True, host_arch=host, require_emulation_trait=True), id="%s-on-%s" % (arch, host)))
        sets.append(pytest.param(glance_arch_properties(arch, True), id="%s-emulated-anywhere" % arch))
    return sets


def test_nova_arch_field_matches_nova():
    fields = require_import("nova.objects.fields")

    assert {a for a in ARCHES if ARCHES[a]["nova_arch"]} == {a for a in ARCHES if a in fields.Architecture.ALL}


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_emulated_images_only_for_arches_nova_can_schedule(arch, os_traits):
    trait = "COMPUTE_ARCH_%s" % arch.upper()
    if arch in EMULATABLE:
        assert hasattr(os_traits, trait)
        assert glance_arch_properties(arch, True)["hw_emulation_architecture"] == arch
        return
    with pytest.raises(NovaLibvirtError) as err:
        glance_arch_properties(arch, True)
    assert arch in str(err.value)
    assert not (ARCHES[arch]["nova_arch"] and hasattr(os_traits, trait))


@pytest.mark.parametrize("props", _all_property_sets())
def test_every_property_is_a_nova_image_meta_field(props, objects, os_traits):
    meta = objects.ImageMetaProps.from_dict(props)  # enum fields raise ValueError for a wrong value
    traits = []
    for key, value in props.items():
        if key == "os_shutdown_timeout":
            assert power_off_timeout(load_default_section(), props) == int(value)
            continue
        if key.startswith("trait:"):
            traits.append(key[len("trait:") :])
            assert value == "required"
            continue
        assert key in objects.ImageMetaProps.fields, key
        assert meta.get(key) == value, key
    if traits:
        assert sorted(meta.traits_required) == sorted(traits)
    for trait in traits:
        # placement's custom trait form: os-traits normalises the suffix back to the same name
        assert os_traits.is_custom(trait) and os_traits.normalize_name(trait[len("CUSTOM_") :]) == trait


@pytest.fixture
def prefilter_on():
    """nova's configuration with [scheduler] image_metadata_prefilter = true, reset afterwards."""
    with nova_conf_cleared() as conf:
        conf(args=[], project="nova", default_config_files=[], default_config_dirs=[])
        conf.set_override("image_metadata_prefilter", True, group="scheduler")
        yield conf


PREFILTER = [
    ("x86_64", {}, {"HW_ARCH_X86_64"}),
    ("aarch64", {}, {"HW_ARCH_AARCH64", "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_STORAGE_BUS_SCSI"}),
    ("ppc64le", {}, {"HW_ARCH_PPC64LE"}),
    (
        "aarch64",
        {"emulated": True, "host_arch": "x86_64"},
        {"HW_ARCH_X86_64", "COMPUTE_ARCH_AARCH64", "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_STORAGE_BUS_SCSI"},
    ),
    # An emulated image's hw_cdrom_bus asks for the bus trait, which nova's libvirt driver reports for every bus QEMU
    # has (nova 34 driver._get_storage_bus_traits over blockinfo.SUPPORTED_DEVICE_BUSES["qemu"], sata and scsi among them).
    ("ppc64le", {"emulated": True}, {"COMPUTE_ARCH_PPC64LE", "COMPUTE_STORAGE_BUS_SCSI"}),
    ("x86_64", {"emulated": True, "host_arch": "aarch64"}, {"HW_ARCH_AARCH64", "COMPUTE_ARCH_X86_64", "COMPUTE_STORAGE_BUS_SATA"}),
]


@pytest.mark.parametrize(("arch", "kwargs", "traits"), PREFILTER)
def test_nova_prefilter_derives_valid_traits(arch, kwargs, traits, prefilter_on, objects, os_traits):  # noqa: PLR0917
    """nova turns the properties into required traits and refuses names os-traits lacks (returns False)."""
    request_filter = require_import("nova.scheduler.request_filter")
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": glance_arch_properties(arch, **kwargs)}))
    assert request_filter.transform_image_metadata(None, spec) is True
    assert set(spec.root_required) == traits
    for trait in traits:
        assert hasattr(os_traits, trait)


def test_nova_prefilter_has_teeth(prefilter_on, objects):
    request_filter = require_import("nova.scheduler.request_filter")
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": {"hw_architecture": "x86_64", "hw_emulation_architecture": "mips"}}))
    assert request_filter.transform_image_metadata(None, spec) is False  # no COMPUTE_ARCH_MIPS in os-traits


def _emulated_pairs():
    """(guest, host) for every emulated image glance_arch_properties makes."""
    pairs = []
    for guest in sorted(ARCHES):
        for host in SUPPORTED_HOST_ARCHES:
            try:
                glance_arch_properties(guest, True, host_arch=host)
            except NovaLibvirtError:
                continue
            pairs.append((guest, host))
    return pairs


@pytest.mark.parametrize(("guest", "host"), _emulated_pairs())
def test_emulated_image_gets_the_cdrom_bus_of_its_native_arch(guest, host, objects):
    """Oracle: nova 34's own bus choice (blockinfo.get_disk_bus_for_device_type) for the native image of ``guest``."""
    blockinfo = require_import("nova.virt.libvirt.blockinfo")
    native = objects.ImageMeta.from_dict({"properties": glance_arch_properties(guest)})
    emulated_props = glance_arch_properties(guest, True, host_arch=host)
    emulated = objects.ImageMeta.from_dict({"properties": emulated_props})
    want = blockinfo.get_disk_bus_for_device_type(None, "qemu", native, "cdrom")
    assert emulated_props["hw_cdrom_bus"] == want
    assert blockinfo.get_disk_bus_for_device_type(None, "qemu", emulated, "cdrom") == want
    # Without the property nova reads the host's arch from hw_architecture: the bus QEMU's virt and pseries lack.
    del emulated_props["hw_cdrom_bus"]
    without = blockinfo.get_disk_bus_for_device_type(None, "qemu", objects.ImageMeta.from_dict({"properties": emulated_props}), "cdrom")
    if guest in ("aarch64", "ppc64le") and host == "x86_64":
        assert without == "ide"
