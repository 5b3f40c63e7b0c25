"""Filter nova_compute_arch_aggregates: the shim over plugin_utils/nova/aggregates.py, its documentation, a call through Ansible.

The decision itself is tested in tests/unit/plugins/plugin_utils/nova/test_aggregates.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin, through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.aggregates import compute_arch_aggregates

FILTER = filter_plugin("nova_compute_arch_aggregates")

PLANS = [
    {"host": "c1", "nova_host": "c1.example", "arch": "x86_64", "emulated": ["aarch64"], "errors": []},
    {"host": "c2", "arch": "ppc64le", "emulated": [], "errors": ["host c2: refused"]},
]
EXPECTED = [
    {"name": "ma-arch-x86_64", "hosts": ["c1.example"], "metadata": {"hw_architecture": "x86_64"}},
    {"name": "ma-emulates-aarch64", "hosts": ["c1.example"], "metadata": {"hw_emulation_architecture": "aarch64"}},
]


def test_shim_is_the_decision():
    assert FILTER.__wrapped__ is compute_arch_aggregates  # the shim imports it on the first call (plugin_utils/lazy_filter.py)
    assert FILTER(PLANS, "ma-") == EXPECTED


def test_documented_options_match_the_signature():
    check_documented_options("nova_compute_arch_aggregates")


def test_through_ansible():
    assert through_ansible("plans | multiarch.kolla.nova_compute_arch_aggregates('ma-')", {"plans": PLANS})["msg"] == EXPECTED
