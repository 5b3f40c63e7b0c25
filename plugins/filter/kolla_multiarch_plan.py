# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_plan: what to write for a mixed-architecture kolla-ansible deployment (docs in kolla_multiarch_plan.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import (
    DEFAULT_COMPUTE_GROUPS,
    DEFAULT_CONTROL_PLANE_GROUPS,
    DEFAULT_SKIP_GROUPS,
)


def kolla_multiarch_plan(  # noqa: PLR0917 - a filter takes its options positionally too
    groups,
    hostvars,
    image_sources=None,
    manifest_lists=False,
    control_plane_groups=DEFAULT_CONTROL_PLANE_GROUPS,
    compute_groups=DEFAULT_COMPUTE_GROUPS,
    skip_groups=DEFAULT_SKIP_GROUPS,
    globals_files=None,
    pci_alias=None,
    pci_report_in_placement=False,
    pci_in_placement=False,
    keep_hosts=None,
):
    """Plan dict: arch groups, group_vars, host_vars and nova config overrides; fails listing every problem."""
    # imported when called, not with the file (plugin_utils/lazy_filter.py says why)
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan  # noqa: PLC0415

    return plan(
        groups,
        hostvars,
        image_sources_override=image_sources,
        manifest_lists=manifest_lists,
        control_plane_groups=control_plane_groups,
        compute_groups=compute_groups,
        skip_groups=skip_groups,
        globals_files=globals_files,
        pci_alias=pci_alias,
        pci_report_in_placement=pci_report_in_placement,
        pci_in_placement=pci_in_placement,
        keep_hosts=keep_hosts,
    )


class FilterModule:
    def filters(self):
        return {"kolla_multiarch_plan": kolla_multiarch_plan}
