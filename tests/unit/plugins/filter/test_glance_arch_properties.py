"""Tests for the glance_arch_properties filter (plugin_utils/nova_libvirt.py).

Oracles: nova 34's image metadata objects (every property is a field of
ImageMetaProps, every value passes its enum), nova's image metadata prefilter
(every trait it derives from the properties exists in os-traits) and os-traits.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.filter.glance_arch_properties import FilterModule
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES

os_traits = pytest.importorskip("os_traits")
nova_conf = pytest.importorskip("nova.conf")
from nova import objects  # noqa: E402
from nova.scheduler import request_filter  # noqa: E402

objects.register_all()

FILTER = FilterModule().filters()["glance_arch_properties"]

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
    assert FILTER(arch) == EXPECTED[arch]


@pytest.mark.parametrize(("alias", "arch"), [("amd64", "x86_64"), ("arm64", "aarch64"), ("ppc64el", "ppc64le"), ("AArch64", "aarch64")])
def test_aliases(alias, arch):
    assert FILTER(alias) == EXPECTED[arch]


def test_emulated_properties():
    assert FILTER("aarch64", True, host_arch="amd64") == {
        "hw_emulation_architecture": "aarch64",
        "hw_architecture": "x86_64",
        "hw_machine_type": "virt",
        "hw_firmware_type": "uefi",
        "hw_video_model": "virtio",
        "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi",
    }
    assert FILTER("ppc64le", emulated=True) == {"hw_emulation_architecture": "ppc64le", "hw_machine_type": "pseries"}
    assert FILTER("x86_64", True, host_arch="aarch64", require_emulation_trait=True) == {
        "hw_emulation_architecture": "x86_64",
        "hw_architecture": "aarch64",
        "hw_machine_type": "q35",
        "trait:CUSTOM_EMULATES_X86_64": "required",
    }


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
    with pytest.raises(AnsibleFilterError) as err:
        FILTER(*args, **kwargs)
    for word in words:
        assert word in str(err.value)


# Guest arches nova 34 emulates: it knows the name and os-traits has COMPUTE_ARCH_<ARCH>.
EMULATABLE = ("x86_64", "aarch64", "ppc64le", "s390x")


def _all_property_sets():
    sets = []
    for arch in ARCHES:
        if not ARCHES[arch]["nova_arch"]:
            continue
        sets.append(pytest.param(FILTER(arch), id="%s-native" % arch))
        if arch not in EMULATABLE:
            continue
        for host in SUPPORTED_HOST_ARCHES:
            if host != arch:
                sets.append(pytest.param(FILTER(arch, True, host_arch=host, require_emulation_trait=True), id="%s-on-%s" % (arch, host)))
        sets.append(pytest.param(FILTER(arch, True), id="%s-emulated-anywhere" % arch))
    return sets


def test_nova_arch_field_matches_nova():
    from nova.objects import fields  # noqa: PLC0415

    assert {a for a in ARCHES if ARCHES[a]["nova_arch"]} == {a for a in ARCHES if a in fields.Architecture.ALL}


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_emulated_images_only_for_arches_nova_can_schedule(arch):
    trait = "COMPUTE_ARCH_%s" % arch.upper()
    if arch in EMULATABLE:
        assert hasattr(os_traits, trait)
        assert FILTER(arch, True)["hw_emulation_architecture"] == arch
        return
    with pytest.raises(AnsibleFilterError) as err:
        FILTER(arch, True)
    assert arch in str(err.value)
    assert not (ARCHES[arch]["nova_arch"] and hasattr(os_traits, trait))


@pytest.mark.parametrize("props", _all_property_sets())
def test_every_property_is_a_nova_image_meta_field(props):
    meta = objects.ImageMetaProps.from_dict(props)  # enum fields raise ValueError for a wrong value
    traits = []
    for key, value in props.items():
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
    conf = nova_conf.CONF
    conf(args=[], project="nova", default_config_files=[], default_config_dirs=[])
    conf.set_override("image_metadata_prefilter", True, group="scheduler")
    yield conf
    conf.clear_override("image_metadata_prefilter", group="scheduler")
    conf.clear()


PREFILTER = [
    ("x86_64", {}, {"HW_ARCH_X86_64"}),
    ("aarch64", {}, {"HW_ARCH_AARCH64", "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_STORAGE_BUS_SCSI"}),
    ("ppc64le", {}, {"HW_ARCH_PPC64LE"}),
    (
        "aarch64",
        {"emulated": True, "host_arch": "x86_64"},
        {"HW_ARCH_X86_64", "COMPUTE_ARCH_AARCH64", "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_STORAGE_BUS_SCSI"},
    ),
    ("ppc64le", {"emulated": True}, {"COMPUTE_ARCH_PPC64LE"}),
    ("x86_64", {"emulated": True, "host_arch": "aarch64"}, {"HW_ARCH_AARCH64", "COMPUTE_ARCH_X86_64"}),
]


@pytest.mark.parametrize(("arch", "kwargs", "traits"), PREFILTER)
def test_nova_prefilter_derives_valid_traits(arch, kwargs, traits, prefilter_on):
    """nova turns the properties into required traits and refuses names os-traits lacks (returns False)."""
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": FILTER(arch, **kwargs)}))
    assert request_filter.transform_image_metadata(None, spec) is True
    assert set(spec.root_required) == traits
    for trait in traits:
        assert hasattr(os_traits, trait)


def test_nova_prefilter_has_teeth(prefilter_on):
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": {"hw_architecture": "x86_64", "hw_emulation_architecture": "mips"}}))
    assert request_filter.transform_image_metadata(None, spec) is False  # no COMPUTE_ARCH_MIPS in os-traits
