"""host_groups: the multiarch_groups of a host, from real libvirt captures and built host trees."""

from __future__ import annotations

import pytest
from conftest import fixture_file
from hosttree import deny_dev_kvm, host_tree, lab

from ansible_collections.multiarch.kolla.plugins.module_utils.host import collect
from ansible_collections.multiarch.kolla.plugins.module_utils.host import kvm as kvm_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.host.libvirt_caps import parse_capabilities
from ansible_collections.multiarch.kolla.plugins.plugin_utils.host_groups import HostGroupsError, host_groups


def host_from_caps(name, kvm_usable):
    caps = parse_capabilities(fixture_file("libvirt_caps", name).read_text())
    return {"arch": caps["host_arch"], "kvm": {"usable": kvm_usable, "reason": None}, "guests": caps["guests"]}


def groups(arch, accel, emulated):
    emulates = ["emulates_" + a for a in emulated]
    return {"arch": "arch_" + arch, "accel": accel, "emulates": emulates, "all": sorted(["arch_" + arch, accel, *emulates])}


# Per capture (and whether this user may use /dev/kvm): the exact groups. The guests' accel is libvirt's view (a kvm
# domain), so i686 on the KVM x86_64 host is never emulated, and every foreign TCG guest libvirt lists is.
CAPS_EXPECTED = {
    ("caps_x86_64_kvm_intel_multiarch_tcg.xml", True): groups("x86_64", "kvm_hosts", ["aarch64", "armv6l", "armv7l", "ppc", "ppc64", "ppc64le", "s390x"]),
    ("caps_x86_64_kvm_intel_multiarch_tcg.xml", False): groups("x86_64", "tcg_only_hosts", ["aarch64", "armv6l", "armv7l", "ppc", "ppc64", "ppc64le", "s390x"]),
    ("caps_x86_64_tcg_only_nokvm.xml", False): groups("x86_64", "tcg_only_hosts", ["armv7l", "i686", "mips", "mipsel", "ppc", "sparc"]),
    ("caps_aarch64_kvm_neoverse_n1.xml", True): groups("aarch64", "kvm_hosts", []),
    ("caps_ppc64le_kvm_power8.xml", True): groups("ppc64le", "kvm_hosts", []),
    ("caps_x86_64_host_riscv64_tcg_guest.xml", True): groups("x86_64", "kvm_hosts", ["riscv64"]),
}


@pytest.mark.parametrize(("name", "kvm_usable"), sorted(CAPS_EXPECTED), ids=str)
def test_groups_from_libvirt_captures(name, kvm_usable):
    assert host_groups(host_from_caps(name, kvm_usable)) == CAPS_EXPECTED[(name, kvm_usable)]


@pytest.mark.parametrize(("kvm", "accel", "emulated"), [(True, "kvm_hosts", ["aarch64", "ppc64", "ppc64le"]), (False, "tcg_only_hosts", None)])
def test_groups_from_the_qemu_probe(tmp_path, kvm, accel, emulated):
    # The QEMU probe gives kvm to the native arches only when /dev/kvm is usable: without it i686 is emulated too.
    root = lab(tmp_path)[1]
    host_tree(root, kvm=kvm)
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="x86_64")
    expected = groups("x86_64", accel, emulated if emulated is not None else ["aarch64", "i686", "ppc64", "ppc64le"])
    assert host_groups(host) == expected


def test_groups_with_kvm_unknown(tmp_path, monkeypatch):
    """/dev/kvm that this user may not open: neither kvm_hosts nor tcg_only_hosts, but kvm_unknown_hosts."""
    root = lab(tmp_path)[1]
    host_tree(root)
    deny_dev_kvm(monkeypatch, kvm_probe.os)
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="x86_64")
    assert host["kvm"]["usable"] is None
    assert host_groups(host) == groups("x86_64", "kvm_unknown_hosts", ["aarch64", "i686", "ppc64", "ppc64le"])
    assert host_groups({"arch": "aarch64", "kvm": {"usable": None}, "guests": {}})["accel"] == "kvm_unknown_hosts"


def test_lab_host_without_kvm_or_qemu():
    # What a lab host reports: no /dev/kvm, no emulator.
    host = {"arch": "ppc64le", "kvm": {"usable": False, "reason": "/dev/kvm does not exist"}, "guests": {}}
    assert host_groups(host) == {"arch": "arch_ppc64le", "accel": "tcg_only_hosts", "emulates": [], "all": ["arch_ppc64le", "tcg_only_hosts"]}


def test_prefixes():
    host = host_from_caps("caps_x86_64_host_riscv64_tcg_guest.xml", True)
    assert host_groups(host, arch_prefix="cpu_", emulates_prefix="tcg_") == {
        "arch": "cpu_x86_64",
        "accel": "kvm_hosts",
        "emulates": ["tcg_riscv64"],
        "all": ["cpu_x86_64", "kvm_hosts", "tcg_riscv64"],
    }
    assert host_groups(host, arch_prefix="")["arch"] == "x86_64"


GOOD = {"arch": "x86_64", "kvm": {"usable": True}, "guests": {}}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, ["expected the multiarch_host dict", "host_facts"]),
        ("x86_64", ["expected the multiarch_host dict"]),
        ({**GOOD, "arch": None}, ["no 'arch'"]),
        ({**GOOD, "kvm": {}}, ["kvm.usable"]),
        ({**GOOD, "kvm": {"usable": "yes"}}, ["kvm.usable"]),
        ({**GOOD, "guests": None}, ["guests"]),
        ({**GOOD, "guests": {"aarch64": "tcg"}}, ["guests"]),
        ({**GOOD, "arch": "x86-64"}, ["'x86-64'", "'arch_x86-64'"]),
        ({**GOOD, "guests": {"arm v7": {"accel": "tcg"}}}, ["'arm v7'", "'emulates_arm v7'"]),
    ],
)
def test_bad_fact_names_the_host_and_the_value(value, words):
    with pytest.raises(HostGroupsError) as exc:
        host_groups(value, host="cmp-01")
    message = str(exc.value)
    assert message.startswith("multiarch_host_groups: host cmp-01: ")
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("param", "value"), [("arch_prefix", "arch-"), ("arch_prefix", "1arch_"), ("emulates_prefix", None), ("emulates_prefix", "emu lates_")]
)
def test_bad_prefix_names_the_role_variable(param, value):
    with pytest.raises(HostGroupsError) as exc:
        host_groups(GOOD, **{param: value})
    message = str(exc.value)
    assert "the host" in message and repr(value) in message
    assert "host_facts_%s_group_prefix" % param.split("_")[0] in message
