# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_provider_config: a nova provider config with CUSTOM_EMULATES_<ARCH> traits (docs in nova_provider_config.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"nova_provider_config": LazyFilter("nova.provider_config", "provider_config_for_arches")}
