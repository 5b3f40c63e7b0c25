# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named CPU models: how nova matches their names, how they rank, and which one TCG guests get.

Controller side. The families and preferences per arch come from
``module_utils/archtable.py`` (``cpu_model_families``, ``tcg_cpu_models``).
"""

import re

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, canonical_arch

# Named-model variants rank with their family: <family>[-noTSX][-IBRS|-IBPB][-vN].
_MODEL_RE = re.compile(r"^(?P<family>.+?)(?P<variant>-noTSX-IBRS|-noTSX|-IBRS|-IBPB)?(?:-v(?P<version>[0-9]+))?$")
_VARIANT_RANK = {"-noTSX": 0, None: 1, "-noTSX-IBRS": 2, "-IBRS": 3, "-IBPB": 3}


def lookup_model(model, known):
    """The spelling of ``model`` in ``known`` (case-insensitive, as nova maps names), or None."""
    lowered = {m.lower(): m for m in known}
    return lowered.get(model.lower())


def model_rank(arch, model):
    """Sort key of a named CPU model for ``arch`` (higher is newer), or None when unranked.

    A model ranks by its family's position in the arch's ``cpu_model_families``
    (oldest to newest), then by QEMU's version suffix ``-vN``, then by variant:
    ``-noTSX`` < plain < ``-noTSX-IBRS`` < ``-IBRS``/``-IBPB``.
    """
    families = [f.lower() for f in ARCHES[canonical_arch(arch)]["cpu_model_families"]]
    match = _MODEL_RE.match(model or "")
    if not match:
        return None
    family = match.group("family").lower()
    if family not in families:
        if model.lower() in families:
            family, variant, version = model.lower(), None, 0
        else:
            return None
    else:
        variant = match.group("variant")
        version = int(match.group("version") or 0)
    return (families.index(family), version, _VARIANT_RANK[variant], -len(model))


def pick_tcg_cpu_model(arch, emulator_models):
    """The first of the arch's ``tcg_cpu_models`` the emulator lists (any when unknown); None when none matches."""
    prefs = ARCHES[arch]["tcg_cpu_models"]
    if not prefs:
        return None
    if not emulator_models:
        return prefs[0]
    for pref in prefs:
        found = lookup_model(pref, emulator_models)
        if found:
            return found
    return None
