# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small initramfs for a guest root tree of any arch, made on the build host without running guest code.

Debian's update-initramfs under qemu-user takes about 8 minutes per run (../shared/notes/guest-images.md),
so the files path of the guest_image module builds this one instead: the guest's own static busybox
(Debian's busybox-static), the virtio and ext4 modules of the guest's kernel with their dependencies
from its modules.dep, and an /init that mounts ``root=`` and switches to it. The format is the kernel's
"newc" cpio (Linux Documentation/driver-api/early-userspace/buffer-format.rst), gzip-compressed.
"""

import gzip
import io
import lzma
import os
import stat

# What mounting a root on a virtio disk of nova's guests needs: the PCI transport, the block and SCSI
# disks (hw_disk_bus virtio or scsi), ext4, and crc32c, which ext4's metadata checksums ask the crypto
# API for by name (so modules.dep does not list it).
BOOT_MODULES = ("virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "ext4", "crc32c_generic")
BUSYBOX = "bin/busybox"

INIT = r"""#!/bin/busybox sh
# /init of the multiarch.kolla guest initramfs: load the disk modules, mount root= read-only, switch to it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/modules.load); do insmod "/$m" || echo "initramfs: cannot load $m"; done
root=""; init=/sbin/init
for word in $(cat /proc/cmdline); do
  case "$word" in root=*) root=${word#root=} ;; init=*) init=${word#init=} ;; esac
done
case "$root" in LABEL=*|UUID=*) spec=$root ;; *) spec="" ;; esac
tries=0
while [ "$tries" -lt 300 ]; do
  if [ -n "$spec" ]; then dev=$(findfs "$spec" 2>/dev/null); else dev=$root; fi
  [ -n "$dev" ] && [ -b "$dev" ] && break
  tries=$((tries + 1)); sleep 0.1
done
mkdir -p /newroot
if ! mount -o ro "$dev" /newroot; then echo "initramfs: cannot mount root=$root ($dev)"; exec sh; fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$init"
"""


class InitramfsError(Exception):
    """The guest tree lacks something the initramfs needs; the message names it and the fix."""


def parse_modules_dep(text):
    """``modules.dep`` as {module name: (path, [dependency paths])}; names use ``_`` as the kernel does."""
    table = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        path, deps = line.split(":", 1)
        table[module_name(path)] = (path.strip(), deps.split())
    return table


def module_name(path):
    base = os.path.basename(path.strip())
    for suffix in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.replace("-", "_")


def load_order(table, builtin, names):
    """Module paths to insmod, dependencies first, each once; built-in modules are skipped."""
    by_path = dict(table.values())
    order = []

    def visit(path):
        if path in order:
            return
        # modules.dep lists every (transitive) dependency; modprobe loads them last to first.
        for dep in reversed(by_path.get(path, [])):
            visit(dep)
        order.append(path)

    for name in names:
        key = name.replace("-", "_")
        if key in builtin:
            continue
        if key not in table:
            raise InitramfsError("the guest kernel has no module %s (not in modules.dep or modules.builtin)" % name)
        visit(table[key][0])
    return order


def cpio_newc(entries):
    """A newc cpio archive of ``entries``: (name, mode, data bytes[, (major, minor) of a device node]), mode with its type bits."""
    out = io.BytesIO()
    for ino, entry in enumerate([*list(entries), ("TRAILER!!!", 0, b"")], start=1):
        name, mode, data = entry[:3]
        major, minor = entry[3] if len(entry) > 3 else (0, 0)
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data), 0, 0, major, minor, len(encoded), 0)
        out.write(b"070701" + b"".join(b"%08X" % field for field in fields) + encoded)
        out.write(b"\0" * (-out.tell() % 4))
        out.write(data)
        out.write(b"\0" * (-out.tell() % 4))
    return out.getvalue()


def _read_module(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        raise InitramfsError("%s is zstd-compressed; busybox insmod cannot load it" % path)
    return data


def boot_modules(boot):
    """The modules the initramfs of a guest loads: the disk's, and the config drive's CD-ROM of its arch (``boot``, the
    arch table's ``guest_boot``: ``config_drive_modules``)."""
    return BOOT_MODULES + tuple(boot["config_drive_modules"])


def build_initramfs(tree, kernel_version, modules=BOOT_MODULES):
    """The gzip-compressed initramfs for the kernel ``kernel_version`` of the root ``tree``."""
    moddir = os.path.join(tree, "lib", "modules", kernel_version)
    busybox = os.path.join(tree, BUSYBOX)
    if not os.path.isfile(busybox):
        raise InitramfsError("the guest tree has no /%s: install Debian's busybox-static in the image" % BUSYBOX)
    try:
        with open(os.path.join(moddir, "modules.dep"), encoding="utf-8") as handle:
            table = parse_modules_dep(handle.read())
    except FileNotFoundError:
        raise InitramfsError("the guest tree has no %s/modules.dep: is kernel %s installed?" % (moddir, kernel_version)) from None
    builtin = set()
    if os.path.exists(os.path.join(moddir, "modules.builtin")):
        with open(os.path.join(moddir, "modules.builtin"), encoding="utf-8") as handle:
            builtin = {module_name(line) for line in handle if line.strip()}
    order = load_order(table, builtin, modules)
    with open(busybox, "rb") as handle:
        entries = [("bin", 0o40755, b""), ("bin/busybox", 0o100755, handle.read())]
    entries += [(name, 0o40755, b"") for name in ("dev", "proc", "sys", "etc", "newroot", "lib")]
    # The kernel opens /dev/console for /init before anything mounts devtmpfs (Linux init/main.c, console_on_rootfs).
    entries.append(("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)))
    loaded = []
    for path in order:
        plain = path.rsplit(".ko", 1)[0] + ".ko"
        target = "lib/" + plain
        parts = target.split("/")
        for depth in range(2, len(parts)):
            folder = "/".join(parts[:depth])
            if (folder, 0o40755, b"") not in entries:
                entries.append((folder, 0o40755, b""))
        entries.append((target, 0o100644, _read_module(os.path.join(moddir, path))))
        loaded.append(target)
    entries.append(("etc/modules.load", 0o100644, ("\n".join(loaded) + "\n").encode()))
    entries.append(("init", 0o100755, INIT.encode()))
    return gzip.compress(cpio_newc(entries), mtime=0), [module_name(path) for path in order]
