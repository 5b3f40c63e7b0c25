"""plugin_utils/preflight/versions.py: kolla-ansible and its ansible-core against the tested versions.

(Named test_preflight_versions.py: tests/unit/plugins/module_utils/runtime/test_versions.py holds the name
test_versions, and pytest imports test files by their base name.)

kolla-ansible 23.0.0's wheel is the oracle of the ansible-core range: its METADATA's Requires-Dist, and its
own prechecks' ansible_version_min/max (roles/prechecks/vars/main.yml, compared on major.minor by
roles/prechecks/tasks/package_checks.yml).
"""

import zipfile

import pytest
import yaml
from kolla_share_testlib import KOLLA_ANSIBLE_VERSION, kolla_ansible_dir
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.run import CHECKS, preflight
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.versions import TESTED, versions

GOOD = {"kolla_ansible_version": "23.0.0", "ansible_core_version": "2.21.1"}


def check(**options):
    return versions(Context([], {}, {}, dict(GOOD, **options)))


def wheel_metadata():
    (wheel,) = (kolla_ansible_dir() / "wheel").glob("kolla_ansible-%s-*.whl" % KOLLA_ANSIBLE_VERSION)
    with zipfile.ZipFile(wheel) as archive:
        return archive.read("kolla_ansible-%s.dist-info/METADATA" % KOLLA_ANSIBLE_VERSION).decode("utf-8")


def test_the_ansible_core_range_is_the_one_kolla_ansible_requires():
    requires = [Requirement(line.split(":", 1)[1]) for line in wheel_metadata().splitlines() if line.startswith("Requires-Dist:")]
    (core,) = [r for r in requires if r.name == "ansible-core"]
    assert core.specifier == SpecifierSet(TESTED["ansible-core"][1])


@pytest.mark.parametrize("found", ["2.19.14", "2.20.0", "2.20.9", "2.21.1", "2.21.12", "2.22.0", "3.0.0"])
def test_the_ansible_core_range_agrees_with_kollas_prechecks(found):
    limits = yaml.safe_load((kolla_ansible_dir() / "share" / "kolla-ansible" / "ansible" / "roles" / "prechecks" / "vars" / "main.yml").read_text())
    major_minor = Version(".".join(found.split(".")[:2]))
    kolla_accepts = Version(str(limits["ansible_version_min"])) <= major_minor <= Version(str(limits["ansible_version_max"]))
    assert (check(ansible_core_version=found) == []) == kolla_accepts


def test_the_lab_version_of_kolla_ansible_is_tested():
    assert Version(KOLLA_ANSIBLE_VERSION) in SpecifierSet(TESTED["kolla-ansible"][1])
    assert check() == []


@pytest.mark.parametrize("found", ["23.0.0", "23.1.2", "23.0.1.dev4"])
def test_kolla_ansible_in_range(found):
    assert check(kolla_ansible_version=found) == []


@pytest.mark.parametrize(("option", "found", "package"), [
    ("kolla_ansible_version", "22.1.0", "kolla-ansible"),
    ("kolla_ansible_version", "24.0.0", "kolla-ansible"),
    ("kolla_ansible_version", "23.0.0rc1", "kolla-ansible"),
    ("ansible_core_version", "2.19.14", "ansible-core"),
    ("ansible_core_version", "2.22.0b1", "ansible-core"),
])
def test_a_version_outside_is_an_error_naming_both(option, found, package):
    (finding,) = check(**{option: found})
    assert (finding["host"], finding["check"], finding["severity"]) == ("-", "versions", "error")
    assert found in finding["found"] and package in finding["found"] and TESTED[package][1] in finding["found"]
    assert "pip install '%s%s'" % (package, TESTED[package][1]) in finding["fix"] and "preflight_skip" in finding["fix"]


def test_unknown_versions_are_warnings_that_say_how_to_find_them():
    found = versions(Context([], {}, {}, {}))
    assert [(f["host"], f["check"], f["severity"]) for f in found] == [("-", "versions", "warning")] * 2
    assert "kolla-ansible" in found[0]["found"] and "ansible-core" in found[1]["found"]
    assert all("unknown" in f["found"] and "preflight_kolla_venv" in f["fix"] for f in found)


def test_a_version_that_is_no_version():
    (finding,) = check(ansible_core_version="ansible [core 2.21.1]")
    assert finding["severity"] == "warning" and "ansible [core 2.21.1]" in finding["found"]


def test_versions_in_the_preflight_run():
    result = preflight([], {}, {}, dict(GOOD, kolla_ansible_version="21.0.0"), skip=[name for name in CHECKS if name != "versions"])
    assert result["checks"] == ["versions"] and result["errors"] == 1 and "21.0.0" in result["table"]
