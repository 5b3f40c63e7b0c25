"""guest_image._layout: the GPT and grub configuration of a guest disk; util-linux's sfdisk reads the table back."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image import _layout as layout

GUEST_ARCHES = sorted(a for a, e in ARCHES.items() if e["guest_boot"])


def test_guest_arches_are_the_three_host_arches():
    assert GUEST_ARCHES == ["aarch64", "ppc64le", "x86_64"]


@pytest.mark.parametrize("arch", GUEST_ARCHES)
def test_layout_partitions_are_contiguous_and_whole_mib(arch):
    boot = ARCHES[arch]["guest_boot"]
    plan = layout.disk_layout(boot, 700 * layout.MIB + 1)
    first, root = plan["partitions"]
    assert first["start_mib"] == 1
    assert root["start_mib"] == first["start_mib"] + first["size_mib"]
    assert root["size_mib"] == 701  # rounded up, never cut
    assert plan["size_mib"] == root["start_mib"] + root["size_mib"] + 1
    if boot["efi_file"]:
        assert (first["name"], first["type"], first["size_mib"]) == ("ESP", layout.ESP_TYPE, layout.ESP_MIB)
    else:
        assert (first["name"], first["type"], first["size_mib"]) == ("PReP", layout.PREP_TYPE, layout.PREP_MIB)


@pytest.mark.parametrize("arch", GUEST_ARCHES)
def test_sfdisk_writes_the_table_the_layout_describes(arch, tmp_path):
    sfdisk = shutil.which("sfdisk")
    if sfdisk is None:
        unavailable("sfdisk (Debian's fdisk) is not installed (scripts/setup-host installs it)")
    plan = layout.disk_layout(ARCHES[arch]["guest_boot"], 20 * layout.MIB)
    disk = tmp_path / "disk.raw"
    with open(disk, "wb") as handle:
        handle.truncate(plan["size_mib"] * layout.MIB)
    subprocess.run([sfdisk, "--no-reread", "--no-tell-kernel", "-q", str(disk)], input=layout.sfdisk_script(plan), text=True, check=True)
    table = json.loads(subprocess.run([sfdisk, "--json", str(disk)], capture_output=True, text=True, check=True).stdout)["partitiontable"]
    assert table["label"] == "gpt" and table["sectorsize"] == 512
    got = [(p["start"], p["size"], p["type"], p["name"]) for p in table["partitions"]]
    per_mib = layout.MIB // 512
    assert got == [(p["start_mib"] * per_mib, p["size_mib"] * per_mib, p["type"], p["name"]) for p in plan["partitions"]]
    # GPT's backup header and table fit in the MiB after the last partition.
    assert table["lastlba"] >= got[-1][0] + got[-1][1] - 1


@pytest.mark.parametrize("arch", GUEST_ARCHES)
def test_cmdline_puts_the_arch_serial_console_last(arch):
    boot = ARCHES[arch]["guest_boot"]
    words = layout.kernel_cmdline(boot, "cloudimg-rootfs").split()
    assert words[:2] == ["root=LABEL=cloudimg-rootfs", "ro"]
    assert words[-1] == "console=%s" % boot["console"]
    assert not any(w.startswith("console=") for w in layout.kernel_cmdline(boot, "r", serial_console=False).split())


def test_grub_configs_name_the_kernel_initrd_and_label():
    boot = ARCHES["ppc64le"]["guest_boot"]
    cfg = layout.grub_configs(boot, "lbl", "6.1.0-50-powerpc64le", "root=LABEL=lbl ro console=hvc0")
    assert "search --no-floppy --label --set=root lbl" in cfg["loader"]
    assert "configfile ($root)/boot/grub/grub.cfg" in cfg["loader"]
    assert "\tlinux /boot/vmlinux-6.1.0-50-powerpc64le root=LABEL=lbl ro console=hvc0\n" in cfg["menu"]
    assert "\tinitrd /boot/initrd.img-6.1.0-50-powerpc64le\n" in cfg["menu"]


def test_grub_modules_add_fat_only_for_efi():
    assert "fat" in layout.grub_modules(ARCHES["aarch64"]["guest_boot"])
    assert "fat" not in layout.grub_modules(ARCHES["ppc64le"]["guest_boot"])
    assert "LABEL=x / ext4" in layout.fstab("x")


@pytest.mark.parametrize("arch", GUEST_ARCHES)
def test_guest_boot_agrees_with_the_arch_entry(arch):
    entry = ARCHES[arch]
    boot = entry["guest_boot"]
    # An EFI boot file exists exactly where the arch has EFI binaries and guests that boot UEFI.
    assert (boot["efi_file"] is None) == (entry["pe_machine"] is None) == (entry["uefi"] == "none")
    assert boot["deb_arch"] in entry["aliases"] or boot["deb_arch"] == arch
    assert boot["dib_block_device"] == ("efi" if boot["efi_file"] else "gpt")
