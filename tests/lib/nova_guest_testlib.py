"""Guests booted on this machine's libvirt from the domain nova 34's own driver code builds (the emulation tests).

``live_host()`` is libvirt, nova's modules and this machine's ``multiarch_host`` fact (the module run against the live
daemon); ``nova_guest`` turns the collection's decided ``[libvirt]`` settings and an image's properties into nova's
``LibvirtConfigGuest``, booted from a kernel (an image with ``kernel_id``) or from a disk (nova's root disk, the image
as the backing file of a qcow2 overlay, as nova's qcow2 image backend makes it); ``define`` and ``wait_for_console``
run it.

One deviation from nova's XML, only where the daemon refuses it: nova 34 writes ``<loader secure='no'/>`` beside
``<os firmware='efi'>``, which libvirt 9.0 (Debian 12) rejects ("loader attribute 'secure' cannot be specified when
firmware autoselection is enabled"); ``define`` then drops that attribute (nova's ``<firmware><feature
name='secure-boot' enabled='no'/>`` still asks for the same) and records ``nova_loader_secure_dropped``.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import tempfile
import time
import types
import uuid

import pytest
from conftest import run_module, unavailable

from ansible_collections.multiarch.kolla.plugins.modules import host_arch_info
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import render_nova_compute_libvirt

URI = "qemu:///system"
LOADER_SECURE_REFUSED = "loader attribute 'secure' cannot be specified when firmware autoselection is enabled"


def live_host():
    """libvirt, nova's config/objects/driver modules and this machine's multiarch_host fact."""
    try:
        import libvirt  # noqa: PLC0415
    except ImportError:
        unavailable("libvirt-python is not installed (requirements-dev.txt)")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        libvirt.open(URI).close()
    except libvirt.libvirtError as exc:
        unavailable(f"the libvirt daemon at {URI} does not answer ({exc}); start it (scripts/setup-host)")
    try:
        import nova.conf  # noqa: PLC0415
        from nova import objects  # noqa: PLC0415
        from nova.virt.libvirt import blockinfo, driver  # noqa: PLC0415
        from nova.virt.libvirt import config as vconfig  # noqa: PLC0415
    except ImportError as exc:
        unavailable(f"nova is not importable ({exc}); install requirements-dev.txt")
    objects.register_all()
    nova = types.SimpleNamespace(CONF=nova.conf.CONF, objects=objects, vconfig=vconfig, driver=driver, blockinfo=blockinfo)
    result = run_module(host_arch_info, {})
    assert not result.get("failed"), result
    host = result["host"]
    assert host["guest_source"] == "libvirt", host["warnings"]
    return types.SimpleNamespace(libvirt=libvirt, nova=nova, host=host)


def workdir():
    """A scratch directory the qemu user (libvirt-qemu) can walk into: nova's instance directory."""
    path = tempfile.mkdtemp(prefix="multiarch-emu-", dir="/tmp")
    os.chmod(path, 0o755)
    return path


def _write_conf(settings, work):
    ini = os.path.join(work, "nova-compute.conf")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser["libvirt"] = render_nova_compute_libvirt(settings)
    with open(ini, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return ini


def root_disk(nova, instance, image_meta, *, work, image, size_gb):
    """nova's root disk for ``image``: a qcow2 overlay on it in the instance directory, on the bus nova picks.

    Returns (devices, boot order): the disk, and the SCSI controller nova adds when the image names ``hw_scsi_model``.
    """
    disk_info = nova.blockinfo.get_disk_info(nova.CONF.libvirt.virt_type, instance, image_meta)
    mapping = disk_info["mapping"]["disk"]
    path = os.path.join(work, "disk")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, path, "%dG" % size_gb], check=True)
    os.chmod(path, 0o666)
    disk = nova.vconfig.LibvirtConfigGuestDisk()
    disk.source_type, disk.source_device, disk.source_path = "file", "disk", path
    disk.driver_name, disk.driver_format = "qemu", "qcow2"
    disk.target_dev, disk.target_bus = mapping["dev"], mapping["bus"]
    controller = nova.driver.LibvirtDriver._get_scsi_controller(image_meta)
    return [disk] + ([controller] if controller else []), nova.blockinfo.get_boot_order(disk_info)


class DriveMetadata:
    """What nova's InstanceMetadata hands the config drive builder (``metadata_for_config_drive``), for one guest."""

    def __init__(self, uuid_, hostname, user_data):
        self.files = [
            ("openstack/latest/meta_data.json", json.dumps({"uuid": uuid_, "hostname": hostname, "name": hostname, "launch_index": 0})),
            ("openstack/latest/user_data", user_data),
        ]

    def metadata_for_config_drive(self):
        return list(self.files)


def config_drive(nova, instance, image_meta, *, work, hostname, user_data):
    """nova's config drive (ISO 9660 labelled config-2, made by nova's ConfigDriveBuilder) as the disk nova attaches."""
    from nova.virt import configdrive  # noqa: PLC0415

    path = os.path.join(work, "disk.config")
    with configdrive.ConfigDriveBuilder(instance_md=DriveMetadata(instance.uuid, hostname, user_data)) as builder:
        builder.make_drive(path)
    os.chmod(path, 0o644)
    mapping = nova.blockinfo.get_disk_info(nova.CONF.libvirt.virt_type, instance, image_meta)["mapping"]["disk.config"]
    disk = nova.vconfig.LibvirtConfigGuestDisk()
    disk.source_type, disk.source_device, disk.source_path = "file", mapping["type"], path
    disk.driver_name, disk.driver_format = "qemu", "raw"
    disk.target_dev, disk.target_bus = mapping["dev"], mapping["bus"]
    return disk


def nova_guest(nova, settings, host, arch, *, props, work, kernel=None, image=None, disk_gb=4, memory_mb=512, drive=None):
    """The LibvirtConfigGuest nova 34 builds for an image of ``arch`` with ``props``, from ``kernel`` or disk ``image``.

    ``drive`` ({"hostname", "user_data"}) adds nova's config drive, which cloud-init's ConfigDrive source reads.
    """
    ini = _write_conf(settings, work)
    if kernel is not None:
        shutil.copyfile(kernel, os.path.join(work, "kernel"))  # nova's <instance dir>/kernel
        os.chmod(os.path.join(work, "kernel"), 0o644)
    image_meta = nova.objects.ImageMeta.from_dict({"properties": props, "disk_format": "qcow2"})
    flavor = nova.objects.Flavor(vcpus=1, memory_mb=memory_mb, root_gb=disk_gb, ephemeral_gb=0, swap=0, extra_specs={})
    instance = nova.objects.Instance(system_metadata={}, kernel_id="kernel" if kernel else "", ramdisk_id="", flavor=flavor,
                                     root_device_name=None, ephemeral_gb=0, uuid=str(uuid.uuid4()), image_ref="image",
                                     config_drive="True" if drive else "", os_type=None)
    caps = types.SimpleNamespace(host=types.SimpleNamespace(cpu=types.SimpleNamespace(arch=host["arch"])))

    # The driver without __init__: only the methods that turn the settings into XML run.
    drv = nova.driver.LibvirtDriver.__new__(nova.driver.LibvirtDriver)
    drv._host = types.SimpleNamespace(get_capabilities=lambda: caps, supports_uefi=True, supports_mem_encryption=False,
                                      _check_machine_type=lambda _caps, _mach: None)
    drv.cpu_models_mapping = {}
    drv.cpu_model_flag_mapping = {}

    conf = nova.CONF
    conf(args=[], project="nova", default_config_files=[ini], default_config_dirs=[])
    try:
        guest = nova.vconfig.LibvirtConfigGuest()
        guest.virt_type = conf.libvirt.virt_type
        guest.os_type = drv._get_guest_os_type()
        guest.name = "multiarch-emu-%s-%s" % (arch, uuid.uuid4().hex[:8])
        guest.uuid = instance.uuid
        guest.memory = flavor.memory_mb * 1024
        guest.vcpus = flavor.vcpus
        drv._configure_guest_by_virt_type(guest, instance, image_meta, flavor)
        # ACPI and APIC (libvirt refuses UEFI without ACPI on x86_64 and aarch64) and vmcoreinfo, as nova's
        # _get_guest_config adds them after the virt type.
        drv._set_features(guest, instance.os_type, image_meta, flavor)
        guest.cpu = drv._get_guest_cpu_config(flavor, image_meta, None, None)
        if kernel is not None:
            drv._set_guest_for_inst_kernel(instance, guest, work, "/dev/vda", image_meta)
        else:
            devices, guest.os_boot_dev = root_disk(nova, instance, image_meta, work=work, image=image, size_gb=disk_gb)
            if drive:
                devices.append(config_drive(nova, instance, image_meta, work=work, **drive))
            for device in devices:
                guest.add_device(device)
        drv._create_pty_device(guest, nova.vconfig.LibvirtConfigGuestSerial, log_path=os.path.join(work, "console.log"))
    finally:
        conf.clear()
    return guest


def define(conn, libvirt, guest, request):
    """Define the guest nova built; a libvirt that refuses loader secure='no' gets the same request as a firmware feature."""
    dropped = False
    try:
        dom = conn.defineXML(guest.to_xml())
    except libvirt.libvirtError as exc:
        if LOADER_SECURE_REFUSED not in str(exc):
            raise
        # The same request survives as <firmware><feature name='secure-boot' enabled='no'/>.
        assert guest.os_firmware_secure is False
        guest.os_loader_secure = None
        dropped = True
        dom = conn.defineXML(guest.to_xml())
    request.node.user_properties.append(("nova_loader_secure_dropped", dropped))
    return dom


def wait_for_console(dom, log_path, marks, timeout):
    """Start ``dom`` and poll console.log until every regex in ``marks`` (name -> compiled pattern) matched.

    Returns ({name: seconds from start to its first match}, text); fails with the console's end after ``timeout``.
    """
    start = time.monotonic()
    dom.create()
    text, seen = "", {}
    while time.monotonic() - start < timeout:
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        for name, pattern in marks.items():
            if name not in seen and pattern.search(text):
                seen[name] = round(time.monotonic() - start, 1)
        if len(seen) == len(marks):
            return seen, text
        if not dom.isActive():
            break
        time.sleep(0.5)
    state = "running" if dom.isActive() else "stopped"
    missing = sorted(set(marks) - set(seen))
    pytest.fail("console never showed %s within %ds (guest %s; seen %s); console.log ends:\n%s" % (missing, timeout, state, seen, text[-3000:]))
    return None  # unreachable


def remove(conn, dom, libvirt, work):
    """Destroy and undefine the guest, close the connection, remove the instance directory."""
    if dom is not None:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    if conn is not None:
        conn.close()
    shutil.rmtree(work, ignore_errors=True)
