# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_compute_arch_libvirt_builds: the emulation-ready nova-libvirt images to build (docs in nova_compute_arch_libvirt_builds.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.lazy_filter import LazyFilter


class FilterModule:
    def filters(self):
        return {"nova_compute_arch_libvirt_builds": LazyFilter("nova.libvirt_image", "builds")}
