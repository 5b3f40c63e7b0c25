"""plugins/plugin_utils/kolla/errors.py: one error listing every problem."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError, fail


def test_fail_lists_every_problem_on_its_own_line():
    with pytest.raises(KollaMultiarchError) as excinfo:
        fail(["first", "second"], "kolla_multiarch: bad")
    assert str(excinfo.value) == "kolla_multiarch: bad (2 problems):\n- first\n- second"
    assert isinstance(excinfo.value, AnsibleFilterError)


def test_one_problem_is_singular():
    with pytest.raises(KollaMultiarchError, match=r"\(1 problem\):"):
        fail(["only"], "title")


def test_the_problems_are_kept_one_by_one():
    with pytest.raises(KollaMultiarchError) as excinfo:
        fail(["first", "second"], "kolla_multiarch: bad")
    assert excinfo.value.problems == ["first", "second"]
    assert KollaMultiarchError("alone").problems == ["alone"]  # raised directly: its message is its one problem
