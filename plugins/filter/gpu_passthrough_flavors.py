# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter gpu_passthrough_flavors: nova flavors that ask for the decided GPUs (docs in gpu_passthrough_flavors.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"gpu_passthrough_flavors": LazyFilter("gpu.flavors", "gpu_passthrough_flavors")}
