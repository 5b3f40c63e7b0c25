"""Filter kolla_multiarch_render: the shim over plugin_utils/kolla/render.py, its documentation, a call through Ansible.

Through Ansible the plan arrives as ansible-core's own tagged types; the YAML text must still come out.
The render itself is tested in tests/unit/plugins/plugin_utils/kolla/test_render.py.
"""

from __future__ import annotations

import yaml
from filterdocs import check_documented_options, filter_plugin, through_ansible
from kollafilters import small_plan

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.render import render

FILTER = filter_plugin("kolla_multiarch_render")


def test_shim_is_the_render():
    assert FILTER.__wrapped__ is render  # the shim imports it on the first call (plugin_utils/lazy_filter.py)


def test_documented_options_match_the_signature():
    check_documented_options("kolla_multiarch_render")


def test_through_ansible():
    the_plan = small_plan()
    result = through_ansible("p | multiarch.kolla.kolla_multiarch_render({}, {}, none)", {"p": the_plan})
    assert "failed" not in result, result.get("msg")
    assert yaml.safe_load(result["msg"]["files"]["multiarch-groups.yml"]) == the_plan["inventory"]
    assert result["msg"]["ini_edits"] == render(the_plan)["ini_edits"]
