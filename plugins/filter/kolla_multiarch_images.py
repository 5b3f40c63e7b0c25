# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kolla_multiarch_images: the images kolla-ansible would pull per host (docs in kolla_multiarch_images.yml)."""


def kolla_multiarch_images(plan, image_names=None, kolla_defaults=None, globals_values=None, *, kolla_share=None, groups=None, strict=True):
    """{"by_host": {host: [refs]}, "checks": [{image, arch, hosts}], "problems": [...]}."""
    # imported when called, not with the file (plugin_utils/lazy_filter.py says why)
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import images  # noqa: PLC0415

    return images(plan, image_names, kolla_defaults, globals_values, kolla_share=kolla_share, groups=groups, strict=strict)


class FilterModule:
    def filters(self):
        return {"kolla_multiarch_images": kolla_multiarch_images}
