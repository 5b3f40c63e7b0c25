"""Tests for plugins/plugin_utils/nova/libvirt.py: one host's nova-compute [libvirt] settings and their INI rendering.

Oracles: nova 34's own option definitions (oslo.config parses every rendered
[libvirt] section), nova's libvirt driver code (CPU model checks, default machine
type, PCIe root ports), libvirt's CPU map (daemon-less test:///default) and, for
tests marked ``libvirt``, the libvirt daemon on this machine starting the guests
and reporting its domain capabilities.
"""

from __future__ import annotations

import types

import pytest
from ansible.errors import AnsibleFilterError
from conftest import fixture_file, fixture_files, require_import
from nova_testlib import (
    CAPS_VARIANTS,
    DOMCAPS_FOR,
    caps_host,
    live_connection,
    load_nova_conf,
    make_host,
)

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_caps
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_models import pick_tcg_cpu_model
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import (
    CPU_MODES,
    NOVA_LIBVIRT_KEYS,
    NOVA_MAX_PCIE_PORTS,
    NovaLibvirtError,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)

# --------------------------------------------------------------------------- renderer


def test_render_writes_set_keys_in_order():
    settings = {
        "virt_type": "qemu",
        "cpu_mode": "custom",
        "cpu_models": ["Nehalem", "Westmere"],
        "cpu_model_extra_flags": ["-hle", "+pcid"],
        "hw_machine_type": "x86_64=q35,aarch64=virt",
        "num_pcie_ports": 0,
    }
    got = render_nova_compute_libvirt(settings)
    assert list(got) == list(NOVA_LIBVIRT_KEYS)
    assert got == {
        "virt_type": "qemu",
        "cpu_mode": "custom",
        "cpu_models": "Nehalem,Westmere",
        "cpu_model_extra_flags": "-hle,+pcid",
        "hw_machine_type": "x86_64=q35,aarch64=virt",
        "num_pcie_ports": "0",
    }


def test_render_leaves_out_unset_keys():
    settings = {"virt_type": "kvm", "cpu_mode": "host-model", "cpu_models": [], "cpu_model_extra_flags": [], "hw_machine_type": None, "num_pcie_ports": None}
    assert render_nova_compute_libvirt(settings) == {"virt_type": "kvm", "cpu_mode": "host-model"}


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"virt_type": "kvm", "cpu_model": "Nehalem"}, ["unknown key(s) cpu_model"]),
        ({"cpu_models": ["a,b"]}, ["cpu_models item 'a,b'"]),
        ({"cpu_models": [" "]}, ["cpu_models item ' '"]),
        ({"num_pcie_ports": True}, ["num_pcie_ports=True"]),
        ({"hw_machine_type": "x86_64=q35\nvirt_type = lxc"}, ["line break"]),
        ("virt_type=kvm", ["settings must be the dict"]),
    ],
)
def test_render_refuses_what_an_ini_line_cannot_hold(settings, words):
    with pytest.raises(NovaLibvirtError) as err:
        render_nova_compute_libvirt(settings)
    for word in words:
        assert word in str(err.value)


def test_errors_are_filter_errors():
    """A refused value fails the task that called the filter, with the message (not a traceback)."""
    assert issubclass(NovaLibvirtError, AnsibleFilterError)


# --------------------------------------------------------------------------- nova's own option definitions


def test_owned_keys_and_cpu_modes_are_nova_options():
    nova_conf = require_import("nova.conf")
    opts = {opt.dest: opt for opt in nova_conf.libvirt.ALL_OPTS}
    assert set(NOVA_LIBVIRT_KEYS) <= set(opts)
    assert {choice for choice, _help in opts["cpu_mode"].type.choices.items()} == set(CPU_MODES)
    assert opts["num_pcie_ports"].type.max == NOVA_MAX_PCIE_PORTS
    assert {"kvm", "qemu"} <= set(opts["virt_type"].type.choices)


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_pcie_fields_match_nova(arch, nova_global_conf):
    """nova adds num_pcie_ports root ports only for x86_64 hosts with q35 and aarch64 hosts with virt."""
    nova_driver = require_import("nova.virt.libvirt.driver")
    info = ARCHES[arch]
    load_nova_conf(nova_global_conf)
    nova_global_conf.set_override("num_pcie_ports", 1, group="libvirt")
    host = types.SimpleNamespace(get_capabilities=lambda: types.SimpleNamespace(host=types.SimpleNamespace(cpu=types.SimpleNamespace(arch=arch))))
    fake = types.SimpleNamespace(_host=host)
    needs = nova_driver.LibvirtDriver._guest_needs_pcie(fake, types.SimpleNamespace(os_mach_type=info["machine_type"]))
    assert needs == info["pcie_root_ports"]
    if info["default_pcie_ports"] is not None:
        assert info["pcie_root_ports"] and 0 <= info["default_pcie_ports"] <= NOVA_MAX_PCIE_PORTS
    assert info["max_pcie_ports"] is None or info["max_pcie_ports"] <= NOVA_MAX_PCIE_PORTS


@pytest.mark.libvirt
@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_tcg_cpu_modes_match_the_daemons_domain_capabilities(arch):
    """tcg_cpu_modes: nova's modes libvirt offers for a qemu (TCG) domain of the arch, plus none."""
    libvirt = require_import("libvirt")
    conn = live_connection()
    try:
        try:
            xml = conn.getDomainCapabilities(None, arch, ARCHES[arch]["machine_type"], "qemu", 0)
        except libvirt.libvirtError as exc:
            pytest.skip("no %s emulator on this machine: %s" % (arch, exc))
    finally:
        conn.close()
    caps = libvirt_caps.parse_domain_capabilities(xml)
    offered = {m for m in caps["cpu_modes"] if m in CPU_MODES} | {"none"}
    assert offered == set(ARCHES[arch]["tcg_cpu_modes"])
    assert pick_tcg_cpu_model(arch, caps["cpu_models"]) == ARCHES[arch]["tcg_cpu_models"][0]


# --------------------------------------------------------------------------- hosts and expectations


def expect(virt_type, cpu_mode, cpu_models, hw_machine_type, num_pcie_ports, flags=()):  # noqa: PLR0917
    return {
        "virt_type": virt_type,
        "cpu_mode": cpu_mode,
        "cpu_models": list(cpu_models),
        "cpu_model_extra_flags": list(flags),
        "hw_machine_type": hw_machine_type,
        "num_pcie_ports": num_pcie_ports,
    }


# --------------------------------------------------------------------------- rule table

HAND_EXPECTED = {
    ("x86_64", True): expect("kvm", "host-model", [], "x86_64=q35", 16),
    ("x86_64", False): expect("qemu", "custom", ["Nehalem"], "x86_64=q35", 16),
    ("aarch64", True): expect("kvm", "host-passthrough", [], "aarch64=virt", 16),
    ("aarch64", False): expect("qemu", "custom", ["cortex-a72"], "aarch64=virt", 16),
    ("ppc64le", True): expect("kvm", "host-model", [], "ppc64le=pseries", None),
    ("ppc64le", False): expect("qemu", "custom", ["POWER9"], "ppc64le=pseries", None),
}


@pytest.mark.parametrize(("arch", "kvm"), sorted(HAND_EXPECTED), ids=str)
def test_rule_table_per_arch_and_accel(arch, kvm):
    assert nova_libvirt_settings(make_host(arch, kvm)) == HAND_EXPECTED[(arch, kvm)]


MULTI = "x86_64=q35,aarch64=virt,ppc64le=pseries,ppc64=pseries,s390x=s390-ccw-virtio,i686=q35,armv7l=virt"
FIXTURE_EXPECTED = {
    ("caps_aarch64_kvm_minimal_qemucaps.xml", "as-found"): expect("kvm", "host-passthrough", [], "aarch64=virt", 16),
    ("caps_aarch64_kvm_minimal_qemucaps.xml", "no-kvm"): expect("qemu", "custom", ["cortex-a72"], "aarch64=virt", 16),
    # libvirt lists armv7l (even as kvm) on this Neoverse-N1 host: nova cannot place armv7l guests, no machine type for it.
    ("caps_aarch64_kvm_neoverse_n1.xml", "as-found"): expect("kvm", "host-passthrough", [], "aarch64=virt", 16),
    ("caps_aarch64_kvm_neoverse_n1.xml", "no-kvm"): expect("qemu", "custom", ["cortex-a72"], "aarch64=virt", 16),
    ("caps_ppc64le_kvm_power8.xml", "as-found"): expect("kvm", "host-model", [], "ppc64le=pseries,ppc64=pseries", None),
    ("caps_ppc64le_kvm_power8.xml", "no-kvm"): expect("qemu", "custom", ["POWER9"], "ppc64le=pseries,ppc64=pseries", None),
    # libvirt offers only an emulated riscv64 guest here: every guest is foreign, so cpu_mode none.
    ("caps_x86_64_host_riscv64_tcg_guest.xml", "as-found"): expect("qemu", "none", [], "riscv64=virt", 16),
    ("caps_x86_64_host_riscv64_tcg_guest.xml", "no-kvm"): expect("qemu", "none", [], "riscv64=virt", 16),
    ("caps_x86_64_kvm_intel_multiarch_tcg.xml", "as-found"): expect("kvm", "host-model", [], MULTI, 16),
    ("caps_x86_64_kvm_intel_multiarch_tcg.xml", "no-kvm"): expect("qemu", "custom", ["Nehalem"], MULTI, 16),
    # QEMU 0.x era: no q35 for x86_64, aarch64 only 'machvirt'; riscv64 offers virt.
    ("caps_x86_64_kvm_many_tcg_guests.xml", "as-found"): expect("kvm", "host-model", [], "riscv64=virt", 16),
    ("caps_x86_64_kvm_many_tcg_guests.xml", "no-kvm"): expect("qemu", "custom", ["Nehalem"], "riscv64=virt", 16),
    # No domain capabilities: model list unknown, the table's first TCG model; no guest offers q35.
    ("caps_x86_64_tcg_only_nokvm.xml", "as-found"): expect("qemu", "custom", ["Nehalem"], None, 16),
    ("caps_x86_64_tcg_only_nokvm.xml", "no-kvm"): expect("qemu", "custom", ["Nehalem"], None, 16),
}


@pytest.mark.parametrize("variant", sorted(CAPS_VARIANTS))
@pytest.mark.parametrize("path", fixture_files("libvirt_caps", "*.xml"), ids=lambda p: p.name)
def test_every_capabilities_fixture_has_its_expected_settings(path, variant):
    fixture_file("libvirt_caps", path.name)
    key = (path.name, variant)
    if key not in FIXTURE_EXPECTED:
        pytest.fail("no expected settings for libvirt_caps/%s (%s) in FIXTURE_EXPECTED" % key)
    assert nova_libvirt_settings(caps_host(path.name, kvm=CAPS_VARIANTS[variant])) == FIXTURE_EXPECTED[key]


@pytest.mark.parametrize("path", fixture_files("domain_caps", "*.xml"), ids=lambda p: p.name)
def test_every_domain_capabilities_fixture_is_used(path):
    fixture_file("domain_caps", path.name)
    assert any(path.name in names for names in DOMCAPS_FOR.values()), "domain_caps/%s is paired with no capabilities fixture" % path.name


def test_tcg_model_falls_back_along_the_table_preference():
    host = make_host("aarch64", kvm=False)
    host["guests"]["aarch64"]["cpu_models"] = ["cortex-a15", "cortex-a57", "max"]  # an emulator without cortex-a72
    assert nova_libvirt_settings(host)["cpu_models"] == ["cortex-a57"]
    host["guests"]["aarch64"]["cpu_models"] = []  # unknown list: the first preference
    assert nova_libvirt_settings(host)["cpu_models"] == [ARCHES["aarch64"]["tcg_cpu_models"][0]]
    host["guests"]["aarch64"]["cpu_models"] = ["cortex-a15", "pxa270"]
    with pytest.raises(AnsibleFilterError, match=r"web-1.*cortex-a72, cortex-a57, max.*cortex-a15, pxa270"):
        nova_libvirt_settings(host)


def test_emulated_arches_force_cpu_mode_none():
    host = make_host("x86_64", kvm=True, guests=["x86_64", "aarch64", "ppc64le"])
    got = nova_libvirt_settings(host, emulated_arches=["arm64", "ppc64el"])
    assert got == expect("kvm", "none", [], "x86_64=q35,aarch64=virt,ppc64le=pseries", 16)
    # i686 runs natively under KVM on x86_64: not emulated, no change.
    assert nova_libvirt_settings(host, emulated_arches=["i686"])["cpu_mode"] == "host-model"
    tcg = nova_libvirt_settings(make_host("aarch64", kvm=False, guests=["aarch64", "x86_64"]), emulated_arches="x86_64")
    assert tcg == expect("qemu", "none", [], "x86_64=q35,aarch64=virt", 16)


def test_overrides_win_per_key():
    host = make_host("x86_64", kvm=True, guests=["x86_64", "aarch64"])
    got = nova_libvirt_settings(
        host,
        {
            "cpu_mode": "custom",
            "cpu_models": "nehalem, Westmere",  # nova maps names case-insensitively; the emulator's spelling is written
            "cpu_model_extra_flags": ["+pcid", "-hle"],
            "hw_machine_type": {"x86_64": "pc-q35-7.2"},
            "num_pcie_ports": "8",
            "virt_type": None,  # null: not overridden
        },
    )
    assert got == expect("kvm", "custom", ["Nehalem", "Westmere"], "x86_64=pc-q35-7.2", 8, flags=["+pcid", "-hle"])
    got = nova_libvirt_settings(host, {"virt_type": "qemu", "hw_machine_type": "aarch64=virt-7.2,x86_64=q35", "num_pcie_ports": 0})
    assert got == expect("qemu", "custom", ["Nehalem"], "aarch64=virt-7.2,x86_64=q35", 0)
    assert nova_libvirt_settings(host, {"cpu_mode": "none"})["cpu_mode"] == "none"
    assert nova_libvirt_settings(make_host("x86_64", kvm=False), {"cpu_mode": "host-model"})["cpu_mode"] == "host-model"


def test_power_compat_models_with_custom_under_kvm():
    host = make_host("ppc64le", kvm=True)
    assert nova_libvirt_settings(host, {"cpu_mode": "custom", "cpu_models": ["power8"]})["cpu_models"] == ["POWER8"]
    host["guests"]["ppc64le"]["cpu_models"] = []  # unknown list: the table's compat models are checked
    assert nova_libvirt_settings(host, {"cpu_mode": "custom", "cpu_models": ["POWER9"]})["cpu_models"] == ["POWER9"]
    with pytest.raises(AnsibleFilterError, match=r"web-1.*cpu_models.*POWER5"):
        nova_libvirt_settings(host, {"cpu_mode": "custom", "cpu_models": ["POWER5"]})


def test_baseline_shaped_override_passes_on_a_tsx_less_host():
    """libvirt's baseline for the noTSX host is Skylake-Client-IBRS minus hle/rtm; its usable list lacks the plain model."""
    host = caps_host("caps_x86_64_kvm_intel_multiarch_tcg.xml")
    assert "Skylake-Client-IBRS" not in host["guests"]["x86_64"]["cpu_models"]
    over = {"cpu_mode": "custom", "cpu_models": ["Skylake-Client-IBRS"], "cpu_model_extra_flags": ["-hle", "-rtm"]}
    assert nova_libvirt_settings(host, over) == expect("kvm", "custom", ["Skylake-Client-IBRS"], MULTI, 16, flags=["-hle", "-rtm"])
    with pytest.raises(AnsibleFilterError, match=r"cpu_models: Skylake-Client-IBRS is not a model"):
        nova_libvirt_settings(host, {"cpu_mode": "custom", "cpu_models": ["Skylake-Client-IBRS"]})


ERRORS = [
    ("unknown-key", "x86_64", True, {"cpu_model": "Nehalem"}, {}, ["web-1", "cpu_model", "'Nehalem'", "valid keys"]),
    ("bad-cpu-mode", "x86_64", True, {"cpu_mode": "host"}, {}, ["web-1", "cpu_mode='host'", "host-model, host-passthrough, custom, none"]),
    ("host-model-aarch64", "aarch64", True, {"cpu_mode": "host-model"}, {}, ["web-1", "cpu_mode=host-model", "aarch64"]),
    ("passthrough-tcg", "x86_64", False, {"cpu_mode": "host-passthrough"}, {}, ["web-1", "cpu_mode=host-passthrough", "qemu"]),
    ("host-model-ppc-tcg", "ppc64le", False, {"cpu_mode": "host-model"}, {}, ["web-1", "cpu_mode=host-model", "custom, none"]),
    ("model-not-in-list", "x86_64", False, {"cpu_models": ["Skylake-Server"]}, {}, ["web-1", "cpu_models", "Skylake-Server", "qemu-system-x86_64"]),
    ("models-without-custom", "x86_64", True, {"cpu_models": ["Nehalem"]}, {}, ["web-1", "cpu_models=['Nehalem']", "cpu_mode host-model"]),
    ("kvm-without-kvm", "x86_64", False, {"virt_type": "kvm"}, {}, ["web-1", "virt_type=kvm", "/dev/kvm is missing"]),
    ("virt-type-lxc", "x86_64", True, {"virt_type": "lxc"}, {}, ["web-1", "virt_type='lxc'"]),
    ("custom-kvm-no-models", "x86_64", True, {"cpu_mode": "custom"}, {}, ["web-1", "cpu_mode=custom", "cpu_models"]),
    ("pcie-too-many", "aarch64", True, {"num_pcie_ports": 29}, {}, ["web-1", "num_pcie_ports=29", "0..28"]),
    ("pcie-negative", "x86_64", True, {"num_pcie_ports": -1}, {}, ["web-1", "num_pcie_ports=-1"]),
    ("pcie-bool", "x86_64", True, {"num_pcie_ports": True}, {}, ["web-1", "num_pcie_ports=True"]),
    ("pcie-text", "x86_64", True, {"num_pcie_ports": "many"}, {}, ["web-1", "num_pcie_ports='many'"]),
    ("pcie-on-ppc", "ppc64le", True, {"num_pcie_ports": 4}, {}, ["web-1", "num_pcie_ports=4", "ppc64le"]),
    ("machine-not-offered", "x86_64", True, {"hw_machine_type": "x86_64=pc-q35-99.0"}, {}, ["web-1", "x86_64=pc-q35-99.0", "pc-q35-7.2"]),
    ("machine-arch-not-run", "x86_64", True, {"hw_machine_type": "aarch64=virt"}, {}, ["web-1", "aarch64=virt", "qemu-system-aarch64"]),
    ("machine-no-equals", "x86_64", True, {"hw_machine_type": "q35"}, {}, ["web-1", "'q35'", "arch=machine"]),
    ("machine-unknown-arch", "x86_64", True, {"hw_machine_type": {"sparc": "SS-5"}}, {}, ["web-1", "'sparc'"]),
    ("machine-wrong-type", "x86_64", True, {"hw_machine_type": ["q35"]}, {}, ["web-1", "hw_machine_type=['q35']"]),
    ("bad-flag", "x86_64", True, {"cpu_model_extra_flags": ["no such"]}, {}, ["web-1", "'no such'"]),
    ("flags-with-none", "x86_64", True, {"cpu_mode": "none", "cpu_model_extra_flags": ["pcid"]}, {}, ["web-1", "cpu_model_extra_flags=['pcid']", "none"]),
    ("emulated-no-emulator", "x86_64", True, {}, {"emulated_arches": ["riscv64"]}, ["web-1", "riscv64", "qemu-system-misc"]),
    ("emulated-unknown-arch", "x86_64", True, {}, {"emulated_arches": ["vax"]}, ["web-1", "'vax'"]),
    ("overrides-not-dict", "x86_64", True, ["cpu_mode=custom"], {}, ["web-1", "overrides must be a dict"]),
    ("named-host", "x86_64", True, {"cpu_mode": "bogus"}, {"host": "compute-7"}, ["compute-7", "cpu_mode='bogus'"]),
]


@pytest.mark.parametrize(("arch", "kvm", "overrides", "kwargs", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_invalid_overrides_fail_naming_host_key_and_value(arch, kvm, overrides, kwargs, words):
    with pytest.raises(AnsibleFilterError) as err:
        nova_libvirt_settings(make_host(arch, kvm), overrides, **kwargs)
    for word in words:
        assert word in str(err.value)


def test_emulated_host_refuses_other_cpu_modes():
    host = make_host("x86_64", kvm=True, guests=["x86_64", "aarch64"])
    with pytest.raises(AnsibleFilterError, match=r"web-1: override cpu_mode=host-model while the host runs emulated aarch64"):
        nova_libvirt_settings(host, {"cpu_mode": "host-model"}, emulated_arches=["aarch64"])
    riscv = caps_host("caps_x86_64_host_riscv64_tcg_guest.xml")
    with pytest.raises(AnsibleFilterError, match=r"cpu_mode=custom while the host runs emulated riscv64"):
        nova_libvirt_settings(riscv, {"cpu_mode": "custom", "cpu_models": ["Nehalem"]})


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        ("not a dict", ["multiarch_host must be a dict"]),
        ({"hostname": "h9", "arch": "sparc64", "guests": {}}, ["h9", "sparc64"]),
        ({"hostname": "z1", "arch": "s390x", "guests": {}}, ["z1", "s390x", "x86_64, aarch64, ppc64le"]),
    ],
)
def test_bad_facts_fail_naming_the_host(fact, words):
    with pytest.raises(AnsibleFilterError) as err:
        nova_libvirt_settings(fact)
    for word in words:
        assert word in str(err.value)


# --------------------------------------------------------------------------- issue 12: KVM true, false or unknown

DENIED = {"usable": None, "device": True, "rw": None, "module": "kvm_intel", "reason": "/dev/kvm exists but this user may not open it (Permission denied)"}
PR_KVM = {
    "usable": False, "device": True, "rw": True, "module": "kvm_pr",
    "reason": "only kvm_pr is loaded: PR-KVM runs guests in problem state inside this LPAR; nova's KVM support assumes kvm_hv",
}  # fmt: skip


def with_kvm(host, kvm):
    host = dict(host)
    host["kvm"] = dict(kvm)
    return host


def test_unknown_kvm_is_refused_without_an_explicit_virt_type():
    host = with_kvm(make_host("x86_64", True), DENIED)
    with pytest.raises(NovaLibvirtError) as err:
        nova_libvirt_settings(host)
    message = str(err.value)
    for words in ("web-1", "unknown", "Permission denied", "become", "kvm group", "nova_compute_arch_overrides", "virt_type"):
        assert words in message


@pytest.mark.parametrize(("asked", "expected"), [("kvm", HAND_EXPECTED[("x86_64", True)]), ("qemu", expect("qemu", "custom", ["Nehalem"], "x86_64=q35", 16))])
def test_unknown_kvm_follows_the_operators_virt_type(asked, expected):
    assert nova_libvirt_settings(with_kvm(make_host("x86_64", True), DENIED), {"virt_type": asked}) == expected


def test_power_pr_kvm_is_qemu_by_default_and_kvm_only_when_asked():
    host = with_kvm(make_host("ppc64le", True), PR_KVM)
    assert nova_libvirt_settings(host) == HAND_EXPECTED[("ppc64le", False)]
    assert nova_libvirt_settings(host, {"virt_type": "kvm"}) == HAND_EXPECTED[("ppc64le", True)]


def test_pr_kvm_that_cannot_be_opened_is_refused_even_when_asked():
    host = with_kvm(make_host("ppc64le", True), {**PR_KVM, "rw": None})
    with pytest.raises(NovaLibvirtError, match=r"web-1: override virt_type=kvm but KVM is not usable on this host \(only kvm_pr is loaded"):
        nova_libvirt_settings(host, {"virt_type": "kvm"})


# --------------------------------------------------------------------------- issue 12: armv7l guests on aarch64 hosts


def test_armv7l_gets_no_machine_type_and_cannot_be_emulated_on_aarch64():
    host = caps_host("caps_aarch64_kvm_neoverse_n1.xml")
    assert "armv7l" in host["guests"]
    assert "armv7l" not in nova_libvirt_settings(host)["hw_machine_type"]
    with pytest.raises(NovaLibvirtError) as err:
        nova_libvirt_settings(host, emulated_arches=["armv7l"])
    for words in ("host caps_aarch64_kvm_neoverse_n1.xml", "armv7l", "nova cannot place"):
        assert words in str(err.value)
