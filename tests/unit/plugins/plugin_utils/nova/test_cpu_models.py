"""Tests for plugins/plugin_utils/nova/cpu_models.py: name lookup, model ranking and the TCG model pick.

Oracles: libvirt's CPU map (daemon-less test:///default; its order is oldest to
newest within a lineage, and its names are the ones nova accepts for x86 and POWER
cpu_models), QEMU's model names in a real aarch64 domain capabilities fixture, and
nova 34's cpu_mode choices.
"""

from __future__ import annotations

import pytest
from conftest import fixture_file
from nova_testlib import cpu_map

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_caps
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.cpu_models import lookup_model, model_rank, pick_tcg_cpu_model
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import CPU_MODES

# --------------------------------------------------------------------------- lookup


def test_lookup_is_case_insensitive_and_returns_the_listed_spelling():
    known = ["Haswell-noTSX", "Nehalem", "cortex-a72", "POWER9"]
    assert lookup_model("nehalem", known) == "Nehalem"
    assert lookup_model("HASWELL-NOTSX", known) == "Haswell-noTSX"
    assert lookup_model("power9", known) == "POWER9"
    assert lookup_model("Cortex-A72", known) == "cortex-a72"
    assert lookup_model("Haswell", known) is None  # a family is not its variant
    assert lookup_model("Nehalem", []) is None


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


def test_rank_takes_arch_aliases():
    assert model_rank("amd64", "Nehalem") == model_rank("x86_64", "Nehalem")
    assert model_rank("ppc64el", "POWER9") == model_rank("ppc64le", "POWER9")
    assert model_rank("arm64", "cortex-a72") == model_rank("aarch64", "cortex-a72")


def test_aarch64_families_are_qemu_model_names():
    caps = libvirt_caps.parse_domain_capabilities(fixture_file("domain_caps", "domcaps_aarch64_kvm_virt_efi.xml").read_text())
    qemu_names = set(caps["cpu_models"])
    families = ARCHES["aarch64"]["cpu_model_families"]
    assert set(families) <= qemu_names  # QEMU 8.2 (the fixture) knows every listed family


# --------------------------------------------------------------------------- the TCG model


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


def test_pick_follows_the_table_order_not_the_emulator_order():
    assert pick_tcg_cpu_model("aarch64", ["max", "cortex-a57", "cortex-a72"]) == "cortex-a72"
    assert pick_tcg_cpu_model("aarch64", ["max", "cortex-a57"]) == "cortex-a57"
    assert pick_tcg_cpu_model("x86_64", ["qemu64", "Nehalem"]) == "Nehalem"


@pytest.mark.parametrize("arch", sorted(a for a in ARCHES if not ARCHES[a]["tcg_cpu_models"]))
def test_pick_is_none_for_arches_without_tcg_models(arch):
    """An arch the table has no TCG model for (not a compute host arch) gets no pick, whatever the emulator lists."""
    assert pick_tcg_cpu_model(arch, []) is None
    assert pick_tcg_cpu_model(arch, ["max"]) is None
