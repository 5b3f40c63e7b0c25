"""collect: the whole multiarch_host dict (cgroup, init, the libvirt source and its fallback), on host trees the tests build."""

from __future__ import annotations

import errno
import os
import re
import threading
import time

import pytest
from conftest import fixture_file
from hosttree import deny_dev_kvm, host_tree, lab, write

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
    # PR-KVM inside this LPAR is not the KVM nova assumes, and there is no emulator: no virt type, no trait.
    assert host["kvm"]["usable"] is False and "PR-KVM" in host["kvm"]["reason"]
    assert host["nova_traits"] == {}
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
    assert host["kvm"]["usable"] is None  # unknown: the daemon's user may well open it
    assert "kvm" not in host["nova_traits"]
    assert any("become" in w for w in host["warnings"])


def test_every_trait_is_valid(tmp_path):
    host_tree(tmp_path)
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    for traits in host["nova_traits"].values():
        assert set(traits) <= COMPUTE_ARCH_TRAITS | HW_ARCH_TRAITS


# --------------------------------------------------------------------------- issue 12: arches, KVM states, armv7l


def test_armv8l_kernel_is_a_32_bit_arm_host(tmp_path):
    host = collect.collect(root=str(tmp_path), use_libvirt=False, kernel_arch="armv8l", path=[])
    assert host["arch"] == "armv7l" and host["kernel_arch"] == "armv8l"


def test_kvm_permission_denied_is_unknown_and_claims_no_kvm_trait(tmp_path, monkeypatch):
    root = lab(tmp_path)[1]
    host_tree(root)
    deny_dev_kvm(monkeypatch, kvm.os)
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="x86_64")
    assert host["kvm"]["usable"] is None and host["kvm"]["rw"] is None
    assert "become" in host["kvm"]["reason"]
    assert "kvm" not in host["nova_traits"]
    assert {g["accel"] for g in host["guests"].values()} == {"tcg"}


def neoverse_conn():
    return FakeConn(
        fixture_file("libvirt_caps", "caps_aarch64_kvm_neoverse_n1.xml").read_text(),
        {"aarch64": fixture_file("domain_caps", "domcaps_aarch64_kvm_virt_efi.xml").read_text()},
    )


def arm_tree(root):
    host_tree(root, cpuinfo=None, module=None)
    write(root, "/proc/cpuinfo", "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n")
    return root


def el1_32bit(answer):
    return lambda fd, request, cap: answer


@pytest.mark.parametrize(("answer", "accel"), [(0, "tcg"), (1, "kvm")])
def test_libvirt_armv7l_kvm_domain_follows_the_capability(tmp_path, answer, accel):
    """libvirt offers a kvm armv7l domain on every aarch64 KVM host (here a Neoverse-N1, AArch32 at EL0 only)."""
    arm_tree(tmp_path)
    host = collect.collect(root=str(tmp_path), kernel_arch="aarch64", libvirt_module=FakeLibvirt(neoverse_conn()), path=[], ioctl=el1_32bit(answer))
    assert host["guest_source"] == "libvirt"
    assert host["kvm"]["caps"] == {"KVM_CAP_ARM_EL1_32BIT": bool(answer)}
    armv7l = host["guests"]["armv7l"]
    assert armv7l["accel"] == accel
    assert armv7l["domain_types"] == ["kvm", "qemu"]  # libvirt's own list is kept as it is
    downgraded = [w for w in host["warnings"] if "KVM_CAP_ARM_EL1_32BIT" in w]
    assert bool(downgraded) is (accel == "tcg")


@pytest.mark.parametrize("answer", [0, 1])
def test_armv7l_on_aarch64_says_nova_cannot_place_it_and_claims_no_trait(tmp_path, answer):
    root = lab(tmp_path)[1]
    arm_tree(root)
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="aarch64", ioctl=el1_32bit(answer))
    assert host["guests"]["armv7l"]["accel"] == ("kvm" if answer else "tcg")
    nova = [w for w in host["warnings"] if "armv7l" in w and "nova" in w]
    assert len(nova) == 1
    for words in ("cannot place", "TCG", "_configure_guest_by_virt_type", "os-traits"):
        assert words in nova[0]
    for traits in host["nova_traits"].values():
        assert not [t for t in traits if "ARMV7" in t]


def test_armv7l_on_x86_64_gets_no_nova_warning(tmp_path):
    root = lab(tmp_path)[1]
    host_tree(root)
    write(root, "/usr/bin/qemu-system-arm")  # not run: absent from the guests when it answers nothing
    host = collect.collect(root=str(root), use_libvirt=False, kernel_arch="x86_64")
    assert not [w for w in host["warnings"] if "nova" in w]


# --------------------------------------------------------------------------- issue 12: libvirt's cost


class SlowConn(FakeConn):
    """A connection whose getCapabilities takes ``delay`` seconds and may rewrite libvirt's QEMU capability cache."""

    def __init__(self, delay, cache_files=(), **kwargs):
        super().__init__(fixture_file("libvirt_caps", "caps_x86_64_kvm_intel_multiarch_tcg.xml").read_text(), {}, **kwargs)
        self.delay = delay
        self.cache_files = cache_files
        self.released = threading.Event()

    def getCapabilities(self):
        for path, emulator in self.cache_files:
            path.write_text("<qemuCaps>\n  <emulator>%s</emulator>\n  <qemuctime>1</qemuctime>\n</qemuCaps>\n" % emulator)
        self.released.wait(self.delay)
        return self.caps


def test_libvirt_timeout_falls_back_to_the_qemu_probe(tmp_path):
    root = lab(tmp_path)[1]
    host_tree(root)
    conn = SlowConn(30)
    start = time.monotonic()
    try:
        host = collect.collect(root=str(root), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), libvirt_timeout=0.3)
    finally:
        conn.released.set()
    assert time.monotonic() - start < 10
    assert host["guest_source"] == "qemu" and host["guests"]["x86_64"]["accel"] == "kvm"
    slow = [w for w in host["warnings"] if "libvirt_timeout" in w]
    assert len(slow) == 1 and "0.3 s" in slow[0] and "qemu:///system" in slow[0] and "QEMU binaries" in slow[0]


def test_libvirt_reprobe_is_reported_with_the_measured_time_and_the_cause(tmp_path):
    host_tree(tmp_path)
    os.chmod(tmp_path / "dev/kvm", 0o600)
    cache = tmp_path / "var/cache/libvirt/qemu/capabilities"
    cache.mkdir(parents=True)
    x86 = cache / "926803a9.xml"
    x86.write_text("<qemuCaps><emulator>/usr/bin/qemu-system-x86_64</emulator></qemuCaps>")
    old = cache / "0ad54346.xml"
    old.write_text("<qemuCaps><emulator>/usr/bin/qemu-system-ppc64</emulator></qemuCaps>")
    os.utime(x86, (1, 1))
    os.utime(old, (1, 1))
    conn = SlowConn(0.2, cache_files=[(x86, "/usr/bin/qemu-system-x86_64"), (cache / "f1100872.xml", "/usr/bin/qemu-system-i386")])
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(conn), path=[])
    assert host["guest_source"] == "libvirt"
    reprobed = [w for w in host["warnings"] if "re-probed" in w]
    assert len(reprobed) == 1, host["warnings"]
    message = reprobed[0]
    assert re.search(r"answered in \d+\.\d s", message)
    assert "/usr/bin/qemu-system-i386, /usr/bin/qemu-system-x86_64" in message and "qemu-system-ppc64" not in message
    for words in ("/dev/kvm", "0600", "kvm group", "0660", "libvirt_timeout"):
        assert words in message


def test_slow_libvirt_without_reprobe_still_gives_the_time(tmp_path, monkeypatch):
    host_tree(tmp_path)
    monkeypatch.setattr(collect, "LIBVIRT_SLOW_S", 0.1)
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(SlowConn(0.2)), path=[])
    assert host["guest_source"] == "libvirt"
    slow = [w for w in host["warnings"] if "libvirt" in w and "answered in" in w]
    assert len(slow) == 1 and "re-probed" not in slow[0]


def test_fast_libvirt_gives_no_cost_warning(tmp_path):
    host_tree(tmp_path)
    host = collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[])
    assert host["warnings"] == []


@pytest.mark.parametrize("timeout", [-1, float("nan"), "soon", True])
def test_bad_libvirt_timeout_is_refused(tmp_path, timeout):
    with pytest.raises(ValueError, match="libvirt_timeout"):
        collect.collect(root=str(tmp_path), kernel_arch="x86_64", libvirt_module=FakeLibvirt(multiarch_conn()), path=[], libvirt_timeout=timeout)
