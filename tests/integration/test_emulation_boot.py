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

nova's domain is built and defined by tests/lib/nova_guest_testlib.py (one deviation where libvirt 9.0 refuses
nova's ``<loader secure='no'/>``: see there).

The guests have no root file system; the test waits for the kernel's printk banner
(``[ ... ] Linux version 6.1``) and its command line on the console (at most
BOOT_TIMEOUT seconds each), records the time from start to banner as the test's
user property ``boot_to_banner_s`` (junit XML; also printed, see ``pytest -rP``), then
destroys and undefines the guest.
Kernels: Debian bookworm's, from ``scripts/fetch-guest-kernels`` (under
``$MULTIARCH_CACHE/kernels/<arch>``).
"""

from __future__ import annotations

import os
import re
import uuid
import xml.etree.ElementTree as ET

import guest_kernels
import pytest
from conftest import unavailable
from nova_guest_testlib import URI, define, nova_guest, remove, wait_for_console, workdir

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import nova_libvirt_settings

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

BOOT_TIMEOUT = 120  # seconds from start to banner, per guest (TCG, 2 shared cores)
EMULATED = ("aarch64", "ppc64le")
CONSOLE = {arch: f"console={guest_kernels.CONSOLE[arch]}" for arch in EMULATED}
# Firmware output that shows which firmware started the kernel.
FIRMWARE_MARK = {"aarch64": "EFI stub: Booting Linux Kernel", "ppc64le": "SLOF"}
# printk's banner (after its timestamp), not prom_init's "Preparing to boot Linux version".
BANNER = re.compile(r"\]\s+Linux version 6\.1\.")
FIX_KERNELS = "run scripts/fetch-guest-kernels (as root; MULTIARCH_CACHE selects the cache directory)"


def guest_kernel(arch):
    found = guest_kernels.find_kernel(arch)
    if found is None:
        where = guest_kernels.cache_dir() / "kernels" / arch
        unavailable(f"no {arch} guest kernel ({guest_kernels.KERNEL_GLOB[arch]}) under {where}: {FIX_KERNELS}")
    return found


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
        props = glance_arch_properties(arch, emulated=True, host_arch=host["arch"])
        props["os_command_line"] = cmdline
        guest = nova_guest(live.nova, settings, host, arch, props=props, work=work, kernel=kernel)
        assert guest.virt_type == "qemu"  # nova's downgrade for an emulated arch, whatever virt_type says
        assert guest.os_arch == arch and guest.os_mach_type == machine
        assert guest.cpu is not None and guest.cpu.mode is None and guest.cpu.model in facts["cpu_models"]
        assert (guest.os_firmware == "efi") is (ARCHES[arch]["uefi"] == "required")
        conn = libvirt.open(URI)
        dom = define(conn, libvirt, guest, request)
        accepted = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        check_accepted(accepted, arch, machine, facts, cmdline=cmdline, guest=guest)
        marks = {"banner": BANNER, "cmdline": re.compile(re.escape("Kernel command line: %s" % cmdline))}
        seen, console = wait_for_console(dom, os.path.join(work, "console.log"), marks, BOOT_TIMEOUT)
        seconds = seen["banner"]
        request.node.user_properties.append(("boot_to_banner_s", seconds))
        print("%s guest (%s, %s): kernel banner %.1f s after start" % (arch, accepted.find("os/type").get("machine"), guest.cpu.model, seconds))
        assert FIRMWARE_MARK[arch] in console
        check_running(ET.fromstring(dom.XMLDesc(0)), accepted, arch, facts)
    finally:
        remove(conn, dom, live.libvirt, work)
