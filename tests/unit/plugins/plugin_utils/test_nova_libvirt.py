"""Tests for plugin_utils/nova_libvirt.py helpers and the archtable fields it reads.

Oracles: libvirt's CPU map (daemon-less test:///default), the libvirt daemon's
domain capabilities (tests marked ``libvirt``) and nova 34's option definitions
and libvirt driver code.
"""

from __future__ import annotations

import types

import pytest
from ansible.errors import AnsibleFilterError
from conftest import fixture_file, unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils import libvirt_caps
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_libvirt import (
    CPU_MODES,
    NOVA_LIBVIRT_KEYS,
    NOVA_MAX_PCIE_PORTS,
    model_rank,
    pick_tcg_cpu_model,
    render_nova_compute_libvirt,
)

libvirt = pytest.importorskip("libvirt")
nova_conf = pytest.importorskip("nova.conf")


def cpu_map(arch):
    conn = libvirt.open("test:///default")
    try:
        return conn.getCPUModelNames(arch)
    finally:
        conn.close()


# --------------------------------------------------------------------------- renderer


def test_render_writes_set_keys_in_order():
    settings = {
        "virt_type": "qemu",
        "cpu_mode": "custom",
        "cpu_models": ["Nehalem", "Westmere"],
        "cpu_model_extra_flags": ["-hle", "+pcid"],
        "hw_machine_type": "x86_64=q35,aarch64=virt",
        "num_pcie_ports": 0,
    }
    got = render_nova_compute_libvirt(settings)
    assert list(got) == list(NOVA_LIBVIRT_KEYS)
    assert got == {
        "virt_type": "qemu",
        "cpu_mode": "custom",
        "cpu_models": "Nehalem,Westmere",
        "cpu_model_extra_flags": "-hle,+pcid",
        "hw_machine_type": "x86_64=q35,aarch64=virt",
        "num_pcie_ports": "0",
    }


def test_render_leaves_out_unset_keys():
    settings = {"virt_type": "kvm", "cpu_mode": "host-model", "cpu_models": [], "cpu_model_extra_flags": [], "hw_machine_type": None, "num_pcie_ports": None}
    assert render_nova_compute_libvirt(settings) == {"virt_type": "kvm", "cpu_mode": "host-model"}


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"virt_type": "kvm", "cpu_model": "Nehalem"}, ["unknown key(s) cpu_model"]),
        ({"cpu_models": ["a,b"]}, ["cpu_models item 'a,b'"]),
        ({"cpu_models": [" "]}, ["cpu_models item ' '"]),
        ({"num_pcie_ports": True}, ["num_pcie_ports=True"]),
        ({"hw_machine_type": "x86_64=q35\nvirt_type = lxc"}, ["newline"]),
        ("virt_type=kvm", ["settings must be the dict"]),
    ],
)
def test_render_refuses_what_an_ini_line_cannot_hold(settings, words):
    with pytest.raises(AnsibleFilterError) as err:
        render_nova_compute_libvirt(settings)
    for word in words:
        assert word in str(err.value)


def test_owned_keys_and_cpu_modes_are_nova_options():
    opts = {opt.dest: opt for opt in nova_conf.libvirt.ALL_OPTS}
    assert set(NOVA_LIBVIRT_KEYS) <= set(opts)
    assert {choice for choice, _help in opts["cpu_mode"].type.choices.items()} == set(CPU_MODES)
    assert opts["num_pcie_ports"].type.max == NOVA_MAX_PCIE_PORTS
    assert {"kvm", "qemu"} <= set(opts["virt_type"].type.choices)


# --------------------------------------------------------------------------- model ranking


def test_every_libvirt_cpu_map_model_has_a_rank():
    for arch in ("x86_64", "ppc64le"):
        unranked = [m for m in cpu_map(arch) if model_rank(arch, m) is None]
        # libvirt's POWER map also has the embedded e5500/e6500 cores, which are no server generation
        assert [m for m in unranked if not m.startswith("POWERPC_e")] == [], arch


@pytest.mark.parametrize(
    ("arch", "lineage"),
    [
        (
            "x86_64",
            (
                "Conroe", "Penryn", "Nehalem", "Westmere", "SandyBridge", "IvyBridge", "Haswell", "Broadwell",
                "Skylake-Client", "Skylake-Server", "Cascadelake-Server", "Icelake-Server", "Cooperlake",
            ),
        ),
        ("x86_64", ("Opteron_G1", "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-Rome", "EPYC-Milan")),
        ("ppc64le", ("POWER6", "POWER7", "POWER8", "POWER9", "POWER10")),
    ],
    ids=["intel", "amd", "power"],
)
def test_rank_follows_libvirt_cpu_map_order_within_a_lineage(arch, lineage):
    listed = [m for m in cpu_map(arch) if m in lineage]
    assert listed == list(lineage)  # libvirt's own order: oldest to newest
    ranks = [model_rank(arch, m) for m in listed]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_rank_of_variants_and_unranked_names():
    def rank(model):
        return model_rank("x86_64", model)

    assert rank("Skylake-Client-noTSX-IBRS") < rank("Skylake-Client-IBRS")
    assert rank("Skylake-Client") < rank("Skylake-Client-noTSX-IBRS")
    assert rank("Haswell-noTSX") < rank("Haswell")
    assert rank("EPYC-Rome") < rank("EPYC-Rome-v2") < rank("EPYC-Milan")
    assert rank("Cascadelake-Server-noTSX") < rank("Cascadelake-Server") < rank("Icelake-Server-noTSX")
    assert rank("cpu64-rhel6") is not None
    for name in ("max", "host", "Unknown-Model", ""):
        assert rank(name) is None
    assert model_rank("aarch64", "cortex-a57") < model_rank("aarch64", "cortex-a72") < model_rank("aarch64", "neoverse-n1")
    assert model_rank("aarch64", "max") is None and model_rank("aarch64", "pxa270") is None
    assert model_rank("ppc64le", "power9") == model_rank("ppc64le", "POWER9")


def test_aarch64_families_are_qemu_model_names():
    caps = libvirt_caps.parse_domain_capabilities(fixture_file("domain_caps", "domcaps_aarch64_kvm_virt_efi.xml").read_text())
    qemu_names = set(caps["cpu_models"])
    families = ARCHES["aarch64"]["cpu_model_families"]
    assert set(families) <= qemu_names  # QEMU 8.2 (the fixture) knows every listed family


# --------------------------------------------------------------------------- archtable fields


@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_tcg_defaults_are_names_nova_accepts(arch):
    info = ARCHES[arch]
    assert info["tcg_cpu_models"], arch
    assert set(info["tcg_cpu_modes"]) <= set(CPU_MODES) and "custom" in info["tcg_cpu_modes"]
    assert info["kvm_cpu_mode"] in CPU_MODES
    names = cpu_map(arch)
    if names:  # x86 and POWER: nova checks cpu_models against libvirt's CPU map
        assert set(info["tcg_cpu_models"]) <= set(names)
        assert set(info["compat_cpu_models"]) <= set(names)
    else:  # aarch64: libvirt has no map for it and nova does not check names
        assert info["compat_cpu_models"] == ()
    assert pick_tcg_cpu_model(arch, []) == info["tcg_cpu_models"][0]
    assert pick_tcg_cpu_model(arch, [m.lower() for m in info["tcg_cpu_models"][1:]]) == info["tcg_cpu_models"][1].lower()
    assert pick_tcg_cpu_model(arch, ["nothing-here"]) is None


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_pcie_fields_match_nova(arch):
    """nova adds num_pcie_ports root ports only for x86_64 hosts with q35 and aarch64 hosts with virt."""
    from nova.virt.libvirt import driver as nova_driver  # noqa: PLC0415

    info = ARCHES[arch]
    conf = nova_conf.CONF
    conf(args=[], project="nova", default_config_files=[], default_config_dirs=[])
    conf.set_override("num_pcie_ports", 1, group="libvirt")
    try:
        host = types.SimpleNamespace(
            get_capabilities=lambda: types.SimpleNamespace(host=types.SimpleNamespace(cpu=types.SimpleNamespace(arch=arch)))
        )
        fake = types.SimpleNamespace(_host=host)
        needs = nova_driver.LibvirtDriver._guest_needs_pcie(fake, types.SimpleNamespace(os_mach_type=info["machine_type"]))
    finally:
        conf.clear_override("num_pcie_ports", group="libvirt")
        conf.clear()
    assert needs == info["pcie_root_ports"]
    if info["default_pcie_ports"] is not None:
        assert info["pcie_root_ports"] and 0 <= info["default_pcie_ports"] <= NOVA_MAX_PCIE_PORTS
    assert info["max_pcie_ports"] is None or info["max_pcie_ports"] <= NOVA_MAX_PCIE_PORTS


@pytest.mark.libvirt
@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_tcg_cpu_modes_match_the_daemons_domain_capabilities(arch):
    """tcg_cpu_modes: nova's modes libvirt offers for a qemu (TCG) domain of the arch, plus none."""
    try:
        conn = libvirt.open("qemu:///system")
    except libvirt.libvirtError as exc:
        unavailable("libvirt daemon not reachable: %s" % exc)
    try:
        try:
            xml = conn.getDomainCapabilities(None, arch, ARCHES[arch]["machine_type"], "qemu", 0)
        except libvirt.libvirtError as exc:
            pytest.skip("no %s emulator on this machine: %s" % (arch, exc))
    finally:
        conn.close()
    caps = libvirt_caps.parse_domain_capabilities(xml)
    offered = {m for m in caps["cpu_modes"] if m in CPU_MODES} | {"none"}
    assert offered == set(ARCHES[arch]["tcg_cpu_modes"])
    assert pick_tcg_cpu_model(arch, caps["cpu_models"]) == ARCHES[arch]["tcg_cpu_models"][0]
