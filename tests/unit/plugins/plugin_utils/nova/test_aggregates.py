"""Tests for plugins/plugin_utils/nova/aggregates.py: host aggregates per host arch and per emulated guest arch.

Oracle: nova 34's image metadata objects (every aggregate metadata key is an image
property nova knows, with a valid value, as AggregateImagePropertiesIsolation reads it).
"""

from __future__ import annotations

import pytest
from conftest import require_import
from nova_testlib import lab_host, multiarch_x86

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.aggregates import compute_arch_aggregates
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NovaLibvirtError


def cloud_plans():
    return [
        compute_arch_plan(lab_host("aarch64"), host="arm-1"),
        compute_arch_plan(multiarch_x86(), host="x86-2", nova_host="x86-2.example", emulated_arches=["aarch64", "ppc64le"], mode="shared"),
        compute_arch_plan(multiarch_x86(), host="x86-1", emulated_arches=["aarch64"]),
        compute_arch_plan(lab_host("ppc64le"), host="p-1", overrides={"cpu_mode": "bogus"}),  # refused: left out
    ]


def test_aggregates_per_arch_and_per_emulated_arch():
    plans = cloud_plans()
    assert plans[3]["errors"]
    assert compute_arch_aggregates(plans) == [
        {"name": "arch-aarch64", "hosts": ["arm-1"], "metadata": {"hw_architecture": "aarch64"}},
        {"name": "arch-x86_64", "hosts": ["x86-1", "x86-2.example"], "metadata": {"hw_architecture": "x86_64"}},
        {"name": "emulates-aarch64", "hosts": ["x86-1", "x86-2.example"], "metadata": {"hw_emulation_architecture": "aarch64"}},
        {"name": "emulates-ppc64le", "hosts": ["x86-2.example"], "metadata": {"hw_emulation_architecture": "ppc64le"}},
    ]
    named = compute_arch_aggregates({p["host"]: p for p in plans[:1]}, prefix="ma-")
    assert named == [{"name": "ma-arch-aarch64", "hosts": ["arm-1"], "metadata": {"hw_architecture": "aarch64"}}]


def test_every_metadata_value_is_a_nova_image_property():
    objects = require_import("nova.objects")
    objects.register_all()
    for aggregate in compute_arch_aggregates(cloud_plans()):
        meta = objects.ImageMetaProps.from_dict(aggregate["metadata"])  # enum fields raise ValueError for a wrong value
        for key, value in aggregate["metadata"].items():
            assert meta.get(key) == value


def test_the_same_host_twice_is_listed_once_and_junk_is_skipped():
    plan = compute_arch_plan(lab_host("x86_64"), host="c1")
    assert compute_arch_aggregates([plan, dict(plan), None, "c2", {"arch": None, "errors": []}]) == [
        {"name": "arch-x86_64", "hosts": ["c1"], "metadata": {"hw_architecture": "x86_64"}}
    ]
    assert compute_arch_aggregates([]) == []


@pytest.mark.parametrize("plans", ["arch-x86_64", 42, None])
def test_not_a_list_of_plans_is_refused(plans):
    with pytest.raises(NovaLibvirtError, match="expected a list of nova_compute_arch_plan results"):
        compute_arch_aggregates(plans)
