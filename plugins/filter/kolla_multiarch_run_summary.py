# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_run_summary: what a kolla-ansible run changed and what failed (docs in kolla_multiarch_run_summary.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"kolla_multiarch_run_summary": LazyFilter("kolla.run", "run_summary")}
