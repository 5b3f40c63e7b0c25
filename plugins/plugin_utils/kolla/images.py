# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each arch's kolla images come from, and the image references kolla-ansible would pull per host.

Image sources default to the arch table (``kolla_tag_suffix``: "" for x86_64,
"-aarch64" for aarch64, none for ppc64le, which upstream Kolla does not publish);
the operator's ``kolla_multiarch_image_sources`` are merged over them. Each arch's
source is written to ``group_vars/<arch group>.yml``, never to ``globals.yml``.

The images per host come from kolla-ansible's own files (``services``): every service
the operator enabled, on the hosts kolla-ansible runs it, its ``image`` built by
kolla-ansible 23's own expressions, e.g. (ansible/roles/nova-cell/defaults/main.yml,
ansible/group_vars/all/common.yml)::

    nova_tag: "{{ openstack_tag }}"
    nova_compute_image: "{{ docker_image_url }}nova-compute"
    nova_compute_tag: "{{ nova_tag }}"
    nova_compute_image_full: "{{ nova_compute_image }}:{{ nova_compute_tag }}"
    docker_image_url: "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}"
    openstack_tag: "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}"

so an operator's ``nova_compute_image``, ``nova_compute_tag`` or ``nova_tag`` counts.
Without kolla-ansible's files, fixed image names per kind of host are built from the
common.yml variables alone (``_fixed_images``).

Precedence is kolla-ansible's: the operator's globals (extra-vars) over the
group_vars/arch_<arch>.yml the plan writes over kolla-ansible's defaults. Runs on
the controller; linear in hosts x images.
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla._template import Evaluator, HostSpecific, TemplateProblem
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import fail
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.services import parse_share, pulls, split_files

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


def _checks(by_host, arch_of, wanted=None):
    """One check per distinct image and arch, with the hosts that pull it (``wanted(ref)`` selects the images)."""
    checks, index = [], {}
    for host, refs in by_host.items():
        arch = arch_of[host]
        for ref in refs:
            if wanted is not None and not wanted(ref):
                continue
            if (ref, arch) not in index:
                index[(ref, arch)] = len(checks)
                checks.append({"image": ref, "arch": arch, "hosts": []})
            checks[index[(ref, arch)]]["hosts"].append(host)
    return checks


def _fixed_images(the_plan, image_names, kolla_defaults, globals_values):
    """The fixed names of ``image_names`` ({all, control, compute}) on every host of their kind (no kolla-ansible roles read)."""
    _check_image_names(image_names)
    base = kolla_values(kolla_defaults, globals_values)
    compute = set(the_plan.get("compute_hosts") or ())
    control = set(the_plan.get("control_plane_hosts") or ())
    group_vars = the_plan.get("group_vars") or {}
    group_of = {host: group for group, hosts in (the_plan.get("arch_groups") or {}).items() for host in hosts}
    globals_keys = set(globals_values or {})
    prefixes, by_host = {}, {}
    for host in the_plan.get("host_arch") or {}:
        group = group_of.get(host)
        if group not in prefixes:
            prefixes[group] = _image_prefix(base, group_vars.get(group), globals_keys)
        url, tag = prefixes[group]
        by_host[host] = ["%s%s:%s" % (url, name, tag) for name in _host_image_names(host, image_names, control, compute)]
    return {"by_host": by_host, "checks": _checks(by_host, the_plan.get("host_arch") or {}), "problems": []}


def _restriction(image_names):
    """The image names the check is restricted to (a list, or the names of the older {all, control, compute} form); None: all."""
    if not image_names:
        return None
    if isinstance(image_names, dict):
        _check_image_names(image_names)
        return list(dict.fromkeys(name for names in image_names.values() for name in names or []))
    if isinstance(image_names, str) or not isinstance(image_names, (list, tuple)) or not all(isinstance(n, str) and n for n in image_names):
        raise KollaImagesError("kolla_multiarch_registry_check_images must be a list of kolla image names (e.g. [nova-compute, nova-libvirt]) "
                               "or empty for every image of the enabled services, got %r" % (image_names,))
    return list(dict.fromkeys(image_names))


def image_name(ref, prefix=""):
    """kolla's name of an image reference: its last path component without tag, digest and ``docker_image_name_prefix``."""
    name = ref.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return name[len(prefix) :] if prefix and name.startswith(prefix) and len(name) > len(prefix) else name


def _name_prefix(evaluator, kolla_vars, globals_values):
    try:
        prefix = evaluator.scope([globals_values or {}, kolla_vars]).evaluate("{{ docker_image_name_prefix | default('') }}")
    except (TemplateProblem, HostSpecific):
        return ""
    return prefix if isinstance(prefix, str) else ""


def _service_images(the_plan, image_names, kolla_defaults, globals_values, *, kolla_share, groups):
    """``(result, problems)`` from kolla-ansible's own site.yml, group_vars/all and role defaults."""
    restrict = _restriction(image_names)
    if not isinstance(groups, dict):
        raise KollaImagesError("kolla_multiarch_images: give groups, the kolla-ansible inventory's groups "
                               "(kolla_multiarch_inventory_groups), with kolla_share")
    try:
        files = split_files(kolla_share)
    except (ValueError, KeyError, TypeError) as exc:
        raise KollaImagesError("kolla_multiarch_images: kolla_share: %s" % exc) from None
    problems = []
    share = parse_share(files, problems)
    share["group_vars"] = dict(kolla_defaults or {}, **share["group_vars"])
    evaluator = Evaluator()
    by_host, found = pulls(share, the_plan, groups, globals_values, evaluator)
    problems.extend(found)
    wanted = None
    if restrict is not None:
        prefix = _name_prefix(evaluator, share["group_vars"], globals_values)
        pulled = {image_name(ref, prefix) for refs in by_host.values() for ref in refs}
        unknown = [name for name in restrict if name not in pulled]
        if unknown:
            problems.append("kolla_multiarch_registry_check_images names %s, which no enabled service pulls on any host; the images pulled are: %s"
                            % (", ".join(unknown), ", ".join(sorted(pulled)) or "none"))
        names = set(restrict)

        def wanted(ref):
            return image_name(ref, prefix) in names
    return {"by_host": by_host, "checks": _checks(by_host, the_plan.get("host_arch") or {}, wanted), "problems": problems}


def images(the_plan, image_names=None, kolla_defaults=None, globals_values=None, *, kolla_share=None, groups=None, strict=True):
    """Per host, the images kolla-ansible would pull; and one check entry per distinct image and arch.

    With ``kolla_share`` (kolla-ansible's files, see ``services.split_files``) and
    ``groups`` (the kolla-ansible inventory's groups), the images are those of every
    service the operator enabled, on the hosts kolla-ansible runs it, built from
    kolla-ansible's own variables (per-service ``<service>_image``/``<service>_tag`` and
    ``<role>_tag`` overrides included); ``image_names`` then restricts the checks to
    those names (a list; the older ``{all, control, compute}`` form counts as its names).
    Without ``kolla_share``, ``image_names`` ``{all, control, compute}`` are fixed names:
    ``all`` on every host, ``control`` on control-plane hosts, ``compute`` on compute hosts.

    Returns ``{"by_host": {host: [image ref, ...]}, "checks": [{image, arch, hosts}],
    "problems": [...]}``; with ``strict``, problems raise KollaImagesError instead.
    """
    if kolla_share is None:
        return _fixed_images(the_plan, image_names, kolla_defaults, globals_values)
    result = _service_images(the_plan, image_names, kolla_defaults, globals_values, kolla_share=kolla_share, groups=groups)
    if result["problems"] and strict:
        raise KollaImagesError(
            "kolla_multiarch: the images kolla-ansible would pull cannot all be worked out, so the registry check cannot run; nothing was "
            "written (%d problem%s):\n- %s\nFix: give a literal value in globals.yml for each variable named above, or turn the registry "
            "check off (kolla_multiarch_registry_check: false)."
            % (len(result["problems"]), "" if len(result["problems"]) == 1 else "s", "\n- ".join(result["problems"]))
        )
    return result


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
