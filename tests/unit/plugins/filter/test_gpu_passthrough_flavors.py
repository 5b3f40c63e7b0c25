"""Filter gpu_passthrough_flavors: the shim over plugin_utils/gpu/flavors.py and its documentation.

The rules are tested in tests/unit/plugins/plugin_utils/gpu/test_gpu_flavors.py.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.flavors import gpu_passthrough_flavors

FILTER = filter_plugin("gpu_passthrough_flavors")


def test_shim_is_the_rule():
    assert FILTER.__wrapped__ is gpu_passthrough_flavors  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_and_return_match():
    docs = check_documented_options("gpu_passthrough_flavors")
    assert set(docs["RETURN"]["_value"]["contains"]) == set(gpu_passthrough_flavors([], []))
