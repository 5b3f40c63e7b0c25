"""QEMU binary probe and firmware descriptors (the fallback when libvirt does not answer)."""

from __future__ import annotations

import pytest
from hosttree import ARM_CPUS, ARM_MACHINES, PPC_CPUS, X86_CPUS, X86_MACHINES, fake_qemu, lab

from ansible_collections.multiarch.kolla.plugins.module_utils.host import qemu_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.host.qemu_probe import (
    candidate_binaries,
    parse_cpu_help,
    parse_machine_help,
    probe_guests,
    read_firmware_descriptors,
)


def test_parse_machine_help_x86():
    got = parse_machine_help(X86_MACHINES)
    assert got == {
        "machines": ["isapc", "microvm", "pc", "pc-i440fx-7.1", "pc-i440fx-7.2", "pc-q35-7.2", "q35"],
        "default_machine": "pc-i440fx-7.2",
        "canonical_machines": {"pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2"},
    }


def test_parse_machine_help_arm_has_no_default():
    got = parse_machine_help(ARM_MACHINES)
    assert got["default_machine"] is None
    assert got["canonical_machines"] == {"virt": "virt-7.2"}
    assert "none" not in got["machines"]


def test_parse_cpu_help_formats():
    assert parse_cpu_help(X86_CPUS) == ["486", "486-v1", "Skylake-Client", "max"]
    assert parse_cpu_help(ARM_CPUS) == ["a64fx", "cortex-a57", "cortex-a72", "max"]
    assert parse_cpu_help(PPC_CPUS) == ["603", "host", "power9", "power9_v2.0"]
    assert parse_cpu_help("") == []


def test_candidate_binaries_follow_libvirt_order():
    assert candidate_binaries("ppc64le", "x86_64") == ["qemu-system-ppc64le", "qemu-system-ppc64"]
    assert candidate_binaries("i686", "x86_64") == ["qemu-system-i686", "qemu-system-i386", "qemu-system-x86_64"]
    assert candidate_binaries("armv7l", "aarch64") == ["qemu-system-armv7l", "qemu-system-arm", "qemu-system-aarch64"]
    assert candidate_binaries("x86_64", "x86_64") == ["qemu-system-x86_64", "qemu-kvm"]


def test_probe_guests_from_fake_binaries(tmp_path):
    bindir, root = lab(tmp_path)
    warnings = []
    guests = probe_guests("x86_64", True, root=str(root), warnings=warnings)
    assert warnings == []
    # i686 runs on the x86_64 emulator when there is no qemu-system-i386 (as libvirt does).
    assert set(guests) == {"x86_64", "i686", "aarch64", "ppc64le", "ppc64"}
    assert guests["i686"]["emulator"] == str(bindir / "qemu-system-x86_64") and guests["i686"]["accel"] == "kvm"
    x86 = guests["x86_64"]
    assert x86["accel"] == "kvm" and x86["domain_types"] == ["kvm", "qemu"]
    assert x86["emulator"] == str(bindir / "qemu-system-x86_64")
    assert x86["default_machine"] == "pc-i440fx-7.2"
    assert x86["uefi"] is True
    # Judged on q35 (nova's machine type), in descriptor-name order.
    assert x86["firmware"] == ["/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"]
    assert x86["cpu_models"] == ["486", "486-v1", "Skylake-Client", "max"]
    assert x86["cpu_modes"] is None
    arm = guests["aarch64"]
    assert arm["accel"] == "tcg" and arm["domain_types"] == ["qemu"]
    assert arm["default_machine"] is None
    assert arm["canonical_machines"] == {"virt": "virt-7.2"}
    assert arm["uefi"] is True and arm["firmware"] == ["/usr/share/AAVMF/AAVMF_CODE.fd"]
    ppc = guests["ppc64le"]
    assert ppc["accel"] == "tcg"
    assert ppc["emulator"] == str(bindir / "qemu-system-ppc64le")
    assert ppc["canonical_machines"]["pseries"] == "pseries-7.2"
    assert ppc["uefi"] is False and ppc["firmware"] == []
    assert guests["ppc64"]["emulator"] == str(bindir / "qemu-system-ppc64")


def test_probe_guests_without_kvm_is_all_tcg(tmp_path):
    root = lab(tmp_path)[1]
    guests = probe_guests("x86_64", False, root=str(root), warnings=[])
    assert {g["accel"] for g in guests.values()} == {"tcg"}


def test_probe_guests_on_ppc64le_host(tmp_path):
    root = lab(tmp_path)[1]
    guests = probe_guests("ppc64le", True, root=str(root), warnings=[])
    assert guests["ppc64le"]["accel"] == "kvm" and guests["ppc64"]["accel"] == "kvm"
    assert guests["x86_64"]["accel"] == "tcg"


def test_firmware_descriptor_not_json_warns_and_others_still_count(tmp_path):
    root = lab(tmp_path)[1]
    bad = root / "usr/share/qemu/firmware/10-broken.json"
    bad.write_text("{ this is not json")
    warnings = []
    guests = probe_guests("x86_64", True, root=str(root), warnings=warnings)
    assert len(warnings) == 1
    assert str(bad) in warnings[0] and "JSON" in warnings[0]
    assert guests["x86_64"]["uefi"] is True
    assert guests["aarch64"]["uefi"] is True


def test_etc_descriptor_hides_usr_share_one(tmp_path):
    root = lab(tmp_path)[1]
    etc = root / "etc/qemu/firmware"
    etc.mkdir(parents=True)
    (etc / "60-edk2-aarch64.json").write_text("")  # an empty file disables the packaged descriptor
    descs = read_firmware_descriptors(str(root), [])
    assert not any(d["path"].endswith("60-edk2-aarch64.json") for d in descs)
    assert qemu_probe.uefi_firmware(descs, "aarch64", ["virt-7.2"], str(root)) == []


def test_failing_binary_warns_and_is_left_out(tmp_path):
    bindir, root = lab(tmp_path)
    fake_qemu(bindir, "qemu-system-s390x", "", "", rc=1)
    warnings = []
    guests = probe_guests("x86_64", True, root=str(root), warnings=warnings)
    assert "s390x" not in guests
    assert len(warnings) == 1 and "qemu-system-s390x" in warnings[0] and "-machine help" in warnings[0]
    assert "x86_64" in guests


def test_no_binaries(tmp_path):
    assert probe_guests("x86_64", True, root=str(tmp_path), path=[str(tmp_path)], warnings=[]) == {}


def test_path_under_the_root_is_searched_first(tmp_path):
    bindir, root = lab(tmp_path)
    own = fake_qemu(root / "opt/qemu/bin", "qemu-system-aarch64", ARM_MACHINES, ARM_CPUS)
    guests = probe_guests("x86_64", True, root=str(root), path=["/opt/qemu/bin"], warnings=[])
    assert guests["aarch64"]["emulator"] == str(own)
    assert guests["x86_64"]["emulator"] == str(bindir / "qemu-system-x86_64")  # still found in the usual directories


def test_rhel_qemu_kvm_in_libexec(tmp_path):
    # RHEL ships only /usr/libexec/qemu-kvm for the host's own arch (libvirt looks for it too).
    root = tmp_path / "root"
    kvm = fake_qemu(root / "usr/libexec", "qemu-kvm", X86_MACHINES, X86_CPUS)
    guests = probe_guests("x86_64", True, root=str(root), warnings=[])
    assert set(guests) == {"x86_64"}
    assert guests["x86_64"]["emulator"] == str(kvm) and guests["x86_64"]["accel"] == "kvm"


def test_firmware_descriptor_not_utf8_is_skipped_with_a_warning(tmp_path):
    root = lab(tmp_path)[1]
    bad = root / "usr/share/qemu/firmware/10-latin1.json"
    bad.write_bytes(b'{"description": "caf\xe9"}')
    warnings = []
    descs = read_firmware_descriptors(str(root), warnings)
    assert len(warnings) == 1 and str(bad) in warnings[0] and "UTF-8" in warnings[0]
    assert {d["executable"] for d in descs} >= {"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/AAVMF/AAVMF_CODE.fd"}


# --------------------------------------------------------------------------- armv7l on aarch64: KVM only with AArch32 at EL1


def aarch64_kvm(el1_32bit):
    return {"usable": True, "caps": {"KVM_CAP_ARM_EL1_32BIT": el1_32bit}}


@pytest.mark.parametrize(("el1_32bit", "accel"), [(True, "kvm"), (False, "tcg"), (None, "tcg")])
def test_armv7l_on_aarch64_follows_the_el1_32bit_capability(tmp_path, el1_32bit, accel):
    """Many Arm server cores have no AArch32 at EL1: KVM runs armv7l guests only with KVM_CAP_ARM_EL1_32BIT."""
    bindir, root = lab(tmp_path)
    guests = probe_guests("aarch64", aarch64_kvm(el1_32bit), root=str(root), warnings=[])
    assert guests["aarch64"]["accel"] == "kvm"
    assert guests["armv7l"]["accel"] == accel
    assert guests["armv7l"]["domain_types"] == (["kvm", "qemu"] if accel == "kvm" else ["qemu"])
    assert guests["armv7l"]["emulator"] == str(bindir / "qemu-system-aarch64")  # the 64-bit emulator runs it


def test_armv7l_is_absent_without_an_arm_emulator(tmp_path):
    root = tmp_path / "root"
    fake_qemu(root / "usr/bin", "qemu-system-x86_64", X86_MACHINES, X86_CPUS)
    guests = probe_guests("aarch64", aarch64_kvm(True), root=str(root), warnings=[])
    assert "armv7l" not in guests and "aarch64" not in guests


def test_unknown_kvm_gives_no_kvm_guest(tmp_path):
    root = lab(tmp_path)[1]
    guests = probe_guests("x86_64", {"usable": None, "caps": {}}, root=str(root), warnings=[])
    assert {g["accel"] for g in guests.values()} == {"tcg"}
