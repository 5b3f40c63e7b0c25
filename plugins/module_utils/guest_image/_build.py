# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One guest image build: check the build host, run diskimage-builder, assemble the disk (the guest_image module's work)."""

import os
import re
import shutil

from ..archtable import canonical_arch
from ._assemble import AssemblyError, assemble_disk
from ._dib import KEY_DIGITS, dib_command, dib_environment
from ._initramfs import InitramfsError

# Programs each assembly runs, with the Debian package that has each.
TOOLS = {
    "common": (("qemu-img", "qemu-utils"), ("sudo", "sudo"), ("debootstrap", "debootstrap")),
    "files": (("tar", "tar"), ("mkfs.ext4", "e2fsprogs"), ("mkfs.vfat", "dosfstools"), ("mmd", "mtools"), ("mcopy", "mtools"),
              ("sfdisk", "fdisk"), ("grub-mkimage", "grub-common")),
    "dib": (("kpartx", "kpartx"), ("sgdisk", "gdisk")),
}
BINFMT = "/proc/sys/fs/binfmt_misc"
LOG_TAIL = 25


class BuildError(Exception):
    """A step of the build failed; the message names the step, its output's end and the log."""


def host_arch():
    return canonical_arch(os.uname().machine, strict=False)


def tool_problems(get_bin_path, arch, assembly, binfmt=BINFMT):
    """What the build host lacks for an ``arch`` image with ``assembly``, each with its fix; [] when nothing."""
    problems = []
    missing = sorted({pkg for tool, pkg in TOOLS["common"] + TOOLS[assembly] if not get_bin_path(tool)})
    if missing:
        problems.append("missing programs; fix: apt-get install %s" % " ".join(missing))
    if arch != host_arch():
        handler = os.path.join(binfmt, "qemu-%s" % arch)
        try:
            with open(handler, encoding="utf-8") as f:
                enabled = f.readline().strip() == "enabled"
        except OSError:
            enabled = False
        if not enabled:
            problems.append(
                "no enabled binfmt_misc handler %s for %s binaries; fix: apt-get install qemu-user-static binfmt-support "
                "&& update-binfmts --enable qemu-%s" % (handler, arch, arch)
            )
    return problems


def superseded(dest, name, arch, fmt, keep):
    """Images ``<name>-<arch>-<key>.<fmt>`` in ``dest`` with another key than the image ``keep`` (built from other
    inputs), each followed by its manifest when it has one."""
    pattern = re.compile(r"^%s-%s-[0-9a-f]{%d}\.%s$" % (re.escape(name), re.escape(arch), KEY_DIGITS, re.escape(fmt)))
    found = []
    for entry in sorted(os.listdir(dest)) if os.path.isdir(dest) else []:
        path = os.path.join(dest, entry)
        if pattern.match(entry) and path != keep:
            found += [path] + [path + ".json"] * os.path.isfile(path + ".json")
    return found


def _run(module, argv, log, *, env=None, data=None, step):
    rc, out, err = module.run_command(argv, environ_update=env, data=data, binary_data=data is None)
    with open(log, "a", encoding="utf-8", errors="replace") as handle:
        handle.write("$ %s\n%s%s\n" % (" ".join(argv), out, err))
    if rc != 0:
        tail = "\n".join((out + err).strip().splitlines()[-LOG_TAIL:])
        raise BuildError("%s failed (rc %d; the whole output is in %s):\n%s" % (step, rc, log, tail))
    return out


def _assemble_from_tar(module, boot, *, tar, dest, work, log, params):
    """The files assembly: unpack diskimage-builder's root tar and make the disk ``dest`` from it."""
    tree = os.path.join(work, "tree")
    os.makedirs(tree)
    _run(module, ["tar", "--numeric-owner", "-xpf", tar, "-C", tree], log, step="unpacking the root tar")

    def run(tool_argv, env=None, data=None):
        _run(module, tool_argv, log, env=env, data=data, step=tool_argv[0])

    try:
        return assemble_disk(run, tree, boot, label=params["root_label"], dest=dest, work=work, fmt=params["format"],
                             serial_console=params["serial_console"])
    except (AssemblyError, InitramfsError) as exc:
        raise BuildError("assembling the disk: %s" % exc) from None


def build_image(module, dib, arch, boot, *, assembly, path, work, params):
    """Build the image ``path``; returns what the manifest records about the build (kernel, layout)."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log = os.path.join(work, "build.log")
    output = os.path.join(work, "dib-out")
    env = dib_environment(
        {"PATH": os.path.dirname(dib) + os.pathsep + os.environ.get("PATH", "")},
        boot,
        release=params["release"],
        components=params["components"],
        mirror=params["mirror"],
        security_mirror=params["security_mirror"],
        elements_path=params["elements_path"],
        serial_console=params["serial_console"],
    )
    argv = dib_command(dib, boot, assembly=assembly, output=output, elements=params["elements"], packages=params["packages"],
                       image_cache=os.path.join(params["dest"], ".dib-cache", arch))
    if assembly == "dib":
        argv[1:1] = ["--root-label", params["root_label"]]
    _run(module, ["timeout", str(params["timeout"]), *argv], log, env=env, step="disk-image-create")
    partial = path + ".partial"
    try:
        if assembly == "dib":
            produced = output + ".qcow2"
            if params["format"] == "raw":
                _run(module, ["qemu-img", "convert", "-O", "raw", produced, partial], log, step="qemu-img convert")
            else:
                os.replace(produced, partial)
            built = {}
        else:
            built = _assemble_from_tar(module, boot, tar=output + ".tar", dest=partial, work=work, log=log, params=params)
    except BaseException:
        # No half-written image stays beside the cached ones; the work directory keeps the log.
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    os.replace(partial, path)
    return built
