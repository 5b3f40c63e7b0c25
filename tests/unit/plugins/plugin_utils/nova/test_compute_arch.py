"""Tests for plugins/plugin_utils/nova/compute_arch.py: everything role nova_compute_arch decides for one host.

Oracles: nova 34 (oslo.config reads every rendered [libvirt] section, nova's
default machine type lookup, the image metadata prefilter and image metadata
objects, the provider config loader), the traits nova reports per virt_type
(module_utils/arch_traits.py, itself checked against nova), and real libvirt
capabilities fixtures for the hosts. The plan's ``decision`` is checked against
docs/decisions.md (multiarch_nova_compute).
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO, require_import
from nova_testlib import lab_host, load_default_section, load_nova_conf, multiarch_x86, power_off_timeout, write_libvirt_ini
from tcg_testlib import expected_defaults, expected_seconds

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import DECISION_KEYS, OPTIONAL_DECISION_KEYS, compute_arch_plan, decision
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NOVA_LIBVIRT_KEYS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.provider_config import render_provider_config_yaml
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.timeouts import TIMEOUT_KEYS

PLAN = compute_arch_plan


@pytest.fixture
def objects():
    """nova's versioned objects, registered."""
    module = require_import("nova.objects")
    module.register_all()
    return module


def load_into_nova(conf, tmp_path, libvirt_values):
    """nova's configuration with ``libvirt_values`` as the [libvirt] section of its only file."""
    return load_nova_conf(conf, write_libvirt_ini(tmp_path / "nova.conf", libvirt_values))


def default_machine_type(arch):
    """nova's own machine type for guests of ``arch`` under the loaded configuration."""
    return require_import("nova.virt.libvirt.utils").get_default_machine_type(arch)


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
    assert default_machine_type(arch) == LAB_EXPECTED[arch]["hw_machine_type"].split("=")[1]


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


def test_shared_mode_keeps_kvm_and_advertises_the_custom_trait(tmp_path, objects):
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared", kolla_base_distro="debian")
    assert plan["errors"] == []
    assert plan["virt_type"] == "kvm"
    assert plan["cpu_mode"] == "none"  # nova applies cpu_mode to every guest; libvirt refuses host-model for a foreign TCG guest
    assert plan["emulated"] == ["aarch64"] and plan["missing"] == [] and plan["packages"] == []
    assert plan["traits"] == ["CUSTOM_EMULATES_AARCH64"]
    directory = tmp_path / "pc"
    directory.mkdir()
    (directory / "provider_config.yaml").write_text(render_provider_config_yaml(plan["provider_config"]))
    nova_provider_config = require_import("nova.compute.provider_config")
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
    objects = require_import("nova.objects")
    request_filter = require_import("nova.scheduler.request_filter")
    conf(args=[], project="nova", default_config_files=[], default_config_dirs=[])
    conf.set_override("image_metadata_prefilter", True, group="scheduler")
    spec = objects.RequestSpec(image=objects.ImageMeta.from_dict({"properties": props}))
    assert request_filter.transform_image_metadata(None, spec) is True
    return set(spec.root_required)


def test_shared_mode_is_refused_with_the_prefilter_and_nova_shows_why(nova_global_conf, objects):
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
    assert el["packages"] == [] and el["decision"] is None and len(el["errors"]) == 1
    assert el["errors"][0].startswith("host c1: cannot install aarch64 guests on OS family RedHat: EL (RHEL, Rocky, AlmaLinux) ships qemu-kvm")


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
    assert default_machine_type("x86_64") == "q35"


def test_nova_default_x86_machine_type_is_pc(tmp_path, nova_global_conf):
    """Oracle for keeping x86_64=q35 in the map: nova's own x86_64 default is pc."""
    load_into_nova(nova_global_conf, tmp_path, {"hw_machine_type": "aarch64=virt"})
    assert default_machine_type("x86_64") == "pc"
    assert default_machine_type("aarch64") == "virt"


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


def test_image_warnings():
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], mode="shared", kolla_base_distro="")
    assert plan["errors"] == []
    assert len(plan["warnings"]) == 1
    assert "kolla_base_distro is not known" in plan["warnings"][0]
    assert PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], kolla_base_distro="debian")["warnings"] == []
    assert PLAN(multiarch_x86(), host="c1", kolla_base_distro="rocky")["warnings"] == []


@pytest.mark.parametrize("distro", ["rocky", "centos"])
def test_rpm_nova_libvirt_container_is_refused(distro):
    """An RPM-based nova_libvirt image cannot get foreign emulators: refused, naming both ways out."""
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], mode="shared", kolla_base_distro=distro)
    assert plan["decision"] is None
    assert len(plan["errors"]) == 1
    for words in ("host c1", "kolla_base_distro=%s" % distro, "qemu-kvm", "ppc64le", "nova_compute_arch_libvirt_image",
                  "enable_nova_libvirt_container: false"):
        assert words in plan["errors"][0]
    # The host's own libvirt (no container): the role installs the emulators on the host; nothing to say about an image.
    host_libvirt = PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le"], mode="shared", kolla_base_distro=distro, libvirt_container=False)
    assert host_libvirt["errors"] == [] and host_libvirt["warnings"] == []
    assert host_libvirt["decision"]["libvirt_image"] is None


def test_decision_names_the_derived_image():
    base = "registry.example:4000/openstack.kolla/nova-libvirt:2026.2-debian-trixie"
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["ppc64le", "aarch64"], kolla_base_distro="debian", libvirt_image=base)
    assert plan["errors"] == [] and plan["warnings"] == []
    assert plan["decision"]["libvirt_image"] == {
        "base": base, "image": base + "-emu-aarch64-ppc64le", "packages": ["qemu-system-arm", "qemu-efi-aarch64", "qemu-system-ppc"],
        "arches": ["aarch64", "ppc64le"]}
    # Without emulated arches there is no derived image, whatever the base.
    assert PLAN(multiarch_x86(), host="c1", kolla_base_distro="debian", libvirt_image=base)["decision"]["libvirt_image"] is None


def test_missing_fact_and_bad_mode():
    assert "run multiarch.kolla.host_facts first" in PLAN(None, host="c1")["errors"][0]
    assert "emulation_mode='mixed'" in PLAN(lab_host("x86_64"), host="c1", mode="mixed")["errors"][0]


# --------------------------------------------------------------------------- the published decision

DECIDED = [
    pytest.param(lambda: PLAN(lab_host("x86_64"), host="lab-x86_64"), id="lab-x86_64"),
    pytest.param(lambda: PLAN(lab_host("aarch64"), host="lab-aarch64", nova_host="lab-aarch64.example"), id="lab-aarch64"),
    pytest.param(lambda: PLAN(lab_host("ppc64le"), host="lab-ppc64le"), id="lab-ppc64le"),
    pytest.param(lambda: PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared"), id="shared"),
    pytest.param(lambda: PLAN(multiarch_x86(), host="c1", emulated_arches="aarch64,ppc64le", mode="dedicated"), id="dedicated"),
    pytest.param(
        lambda: PLAN(multiarch_x86(), host="c1", overrides={"cpu_mode": "custom", "cpu_models": ["Nehalem"], "cpu_model_extra_flags": ["-hle"]}),
        id="custom-flags",
    ),
]


def documented_decision_keys():
    """The top-level keys of multiarch_nova_compute in docs/decisions.md."""
    text = (REPO / "docs" / "decisions.md").read_text()
    section = text.split("## `multiarch_nova_compute`", 1)[1].split("\n## ", 1)[0]
    block = section.split("```yaml", 1)[1].split("```", 1)[0]
    return re.findall(r"^  ([a-z_]+):", block, re.MULTILINE)


def test_decision_keys_are_the_documented_ones():
    assert list(DECISION_KEYS) == documented_decision_keys()


@pytest.mark.parametrize("make_plan", DECIDED)
def test_decision_has_exactly_the_documented_keys_and_every_owned_key(make_plan):
    plan = make_plan()
    assert plan["errors"] == []
    fact = plan["decision"]
    assert set(fact) == set(DECISION_KEYS) and set(OPTIONAL_DECISION_KEYS) <= set(DECISION_KEYS)
    # Every owned [libvirt] key is written or removed, never both, never forgotten.
    assert set(fact["libvirt"]).isdisjoint(fact["libvirt_absent"])
    assert set(fact["libvirt"]) | set(fact["libvirt_absent"]) == set(NOVA_LIBVIRT_KEYS)
    assert list(fact["libvirt"]) == [k for k in NOVA_LIBVIRT_KEYS if k in fact["libvirt"]]  # the order written
    assert all(isinstance(v, str) for v in fact["libvirt"].values())
    assert (fact["virt_type"], fact["cpu_mode"]) == (fact["libvirt"]["virt_type"], fact["libvirt"]["cpu_mode"])
    # Every owned [DEFAULT] key likewise.
    assert set(fact["defaults"]).isdisjoint(fact["defaults_absent"])
    assert set(fact["defaults"]) | set(fact["defaults_absent"]) == set(TIMEOUT_KEYS)
    assert all(isinstance(v, str) for v in fact["defaults"].values())
    assert (fact["defaults"], fact["defaults_absent"]) == (plan["defaults"], plan["defaults_absent"])
    assert (fact["arch"], fact["emulation_mode"], fact["emulated"], fact["traits"]) == (plan["arch"], plan["mode"], plan["emulated"], plan["traits"])
    assert fact["nova_host"] == plan["nova_host"]
    assert fact["provider_config"] == plan["provider_config"] and fact["image_properties"] == plan["image_properties"]
    assert json.loads(json.dumps(fact)) == fact  # plain data: a fact Ansible can cache


def test_decision_reads_back_in_nova(tmp_path, nova_global_conf):
    """What kolla_multiarch writes from the fact is what nova-compute reads; removed keys fall back to nova's defaults."""
    fact = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared")["decision"]
    conf = load_into_nova(nova_global_conf, tmp_path, fact["libvirt"])
    assert conf.libvirt.virt_type == "kvm" and conf.libvirt.cpu_mode == "none"
    assert conf.libvirt.hw_machine_type == fact["libvirt"]["hw_machine_type"].split(",")
    for key in fact["libvirt_absent"]:
        default = next(o for o in require_import("nova.conf").libvirt.ALL_OPTS if o.dest == key).default
        assert getattr(conf.libvirt, key) == default, key


def test_decision_is_a_copy_of_the_plan():
    plan = PLAN(lab_host("x86_64"), host="c1")
    fact = decision(plan)
    assert fact == plan["decision"]
    fact["libvirt"]["virt_type"] = "kvm"
    fact["libvirt_absent"].append("x")
    fact["emulated"].append("aarch64")
    assert plan["libvirt"]["virt_type"] == "qemu" and "x" not in plan["absent"] and plan["emulated"] == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"multiarch_host": None},
        {"multiarch_host": {"arch": "sparc64"}},
        {"overrides": {"cpu_mode": "host-model"}},
        {"emulated_arches": ["x86_64"], "strict": True},
        {"mode": "mixed"},
    ],
    ids=["no-fact", "unknown-arch", "refused-override", "not-runnable", "bad-mode"],
)
def test_no_decision_while_the_host_has_errors(kwargs):
    args = {"host": "c1", "os_family": "Debian", **kwargs}
    fact = args.pop("multiarch_host", lab_host("aarch64"))
    plan = PLAN(fact, **args)
    assert plan["errors"] and all("c1" in e for e in plan["errors"])
    assert plan["decision"] is None


@pytest.mark.parametrize("guests", [["aarch64"], "aarch64", None])
def test_malformed_guests_count_as_unknown(guests):
    """A fact whose guests is not the contract's dict decides as a host whose guests are unknown, not a traceback."""
    host = dict(lab_host("x86_64"), guests=guests)
    assert PLAN(host, host="c1")["decision"] == PLAN(lab_host("x86_64"), host="c1")["decision"]


# --------------------------------------------------------------------------- [DEFAULT] timeouts (nova/timeouts.py)


def test_kvm_host_that_emulates_nothing_keeps_nova_defaults():
    plan = PLAN(multiarch_x86(), host="c1", mode="shared", instance_build_timeout=300)
    assert plan["errors"] == [] and plan["virt_type"] == "kvm"
    assert plan["decision"]["defaults"] == {} and plan["decision"]["defaults_absent"] == list(TIMEOUT_KEYS)


def test_tcg_only_host_scales_its_timeouts(tmp_path):
    """A lab host (no KVM: virt_type qemu) runs its own guests under TCG: the arch table's measured factor applies."""
    plan = PLAN(lab_host("aarch64"), host="lab-aarch64")
    assert plan["errors"] == [] and plan["virt_type"] == "qemu"
    assert plan["decision"]["defaults"] == expected_defaults("aarch64")
    assert plan["decision"]["defaults_absent"] == ["instance_build_timeout"]
    ini = tmp_path / "nova-compute.conf"
    ini.write_text("[DEFAULT]\n" + "".join("%s = %s\n" % item for item in plan["decision"]["defaults"].items()))
    conf = load_default_section(ini)
    shutdown, rpc = expected_seconds("shutdown_timeout", "aarch64"), expected_seconds("rpc_response_timeout", "aarch64")
    assert (conf.shutdown_timeout, conf.rpc_response_timeout, conf.instance_build_timeout) == (shutdown, rpc, 0)
    assert power_off_timeout(conf) == shutdown


def test_measured_slowdown_reaches_host_and_images():
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64", "ppc64le"], mode="shared",
                tcg_slowdown={"arm64": 4, "ppc64le": 2}, instance_build_timeout=300)
    assert plan["errors"] == []
    assert plan["decision"]["defaults"] == {"shutdown_timeout": "240", "instance_build_timeout": "1200", "rpc_response_timeout": "240"}
    assert plan["image_properties"]["aarch64"]["os_shutdown_timeout"] == "240"
    assert plan["image_properties"]["ppc64le"]["os_shutdown_timeout"] == "120"
    assert power_off_timeout(load_default_section(), plan["image_properties"]["ppc64le"]) == 120


def test_overrides_replace_each_timeout_on_any_host():
    over = {"shutdown_timeout": 900, "rpc_response_timeout": "120", "instance_build_timeout": None, "num_pcie_ports": 8}
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared", overrides=over)
    assert plan["errors"] == []
    assert plan["decision"]["defaults"] == {"shutdown_timeout": "900", "rpc_response_timeout": "120"}
    assert plan["libvirt"]["num_pcie_ports"] == "8"  # the [libvirt] part of the same dict still applies
    native = PLAN(multiarch_x86(), host="c1", overrides={"instance_build_timeout": 0})
    assert native["decision"]["defaults"] == {"instance_build_timeout": "0"}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"overrides": {"shutdown_timeout": -5}}, ["host c1", "shutdown_timeout=-5", ">= 0"]),
        ({"overrides": {"rpc_response_timeout": True}}, ["host c1", "rpc_response_timeout=True", "integer of seconds"]),
        ({"overrides": {"shutdown_timeout": "soon"}}, ["host c1", "shutdown_timeout='soon'"]),
        ({"tcg_slowdown": {"aarch64": 0.5}}, ["host c1", "nova_compute_arch_tcg_slowdown aarch64=0.5"]),
        ({"tcg_slowdown": {"vax": 2}}, ["host c1", "unknown architecture 'vax'"]),
        ({"instance_build_timeout": -1}, ["host c1", "nova_compute_arch_instance_build_timeout=-1"]),
    ],
)
def test_bad_timeout_inputs_are_returned_not_raised(kwargs, words):
    plan = PLAN(multiarch_x86(), host="c1", emulated_arches=["aarch64"], mode="shared", **kwargs)
    assert len(plan["errors"]) == 1 and plan["decision"] is None
    for word in words:
        assert word in plan["errors"][0]
