"""Tests for plugins/plugin_utils/nova/emulation.py: what emulating a foreign guest arch takes on a compute host.

Oracles: the Debian packages installed on this machine (``dpkg -L``: the emulator
package ships ``/usr/bin/qemu-system-<arch>``, the firmware package a QEMU firmware
descriptor for the arch, docs/interop/firmware.json of QEMU), and the arch table.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import emulation

# --------------------------------------------------------------------------- as_arch_list


def test_arch_list_from_a_string_or_a_list_with_aliases_once_each():
    assert emulation.as_arch_list("arm64, ppc64el,aarch64", "c1", "what") == (["aarch64", "ppc64le"], [])
    assert emulation.as_arch_list(["AArch64", "amd64", "x86_64"], "c1", "what") == (["aarch64", "x86_64"], [])
    assert emulation.as_arch_list(("s390x",), "c1", "what") == (["s390x"], [])
    assert emulation.as_arch_list(None, "c1", "what") == ([], [])
    assert emulation.as_arch_list("", "c1", "what") == ([], [])


def test_arch_list_errors_name_host_variable_and_value():
    arches, errors = emulation.as_arch_list(["aarch64", "sparc64", "vax"], "c1", "nova_compute_arch_emulated_arches")
    assert arches == ["aarch64"]  # the known ones are kept, every unknown one is reported
    assert len(errors) == 2
    assert all(e.startswith("host c1: nova_compute_arch_emulated_arches: ") for e in errors)
    assert "'sparc64'" in errors[0] and "'vax'" in errors[1]
    arches, errors = emulation.as_arch_list({"aarch64": True}, "c1", "nova_compute_arch_emulated_arches")
    assert arches == [] and len(errors) == 1
    assert "host c1" in errors[0] and "give a list of guest architectures" in errors[0]


# --------------------------------------------------------------------------- runnable


@pytest.mark.parametrize(
    ("arch", "guest", "expected"),
    [
        ("aarch64", None, False),  # no emulator
        ("aarch64", {"uefi": True}, True),
        ("aarch64", {"uefi": False}, False),  # aarch64 guests boot UEFI only
        ("aarch64", {"uefi": None}, True),  # firmware unknown (emulator found, descriptors not read): not refused
        ("aarch64", {}, True),
        ("ppc64le", {"uefi": False}, True),  # SLOF, no UEFI
        ("x86_64", {"uefi": False}, True),  # SeaBIOS boots it
    ],
)
def test_runnable_needs_an_emulator_and_uefi_where_the_arch_boots_only_uefi(arch, guest, expected):
    guests = {} if guest is None else {arch: guest}
    assert emulation.runnable(arch, guests) is expected


# --------------------------------------------------------------------------- packages


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_packages_are_the_tables_emulator_then_firmware(arch):
    needed, reason = emulation.packages(arch, "Debian")
    info = ARCHES[arch]
    assert reason is None
    assert needed == list(info["emulator_packages"]["Debian"]) + list(info["firmware_packages"]["Debian"])
    assert needed and len(needed) == len(set(needed))


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_el_hosts_cannot_install_a_foreign_emulator(arch):
    """RHEL, Rocky and AlmaLinux ship qemu-kvm built for the host's own target only; qemu-system-<arch> is not in them."""
    needed, reason = emulation.packages(arch, "RedHat")
    assert needed == []
    for words in (arch, "qemu-kvm", "host's own", "qemu-system-", "Debian or Ubuntu", "docs/architectures.md"):
        assert words in reason, words
    assert "qemu-system-aarch64" not in reason or arch == "aarch64"


@pytest.mark.parametrize("family", ["Suse", None, "debian"])
def test_packages_refuse_other_os_families(family):
    assert emulation.packages("aarch64", family) == ([], "this collection installs emulators on Debian/Ubuntu and EL (RedHat family) hosts only")


def test_packages_refuse_a_uefi_only_arch_without_firmware(monkeypatch):
    monkeypatch.setitem(ARCHES["aarch64"]["firmware_packages"], "Debian", [])
    needed, reason = emulation.packages("aarch64", "Debian")
    assert needed == [] and "aarch64 guests boot UEFI only" in reason and "Debian" in reason
    monkeypatch.setitem(ARCHES["ppc64le"]["emulator_packages"], "Debian", [])
    needed, reason = emulation.packages("ppc64le", "Debian")
    assert needed == [] and "qemu-system-ppc64" in reason


def _dpkg_files(package):
    if shutil.which("dpkg-query") is None:
        pytest.skip("no dpkg on this machine")
    proc = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip("%s is not installed on this machine" % package)
    return proc.stdout.split()


@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_debian_packages_ship_the_emulator_and_the_firmware(arch):
    """The installed Debian packages are the oracle: emulator binary, and a QEMU firmware descriptor for UEFI-only arches."""
    info = ARCHES[arch]
    needed, _reason = emulation.packages(arch, "Debian")
    emulator_files = [f for pkg in info["emulator_packages"]["Debian"] for f in _dpkg_files(pkg)]
    assert "/usr/bin/" + info["qemu_binary"] in emulator_files
    if info["uefi"] != "required":
        return
    targets = set()
    for pkg in info["firmware_packages"]["Debian"]:
        for path in _dpkg_files(pkg):
            if path.startswith("/usr/share/qemu/firmware/") and path.endswith(".json"):
                with open(path, encoding="utf-8") as handle:
                    targets.update(t["architecture"] for t in json.load(handle)["targets"])
    assert arch in targets
    assert set(info["firmware_packages"]["Debian"]) <= set(needed)


# --------------------------------------------------------------------------- pending and native guests


def test_with_pending_adds_tcg_guests_and_keeps_what_is_there():
    fact = {"arch": "x86_64", "guests": {"aarch64": {"accel": "tcg", "uefi": True, "machines": ["virt"]}}}
    before = copy.deepcopy(fact)
    got = emulation.with_pending(fact, ["aarch64", "ppc64le"])
    assert fact == before  # the fact is not changed in place
    assert got["guests"]["aarch64"] == fact["guests"]["aarch64"]  # detected details win over the stand-in
    assert got["guests"]["ppc64le"] == {"accel": "tcg", "emulator": "/usr/bin/qemu-system-ppc64", "machines": [], "cpu_models": [], "uefi": None}
    assert emulation.runnable("ppc64le", got["guests"])
    assert emulation.runnable("aarch64", emulation.with_pending({"arch": "x86_64", "guests": {}}, ["aarch64"])["guests"])
    assert emulation.with_pending({"arch": "x86_64"}, [])["guests"] == {}


def test_with_native_adds_the_own_arch_only_when_every_listed_guest_is_foreign():
    only_foreign = {"arch": "x86_64", "guests": {"aarch64": {"accel": "tcg"}}}
    got = emulation.with_native(only_foreign, "x86_64")
    assert set(got["guests"]) == {"x86_64", "aarch64"} and got["guests"]["x86_64"] == {}
    assert set(only_foreign["guests"]) == {"aarch64"}
    unknown = {"arch": "x86_64", "guests": {}}
    assert emulation.with_native(unknown, "x86_64") is unknown  # unknown guests stay unknown
    native = {"arch": "x86_64", "guests": {"x86_64": {"accel": "kvm"}, "aarch64": {"accel": "tcg"}}}
    assert emulation.with_native(native, "x86_64") is native
    aliased = {"arch": "x86_64", "guests": {"amd64": {"accel": "kvm"}}}
    assert emulation.with_native(aliased, "x86_64") is aliased  # an alias of the own arch counts as native


# --------------------------------------------------------------------------- image warnings


def test_no_warning_without_emulation():
    for distro in ("rocky", "debian", None):
        assert emulation.image_warnings("c1", "x86_64", [], distro) == []


@pytest.mark.parametrize("distro", ["centos", "Rocky", "rhel", "almalinux", "oraclelinux"])
def test_rpm_images_carry_only_the_native_emulator(distro):
    warnings = emulation.image_warnings("c1", "x86_64", ["aarch64", "ppc64le"], distro)
    assert len(warnings) == 1
    for word in ("host c1", "kolla_base_distro=%s" % distro.lower(), "native emulator only", "aarch64, ppc64le"):
        assert word in warnings[0]


def test_debian_images_lack_the_firmware_of_uefi_only_foreign_arches():
    warnings = emulation.image_warnings("c1", "x86_64", ["aarch64", "ppc64le"], "ubuntu")
    assert len(warnings) == 1
    assert "aarch64 (qemu-efi-aarch64)" in warnings[0] and "nova_libvirt_packages_append" in warnings[0]
    assert "ppc64le" not in warnings[0]  # SLOF comes with qemu-system-ppc
    assert emulation.image_warnings("c1", "x86_64", ["ppc64le", "s390x"], "debian") == []
    assert emulation.image_warnings("a1", "aarch64", ["x86_64"], "debian") == []  # x86_64 guests boot SeaBIOS too


@pytest.mark.parametrize("distro", [None, "", "gentoo"])
def test_unknown_distro_warns_what_the_image_must_carry(distro):
    warnings = emulation.image_warnings("c1", "x86_64", ["aarch64"], distro)
    assert len(warnings) == 1 and "kolla_base_distro is not known" in warnings[0] and "aarch64" in warnings[0]
