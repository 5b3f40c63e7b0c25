"""Filter multiarch_preflight: the shim over plugin_utils/preflight/run.py (the controller's resolver added), its documentation.

The checks are tested in tests/unit/plugins/plugin_utils/preflight/.
"""

from __future__ import annotations

from filterdocs import check_documented_options, filter_plugin
from kollatestlib import fact

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import run

FILTER = filter_plugin("multiarch_preflight")


def test_documented_options_and_return_match():
    docs = check_documented_options("multiarch_preflight")
    assert set(docs["RETURN"]["_value"]["contains"]) == set(run.preflight([], {}))


def test_the_shim_passes_the_controllers_resolver_unless_told_not_to(monkeypatch):
    seen = []

    def spy(hosts, hostvars, groups=None, options=None, skip=None):
        seen.append(options)
        return {}

    monkeypatch.setattr("ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.run.preflight", spy)  # the shim imports it when called
    FILTER(["h"], {"h": {"multiarch_host": fact("x86_64")}}, {}, {"manifest_lists": True})
    FILTER(["h"], {}, resolve_names=False)
    assert seen[0]["manifest_lists"] is True and seen[0]["resolve"]("localhost")  # this machine resolves its own name
    assert "resolve" not in seen[1]
