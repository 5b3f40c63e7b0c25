"""Emulated aarch64 and ppc64le guests boot on this machine with the settings the collection decides.

The claim under test: an x86_64 host whose ``multiarch_host`` fact lists aarch64 and
ppc64le guests can run them under nova with the ``[libvirt]`` settings of
``nova_libvirt_settings`` (cpu_mode none for an emulating host, per-arch
``hw_machine_type``) and the image properties of ``glance_arch_properties``.

How each guest is built, as nova-compute would build it:

1. ``multiarch_host`` comes from the module ``host_arch_info`` run against the live
   daemon (``qemu:///system``), not from a fixture.
2. ``nova_libvirt_settings`` decides the settings; ``render_nova_compute_libvirt``
   writes them as the role writes nova-compute.conf, and nova 34's own option
   definitions load that file.
3. nova 34's libvirt driver code turns them into the domain: ``_configure_guest_by_virt_type``
   (an emulated arch downgrades the domain to ``qemu``/TCG, the machine type, UEFI
   for aarch64), ``_get_guest_cpu_config`` (with cpu_mode none nova names
   ``cortex-a57`` for an emulated aarch64 guest and ``POWER8`` for ppc64le),
   ``_set_guest_for_inst_kernel`` and ``_create_pty_device`` (the pty serial console
   whose output virtlogd writes to console.log).

How nova boots an aarch64 guest: always through UEFI. nova 34 writes
``<os firmware='efi'>`` and libvirt picks the AAVMF code/vars pair from QEMU's firmware
descriptors; the loader it picks must be one of the paths the fact lists in
``guests.aarch64.firmware``. From a disk image the firmware boots the EFI system
partition; for an image with a ``kernel_id`` nova adds ``<kernel>`` and ``<cmdline>``
(the ``os_command_line`` property) and keeps the UEFI firmware, which then starts the
kernel's EFI stub that QEMU hands over through fw_cfg. This test takes the second
path (no disk image to build), so the firmware still runs: the console shows
``EFI stub: Booting Linux Kernel`` before the banner. ppc64le (pseries) boots SLOF,
which takes the vmlinux QEMU loaded into memory.

One deviation from nova's XML, only where the daemon refuses it: nova 34 also writes
``<loader secure='no'/>`` beside ``<os firmware='efi'>``, which libvirt 9.0 (Debian 12)
rejects ("loader attribute 'secure' cannot be specified when firmware autoselection is
enabled"); the test then drops that attribute (nova's ``<firmware><feature
name='secure-boot' enabled='no'/>`` still asks for the same) and records
``nova_loader_secure_dropped``.

The guests have no root file system; the test waits for the kernel's printk banner
(``[ ... ] Linux version 6.1``) and its command line on the console (at most
BOOT_TIMEOUT seconds each), records the time from start to banner as the test's
user property ``boot_to_banner_s`` (junit XML; also printed, see ``pytest -rP``), then
destroys and undefines the guest.
Kernels: Debian bookworm's, from ``scripts/fetch-guest-kernels`` (under
``$MULTIARCH_CACHE/kernels/<arch>``).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import tempfile
import time
import types
import uuid
import xml.etree.ElementTree as ET

import guest_kernels
import pytest
from conftest import run_module, unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.modules import host_arch_info
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import nova_libvirt_settings, render_nova_compute_libvirt

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

URI = "qemu:///system"
BOOT_TIMEOUT = 120  # seconds from start to banner, per guest (TCG, 2 shared cores)
EMULATED = ("aarch64", "ppc64le")
CONSOLE = {arch: f"console={guest_kernels.CONSOLE[arch]}" for arch in EMULATED}
# Firmware output that shows which firmware started the kernel.
FIRMWARE_MARK = {"aarch64": "EFI stub: Booting Linux Kernel", "ppc64le": "SLOF"}
# printk's banner (after its timestamp), not prom_init's "Preparing to boot Linux version".
BANNER = re.compile(r"\]\s+Linux version 6\.1\.")
FIX_KERNELS = "run scripts/fetch-guest-kernels (as root; MULTIARCH_CACHE selects the cache directory)"
# libvirt 9.0 (Debian 12) refuses nova 34's <loader secure='no'/> next to <os firmware='efi'>;
# later releases take it (the test drops the attribute only on this refusal, and records it).
LOADER_SECURE_REFUSED = "loader attribute 'secure' cannot be specified when firmware autoselection is enabled"


def guest_kernel(arch):
    found = guest_kernels.find_kernel(arch)
    if found is None:
        where = guest_kernels.cache_dir() / "kernels" / arch
        unavailable(f"no {arch} guest kernel ({guest_kernels.KERNEL_GLOB[arch]}) under {where}: {FIX_KERNELS}")
    return found


@pytest.fixture(scope="module")
def libvirt():
    try:
        import libvirt as module  # noqa: PLC0415
    except ImportError:
        unavailable("libvirt-python is not installed (requirements-dev.txt)")
    module.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        module.open(URI).close()
    except module.libvirtError as exc:
        unavailable(f"the libvirt daemon at {URI} does not answer ({exc}); start it (scripts/setup-host)")
    return module


@pytest.fixture(scope="module")
def nova():
    """nova 34's config, objects and libvirt driver modules."""
    try:
        import nova.conf  # noqa: PLC0415
        from nova import objects  # noqa: PLC0415
        from nova.virt.libvirt import config as vconfig  # noqa: PLC0415
        from nova.virt.libvirt import driver  # noqa: PLC0415
    except ImportError as exc:
        unavailable(f"nova is not importable ({exc}); install requirements-dev.txt")
    objects.register_all()
    return types.SimpleNamespace(CONF=nova.conf.CONF, objects=objects, vconfig=vconfig, driver=driver)


@pytest.fixture(scope="module")
def live(libvirt, nova):
    """libvirt, nova and this machine's multiarch_host fact (the module run against the live daemon)."""
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


def nova_guest(nova, settings, host, arch, *, kernel, work, cmdline):
    """The LibvirtConfigGuest nova 34 builds for an emulated ``arch`` image booted from ``kernel``."""
    ini = os.path.join(work, "nova-compute.conf")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser["libvirt"] = render_nova_compute_libvirt(settings)
    with open(ini, "w", encoding="utf-8") as handle:
        parser.write(handle)
    shutil.copyfile(kernel, os.path.join(work, "kernel"))  # nova's <instance dir>/kernel
    os.chmod(os.path.join(work, "kernel"), 0o644)

    props = glance_arch_properties(arch, emulated=True, host_arch=host["arch"])
    props["os_command_line"] = cmdline
    image_meta = nova.objects.ImageMeta.from_dict({"properties": props})
    flavor = nova.objects.Flavor(vcpus=1, memory_mb=512, extra_specs={})
    instance = types.SimpleNamespace(system_metadata={}, kernel_id="kernel", ramdisk_id=None)
    caps = types.SimpleNamespace(host=types.SimpleNamespace(cpu=types.SimpleNamespace(arch=host["arch"])))

    # The driver without __init__: only the methods that turn the settings into XML run.
    drv = nova.driver.LibvirtDriver.__new__(nova.driver.LibvirtDriver)
    drv._host = types.SimpleNamespace(get_capabilities=lambda: caps, supports_uefi=True, _check_machine_type=lambda _caps, _mach: None)
    drv.cpu_models_mapping = {}
    drv.cpu_model_flag_mapping = {}

    conf = nova.CONF
    conf(args=[], project="nova", default_config_files=[ini], default_config_dirs=[])
    try:
        guest = nova.vconfig.LibvirtConfigGuest()
        guest.virt_type = conf.libvirt.virt_type
        guest.os_type = drv._get_guest_os_type()
        guest.name = "multiarch-emu-%s-%s" % (arch, uuid.uuid4().hex[:8])
        guest.uuid = str(uuid.uuid4())
        guest.memory = flavor.memory_mb * 1024
        guest.vcpus = flavor.vcpus
        drv._configure_guest_by_virt_type(guest, instance, image_meta, flavor)
        guest.cpu = drv._get_guest_cpu_config(flavor, image_meta, None, None)
        drv._set_guest_for_inst_kernel(instance, guest, work, "/dev/vda", image_meta)
        drv._create_pty_device(guest, nova.vconfig.LibvirtConfigGuestSerial, log_path=os.path.join(work, "console.log"))
    finally:
        conf.clear()
    return guest


def wait_for_console(dom, log_path, cmdline):
    """Poll console.log until the banner and the command line are there; return (seconds, text)."""
    start = time.monotonic()
    dom.create()
    text = ""
    while time.monotonic() - start < BOOT_TIMEOUT:
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        if BANNER.search(text) and "Kernel command line: %s" % cmdline in text:
            return time.monotonic() - start, text
        if not dom.isActive():
            break
        time.sleep(0.5)
    state = "running" if dom.isActive() else "stopped"
    pytest.fail("no kernel banner on the console within %ds (guest %s); console.log ends:\n%s" % (BOOT_TIMEOUT, state, text[-3000:]))
    return None  # unreachable


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


def check_accepted(accepted, arch, machine, facts, *, cmdline, guest):
    """The domain libvirt stored is the one nova asked for."""
    assert accepted.get("type") == "qemu"
    os_type = accepted.find("os/type")
    assert os_type.get("arch") == arch
    # libvirt stores the alias as the versioned machine the fact names (virt -> virt-7.2).
    assert os_type.get("machine") == facts["canonical_machines"].get(machine, machine)
    assert accepted.findtext("os/cmdline") == cmdline
    assert accepted.findtext("cpu/model") == guest.cpu.model


def check_running(running, accepted, arch, facts):
    """The running guest started from the arch's firmware with a custom CPU."""
    loader = running.find("os/loader")
    if ARCHES[arch]["uefi"] == "required":
        assert accepted.find("os").get("firmware") == "efi" or accepted.find("os/loader") is not None
        assert loader is not None and loader.get("type") == "pflash"
        assert loader.text in facts["firmware"], (loader.text, facts["firmware"])
    else:
        assert loader is None  # SLOF, the machine's own firmware
    assert running.find("cpu").get("mode") == "custom"


@pytest.mark.parametrize(
    ("arch", "overrides"),
    [
        pytest.param("aarch64", {}, id="aarch64-on-this-host-as-is"),
        pytest.param("ppc64le", {"virt_type": "qemu"}, id="ppc64le-on-a-dedicated-emulation-host"),
    ],
)
def test_emulated_guest_boots_to_the_kernel_banner(arch, overrides, live, request):
    """One guest per arch: aarch64 with this host's own settings (KVM where usable), ppc64le as virt_type qemu."""
    host, libvirt = live.host, live.libvirt
    native = ARCHES[host["arch"]]["kvm_guests"]
    if arch in native:
        pytest.skip(f"this machine is {host['arch']}: {arch} guests are not emulated here")
    facts = host["guests"].get(arch)
    if facts is None:
        unavailable(f"the libvirt daemon offers no {arch} guest ({ARCHES[arch]['qemu_binary']} missing?); run scripts/setup-host")
    kernel = guest_kernel(arch)

    emulated = [a for a in EMULATED if a in host["guests"] and a not in native]
    settings = nova_libvirt_settings(host, overrides, emulated_arches=emulated)
    assert settings["cpu_mode"] == "none" and settings["cpu_models"] == []
    machines = dict(item.split("=", 1) for item in settings["hw_machine_type"].split(","))
    machine = machines[arch]
    assert machine == ARCHES[arch]["machine_type"]

    cmdline = "%s multiarch_boot=%s" % (CONSOLE[arch], uuid.uuid4().hex[:12])
    work = workdir()
    conn = dom = None
    try:
        guest = nova_guest(live.nova, settings, host, arch, kernel=kernel, work=work, cmdline=cmdline)
        assert guest.virt_type == "qemu"  # nova's downgrade for an emulated arch, whatever virt_type says
        assert guest.os_arch == arch and guest.os_mach_type == machine
        assert guest.cpu is not None and guest.cpu.mode is None and guest.cpu.model in facts["cpu_models"]
        assert (guest.os_firmware == "efi") is (ARCHES[arch]["uefi"] == "required")
        conn = libvirt.open(URI)
        dom = define(conn, libvirt, guest, request)
        accepted = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        check_accepted(accepted, arch, machine, facts, cmdline=cmdline, guest=guest)
        seconds, console = wait_for_console(dom, os.path.join(work, "console.log"), cmdline)
        request.node.user_properties.append(("boot_to_banner_s", round(seconds, 1)))
        print("%s guest (%s, %s): kernel banner %.1f s after start" % (arch, accepted.find("os/type").get("machine"), guest.cpu.model, seconds))
        assert FIRMWARE_MARK[arch] in console
        check_running(ET.fromstring(dom.XMLDesc(0)), accepted, arch, facts)
    finally:
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        if conn is not None:
            conn.close()
        shutil.rmtree(work, ignore_errors=True)
