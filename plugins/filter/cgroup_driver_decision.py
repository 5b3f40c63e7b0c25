# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter cgroup_driver_decision: the cgroup driver a host's container engine must use (docs in cgroup_driver_decision.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule(object):
    def filters(self):
        return {"cgroup_driver_decision": LazyFilter("cgroup_driver", "cgroup_driver_decision")}
