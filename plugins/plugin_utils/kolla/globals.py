# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keys of the operator's ``globals.yml`` and ``globals.d`` that would override per-arch or per-host values.

kolla-ansible passes those files as extra-vars, which beat every inventory
variable: one value there applies to every host, whatever its arch.
"""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import IMAGE_SOURCE_KEYS

DERIVED_GLOBALS = {
    "openstack_tag": ("openstack_tag_suffix",),
    "docker_image_url": ("docker_registry", "docker_namespace"),
}
_WHERE_INSTEAD = {
    "openstack_tag_suffix": "give per-arch values in kolla_multiarch_image_sources; they are written to group_vars/arch_<arch>.yml",
    "docker_registry": "give per-arch values in kolla_multiarch_image_sources; they are written to group_vars/arch_<arch>.yml",
    "docker_namespace": "give per-arch values in kolla_multiarch_image_sources; they are written to group_vars/arch_<arch>.yml",
    "nova_compute_virt_type": "the collection decides it per host and writes it to host_vars/<host>.yml",
    "nova_libvirt_cpu_mode": "the collection decides it per host and writes it to host_vars/<host>.yml",
    "docker_custom_config": "the container_runtime role decides it per host; it is written to host_vars/<host>.yml",
    "nova_cell_compute_provider_config": "the nova_compute_arch role decides it per host; it is written to host_vars/<host>.yml",
}


def globals_conflicts(globals_files, group_vars, arches, host_keys=()):
    """Problems with per-arch keys set in the operator's globals.yml / globals.d files.

    ``globals_files``: ``{path: parsed YAML}`` (None or non-dict content is skipped).
    ``group_vars``: ``{arch group: vars}`` as rendered; ``host_keys``: the keys
    written to host_vars. A key the collection writes per arch or per host may not be in globals (extra-vars win over every host); a derived key
    (``openstack_tag``, ``docker_image_url``) may not be fixed there while the keys
    it is built from differ between the arches present.
    """
    problems = []
    owned = set(host_keys or ())
    for values in group_vars.values():
        owned.update(values)
    differing = set()
    for key in set(IMAGE_SOURCE_KEYS.values()):
        values = {repr(v.get(key)) for v in group_vars.values()}
        if len(values) > 1:
            differing.add(key)
    arch_list = ", ".join(arches)
    for path in sorted(globals_files or {}):
        content = globals_files[path]
        if not isinstance(content, dict):
            continue
        for key in sorted(content):
            if key in owned:
                problems.append(
                    "%s sets %s=%r, but kolla-ansible passes this file as extra-vars, which override every host, so all of %s would use it; "
                    "remove %s from %s (%s)" % (path, key, content[key], arch_list, key, path, _WHERE_INSTEAD.get(key, "the collection writes it per host"))
                )
            elif key in DERIVED_GLOBALS and differing.intersection(DERIVED_GLOBALS[key]):
                parts = sorted(differing.intersection(DERIVED_GLOBALS[key]))
                problems.append(
                    "%s sets %s=%r, which replaces kolla-ansible's default built from %s, so the per-arch %s would be ignored on every host; "
                    "remove %s from %s" % (path, key, content[key], ", ".join(DERIVED_GLOBALS[key]), ", ".join(parts), key, path)
                )
    return problems
