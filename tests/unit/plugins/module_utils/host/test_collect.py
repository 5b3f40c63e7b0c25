"""collect: the whole multiarch_host dict (cgroup, init, the libvirt source and its fallback), on host trees the tests build."""

from __future__ import annotations

import errno

import pytest
from conftest import fixture_file
from hosttree import host_tree, lab, write

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import COMPUTE_ARCH_TRAITS, HW_ARCH_TRAITS
from ansible_collections.multiarch.kolla.plugins.module_utils.host import collect, kvm


def test_cgroup_versions(tmp_path):
    # Read through _probe.cgroup_version, whose warning lands in the host's warnings.
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="x86_64", path=[])
    assert host["cgroup_version"] is None
    assert [w for w in host["warnings"] if "/sys/fs/cgroup" in w]
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    assert collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="x86_64", path=[])["cgroup_version"] == 1
    write(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpu\n")
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="x86_64", path=[])
    assert host["cgroup_version"] == 2
    assert not [w for w in host["warnings"] if "/sys/fs/cgroup" in w]


def test_init_system(tmp_path):
    warnings = []
    assert collect.probe_init(str(tmp_path), warnings) is None
    assert "/proc/1/comm" in warnings[0]
    write(tmp_path, "/proc/1/comm", "systemd\n")
    assert collect.probe_init(str(tmp_path), []) == "systemd"


def test_collect_full_tree_via_qemu_probe(tmp_path):
    root = lab(tmp_path)[1]
    host_tree(root)
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="amd64")
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
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="ppc64", path=[])
    assert host["arch"] == "ppc64"
    assert host["cpu"]["model"] == "POWER7" and host["cpu"]["platform"] == "pSeries"
    assert host["kvm"]["module"] == "kvm_pr"
    assert host["guest_source"] == "none" and host["guests"] == {}
    # No emulator: only kvm is a usable virt type, and nova reports only the host arch.
    assert host["nova_traits"] == {"kvm": ["HW_ARCH_PPC64"]}
    assert any("qemu-system" in w for w in host["warnings"])


def test_collect_empty_cpuinfo_still_returns_everything(tmp_path):
    root = lab(tmp_path)[1]
    host_tree(root, cpuinfo=None)
    write(root, "/proc/cpuinfo", "")
    write(root, "/sys/devices/system/cpu/online", "0-3\n")
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="aarch64")
    assert host["cpu"]["vendor"] is None and host["cpu"]["model"] is None
    assert host["cpu"]["count"] == 4  # from the sysfs online list
    assert [w for w in host["warnings"] if "/proc/cpuinfo" in w]
    assert host["guests"]["aarch64"]["accel"] == "kvm"
    assert host["iommu"]["groups"] == 15 and host["cgroup_version"] == 2 and host["init_system"] == "systemd"


def test_collect_unknown_aarch64_part(tmp_path):
    host_tree(tmp_path, cpuinfo=None, module=None)
    (tmp_path / "sys/module/kvm/initstate").unlink()  # arm64: KVM is built into the kernel
    write(tmp_path, "/proc/cpuinfo", "processor\t: 0\nCPU implementer\t: 0xc0\nCPU part\t: 0xfee\n")
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="arm64", path=[])
    assert host["arch"] == "aarch64"
    assert host["cpu"]["vendor"] == "Ampere" and host["cpu"]["model"] is None
    assert host["cpu"]["ids"] == {"implementer": "0xc0", "part": "0xfee"}
    assert any("/proc/cpuinfo" in w and "0xfee" in w for w in host["warnings"])
    assert host["kvm"]["module"] == "builtin"


def test_collect_unknown_kernel_arch(tmp_path):
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="loongarch64", path=[])
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
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
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
    root = lab(tmp_path)[1]
    host_tree(root)
    fake = FakeLibvirt(refuse_rw=True, refuse_ro=True)
    host = collect.collect(root=str(root), kernel_arch="x86_64", libvirt_uri="qemu:///system", libvirt_module=fake)
    assert host["guest_source"] == "qemu"
    assert len(host["warnings"]) == 1
    assert "libvirt" in host["warnings"][0] and "qemu:///system" in host["warnings"][0] and "Connection refused" in host["warnings"][0]
    assert host["guests"]["x86_64"]["accel"] == "kvm"
    assert host["cpu"]["model"] and host["iommu"]["enabled"] and host["cgroup_version"] == 2


def test_libvirt_read_only_connection(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn()
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn, refuse_rw=True), path=[])
    assert host["guest_source"] == "libvirt"
    assert conn.calls == []
    assert host["guests"]["x86_64"]["uefi"] is None
    assert len(host["warnings"]) == 1 and "read-only" in host["warnings"][0]


@pytest.mark.parametrize("garbage", ["", "<capabilities><host>", "garbage\x00", "<domainCapabilities/>"])
def test_libvirt_garbage_capabilities_falls_back(tmp_path, garbage):
    root = lab(tmp_path)[1]
    host_tree(root)
    host = collect.collect(root=str(root), kernel_arch="x86_64", libvirt_module=FakeLibvirt(FakeConn(garbage, {})))
    assert host["guest_source"] == "qemu"
    assert len(host["warnings"]) == 1 and "libvirt" in host["warnings"][0] and "capabilities" in host["warnings"][0]
    assert host["cpu"]["vendor"] == "GenuineIntel" and host["kvm"]["usable"] is True


def test_libvirt_domain_capabilities_failure_names_the_arch(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn(fail_arches=("s390x",))
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guests"]["s390x"]["uefi"] is None
    assert host["guests"]["x86_64"]["uefi"] is True
    assert len(host["warnings"]) == 1 and "s390x" in host["warnings"][0]


def test_libvirt_garbage_domain_capabilities(tmp_path):
    host_tree(tmp_path)
    conn = multiarch_conn()
    conn.domcaps["aarch64"] = "<domainCapabilities><arch>aarch64"
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guests"]["aarch64"]["uefi"] is None
    assert len(host["warnings"]) == 1 and "aarch64" in host["warnings"][0] and "domain capabilities" in host["warnings"][0]


def test_libvirt_kvm_but_user_cannot_open_dev_kvm(tmp_path, monkeypatch):
    host_tree(tmp_path)

    def refuse(path, flags, *args):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(kvm.os, "open", refuse)
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    assert host["kvm"]["usable"] is False
    assert "kvm" not in host["nova_traits"]
    assert any("become" in w for w in host["warnings"])


def test_every_trait_is_valid(tmp_path):
    host_tree(tmp_path)
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    for traits in host["nova_traits"].values():
        assert set(traits) <= COMPUTE_ARCH_TRAITS | HW_ARCH_TRAITS
