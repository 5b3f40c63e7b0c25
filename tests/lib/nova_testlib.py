"""Hosts and nova harness shared by the tests of plugins/plugin_utils/nova/.

* ``make_host``: a hand-made ``multiarch_host`` fact (docs/multiarch_host.md) whose
  guests list models as domain capabilities report them (usable models only).
* ``caps_host``: a ``multiarch_host`` fact built from a real libvirt capabilities
  fixture and its domain capabilities fixtures (../shared/fixtures).
* ``lab_host``, ``multiarch_x86``: the lab's hosts and a real multiarch KVM host.
* ``write_ini_section``, ``write_libvirt_ini``, ``nova_conf_cleared``, ``nova_driver_for``: nova 34's own option
  parsing and libvirt driver code, the oracles of the decisions.
* ``nova_timeout_options``, ``load_default_section``, ``power_off_timeout``: nova 34's and
  oslo.messaging's ``[DEFAULT]`` option definitions and nova's clean-shutdown window.

nova and libvirt are imported with ``require_import`` inside the helpers that need
them, so that tests without them still run where they are missing.
"""

from __future__ import annotations

import configparser
import contextlib
import shutil
import types
import uuid

import pytest
from conftest import fixture_file, require_import, unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils import arch_traits
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_caps

# --------------------------------------------------------------------------- hand-made hosts

HAND_GUESTS = {
    "x86_64": {
        "machines": ["pc", "pc-i440fx-7.2", "pc-q35-7.2", "q35"],
        "cpu_models": ["Haswell-noTSX", "Nehalem", "SandyBridge", "Westmere", "kvm64", "qemu64"],
        "emulator": "/usr/bin/qemu-system-x86_64",
    },
    "aarch64": {
        "machines": ["virt", "virt-7.2"],
        "cpu_models": ["cortex-a57", "cortex-a72", "max", "neoverse-n1"],
        "emulator": "/usr/bin/qemu-system-aarch64",
    },
    "ppc64le": {
        "machines": ["pseries", "pseries-7.2"],
        "cpu_models": ["POWER10", "POWER7", "POWER8", "POWER9"],
        "emulator": "/usr/bin/qemu-system-ppc64",
    },
}


def make_host(arch, kvm=True, guests=None, name="web-1"):
    """A host of ``arch`` whose libvirt offers ``guests`` (default: its own arch); KVM for the own arch when ``kvm``."""
    if guests is None:
        guests = [arch]
    built = {}
    for guest in guests:
        native = kvm and guest == arch
        entry = {"accel": "kvm" if native else "tcg", "domain_types": ["qemu"] + (["kvm"] if native else [])}
        entry.update({k: list(v) if isinstance(v, list) else v for k, v in HAND_GUESTS[guest].items()})
        built[guest] = entry
    return {
        "hostname": name,
        "arch": arch,
        "kvm": {"usable": kvm, "device": kvm, "rw": kvm, "reason": None if kvm else "/dev/kvm is missing"},
        "guests": built,
    }


def lab_host(arch):
    """What host_arch_info reports in the lab: no QEMU on the host, no usable KVM."""
    return {
        "arch": arch,
        "kvm": {"usable": False, "device": False, "rw": False, "reason": "/dev/kvm is missing"},
        "guests": {},
        "guest_source": "none",
    }


# --------------------------------------------------------------------------- hosts from real capabilities

# Domain capabilities folded into each host capabilities fixture: the host's own arch
# and, for the multiarch x86_64 host, its emulated aarch64 guest.
DOMCAPS_FOR = {
    "caps_aarch64_kvm_minimal_qemucaps.xml": ["domcaps_aarch64_kvm_virt_efi.xml"],
    "caps_aarch64_kvm_neoverse_n1.xml": ["domcaps_aarch64_kvm_virt_efi.xml"],
    "caps_ppc64le_kvm_power8.xml": ["domcaps_ppc64le_kvm_pseries_nofirmware.xml"],
    "caps_x86_64_host_riscv64_tcg_guest.xml": ["domcaps_riscv64_qemu_tcg_virt.xml"],
    "caps_x86_64_kvm_intel_multiarch_tcg.xml": ["domcaps_x86_64_kvm_q35_efi_secboot.xml", "domcaps_aarch64_qemu_tcg_virt_aavmf.xml"],
    "caps_x86_64_kvm_many_tcg_guests.xml": ["domcaps_x86_64_kvm_q35_loader_no_firmware_enum.xml"],
    "caps_x86_64_tcg_only_nokvm.xml": [],
}
# The ways each capabilities fixture is read (caps_host's ``kvm``): as it was found, and with KVM unusable.
CAPS_VARIANTS = {"as-found": None, "no-kvm": False}


def caps_host(caps_name, domcaps_names=None, kvm=None, name=None):
    """``multiarch_host`` from libvirt_caps/``caps_name`` plus domain capabilities.

    ``domcaps_names``: None takes the pairing of DOMCAPS_FOR, a list (maybe empty)
    those fixtures. ``kvm``: None keeps what the fixture says (a kvm domain for the
    host's own arch); True or False sets ``kvm.usable``.
    """
    if domcaps_names is None:
        if caps_name not in DOMCAPS_FOR:
            pytest.fail("no domain capabilities pairing for libvirt_caps/%s in DOMCAPS_FOR" % caps_name)
        domcaps_names = DOMCAPS_FOR[caps_name]
    caps = libvirt_caps.parse_capabilities(fixture_file("libvirt_caps", caps_name).read_text())
    domcaps = [libvirt_caps.parse_domain_capabilities(fixture_file("domain_caps", d).read_text()) for d in domcaps_names]
    guests = libvirt_caps.merge_domain_capabilities(caps["guests"], domcaps)
    found = (guests.get(caps["host_arch"]) or {}).get("accel") == "kvm"
    usable = found if kvm is None else kvm
    return {
        "hostname": name or caps_name,
        "arch": caps["host_arch"],
        "cpu": {"vendor": caps["host_cpu"]["vendor"], "model": caps["host_cpu"]["model"], "ids": {}, "cores": []},
        "kvm": {"usable": usable, "reason": None if usable else "no usable /dev/kvm"},
        "guests": guests,
        "guest_source": "libvirt",
        "host_cpu_xml": caps["host_cpu_xml"],
        "nova_traits": arch_traits.nova_traits(caps["host_arch"], usable, guests),
    }


def multiarch_x86():
    """Real Skylake KVM host whose libvirt also offers TCG aarch64 (AAVMF) and ppc64le guests."""
    return caps_host("caps_x86_64_kvm_intel_multiarch_tcg.xml")


# --------------------------------------------------------------------------- nova and libvirt oracles


def cpu_map(arch):
    """libvirt's CPU map for ``arch`` (daemon-less test:///default): the names nova checks x86 and POWER cpu_models against."""
    libvirt = require_import("libvirt")
    conn = libvirt.open("test:///default")
    try:
        return conn.getCPUModelNames(arch)
    finally:
        conn.close()


def write_ini_section(path, section, values):
    """Write ``{key: text}`` as ``[section]`` of ``path`` (as the role's INI writer does: keys keep their case)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser[section] = values
    with open(path, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return path


def write_libvirt_ini(path, rendered):
    """Write ``{key: text}`` as the ``[libvirt]`` section of ``path``."""
    return write_ini_section(path, "libvirt", rendered)


@contextlib.contextmanager
def nova_conf_cleared():
    """nova.conf.CONF (every nova option registered); overrides unset and files dropped afterwards."""
    conf = require_import("nova.conf").CONF
    try:
        yield conf
    finally:
        conf.reset()


def load_nova_conf(conf, *paths):
    """Load ``paths`` into ``conf`` as nova-compute would (later files win)."""
    conf(args=[], project="nova", default_config_files=[str(p) for p in paths], default_config_dirs=[])
    return conf


class FakeHost:
    """nova Host stand-in: the CPU model names come from libvirt's own CPU map (test:///default)."""

    def __init__(self, arch):
        self.arch = arch

    def get_cpu_model_names(self):
        return cpu_map(self.arch)

    def get_capabilities(self):
        return types.SimpleNamespace(host=types.SimpleNamespace(cpu=types.SimpleNamespace(arch=self.arch)))


def nova_driver_for(arch, compare_calls):
    """nova's LibvirtDriver methods under test, bound to a minimal stand-in; ``_compare_cpu`` calls land in ``compare_calls``."""
    nova_driver = require_import("nova.virt.libvirt.driver")
    nova_conf = require_import("nova.conf")
    fake = types.SimpleNamespace(_host=FakeHost(arch), cpu_models_mapping={}, cpu_model_flag_mapping={})
    fake._get_cpu_info = lambda: {"arch": arch}
    for name in ("_get_cpu_model_mapping", "_prepare_cpu_flag", "_check_cpu_compatibility", "_get_guest_cpu_model_config", "_guest_needs_pcie"):
        setattr(fake, name, types.MethodType(getattr(nova_driver.LibvirtDriver, name), fake))
    real_compare = types.MethodType(nova_driver.LibvirtDriver._compare_cpu, fake)

    def compare(cpu, info, instance):
        compare_calls.append(cpu)
        if nova_conf.CONF.libvirt.virt_type == "kvm":
            return None  # compares against this machine's hypervisor CPU: not the host under test
        return real_compare(cpu, info, instance)

    fake._compare_cpu = compare
    return fake


def live_connection():
    """A connection to the libvirt daemon on this machine (qemu:///system); fails under CI, skips elsewhere, when it does not answer."""
    libvirt = require_import("libvirt")
    try:
        return libvirt.open("qemu:///system")
    except libvirt.libvirtError as exc:
        unavailable("libvirt daemon not reachable at qemu:///system: %s" % exc)
    return None  # unreachable


def start_guest(conn, arch, machine, cpu_xml):
    """Start a TCG guest of ``arch`` with ``cpu_xml`` (no disk: QEMU starts, then it is destroyed); whether it ran."""
    emulator = shutil.which(ARCHES[arch]["qemu_binary"])
    if emulator is None:
        pytest.skip("%s is not installed on this machine" % ARCHES[arch]["qemu_binary"])
    name = "mk-nova-test-%s" % uuid.uuid4().hex[:10]
    xml = (
        "<domain type='qemu'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
        "<os><type arch='%s' machine='%s'>hvm</type></os>%s<devices><emulator>%s</emulator></devices></domain>"
        % (name, arch, machine, cpu_xml, emulator)
    )
    dom = conn.createXML(xml, 0)
    try:
        return dom.isActive()
    finally:
        dom.destroy()


def nova_value(settings, key):
    """The value oslo.config must read back for ``key`` of nova_libvirt_settings' ``settings`` (nova's default where the key is not written)."""
    value = settings[key]
    if key == "hw_machine_type":
        return value.split(",") if value else None
    if key == "num_pcie_ports":
        return 0 if value is None else value
    return value


def load_libvirt_section(path):
    """oslo.config with nova 34's own [libvirt] option definitions, reading ``path``."""
    nova_conf = require_import("nova.conf")
    cfg = require_import("oslo_config.cfg")
    conf = cfg.ConfigOpts()
    nova_conf.libvirt.register_opts(conf)
    conf(args=[], project="nova", default_config_files=[str(path)], default_config_dirs=[])
    return conf


# --------------------------------------------------------------------------- nova-compute [DEFAULT] timeouts


def messaging_default_options():
    """oslo.messaging's ``[DEFAULT]`` options (``rpc_response_timeout`` among them), as its oslo.config entry point lists them."""
    messaging = require_import("oslo_messaging.opts")
    return [opt for group, listed in messaging.list_opts() if group in (None, "DEFAULT") for opt in listed]


def nova_timeout_options():
    """``{option name: oslo.config Opt}`` of nova 34's ``[DEFAULT]`` (nova.conf) and oslo.messaging's ``[DEFAULT]`` options."""
    nova_conf = require_import("nova.conf")
    opts = {name: entry["opt"] for name, entry in nova_conf.CONF._opts.items()}
    opts.update({opt.name: opt for opt in messaging_default_options()})
    return opts


def load_default_section(path=None):
    """oslo.config with nova 34's compute options ([DEFAULT] and [compute]) and oslo.messaging's, reading ``path``."""
    cfg = require_import("oslo_config.cfg")
    nova_conf = require_import("nova.conf")
    conf = cfg.ConfigOpts()
    nova_conf.compute.register_opts(conf)
    conf.register_opts(messaging_default_options())
    conf(args=[], project="nova", default_config_files=[str(path)] if path else [], default_config_dirs=[])
    return conf


def power_off_timeout(conf, image_properties=None):
    """The clean-shutdown seconds nova 34 gives an instance of an image with ``image_properties`` under ``conf``.

    nova's own path: the image properties become the instance's ``image_*`` system metadata
    (nova/utils.py get_system_metadata_from_image) and ComputeManager._get_power_off_values reads
    ``image_os_shutdown_timeout`` there, with ``[DEFAULT] shutdown_timeout`` as the default.
    """
    utils = require_import("nova.utils")
    manager = require_import("nova.compute.manager")
    instance = types.SimpleNamespace(system_metadata=utils.get_system_metadata_from_image({"properties": dict(image_properties or {})}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manager, "CONF", conf)
        return manager.ComputeManager._get_power_off_values(None, instance, True)[0]
