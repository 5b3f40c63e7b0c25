"""Filter glance_arch_properties: the shim over plugin_utils/nova/glance.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/nova/test_glance.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible
from tcg_testlib import expected_seconds

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties

FILTER = filter_plugin("glance_arch_properties")


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is glance_arch_properties  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER("ppc64el") == {"hw_architecture": "ppc64le", "hw_machine_type": "pseries"}


def test_documented_options_match_the_signature():
    check_documented_options("glance_arch_properties")


def test_through_ansible():
    got = through_ansible("'ppc64le' | multiarch.kolla.glance_arch_properties(true, host_arch='x86_64')", {})
    assert got["msg"] == {"hw_emulation_architecture": "ppc64le", "hw_architecture": "x86_64", "hw_machine_type": "pseries",
                          "hw_cdrom_bus": "scsi", "os_shutdown_timeout": str(expected_seconds("shutdown_timeout", "ppc64le"))}
    measured = through_ansible("'ppc64le' | multiarch.kolla.glance_arch_properties(true, tcg_slowdown={'ppc64le': 4})", {})
    assert measured["msg"]["os_shutdown_timeout"] == "240"
    refused = through_ansible("'sparc' | multiarch.kolla.glance_arch_properties", {})
    assert refused.get("failed") and "unknown architecture 'sparc'" in refused["msg"]
