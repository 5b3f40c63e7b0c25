"""Filter nova_arch_traits: the shim over plugin_utils/nova/traits.py, its documentation, a call through Ansible.

The traits themselves are tested in tests/unit/plugins/plugin_utils/nova/test_traits.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.traits import nova_arch_traits

FILTER = filter_plugin("nova_arch_traits")
TCG_HOST = {
    "arch": "x86_64",
    "kvm": {"usable": False, "reason": "no /dev/kvm"},
    "guests": {"x86_64": {"emulator": "/usr/bin/qemu-system-x86_64", "domain_types": ["qemu"]}},
}


def test_shim_is_the_rule():
    assert FILTER.__wrapped__ is nova_arch_traits  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER(TCG_HOST) == ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]


def test_documented_options_match_the_signature():
    check_documented_options("nova_arch_traits")


def test_through_ansible():
    assert through_ansible("host | multiarch.kolla.nova_arch_traits", {"host": TCG_HOST})["msg"] == ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]
    refused = through_ansible("host | multiarch.kolla.nova_arch_traits('kvm')", {"host": TCG_HOST})
    assert refused.get("failed") and "cannot use virt_type kvm" in refused["msg"] and "no /dev/kvm" in refused["msg"]
