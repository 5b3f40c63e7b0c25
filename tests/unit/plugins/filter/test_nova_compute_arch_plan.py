"""Tests for the nova_compute_arch_plan and nova_compute_arch_aggregates filters (plugin_utils/nova_compute_arch.py).

Oracles: nova 34 (oslo.config reads every rendered [libvirt] section, nova's
default machine type lookup, the image metadata prefilter and image metadata
objects, the provider config loader), the traits nova reports per virt_type
(module_utils/arch_traits.py, itself checked against nova), and real libvirt
capabilities fixtures for the hosts.
"""

from __future__ import annotations

import configparser

import pytest
from conftest import fixture_file

from ansible_collections.multiarch.kolla.plugins.filter.nova_compute_arch import FilterModule
from ansible_collections.multiarch.kolla.plugins.module_utils import arch_traits, libvirt_caps
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_libvirt import NOVA_LIBVIRT_KEYS

nova_conf = pytest.importorskip("nova.conf")
from nova import objects  # noqa: E402
from nova.compute import provider_config as nova_provider_config  # noqa: E402
from nova.scheduler import request_filter  # noqa: E402
from nova.virt.libvirt import utils as nova_libvirt_utils  # noqa: E402

objects.register_all()

FILTERS = FilterModule().filters()
PLAN = FILTERS["nova_compute_arch_plan"]
AGGREGATES = FILTERS["nova_compute_arch_aggregates"]


def lab_host(arch):
    """What host_arch_info reports in the lab: no QEMU on the host, no usable KVM."""
    return {
        "arch": arch,
        "kvm": {"usable": False, "device": False, "rw": False, "reason": "/dev/kvm is missing"},
        "guests": {},
        "guest_source": "none",
    }


def fixture_host(caps_name, domcaps_names, kvm=None):
    caps = libvirt_caps.parse_capabilities(fixture_file("libvirt_caps", caps_name).read_text())
    domcaps = [libvirt_caps.parse_domain_capabilities(fixture_file("domain_caps", d).read_text()) for d in domcaps_names]
    guests = libvirt_caps.merge_domain_capabilities(caps["guests"], domcaps)
    usable = ((guests.get(caps["host_arch"]) or {}).get("accel") == "kvm") if kvm is None else kvm
    return {
        "arch": caps["host_arch"],
        "kvm": {"usable": usable, "reason": None if usable else "no usable /dev/kvm"},
        "guests": guests,
        "guest_source": "libvirt",
        "nova_traits": arch_traits.nova_traits(caps["host_arch"], usable, guests),
    }


def multiarch_x86():
    """Real Skylake KVM host whose libvirt also offers TCG aarch64 (AAVMF) and ppc64le guests."""
    return fixture_host(
        "caps_x86_64_kvm_intel_multiarch_tcg.xml",
        ["domcaps_x86_64_kvm_q35_efi_secboot.xml", "domcaps_aarch64_qemu_tcg_virt_aavmf.xml"],
    )


@pytest.fixture
def nova_global_conf():
    conf = nova_conf.CONF
    yield conf
    conf.clear_override("image_metadata_prefilter", group="scheduler")
    conf.reset()
    conf.clear()


def load_into_nova(conf, tmp_path, libvirt_values):
    parser = configparser.ConfigParser(interpolation=None)
    parser["libvirt"] = libvirt_values
    path = tmp_path / "nova.conf"
    with path.open("w") as handle:
        parser.write(handle)
    conf(args=[], project="nova", default_config_files=[str(path)], default_config_dirs=[])
    return conf


# --------------------------------------------------------------------------- the lab hosts


LAB_EXPECTED = {
    "x86_64": {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "Nehalem", "hw_machine_type": "x86_64=q35", "num_pcie_ports": "16"},
    "aarch64": {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "cortex-a72", "hw_machine_type": "aarch64=virt", "num_pcie_ports": "16"},
    "ppc64le": {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "POWER9", "hw_machine_type": "ppc64le=pseries"},
}


@pytest.mark.parametrize("arch", sorted(LAB_EXPECTED))
def test_lab_host_with_unknown_guests(arch, tmp_path, nova_global_conf):
    plan = PLAN(lab_host(arch), host="lab-" + arch)
    assert plan["errors"] == []
    assert plan["libvirt"] == LAB_EXPECTED[arch]
    assert plan["absent"] == [k for k in NOVA_LIBVIRT_KEYS if k not in LAB_EXPECTED[arch]]
    assert (plan["virt_type"], plan["cpu_mode"]) == ("qemu", "custom")
    assert plan["traits"] == [] and plan["emulated"] == [] and plan["packages"] == []
    assert plan["provider_config"] == {"meta": {"schema_version": "1.0"}, "providers": []}
    conf = load_into_nova(nova_global_conf, tmp_path, plan["libvirt"])
    assert conf.libvirt.virt_type == "qemu"
    assert conf.libvirt.cpu_models == [LAB_EXPECTED[arch]["cpu_models"]]
    # nova picks the table's machine type for the host's own arch from the rendered map
    assert nova_libvirt_utils.get_default_machine_type(arch) == LAB_EXPECTED[arch]["hw_machine_type"].split("=")[1]


def test_unknown_guests_still_accept_a_native_machine_override():
    host = lab_host("x86_64")
    host["kvm"] = {"usable": True}
    plan = PLAN(host, host="c1", overrides={"hw_machine_type": {"x86_64": "pc-q35-8.2", "i686": "pc"}})
    assert plan["errors"] == []
    assert plan["libvirt"]["hw_machine_type"] == "x86_64=pc-q35-8.2,i686=pc"
    refused = PLAN(host, host="c1", overrides={"hw_machine_type": "aarch64=virt"})
    assert len(refused["errors"]) == 1
    assert "host c1" in refused["errors"][0] and "aarch64=virt" in refused["errors"][0]


# --------------------------------------------------------------------------- emulation modes


def test_shared_mode_keeps_kvm_and_advertises_the_custom_trait(tmp_path):
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared", kolla_base_distro="debian")
    assert plan["errors"] == []
    assert plan["virt_type"] == "kvm"
    assert plan["cpu_mode"] == "none"  # nova applies cpu_mode to every guest; libvirt refuses host-model for a foreign TCG guest
    assert plan["emulated"] == ["aarch64"] and plan["missing"] == [] and plan["packages"] == []
    assert plan["traits"] == ["CUSTOM_EMULATES_AARCH64"]
    directory = tmp_path / "pc"
    directory.mkdir()
    (directory / "provider_config.yaml").write_text(plan["provider_config_yaml"])
    assert nova_provider_config.get_provider_configs(str(directory))["$COMPUTE_NODE"]["traits"] == {"additional": ["CUSTOM_EMULATES_AARCH64"]}
    props = plan["image_properties"]["aarch64"]
    meta = objects.ImageMetaProps.from_dict(props)
    assert meta.traits_required == ["CUSTOM_EMULATES_AARCH64"]
    assert meta.hw_emulation_architecture == "aarch64"
    assert "hw_architecture" not in props  # any host arch that emulates aarch64 qualifies
    # The x86_64 Debian image carries OVMF only: the AAVMF the aarch64 guests need is missing from it.
    assert len(plan["warnings"]) == 1 and "qemu-efi-aarch64" in plan["warnings"][0]


def test_dedicated_mode_runs_qemu_so_nova_reports_the_arch_itself():
    host = multiarch_x86()
    plan = PLAN(host, host="c1", emulated_arches="aarch64,ppc64le", mode="dedicated", kolla_base_distro="ubuntu")
    assert plan["errors"] == []
    assert (plan["virt_type"], plan["cpu_mode"]) == ("qemu", "none")
    assert plan["libvirt"]["virt_type"] == "qemu"
    assert "cpu_models" in plan["absent"]
    assert plan["traits"] == ["CUSTOM_EMULATES_AARCH64", "CUSTOM_EMULATES_PPC64LE"]
    # nova's own COMPUTE_ARCH_* for virt_type qemu cover the emulated arches
    assert {"COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE"} <= set(host["nova_traits"]["qemu"])
    assert "pseries" in plan["libvirt"]["hw_machine_type"] and "aarch64=virt" in plan["libvirt"]["hw_machine_type"]


def test_dedicated_mode_refuses_a_kvm_override():
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="dedicated", overrides={"virt_type": "kvm"})
    assert len(plan["errors"]) == 1
    assert "host c1" in plan["errors"][0] and "virt_type=kvm" in plan["errors"][0] and "shared" in plan["errors"][0]


def _prefilter_required(conf, props):
    conf(args=[], project="nova", default_config_files=[], default_config_dirs=[])
    conf.set_override("image_metadata_prefilter", True, group="scheduler")
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": props}))
    assert request_filter.transform_image_metadata(None, spec) is True
    return set(spec.root_required)


def test_shared_mode_is_refused_with_the_prefilter_and_nova_shows_why(nova_global_conf):
    host = multiarch_x86()
    plan = PLAN(host, host="c1", emulated_arches=["aarch64"], mode="shared", image_metadata_prefilter=True)
    assert len(plan["errors"]) == 1
    message = plan["errors"][0]
    for word in ("host c1", "image_metadata_prefilter", "COMPUTE_ARCH_<ARCH>", "dedicated"):
        assert word in message
    # nova's prefilter requires COMPUTE_ARCH_AARCH64 for the emulated image ...
    ok = PLAN(host, host="c1", emulated_arches=["aarch64"], mode="shared")
    required = _prefilter_required(nova_global_conf, ok["image_properties"]["aarch64"])
    assert "COMPUTE_ARCH_AARCH64" in required
    # ... which this host reports with virt_type qemu (dedicated) but not with kvm (shared)
    assert not required <= set(host["nova_traits"]["kvm"]) | set(ok["traits"])
    assert "COMPUTE_ARCH_AARCH64" in host["nova_traits"]["qemu"]
    # dedicated mode is accepted with the prefilter on
    assert PLAN(host, host="c1", emulated_arches=["aarch64"], mode="dedicated", image_metadata_prefilter=True)["errors"] == []


def test_shared_mode_on_a_tcg_only_host_is_not_refused_by_the_prefilter():
    host = multiarch_x86()
    host["kvm"] = {"usable": False, "reason": "no /dev/kvm"}
    plan = PLAN(host, host="c1", emulated_arches=["aarch64"], mode="shared", image_metadata_prefilter=True)
    assert plan["errors"] == []
    assert plan["virt_type"] == "qemu"
    assert plan["traits"] == ["CUSTOM_EMULATES_AARCH64"]


def test_native_arches_are_not_emulated():
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["x86_64", "i686"], mode="shared")
    assert plan["errors"] == [] and plan["emulated"] == [] and plan["traits"] == []
    assert plan["cpu_mode"] == "host-model"


# --------------------------------------------------------------------------- installing emulators


def test_missing_arch_lists_packages_before_install_and_fails_after():
    host = lab_host("x86_64")
    before = PLAN(host, host="c1", emulated_arches=["aarch64", "ppc64le"], os_family="Debian", strict=False)
    assert before["errors"] == []
    assert before["missing"] == ["aarch64", "ppc64le"]
    assert before["packages"] == ["qemu-system-arm", "qemu-efi-aarch64", "qemu-system-ppc"]
    assert (before["virt_type"], before["cpu_mode"]) == ("qemu", "none")  # decided as the second pass will
    after = PLAN(host, host="c1", emulated_arches=["aarch64", "ppc64le"], os_family="Debian", strict=True)
    assert len(after["errors"]) == 2
    assert "host c1" in after["errors"][0] and "aarch64 guests are not runnable: host_arch_info finds no aarch64 emulator" in after["errors"][0]
    assert "qemu-system-arm, qemu-efi-aarch64" in after["errors"][0]
    assert "ppc64le" in after["errors"][1]
    el = PLAN(host, host="c1", emulated_arches=["aarch64"], os_family="RedHat", strict=False)
    assert el["packages"] == ["qemu-system-aarch64", "edk2-aarch64"]


def test_first_pass_predicts_the_emulation_settings():
    """A KVM host going dedicated: before installing, cpu_mode is already none, not a TCG model of the native list."""
    host = multiarch_x86()
    del host["guests"]["s390x"]
    host["guests"]["x86_64"]["cpu_models"] = ["486", "pentium"]  # KVM-usable list without the TCG defaults
    before = PLAN(host, host="c1", emulated_arches=["s390x"], os_family="Debian", strict=False)
    assert before["errors"] == []
    assert before["packages"] == ["qemu-system-misc"]
    assert (before["virt_type"], before["cpu_mode"]) == ("qemu", "none")
    assert "none of the default TCG models" in PLAN(host, host="c1", overrides={"virt_type": "qemu"})["errors"][0]


def test_a_host_with_only_foreign_emulators_keeps_its_native_machine_type(tmp_path, nova_global_conf):
    """The x86_64 lab host after the role installed qemu-system-arm: QEMU for x86_64 lives in the nova_libvirt image."""
    host = lab_host("x86_64")
    host["guest_source"] = "qemu"
    host["guests"] = {
        "aarch64": {"accel": "tcg", "emulator": "/usr/bin/qemu-system-aarch64", "machines": ["virt", "virt-7.2"], "uefi": True, "cpu_models": []},
        "armv7l": {"accel": "tcg", "emulator": "/usr/bin/qemu-system-arm", "machines": ["virt", "virt-7.2"], "uefi": False, "cpu_models": []},
    }
    plan = PLAN(host, host="c1", emulated_arches=["aarch64"], os_family="Debian")
    assert plan["errors"] == []
    assert plan["libvirt"]["hw_machine_type"] == "x86_64=q35,aarch64=virt,armv7l=virt"
    assert (plan["virt_type"], plan["cpu_mode"]) == ("qemu", "none")
    conf = load_into_nova(nova_global_conf, tmp_path, plan["libvirt"])
    assert conf.libvirt.hw_machine_type == ["x86_64=q35", "aarch64=virt", "armv7l=virt"]
    # without it nova would fall back to its own x86_64 default, which is pc, not q35
    assert nova_libvirt_utils.get_default_machine_type("x86_64") == "q35"


def test_nova_default_x86_machine_type_is_pc(tmp_path, nova_global_conf):
    """Oracle for keeping x86_64=q35 in the map: nova's own x86_64 default is pc."""
    load_into_nova(nova_global_conf, tmp_path, {"hw_machine_type": "aarch64=virt"})
    assert nova_libvirt_utils.get_default_machine_type("x86_64") == "pc"
    assert nova_libvirt_utils.get_default_machine_type("aarch64") == "virt"


def test_check_mode_treats_pending_packages_as_installed():
    plan = PLAN(lab_host("x86_64"), host="c1", emulated_arches=["aarch64"], os_family="Debian", strict=True, pending_arches=["aarch64"])
    assert plan["errors"] == []
    assert (plan["virt_type"], plan["cpu_mode"]) == ("qemu", "none")
    assert "aarch64=virt" in plan["libvirt"]["hw_machine_type"]


def test_missing_uefi_firmware_counts_as_not_runnable():
    host = multiarch_x86()
    host["guests"]["aarch64"]["uefi"] = False
    plan = PLAN(host, host="c1", emulated_arches=["aarch64"], os_family="Debian", strict=False)
    assert plan["missing"] == ["aarch64"] and plan["packages"] == ["qemu-system-arm", "qemu-efi-aarch64"]
    after = PLAN(host, host="c1", emulated_arches=["aarch64"], os_family="Debian")
    assert "no UEFI firmware for aarch64" in after["errors"][0]


@pytest.mark.parametrize(
    ("arches", "family", "words"),
    [
        (["aarch64"], "Suse", ["host c1", "aarch64", "OS family Suse", "Debian/Ubuntu and EL"]),
        (["aarch64"], None, ["host c1", "aarch64", "OS family unknown"]),
        (["sparc64"], "Debian", ["host c1", "nova_compute_arch_emulated_arches", "sparc64"]),
        (["riscv64"], "Debian", ["host c1", "riscv64", "nova does not know"]),
    ],
)
def test_uninstallable_or_unknown_arch_fails_naming_host_arch_and_os(arches, family, words):
    plan = PLAN(lab_host("x86_64"), host="c1", emulated_arches=arches, os_family=family, strict=False)
    assert len(plan["errors"]) == 1
    for word in words:
        assert word in plan["errors"][0]


# --------------------------------------------------------------------------- overrides and images


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"cpu_mode": "host-model"}, ["host c1", "cpu_mode=host-model"]),
        ({"virt_type": "kvm"}, ["host c1", "virt_type=kvm", "KVM is not usable"]),
        ({"cpu_modle": "x"}, ["host c1", "cpu_modle"]),
        ({"num_pcie_ports": 40}, ["host c1", "num_pcie_ports=40"]),
        ("virt_type=qemu", ["host c1", "give a dict"]),
    ],
)
def test_bad_overrides_are_returned_not_raised(overrides, words):
    plan = PLAN(lab_host("aarch64"), host="c1", overrides=overrides)
    assert len(plan["errors"]) == 1
    for word in words:
        assert word in plan["errors"][0]
    assert plan["libvirt"] == {}


@pytest.mark.parametrize(
    ("distro", "words"),
    [
        ("rocky", ["kolla_base_distro=rocky", "RPM-based", "native emulator only"]),
        ("centos", ["RPM-based"]),
        ("", ["kolla_base_distro is not known"]),
    ],
)
def test_image_warnings(distro, words):
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], mode="shared", kolla_base_distro=distro)
    assert plan["errors"] == []
    assert len(plan["warnings"]) == 1
    for word in words:
        assert word in plan["warnings"][0]
    assert PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], kolla_base_distro="debian")["warnings"] == []
    assert PLAN(multiarch_x86(), host="c1", kolla_base_distro="rocky")["warnings"] == []


def test_missing_fact_and_bad_mode():
    assert "run multiarch.kolla.host_facts first" in PLAN(None, host="c1")["errors"][0]
    assert "emulation_mode='mixed'" in PLAN(lab_host("x86_64"), host="c1", mode="mixed")["errors"][0]


# --------------------------------------------------------------------------- aggregates


def test_aggregates_per_arch_and_per_emulated_arch():
    plans = [
        PLAN(lab_host("aarch64"), host="arm-1"),
        PLAN(multiarch_x86(), host="x86-2", nova_host="x86-2.example", emulated_arches=["aarch64", "ppc64le"], mode="shared"),
        PLAN(multiarch_x86(), host="x86-1", emulated_arches=["aarch64"]),
        PLAN(lab_host("ppc64le"), host="p-1", overrides={"cpu_mode": "bogus"}),  # refused: left out
    ]
    assert AGGREGATES(plans) == [
        {"name": "arch-aarch64", "hosts": ["arm-1"], "metadata": {"hw_architecture": "aarch64"}},
        {"name": "arch-x86_64", "hosts": ["x86-1", "x86-2.example"], "metadata": {"hw_architecture": "x86_64"}},
        {"name": "emulates-aarch64", "hosts": ["x86-1", "x86-2.example"], "metadata": {"hw_emulation_architecture": "aarch64"}},
        {"name": "emulates-ppc64le", "hosts": ["x86-2.example"], "metadata": {"hw_emulation_architecture": "ppc64le"}},
    ]
    named = AGGREGATES({p["host"]: p for p in plans[:1]}, prefix="ma-")
    assert named == [{"name": "ma-arch-aarch64", "hosts": ["arm-1"], "metadata": {"hw_architecture": "aarch64"}}]
    # every metadata value is an image property nova knows, with a valid value
    for aggregate in AGGREGATES(plans):
        objects.ImageMetaProps.from_dict(aggregate["metadata"])
