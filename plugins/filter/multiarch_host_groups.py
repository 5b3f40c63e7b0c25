# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter multiarch_host_groups: the groups of one host from its multiarch_host fact (docs in multiarch_host_groups.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule(object):
    def filters(self):
        return {"multiarch_host_groups": LazyFilter("host_groups", "host_groups")}
