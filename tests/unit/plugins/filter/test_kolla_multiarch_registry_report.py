"""Filter kolla_multiarch_registry_report: the shim over plugin_utils/kolla/images.py, its documentation, a call through Ansible."""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import registry_report

FILTER = filter_plugin("kolla_multiarch_registry_report")
RESULT = {"images": [{"status": "missing"}], "problems": ["quay.io/x/nova-compute:1 (ppc64le): missing; hosts cp1"]}


def test_shim_is_the_report():
    assert FILTER.__wrapped__ is registry_report  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_registry_report")


def test_through_ansible():
    result = through_ansible("r | multiarch.kolla.kolla_multiarch_registry_report({'by_host': {'cp1': []}}, 'deploy1')", {"r": RESULT})
    assert result["msg"]["summary"] == "registry check: 0 of 1 image/arch pairs usable, for 1 hosts"
    assert result["msg"]["fix"].startswith("Fix: missing: build and push the image")
