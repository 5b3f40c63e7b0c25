# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide and render one kolla-ansible deployment over hosts of several architectures.

Controller-side logic behind the filters ``kolla_multiarch_plan``,
``kolla_multiarch_inventory_groups`` and ``kolla_multiarch_scheduler_filters``
(role ``kolla_multiarch``). Pure functions: the inputs are the kolla-ansible
inventory's groups, every host's variables (the ``multiarch_host`` fact and the
outputs of ``container_runtime`` / ``nova_compute_arch``), operator variables and
the operator's ``globals.yml`` files; the output says what to write where.

Rules:

* Every host kolla-ansible deploys to gets exactly one arch group
  (``arch_<arch>``); its ``group_vars`` file carries the image source of that
  arch (``openstack_tag_suffix``, and ``docker_registry``/``docker_namespace``
  when the operator builds images). Those keys never go in ``globals.yml``:
  kolla-ansible passes globals.yml as extra-vars, which beat every inventory
  variable, so one value would apply to every host.
* Image sources default to the arch table (``kolla_tag_suffix``: "" for x86_64,
  "-aarch64" for aarch64, none for ppc64le, which upstream Kolla does not publish).
* The control plane (hosts of the control-plane groups) is one architecture:
  kolla-ansible's bootstrap tasks run once (``run_once`` + ``delegate_to``) with
  one host's image name on another host. A registry that serves manifest lists
  lifts the rule.
* Per-host nova-compute settings go in ``nova/<host>/nova-compute.conf``, never in
  a per-host ``nova.conf`` (kolla merges that one into every nova service of the host).

Every problem found is collected and reported at once; each names the host or
file and the fix.
"""

import configparser
import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import (
    ARCHES,
    SUPPORTED_HOST_ARCHES,
    canonical_arch,
)
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_libvirt import (
    NOVA_LIBVIRT_KEYS,
    NovaLibvirtError,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)

ARCH_GROUP_PREFIX = "arch_"
# Groups whose hosts together form the control plane (kolla-ansible's multinode
# inventory: everything but compute); they must be one architecture.
DEFAULT_CONTROL_PLANE_GROUPS = ("control", "network", "monitoring", "storage")
# Groups whose hosts run nova-compute.
DEFAULT_COMPUTE_GROUPS = ("compute",)
# Groups whose hosts run no kolla container (kolla's `deployment` group is the
# deploy host itself): their hosts need no arch unless they are also in a
# control-plane or compute group.
DEFAULT_SKIP_GROUPS = ("deployment",)
# Groups that are not the operator's (never checked or reported as such).
_IMPLICIT_GROUPS = ("all", "ungrouped")

# Image source keys an operator may give per arch, and the kolla-ansible variable
# each one becomes in group_vars/arch_<arch>.yml.
IMAGE_SOURCE_KEYS = {
    "tag_suffix": "openstack_tag_suffix",
    "registry": "docker_registry",
    "namespace": "docker_namespace",
}
# kolla-ansible variables whose default is built from the per-arch keys: a fixed
# value in globals.yml bypasses the per-arch ones.
#   openstack_tag: "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}"
#   docker_image_url: "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}"
# (kolla-ansible 23, ansible/group_vars/all/common.yml)
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
# Keys the collection owns in the files it writes (the plan's "owned_keys"): the role
# drops them from the file before writing the plan's values, so a value no longer
# decided goes; the operator's other keys stay. docker_custom_config is written to
# host_vars too but is not dropped: without container_runtime in the same play the
# plan has none, and the value already there must stay (kolla-ansible would
# otherwise write a daemon.json without it). nova_cell_compute_provider_config is
# given only where role nova_compute_arch decided the host.
OWNED_KEYS = {
    "group_vars": tuple(IMAGE_SOURCE_KEYS.values()),
    "host_vars": ("nova_compute_virt_type", "nova_libvirt_cpu_mode", "nova_cell_compute_provider_config"),
}
# nova [pci] option values: device_spec (nova-compute), alias (nova-api and nova-compute).
PCI_DEVICE_TYPES = ("type-PCI", "type-PF", "type-VF")
PCI_NUMA_POLICIES = ("required", "legacy", "preferred", "socket")
PCI_FILTER = "PciPassthroughFilter"
# nova 34 [filter_scheduler] enabled_filters default (nova/conf/scheduler.py).
NOVA_DEFAULT_FILTERS = (
    "ComputeFilter",
    "ComputeCapabilitiesFilter",
    "ImagePropertiesFilter",
    "ServerGroupAntiAffinityFilter",
    "ServerGroupAffinityFilter",
)

_HEX4 = re.compile(r"^(\*|[0-9a-fA-F]{1,4})$")
_HOSTNAME_SAFE = re.compile(r"^[A-Za-z0-9_.:-]+$")
_REGISTRY_RE = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?$")
_NAMESPACE_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
_TAG_SUFFIX_RE = re.compile(r"^[A-Za-z0-9_.-]*$")


class KollaMultiarchError(AnsibleFilterError):
    """Input that would give kolla-ansible a wrong or broken mixed-architecture deployment."""


def _fail(problems, title):
    raise KollaMultiarchError("%s (%d problem%s):\n- %s" % (title, len(problems), "" if len(problems) == 1 else "s", "\n- ".join(problems)))


# --------------------------------------------------------------------------- inventory


def inventory_groups(inventory_list):
    """Groups of an ``ansible-inventory --list`` answer as ``{group: [hosts]}``.

    Membership is transitive (a group holds the hosts of its children, as
    Ansible's ``groups`` magic variable does); each list keeps the inventory's
    order without duplicates. ``inventory_list`` is the parsed JSON or its text.
    """
    if isinstance(inventory_list, str):
        try:
            inventory_list = json.loads(inventory_list)
        except ValueError as exc:
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: the ansible-inventory --list output is not JSON: %s" % exc) from None
    if not isinstance(inventory_list, dict):
        raise KollaMultiarchError("kolla_multiarch_inventory_groups: expected the dict ansible-inventory --list prints, got %s" % type(inventory_list).__name__)
    raw = {}
    for name, value in inventory_list.items():
        if name == "_meta":
            continue
        entry = {"hosts": value} if isinstance(value, list) else value  # old script format: a bare host list
        if not isinstance(entry, dict):
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: group %s is %r, expected a dict with hosts/children" % (name, entry))
        raw[to_text(name)] = ([to_text(h) for h in entry.get("hosts") or []], [to_text(c) for c in entry.get("children") or []])
    resolved = {}

    def resolve(name, stack):
        if name in resolved:
            return resolved[name]
        if name in stack:
            raise KollaMultiarchError("kolla_multiarch_inventory_groups: group %s is its own descendant (%s)" % (name, " -> ".join([*stack, name])))
        hosts, children = raw.get(name, ([], []))
        seen = set()
        ordered = []
        for host in hosts:
            if host not in seen:
                seen.add(host)
                ordered.append(host)
        for child in children:
            for host in resolve(child, [*stack, name]):
                if host not in seen:
                    seen.add(host)
                    ordered.append(host)
        resolved[name] = ordered
        return ordered

    for name in raw:
        resolve(name, [])
    return resolved


def _normalise_groups(groups):
    if not isinstance(groups, dict):
        raise KollaMultiarchError("kolla_multiarch_plan: groups must be a dict {group: [hosts]} (Ansible's groups), got %s" % type(groups).__name__)
    result = {}
    for name, hosts in groups.items():
        if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
            raise KollaMultiarchError("kolla_multiarch_plan: group %s must list host names, got %r" % (name, hosts))
        result[to_text(name)] = [to_text(h) for h in hosts]
    return result


# --------------------------------------------------------------------------- image sources


def image_sources(operator_sources=None):
    """Per-arch image sources: the arch table's defaults merged with the operator's.

    Returns ``{arch: {tag_suffix, registry, namespace}}`` for every arch that has a
    source (values None where not set); an arch without one is absent.
    Operator entries: ``{arch: {tag_suffix, registry, namespace}}``; ``{arch: null}``
    removes the default of that arch.
    """
    sources = {}
    for arch in SUPPORTED_HOST_ARCHES:
        suffix = ARCHES[arch]["kolla_tag_suffix"]
        if suffix is not None:
            sources[arch] = {"tag_suffix": suffix, "registry": None, "namespace": None}
    if operator_sources is None:
        return sources
    if not isinstance(operator_sources, dict):
        raise KollaMultiarchError(
            "kolla_multiarch_image_sources must be a dict {arch: {tag_suffix, registry, namespace}}, got %r" % (operator_sources,)
        )
    problems = []
    for raw_arch, entry in operator_sources.items():
        arch = canonical_arch(raw_arch, strict=False)
        if arch is None:
            problems.append("kolla_multiarch_image_sources: unknown arch %r; known: %s" % (raw_arch, ", ".join(SUPPORTED_HOST_ARCHES)))
            continue
        if entry is None:
            sources.pop(arch, None)
            continue
        if not isinstance(entry, dict):
            problems.append("kolla_multiarch_image_sources.%s=%r: give a dict with tag_suffix, registry and/or namespace" % (raw_arch, entry))
            continue
        unknown = sorted(k for k in entry if k not in IMAGE_SOURCE_KEYS)
        if unknown:
            problems.append(
                "kolla_multiarch_image_sources.%s: unknown key(s) %s; valid keys: %s" % (raw_arch, ", ".join(unknown), ", ".join(IMAGE_SOURCE_KEYS))
            )
            continue
        merged = dict(sources.get(arch) or {"tag_suffix": "", "registry": None, "namespace": None})
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
        sources[arch] = merged
    if problems:
        _fail(problems, "kolla_multiarch: the image sources are invalid")
    return sources


def group_vars_for_source(source):
    """``group_vars/arch_<arch>.yml`` content of one image source."""
    result = {IMAGE_SOURCE_KEYS["tag_suffix"]: source.get("tag_suffix") or ""}
    for key in ("registry", "namespace"):
        if source.get(key):
            result[IMAGE_SOURCE_KEYS[key]] = source[key]
    return result


# --------------------------------------------------------------------------- globals


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


# --------------------------------------------------------------------------- PCI


def _pci_dict(item, what, allowed, required_any):
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except ValueError:
            raise ValueError("%s %r is not a dict or a JSON object" % (what, item)) from None
    if not isinstance(item, dict) or not item:
        raise ValueError("%s %r: give a non-empty dict" % (what, item))
    unknown = sorted(k for k in item if k not in allowed)
    if unknown:
        raise ValueError("%s %r: unknown key(s) %s; allowed: %s" % (what, item, ", ".join(unknown), ", ".join(allowed)))
    if required_any and not any(k in item for k in required_any):
        raise ValueError("%s %r: needs one of %s" % (what, item, ", ".join(required_any)))
    for key in ("vendor_id", "product_id"):
        if key in item and not _HEX4.match(to_text(item[key])):
            raise ValueError("%s %r: %s=%r is not a 4-digit hex PCI ID" % (what, item, key, item[key]))
    return item


_DEVICE_SPEC_KEYS = ("vendor_id", "product_id", "address", "devname", "physical_network", "remote_managed", "trusted", "resource_class", "traits", "managed")
# nova 34 nova/pci/request.py _ALIAS_SCHEMA properties.
_ALIAS_KEYS = ("name", "capability_type", "vendor_id", "product_id", "device_type", "numa_policy", "resource_class", "traits", "live_migratable")
_HEX4_EXACT = re.compile(r"^[0-9a-fA-F]{4}$")


def pci_device_specs(specs, host):
    """nova ``[pci] device_spec`` values (JSON strings, sorted keys) for one host."""
    if not specs:
        return []
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    rendered = []
    for spec in specs:
        try:
            item = _pci_dict(spec, "device spec", _DEVICE_SPEC_KEYS, ("vendor_id", "product_id", "address", "devname"))
        except ValueError as exc:
            raise KollaMultiarchError("host %s: kolla_multiarch_pci_device_spec: %s" % (host, exc)) from None
        rendered.append(json.dumps(item, sort_keys=True, separators=(", ", ": ")))
    return rendered


def pci_aliases(aliases):
    """nova ``[pci] alias`` values (JSON strings, sorted keys)."""
    if not aliases:
        return []
    if not isinstance(aliases, (list, tuple)):
        aliases = [aliases]
    rendered = []
    names = set()
    for alias in aliases:
        try:
            item = _pci_dict(alias, "alias", _ALIAS_KEYS, ())
        except ValueError as exc:
            raise KollaMultiarchError("kolla_multiarch_pci_alias: %s" % exc) from None
        if not item.get("name"):
            raise KollaMultiarchError("kolla_multiarch_pci_alias: alias %r has no name (flavors ask for pci_passthrough:alias=<name>:<count>)" % (item,))
        for key in ("vendor_id", "product_id"):
            if key in item and not _HEX4_EXACT.match(to_text(item[key])):
                raise KollaMultiarchError("kolla_multiarch_pci_alias: alias %s: %s=%r; nova wants exactly 4 hex digits" % (item["name"], key, item[key]))
        if "resource_class" not in item and not ("vendor_id" in item and "product_id" in item):
            raise KollaMultiarchError("kolla_multiarch_pci_alias: alias %s needs vendor_id and product_id (or resource_class)" % item["name"])
        if item.get("device_type", "type-PCI") not in PCI_DEVICE_TYPES:
            raise KollaMultiarchError(
                "kolla_multiarch_pci_alias: alias %s: device_type=%r; nova accepts %s" % (item["name"], item["device_type"], ", ".join(PCI_DEVICE_TYPES))
            )
        if item.get("numa_policy", "legacy") not in PCI_NUMA_POLICIES:
            raise KollaMultiarchError(
                "kolla_multiarch_pci_alias: alias %s: numa_policy=%r; nova accepts %s" % (item["name"], item["numa_policy"], ", ".join(PCI_NUMA_POLICIES))
            )
        key = (item["name"], item.get("vendor_id"), item.get("product_id"))
        if key in names:
            raise KollaMultiarchError("kolla_multiarch_pci_alias: alias %s is given twice for the same device" % item["name"])
        names.add(key)
        rendered.append(json.dumps(item, sort_keys=True, separators=(", ", ": ")))
    return rendered


def scheduler_filters(current=None, defaults=NOVA_DEFAULT_FILTERS, required=(PCI_FILTER,)):
    """``[filter_scheduler] enabled_filters`` with ``required`` appended.

    ``current``: the operator's value (string or list) from nova-scheduler.conf,
    None when unset (nova's defaults then). Returns the comma-joined string;
    filters already there keep their place.
    """
    if current is None or (isinstance(current, str) and not current.strip()):
        filters = list(defaults)
    elif isinstance(current, str):
        filters = [f.strip() for f in current.split(",") if f.strip()]
    elif isinstance(current, (list, tuple)):
        filters = [to_text(f).strip() for f in current if to_text(f).strip()]
    else:
        raise KollaMultiarchError("kolla_multiarch_scheduler_filters: enabled_filters=%r: give a string or a list" % (current,))
    for name in required:
        if name not in filters:
            filters.append(name)
    return ",".join(filters)


# --------------------------------------------------------------------------- plan


def _get(mapping, key, default=None):
    """``mapping[key]``, or ``default`` when absent or None.

    Membership is asked first: Ansible's ``hostvars`` answers an unknown host with
    an undefined value instead of a KeyError.
    """
    try:
        if key not in mapping:
            return default
        value = mapping[key]
    except (AttributeError, TypeError, KeyError):
        return default
    return default if value is None else value


def _host_arch(fact):
    if not isinstance(fact, dict):
        return None, "has no multiarch_host fact"
    raw = fact.get("arch")
    if raw is None:
        return None, "multiarch_host.arch is null (the architecture was not detected)"
    arch = canonical_arch(raw, strict=False)
    if arch is None:
        return None, "multiarch_host.arch=%r is not an architecture the arch table knows" % (raw,)
    return arch, None


def _arch_listing(by_arch, limit=5):
    parts = []
    for arch in sorted(by_arch):
        hosts = by_arch[arch]
        shown = ", ".join(hosts[:limit]) + (", ... %d more" % (len(hosts) - limit) if len(hosts) > limit else "")
        parts.append("%s (%s)" % (arch, shown))
    return "; ".join(parts)


def kolla_compute_fact(fact, arch):
    """The fact as nova_libvirt_settings should see it on a kolla-ansible compute host.

    Under kolla-ansible, QEMU and libvirt run in the nova_libvirt container, not
    on the host, so host_arch_info usually finds no guest at all (``guests: {}``).
    The container brings the host's native emulator: with no guest detected, the
    native arch is assumed, its machines and CPU models unknown (the arch table's
    defaults apply). Detected guests are used as they are.
    """
    if fact.get("guests"):
        return fact
    assumed = dict(fact)
    assumed["guests"] = {arch: {}}
    return assumed


def _arch_group(arch, prefix=ARCH_GROUP_PREFIX):
    return "%s%s" % (prefix, arch)


def _no_source_fix(arch, hosts, prefix):
    shown = ", ".join(hosts[:5]) + (", ..." if len(hosts) > 5 else "")
    if ARCHES[arch]["kolla_tag_suffix"] is None:
        why = "upstream Kolla publishes no %s images" % arch
    else:
        why = "kolla_multiarch_image_sources.%s is null" % arch
    return (
        "host(s) %s are %s and group %s has no image source (%s); fix: build the %s images (kolla-build --base-arch %s, pushed to your "
        "registry) and set kolla_multiarch_image_sources: {%s: {registry: '<host:port>', namespace: '<namespace>', tag_suffix: ''}}, "
        "or take these hosts out of the kolla-ansible inventory" % (shown, arch, _arch_group(arch, prefix), why, arch, arch, arch)
    )


def plan(  # noqa: PLR0917 - mirrors the filter's keyword arguments
    groups,
    hostvars,
    image_sources_override=None,
    manifest_lists=False,
    control_plane_groups=DEFAULT_CONTROL_PLANE_GROUPS,
    compute_groups=DEFAULT_COMPUTE_GROUPS,
    skip_groups=DEFAULT_SKIP_GROUPS,
    globals_files=None,
    pci_alias=None,
    arch_group_prefix=ARCH_GROUP_PREFIX,
    nova_libvirt_overrides=None,
):
    """Decide every per-arch and per-host value of a kolla-ansible deployment.

    ``groups``: ``{group: [hosts]}`` of the kolla-ansible inventory (transitive).
    ``hostvars``: ``{host: vars}`` (Ansible's ``hostvars`` works); read per host:
    ``multiarch_host`` (required), ``docker_custom_config`` (container_runtime),
    ``nova_compute_virt_type`` / ``nova_libvirt_cpu_mode`` / ``nova_cell_compute_provider_config``
    where ``nova_compute_arch_libvirt`` shows role nova_compute_arch decided the host,
    ``kolla_multiarch_nova_libvirt_overrides``, ``kolla_multiarch_emulated_arches``
    and ``kolla_multiarch_pci_device_spec``.
    Returns a dict (see the filter's RETURN documentation); raises
    KollaMultiarchError listing every problem.
    """
    groups = _normalise_groups(groups)
    if hostvars is None:
        hostvars = {}
    problems = []
    for what, value in (("control_plane_groups", control_plane_groups), ("compute_groups", compute_groups), ("skip_groups", skip_groups)):
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise KollaMultiarchError("kolla_multiarch_plan: %s must be a list of group names, got %r" % (what, value))
    if not _HOSTNAME_SAFE.match(arch_group_prefix or "-") or not arch_group_prefix:
        raise KollaMultiarchError("kolla_multiarch_plan: arch_group_prefix=%r: give a group-name prefix such as arch_" % (arch_group_prefix,))

    # Hosts kolla-ansible deploys to.
    skip = set(skip_groups)
    member_of = {}
    order = []
    for name, hosts in groups.items():
        if name in _IMPLICIT_GROUPS or name.startswith(arch_group_prefix):
            continue
        for host in hosts:
            if host not in member_of:
                member_of[host] = set()
                order.append(host)
            member_of[host].add(name)
    # A host of a skip group (kolla's `deployment`, and groups fed from it such as
    # `bifrost`) is placed only when it is also in a control-plane or compute group.
    skipped = set()
    for name in skip:
        skipped.update(groups.get(name, []))
    kept = set()
    for name in list(control_plane_groups) + list(compute_groups):
        kept.update(groups.get(name, []))
    placed = [h for h in order if h not in skipped or h in kept]
    if not placed:
        raise KollaMultiarchError(
            "kolla_multiarch_plan: the inventory has no host outside %s; give the kolla-ansible inventory (groups control, compute, ...)"
            % (", ".join(sorted(skip)) or "all")
        )

    # Arch of every host.
    arch_of = {}
    by_arch = {}
    for host in placed:
        hv = _get(hostvars, host, {})
        arch, why = _host_arch(_get(hv, "multiarch_host"))
        if arch is None:
            problems.append(
                "host %s (groups %s) %s; fix: run the multiarch.kolla.host_facts role on it in the same play (hosts: all) before kolla_multiarch%s"
                % (host, ", ".join(sorted(member_of[host])), why, "" if host in hostvars else " (the play's inventory does not have this host)")
            )
            continue
        if arch not in SUPPORTED_HOST_ARCHES:
            problems.append(
                "host %s is %s; kolla-ansible deployments here cover %s hosts only: take it out of the inventory"
                % (host, arch, ", ".join(SUPPORTED_HOST_ARCHES))
            )
            continue
        arch_of[host] = arch
        by_arch.setdefault(arch, []).append(host)

    # Image sources of the arches present.
    sources = image_sources(image_sources_override)
    group_vars = {}
    for arch in sorted(by_arch):
        if arch not in sources:
            problems.append(_no_source_fix(arch, by_arch[arch], arch_group_prefix))
            continue
        group_vars[_arch_group(arch, arch_group_prefix)] = group_vars_for_source(sources[arch])

    # Control plane: one arch unless manifest lists.
    cp_groups = [g for g in control_plane_groups if g in groups]
    cp_by_arch = {}
    for name in cp_groups:
        for host in groups[name]:
            if host in arch_of and host not in cp_by_arch.get(arch_of[host], []):
                cp_by_arch.setdefault(arch_of[host], []).append(host)
    if len(cp_by_arch) > 1 and not manifest_lists:
        problems.append(
            "the control plane (groups %s) spans %s: kolla-ansible's bootstrap tasks run once (run_once + delegate_to) with the image name of "
            "one host on another host, so the image would be the wrong architecture there; fix: put the control-plane groups on one architecture, "
            "or, if your registry serves manifest lists (one tag for every arch), set kolla_multiarch_manifest_lists: true"
            % (", ".join(cp_groups), _arch_listing(cp_by_arch))
        )

    # Per-host values.
    compute = []
    seen = set()
    for name in compute_groups:
        for host in groups.get(name, []):
            if host not in seen:
                seen.add(host)
                compute.append(host)
    host_vars = {}
    nova_compute = {}
    libvirt_from = {}
    global_overrides = nova_libvirt_overrides or {}
    if not isinstance(global_overrides, dict):
        raise KollaMultiarchError("kolla_multiarch_nova_libvirt_overrides must be a dict of [libvirt] keys, got %r" % (global_overrides,))
    for host in placed:
        if host not in arch_of:
            continue
        hv = _get(hostvars, host, {})
        values = {}
        docker = _get(hv, "docker_custom_config")
        if docker:
            if not isinstance(docker, dict):
                problems.append("host %s: docker_custom_config=%r is not a dict (the daemon.json container_runtime sets)" % (host, docker))
            else:
                values["docker_custom_config"] = docker
        if host in seen:
            # nova_compute_arch's decision: its facts plus its own marker (our own host_vars
            # of an earlier run, loaded back through the inventory, carry no marker).
            decided = _get(hv, "nova_compute_arch_libvirt") is not None
            fact_virt = _get(hv, "nova_compute_virt_type") if decided else None
            fact_mode = _get(hv, "nova_libvirt_cpu_mode") if decided else None
            host_over = _get(hv, "kolla_multiarch_nova_libvirt_overrides", {})
            if not isinstance(host_over, dict):
                problems.append("host %s: kolla_multiarch_nova_libvirt_overrides=%r must be a dict of [libvirt] keys" % (host, host_over))
                host_over = {}
            if fact_virt and fact_mode:
                # nova_compute_arch decided and rendered [libvirt]; carry its facts only.
                values["nova_compute_virt_type"] = to_text(fact_virt)
                values["nova_libvirt_cpu_mode"] = to_text(fact_mode)
                provider = _get(hv, "nova_cell_compute_provider_config")
                if provider:
                    values["nova_cell_compute_provider_config"] = provider
                libvirt_from[host] = "nova_compute_arch"
                conf = {}
            else:
                overrides = dict(global_overrides)
                overrides.update(host_over)
                try:
                    settings = nova_libvirt_settings(
                        kolla_compute_fact(_get(hv, "multiarch_host"), arch_of[host]),
                        overrides=overrides,
                        host=host,
                        emulated_arches=_get(hv, "kolla_multiarch_emulated_arches"),
                    )
                    libvirt = render_nova_compute_libvirt(settings)
                except NovaLibvirtError as exc:
                    problems.append(to_text(exc))
                    continue
                values["nova_compute_virt_type"] = settings["virt_type"]
                values["nova_libvirt_cpu_mode"] = settings["cpu_mode"]
                libvirt_from[host] = "kolla_multiarch"
                conf = {"libvirt": libvirt, "libvirt_absent": [k for k in NOVA_LIBVIRT_KEYS if k not in libvirt]}
            try:
                specs = pci_device_specs(_get(hv, "kolla_multiarch_pci_device_spec"), host)
            except KollaMultiarchError as exc:
                problems.append(to_text(exc))
                specs = []
            conf["pci_device_spec"] = specs
            nova_compute[host] = conf
        if values:
            host_vars[host] = values

    # Operator's globals.
    written = set()
    for values in host_vars.values():
        written.update(values)
    problems.extend(globals_conflicts(globals_files, group_vars, sorted(by_arch), host_keys=sorted(written)))

    aliases = []
    try:
        aliases = pci_aliases(pci_alias)
    except KollaMultiarchError as exc:
        problems.append(to_text(exc))

    if problems:
        _fail(problems, "kolla_multiarch: the configuration would deploy wrong images or settings; nothing was written")

    arch_groups = {_arch_group(arch, arch_group_prefix): hosts for arch, hosts in sorted(by_arch.items())}
    return {
        "arches": sorted(by_arch),
        "arch_groups": arch_groups,
        "inventory": {"all": {"children": {name: {"hosts": dict.fromkeys(hosts, None)} for name, hosts in arch_groups.items()}}},
        "group_vars": group_vars,
        "host_vars": host_vars,
        "nova_compute": nova_compute,
        "libvirt_from": libvirt_from,
        "pci_alias": aliases,
        "control_plane": {"groups": cp_groups, "arches": sorted(cp_by_arch), "manifest_lists": bool(manifest_lists)},
        "hosts": len(placed),
        "host_arch": {host: arch_of[host] for host in placed},
        "compute_hosts": [h for h in compute if h in arch_of],
        "control_plane_hosts": sorted({h for hosts in cp_by_arch.values() for h in hosts}),
        "owned_keys": {kind: list(keys) for kind, keys in OWNED_KEYS.items()},
    }


def scheduler_filters_in(conf_text):
    """``[filter_scheduler] enabled_filters`` of an INI text (None when unset or no text)."""
    if not conf_text:
        return None
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(to_text(conf_text))
    except configparser.Error as exc:
        raise KollaMultiarchError("nova/nova-scheduler.conf cannot be read as INI (%s); fix the file, it is merged by kolla-ansible" % exc) from None
    if parser.has_option("filter_scheduler", "enabled_filters"):
        return parser.get("filter_scheduler", "enabled_filters")
    return None


def ini_edits(the_plan, scheduler_current=None):
    """Flatten a plan's config overrides into ini_file edits, in a stable order.

    Each edit: ``{path, section, option, value | value_list, state}`` with ``path``
    relative to the kolla config dir. Owned ``[libvirt]`` keys that are not
    rendered for a host get ``state: absent``. ``scheduler_current`` is the
    text of the operator's nova/nova-scheduler.conf (None when absent).
    """
    edits = []
    for host in sorted(the_plan.get("nova_compute", {})):
        conf = the_plan["nova_compute"][host]
        path = "nova/%s/nova-compute.conf" % host
        for key, value in (conf.get("libvirt") or {}).items():
            edits.append({"path": path, "section": "libvirt", "option": key, "value": value, "state": "present"})
        for key in conf.get("libvirt_absent") or []:
            edits.append({"path": path, "section": "libvirt", "option": key, "value": None, "state": "absent"})
        if conf.get("pci_device_spec"):
            edits.append({"path": path, "section": "pci", "option": "device_spec", "value_list": conf["pci_device_spec"], "state": "present"})
        else:
            # The collection owns [pci] device_spec in this file: a spec no longer given goes.
            edits.append({"path": path, "section": "pci", "option": "device_spec", "value": None, "state": "absent"})
    if the_plan.get("pci_alias"):
        for path in ("nova/nova-api.conf", "nova/nova-compute.conf"):
            edits.append({"path": path, "section": "pci", "option": "alias", "value_list": the_plan["pci_alias"], "state": "present"})
        edits.append(
            {
                "path": "nova/nova-scheduler.conf",
                "section": "filter_scheduler",
                "option": "enabled_filters",
                "value": scheduler_filters(scheduler_filters_in(scheduler_current)),
                "state": "present",
            }
        )
    return edits
