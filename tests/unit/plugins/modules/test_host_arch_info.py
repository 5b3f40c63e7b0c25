"""Module host_arch_info through run_module: built host trees, bad input, and the live libvirt daemon."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
import yaml
from conftest import require_import, run_module, unavailable
from hosttree import host_tree, lab, write

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.module_utils.host import collect
from ansible_collections.multiarch.kolla.plugins.modules import host_arch_info

UNREACHABLE_URI = "qemu+unix:///system?socket=/nonexistent/multiarch-kolla-test/libvirt-sock"


def all_traits():
    return set(require_import("os_traits").get_traits())


@pytest.fixture
def fake_host(tmp_path, monkeypatch):
    """An x86_64 host tree with fake QEMU binaries; the module reads it instead of /."""
    root = lab(tmp_path)[1]  # the emulators are in <root>/usr/bin: found under the root, never on the real $PATH
    host_tree(root)
    monkeypatch.setattr(host_arch_info, "ROOT", str(root))
    monkeypatch.setattr(collect.os, "uname", lambda: SimpleNamespace(machine="x86_64"))
    return root


def test_check_mode_gives_the_same_result(fake_host):
    normal = run_module(host_arch_info, {"use_libvirt": False})
    checked = run_module(host_arch_info, {"use_libvirt": False}, check_mode=True)
    assert normal["changed"] is False and checked["changed"] is False
    assert "failed" not in normal
    assert normal["host"] == checked["host"]
    host = normal["host"]
    assert host["arch"] == "x86_64" and host["guest_source"] == "qemu"
    assert host["cpu"]["model"] == "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz"
    assert host["kvm"] == {"usable": True, "device": True, "rw": True, "module": "kvm_intel", "nested": True, "reason": None, "caps": {}}
    assert host["guests"]["x86_64"]["accel"] == "kvm" and host["guests"]["aarch64"]["accel"] == "tcg"
    assert host["warnings"] == []


def test_documented_fields_are_returned(fake_host):
    documented = yaml.safe_load(host_arch_info.RETURN)["host"]["contains"]
    host = run_module(host_arch_info, {"use_libvirt": False})["host"]
    assert set(host) == set(documented)
    for key in ("cpu", "kvm", "iommu"):
        assert set(host[key]) == set(documented[key]["contains"]), key
    for guest in host["guests"].values():
        assert set(guest) == set(documented["guests"]["contains"])


def warnings_naming(host, *words):
    return [w for w in host["warnings"] if all(word in w for word in words)]


def assert_every_field(host):
    assert host["arch"] == "x86_64"
    assert host["kvm"]["usable"] is True
    assert host["iommu"]["groups"] == 15 and host["cgroup_version"] == 2 and host["init_system"] == "systemd"
    assert host["guests"]["x86_64"]["machines"] and host["nova_traits"]["qemu"]


def test_bad_input_empty_cpuinfo(fake_host):
    write(fake_host, "/proc/cpuinfo", "")
    host = run_module(host_arch_info, {"use_libvirt": False})["host"]
    assert warnings_naming(host, "/proc/cpuinfo")
    assert host["cpu"]["vendor"] is None and host["cpu"]["model"] is None
    assert_every_field(host)


def test_bad_input_unknown_aarch64_part(fake_host, monkeypatch):
    monkeypatch.setattr(collect.os, "uname", lambda: SimpleNamespace(machine="aarch64"))
    record = "CPU implementer\t: 0x41\nCPU part\t: 0xabc\n"
    write(fake_host, "/proc/cpuinfo", f"processor\t: 0\n{record}\nprocessor\t: 1\n{record}")
    host = run_module(host_arch_info, {"use_libvirt": False})["host"]
    assert host["cpu"]["model"] is None and host["cpu"]["vendor"] == "ARM" and host["cpu"]["count"] == 2
    assert host["cpu"]["cores"] == [{"implementer": "0x41", "part": "0xabc", "vendor": "ARM", "model": None, "count": 2}]
    assert warnings_naming(host, "/proc/cpuinfo", "0xabc")
    assert host["guests"]["aarch64"]["accel"] == "kvm"  # native now


def test_bad_input_firmware_descriptor_not_json(fake_host):
    bad = write(fake_host, "/usr/share/qemu/firmware/45-broken.json", '{"interface-types": ["uefi"], "mapping": ')
    host = run_module(host_arch_info, {"use_libvirt": False})["host"]
    assert warnings_naming(host, str(bad), "JSON")
    assert host["guests"]["x86_64"]["uefi"] is True
    assert_every_field(host)


def test_bad_input_libvirt_refuses_connection(fake_host):
    require_import("libvirt")
    host = run_module(host_arch_info, {"libvirt_uri": UNREACHABLE_URI})["host"]
    assert host["guest_source"] == "qemu"
    assert warnings_naming(host, "libvirt", UNREACHABLE_URI)
    assert_every_field(host)


def test_bad_input_garbage_capabilities(fake_host, monkeypatch):
    class Conn:
        def getCapabilities(self):
            return "<capabilities><host><cpu><arch>x86_64</arch></cpu"

        def close(self):
            pass

    class FakeLibvirt:
        libvirtError = RuntimeError

        def registerErrorHandler(self, handler, ctx):
            pass

        def open(self, uri):
            return Conn()

    monkeypatch.setattr(collect, "import_libvirt", FakeLibvirt)
    host = run_module(host_arch_info, {})["host"]
    assert host["guest_source"] == "qemu"
    assert warnings_naming(host, "libvirt", "capabilities", "not well-formed")
    assert_every_field(host)


@pytest.mark.parametrize("timeout", [-1, -0.5])
def test_bad_input_negative_libvirt_timeout_fails_naming_the_option(fake_host, timeout):
    result = run_module(host_arch_info, {"libvirt_timeout": timeout})
    assert result["failed"] is True
    assert "libvirt_timeout" in result["msg"] and str(timeout) in result["msg"]
    assert "host" not in result


def test_libvirt_timeout_is_documented_with_its_default():
    options = yaml.safe_load(host_arch_info.DOCUMENTATION)["options"]
    assert options["libvirt_timeout"]["type"] == "float"
    assert options["libvirt_timeout"]["default"] == collect.DEFAULT_LIBVIRT_TIMEOUT == 20
    assert "0" in " ".join(options["libvirt_timeout"]["description"])


def test_libvirt_python_missing(fake_host, monkeypatch):
    monkeypatch.setattr(collect, "import_libvirt", lambda: None)
    host = run_module(host_arch_info, {})["host"]
    assert host["guest_source"] == "qemu"
    assert warnings_naming(host, "libvirt-python")


# --------------------------------------------------------------------------- live daemon

KEY_ARCHES = ("x86_64", "aarch64", "ppc64le")
EXPECTED_UEFI = {"x86_64": True, "aarch64": True, "ppc64le": False}
EXPECTED_MACHINE = {"x86_64": "q35", "aarch64": "virt", "ppc64le": "pseries"}


@pytest.fixture(scope="module")
def live_daemon():
    """The libvirt daemon of the test machine (qemu:///system); fails under CI, skips elsewhere when absent."""
    libvirt = require_import("libvirt")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        libvirt.open(collect.DEFAULT_URI).close()
    except libvirt.libvirtError as exc:
        unavailable(f"the libvirt daemon at {collect.DEFAULT_URI} does not answer ({exc}); start it (scripts/setup-host)")
    return libvirt


@pytest.fixture(scope="module")
def libvirt_kvm_arches(live_daemon):
    """Guest arches libvirt's own capabilities XML offers a kvm domain for, read here with ElementTree, not the module's parser."""
    conn = live_daemon.openReadOnly(collect.DEFAULT_URI)
    try:
        root = ET.fromstring(conn.getCapabilities())
    finally:
        conn.close()
    return {arch.get("name") for arch in root.findall("./guest/arch") if arch.find("./domain[@type='kvm']") is not None}


def dev_kvm_openable():
    """/dev/kvm opens read-write for this test process (the module's kvm.usable, found independently)."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError:
        return False
    return True


# The live tests are about libvirt's answer, not the module's bound on its cost: on a machine whose libvirt
# re-probes QEMU on every call (docs/multiarch_host.md) one answer can take longer than the default 20 s.
LIVE = {"libvirt_timeout": 600}


@pytest.fixture(scope="module")
def live_result(live_daemon):
    return run_module(host_arch_info, LIVE)


@pytest.mark.libvirt
def test_live_libvirt_guests(live_result, libvirt_kvm_arches):
    host = live_result["host"]
    assert live_result["changed"] is False
    assert host["guest_source"] == "libvirt", host["warnings"]
    assert host["arch"] == canonical_arch(os.uname().machine)
    assert host["host_cpu_xml"].startswith("<cpu")
    assert host["kvm"]["usable"] is dev_kvm_openable()
    native = host["arch"]
    # libvirt offers KVM only for the arches the host CPU runs natively (archtable kvm_guests).
    assert {canonical_arch(a, strict=False) or a for a in libvirt_kvm_arches} <= set(ARCHES[native]["kvm_guests"])
    for arch in KEY_ARCHES:
        guest = host["guests"][arch]
        expected = "kvm" if arch in libvirt_kvm_arches else "tcg"
        assert guest["accel"] == expected, arch
        assert guest["domain_types"] == (["kvm", "qemu"] if expected == "kvm" else ["qemu"]), arch
        assert EXPECTED_MACHINE[arch] in guest["machines"], arch
        assert EXPECTED_MACHINE[arch] in guest["canonical_machines"], arch
        assert guest["uefi"] is EXPECTED_UEFI[arch], arch
        assert bool(guest["firmware"]) is EXPECTED_UEFI[arch], arch
        assert guest["cpu_models"], arch
        assert os.path.exists(guest["emulator"]), arch
    for traits in host["nova_traits"].values():
        assert set(traits) <= all_traits()


@pytest.mark.libvirt
def test_live_check_mode_same_answer(live_result):
    checked = run_module(host_arch_info, LIVE, check_mode=True)
    assert checked["changed"] is False
    assert checked["host"]["guests"] == live_result["host"]["guests"]
    assert checked["host"]["nova_traits"] == live_result["host"]["nova_traits"]


@pytest.mark.libvirt
@pytest.mark.parametrize("args", [{"use_libvirt": False}, {"libvirt_uri": UNREACHABLE_URI}], ids=["use_libvirt_false", "daemon_unreachable"])
def test_live_fallback_agrees_with_libvirt(live_result, args):
    via_libvirt = live_result["host"]
    fallback = run_module(host_arch_info, {**LIVE, **args})["host"]
    assert fallback["guest_source"] == "qemu"
    if "libvirt_uri" in args:
        assert [w for w in fallback["warnings"] if UNREACHABLE_URI in w]
    # The QEMU probe covers the arch table's arches; libvirt also lists armv6l, ppc, ...
    libvirt_arches = {a for a in via_libvirt["guests"] if a in ARCHES}
    assert set(fallback["guests"]) == libvirt_arches
    assert set(KEY_ARCHES) <= libvirt_arches
    for arch in sorted(libvirt_arches):
        lv, qm = via_libvirt["guests"][arch], fallback["guests"][arch]
        for key in ("accel", "domain_types", "machines", "canonical_machines", "uefi", "firmware"):
            assert qm[key] == lv[key], (arch, key)
        assert os.path.realpath(qm["emulator"]) == os.path.realpath(lv["emulator"]), arch
        if qm["default_machine"] is not None:  # QEMU marks no default for some arches (Arm); libvirt then lists its first
            assert qm["default_machine"] == lv["default_machine"], arch
        # libvirt filters CPU models through its own CPU map; every libvirt model is still a QEMU one, or the same name
        # under QEMU's spelling (POWER9 -> power9).
        qemu_models = {m.lower() for m in qm["cpu_models"]}
        assert {m.lower() for m in lv["cpu_models"]} <= qemu_models, arch
    assert fallback["nova_traits"] == via_libvirt["nova_traits"]


@pytest.fixture(scope="module")
def nova_host_for():
    """Build nova's own libvirt Host for qemu:///system with [libvirt] virt_type overridden."""
    conf = require_import("nova.conf").CONF
    nova_driver = require_import("nova.virt.libvirt.driver")
    nova_host = require_import("nova.virt.libvirt.host")

    def build(virt_type):
        conf.set_override("virt_type", virt_type, group="libvirt")
        host = nova_host.Host(collect.DEFAULT_URI, read_only=False)
        stub = SimpleNamespace(_host=host)
        # nova's own methods, bound to a stub that only carries the Host they read.
        traits = nova_driver.LibvirtDriver._get_cpu_arch_traits(stub)
        traits.update(nova_driver.LibvirtDriver._get_cpu_emulation_arch_traits(stub))
        return host, sorted(t for t, present in traits.items() if present)

    yield build
    conf.clear_override("virt_type", group="libvirt")


@pytest.mark.libvirt
@pytest.mark.slow
@pytest.mark.parametrize("virt_type", ["kvm", "qemu"])
def test_live_nova_traits_match_nova_driver(live_result, nova_host_for, virt_type):
    host = live_result["host"]
    if virt_type == "kvm" and not host["kvm"]["usable"]:
        pytest.skip(f"KVM is not usable on this machine ({host['kvm']['reason']})")
    nova_host, nova_traits = nova_host_for(virt_type)
    assert host["nova_traits"][virt_type] == nova_traits
    # The arch set nova fetched domain capabilities for is the set of guests of that domain type.
    domcaps_arches = set(nova_host.get_domain_capabilities())
    wanted = "kvm" if virt_type == "kvm" else "qemu"
    assert {a for a, g in host["guests"].items() if wanted in g["domain_types"]} == domcaps_arches
    assert set(nova_traits) <= all_traits()


def test_ansible_facts_in_the_same_call_are_setups(fake_host):
    """gather_subset returns what ansible.builtin.setup returns for the same subsets (setup itself is the oracle)."""
    from ansible.modules import setup  # noqa: PLC0415

    subsets = ["distribution", "network", "platform"]
    result = run_module(host_arch_info, {"use_libvirt": False, "gather_subset": subsets})
    oracle = run_module(setup, {"gather_subset": ["!all", "!min", *subsets]})["ansible_facts"]
    assert result["ansible_facts"].keys() == oracle.keys()
    for key in ("ansible_nodename", "ansible_os_family", "ansible_hostname", "ansible_interfaces", "ansible_default_ipv4", "ansible_all_ipv4_addresses"):
        assert result["ansible_facts"][key] == oracle[key], key
    assert "ansible_facts" not in run_module(host_arch_info, {"use_libvirt": False})  # none asked, none returned


def test_bad_input_unknown_fact_subset_fails_naming_it(fake_host):
    result = run_module(host_arch_info, {"use_libvirt": False, "gather_subset": ["hardware"]})
    assert result["failed"] and "hardware" in result["msg"] and "gather_subset" in result["msg"]


def test_runtime_in_the_same_call_is_container_runtime_infos(fake_host, tmp_path):
    """runtime returns what container_runtime_info returns for the same root and daemon.json."""
    from ansible_collections.multiarch.kolla.plugins.modules import container_runtime_info  # noqa: PLC0415

    daemon_json = write(fake_host / "etc/docker/daemon.json", '{"exec-opts": ["native.cgroupdriver=systemd"]}\n')
    args = {"daemon_json_path": str(daemon_json), "docker_socket": str(tmp_path / "no-docker.sock")}
    oracle = run_module(container_runtime_info, dict(args, root=str(fake_host)))["runtime"]
    result = run_module(host_arch_info, {"use_libvirt": False, "runtime": True, "daemon_json_path": str(daemon_json)})["runtime"]
    assert result.keys() == oracle.keys()
    assert result["files"] == oracle["files"] and result["binaries"] == oracle["binaries"]
    assert result["files"]["daemon_json"]["exists"] is True
    assert "runtime" not in run_module(host_arch_info, {"use_libvirt": False})
