"""plugin_utils/report/capability_map.py: the whole map (rows and the three texts) and the input it refuses."""

from __future__ import annotations

import json

import pytest
from kollatestlib import LazyHostvars, fact
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.report import html, markdown
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.capability_map import JSON_VERSION, CapabilityMapError, capability_map


def test_the_map_is_the_rows_and_their_three_texts(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    got = capability_map(hostvars, hosts, PPC_REGISTRY)
    assert list(got) == ["rows", "markdown", "json", "html"]
    assert [row["host"] for row in got["rows"]] == HOSTS
    assert got["markdown"] == markdown.document(got["rows"])
    assert got["html"] == html.page(got["rows"])
    assert json.loads(got["json"]) == {"version": JSON_VERSION, "hosts": got["rows"]}
    assert got["json"].endswith("}\n")


def test_the_same_facts_give_the_same_bytes(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    first = capability_map(hostvars, hosts, PPC_REGISTRY)
    again = capability_map(LazyHostvars(hostvars), list(hosts), dict(PPC_REGISTRY))
    assert (first["markdown"], first["json"], first["html"]) == (again["markdown"], again["json"], again["html"])


def test_the_image_sources_are_the_collections_own_and_merged_over_its_defaults():
    hostvars = {"p": {"multiarch_host": fact("ppc64le")}, "a": {"multiarch_host": fact("aarch64")}}
    default = capability_map(hostvars, ["p", "a"])["rows"]
    assert default[0]["images"] is None and default[1]["images"]["tag_suffix"] == "-aarch64"
    moved = capability_map(hostvars, ["p", "a"], {"aarch64": {"registry": "mirror.example.com:5000"}, "ppc64le": {"namespace": "ppc"}})["rows"]
    assert moved[0]["images"]["group_vars"] == {"openstack_tag_suffix": "", "docker_namespace": "ppc"}
    assert moved[1]["images"]["group_vars"] == {"openstack_tag_suffix": "-aarch64", "docker_registry": "mirror.example.com:5000"}
    assert capability_map(hostvars, ["a"], {"aarch64": None})["rows"][0]["images"] is None  # the default dropped


@pytest.mark.parametrize(("sources", "named"), [
    ({"aarch64": {"registry": "https://mirror/x"}}, "kolla_multiarch_image_sources.aarch64.registry"),
    ({"vax": {"tag_suffix": "-vax"}}, "unknown arch 'vax'"),
    (["aarch64"], "kolla_multiarch_image_sources must be a dict"),
])
def test_bad_image_sources_fail_naming_the_value(sources, named):
    with pytest.raises(Exception, match="image sources") as excinfo:
        capability_map({"a": {"multiarch_host": fact("aarch64")}}, ["a"], sources)
    assert named in str(excinfo.value)


@pytest.mark.parametrize(("hostvars", "hosts", "named"), [
    ({}, "all", "hosts must be a list of inventory host names, got 'all'"),
    ({}, None, "hosts must be a list"),
    ({}, ["a", 3], "not names: [3]"),
    ({}, ["a", ""], "not names: ['']"),
    (["a"], ["a"], "the input must be Ansible's hostvars"),
])
def test_input_that_is_not_hostvars_and_host_names_fails_naming_it(hostvars, hosts, named):
    with pytest.raises(CapabilityMapError) as excinfo:
        capability_map(hostvars, hosts)
    assert named in str(excinfo.value)


def test_no_hosts_is_an_empty_table():
    got = capability_map({}, [])
    assert got["rows"] == [] and "0 hosts." in got["markdown"] and json.loads(got["json"])["hosts"] == []


def test_unreachable_must_be_a_list_of_names():
    with pytest.raises(CapabilityMapError) as excinfo:
        capability_map({"a": {"multiarch_host": fact("aarch64")}}, ["a"], unreachable="a")
    assert "unreachable must be a list of inventory host names, got 'a'" in str(excinfo.value)
    assert "unreachable or failed" in capability_map({}, ["a"], unreachable=["a"])["markdown"]
