"""guest_image._dib and _build: diskimage-builder's command line, environment and cache key; the build host's checks."""

from __future__ import annotations

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image import _build as build
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image import _dib as dib

ARM = ARCHES["aarch64"]["guest_boot"]
PPC = ARCHES["ppc64le"]["guest_boot"]
ENV = dict(release="bookworm", components=["main"], mirror="http://m/debian", security_mirror="http://m/debian-security",
           elements_path=["/e"], serial_console=True)


def test_files_assembly_builds_a_tar_with_the_deferred_initramfs_and_grub_modules():
    argv = dib.dib_command("/v/bin/disk-image-create", ARM, assembly="files", output="/w/out", elements=["debian-minimal"], packages=["vim"],
                           image_cache="/c/aarch64")
    assert argv[:9] == ["/v/bin/disk-image-create", "--image-cache", "/c/aarch64", "-a", "arm64", "-t", "tar", "-o", "/w/out"]
    assert argv[argv.index("-p") + 1] == "grub-efi-arm64-bin,vim"
    assert argv[-2:] == ["debian-minimal", "multiarch-deferred-initramfs"]


def test_dib_assembly_uses_dibs_own_partitioning_per_arch():
    argv = dib.dib_command("dic", PPC, assembly="dib", output="/w/out", elements=["debian-minimal"], packages=[], image_cache="/c")
    assert "-p" not in argv and argv[argv.index("-t") + 1] == "qcow2"
    assert argv[-3:] == ["vm", "block-device-gpt", "debian-minimal"]
    assert dib.elements_for(ARM, "dib", [])[1] == "block-device-efi"


def test_environment_names_release_mirrors_and_console():
    env = dib.dib_environment({"ELEMENTS_PATH": "/theirs"}, PPC, **ENV)
    assert env["ELEMENTS_PATH"] == "/e:/theirs"
    assert (env["DIB_RELEASE"], env["DIB_DEBIAN_COMPONENTS"]) == ("bookworm", "main")
    assert env["DIB_DISTRIBUTION_MIRROR"] == "http://m/debian" and env["DIB_DEBIAN_SECURITY_MIRROR"] == "http://m/debian-security"
    assert env["DIB_BOOTLOADER_SERIAL_CONSOLE"] == "hvc0" and "DIB_APT_SOURCES_CONF" not in env


def test_no_security_mirror_leaves_the_security_line_out():
    args = {**ENV, "security_mirror": "", "components": ["main", "non-free-firmware"]}
    env = dib.dib_environment({}, ARM, **args)
    assert env["DIB_APT_SOURCES_CONF"].splitlines() == [
        "default:deb http://m/debian bookworm main non-free-firmware",
        "updates:deb http://m/debian bookworm-updates main non-free-firmware",
    ]


def test_key_follows_inputs_element_files_and_dib_version(tmp_path):
    (tmp_path / "el" / "install.d").mkdir(parents=True)
    script = tmp_path / "el" / "install.d" / "10-x"
    script.write_text("#!/bin/sh\n")
    inputs = {"arch": "aarch64", "release": "bookworm"}
    key = dib.cache_key(inputs, [str(tmp_path)], "3.43.0")
    assert len(key) == 12 and key == dib.cache_key(dict(inputs), [str(tmp_path)], "3.43.0")
    assert key != dib.cache_key(dict(inputs, release="trixie"), [str(tmp_path)], "3.43.0")
    assert key != dib.cache_key(inputs, [str(tmp_path)], "3.44.0")
    script.chmod(0o755)
    assert key != dib.cache_key(inputs, [str(tmp_path)], "3.43.0")
    moved = dib.cache_key(inputs, [str(tmp_path)], "3.43.0")
    script.write_text("#!/bin/sh\necho\n")
    assert moved != dib.cache_key(inputs, [str(tmp_path)], "3.43.0")


@pytest.mark.parametrize(
    ("misc", "requested", "chosen"),
    [
        ("236 device-mapper\n 58 loop-control\n", "auto", "dib"),
        (" 58 loop-control\n", "auto", "files"),
        (" 58 loop-control\n", "dib", None),
        ("236 device-mapper\n", "files", "files"),
    ],
)
def test_assembly_follows_device_mapper(tmp_path, misc, requested, chosen):
    proc = tmp_path / "misc"
    proc.write_text(misc)
    assert dib.choose_assembly(requested, dib.device_mapper_available(str(proc))) == chosen
    assert dib.device_mapper_available(str(tmp_path / "absent")) is False


def test_build_host_problems_name_packages_and_binfmt(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "host_arch", lambda: "x86_64")
    present = {"qemu-img", "sudo", "debootstrap", "tar", "mkfs.ext4", "mmd", "mcopy", "sfdisk"}
    (tmp_path / "qemu-aarch64").write_text("enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n")
    (tmp_path / "qemu-ppc64le").write_text("disabled\n")

    def lookup(tool):
        return tool if tool in present else None

    problems = build.tool_problems(lookup, "aarch64", "files", binfmt=str(tmp_path))
    assert problems == ["missing programs; fix: apt-get install dosfstools grub-common"]
    problems = build.tool_problems(lookup, "ppc64le", "dib", binfmt=str(tmp_path))
    assert problems[0] == "missing programs; fix: apt-get install gdisk kpartx"
    assert "no enabled binfmt_misc handler" in problems[1] and "update-binfmts --enable qemu-ppc64le" in problems[1]
    assert build.tool_problems(lambda tool: tool, "x86_64", "files", binfmt=str(tmp_path)) == []


def test_a_change_to_one_archs_disk_rebuilds_that_arch_only(monkeypatch, tmp_path):
    def keys():
        return {arch: dib.cache_key({"arch": arch, "release": "bookworm"}, [str(tmp_path)], "3.43.0") for arch in ("x86_64", "aarch64")}

    before = keys()
    monkeypatch.setitem(dib.ARCH_BUILD_FORMAT, "x86_64", dib.ARCH_BUILD_FORMAT.get("x86_64", dib.BUILD_FORMAT) + 1)
    after = keys()
    assert after["x86_64"] != before["x86_64"] and after["aarch64"] == before["aarch64"]
    monkeypatch.setattr(dib, "BUILD_FORMAT", dib.BUILD_FORMAT + 1)
    assert keys()["aarch64"] != before["aarch64"] and keys()["x86_64"] == after["x86_64"]
