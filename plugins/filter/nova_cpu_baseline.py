# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_cpu_baseline: the newest CPU model a live-migration group shares (docs in nova_cpu_baseline.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"nova_cpu_baseline": LazyFilter("nova.cpu_baseline", "nova_cpu_baseline")}
