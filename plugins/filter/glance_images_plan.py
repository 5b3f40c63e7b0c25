# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter glance_images_plan: what playbooks/images.yml must create and update in Glance (docs in glance_images_plan.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"glance_images_plan": LazyFilter("glance_images", "glance_images_plan")}
