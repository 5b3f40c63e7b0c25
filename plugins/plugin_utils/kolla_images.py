# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image references kolla-ansible would pull on each host of a plan.

kolla-ansible 23 builds every image name from a handful of variables
(ansible/group_vars/all/common.yml):

    docker_image_url: "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}"
    openstack_tag: "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}"
    <service>_image: "{{ docker_image_url }}<image name>", <service>_tag: "{{ openstack_tag }}"

Precedence is kolla-ansible's: the operator's globals (extra-vars) over the
group_vars/arch_<arch>.yml the plan writes over kolla-ansible's defaults. Runs on
the controller; linear in hosts x images.
"""

from ansible.errors import AnsibleFilterError

# The kolla-ansible variables the image names are built from.
IMAGE_VARS = (
    "docker_registry",
    "docker_namespace",
    "docker_image_name_prefix",
    "openstack_release",
    "kolla_base_distro",
    "kolla_base_distro_version",
    "openstack_tag",
    "openstack_tag_suffix",
)
IMAGE_KINDS = ("all", "control", "compute")


class KollaImagesError(AnsibleFilterError):
    """The image names cannot be worked out from the values given."""


def _literal(value, key, where):
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if "{{" in value or "{%" in value:
        raise KollaImagesError(
            "%s sets %s=%r, a template this check does not evaluate; fix: give a literal value there, or turn the registry check off "
            "(kolla_multiarch_registry_check: false)" % (where, key, value)
        )
    return value


def kolla_values(kolla_defaults, globals_values):
    """kolla-ansible's defaults with the operator's globals over them (literal values only)."""
    defaults = dict(kolla_defaults or {})
    ops = dict(globals_values or {})
    values = {}
    for key in IMAGE_VARS:
        if key in ops:
            values[key] = _literal(ops[key], key, "the operator's globals.yml or globals.d")
        elif key in defaults and key not in ("openstack_tag", "kolla_base_distro_version"):
            # kolla's own openstack_tag and kolla_base_distro_version are templates; they are computed below.
            values[key] = _literal(defaults[key], key, "kolla-ansible's group_vars/all")
    if "kolla_base_distro_version" not in values:
        version_map = defaults.get("kolla_base_distro_version_default_map") or {}
        distro = values.get("kolla_base_distro")
        if distro is not None and distro in version_map:
            values["kolla_base_distro_version"] = _literal(version_map[distro], "kolla_base_distro_version", "kolla-ansible's group_vars/all")
    needed = ["docker_namespace"]
    if "openstack_tag" not in values:
        needed += ["openstack_release", "kolla_base_distro", "kolla_base_distro_version"]
    missing = [k for k in needed if not values.get(k)]
    if missing:
        raise KollaImagesError(
            "kolla-ansible's image names need %s, found neither in the operator's globals nor in kolla-ansible's defaults; fix: point "
            "kolla_multiarch_kolla_ansible_share at kolla-ansible's share directory (with ansible/group_vars/all/common.yml)" % ", ".join(missing)
        )
    return values


def images(the_plan, image_names, kolla_defaults=None, globals_values=None):
    """Per host, the images kolla-ansible would pull; and one check entry per distinct image and arch.

    ``the_plan``: what ``kolla_multiarch_plan`` returns. ``image_names``:
    ``{all: [...], control: [...], compute: [...]}`` kolla image names (nova-compute, ...):
    ``all`` on every host, ``control`` on control-plane hosts, ``compute`` on compute hosts.
    Returns ``{"by_host": {host: [image ref, ...]}, "checks": [{image, arch, hosts}]}``.
    """
    if not isinstance(image_names, dict) or any(k not in IMAGE_KINDS for k in image_names):
        raise KollaImagesError("kolla_multiarch_registry_check_images must be a dict with keys %s, got %r" % (", ".join(IMAGE_KINDS), image_names))
    for kind, names in image_names.items():
        if isinstance(names, str) or not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
            raise KollaImagesError("kolla_multiarch_registry_check_images.%s must be a list of kolla image names, got %r" % (kind, names))
    base = kolla_values(kolla_defaults, globals_values)
    compute = set(the_plan.get("compute_hosts") or ())
    control = set(the_plan.get("control_plane_hosts") or ())
    group_vars = the_plan.get("group_vars") or {}
    groups_of_arch = {}
    for group, hosts in (the_plan.get("arch_groups") or {}).items():
        for host in hosts:
            groups_of_arch[host] = group
    globals_keys = set(globals_values or {})
    prefix_by_group = {}
    by_host = {}
    checks = []
    index = {}
    for host, arch in (the_plan.get("host_arch") or {}).items():
        group = groups_of_arch.get(host)
        if group not in prefix_by_group:
            values = dict(base)
            for key, value in (group_vars.get(group) or {}).items():
                if key not in globals_keys:  # extra-vars win over group_vars
                    values[key] = value
            if "openstack_tag" in globals_keys:
                tag = values["openstack_tag"]
            else:
                tag = "%s-%s-%s%s" % (
                    values["openstack_release"],
                    values["kolla_base_distro"],
                    values["kolla_base_distro_version"],
                    values.get("openstack_tag_suffix") or "",
                )
            registry = values.get("docker_registry")
            url = "%s%s/%s" % (registry + "/" if registry else "", values["docker_namespace"], values.get("docker_image_name_prefix") or "")
            prefix_by_group[group] = (url, tag)
        url, tag = prefix_by_group[group]
        names = list(image_names.get("all") or [])
        if host in control:
            names += [n for n in image_names.get("control") or [] if n not in names]
        if host in compute:
            names += [n for n in image_names.get("compute") or [] if n not in names]
        refs = ["%s%s:%s" % (url, name, tag) for name in names]
        by_host[host] = refs
        for ref in refs:
            key = (ref, arch)
            if key not in index:
                index[key] = len(checks)
                checks.append({"image": ref, "arch": arch, "hosts": []})
            checks[index[key]]["hosts"].append(host)
    return {"by_host": by_host, "checks": checks}
