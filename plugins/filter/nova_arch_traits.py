# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_arch_traits: the arch traits nova reports for one or more multiarch_host dicts (docs in nova_arch_traits.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"nova_arch_traits": LazyFilter("nova.traits", "nova_arch_traits")}
