# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_ini_edits: a plan's nova config overrides as ini_file edits (docs in kolla_multiarch_ini_edits.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla_multiarch import ini_edits


def kolla_multiarch_ini_edits(plan, scheduler_current=None):
    """List of {path, section, option, value|value_list, state}, paths relative to the kolla config dir."""
    return ini_edits(plan, scheduler_current=scheduler_current)


class FilterModule(object):
    def filters(self):
        return {"kolla_multiarch_ini_edits": kolla_multiarch_ini_edits}
