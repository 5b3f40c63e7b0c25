# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulation-ready nova-libvirt image of a host that emulates foreign guest arches.

kolla-ansible runs libvirt and QEMU in the ``nova_libvirt`` container unless the host sets
``enable_nova_libvirt_container: false`` (kolla-ansible 23.0.0 ansible/group_vars/all/nova.yml), so
emulators installed on the host do nothing for its guests. Kolla's Debian and Ubuntu nova-libvirt
images install the ``qemu-system`` metapackage (kolla 23.0.0 docker/nova/nova-libvirt/Dockerfile.j2)
with ``--no-install-recommends``: every qemu-system binary but no foreign UEFI firmware (AAVMF is
qemu-system-arm's Recommends). A derived image adds the arch table's Debian packages of each
emulated arch; the host then runs it through kolla-ansible's per-service variable
``nova_libvirt_image_full`` (ansible/roles/nova-cell/defaults/main.yml), which role
kolla_multiarch writes to the host's host_vars.

Kolla's RPM-based images install ``qemu-kvm``, built for the host's own arch only, and no EL
repository has ``qemu-system-<arch>`` (``emulation._no_emulator``): no derived image can be built
from them. Controller side, used by ``nova/compute_arch.py`` and filter
``nova_compute_arch_libvirt_builds``.
"""

import hashlib
import json

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.registry import ImageRefError, parse_image_ref
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import emulation

# The derived image's tag: the base tag, this infix, then the emulated arches (sorted, joined by '-').
TAG_INFIX = "-emu-"
# Docker's limit on a tag's length (distribution/reference: [\w][\w.-]{0,127}).
MAX_TAG = 128
LABEL_PREFIX = "org.openstack.multiarch-kolla.libvirt-image."


def reference_problem(ref):
    """Why ``ref`` is not one image reference that is safe to write as a Dockerfile's FROM line and a host_vars value; None if it is."""
    try:
        parse_image_ref(ref)
    except ImageRefError as exc:
        return "%s" % exc
    if any(c.isspace() or ord(c) < 32 or c in "\"'\\{}#$`" for c in ref.strip()):
        return "image reference %r has characters an image reference cannot have" % ref
    return None


def derived_ref(base, arches):
    """``(derived image reference, error or None)``: ``base`` with ``-emu-<arches>`` appended to its tag."""
    error = reference_problem(base)
    if error:
        return None, error
    name = base.strip()
    if "@" in name:
        return None, "image reference %r is pinned by digest; give it by tag, so that the derived image's tag can be made from it" % base
    slash, colon = name.rfind("/"), name.rfind(":")
    repository, tag = (name[:colon], name[colon + 1:]) if colon > slash else (name, "latest")
    new_tag = tag + TAG_INFIX + "-".join(sorted(arches))
    if len(new_tag) > MAX_TAG:
        return None, "the derived tag %r is longer than the %d characters a tag may have; give the base a shorter tag" % (new_tag, MAX_TAG)
    return "%s:%s" % (repository, new_tag), None


def _rpm_refusal(host, distro, foreign):
    listed = ", ".join(foreign)
    return (
        "host %s: kolla_base_distro=%s and libvirt runs in kolla's nova_libvirt container, whose RPM-based image installs qemu-kvm: "
        "the native emulator only, and no EL repository has qemu-system-<arch> to add (docs/architectures.md), so no emulation-ready "
        "nova-libvirt image can be built for %s guests. Fix, either: (1) run a Debian or Ubuntu based nova-libvirt image on this host "
        "(kolla_base_distro=debian or ubuntu for it, and nova_compute_arch_libvirt_image naming that image), from which the role derives "
        "one with the emulators; or (2) use the host's libvirt: enable_nova_libvirt_container: false for this host, on a Debian or Ubuntu "
        "host, where the role installs the emulators itself" % (host, distro, listed)
    )


def libvirt_image(host, foreign, kolla_base_distro, container, base):
    """``(value or None, errors)`` for one host's nova-libvirt image.

    ``value`` is ``{"base", "image", "packages", "arches"}`` when the host emulates ``foreign`` arches in
    kolla's nova_libvirt container and the operator named the image it runs (``base``).
    """
    if not foreign or not container:
        return None, []
    distro = (kolla_base_distro or "").strip().lower()
    if distro in emulation.RPM_KOLLA_DISTROS:
        return None, [_rpm_refusal(host, distro, foreign)]
    if not base or distro not in emulation.DEB_KOLLA_DISTROS:
        # No image named, or a distro not known here (emulation.image_warnings says what the image must carry).
        return None, []
    if not isinstance(base, str):
        return None, ["host %s: nova_compute_arch_libvirt_image=%r: give the image reference this host's nova_libvirt runs, "
                      "such as registry.example:4000/openstack.kolla/nova-libvirt:2026.2-debian-trixie" % (host, base)]
    image, error = derived_ref(base, foreign)
    if error:
        return None, ["host %s: nova_compute_arch_libvirt_image: %s" % (host, error)]
    packages = []
    for arch in foreign:
        needed, reason = emulation.packages(arch, "Debian")
        if reason:
            return None, ["host %s: cannot build a nova-libvirt image with %s guests: %s" % (host, arch, reason)]
        packages.extend(p for p in needed if p not in packages)
    return {"base": base.strip(), "image": image, "packages": packages, "arches": sorted(foreign)}, []


def image_checks(arches):
    """Shell lines, run inside the derived image, each printing ``missing: <what>`` when an emulator or firmware is not there.

    The emulator is the arch table's ``qemu_binary``. An arch that boots UEFI only needs a QEMU firmware
    descriptor (docs/interop/firmware.json of QEMU, /usr/share/qemu/firmware) for its arch, which is how
    libvirt finds the firmware; an arch whose machine loads its own firmware file (the arch table's
    ``boot_firmware_file``: SLOF for pseries) needs that file.
    """
    lines = []
    for arch in sorted(arches):
        info = ARCHES[arch]
        lines.append("test -x /usr/bin/{0} || echo 'missing: /usr/bin/{0}'".format(info["qemu_binary"]))
        if info["uefi"] == "required":
            lines.append("grep -qs '\"architecture\": *\"{0}\"' /usr/share/qemu/firmware/*.json "
                         "|| echo 'missing: a QEMU firmware descriptor for {0} in /usr/share/qemu/firmware'".format(arch))
        if info["boot_firmware_file"]:
            lines.append("test -s {0} || echo 'missing: {0} ({1} boot firmware)'".format(info["boot_firmware_file"], arch))
    return lines


def dockerfile(value):
    """The derived image's Dockerfile: the base, plus the packages from the distribution's own repositories."""
    labels = {LABEL_PREFIX + "base": value["base"], LABEL_PREFIX + "packages": " ".join(value["packages"])}
    return "\n".join([
        "# Built by multiarch.kolla (role nova_compute_arch): kolla's nova-libvirt plus the emulators of %s." % ", ".join(value["arches"]),
        "FROM %s" % value["base"],
        "USER root",
        "RUN apt-get --error-on=any update \\",
        "    && DEBIAN_FRONTEND=noninteractive apt-get -y install --no-install-recommends %s \\" % " ".join(value["packages"]),
        "    && apt-get clean && rm -rf /var/lib/apt/lists/*",
        "LABEL %s" % " ".join("%s=%s" % (k, json.dumps(v)) for k, v in sorted(labels.items())),
        "",
    ])


def builds(plans):
    """``{"builds": [...], "errors": [...]}``: one build per derived image, from the plans of the play's hosts.

    Each build is ``{image, base, packages, arches, arch, hosts, builder, dockerfile, checks, key}``; the
    builder is the first host that runs the image (its Docker has the host's arch). Hosts of different arches
    that name the same base would get one single-arch image under one tag: refused.
    """
    found, errors = {}, []
    for plan in plans or []:
        value = ((plan or {}).get("decision") or {}).get("libvirt_image")
        if not value:
            continue
        build = found.get(value["image"])
        if build is None:
            text = dockerfile(value)
            found[value["image"]] = dict(value, arch=plan["arch"], hosts=[plan["host"]], builder=plan["host"], dockerfile=text,
                                         checks=image_checks(value["arches"]), key=hashlib.sha256(text.encode()).hexdigest()[:12])
        elif build["arch"] != plan["arch"]:
            errors.append("hosts %s (%s) and %s (%s) both name %s as their nova-libvirt image; an image is built for one arch: give the "
                          "%s hosts their own nova_compute_arch_libvirt_image (kolla's %s tag)"
                          % (build["builder"], build["arch"], plan["host"], plan["arch"], value["base"], plan["arch"],
                             ARCHES[plan["arch"]]["kolla_tag_suffix"] or "per-arch"))
        else:
            build["hosts"].append(plan["host"])
    return {"builds": list(found.values()), "errors": errors}
