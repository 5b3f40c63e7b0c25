# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter gpu_passthrough_plan: everything role gpu_passthrough decides for one host (docs in gpu_passthrough_plan.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan


class FilterModule:
    def filters(self):
        return {"gpu_passthrough_plan": gpu_passthrough_plan}
