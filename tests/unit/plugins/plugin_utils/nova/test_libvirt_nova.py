"""Tests for plugins/plugin_utils/nova/libvirt.py against nova itself and this machine's libvirt daemon.

Oracles: nova 34's own option definitions (oslo.config loads every rendered [libvirt] section), nova's libvirt
driver (its checks of the decided CPU models and machine types), and, for tests marked ``libvirt``, the libvirt
daemon on this machine starting TCG guests with the decided CPU. The rule table's own cases are in test_libvirt.py.
"""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError
from conftest import require_import
from nova_testlib import (
    CAPS_VARIANTS,
    DOMCAPS_FOR,
    caps_host,
    live_connection,
    load_nova_conf,
    make_host,
    nova_driver_for,
    nova_value,
    start_guest,
    write_libvirt_ini,
)

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import (
    NOVA_LIBVIRT_KEYS,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)

# --------------------------------------------------------------------------- nova oracle

OVERRIDE_SETS = {
    ("x86_64", True): [
        {"cpu_mode": "host-passthrough"},
        {"cpu_mode": "custom", "cpu_models": ["Nehalem", "Haswell-noTSX"], "cpu_model_extra_flags": ["+pcid", "-hle", "vmx"]},
        {"cpu_mode": "none", "num_pcie_ports": 28},
        {"virt_type": "qemu"},
    ],
    ("x86_64", False): [
        {"cpu_models": ["qemu64"], "num_pcie_ports": 0},
        {"cpu_mode": "host-model", "hw_machine_type": "x86_64=pc-q35-7.2"},
        {"cpu_mode": "none"},
    ],
    ("aarch64", True): [
        {"cpu_mode": "custom", "cpu_models": ["max"]},
        {"cpu_mode": "none", "num_pcie_ports": 28},
        {"virt_type": "qemu", "cpu_models": ["max"]},
    ],
    ("aarch64", False): [
        {"cpu_models": ["neoverse-n1"], "hw_machine_type": {"aarch64": "virt-7.2"}},
        {"cpu_mode": "none", "num_pcie_ports": 1},
    ],
    ("ppc64le", True): [
        {"cpu_mode": "custom", "cpu_models": ["POWER8"]},
        {"cpu_mode": "host-passthrough", "hw_machine_type": "ppc64le=pseries-7.2"},
        {"virt_type": "qemu"},
    ],
    ("ppc64le", False): [
        {"cpu_models": ["POWER10"]},
        {"cpu_mode": "none"},
    ],
}


def _cases():
    cases = []
    for (arch, kvm), sets in sorted(OVERRIDE_SETS.items()):
        tag = "%s-%s" % (arch, "kvm" if kvm else "tcg")
        cases.append(pytest.param(make_host(arch, kvm), {}, {}, id="%s-defaults" % tag))
        for index, over in enumerate(sets):
            cases.append(pytest.param(make_host(arch, kvm), over, {}, id="%s-override%d" % (tag, index)))
    emulating = make_host("x86_64", True, ["x86_64", "aarch64", "ppc64le"])
    cases.append(pytest.param(emulating, {}, {"emulated_arches": ["aarch64", "ppc64le"]}, id="x86_64-emulating"))
    cases.append(pytest.param(make_host("aarch64", False, ["aarch64", "x86_64"]), {}, {"emulated_arches": ["x86_64"]}, id="aarch64-emulating"))
    for name in sorted(DOMCAPS_FOR):
        for variant, kvm in sorted(CAPS_VARIANTS.items()):
            cases.append(pytest.param(name, {}, {"_fixture": kvm}, id="%s-%s" % (name, variant)))
    return cases


def _resolve(host, kwargs):
    kwargs = dict(kwargs)
    if isinstance(host, str):
        host = caps_host(host, kvm=kwargs.pop("_fixture"))
    return host, kwargs


@pytest.mark.parametrize(("host", "overrides", "kwargs"), _cases())
def test_rendered_section_loads_with_nova_option_definitions(host, overrides, kwargs, tmp_path):
    host, kwargs = _resolve(host, kwargs)
    settings = nova_libvirt_settings(host, overrides, **kwargs)
    rendered = render_nova_compute_libvirt(settings)
    nova_conf = require_import("nova.conf")
    cfg = require_import("oslo_config.cfg")
    registered = {opt.dest for opt in nova_conf.libvirt.ALL_OPTS}
    assert set(rendered) <= registered, "keys nova does not define: %s" % sorted(set(rendered) - registered)
    path = write_libvirt_ini(tmp_path / "nova-compute.conf", rendered)

    conf = cfg.ConfigOpts()
    nova_conf.libvirt.register_opts(conf)
    conf(args=[], project="nova", default_config_files=[str(path)], default_config_dirs=[])
    # Reading a value runs oslo's type and choices checks (ConfigFileValueError when invalid).
    for key in NOVA_LIBVIRT_KEYS:
        assert getattr(conf.libvirt, key) == nova_value(settings, key), key


@pytest.mark.parametrize(("host", "overrides", "kwargs"), _cases())
def test_nova_driver_accepts_the_settings(host, overrides, kwargs, tmp_path, nova_global_conf):
    host, kwargs = _resolve(host, kwargs)
    settings = nova_libvirt_settings(host, overrides, **kwargs)
    path = write_libvirt_ini(tmp_path / "nova-compute.conf", render_nova_compute_libvirt(settings))
    load_nova_conf(nova_global_conf, path)
    nova_utils = require_import("nova.virt.libvirt.utils")
    arch = host["arch"]
    calls = []
    driver = nova_driver_for(arch, calls)

    driver._check_cpu_compatibility()  # nova-compute's start-up check: raises Invalid/InvalidCPUInfo
    if settings["cpu_mode"] == "custom":
        assert [c.model for c in calls] == settings["cpu_models"]
        assert {(f.name, f.policy) for f in calls[0].features} == {
            (f.lstrip("+-"), "disable" if f.startswith("-") else "require") for f in settings["cpu_model_extra_flags"]
        }
    else:
        assert calls == []

    cpu = driver._get_guest_cpu_model_config(None, arch)
    if settings["cpu_mode"] == "none":
        assert (cpu.mode, cpu.model) == (None, None)
    else:
        assert cpu.mode == settings["cpu_mode"]
        assert cpu.model == (settings["cpu_models"][0] if settings["cpu_models"] else None)

    machines = dict(item.split("=") for item in (settings["hw_machine_type"] or "").split(",") if item)
    for guest_arch, machine in machines.items():
        assert nova_utils.get_default_machine_type(guest_arch) == machine
    if settings["num_pcie_ports"] and arch in machines:
        assert driver._guest_needs_pcie(types.SimpleNamespace(os_mach_type=machines[arch])) is True
    if "num_pcie_ports" not in overrides:
        assert (settings["num_pcie_ports"] is not None) == ARCHES[arch]["pcie_root_ports"]


# --------------------------------------------------------------------------- live libvirt


def _guest_cpu_xml(settings, guest_arch, nova_global_conf, tmp_path):
    path = write_libvirt_ini(tmp_path / "nova-compute.conf", render_nova_compute_libvirt(settings))
    load_nova_conf(nova_global_conf, path)
    cpu = nova_driver_for(guest_arch, [])._get_guest_cpu_model_config(None, guest_arch)
    cpu.sockets, cpu.cores, cpu.threads = 1, 1, 1
    return cpu.to_xml()


LIVE_TCG = [
    pytest.param(make_host("x86_64", False), "x86_64", {}, id="x86_64-default-model"),
    pytest.param(make_host("aarch64", False), "aarch64", {}, id="aarch64-default-model"),
    pytest.param(make_host("ppc64le", False), "ppc64le", {}, id="ppc64le-default-model"),
    pytest.param("caps_aarch64_kvm_neoverse_n1.xml", "aarch64", {}, id="aarch64-fixture-no-kvm"),
    pytest.param(make_host("x86_64", True, ["x86_64", "aarch64", "ppc64le"]), "aarch64", {"emulated_arches": ["aarch64", "ppc64le"]}, id="emulated-aarch64"),
    pytest.param(make_host("x86_64", True, ["x86_64", "aarch64", "ppc64le"]), "ppc64le", {"emulated_arches": ["aarch64", "ppc64le"]}, id="emulated-ppc64le"),
    pytest.param(make_host("aarch64", False, ["aarch64", "x86_64"]), "x86_64", {"emulated_arches": ["x86_64"]}, id="emulated-x86_64"),
]


@pytest.mark.libvirt
@pytest.mark.parametrize(("host", "guest_arch", "kwargs"), LIVE_TCG)
def test_live_libvirt_starts_tcg_guests_with_the_decided_cpu(host, guest_arch, kwargs, nova_global_conf, tmp_path):
    if isinstance(host, str):
        host = caps_host(host, kvm=False)
    settings = nova_libvirt_settings(host, **kwargs)
    assert settings["virt_type"] == "qemu" or kwargs.get("emulated_arches")
    machines = dict(item.split("=") for item in settings["hw_machine_type"].split(","))
    cpu_xml = _guest_cpu_xml(settings, guest_arch, nova_global_conf, tmp_path)
    conn = live_connection()
    try:
        assert start_guest(conn, guest_arch, machines[guest_arch], cpu_xml)
    finally:
        conn.close()


@pytest.mark.libvirt
@pytest.mark.parametrize(
    "cpu_xml",
    ["<cpu mode='host-model'/>", "<cpu mode='custom' match='exact'><model>Nehalem</model></cpu>"],
    ids=["host-model", "x86-model"],
)
def test_live_libvirt_refuses_other_cpu_modes_for_a_foreign_tcg_guest(cpu_xml):
    """Why an emulating host gets cpu_mode none: nova would put these on an aarch64 guest."""
    libvirt = require_import("libvirt")
    conn = live_connection()
    try:
        if ET.fromstring(conn.getCapabilities()).findtext("host/cpu/arch") == "aarch64":
            pytest.skip("this machine is aarch64: an aarch64 guest is not foreign here")
        with pytest.raises(libvirt.libvirtError):
            start_guest(conn, "aarch64", "virt", cpu_xml)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("arch", "model", "nova_accepts"),
    [("x86_64", "max", False), ("ppc64le", "max", False), ("x86_64", "Nehalem", True), ("ppc64le", "POWER9", True), ("aarch64", "max", True)],
)
def test_nova_oracle_has_teeth_for_tcg_model_names(arch, model, nova_accepts, tmp_path, nova_global_conf):
    """nova checks x86/POWER names against libvirt's CPU map (no 'max' there); aarch64 names are not checked."""
    settings = {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": [model], "cpu_model_extra_flags": [], "hw_machine_type": None, "num_pcie_ports": None}
    path = write_libvirt_ini(tmp_path / "nova-compute.conf", render_nova_compute_libvirt(settings))
    load_nova_conf(nova_global_conf, path)
    driver = nova_driver_for(arch, [])
    if nova_accepts:
        driver._check_cpu_compatibility()
    else:
        with pytest.raises(Exception, match="Configured CPU model: %s is not correct" % model):
            driver._check_cpu_compatibility()
    # The filter refuses the same names where the emulator does not list them.
    host = make_host(arch, kvm=False)
    if model in host["guests"][arch]["cpu_models"]:
        assert nova_libvirt_settings(host, {"cpu_models": [model]})["cpu_models"] == [model]
    else:
        with pytest.raises(AnsibleFilterError, match="cpu_models: %s is not a model" % model):
            nova_libvirt_settings(host, {"cpu_models": [model]})
