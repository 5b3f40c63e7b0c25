"""plugin_utils/gpu/kernel.py: IOMMU arguments by arch and CPU vendor, vfio modules, binding mode and the owned files."""

from __future__ import annotations

import subprocess

import pytest
from gpu_testlib import host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import kernel, select

P = kernel.PATHS


def plan_files(pci, arch="x86_64", **selection):
    gpus, errors, _unused = select.select_gpus(pci, "h1", **selection)
    assert errors == []
    args, _unused, _unused = kernel.kernel_args(arch, "GenuineIntel", None, pci, "h1")
    modules, _unused = kernel.vfio_modules(arch, pci["kernel"]["version"], "h1")
    return kernel.host_files(pci, select.selected_functions(gpus), select.host_functions(pci), args=args, modules=modules, host="h1",
                             blacklist_drivers=["nouveau"])


@pytest.mark.parametrize(
    ("arch", "vendor", "config", "expected"),
    [
        ("x86_64", "GenuineIntel", None, ["intel_iommu=on", "iommu=pt"]),
        ("x86_64", "GenuineIntel", {"CONFIG_INTEL_IOMMU_DEFAULT_ON": "y"}, ["iommu=pt"]),
        ("x86_64", "GenuineIntel", {"CONFIG_INTEL_IOMMU_DEFAULT_ON": "n"}, ["intel_iommu=on", "iommu=pt"]),
        ("amd64", "AuthenticAMD", None, ["iommu=pt"]),
        ("x86_64", "HygonGenuine", None, ["iommu=pt"]),
        ("aarch64", None, None, []),
        ("ppc64le", "IBM", None, []),
    ],
)
def test_iommu_arguments(tmp_path, arch, vendor, config, expected):
    args, warnings, errors = kernel.kernel_args(arch, vendor, config, {"cmdline_iommu_args": []}, "h1")
    assert (args, warnings, errors) == (expected, [], [])
    assert "amd_iommu=on" not in args


def test_an_unknown_x86_vendor_is_an_error():
    _unused, _unused, errors = kernel.kernel_args("x86_64", None, None, {}, "h1")
    assert errors and errors[0].startswith("host h1: the CPU vendor is unknown")


def test_amd_iommu_on_in_the_command_line_is_warned_about(tmp_path):
    pci = host_pci(tmp_path, "sriov_a100")  # its command line has amd_iommu=on
    args, warnings, _unused = kernel.kernel_args("x86_64", "AuthenticAMD", None, pci, "h1")
    assert args == ["iommu=pt"]
    assert warnings == ["host h1: the kernel command line has amd_iommu=on, which is no valid value and is ignored by the kernel; "
                        "remove it from the bootloader configuration"]


@pytest.mark.parametrize(
    ("arch", "version", "expected"),
    [
        ("x86_64", [5, 15, 0], ["vfio", "vfio_virqfd", "vfio_iommu_type1", "vfio_pci"]),
        ("x86_64", [6, 1, 0], ["vfio", "vfio_virqfd", "vfio_iommu_type1", "vfio_pci"]),
        ("aarch64", [6, 8, 0], ["vfio", "vfio_iommu_type1", "vfio_pci"]),
        ("ppc64le", [5, 14, 0], ["vfio", "vfio_virqfd", "vfio_iommu_spapr_tce", "vfio_pci"]),
        ("x86_64", [6, 2], ["vfio", "vfio_iommu_type1", "vfio_pci"]),
    ],
)
def test_vfio_modules(arch, version, expected):
    assert kernel.vfio_modules(arch, version, "h1") == (expected, [])


def test_vfio_modules_of_an_unknown_kernel_leave_virqfd_out():
    modules, warnings = kernel.vfio_modules("x86_64", None, "h1")
    assert "vfio_virqfd" not in modules and "kernel version is unknown" in warnings[0]


def test_identical_cards_split_between_host_and_guests_bind_per_address(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    got = plan_files(pci, all_gpus=True)
    assert got["binding"]["ids"] == [] and got["binding"]["overrides"] == ["0000:02:00.0", "0000:02:00.1"]
    assert got["binding"]["softdeps"] == ["nouveau", "snd_hda_intel"]  # the twin's drivers: vfio-pci must load first
    assert got["files"][P["udev"]] == kernel.HEADER + (
        'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:02:00.0", ATTR{driver_override}="vfio-pci"\n'
        'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:02:00.1", ATTR{driver_override}="vfio-pci"\n'
    )
    assert "options vfio-pci" not in got["files"][P["modprobe"]]


def test_every_card_of_an_id_binds_by_id_with_softdeps(tmp_path):
    pci = host_pci(tmp_path, "gpu_with_nic")
    got = plan_files(pci, ids=["10de:1eb1"])
    assert got["files"][P["modprobe"]] == kernel.HEADER + (
        "options vfio-pci ids=10de:10f8,10de:1ad8,10de:1ad9,10de:1eb1\n"
        "softdep i2c_nvidia_gpu pre: vfio-pci\nsoftdep nvidia pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\nsoftdep xhci_pci pre: vfio-pci\n"
    )
    assert P["udev"] not in got["files"] and got["errors"] == []


def test_debian_files(tmp_path):
    got = plan_files(host_pci(tmp_path, "sriov_a100"), ids=["10de:20f1"])
    files = got["files"]
    assert files[P["grub"]] == kernel.HEADER + 'GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} intel_iommu=on iommu=pt"\n'
    assert files[P["modules_load"]] == kernel.HEADER + "vfio\nvfio_virqfd\nvfio_iommu_type1\nvfio_pci\n"
    assert files[P["blacklist"]] == kernel.HEADER + "blacklist nouveau\n"
    hook = files[P["initramfs-tools"]]
    assert hook.startswith("#!/bin/sh\n" + kernel.HEADER) and "force_load vfio_pci\n" in hook
    assert subprocess.run(["sh", "-n"], input=hook, text=True, check=False).returncode == 0
    prereqs = subprocess.run(["sh", "-s", "prereqs"], input=hook, text=True, capture_output=True, check=False)
    assert (prereqs.returncode, prereqs.stdout) == (0, "\n")  # initramfs-tools asks each hook for its prerequisites first
    assert got["modes"][P["initramfs-tools"]] == "0755" and got["modes"][P["grub"]] == "0644"
    assert got["grubby_args"] == [] and P["dracut"] not in files


def test_el_files_use_grubby_and_dracut(tmp_path):
    pci = host_pci(tmp_path, "ppc64le_v100")
    got = plan_files(pci, arch="ppc64le", all_gpus=True)
    assert got["files"][P["dracut"]] == kernel.HEADER + 'force_drivers+=" vfio vfio_virqfd vfio_iommu_spapr_tce vfio_pci "\n'
    assert P["grub"] not in got["files"] and got["grubby_args"] == []  # POWER needs no IOMMU argument
    pci["bootloader"]["grub_dropin_dir"] = False
    x86 = kernel.host_files(pci, [], {}, args=["iommu=pt"], modules=["vfio"], host="h1")
    assert x86["grubby_args"] == ["iommu=pt"] and P["grub"] not in x86["files"]


def test_the_grub_drop_in_sorts_after_the_cloud_image_file():
    name = P["grub"].rsplit("/", 1)[1]
    assert sorted([name, "50-cloudimg-settings.cfg", "40-force-partuuid.cfg"])[-1] == name and name.endswith(".cfg")


def test_no_bootloader_and_no_initramfs_tool_are_errors(tmp_path):
    pci = host_pci(tmp_path, "sriov_a100")
    pci["bootloader"] = {"grub_dropin_dir": False, "grubby": False}
    pci["initramfs"] = {"tool": None, "installed": ["initramfs-tools", "dracut"]}
    got = kernel.host_files(pci, [], {}, args=["iommu=pt"], modules=["vfio"], host="h1", blacklist_drivers=["nou veau"])
    assert len(got["errors"]) == 3
    assert "'nou veau' are no module names" in got["errors"][0]
    assert "installed: initramfs-tools, dracut" in got["errors"][1]
    assert "neither /etc/default/grub.d nor grubby" in got["errors"][2]


def test_every_owned_file_names_the_collection(tmp_path):
    for got in (plan_files(host_pci(tmp_path, "sriov_a100"), ids=["10de:20f1"]), plan_files(host_pci(tmp_path, "two_gtx1060"), all_gpus=True)):
        for path, content in got["files"].items():
            assert path in kernel.OWNED_FILES
            assert kernel.HEADER in content.split("\n", 2)[0] + "\n" + content.split("\n", 2)[1] + "\n", path
    assert "multiarch.kolla" in kernel.HEADER
