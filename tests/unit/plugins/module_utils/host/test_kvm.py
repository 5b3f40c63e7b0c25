"""kvm: /dev/kvm, the KVM module and its nested parameter, on host trees the tests build."""

from __future__ import annotations

import errno

from hosttree import host_tree, write

from ansible_collections.multiarch.kolla.plugins.module_utils.host import kvm as kvm_probe


def test_kvm_usable_with_module_and_nested(tmp_path):
    host_tree(tmp_path)
    warnings = []
    assert kvm_probe.probe_kvm(str(tmp_path), warnings) == {
        "usable": True, "device": True, "rw": True, "module": "kvm_intel", "nested": True, "reason": None,
    }  # fmt: skip
    assert warnings == []


def test_kvm_present_but_not_openable(tmp_path, monkeypatch):
    host_tree(tmp_path)

    def refuse(path, flags, *args):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(kvm_probe.os, "open", refuse)
    kvm = kvm_probe.probe_kvm(str(tmp_path), [])
    assert kvm["device"] is True and kvm["rw"] is False and kvm["usable"] is False
    assert kvm["reason"] == "/dev/kvm exists but cannot be opened read-write: Permission denied"


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
    }  # fmt: skip
