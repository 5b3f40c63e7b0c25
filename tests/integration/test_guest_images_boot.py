"""The guest images roles/guest_images builds boot to a login prompt under TCG, from nova's own domain, with the
properties a real Glance gives back.

1. The images are the ones ``make guest-images`` builds (scripts/build-guest-images runs playbooks/guest_images.yml:
   diskimage-builder, foreign arches under qemu-user, the disk assembled from files), cached by their inputs under
   ``$MULTIARCH_CACHE/guest-images``; its ``multiarch_images.yml`` lists them.
2. playbooks/images.yml uploads them to a real Glance (tests/lib/glance_testlib.py): aarch64 and ppc64le as images
   emulated on this x86_64 host (``glance_arch_properties`` with ``emulated``), x86_64 as a native one. The test
   reads each image's properties back through Glance's API, and downloads its data as nova-compute fetches it.
3. nova 34's driver builds each domain from those properties and this host's decided ``[libvirt]`` settings
   (``nova_libvirt_settings`` over the live ``multiarch_host`` fact): the machine type, the firmware (UEFI for
   aarch64, SLOF for ppc64le), the CPU model, and the root disk, a qcow2 overlay on the image on the bus nova picks
   (tests/lib/nova_guest_testlib.py). The x86_64 image boots under TCG where this machine's KVM cannot run UEFI
   firmware (PVM, see below).
4. Each guest gets nova's config drive (nova's own ConfigDriveBuilder: meta_data.json with a hostname, and user data
   with a ``runcmd``), and boots on the serial console nova logs (console.log): firmware, grub from the EFI system
   partition or the PReP partition, the kernel and the root by its label, systemd, cloud-init reading the config
   drive (its final message names DataSourceConfigDrive; the runcmd's marker), and getty's ``<hostname> login:``. The times from start to the kernel banner
   and to the prompt are printed (``pytest -rP``) and recorded as user properties (junit XML).
"""

from __future__ import annotations

import re
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import guest_kernels
import pytest
from conftest import unavailable
from glance_testlib import image_properties, run_images
from nova_guest_testlib import URI, define, nova_guest, remove, wait_for_console, workdir

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import nova_libvirt_settings

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

BOOT_TIMEOUT = 420  # seconds from start to the login prompt, per guest (TCG on 2 shared cores; 35-50 s measured quiet)
BANNER = re.compile(r"\]\s+Linux version \d")
# What shows the boot loader the image carries ran: grub's standalone image found the root by its label.
ROOT_BY_LABEL = re.compile(r"Kernel command line: .*root=LABEL=\S+")
# cloud-init's final message names the source it read: nova's config drive.
CLOUD_INIT = re.compile(r"Cloud-init v\. \S+ finished at .*Datasource DataSourceConfigDrive")
FIX = guest_kernels.GUEST_IMAGES_FIX


@pytest.fixture(scope="module")
def built_images():
    """The image list scripts/build-guest-images wrote, by arch."""
    return guest_kernels.built_images()


@pytest.fixture(scope="module")
def uploaded(built_images, live, tmp_path_factory):
    """Upload every image through playbooks/images.yml to a Glance of this module; yield (glance, records by arch)."""
    from glance_testlib import running_glance  # noqa: PLC0415

    tmp_path = tmp_path_factory.mktemp("glance")
    server_gen = running_glance(tmp_path)
    server = next(server_gen, None)
    assert server is not None, "Glance did not start"
    native = ARCHES[live.host["arch"]]["kvm_guests"]
    images = []
    for arch, image in sorted(built_images.items()):
        entry = {"name": image["name"], "arch": arch, "filename": image["filename"], "disk_format": image["disk_format"],
                 "properties": image["properties"]}
        if arch not in native:
            entry.update(emulated=True, host_arch=live.host["arch"])
        images.append(entry)
    try:
        rc, _played, out = run_images(tmp_path, server, images)
        assert rc == 0, out
        by_name = {record["name"]: record for record in server.images()}
        records = {image["arch"]: by_name[image["name"]] for image in images}
        yield server, images, records
    finally:
        next(server_gen, None)


# This machine's KVM is PVM (module kvm_pvm: KVM inside a cloud VM without hardware nested virtualization), which stops
# in OVMF's first instructions (kernel log: "kvm-pvm: INTERNAL_ERROR in batch emul"). Where it is loaded, the x86_64
# image boots under TCG, with virt_type qemu as an operator's override of the decided settings gives it.
PVM = Path("/sys/module/kvm_pvm")


@pytest.mark.parametrize("arch", ["aarch64", "ppc64le", "x86_64"])
def test_built_image_boots_to_login(arch, uploaded, live, request):
    server, images, records = uploaded
    host = live.host
    if arch not in records:
        unavailable(f"no {arch} guest image was built: {FIX}")
    facts = host["guests"].get(arch)
    if facts is None:
        unavailable(f"the libvirt daemon offers no {arch} guest ({ARCHES[arch]['qemu_binary']} missing?); run scripts/setup-host")
    record = records[arch]
    entry = next(i for i in images if i["arch"] == arch)
    # What Glance gives back is what the collection decided for the image (the arch's and the disk's), nothing more.
    props = image_properties(record)
    assert props == glance_arch_properties(arch, entry.get("emulated", False), host_arch=entry.get("host_arch"),
                                           require_emulation_trait=entry.get("emulated", False)) | entry["properties"]
    assert entry["properties"] == ({"hw_firmware_type": "uefi"} if arch == "x86_64" else {})
    assert record["disk_format"] == "qcow2" and record["status"] == "active"

    native = ARCHES[host["arch"]]["kvm_guests"]
    emulated = sorted(a for a in host["guests"] if a not in native and ARCHES.get(a, {}).get("guest_boot"))
    overrides = {"virt_type": "qemu"} if arch in native and PVM.exists() else {}
    settings = nova_libvirt_settings(host, overrides, emulated_arches=emulated)
    work = workdir()
    conn = dom = None
    try:
        start = time.monotonic()
        base = server.download(record["id"], Path(work) / "base")  # nova's image cache (_base)
        download_s = time.monotonic() - start
        # The login prompt names the hostname cloud-init set from the config drive's meta_data.json.
        hostname = "multiarch-%s-%s" % (arch.replace("_", "-"), uuid.uuid4().hex[:6])
        user_data = "#cloud-config\nruncmd:\n  - echo MULTIARCH_RUNCMD_%s > /dev/console\n" % hostname
        drive = {"hostname": hostname, "user_data": user_data}
        guest = nova_guest(live.nova, settings, host, arch, props=props, work=work, image=str(base), memory_mb=1024, drive=drive)
        # nova runs an emulated guest (hw_emulation_architecture) under TCG whatever the host's virt_type.
        assert guest.virt_type == (settings["virt_type"] if arch in native else "qemu") and guest.os_arch == arch
        assert guest.os_mach_type == ARCHES[arch]["machine_type"]
        conn = live.libvirt.open(URI)
        dom = define(conn, live.libvirt, guest, request)
        accepted = ET.fromstring(dom.XMLDesc(live.libvirt.VIR_DOMAIN_XML_INACTIVE))
        disk = accepted.find("devices/disk[@device='disk']/target")
        # nova's bus: the image's hw_disk_bus (scsi, with a virtio-scsi controller, for aarch64), else virtio.
        assert disk is not None and disk.get("bus") == props.get("hw_disk_bus", "virtio")
        marks = {"banner": BANNER, "root_by_label": ROOT_BY_LABEL, "cloud_init": CLOUD_INIT,
                 "runcmd": re.compile("MULTIARCH_RUNCMD_%s" % hostname), "login": re.compile(r"^%s login: " % hostname, re.MULTILINE)}
        seen, console = wait_for_console(dom, str(Path(work) / "console.log"), marks, BOOT_TIMEOUT)
        for name, seconds in seen.items():
            request.node.user_properties.append((f"boot_to_{name}_s", seconds))
        print("%s guest (%s, CPU %s, %s disk): kernel banner %.1f s, cloud-init done %.1f s, login prompt %.1f s after start; "
              "image download %.1f s" % (arch, accepted.find("os/type").get("machine"), guest.cpu.model if guest.cpu else "-",
                                         disk.get("bus"), seen["banner"], seen["cloud_init"], seen["login"], download_s))
        assert "Kernel panic" not in console
    finally:
        remove(conn, dom, live.libvirt, work)
