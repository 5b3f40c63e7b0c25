# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The partition table and boot configuration of a guest disk, as data (no tool runs here).

A guest disk is GPT with two partitions (both layouts boot on nova's default machines):
- UEFI arches (archtable ``guest_boot.efi_file`` set): an EFI system partition holding grub's standalone
  image at the removable-media path ``\\EFI\\BOOT\\<efi_file>`` (UEFI 2.10 section 3.5.1.1), which firmware
  boots with no NVRAM boot entry (AAVMF and OVMF start a fresh guest's disk that way), then the root;
- ppc64le: a PReP boot partition holding grub's ``powerpc-ieee1275`` ELF, which SLOF loads from a GPT
  disk (PowerPC Reference Platform; grub's own docs, "PReP partition"), then the root.
The root is ext4 with a label; grub finds it by that label and the kernel's initramfs mounts
``root=LABEL=<label>``, so no partition number or UUID is baked into any file.
"""

MIB = 1024 * 1024
SECTOR = 512
ESP_MIB = 64
PREP_MIB = 8
# GPT partition type GUIDs (UEFI 2.10 section 5.3.3; the PReP and Linux ones as util-linux's sfdisk lists them).
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
PREP_TYPE = "9E1A2D38-C612-4316-AA26-8B49521E5A8B"
LINUX_TYPE = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
# grub modules linked into the boot loader image: nothing is loaded from disk later.
GRUB_MODULES = ("part_gpt", "ext2", "normal", "linux", "configfile", "search", "search_label", "echo", "gzio", "boot")
GRUB_EFI_MODULES = ("fat", "all_video")


def disk_layout(boot, root_bytes):
    """The partitions of a guest disk whose root file system image is ``root_bytes`` long.

    Returns ``{"partitions": [{"name", "type", "start_mib", "size_mib"}], "size_mib"}``: the first
    partition starts at 1 MiB, each is a whole number of MiB, and 1 MiB at the end holds GPT's backup.
    """
    first = ("ESP", ESP_TYPE, ESP_MIB) if boot["efi_file"] else ("PReP", PREP_TYPE, PREP_MIB)
    root_mib = -(-int(root_bytes) // MIB)
    partitions, start = [], 1
    for name, ptype, size in (first, ("root", LINUX_TYPE, root_mib)):
        partitions.append({"name": name, "type": ptype, "start_mib": start, "size_mib": size})
        start += size
    return {"partitions": partitions, "size_mib": start + 1}


def sfdisk_script(layout):
    """``layout`` as sfdisk input (util-linux sfdisk(8), "INPUT FORMATS"), in 512-byte sectors."""
    lines = ["label: gpt", "unit: sectors", ""]
    per_mib = MIB // SECTOR
    for part in layout["partitions"]:
        lines.append(
            "start=%d, size=%d, type=%s, name=%s" % (part["start_mib"] * per_mib, part["size_mib"] * per_mib, part["type"], part["name"])
        )
    return "\n".join(lines) + "\n"


def kernel_cmdline(boot, label, *, serial_console=True, extra=()):
    """The guest kernel's command line: the root by label and, by default, the arch's serial console last.

    Linux makes the last ``console=`` /dev/console, where systemd's messages and the login prompt go; the
    serial one is where nova's console log (and ``openstack console log show``) reads.
    """
    words = ["root=LABEL=%s" % label, "ro"]
    if serial_console:
        words += (["console=tty0"] if boot["graphics_console"] else []) + ["console=%s" % boot["console"]]
    return " ".join(words + list(extra))


def grub_configs(boot, label, kernel_version, cmdline):
    """grub's two files: ``loader`` (embedded in, or beside, the boot loader image) and ``menu`` (/boot/grub/grub.cfg)."""
    loader = "search --no-floppy --label --set=root %s\nset prefix=($root)/boot/grub\nconfigfile ($root)/boot/grub/grub.cfg\n" % label
    menu = (
        "set timeout=1\n"
        "menuentry 'Debian GNU/Linux, %(kver)s' {\n"
        "\tsearch --no-floppy --label --set=root %(label)s\n"
        "\tlinux /boot/%(kernel)s-%(kver)s %(cmdline)s\n"
        "\tinitrd /boot/initrd.img-%(kver)s\n"
        "}\n"
    ) % {"kver": kernel_version, "label": label, "kernel": boot["kernel"], "cmdline": cmdline}
    return {"loader": loader, "menu": menu}


def grub_modules(boot):
    """The modules linked into the boot loader image of ``boot``'s format."""
    return GRUB_MODULES + (GRUB_EFI_MODULES if boot["efi_file"] else ())


def fstab(label):
    """/etc/fstab of the guest: the root by label (growroot grows it at first boot)."""
    return "# Written by multiarch.kolla's guest_image module\nLABEL=%s / ext4 errors=remount-ro 0 1\n" % label
