"""host_probe: KVM, IOMMU, cgroup, init and the libvirt source, on file trees the tests build."""

from __future__ import annotations

import errno

import pytest
from conftest import fixture_file
from host_arch_testlib import host_tree, lab, write

from ansible_collections.multiarch.kolla.plugins.module_utils import host_probe
from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import COMPUTE_ARCH_TRAITS, HW_ARCH_TRAITS


def test_kvm_usable_with_module_and_nested(tmp_path):
    host_tree(tmp_path)
    warnings = []
    assert host_probe.probe_kvm(str(tmp_path), warnings) == {
        "usable": True, "device": True, "rw": True, "module": "kvm_intel", "nested": True, "reason": None,
    }  # fmt: skip
    assert warnings == []


def test_kvm_present_but_not_openable(tmp_path, monkeypatch):
    host_tree(tmp_path)

    def refuse(path, flags, *args):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(host_probe.os, "open", refuse)
    kvm = host_probe.probe_kvm(str(tmp_path), [])
    assert kvm["device"] is True and kvm["rw"] is False and kvm["usable"] is False
    assert kvm["reason"] == "/dev/kvm exists but cannot be opened read-write: Permission denied"


def test_kvm_missing(tmp_path):
    host_tree(tmp_path, kvm=False, module=None)
    kvm = host_probe.probe_kvm(str(tmp_path), [])
    assert kvm["usable"] is False and kvm["device"] is False
    assert kvm["module"] == "kvm" and kvm["nested"] is None
    assert "/dev/kvm does not exist" in kvm["reason"]


def test_kvm_builtin_on_arm64(tmp_path):
    write(tmp_path, "/dev/kvm")
    (tmp_path / "sys/module/kvm/parameters").mkdir(parents=True)  # built in: no initstate
    kvm = host_probe.probe_kvm(str(tmp_path), [])
    assert kvm["module"] == "builtin" and kvm["usable"] is True and kvm["nested"] is None


def test_kvm_hv_nested_off(tmp_path):
    host_tree(tmp_path, module="kvm_hv", nested="N")
    kvm = host_probe.probe_kvm(str(tmp_path), [])
    assert kvm["module"] == "kvm_hv" and kvm["nested"] is False


@pytest.mark.parametrize(
    ("entry", "arch", "kind"),
    [("dmar0", "x86_64", "intel-vt-d"), ("ivhd0", "x86_64", "amd-vi"), ("smmu3.0x0000000009050000", "aarch64", "arm-smmu"), (None, "ppc64le", "power")],
)
def test_iommu_kind(tmp_path, entry, arch, kind):
    for group in range(3):
        (tmp_path / f"sys/kernel/iommu_groups/{group}").mkdir(parents=True)
    if entry:
        (tmp_path / "sys/class/iommu" / entry).mkdir(parents=True)
    write(tmp_path, "/proc/cmdline", "quiet\n")
    assert host_probe.probe_iommu(str(tmp_path), arch, []) == {"enabled": True, "groups": 3, "kind": kind, "cmdline": []}


def test_iommu_cmdline_and_absent_groups(tmp_path):
    write(tmp_path, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz amd_iommu=on iommu=pt iommu.passthrough=1 vfio_iommu_type1.allow_unsafe_interrupts=1 quiet\n")
    warnings = []
    got = host_probe.probe_iommu(str(tmp_path), "x86_64", warnings)
    assert got == {
        "enabled": False, "groups": 0, "kind": None,
        "cmdline": ["amd_iommu=on", "iommu=pt", "iommu.passthrough=1", "vfio_iommu_type1.allow_unsafe_interrupts=1"],
    }  # fmt: skip
    assert warnings == []  # no IOMMU is a host state, not a read failure


def test_cgroup_versions(tmp_path):
    warnings = []
    assert host_probe.probe_cgroup_version(str(tmp_path), warnings) is None
    assert "/sys/fs/cgroup" in warnings[0]
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    assert host_probe.probe_cgroup_version(str(tmp_path), []) == 1
    write(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpu\n")
    assert host_probe.probe_cgroup_version(str(tmp_path), []) == 2


def test_init_system(tmp_path):
    warnings = []
    assert host_probe.probe_init(str(tmp_path), warnings) is None
    assert "/proc/1/comm" in warnings[0]
    write(tmp_path, "/proc/1/comm", "systemd\n")
    assert host_probe.probe_init(str(tmp_path), []) == "systemd"


def test_collect_full_tree_via_qemu_probe(tmp_path):
    bindir, root = lab(tmp_path)
    host_tree(root)
    host = host_probe.collect(root=str(root), use_libvirt=False, kernel_arch="amd64", path=[str(bindir)])
    assert host["arch"] == "x86_64" and host["kernel_arch"] == "amd64"
    assert host["cpu"]["vendor"] == "GenuineIntel" and host["cpu"]["count"] == 8 and host["cpu"]["virt_flag"] == "vmx"
    assert host["kvm"]["usable"] is True
    assert host["guest_source"] == "qemu"
    assert host["host_cpu_xml"] is None
    assert host["iommu"] == {"enabled": True, "groups": 15, "kind": "intel-vt-d", "cmdline": ["intel_iommu=on", "iommu=pt", "vfio-pci.ids=10de:1c03"]}
    assert host["cgroup_version"] == 2 and host["init_system"] == "systemd"
    assert host["nova_traits"] == {
        "kvm": ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
        "qemu": ["COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
    }
    assert host["warnings"] == []


def test_collect_big_endian_ppc64_stays_ppc64(tmp_path):
    host_tree(tmp_path, cpuinfo="cpuinfo/cpuinfo_ppc64_ibm_power7_pseries.txt", module="kvm_pr", nested=None)
    host = host_probe.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="ppc64", path=[])
    assert host["arch"] == "ppc64"
    assert host["cpu"]["model"] == "POWER7" and host["cpu"]["platform"] == "pSeries"
    assert host["kvm"]["module"] == "kvm_pr"
    assert host["guest_source"] == "none" and host["guests"] == {}
    # No emulator: only kvm is a usable virt type, and nova reports only the host arch.
    assert host["nova_traits"] == {"kvm": ["HW_ARCH_PPC64"]}
    assert any("qemu-system" in w for w in host["warnings"])


def test_collect_empty_cpuinfo_still_returns_everything(tmp_path):
    bindir, root = lab(tmp_path)
    host_tree(root, cpuinfo=None)
    write(root, "/proc/cpuinfo", "")
    write(root, "/sys/devices/system/cpu/online", "0-3\n")
    host = host_probe.collect(root=str(root), use_libvirt=False, kernel_arch="aarch64", path=[str(bindir)])
    assert host["cpu"]["vendor"] is None and host["cpu"]["model"] is None
    assert host["cpu"]["count"] == 4  # from the sysfs online list
    assert [w for w in host["warnings"] if "/proc/cpuinfo" in w]
    assert host["guests"]["aarch64"]["accel"] == "kvm"
    assert host["iommu"]["groups"] == 15 and host["cgroup_version"] == 2 and host["init_system"] == "systemd"


def test_collect_unknown_aarch64_part(tmp_path):
    host_tree(tmp_path, cpuinfo=None, module=None)
    (tmp_path / "sys/module/kvm/initstate").unlink()  # arm64: KVM is built into the kernel
    write(tmp_path, "/proc/cpuinfo", "processor\t: 0\nCPU implementer\t: 0xc0\nCPU part\t: 0xfee\n")
    host = host_probe.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="arm64", path=[])
    assert host["arch"] == "aarch64"
    assert host["cpu"]["vendor"] == "Ampere" and host["cpu"]["model"] is None
    assert host["cpu"]["ids"] == {"implementer": "0xc0", "part": "0xfee"}
    assert any("/proc/cpuinfo" in w and "0xfee" in w for w in host["warnings"])
    assert host["kvm"]["module"] == "builtin"


def test_collect_unknown_kernel_arch(tmp_path):
    host = host_probe.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="loongarch64", path=[])
    assert host["arch"] == "loongarch64"
    assert any("loongarch64" in w for w in host["warnings"])
    # Every field is there, even on an empty tree.
    assert set(host) == {
        "arch", "kernel_arch", "cpu", "kvm", "guests", "guest_source", "host_cpu_xml",
        "iommu", "cgroup_version", "init_system", "nova_traits", "warnings",
    }  # fmt: skip


class FakeLibvirtError(Exception):
    pass


class FakeConn:
    def __init__(self, caps, domcaps, fail_arches=()):
        self.caps = caps
        self.domcaps = domcaps
        self.fail_arches = fail_arches
        self.calls = []
        self.closed = False

    def getCapabilities(self):
        return self.caps

    def getDomainCapabilities(self, emulator, arch, machine, virt_type, flags):
        self.calls.append((emulator, arch, machine, virt_type))
        if arch in self.fail_arches:
            raise FakeLibvirtError("unsupported configuration: the accel is not supported")
        return self.domcaps.get(arch, f"<domainCapabilities><arch>{arch}</arch><domain>{virt_type}</domain></domainCapabilities>")

    def close(self):
        self.closed = True


class FakeLibvirt:
    """Stands in for libvirt-python: the same names, answers chosen per test."""

    libvirtError = FakeLibvirtError

    def __init__(self, conn=None, refuse_rw=False, refuse_ro=False):
        self.conn = conn
        self.refuse_rw = refuse_rw
        self.refuse_ro = refuse_ro

    def registerErrorHandler(self, handler, ctx):
        self.handler = handler

    def open(self, uri):
        if self.refuse_rw:
            raise FakeLibvirtError(f"Failed to connect socket to '{uri}': Connection refused")
        return self.conn

    def openReadOnly(self, uri):
        if self.refuse_ro:
            raise FakeLibvirtError(f"Failed to connect socket to '{uri}': Connection refused")
        return self.conn


def multiarch_conn(**kwargs):
    domcaps = {
        "x86_64": fixture_file("domain_caps", "domcaps_x86_64_kvm_q35_efi_secboot.xml").read_text(),
        "aarch64": fixture_file("domain_caps", "domcaps_aarch64_qemu_tcg_virt_aavmf.xml").read_text(),
        "ppc64le": fixture_file("domain_caps", "domcaps_ppc64le_kvm_pseries_nofirmware.xml").read_text(),
    }
    return FakeConn(fixture_file("libvirt_caps", "caps_x86_64_kvm_intel_multiarch_tcg.xml").read_text(), domcaps, **kwargs)


def test_collect_via_libvirt(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn()
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guest_source"] == "libvirt"
    assert host["warnings"] == []
    assert conn.closed
    assert host["host_cpu_xml"].startswith("<cpu>")
    # One domain-capabilities call per guest, kvm where libvirt offers it, with nova's machine type where listed.
    calls = {arch: (machine, vt) for _uri, arch, machine, vt in conn.calls}
    assert calls["x86_64"] == ("q35", "kvm") and calls["i686"] == ("q35", "kvm")
    assert calls["aarch64"] == ("virt", "qemu") and calls["ppc64le"] == ("pseries", "qemu")
    assert calls["ppc"] == (None, "qemu")
    guests = host["guests"]
    assert guests["x86_64"]["uefi"] is True and len(guests["x86_64"]["firmware"]) == 6
    assert guests["aarch64"]["uefi"] is True and guests["aarch64"]["firmware"] == ["/usr/share/AAVMF/AAVMF_CODE.fd"]
    assert guests["ppc64le"]["uefi"] is False
    assert guests["s390x"]["uefi"] is False and guests["s390x"]["cpu_models"] == []
    assert host["nova_traits"]["qemu"] == [
        "COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_S390X", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64",
    ]  # fmt: skip


def test_libvirt_refusing_connection_falls_back_with_warning(tmp_path):
    bindir, root = lab(tmp_path)
    host_tree(root)
    fake = FakeLibvirt(refuse_rw=True, refuse_ro=True)
    host = host_probe.collect(root=str(root), kernel_arch="x86_64", libvirt_uri="qemu:///system", libvirt_module=fake, path=[str(bindir)])
    assert host["guest_source"] == "qemu"
    assert len(host["warnings"]) == 1
    assert "libvirt" in host["warnings"][0] and "qemu:///system" in host["warnings"][0] and "Connection refused" in host["warnings"][0]
    assert host["guests"]["x86_64"]["accel"] == "kvm"
    assert host["cpu"]["model"] and host["iommu"]["enabled"] and host["cgroup_version"] == 2


def test_libvirt_read_only_connection(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn()
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn, refuse_rw=True), path=[])
    assert host["guest_source"] == "libvirt"
    assert conn.calls == []
    assert host["guests"]["x86_64"]["uefi"] is None
    assert len(host["warnings"]) == 1 and "read-only" in host["warnings"][0]


@pytest.mark.parametrize("garbage", ["", "<capabilities><host>", "garbage\x00", "<domainCapabilities/>"])
def test_libvirt_garbage_capabilities_falls_back(tmp_path, garbage):
    bindir, root = lab(tmp_path)
    host_tree(root)
    host = host_probe.collect(root=str(root), kernel_arch="x86_64", libvirt_module=FakeLibvirt(FakeConn(garbage, {})), path=[str(bindir)])
    assert host["guest_source"] == "qemu"
    assert len(host["warnings"]) == 1 and "libvirt" in host["warnings"][0] and "capabilities" in host["warnings"][0]
    assert host["cpu"]["vendor"] == "GenuineIntel" and host["kvm"]["usable"] is True


def test_libvirt_domain_capabilities_failure_names_the_arch(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn(fail_arches=("s390x",))
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guests"]["s390x"]["uefi"] is None
    assert host["guests"]["x86_64"]["uefi"] is True
    assert len(host["warnings"]) == 1 and "s390x" in host["warnings"][0]


def test_libvirt_garbage_domain_capabilities(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn()
    conn.domcaps["aarch64"] = "<domainCapabilities><arch>aarch64"
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guests"]["aarch64"]["uefi"] is None
    assert len(host["warnings"]) == 1 and "aarch64" in host["warnings"][0] and "domain capabilities" in host["warnings"][0]


def test_libvirt_kvm_but_user_cannot_open_dev_kvm(tmp_path, monkeypatch):
    host_tree(tmp_path)

    def refuse(path, flags, *args):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(host_probe.os, "open", refuse)
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    assert host["kvm"]["usable"] is False
    assert "kvm" not in host["nova_traits"]
    assert any("become" in w for w in host["warnings"])


def test_every_trait_is_valid(tmp_path):
    host_tree(tmp_path)
    host = host_probe.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    for traits in host["nova_traits"].values():
        assert set(traits) <= COMPUTE_ARCH_TRAITS | HW_ARCH_TRAITS
