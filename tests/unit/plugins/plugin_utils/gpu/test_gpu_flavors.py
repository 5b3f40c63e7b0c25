"""plugins/plugin_utils/gpu/flavors.py: flavors for the decided aliases, checked with nova 34's extra-spec validators.

The decisions come from the real decision over pcitree's hosts (gpu_testlib); oracle:
nova.api.validation.extra_specs.validators.validate, which nova-api runs on every flavor extra spec.
"""

from __future__ import annotations

import pytest
from conftest import require_import
from gpu_testlib import host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.flavors import gpu_passthrough_flavors
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan

SIZE = {"vcpus": 8, "ram": 65536, "disk": 80}


def decisions(tmp_path):
    a100 = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="h1", arch="x86_64", cpu_vendor="AuthenticAMD", all_gpus=True,
                                aliases={"10de:20f1": {"name": "a100", "count": 2}})
    gtx = gpu_passthrough_plan(host_pci(tmp_path, "two_gtx1060"), host="h2", arch="x86_64", cpu_vendor="GenuineIntel", addresses=["0000:02:00.0"])
    return [a100, gtx]


def test_each_flavor_asks_for_its_alias_and_nova_accepts_every_extra_spec(tmp_path):
    validators = require_import("nova.api.validation.extra_specs.validators")
    wanted = [dict(SIZE, name="g1.a100", alias="a100"), dict(SIZE, name="g2.a100", alias="a100", count=1, extra_specs={"hw:cpu_policy": "dedicated"}),
              dict(SIZE, name="g1.gtx", alias="gpu-10de-1c03", is_public=False, description="GTX 1060")]
    result = gpu_passthrough_flavors(wanted, decisions(tmp_path))
    assert result["errors"] == []
    assert [f["extra_specs"] for f in result["flavors"]] == [
        {"pci_passthrough:alias": "a100:2"},  # the count the decision gave the alias
        {"hw:cpu_policy": "dedicated", "pci_passthrough:alias": "a100:1"},
        {"pci_passthrough:alias": "gpu-10de-1c03:1"},
    ]
    assert result["flavors"][2] == dict(SIZE, name="g1.gtx", is_public=False, description="GTX 1060",
                                        extra_specs={"pci_passthrough:alias": "gpu-10de-1c03:1"})
    for flavor in result["flavors"]:
        for key, value in flavor["extra_specs"].items():
            validators.validate(key, value)  # raises on what nova-api refuses


@pytest.mark.parametrize(("flavor", "says"), [
    (dict(SIZE, name="g", alias="h100"), "alias='h100' is not an alias a host of the play decided (a100, gpu-10de-1c03)"),
    (dict(SIZE, name="g", alias="a100", count=0), "count=0; give a whole number of at least 1"),
    (dict(SIZE, name="g", alias="a100", vcpus="8"), "vcpus='8'; give a whole number of at least 1 (vCPUs)"),
    (dict(SIZE, name="g", alias="a100", disk=-1), "disk=-1; give a whole number of at least 0 (GiB)"),
    (dict(SIZE, name="g", alias="a100", extra_specs={"pci_passthrough:alias": "x:1"}), "extra_specs: give a dict without pci_passthrough:alias"),
    (dict(SIZE, name="", alias="a100"), "name=''; give the flavor's name"),
    (dict(SIZE, name="g", alias="a100", flavour="x"), "unknown key(s) flavour"),
    ("g1", "gpu_passthrough_flavors[1]: give a dict"),
])
def test_every_problem_is_named_and_nothing_is_returned(tmp_path, flavor, says):
    result = gpu_passthrough_flavors([dict(SIZE, name="ok", alias="a100"), flavor], decisions(tmp_path))
    assert result["flavors"] == [] and len(result["errors"]) == 1 and says in result["errors"][0], result["errors"]


def test_a_name_given_twice_and_input_that_is_no_list(tmp_path):
    twice = gpu_passthrough_flavors([dict(SIZE, name="g", alias="a100")] * 2, decisions(tmp_path))
    assert twice["errors"] == ["gpu_passthrough_flavors: the flavor g is given twice"]
    assert gpu_passthrough_flavors({"name": "g"}, [])["errors"][0].startswith("gpu_passthrough_flavors: give a list")
    assert gpu_passthrough_flavors([], None) == {"flavors": [], "errors": []}
