"""plugins/plugin_utils/preflight/context.py: findings, the fix split out of a decision's message, host variables."""

from __future__ import annotations

import pytest

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context, finding, from_message


def test_a_finding_and_its_severity():
    assert finding(None, "x", "found", "fix") == {"host": "-", "check": "x", "found": "found", "fix": "fix", "severity": "error"}
    with pytest.raises(ValueError, match="severity 'fatal'"):
        finding("h", "x", "f", "f", "fatal")


@pytest.mark.parametrize(("message", "found", "fix"), [
    ("host h: bad thing; fix: do this", "host h: bad thing", "do this"),
    ("host h: bad thing. Fix: do that", "host h: bad thing", "do that"),
    ("host h: bad thing", "host h: bad thing", "the default"),
])
def test_from_message_takes_the_messages_own_fix(message, found, fix):
    made = from_message("h", "c", message, "the default")
    assert (made["found"], made["fix"]) == (found, fix)


def test_variables_groups_and_options():
    ctx = Context(["a", "b"], {"a": {"x": 1, "n": None}}, {"g": ["b", "zz"]}, {"o": None, "p": 2})
    assert (ctx.var("a", "x"), ctx.var("a", "n", 5), ctx.var("b", "x", 3)) == (1, 5, 3)
    assert ctx.members(["g", "missing"]) == ["b"] and ctx.option("o", 7) == 7 and ctx.option("p") == 2
