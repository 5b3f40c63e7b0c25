# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_environment: the commands' environment as standard input (docs in kolla_multiarch_environment.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"kolla_multiarch_environment": LazyFilter("kolla.environment", "environment_script")}
