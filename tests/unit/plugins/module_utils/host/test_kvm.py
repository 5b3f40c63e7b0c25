"""kvm: /dev/kvm, the KVM module and its nested parameter, on host trees the tests build."""

from __future__ import annotations

import errno

import pytest
from hosttree import host_tree, write

from ansible_collections.multiarch.kolla.plugins.module_utils.host import kvm as kvm_probe


def test_kvm_usable_with_module_and_nested(tmp_path):
    host_tree(tmp_path)
    warnings = []
    assert kvm_probe.probe_kvm(str(tmp_path), warnings, "x86_64") == {
        "usable": True, "device": True, "rw": True, "module": "kvm_intel", "nested": True, "reason": None, "caps": {},
    }  # fmt: skip
    assert warnings == []


def refuse_with(code, strerror):
    def refuse(path, flags, *args):
        raise OSError(code, strerror, path)

    return refuse


@pytest.mark.parametrize(("code", "strerror"), [(errno.EACCES, "Permission denied"), (errno.EPERM, "Operation not permitted")])
def test_kvm_present_but_not_permitted_is_unknown(tmp_path, monkeypatch, code, strerror):
    """No become, or the user is not in the kvm group: KVM may well be there; unknown, not "not usable"."""
    host_tree(tmp_path)
    monkeypatch.setattr(kvm_probe.os, "open", refuse_with(code, strerror))
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "x86_64")
    assert kvm["device"] is True
    assert kvm["usable"] is None and kvm["rw"] is None
    assert kvm["module"] == "kvm_intel"
    for words in (strerror, "become", "kvm group", "nova_compute_arch_overrides", "virt_type"):
        assert words in kvm["reason"]


def test_kvm_present_but_broken_is_not_usable(tmp_path, monkeypatch):
    """A device node without a driver behind it (ENXIO) is a host state: not usable."""
    host_tree(tmp_path)
    monkeypatch.setattr(kvm_probe.os, "open", refuse_with(errno.ENXIO, "No such device or address"))
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "x86_64")
    assert kvm["usable"] is False and kvm["rw"] is False
    assert kvm["reason"] == "/dev/kvm exists but cannot be opened read-write: No such device or address"


def test_kvm_missing(tmp_path):
    host_tree(tmp_path, kvm=False, module=None)
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm["usable"] is False and kvm["device"] is False
    assert kvm["module"] == "kvm" and kvm["nested"] is None
    assert "/dev/kvm does not exist" in kvm["reason"]


def test_kvm_builtin_on_arm64(tmp_path):
    write(tmp_path, "/dev/kvm")
    (tmp_path / "sys/module/kvm/parameters").mkdir(parents=True)  # built in: no initstate
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm["module"] == "builtin" and kvm["usable"] is True and kvm["nested"] is None


def test_kvm_hv_nested_off(tmp_path):
    host_tree(tmp_path, module="kvm_hv", nested="N")
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm["module"] == "kvm_hv" and kvm["nested"] is False


def test_unknown_vendor_module_reported_as_is(tmp_path):
    write(tmp_path, "/sys/module/kvm_riscv/parameters/nested", "1\n")
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm["module"] == "kvm_riscv" and kvm["nested"] is True


def test_device_without_any_module_is_builtin(tmp_path):
    write(tmp_path, "/dev/kvm")
    warnings = []
    kvm = kvm_probe.probe_kvm(str(tmp_path), warnings)
    assert kvm["module"] == "builtin" and kvm["usable"] is True
    assert warnings == []  # no /sys/module at all is a host state, not a read failure


def test_no_device_no_module(tmp_path):
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm == {
        "usable": False, "device": False, "rw": False, "module": None, "nested": None,
        "reason": "/dev/kvm does not exist (KVM module not loaded, no hardware virtualisation, or not passed into this container)",
        "caps": {},
    }  # fmt: skip


# --------------------------------------------------------------------------- POWER: kvm_hv or kvm_pr


@pytest.mark.parametrize("arch", ["ppc64le", "ppc64"])
def test_power_kvm_pr_only_is_not_usable(tmp_path, arch):
    """PR-KVM (inside an LPAR) runs guests in problem state: /dev/kvm opens, but it is not the KVM nova assumes."""
    host_tree(tmp_path, cpuinfo="cpuinfo/cpuinfo_ppc64_ibm_power7_pseries.txt", module="kvm_pr", nested=None)
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], arch)
    assert kvm["usable"] is False and kvm["rw"] is True and kvm["device"] is True
    assert kvm["module"] == "kvm_pr"
    for words in ("kvm_pr", "PR-KVM", "problem state", "kvm_hv", "PowerNV"):
        assert words in kvm["reason"]


def test_power_kvm_hv_is_usable(tmp_path):
    host_tree(tmp_path, module="kvm_hv", nested="N")
    write(tmp_path, "/sys/module/kvm_pr/initstate", "live\n")  # both loaded on a PowerNV host: HV wins
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "ppc64le")
    assert kvm["usable"] is True and kvm["module"] == "kvm_hv" and kvm["reason"] is None


def test_power_without_any_vendor_module_is_not_usable(tmp_path):
    write(tmp_path, "/dev/kvm")
    write(tmp_path, "/sys/module/kvm/initstate", "live\n")
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "ppc64le")
    assert kvm["usable"] is False and kvm["module"] == "kvm"
    assert "kvm_hv" in kvm["reason"]


def test_power_without_sys_module_is_unknown(tmp_path):
    write(tmp_path, "/dev/kvm")
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "ppc64le")
    assert kvm["usable"] is None and kvm["rw"] is True
    assert "kvm_hv" in kvm["reason"] and "/sys/module" in kvm["reason"]


def test_power_kvm_pr_without_permission_is_still_not_usable(tmp_path, monkeypatch):
    host_tree(tmp_path, module="kvm_pr", nested=None)
    monkeypatch.setattr(kvm_probe.os, "open", refuse_with(errno.EACCES, "Permission denied"))
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "ppc64le")
    assert kvm["usable"] is False and kvm["rw"] is None and "PR-KVM" in kvm["reason"]


def test_kvm_pr_on_x86_is_not_a_power_rule(tmp_path):
    host_tree(tmp_path, module="kvm_intel")
    assert kvm_probe.probe_kvm(str(tmp_path), [], "x86_64")["usable"] is True


# --------------------------------------------------------------------------- capabilities (KVM_CHECK_EXTENSION)


def fake_ioctl(answers, calls=None):
    """A stand-in for fcntl.ioctl on /dev/kvm: {capability number: answer or OSError}."""

    def ioctl(fd, request, arg):
        assert isinstance(fd, int)
        if calls is not None:
            calls.append((request, arg))
        answer = answers[arg]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return ioctl


@pytest.mark.parametrize(("answer", "expected"), [(1, True), (0, False)])
def test_aarch64_asks_for_32_bit_el1(tmp_path, answer, expected):
    write(tmp_path, "/dev/kvm")
    calls = []
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "aarch64", ioctl=fake_ioctl({93: answer}, calls))
    assert calls == [(kvm_probe.KVM_CHECK_EXTENSION, 93)]
    assert kvm_probe.KVM_CHECK_EXTENSION == 0xAE03  # _IO(KVMIO=0xAE, 0x03), asm-generic encoding (linux/kvm.h)
    assert kvm["caps"] == {"KVM_CAP_ARM_EL1_32BIT": expected}
    assert kvm["usable"] is True


def test_capability_that_cannot_be_asked_is_unknown_with_a_warning(tmp_path):
    write(tmp_path, "/dev/kvm")
    warnings = []
    kvm = kvm_probe.probe_kvm(str(tmp_path), warnings, "aarch64", ioctl=fake_ioctl({93: OSError(errno.ENOTTY, "Inappropriate ioctl for device")}))
    assert kvm["caps"] == {"KVM_CAP_ARM_EL1_32BIT": None}
    assert len(warnings) == 1 and "KVM_CAP_ARM_EL1_32BIT" in warnings[0] and "armv7l" in warnings[0]


def test_capabilities_unknown_without_permission(tmp_path, monkeypatch):
    write(tmp_path, "/dev/kvm")
    monkeypatch.setattr(kvm_probe.os, "open", refuse_with(errno.EACCES, "Permission denied"))
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "aarch64", ioctl=fake_ioctl({}))
    assert kvm["caps"] == {"KVM_CAP_ARM_EL1_32BIT": None}


def test_no_capability_asked_on_x86(tmp_path):
    host_tree(tmp_path)
    kvm = kvm_probe.probe_kvm(str(tmp_path), [], "x86_64", ioctl=fake_ioctl({}))
    assert kvm["caps"] == {}


@pytest.mark.parametrize(
    ("host", "guest", "kvm", "expected"),
    [
        ("aarch64", "aarch64", {"usable": True, "caps": {"KVM_CAP_ARM_EL1_32BIT": False}}, True),
        ("aarch64", "armv7l", {"usable": True, "caps": {"KVM_CAP_ARM_EL1_32BIT": True}}, True),
        ("aarch64", "armv7l", {"usable": True, "caps": {"KVM_CAP_ARM_EL1_32BIT": False}}, False),
        ("aarch64", "armv7l", {"usable": True, "caps": {"KVM_CAP_ARM_EL1_32BIT": None}}, False),
        ("aarch64", "armv7l", {"usable": True}, False),
        ("aarch64", "armv7l", True, False),  # a bare boolean knows no capability
        ("x86_64", "i686", True, True),
        ("x86_64", "i686", {"usable": None}, False),
        ("x86_64", "aarch64", {"usable": True}, False),
        ("ppc64le", "ppc64", {"usable": True, "caps": {}}, True),
    ],
)
def test_accelerates(host, guest, kvm, expected):
    assert kvm_probe.accelerates(host, guest, kvm) is expected
