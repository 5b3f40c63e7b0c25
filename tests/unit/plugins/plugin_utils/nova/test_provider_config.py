"""Tests for plugins/plugin_utils/nova/provider_config.py: the nova provider config with CUSTOM_EMULATES_<ARCH> traits.

Oracles: nova 34's own provider config loader (``get_provider_configs``: JSON
schema, custom-trait check, duplicate providers), nova's resource tracker
merging the file into a provider tree (the traits land on the compute node root
provider), and os-traits (custom trait names).
"""

from __future__ import annotations

import uuid

import pytest
import yaml
from conftest import require_import

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.provider_config import (
    ProviderConfigError,
    check_custom_trait,
    emulation_trait,
    emulation_traits,
    provider_config,
    provider_config_for_arches,
    render_provider_config_yaml,
)


@pytest.fixture
def os_traits():
    return require_import("os_traits")


@pytest.fixture
def nova_exc():
    return require_import("nova.exception")


# kolla-ansible's documented example of nova_cell_compute_provider_config (doc/source/reference/compute/nova-guide.rst).
KOLLA_GPU_EXAMPLE = {
    "meta": {"schema_version": "1.0"},
    "providers": [
        {
            "identification": {"name": "$COMPUTE_NODE"},
            "inventories": {
                "additional": [
                    {"CUSTOM_GPU": {"total": 8, "reserved": 0, "min_unit": 1, "max_unit": 1, "step_size": 1, "allocation_ratio": 1.0}},
                ]
            },
        }
    ],
}


def nova_load(tmp_path, text, name="multiarch.yaml"):
    """Load ``text`` as nova-compute does at start (every *.yaml of provider_config_location)."""
    directory = tmp_path / "provider_config"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)
    return require_import("nova.compute.provider_config").get_provider_configs(str(directory))


def merge_into_tree(configs, extra_root_traits=()):
    """Run nova's resource tracker merge over a tree with one compute node; return (tree, compute node uuid)."""
    provider_tree = require_import("nova.compute.provider_tree")
    resource_tracker = require_import("nova.compute.resource_tracker")
    os_traits = require_import("os_traits")
    tree = provider_tree.ProviderTree()
    node = str(uuid.uuid4())
    tree.new_root("compute-1", node)
    tree.add_traits(node, os_traits.COMPUTE_NODE, *extra_root_traits)
    other = str(uuid.uuid4())
    tree.new_root("shared-storage", other)  # not a compute node: $COMPUTE_NODE must not touch it
    tracker = object.__new__(resource_tracker.ResourceTracker)  # only the merge methods are used
    tracker.absent_providers = set()
    tracker._merge_provider_configs(configs, tree)
    return tree, node, other


# --------------------------------------------------------------------------- nova accepts what we render


@pytest.mark.parametrize(
    ("arches", "traits"),
    [
        (["aarch64"], ["CUSTOM_EMULATES_AARCH64"]),
        (["ppc64le", "arm64"], ["CUSTOM_EMULATES_AARCH64", "CUSTOM_EMULATES_PPC64LE"]),
        ("x86_64,s390x", ["CUSTOM_EMULATES_S390X", "CUSTOM_EMULATES_X86_64"]),
    ],
)
def test_nova_loads_the_rendered_file(tmp_path, arches, traits):
    text = provider_config_for_arches(arches, render=True)
    loaded = nova_load(tmp_path, text)
    assert loaded == {
        "$COMPUTE_NODE": {"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": traits}, "__source_file": "multiarch.yaml"}
    }
    # The role writes the same text the filter renders; it is the dict the fact carries.
    assert yaml.safe_load(text) == provider_config_for_arches(arches)


def test_nova_puts_the_traits_on_the_compute_node_root_provider(tmp_path):
    configs = nova_load(tmp_path, provider_config_for_arches(["aarch64", "ppc64le"], render=True))
    tree, node, other = merge_into_tree(configs, extra_root_traits=["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"])
    assert tree.data(node).traits == {
        "COMPUTE_NODE",
        "COMPUTE_ARCH_X86_64",
        "HW_ARCH_X86_64",
        "CUSTOM_EMULATES_AARCH64",
        "CUSTOM_EMULATES_PPC64LE",
        "OWNER_NOVA",
    }
    assert tree.data(other).traits == set()


def test_empty_config_clears_the_file_and_nova_accepts_it(tmp_path):
    text = provider_config_for_arches([], render=True)
    assert yaml.safe_load(text) == {"meta": {"schema_version": "1.0"}, "providers": []}
    assert nova_load(tmp_path, text) == {}


def test_nova_keeps_a_custom_trait_the_file_no_longer_lists(tmp_path):
    """Why the README tells operators to remove a trait from placement when a host stops emulating."""
    configs = nova_load(tmp_path, provider_config_for_arches([], render=True))
    tree, node, _other = merge_into_tree(configs, extra_root_traits=["CUSTOM_EMULATES_AARCH64"])  # found in placement
    assert "CUSTOM_EMULATES_AARCH64" in tree.data(node).traits


# --------------------------------------------------------------------------- only CUSTOM_ traits


@pytest.mark.parametrize(
    "trait",
    [
        "COMPUTE_ARCH_AARCH64",  # what nova reports itself under virt_type qemu
        "HW_ARCH_X86_64",
        "EMULATES_AARCH64",
        "custom_emulates_aarch64",
        "CUSTOM_EMULATES-AARCH64",
        "CUSTOM_" + "A" * 249,  # 256 characters
        "CUSTOM_EMULATES_AARCH64",
        "CUSTOM_" + "A" * 248,  # 255 characters
    ],
)
def test_trait_check_agrees_with_nova(tmp_path, trait, nova_exc):
    """Our check and nova's loader give the same verdict; nova refuses every non-custom trait."""
    text = yaml.safe_dump(
        {"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": [trait]}}]}
    )
    try:
        nova_load(tmp_path, text)
        nova_accepts = True
    except nova_exc.ProviderConfigException as exc:
        nova_accepts = False
        if trait.isupper() and "-" not in trait and len(trait) <= 255:
            assert "only custom traits are allowed" in str(exc)
    try:
        check_custom_trait(trait, host="c1")
        ours = True
    except ProviderConfigError as exc:
        ours = False
        assert "host c1" in str(exc) and repr(trait) in str(exc)
    assert ours == nova_accepts
    assert nova_accepts == (trait.startswith("CUSTOM_") and "-" not in trait and trait == trait.upper() and len(trait) <= 255)


def test_nova_refuses_a_compute_arch_trait_which_is_why_shared_mode_uses_custom(tmp_path, nova_exc):
    text = yaml.safe_dump(
        {"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["COMPUTE_ARCH_AARCH64"]}}]}
    )
    with pytest.raises(nova_exc.ProviderConfigException, match=r"only custom traits are allowed: \['COMPUTE_ARCH_AARCH64'\]"):
        nova_load(tmp_path, text)
    with pytest.raises(ProviderConfigError, match="only custom traits"):
        provider_config(["COMPUTE_ARCH_AARCH64"], host="c1")


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_every_emulation_trait_is_a_placement_custom_trait(arch, os_traits):
    trait = emulation_trait(arch)
    assert trait == "CUSTOM_EMULATES_" + arch.upper()
    assert os_traits.is_custom(trait)
    # os-traits' normaliser maps the suffix back to the same legal custom name
    assert os_traits.normalize_name("EMULATES_" + arch) == trait
    # not a standard trait: a provider config may carry it
    assert not hasattr(os_traits, trait)


def test_traits_sorted_deduplicated_and_aliases():
    assert emulation_traits(["arm64", "aarch64", "ppc64el"]) == ["CUSTOM_EMULATES_AARCH64", "CUSTOM_EMULATES_PPC64LE"]
    assert emulation_traits(None) == []
    with pytest.raises(ProviderConfigError, match="sparc"):
        emulation_traits(["sparc"])
    with pytest.raises(ProviderConfigError, match="list of guest arches"):
        emulation_traits(42)


# --------------------------------------------------------------------------- merging with an operator's config


def test_kolla_example_gets_the_traits_on_its_compute_node_entry(tmp_path):
    merged = provider_config_for_arches(["aarch64"], base=KOLLA_GPU_EXAMPLE, host="gpu-1")
    assert merged["providers"] == [
        {
            "identification": {"name": "$COMPUTE_NODE"},
            "inventories": KOLLA_GPU_EXAMPLE["providers"][0]["inventories"],
            "traits": {"additional": ["CUSTOM_EMULATES_AARCH64"]},
        }
    ]
    assert KOLLA_GPU_EXAMPLE["providers"][0].get("traits") is None  # the base is not changed in place
    loaded = nova_load(tmp_path, render_provider_config_yaml(merged))
    assert list(loaded) == ["$COMPUTE_NODE"]
    tree, node, _other = merge_into_tree(loaded)
    assert "CUSTOM_EMULATES_AARCH64" in tree.data(node).traits
    assert tree.data(node).inventory["CUSTOM_GPU"]["total"] == 8


def test_a_second_compute_node_entry_is_what_nova_refuses(tmp_path, nova_exc):
    """Oracle for merging instead of appending: nova refuses $COMPUTE_NODE twice."""
    naive = {
        "meta": {"schema_version": "1.0"},
        "providers": [*KOLLA_GPU_EXAMPLE["providers"], {"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["CUSTOM_EMULATES_AARCH64"]}}],
    }
    with pytest.raises(nova_exc.ProviderConfigException, match="multiple definitions"):
        nova_load(tmp_path, yaml.safe_dump(naive))


def test_emulation_traits_are_replaced_not_accumulated(tmp_path):
    first = provider_config(["CUSTOM_EMULATES_AARCH64", "CUSTOM_EMULATES_PPC64LE"], base=KOLLA_GPU_EXAMPLE)
    assert provider_config(["CUSTOM_EMULATES_AARCH64", "CUSTOM_EMULATES_PPC64LE"], base=first) == first  # idempotent
    dropped = provider_config(["CUSTOM_EMULATES_PPC64LE"], base=first)
    assert dropped["providers"][0]["traits"] == {"additional": ["CUSTOM_EMULATES_PPC64LE"]}
    # Without emulation the operator's entry is back to what it was.
    assert provider_config([], base=first) == KOLLA_GPU_EXAMPLE
    # An entry that only carried our traits disappears with them.
    ours_only = provider_config(["CUSTOM_EMULATES_AARCH64"])
    assert provider_config([], base=ours_only) == {"meta": {"schema_version": "1.0"}, "providers": []}
    # Operator traits next to ours stay.
    base = {"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["CUSTOM_RACK_A"]}}]}
    both = provider_config(["CUSTOM_EMULATES_AARCH64"], base=base)
    assert both["providers"][0]["traits"]["additional"] == ["CUSTOM_RACK_A", "CUSTOM_EMULATES_AARCH64"]
    assert provider_config([], base=both) == base
    assert nova_load(tmp_path, render_provider_config_yaml(both))["$COMPUTE_NODE"]["traits"]["additional"] == ["CUSTOM_RACK_A", "CUSTOM_EMULATES_AARCH64"]


def test_other_providers_are_kept(tmp_path):
    other = str(uuid.uuid4())
    base = {"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"uuid": other}, "traits": {"additional": ["CUSTOM_FPGA"]}}]}
    merged = provider_config(["CUSTOM_EMULATES_AARCH64"], base=base)
    assert merged["providers"] == [
        {"identification": {"uuid": other}, "traits": {"additional": ["CUSTOM_FPGA"]}},
        {"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["CUSTOM_EMULATES_AARCH64"]}},
    ]
    assert sorted(nova_load(tmp_path, render_provider_config_yaml(merged))) == sorted([other, "$COMPUTE_NODE"])


@pytest.mark.parametrize(
    ("base", "words"),
    [
        ("providers: []", ["host c1", "must be a dict"]),
        ({"providers": []}, ["host c1", "schema_version=None"]),
        ({"meta": {"schema_version": 1.0}, "providers": []}, ["host c1", "schema_version=1.0", "string"]),
        ({"meta": {"schema_version": "2.0"}, "providers": []}, ["host c1", "'2.0'"]),
        ({"meta": {"schema_version": "1.0"}, "providers": {}}, ["host c1", "providers={}"]),
        ({"meta": {"schema_version": "1.0"}, "providers": [{"traits": {}}]}, ["host c1", "providers[0].identification=None"]),
        ({"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"uuid": "$COMPUTE_NODE", "name": "x"}}]}, ["exactly one"]),
        (
            {"meta": {"schema_version": "1.0"}, "providers": [{"identification": {"name": "n"}, "traits": {"additional": ["HW_CPU_X86_AVX2"]}}]},
            ["host c1", "'HW_CPU_X86_AVX2'", "only custom traits"],
        ),
    ],
)
def test_bad_base_names_the_host_and_value(tmp_path, base, words, nova_exc):
    with pytest.raises(ProviderConfigError) as err:
        provider_config(["CUSTOM_EMULATES_AARCH64"], base=base, host="c1")
    for word in words:
        assert word in str(err.value)
    # nova refuses each of them too (except a non-dict, which is not YAML nova could name)
    if isinstance(base, dict):
        with pytest.raises(nova_exc.ProviderConfigException):
            nova_load(tmp_path, yaml.safe_dump(base))


def test_rendered_yaml_has_the_header_and_plain_types():
    class Tagged(str):
        """Stands in for templating wrappers around strings."""

    text = render_provider_config_yaml(provider_config([Tagged("CUSTOM_EMULATES_AARCH64")]))
    assert text.startswith("# nova provider config")
    assert "!!python" not in text
    assert "schema_version: '1.0'" in text
