# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter multiarch_limit_patterns: --limit's host patterns, @file read (docs in multiarch_limit_patterns.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"multiarch_limit_patterns": LazyFilter("limit", "limit_patterns")}
