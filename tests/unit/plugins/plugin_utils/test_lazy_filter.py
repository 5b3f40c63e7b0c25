"""plugin_utils/lazy_filter.py: the filter shims import their decision modules only when a filter is called.

ansible-core imports every file of plugins/filter/ to find one filter of the collection, in every
worker process (plugins/loader.py, Jinja2Loader.get_with_context); the oracle here is that very
loader, run in a fresh interpreter.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
from conftest import COLLECTIONS_ROOT
from filterdocs import FILTER_DIR

from ansible_collections.multiarch.kolla.plugins.plugin_utils.arch_name import canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter

PLUGIN_UTILS = "ansible_collections.multiarch.kolla.plugins.plugin_utils."
# Light modules a shim may import with its file: the lazy loader itself and the inventory defaults
# (kolla_multiarch_plan's keyword defaults) with the error type they raise.
LIGHT = {"lazy_filter", "kolla", "kolla.inventory", "kolla.errors"}

# Ask ansible-core's own filter loader for one filter of the collection, as a worker process does, and list
# the collection's plugin_utils modules that this imported.
_LOAD_ONE_FILTER = """
import json, sys
from ansible.plugins.loader import filter_loader, init_plugin_loader
init_plugin_loader([%r])
before = set(sys.modules)
plugin = filter_loader.get("multiarch.kolla.canonical_arch")
print(json.dumps({
    "found": plugin is not None,
    "value": plugin.j2_function("amd64") if plugin is not None else None,
    "files": sorted(m for m in set(sys.modules) - before if m.startswith("ansible_collections.multiarch.kolla.plugins.filter.")),
    "utils": sorted(m for m in set(sys.modules) - before if m.startswith(%r)),
}))
"""


def test_calls_the_implementation_and_shows_its_signature():
    lazy = LazyFilter("arch_name", "canonical_arch")
    assert lazy("amd64") == canonical_arch("amd64") == "x86_64"
    assert lazy.__name__ == "canonical_arch"
    assert inspect.signature(lazy) == inspect.signature(canonical_arch)
    assert "arch_name" in repr(lazy)


def test_a_missing_implementation_fails_when_called():
    with pytest.raises(AttributeError, match="no_such_function"):
        LazyFilter("arch_name", "no_such_function")("amd64")


def test_finding_one_filter_imports_every_shim_but_no_decision_module():
    script = _LOAD_ONE_FILTER % (str(COLLECTIONS_ROOT), PLUGIN_UTILS)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["found"] and loaded["value"] == "x86_64"
    shims = sorted("ansible_collections.multiarch.kolla.plugins.filter." + path.stem for path in FILTER_DIR.glob("*.py"))
    assert loaded["files"] == shims  # the loader's behaviour this module is for; if it changes, so may the shims
    utils = {name[len(PLUGIN_UTILS) :] for name in loaded["utils"]}
    assert utils - LIGHT == {"arch_name"}, "imported with the shims: %s" % sorted(utils - LIGHT - {"arch_name"})
