"""plugins/plugin_utils/preflight/arch.py: arch detected and supported, an image source per arch, one control-plane arch."""

from __future__ import annotations

from kollatestlib import PPC_SOURCE, fact

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context

GROUPS = {"control": ["ctl1", "ctl2"], "compute": ["cx", "ca", "cp"], "deployment": ["deploy"]}


def ctx(hostvars, **options):
    return Context(list(hostvars), hostvars, GROUPS, options)


def cloud(**over):
    hostvars = {"ctl1": {"multiarch_host": fact("x86_64")}, "ctl2": {"multiarch_host": fact("x86_64")}, "cx": {"multiarch_host": fact("x86_64")},
                "ca": {"multiarch_host": fact("aarch64")}, "cp": {"multiarch_host": fact("ppc64le")}, "deploy": {}}
    hostvars.update(over)
    return hostvars


def test_a_clean_cloud_has_no_finding():
    c = ctx(cloud(), image_sources=PPC_SOURCE)
    assert arch.arch_supported(c) == arch.image_source(c) == arch.control_plane_arch(c) == []


def test_undetected_and_unsupported_hosts_are_named():
    found = arch.arch_supported(ctx(cloud(cx={}, ca={"multiarch_host": fact("s390x")})))
    assert [(f["host"], f["severity"]) for f in found] == [("cx", "error"), ("ca", "error")]
    assert "run the multiarch.kolla.host_facts role" in found[0]["fix"] and "architecture s390x" == found[1]["found"]


def test_ppc64le_without_an_image_source_is_named_with_the_fix():
    (found,) = arch.image_source(ctx(cloud()))
    assert found["host"] == "cp" and found["found"] == "ppc64le host(s) cp have no image source"
    assert "upstream Kolla publishes no ppc64le images" in found["fix"] and "kolla-build --base-arch ppc64le" in found["fix"]


def test_a_control_plane_of_two_arches_unless_manifest_lists():
    hostvars = cloud(ctl2={"multiarch_host": fact("aarch64")})
    (found,) = arch.control_plane_arch(ctx(hostvars))
    assert found["host"] == "-" and found["found"] == "the control plane spans aarch64 (ctl2); x86_64 (ctl1)"
    assert arch.control_plane_arch(ctx(hostvars, manifest_lists=True)) == []


def test_invalid_image_sources_are_findings_not_an_exception():
    sources = {"armv9x": {"registry": "quay.io"}, "aarch64": {"registry": "https://reg.example/x", "tag_suffix": "a/b"}}
    found = arch.image_source(ctx(cloud(), image_sources=sources))
    assert {f["check"] for f in found} == {"image_source"} and {f["host"] for f in found} == {"-"}
    texts = [f["found"] for f in found]
    assert any("unknown arch 'armv9x'" in t for t in texts)
    assert any("registry='https://reg.example/x'" in t for t in texts) and any("tag_suffix='a/b'" in t for t in texts)
    assert all("kolla_multiarch_image_sources" in f["fix"] for f in found)
    (alone,) = arch.image_source(ctx(cloud(), image_sources="quay.io/kolla"))
    assert "must be a dict" in alone["found"] and "'quay.io/kolla'" in alone["found"]
