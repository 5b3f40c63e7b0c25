"""Expected nova timeouts for guests under TCG, worked out from the arch table's measured ``tcg_slowdown``.

The arch table's factors are measurements (tests/bench/bench_tcg_slowdown.py) and change when
they are measured again; a test that checks the scaling rule reads them here instead of writing
down the seconds they give today. The rule is written out from nova's and oslo.messaging's own
figures, not imported from plugins/plugin_utils/nova/timeouts.py (the code under test):
60 s defaults (nova 34 nova/conf/compute.py shutdown_timeout; oslo.messaging rpc_response_timeout),
``shutdown_timeout`` capped at nova's ``long_rpc_timeout`` default (1800 s), ``rpc_response_timeout``
at 600 s (ten times its default, the cap the collection documents in docs/decisions.md).
"""

from __future__ import annotations

import math

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES

NOVA_DEFAULT = 60
CAPS = {"shutdown_timeout": 1800, "rpc_response_timeout": 600}


def table_factor(*arches: str) -> float:
    """The largest ``tcg_slowdown`` of ``arches`` in the arch table."""
    return max(ARCHES[arch]["tcg_slowdown"] for arch in arches)


def expected_seconds(option: str, *arches: str) -> int:
    """``option`` (shutdown_timeout or rpc_response_timeout) for a host running ``arches`` under TCG, in seconds."""
    return min(CAPS[option], max(NOVA_DEFAULT, math.ceil(NOVA_DEFAULT * table_factor(*arches))))


def expected_defaults(*arches: str) -> dict:
    """The ``[DEFAULT]`` values (strings, as decided) of a host running ``arches`` under TCG, no instance_build_timeout."""
    return {option: str(expected_seconds(option, *arches)) for option in ("shutdown_timeout", "rpc_response_timeout")}
