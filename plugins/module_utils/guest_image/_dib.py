# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""diskimage-builder's command line and environment for one guest image, and the image's cache key.

Two ways to a bootable disk (the ``assembly`` option of the guest_image module):
- ``dib``: diskimage-builder's own path, ``vm`` and ``block-device-<efi|gpt>`` (archtable
  ``guest_boot.dib_block_device``) with its ``bootloader`` element. It partitions a loop device with
  kpartx, so it needs the kernel's device-mapper (``/proc/misc`` lists ``device-mapper``).
- ``files``: diskimage-builder builds the root as a tar (``-t tar``, no partitions), and
  ``_assemble.py`` makes the disk from files: no loop device, device-mapper or mount. The element
  ``multiarch-deferred-initramfs`` skips update-initramfs inside the build (``_initramfs.py`` makes one).
"""

import hashlib
import json
import os

# Bump when a change to how the disk is made changes the image for the same inputs. An arch in ARCH_BUILD_FORMAT has
# its own number, so that a change to one arch's disk rebuilds that arch's images only.
BUILD_FORMAT = 1
ARCH_BUILD_FORMAT = {"x86_64": 2}  # 2: the config drive's CD-ROM drivers in the initramfs (archtable config_drive_modules)
KEY_DIGITS = 12  # hex digits of a cache key, the last part of an image's file name
FILES_ELEMENTS = ("multiarch-deferred-initramfs",)


def device_mapper_available(proc_misc="/proc/misc"):
    """Whether the kernel has device-mapper, which diskimage-builder's partitioning (kpartx) needs."""
    try:
        with open(proc_misc, encoding="utf-8") as handle:
            return any(line.split()[-1:] == ["device-mapper"] for line in handle)
    except OSError:
        return False


def choose_assembly(requested, dm_available):
    """``auto`` is ``dib`` where device-mapper exists, else ``files``; ``dib`` without it is an error (None)."""
    if requested == "auto":
        return "dib" if dm_available else "files"
    if requested == "dib" and not dm_available:
        return None
    return requested


def elements_for(boot, assembly, elements):
    """The element list given to disk-image-create."""
    if assembly == "dib":
        return ["vm", "block-device-%s" % boot["dib_block_device"], *list(elements)]
    return list(elements) + list(FILES_ELEMENTS)


def packages_for(boot, assembly, packages):
    """Packages for ``-p``: the operator's, and on the files path the grub modules ``_assemble.py`` links."""
    extra = [boot["grub_package"]] if assembly == "files" else []
    return sorted(set(packages) | set(extra))


def dib_command(dib, boot, *, assembly, output, elements, packages, image_cache):
    """argv of disk-image-create; its output is ``output``.tar (files) or ``output``.qcow2 (dib).

    ``image_cache`` is the build's own cache (debootstrap tarball, apt archives): builds that share one collide on
    apt's lock in the shared archive directory, so each arch gets its own.
    """
    argv = [dib, "--image-cache", image_cache, "-a", boot["deb_arch"], "-t", "tar" if assembly == "files" else "qcow2", "-o", output]
    pkgs = packages_for(boot, assembly, packages)
    if pkgs:
        argv += ["-p", ",".join(pkgs)]
    return argv + elements_for(boot, assembly, elements)


def dib_environment(base, boot, *, release, components, mirror, security_mirror, elements_path, serial_console):
    """The environment of disk-image-create: ``base`` plus the release, components, mirrors, element path and console."""
    env = dict(base)
    path = [p for p in elements_path if p]
    if env.get("ELEMENTS_PATH"):
        path.append(env["ELEMENTS_PATH"])
    env.update(
        {
            "ELEMENTS_PATH": ":".join(path),
            "DIB_RELEASE": release,
            "DIB_DEBIAN_COMPONENTS": ",".join(components),
            "DIB_DISTRIBUTION_MIRROR": mirror,
            "DIB_DEBIAN_SECURITY_MIRROR": security_mirror,
            # The bootloader element (dib path) writes these into GRUB_CMDLINE_LINUX_DEFAULT.
            "DIB_BOOTLOADER_USE_SERIAL_CONSOLE": "True" if serial_console else "False",
            "DIB_BOOTLOADER_SERIAL_CONSOLE": boot["console"] if serial_console else "",
        }
    )
    if not security_mirror:
        # debian-minimal's default sources list without its security line (environment.d/10-debian-minimal.bash).
        comps = " ".join(components)
        env["DIB_APT_SOURCES_CONF"] = "default:deb %s %s %s\nupdates:deb %s %s-updates %s\n" % (mirror, release, comps, mirror, release, comps)
    return env


def tree_digest(paths):
    """sha256 over every file (name, mode, content) under the element directories ``paths``."""
    digest = hashlib.sha256()
    for top in sorted(p for p in paths if p):
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(folder, name)
                digest.update(os.path.relpath(full, top).encode() + b"\0%o\0" % (os.stat(full).st_mode & 0o777))
                with open(full, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def cache_key(inputs, elements_path, dib_version):
    """12 hex digits naming an image: the inputs, the elements' files and diskimage-builder's version."""
    build_format = ARCH_BUILD_FORMAT.get(inputs.get("arch"), BUILD_FORMAT)
    record = dict(inputs, dib_version=dib_version, elements_digest=tree_digest(elements_path), build_format=build_format)
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:KEY_DIGITS]
