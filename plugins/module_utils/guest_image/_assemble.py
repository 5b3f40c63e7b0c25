# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bootable guest disk from a root tree, made of files: no loop device, device-mapper, partition node or mount.

The steps (what ../shared/notes/guest-images.md found works where the kernel has no device-mapper):
1. the tree gets its initramfs (``_initramfs.py``), /boot/grub/grub.cfg and /etc/fstab (``_layout.py``);
2. the root file system is made from the tree as a file: ``mkfs.ext4 -d`` (e2fsprogs >= 1.43) keeps owners,
   modes and device nodes without mounting anything;
3. grub's boot loader image is linked from the guest's own grub modules (``grub-mkimage -d``; the host's
   grub-mkimage writes any format): an EFI binary put on a FAT file system made with ``mkfs.vfat -C`` and
   filled with mtools, or for ppc64le the ELF that fills the PReP partition;
4. sfdisk writes the GPT into a sparse file of the disk's size, each file system is copied in at its offset,
   and ``qemu-img convert`` makes the qcow2.
``run(argv, env=None, data=None)`` runs a tool and raises on failure; the module supplies it.
"""

import os

from ._initramfs import boot_modules, build_initramfs
from ._layout import MIB, disk_layout, fstab, grub_configs, grub_modules, kernel_cmdline, sfdisk_script

ROOT_SLACK_MIB = 256
BLOCK = 1024 * 1024


class AssemblyError(Exception):
    """The tree or a tool cannot make the disk; the message names what and the fix."""


def kernel_version(tree, boot):
    """The newest kernel of ``boot``'s file name under the tree's /boot."""
    prefix = boot["kernel"] + "-"
    try:
        names = os.listdir(os.path.join(tree, "boot"))
    except OSError:
        names = []
    found = sorted(name[len(prefix):] for name in names if name.startswith(prefix))
    if not found:
        raise AssemblyError("the root tree has no /boot/%s*: the image needs a kernel package" % prefix)
    return found[-1]


def tree_bytes(tree):
    """Disk usage of the tree (allocated blocks), not following links."""
    total = 0
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


def write_file(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)


# Mount points diskimage-builder's tar leaves out (it excludes ./proc and ./sys) or empties; systemd stops
# ("Failed to mount early API filesystems") when /proc or /sys is missing.
MOUNT_POINTS = {"proc": 0o555, "sys": 0o555, "dev": 0o755, "run": 0o755, "tmp": 0o1777}


def prepare_tree(tree, boot, label, *, serial_console, extra_cmdline=()):
    """Write the initramfs, grub's menu and fstab into ``tree``; return (kernel version, grub configs, modules)."""
    for name, mode in MOUNT_POINTS.items():
        os.makedirs(os.path.join(tree, name), exist_ok=True)
        os.chmod(os.path.join(tree, name), mode)
    kver = kernel_version(tree, boot)
    initrd, modules = build_initramfs(tree, kver, boot_modules(boot))
    write_file(os.path.join(tree, "boot", "initrd.img-%s" % kver), initrd)
    cmdline = kernel_cmdline(boot, label, serial_console=serial_console, extra=extra_cmdline)
    configs = grub_configs(boot, label, kver, cmdline)
    write_file(os.path.join(tree, "boot", "grub", "grub.cfg"), configs["menu"])
    write_file(os.path.join(tree, "etc", "fstab"), fstab(label))
    return kver, configs, modules


def boot_partition(run, tree, boot, configs, *, work, size_mib):
    """The first partition's image: an ESP with grub at \\EFI\\BOOT\\<efi_file>, or a PReP with grub's ELF."""
    moddir = os.path.join(tree, "usr", "lib", "grub", boot["grub_format"])
    if not os.path.isdir(moddir):
        raise AssemblyError("the root tree has no %s: install %s in the image" % (moddir[len(tree):], boot["grub_package"]))
    loader_cfg = os.path.join(work, "loader.cfg")
    write_file(loader_cfg, configs["loader"])
    core = os.path.join(work, "core.img")
    argv = ["grub-mkimage", "-O", boot["grub_format"], "-d", moddir, "-o", core]
    if boot["efi_file"]:
        argv += ["-p", "/EFI/BOOT"]
    else:
        argv += ["-c", loader_cfg, "-p", "/boot/grub"]
    run(argv + list(grub_modules(boot)))
    image = os.path.join(work, "boot.img")
    if not boot["efi_file"]:
        if os.path.getsize(core) > size_mib * MIB:
            raise AssemblyError("grub's core image (%d bytes) does not fit the %d MiB PReP partition" % (os.path.getsize(core), size_mib))
        os.replace(core, image)
        return image
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    run(["mkfs.vfat", "-C", "-F", "32", "-n", "ESP", image, str(size_mib * 1024)])
    run(["mmd", "-i", image, "::/EFI", "::/EFI/BOOT"], env=env)
    run(["mcopy", "-i", image, core, "::/EFI/BOOT/" + boot["efi_file"]], env=env)
    run(["mcopy", "-i", image, loader_cfg, "::/EFI/BOOT/grub.cfg"], env=env)
    return image


def copy_into(src, dest, offset):
    """Copy file ``src`` into ``dest`` at ``offset`` bytes, leaving holes where ``src`` is zero."""
    zero = bytes(BLOCK)
    with open(src, "rb") as inp, open(dest, "r+b") as out:
        pos = offset
        while True:
            chunk = inp.read(BLOCK)
            if not chunk:
                break
            if chunk != zero[: len(chunk)]:
                out.seek(pos)
                out.write(chunk)
            pos += len(chunk)


def assemble_disk(run, tree, boot, *, label, dest, work, fmt="qcow2", serial_console=True):
    """Make the disk image ``dest`` (qcow2 or raw) from ``tree``; return what was built."""
    kver, configs, modules = prepare_tree(tree, boot, label, serial_console=serial_console)
    root_img = os.path.join(work, "root.img")
    root_mib = (tree_bytes(tree) * 12 // 10) // MIB + ROOT_SLACK_MIB
    run(["mkfs.ext4", "-q", "-F", "-L", label, "-d", tree, root_img, "%dM" % root_mib])
    layout = disk_layout(boot, os.path.getsize(root_img))
    first = layout["partitions"][0]
    boot_img = boot_partition(run, tree, boot, configs, work=work, size_mib=first["size_mib"])
    raw = os.path.join(work, "disk.raw")
    with open(raw, "wb") as handle:
        handle.truncate(layout["size_mib"] * MIB)
    run(["sfdisk", "--no-reread", "--no-tell-kernel", "-q", raw], data=sfdisk_script(layout))
    for part, image in zip(layout["partitions"], (boot_img, root_img)):
        copy_into(image, raw, part["start_mib"] * MIB)
    if fmt == "raw":
        os.replace(raw, dest)
    else:
        run(["qemu-img", "convert", "-c", "-O", "qcow2", raw, dest])
        os.unlink(raw)
    return {"kernel_version": kver, "initramfs_modules": modules, "layout": layout}
