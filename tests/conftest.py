"""Unit-test harness for the multiarch.kolla collection.

* Makes the repository importable as ``ansible_collections.multiarch.kolla``
  (a collections tree under ``.cache/`` whose leaf is a link to the repository;
  no manual step), and the shared test helpers of ``tests/lib`` importable by name.
* ``fixture_file(*parts)`` (``fixture_text`` for its text) resolves real-world data under ``../shared/fixtures``
  (or ``$MULTIARCH_SHARED/fixtures``). A missing fixture fails the test under
  ``CI=true`` and is reported as skipped, with the reason, elsewhere.
* ``require_import(name)`` imports an oracle package (nova, os_traits, libvirt) for
  the one test that needs it, under the same CI rule.
* ``run_module(module, args)`` runs a module's ``main()`` with ansible-core's
  ``patch_module_args`` and returns its result (``failed`` set on fail_json).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Shared test helpers (tests/lib) and the lab's test registry helper (tests/lab), importable by name.
for _helpers in (REPO / "tests" / "lib", REPO / "tests" / "lab"):
    if str(_helpers) not in sys.path:
        sys.path.insert(0, str(_helpers))

from collection_link import import_collection  # noqa: E402  (tests/lib is on sys.path from here)

COLLECTIONS_ROOT = import_collection()  # the collections path tests hand to Ansible


def shared_dir() -> Path:
    env = os.environ.get("MULTIARCH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """A service the tests need (libvirt daemon, Docker engine) is missing:
    fail under CI, where the set-up step must have started it; skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: scripts/setup-host must provide it)")
    pytest.skip(reason)


def require_path(path: Path, what: str) -> Path:
    """Return ``path`` if it exists; fail under CI, skip with a reason elsewhere."""
    if path.exists():
        return path
    msg = f"{what} not found at {path} (set MULTIARCH_SHARED or check out shared/ beside the repository)"
    if in_ci():
        pytest.fail(msg)
    pytest.skip(msg)
    return path  # unreachable


def fixture_file(*parts: str) -> Path:
    return require_path(shared_dir().joinpath("fixtures", *parts), "shared fixture")


def fixture_text(*parts: str) -> str:
    """The UTF-8 text of a fixture, under the same CI rule as fixture_file."""
    return fixture_file(*parts).read_text(encoding="utf-8")


def fixture_expectation(path: Path, expected: dict):
    """``expected[path.name]`` for a fixture listed by fixture_files; a fixture with no entry fails the test."""
    fixture_file(path.parent.name, path.name)  # fails under CI / skips when shared/ is absent
    if path.name not in expected:
        pytest.fail("fixture %s has no entry in EXPECTED; add its expected values" % path.name)
    return expected[path.name]


def fixture_files(subdir: str, pattern: str = "*") -> list[Path]:
    """List fixtures for parametrisation; an absent directory yields one param that fails/skips."""
    base = shared_dir() / "fixtures" / subdir
    if not base.is_dir():
        return [base / "__missing__"]
    return sorted(p for p in base.glob(pattern) if p.is_file())


def require_import(name: str):
    """Import ``name`` for a test that needs it (nova, os_traits, libvirt, ...).

    Call it inside the test (or a fixture), not at module level, so that the tests
    of the same file that do not need it still run. A missing package fails under
    ``CI=true``, where scripts/setup-host must have installed it, and skips elsewhere.
    """
    import importlib  # noqa: PLC0415

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"{name} cannot be imported ({exc}); it comes with requirements-dev.txt")
    return None  # unreachable


class _ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def run_module(module, args: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """Run ``module.main()`` with ``args`` and return the result dict."""
    from ansible.module_utils import basic  # noqa: PLC0415
    from ansible.module_utils.testing import patch_module_args  # noqa: PLC0415

    full = dict(args)
    full["_ansible_check_mode"] = check_mode
    full["_ansible_diff"] = diff
    full.setdefault("_ansible_remote_tmp", "/tmp")
    full.setdefault("_ansible_keep_remote_files", False)

    def exit_json(self, **kwargs):
        kwargs.setdefault("changed", False)
        raise _ModuleExit(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["failed"] = True
        kwargs["msg"] = msg
        raise _ModuleExit(kwargs)

    orig_exit, orig_fail = basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json
    basic.AnsibleModule.exit_json = exit_json
    basic.AnsibleModule.fail_json = fail_json
    try:
        with patch_module_args(full):
            module.main()
    except _ModuleExit as exc:
        # Round-trip through JSON as a module's result goes (AnsibleModule._return_formatted, ansible-core 2.19: remove_values,
        # then the "legacy" module profile's encoder), so results Ansible could not send fail here.
        from ansible.module_utils.common import json as ansible_json  # noqa: PLC0415

        encoder = ansible_json.get_module_encoder("legacy", ansible_json.Direction.MODULE_TO_CONTROLLER)
        return json.loads(json.dumps(basic.remove_values(exc.result, set()), cls=encoder))
    finally:
        basic.AnsibleModule.exit_json = orig_exit
        basic.AnsibleModule.fail_json = orig_fail
    raise AssertionError("module returned without exit_json or fail_json")


# nova's PCI oracles, shared by the [pci] tests (plugin_utils/nova/test_pci.py, plugin_utils/gpu/test_gpu_nova.py).
@pytest.fixture
def nova_request():
    """nova.pci.request (alias schema and parser); its DeprecationWarnings are not ours."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    return require_import("nova.pci.request")


@pytest.fixture
def nova_config(nova_request):
    """nova.conf.CONF loaded with no file; the parsed aliases nova caches are dropped before and after."""
    conf = require_import("nova.conf").CONF
    conf([], project="nova", default_config_files=[], default_config_dirs=[])
    nova_request.get_alias_from_config.cache_clear()  # nova caches the parsed aliases
    yield conf
    conf.clear_override("alias", group="pci")
    conf.reset()
    nova_request.get_alias_from_config.cache_clear()


# nova's option definitions, shared by the [libvirt] and nova_compute_arch tests (plugin_utils/nova/test_libvirt*.py,
# test_compute_arch.py).
@pytest.fixture
def nova_global_conf():
    """nova.conf.CONF (every nova option registered), reset after the test."""
    from nova_testlib import nova_conf_cleared  # noqa: PLC0415 (tests/lib, on the path set above)

    with nova_conf_cleared() as conf:
        yield conf


# A real Glance (tests/lib/glance_testlib.py), for playbooks/images.yml's tests.
@pytest.fixture
def glance(tmp_path):
    """A Glance of this test's own, stopped at teardown."""
    from glance_testlib import running_glance  # noqa: PLC0415 (tests/lib, on the path set above)

    yield from running_glance(tmp_path)


# libvirt, nova 34's driver modules and this machine's multiarch_host fact, for the guests booted from nova's own domain
# (tests/lib/nova_guest_testlib.py; test_emulation_boot.py, test_guest_images_boot.py).
@pytest.fixture(scope="module")
def live():
    """libvirt-python, nova's modules and the live daemon's multiarch_host fact; unavailable (skip, or fail under CI) without them."""
    from nova_guest_testlib import live_host  # noqa: PLC0415 (tests/lib, on the path set above)

    return live_host()
