#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: guest_image
short_description: Build a bootable Debian guest disk image for one CPU architecture with diskimage-builder, cached by its inputs
version_added: 0.2.0
description:
  - Builds a guest image of O(arch) on an x86_64 (or any) build host with diskimage-builder's C(disk-image-create).
    A foreign arch is built under qemu-user through binfmt_misc, as diskimage-builder does by itself.
  - "O(assembly=files) needs the element C(multiarch-deferred-initramfs) in O(elements_path); the role
    C(multiarch.kolla.guest_images) copies the collection's elements to the build host and passes their directory."
  - "The image is named by a key over its inputs: the arch, release, elements (and the files of the element
    directories in O(elements_path)), packages, mirrors, assembly, format, console, root label and
    diskimage-builder's version. An image with that key in O(dest) is reused; nothing is built."
  - "Two assemblies (O(assembly)): C(dib) is diskimage-builder's own partitioned disk (elements C(vm) and
    C(block-device-efi), or C(block-device-gpt) with a PReP partition on ppc64le, and its C(bootloader) element). It
    needs the kernel's device-mapper for C(kpartx). C(files) builds the root with C(-t tar) and makes the disk from
    files: an ext4 root made with C(mkfs.ext4 -d), grub's standalone image linked from the guest's own grub modules
    on an EFI system partition (C(\\EFI\\BOOT\\BOOTAA64.EFI), C(BOOTX64.EFI)) or in a PReP partition (ppc64le), a
    GPT written by sfdisk into a sparse file, and a busybox initramfs made on the build host. No loop device,
    device-mapper or mount is used."
  - The image's kernel command line names the arch's serial console (C(ttyS0), C(ttyAMA0), C(hvc0)), where nova's
    console log reads, unless O(serial_console=false).
  - A manifest C(<image>.json) beside the image records the inputs, the key and the build's time.
  - After a build, the images of the same O(name) and O(arch) with another key (built from other inputs) are removed
    from O(dest) with their manifests, unless O(prune=false).
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
attributes:
  check_mode:
    support: full
    details: Reports whether the image would be built (no cached image with its key) without building it.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: An image with the same key is reused; a second run builds nothing.
  platform:
    details: The build host; root (diskimage-builder chroots, C(mkfs.ext4 -d) keeps the tree's owners).
requirements:
  - diskimage-builder (C(disk-image-create); requirements-dib.txt)
  - "Debian packages: qemu-utils, sudo, debootstrap; for a foreign arch qemu-user-static and binfmt-support; for
    O(assembly=files) e2fsprogs, dosfstools, mtools, fdisk and grub-common (C(grub-mkimage)); for O(assembly=dib)
    kpartx and gdisk"
notes:
  - "The C(files) assembly's own element C(multiarch-deferred-initramfs) (the role C(multiarch.kolla.guest_images)
    ships it) skips C(update-initramfs) during the build, which takes about 8 minutes per run under qemu-user; the
    image gets a small initramfs instead, and C(update-initramfs) works again inside the guest."
options:
  arch:
    description: CPU architecture of the guest (C(x86_64), C(aarch64), C(ppc64le); aliases such as C(arm64) accepted).
    type: str
    required: true
  dest:
    description: Directory of the built images (created when missing).
    type: path
    required: true
  name:
    description: File name prefix; the image is C(<dest>/<name>-<arch>-<key>.<format>).
    type: str
    default: debian
  release:
    description: Debian release (C(DIB_RELEASE)).
    type: str
    default: bookworm
  elements:
    description: diskimage-builder elements (the C(dib) assembly adds C(vm) and C(block-device-*)).
    type: list
    elements: str
    default: [debian-minimal, cloud-init, growroot]
  elements_path:
    description: Directories of extra elements (C(ELEMENTS_PATH)); their files are part of the key.
    type: list
    elements: path
    default: []
  packages:
    description: Extra packages installed in the image (C(disk-image-create -p)).
    type: list
    elements: str
    default: []
  components:
    description: Debian archive components (C(DIB_DEBIAN_COMPONENTS)); C(non-free) and C(non-free-firmware) for GPU drivers.
    type: list
    elements: str
    default: [main]
  mirror:
    description: Debian mirror (C(DIB_DISTRIBUTION_MIRROR)).
    type: str
    default: http://deb.debian.org/debian
  security_mirror:
    description:
      - Debian security mirror (C(DIB_DEBIAN_SECURITY_MIRROR)); set it with O(mirror) where only a local mirror is reachable.
      - An empty string leaves the security archive out of the image's sources (C(DIB_APT_SOURCES_CONF)); the guest then has
        no security updates until its sources list gets that line.
    type: str
    default: http://deb.debian.org/debian-security
  assembly:
    description: C(auto) is C(dib) where the kernel has device-mapper, else C(files).
    type: str
    choices: [auto, dib, files]
    default: auto
  format:
    description: Disk format of the image.
    type: str
    choices: [qcow2, raw]
    default: qcow2
  serial_console:
    description: Put the arch's serial console on the kernel command line (last, so the login prompt is there).
    type: bool
    default: true
  root_label:
    description: File system label of the root (diskimage-builder's default).
    type: str
    default: cloudimg-rootfs
  disk_image_create:
    description: The C(disk-image-create) program (a name looked up in C(PATH), or a path).
    type: str
    default: disk-image-create
  timeout:
    description: Seconds the build may take before it is stopped.
    type: int
    default: 7200
  prune:
    description:
      - After a build, remove the images of the same O(name) and O(arch) with another key from O(dest), with their
        manifests. They were built from other inputs, and the image list names only the new one.
      - Nothing is removed when the image is reused from the cache, or when the build fails.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Build an aarch64 guest image on an x86_64 build host
  multiarch.kolla.guest_image:
    arch: aarch64
    dest: /var/cache/multiarch-kolla/guest-images
  register: image

- name: A ppc64le image with a local mirror, assembled from files
  multiarch.kolla.guest_image:
    arch: ppc64le
    dest: /srv/images
    mirror: http://mirror.example.com/debian
    security_mirror: http://mirror.example.com/debian-security
    assembly: files
"""

RETURN = r"""
path:
  description: The image file (in check mode, the file a build would write).
  returned: always
  type: str
  sample: /var/cache/multiarch-kolla/guest-images/debian-aarch64-3f2a9c41d0be.qcow2
key:
  description: The cache key of the image (12 hex digits).
  returned: always
  type: str
  sample: 3f2a9c41d0be
arch:
  description: The canonical arch.
  returned: always
  type: str
  sample: aarch64
source:
  description: C(cache) when the image was there, C(built), or C(would-build) in check mode.
  returned: always
  type: str
  sample: built
assembly:
  description: The assembly used (C(dib) or C(files)).
  returned: always
  type: str
  sample: files
properties:
  description:
    - Glance properties the disk itself needs, beyond the arch's own (filter P(multiarch.kolla.glance_arch_properties#filter)).
    - C(hw_firmware_type=uefi) where the arch boots either way but the disk has only an EFI boot loader (x86_64, whose nova
      default is BIOS; aarch64 is UEFI-only already); empty for ppc64le (SLOF and PReP).
  returned: always
  type: dict
  sample: {"hw_firmware_type": "uefi"}
manifest:
  description: The image's manifest (inputs, key, kernel version, build seconds); empty in check mode before a build.
  returned: always
  type: dict
removed:
  description: The superseded images and manifests removed after the build (in check mode, those a build would remove).
  returned: always
  type: list
  elements: str
  sample: [/var/cache/multiarch-kolla/guest-images/debian-aarch64-0b1d2e3f4a5c.qcow2]
"""

import json
import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image._build import BuildError, build_image, superseded, tool_problems
from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image._dib import FILES_ELEMENTS, cache_key, choose_assembly, device_mapper_available

KEY_OPTIONS = ("release", "elements", "packages", "components", "mirror", "security_mirror", "format", "serial_console", "root_label")


def _dib_version(module, dib):
    rc, out, err = module.run_command([dib, "--version"])
    if rc != 0:
        module.fail_json(msg="%s --version failed (rc %d): %s" % (dib, rc, (err or out).strip()))
    return out.strip()


def _checked_inputs(module, p):
    """The arch, its guest layout, the assembly and disk-image-create: every refusal happens here, before anything runs."""
    try:
        arch = canonical_arch(p["arch"])
    except UnknownArchError as exc:
        module.fail_json(msg="arch: %s" % exc)
    boot = ARCHES[arch]["guest_boot"]
    if boot is None:
        known = ", ".join(sorted(a for a, e in ARCHES.items() if e["guest_boot"]))
        module.fail_json(msg="arch %s: no guest image layout is known for it; supported: %s" % (arch, known))
    for folder in p["elements_path"]:
        if not os.path.isdir(folder):
            module.fail_json(msg="elements_path: %s is not a directory" % folder)
    assembly = choose_assembly(p["assembly"], device_mapper_available())
    if assembly is None:
        module.fail_json(
            msg="assembly=dib needs the kernel's device-mapper (diskimage-builder partitions with kpartx), and /proc/misc does "
            "not list it on this host; fix: load dm_mod, or use assembly=files (or auto)"
        )
    if assembly == "files" and not any(os.path.isdir(os.path.join(d, element)) for d in p["elements_path"] for element in FILES_ELEMENTS):
        module.fail_json(
            msg="assembly=files needs the element %s in elements_path (none of %s has it); the role multiarch.kolla.guest_images "
            "copies the collection's elements to the build host and passes them" % (FILES_ELEMENTS[0], p["elements_path"] or "[]")
        )
    dib = p["disk_image_create"] if os.sep in p["disk_image_create"] else module.get_bin_path(p["disk_image_create"])
    if not dib or not os.access(dib, os.X_OK):
        module.fail_json(msg="diskimage-builder's %s is not found; fix: pip install -r requirements-dib.txt" % p["disk_image_create"])
    problems = tool_problems(module.get_bin_path, arch, assembly)
    if problems:
        module.fail_json(msg="the build host cannot build a %s image: %s" % (arch, "; ".join(problems)))
    return arch, boot, assembly, dib


ARGUMENT_SPEC = dict(
    arch=dict(type="str", required=True),
    dest=dict(type="path", required=True),
    name=dict(type="str", default="debian"),
    release=dict(type="str", default="bookworm"),
    elements=dict(type="list", elements="str", default=["debian-minimal", "cloud-init", "growroot"]),
    elements_path=dict(type="list", elements="path", default=[]),
    packages=dict(type="list", elements="str", default=[]),
    components=dict(type="list", elements="str", default=["main"]),
    mirror=dict(type="str", default="http://deb.debian.org/debian"),
    security_mirror=dict(type="str", default="http://deb.debian.org/debian-security"),
    assembly=dict(type="str", choices=["auto", "dib", "files"], default="auto"),
    format=dict(type="str", choices=["qcow2", "raw"], default="qcow2"),
    serial_console=dict(type="bool", default=True),
    root_label=dict(type="str", default="cloudimg-rootfs"),
    disk_image_create=dict(type="str", default="disk-image-create"),
    timeout=dict(type="int", default=7200),
    prune=dict(type="bool", default=True),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    arch, boot, assembly, dib = _checked_inputs(module, p)

    inputs = {k: p[k] for k in KEY_OPTIONS}
    inputs.update(arch=arch, assembly=assembly)
    key = cache_key(inputs, p["elements_path"], _dib_version(module, dib))
    path = os.path.join(p["dest"], "%s-%s-%s.%s" % (p["name"], arch, key, p["format"]))
    # The disk boots through \EFI\BOOT only: nova must give UEFI firmware even where the arch's default is BIOS.
    properties = {"hw_firmware_type": "uefi"} if boot["efi_file"] and ARCHES[arch]["uefi"] != "required" else {}
    result = dict(changed=False, path=path, key=key, arch=arch, assembly=assembly, source="cache", properties=properties, manifest={},
                  removed=[])
    if os.path.isfile(path) and os.path.isfile(path + ".json"):
        with open(path + ".json", encoding="utf-8") as handle:
            result["manifest"] = json.load(handle)
        module.exit_json(**result)
    stale = superseded(p["dest"], p["name"], arch, p["format"], path) if p["prune"] else []
    result.update(changed=True, source="would-build", removed=stale)
    if module.check_mode:
        module.exit_json(**result)

    os.makedirs(p["dest"], exist_ok=True)
    start = time.monotonic()
    work = os.path.join(p["dest"], ".work-%s-%s" % (arch, key))
    try:
        built = build_image(module, dib, arch, boot, assembly=assembly, path=path, work=work, params=p)
    except BuildError as exc:
        result["removed"] = []  # a failed build removes nothing
        module.fail_json(msg="building the %s image %s failed: %s" % (arch, os.path.basename(path), exc), **result)
    manifest = dict(inputs, key=key, image=os.path.basename(path), seconds=round(time.monotonic() - start, 1), **built)
    with open(path + ".json.tmp", "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
    os.replace(path + ".json.tmp", path + ".json")
    shutil.rmtree(work, ignore_errors=True)
    for old in stale:
        try:
            os.unlink(old)
        except FileNotFoundError:  # removed meanwhile (another run on the same dest)
            pass
    result.update(source="built", manifest=manifest)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
