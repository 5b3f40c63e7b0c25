# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter glance_arch_properties: glance image properties for guests of one arch (docs in glance_arch_properties.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"glance_arch_properties": LazyFilter("nova.glance", "glance_arch_properties")}
