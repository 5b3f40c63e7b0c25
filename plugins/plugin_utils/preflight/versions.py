# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: the kolla-ansible on the deploy host, and the ansible-core it brings, are versions the collection was tested with.

Controller side, pure. The role reads both versions on the deploy host (the Python package metadata of
kolla-ansible's virtualenv) and passes them as the options ``kolla_ansible_version`` and
``ansible_core_version``. Versions are PEP 440's, compared with ``packaging``, which ansible-core requires
(its Requires-Dist), so every controller has it.
"""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding

try:  # ansible-core requires packaging; an interpreter without it (a bare import test) gets one finding, not an ImportError
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version
except ImportError:
    SpecifierSet = None

# package -> (the option that carries the version found, the tested versions as a PEP 440 specifier, why).
TESTED = {
    # The lab runs kolla-ansible 23.0.0 (shared/notes/kolla-ansible-lab.md). Later 23.x releases come from the
    # same stable branch, which takes backported fixes only, no new features or configuration changes
    # (OpenStack Project Team Guide, "Stable Branches", appropriate fixes).
    "kolla-ansible": ("kolla_ansible_version", ">=23.0.0,<24", "the lab runs 23.0.0"),
    # kolla-ansible 23.0.0's wheel METADATA: "Requires-Dist: ansible-core<2.22,>=2.20"; its own prechecks agree
    # (share/kolla-ansible/ansible/roles/prechecks/vars/main.yml: ansible_version_min 2.20, ansible_version_max 2.21).
    "ansible-core": ("ansible_core_version", ">=2.20,<2.22", "kolla-ansible 23.0.0 requires it"),
}

_UNKNOWN_FIX = ("install kolla-ansible in the virtualenv preflight_kolla_venv names on preflight_deploy_host (the role reads both "
                "versions from its package metadata), or skip the check with preflight_skip: [versions]")


def _check(package, text):
    option, tested, why = TESTED[package]
    if text in (None, ""):
        return finding(None, "versions", "%s: version unknown (%s not found on the deploy host)" % (package, option), _UNKNOWN_FIX, severity="warning")
    try:
        found = Version(str(text).strip())
    except InvalidVersion:
        return finding(None, "versions", "%s: %r is no PEP 440 version, so it was not compared with %s" % (package, text, tested), _UNKNOWN_FIX,
                       severity="warning")
    if SpecifierSet(tested).contains(found, prereleases=True):
        return None
    return finding(None, "versions", "%s %s on the deploy host; tested: %s (%s)" % (package, text, tested, why),
                   "install a tested version (pip install '%s%s' in kolla-ansible's virtualenv), "
                   "or skip the check with preflight_skip: [versions] when you know better" % (package, tested))


def versions(ctx):
    """A finding for each of kolla-ansible and ansible-core whose version is unknown or outside ``TESTED``."""
    if SpecifierSet is None:
        return [finding(None, "versions", "the Python library packaging is not installed on the controller, so no version was compared",
                        "pip install packaging on the controller (ansible-core requires it)", severity="warning")]
    found = (_check(package, ctx.option(option)) for package, (option, _tested, _why) in TESTED.items())
    return [f for f in found if f is not None]
