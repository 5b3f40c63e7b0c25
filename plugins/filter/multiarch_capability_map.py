# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter multiarch_capability_map: one table of every host, as Markdown, JSON and HTML (docs in multiarch_capability_map.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"multiarch_capability_map": LazyFilter("report.capability_map", "capability_map")}
