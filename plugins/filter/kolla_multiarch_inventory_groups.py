# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_inventory_groups: groups of an ansible-inventory --list answer (docs in kolla_multiarch_inventory_groups.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import inventory_groups


def kolla_multiarch_inventory_groups(inventory_list):
    """{group: [hosts]} with transitive membership, inventory order kept."""
    return inventory_groups(inventory_list)


class FilterModule:
    def filters(self):
        return {"kolla_multiarch_inventory_groups": kolla_multiarch_inventory_groups}
