# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nova_libvirt_settings: nova-compute [libvirt] settings for one host (docs in nova_libvirt_settings.yml)."""


def nova_libvirt_settings(multiarch_host, overrides=None, host=None, emulated_arches=None, render=False):
    """Settings dict, or with render=True the INI strings of nova-compute.conf [libvirt]."""
    # imported when called, not with the file (plugin_utils/lazy_filter.py says why)
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import nova_libvirt_settings as _settings  # noqa: PLC0415
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import render_nova_compute_libvirt  # noqa: PLC0415

    settings = _settings(multiarch_host, overrides=overrides, host=host, emulated_arches=emulated_arches)
    if render:
        return render_nova_compute_libvirt(settings)
    return settings


class FilterModule:
    def filters(self):
        return {"nova_libvirt_settings": nova_libvirt_settings}
