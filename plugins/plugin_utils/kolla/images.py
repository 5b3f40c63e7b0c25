# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each arch's kolla images come from, and the image references kolla-ansible would pull per host.

Image sources default to the arch table (``kolla_tag_suffix``: "" for x86_64,
"-aarch64" for aarch64, none for ppc64le, which upstream Kolla does not publish);
the operator's ``kolla_multiarch_image_sources`` are merged over them. Each arch's
source is written to ``group_vars/<arch group>.yml``, never to ``globals.yml``.

kolla-ansible 23 builds every image name from a handful of variables
(ansible/group_vars/all/common.yml):

    docker_image_url: "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}"
    openstack_tag: "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}"
    <service>_image: "{{ docker_image_url }}<image name>", <service>_tag: "{{ openstack_tag }}"

Precedence is kolla-ansible's: the operator's globals (extra-vars) over the
group_vars/arch_<arch>.yml the plan writes over kolla-ansible's defaults. Runs on
the controller; linear in hosts x images.
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import fail

# Image source keys an operator may give per arch, and the kolla-ansible variable
# each one becomes in group_vars/arch_<arch>.yml.
IMAGE_SOURCE_KEYS = {
    "tag_suffix": "openstack_tag_suffix",
    "registry": "docker_registry",
    "namespace": "docker_namespace",
}
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


_REGISTRY_RE = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?$")
_NAMESPACE_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
_TAG_SUFFIX_RE = re.compile(r"^[A-Za-z0-9_.-]*$")


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


def _default_sources():
    sources = {}
    for arch in SUPPORTED_HOST_ARCHES:
        suffix = ARCHES[arch]["kolla_tag_suffix"]
        if suffix is not None:
            sources[arch] = {"tag_suffix": suffix, "registry": None, "namespace": None}
    return sources


def _source_entry(raw_arch, entry, default, problems):
    """One operator entry merged over the arch's default; None after adding its problems."""
    if not isinstance(entry, dict):
        problems.append("kolla_multiarch_image_sources.%s=%r: give a dict with tag_suffix, registry and/or namespace" % (raw_arch, entry))
        return None
    unknown = sorted(k for k in entry if k not in IMAGE_SOURCE_KEYS)
    if unknown:
        problems.append("kolla_multiarch_image_sources.%s: unknown key(s) %s; valid keys: %s" % (raw_arch, ", ".join(unknown), ", ".join(IMAGE_SOURCE_KEYS)))
        return None
    merged = dict(default or {"tag_suffix": "", "registry": None, "namespace": None})
    for key, value in entry.items():
        if value is not None and not isinstance(value, str):
            problems.append("kolla_multiarch_image_sources.%s.%s=%r: give a string" % (raw_arch, key, value))
            continue
        merged[key] = value
    suffix, registry, namespace = merged.get("tag_suffix") or "", merged.get("registry"), merged.get("namespace")
    if not _TAG_SUFFIX_RE.match(suffix):
        problems.append("kolla_multiarch_image_sources.%s.tag_suffix=%r: a Docker tag allows letters, digits, '_', '.', '-'" % (raw_arch, suffix))
    if registry and not _REGISTRY_RE.match(registry):
        problems.append("kolla_multiarch_image_sources.%s.registry=%r: give host[:port] without a scheme or path" % (raw_arch, registry))
    if namespace and not _NAMESPACE_RE.match(namespace):
        problems.append("kolla_multiarch_image_sources.%s.namespace=%r: lower-case path components only (e.g. kolla)" % (raw_arch, namespace))
    merged["tag_suffix"] = suffix
    return merged


def image_sources(operator_sources=None):
    """Per-arch image sources: the arch table's defaults merged with the operator's.

    Returns ``{arch: {tag_suffix, registry, namespace}}`` for every arch that has a
    source (values None where not set); an arch without one is absent.
    Operator entries: ``{arch: {tag_suffix, registry, namespace}}``; ``{arch: null}``
    removes the default of that arch.
    """
    sources = _default_sources()
    if operator_sources is None:
        return sources
    if not isinstance(operator_sources, dict):
        fail(["kolla_multiarch_image_sources must be a dict {arch: {tag_suffix, registry, namespace}}, got %r" % (operator_sources,)],
             "kolla_multiarch: the image sources are invalid")
    problems = []
    for raw_arch, entry in operator_sources.items():
        arch = canonical_arch(raw_arch, strict=False)
        if arch is None:
            problems.append("kolla_multiarch_image_sources: unknown arch %r; known: %s" % (raw_arch, ", ".join(SUPPORTED_HOST_ARCHES)))
        elif entry is None:
            sources.pop(arch, None)
        else:
            merged = _source_entry(raw_arch, entry, sources.get(arch), problems)
            if merged is not None:
                sources[arch] = merged
    if problems:
        fail(problems, "kolla_multiarch: the image sources are invalid")
    return sources


def group_vars_for_source(source):
    """``group_vars/arch_<arch>.yml`` content of one image source."""
    result = {IMAGE_SOURCE_KEYS["tag_suffix"]: source.get("tag_suffix") or ""}
    for key in ("registry", "namespace"):
        if source.get(key):
            result[IMAGE_SOURCE_KEYS[key]] = source[key]
    return result


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


def _check_image_names(image_names):
    if not isinstance(image_names, dict) or any(k not in IMAGE_KINDS for k in image_names):
        raise KollaImagesError("kolla_multiarch_registry_check_images must be a dict with keys %s, got %r" % (", ".join(IMAGE_KINDS), image_names))
    for kind, names in image_names.items():
        if isinstance(names, str) or not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
            raise KollaImagesError("kolla_multiarch_registry_check_images.%s must be a list of kolla image names, got %r" % (kind, names))


def _image_prefix(base, arch_vars, globals_keys):
    """``(docker_image_url, openstack_tag)`` of one arch group, with kolla-ansible's precedence."""
    values = dict(base)
    for key, value in (arch_vars or {}).items():
        if key not in globals_keys:  # extra-vars win over group_vars
            values[key] = value
    if "openstack_tag" in globals_keys:
        tag = values["openstack_tag"]
    else:
        parts = (values["openstack_release"], values["kolla_base_distro"], values["kolla_base_distro_version"], values.get("openstack_tag_suffix") or "")
        tag = "%s-%s-%s%s" % parts
    registry = values.get("docker_registry")
    url = "%s%s/%s" % (registry + "/" if registry else "", values["docker_namespace"], values.get("docker_image_name_prefix") or "")
    return url, tag


def _host_image_names(host, image_names, control, compute):
    names = list(image_names.get("all") or [])
    if host in control:
        names += [n for n in image_names.get("control") or [] if n not in names]
    if host in compute:
        names += [n for n in image_names.get("compute") or [] if n not in names]
    return names


def images(the_plan, image_names, kolla_defaults=None, globals_values=None):
    """Per host, the images kolla-ansible would pull; and one check entry per distinct image and arch.

    ``the_plan``: what ``kolla_multiarch_plan`` returns. ``image_names``:
    ``{all: [...], control: [...], compute: [...]}`` kolla image names (nova-compute, ...):
    ``all`` on every host, ``control`` on control-plane hosts, ``compute`` on compute hosts.
    Returns ``{"by_host": {host: [image ref, ...]}, "checks": [{image, arch, hosts}]}``.
    """
    _check_image_names(image_names)
    base = kolla_values(kolla_defaults, globals_values)
    compute = set(the_plan.get("compute_hosts") or ())
    control = set(the_plan.get("control_plane_hosts") or ())
    group_vars = the_plan.get("group_vars") or {}
    group_of = {host: group for group, hosts in (the_plan.get("arch_groups") or {}).items() for host in hosts}
    globals_keys = set(globals_values or {})
    prefixes, by_host, checks, index = {}, {}, [], {}
    for host, arch in (the_plan.get("host_arch") or {}).items():
        group = group_of.get(host)
        if group not in prefixes:
            prefixes[group] = _image_prefix(base, group_vars.get(group), globals_keys)
        url, tag = prefixes[group]
        refs = ["%s%s:%s" % (url, name, tag) for name in _host_image_names(host, image_names, control, compute)]
        by_host[host] = refs
        for ref in refs:
            if (ref, arch) not in index:
                index[(ref, arch)] = len(checks)
                checks.append({"image": ref, "arch": arch, "hosts": []})
            checks[index[(ref, arch)]]["hosts"].append(host)
    return {"by_host": by_host, "checks": checks}


# What to do about each registry answer (registry_image_arch_info's statuses).
_REGISTRY_FIXES = (
    ("unauthorized", "give kolla_multiarch_registry_credentials ([{registry, username, password}]) for that registry, or check the ones given"),
    ("missing", "build and push the image (kolla-build) or point kolla_multiarch_image_sources.<arch> at a registry that has it"),
    ("wrong_arch", "the tag has no image for that architecture: give that arch its own source (tag_suffix, registry or namespace) "
                   "in kolla_multiarch_image_sources"),
    ("error", "check the registry name, that it answers from %(host)s, and kolla_multiarch_registry_insecure for a plain-HTTP registry"),
)


def registry_report(result, images_plan, host="the deploy host"):
    """What the role prints about a registry check: ``{summary, problems, fix}``.

    ``result``: what module ``registry_image_arch_info`` returned; ``images_plan``: what
    ``images`` returned. ``fix`` says what to do for each kind of answer found, or is
    empty when every image/arch pair is usable.
    """
    entries = list((result or {}).get("images") or [])
    problems = list((result or {}).get("problems") or [])
    usable = sum(1 for entry in entries if entry.get("status") == "ok")
    summary = "registry check: %d of %d image/arch pairs usable, for %d hosts" % (usable, len(entries), len((images_plan or {}).get("by_host") or {}))
    statuses = {entry.get("status") for entry in entries}
    fixes = ["%s: %s" % (status, text % {"host": host}) for status, text in _REGISTRY_FIXES if status in statuses]
    fix = ""
    if problems:
        fix = "Fix: %s; or turn the check off with kolla_multiarch_registry_check: false." % "; ".join(fixes) if fixes else \
              "Fix: turn the check off with kolla_multiarch_registry_check: false, or fix the registries named above."
    return {"summary": summary, "problems": problems, "fix": fix}
