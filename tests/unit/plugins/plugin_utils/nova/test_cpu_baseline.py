"""Tests for plugins/plugin_utils/nova/cpu_baseline.py: the newest CPU model a live-migration group runs.

Oracles: libvirt's own baselineCPU (daemon-less test:///default) for the
libvirt-baseline method, libvirt's CPU map (the names nova accepts for x86 and
POWER cpu_models) and the nova_libvirt_settings validation the result feeds.
"""

from __future__ import annotations

import pytest
from conftest import require_import
from nova_testlib import caps_host

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import cpu_baseline
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_baseline import nova_cpu_baseline
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError, nova_libvirt_settings


def fixture_host(caps_name, domcaps_names=(), kvm=True, name=None):
    """A host of a migration group: usable KVM unless told, only the domain capabilities named."""
    return caps_host(caps_name, list(domcaps_names), kvm=kvm, name=name)


@pytest.fixture
def libvirt():
    """libvirt-python, for the tests whose answer comes from libvirt's own baselineCPU."""
    module = require_import("libvirt")
    assert cpu_baseline.HAS_LIBVIRT
    return module


def hand_host(name, arch, models, kvm=True, cpu_model=None, cpu_xml=None, vendor=None):  # noqa: PLR0917
    return {
        "hostname": name,
        "arch": arch,
        "cpu": {"vendor": vendor, "model": cpu_model, "ids": {}, "cores": []},
        "kvm": {"usable": kvm},
        "guests": {arch: {"accel": "kvm" if kvm else "tcg", "cpu_models": list(models), "machines": []}},
        "host_cpu_xml": cpu_xml,
    }


def result(model, method, hosts, flags=(), mode="custom", libvirt_error=None):  # noqa: PLR0917
    return {"model": model, "method": method, "hosts": hosts, "cpu_mode": mode, "extra_flags": list(flags), "libvirt_error": libvirt_error}


INTEL = "caps_x86_64_kvm_intel_multiarch_tcg.xml"  # Skylake-Client-noTSX-IBRS host
INTEL_TSX = "caps_x86_64_host_riscv64_tcg_guest.xml"  # Skylake-Client-IBRS host
X86_NOMODEL = "caps_x86_64_kvm_many_tcg_guests.xml"  # host <cpu> without a model
POWER8 = "caps_ppc64le_kvm_power8.xml"
NEOVERSE = "caps_aarch64_kvm_neoverse_n1.xml"
POWER9_XML = "<cpu><arch>ppc64le</arch><model>POWER9</model><vendor>IBM</vendor></cpu>"


def test_libvirt_baseline_of_two_intel_hosts_disables_tsx(libvirt):
    hosts = [fixture_host(INTEL, ["domcaps_x86_64_kvm_q35_efi_secboot.xml"]), fixture_host(INTEL_TSX)]
    assert nova_cpu_baseline(hosts) == result("Skylake-Client-IBRS", "libvirt-baseline", 2, ["-hle", "-rtm"])


def test_libvirt_baseline_matches_libvirt_itself(libvirt):
    hosts = [fixture_host(INTEL), fixture_host(INTEL_TSX)]
    conn = libvirt.open("test:///default")
    try:
        expected = conn.baselineCPU([h["host_cpu_xml"] for h in hosts], 0)
        names = conn.getCPUModelNames("x86_64")
    finally:
        conn.close()
    got = nova_cpu_baseline(hosts)
    assert "<model fallback='allow'>%s</model>" % got["model"] in expected
    assert sorted("-" + f for f in ("hle", "rtm")) == sorted(got["extra_flags"])
    assert all("policy='disable' name='%s'" % f[1:] in expected for f in got["extra_flags"])
    assert got["model"] in names  # nova checks x86 cpu_models against this list


def test_baseline_result_feeds_nova_libvirt_settings_for_every_host(libvirt):
    # The TSX host of the fixture offers only an emulated riscv64 guest: give it the x86_64 guests of the other.
    tsx = fixture_host(INTEL, ["domcaps_x86_64_kvm_q35_efi_secboot.xml"], name="tsx")
    tsx["host_cpu_xml"] = fixture_host(INTEL_TSX)["host_cpu_xml"]
    hosts = [fixture_host(INTEL, ["domcaps_x86_64_kvm_q35_efi_secboot.xml"]), tsx]
    base = nova_cpu_baseline(hosts)
    over = {"cpu_mode": base["cpu_mode"], "cpu_models": [base["model"]], "cpu_model_extra_flags": base["extra_flags"]}
    for host in hosts:
        got = nova_libvirt_settings(host, over)
        assert (got["cpu_mode"], got["cpu_models"], got["cpu_model_extra_flags"]) == ("custom", ["Skylake-Client-IBRS"], ["-hle", "-rtm"])


def test_power_same_generation_uses_libvirt(libvirt):
    hosts = [fixture_host(POWER8, ["domcaps_ppc64le_kvm_pseries_nofirmware.xml"], name="p1"), fixture_host(POWER8, name="p2")]
    assert nova_cpu_baseline(hosts) == result("POWER8", "libvirt-baseline", 2)


def test_power_generations_fall_back_to_intersection_capped_by_the_oldest_host(libvirt):
    p8 = fixture_host(POWER8, ["domcaps_ppc64le_kvm_pseries_nofirmware.xml"], name="p8")
    p9 = hand_host("p9", "ppc64le", ["POWER10", "POWER7", "POWER8", "POWER9"], cpu_model="POWER9", cpu_xml=POWER9_XML, vendor="IBM")
    got = nova_cpu_baseline([p8, p9])
    assert got == result("POWER8", "model-intersection", 2, libvirt_error="operation failed: CPUs are incompatible")
    p9b = hand_host("p9b", "ppc64le", ["POWER10", "POWER7", "POWER8", "POWER9"], cpu_model="POWER9 (architected), altivec supported")
    assert nova_cpu_baseline([p9, p9b], use_libvirt=False) == result("POWER9", "model-intersection", 2)
    unknown = hand_host("p?", "ppc64le", ["POWER8", "POWER9"])
    with pytest.raises(NovaLibvirtError, match=r"CPU generation of p\?"):
        nova_cpu_baseline([p9, unknown])


def test_x86_intersection_of_domain_capabilities(libvirt):
    hosts = [
        fixture_host(INTEL, ["domcaps_x86_64_kvm_q35_efi_secboot.xml"]),
        fixture_host(X86_NOMODEL, ["domcaps_x86_64_kvm_q35_loader_no_firmware_enum.xml"]),
    ]
    assert nova_cpu_baseline(hosts, use_libvirt=False) == result("Skylake-Client-noTSX-IBRS", "model-intersection", 2)
    # With libvirt: the second host's <cpu> names no model, libvirt refuses, the intersection answers and says why.
    got = nova_cpu_baseline(hosts)
    assert (got["model"], got["method"]) == ("Skylake-Client-noTSX-IBRS", "model-intersection")
    assert got["libvirt_error"]


def test_without_libvirt_python_the_intersection_answers(monkeypatch):
    monkeypatch.setattr(cpu_baseline, "HAS_LIBVIRT", False)
    domcaps = ["domcaps_x86_64_kvm_q35_efi_secboot.xml"]
    hosts = [fixture_host(INTEL, domcaps, name="a"), fixture_host(INTEL, domcaps, name="b")]
    assert nova_cpu_baseline(hosts) == result("Skylake-Client-noTSX-IBRS", "model-intersection", 2)


def test_tcg_groups_intersect_emulator_lists():
    a = hand_host("t1", "x86_64", ["qemu64", "Nehalem", "Westmere", "SandyBridge", "Opteron_G2"], kvm=False)
    b = hand_host("t2", "x86_64", ["qemu64", "Nehalem", "Westmere", "Opteron_G2", "486"], kvm=False)
    assert nova_cpu_baseline([a, b]) == result("Westmere", "model-intersection", 2)
    # aarch64 TCG: QEMU 5.1 (nova's fixture) lacks cortex-a76 and the neoverse models; 'max' is never picked.
    arm_new = fixture_host(NEOVERSE, ["domcaps_aarch64_kvm_virt_efi.xml"], kvm=False, name="arm-new")
    arm_old = fixture_host(NEOVERSE, ["domcaps_aarch64_qemu_tcg_virt_aavmf.xml"], kvm=False, name="arm-old")
    assert nova_cpu_baseline([arm_new, arm_old]) == result("cortex-a72", "model-intersection", 2)
    assert nova_cpu_baseline([arm_new]) == result("neoverse-n2", "model-intersection", 1)


def test_aarch64_kvm_needs_identical_cpus():
    a = fixture_host(NEOVERSE, name="arm-1")
    b = fixture_host(NEOVERSE, name="arm-2")
    assert nova_cpu_baseline([a, b]) == result(None, "identical-host-cpu", 2, mode="host-passthrough")
    other = hand_host("kunpeng", "aarch64", ["max"], cpu_model="TSV110", vendor="HiSilicon")
    with pytest.raises(NovaLibvirtError, match=r"identical CPUs; these differ: arm-1: ARM Neoverse-N1; arm-2: ARM Neoverse-N1; kunpeng: HiSilicon TSV110"):
        nova_cpu_baseline([a, b, other])
    minimal = fixture_host("caps_aarch64_kvm_minimal_qemucaps.xml", name="arm-min")
    with pytest.raises(NovaLibvirtError, match=r"the CPU of arm-min is unknown"):
        nova_cpu_baseline([a, minimal])
    # The same hosts as TCG emulate named models.
    a_tcg = fixture_host(NEOVERSE, ["domcaps_aarch64_kvm_virt_efi.xml"], name="arm-1")
    assert nova_cpu_baseline([a_tcg, a_tcg], virt_type="qemu") == result("neoverse-n2", "model-intersection", 2)


def test_dict_input_names_hosts_by_key():
    hosts = {"zz": hand_host(None, "x86_64", ["Nehalem"], kvm=False), "aa": hand_host(None, "aarch64", ["max"], kvm=False)}
    with pytest.raises(NovaLibvirtError, match=r"aarch64: aa; x86_64: zz"):
        nova_cpu_baseline(hosts)


ERRORS = [
    ("empty", [], {}, ["empty"]),
    ("single-fact", hand_host("h1", "x86_64", ["Nehalem"]), {}, ["not a single fact"]),
    ("not-a-list", "h1", {}, ["expected a list"]),
    (
        "mixed-arch",
        [hand_host("x1", "x86_64", ["Nehalem"]), hand_host("a1", "aarch64", ["max"]), hand_host("x2", "amd64", ["Nehalem"])],
        {},
        ["aarch64: a1; x86_64: x1, x2"],
    ),
    (
        "mixed-accel",
        [hand_host("k1", "x86_64", ["Nehalem"]), hand_host("t1", "x86_64", ["Nehalem"], kvm=False)],
        {},
        ["KVM hosts (k1)", "TCG-only hosts (t1)", "virt_type='qemu'"],
    ),
    ("kvm-forced", [hand_host("t1", "x86_64", ["Nehalem"], kvm=False)], {"virt_type": "kvm"}, ["not usable on t1"]),
    ("bad-virt-type", [hand_host("t1", "x86_64", ["Nehalem"])], {"virt_type": "xen"}, ["virt_type='xen'"]),
    ("no-lists", [hand_host("n1", "x86_64", []), hand_host("n2", "x86_64", ["Nehalem"])], {}, ["n1", "guests.x86_64.cpu_models"]),
    (
        "nothing-ranked",
        [hand_host("r1", "aarch64", ["max", "pxa270"], kvm=False), hand_host("r2", "aarch64", ["max"], kvm=False)],
        {},
        ["r1, r2", "common: max"],
    ),
    ("unsupported-arch", [{"hostname": "z", "arch": "s390x", "guests": {}, "kvm": {"usable": True}}], {}, ["z", "s390x"]),
]


@pytest.mark.parametrize(("hosts", "kwargs", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_hosts(hosts, kwargs, words):
    with pytest.raises(NovaLibvirtError) as err:
        nova_cpu_baseline(hosts, **kwargs)
    for word in words:
        assert word in str(err.value)


# --------------------------------------------------------------------------- issue 12: KVM unknown or PR-KVM


def unknown_kvm(host):
    host["kvm"] = {"usable": None, "rw": None, "module": "kvm_intel", "reason": "/dev/kvm exists but this user may not open it (Permission denied)"}
    return host


def test_unknown_kvm_in_the_group_is_refused_without_virt_type():
    hosts = [hand_host("k1", "x86_64", ["Nehalem", "Westmere"]), unknown_kvm(hand_host("u1", "x86_64", ["Nehalem", "Westmere"]))]
    with pytest.raises(NovaLibvirtError) as err:
        nova_cpu_baseline(hosts, use_libvirt=False)
    for words in ("u1", "unknown", "Permission denied", "become", "virt_type"):
        assert words in str(err.value)
    assert "k1" not in str(err.value).split("unknown", maxsplit=1)[0]


@pytest.mark.parametrize("virt_type", ["kvm", "qemu"])
def test_unknown_kvm_follows_an_explicit_virt_type(virt_type):
    hosts = [hand_host("k1", "x86_64", ["Nehalem", "Westmere"]), unknown_kvm(hand_host("u1", "x86_64", ["Nehalem", "Westmere"]))]
    got = nova_cpu_baseline(hosts, virt_type=virt_type, use_libvirt=False)
    assert got["model"] == "Westmere" and got["method"] == "model-intersection"


def test_pr_kvm_counts_as_tcg_unless_kvm_is_asked():
    def pr(host):
        host["kvm"] = {"usable": False, "rw": True, "module": "kvm_pr", "reason": "only kvm_pr is loaded: PR-KVM"}
        return host

    hosts = [pr(hand_host("p1", "ppc64le", ["POWER8", "POWER9"], cpu_model="POWER9")), pr(hand_host("p2", "ppc64le", ["POWER8"], cpu_model="POWER8"))]
    assert nova_cpu_baseline(hosts, use_libvirt=False)["model"] == "POWER8"
    assert nova_cpu_baseline(hosts, virt_type="kvm", use_libvirt=False)["model"] == "POWER8"
    hosts[1]["kvm"]["rw"] = None
    with pytest.raises(NovaLibvirtError, match=r"virt_type=kvm but KVM is not usable on p2 \(p2: only kvm_pr"):
        nova_cpu_baseline(hosts, virt_type="kvm", use_libvirt=False)
