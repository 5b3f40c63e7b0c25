# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What role ``kolla_multiarch`` writes for one kolla-ansible deployment over hosts of several architectures.

Controller-side logic behind the filter ``kolla_multiarch_plan``. Inputs are the
kolla-ansible inventory's groups, every host's variables (the facts the decide
roles publish, docs/decisions.md), operator variables and the operator's
``globals.yml`` files; the output says what to write where. The plan decides
only what no other role owns: where each arch's images come from. Everything per
host comes from the decide roles' facts.

Rules:

* Every host kolla-ansible deploys to gets exactly one arch group, named by
  ``host_facts`` (``multiarch_groups.arch``); its ``group_vars`` file carries the
  image source of that arch. Those keys never go in ``globals.yml``:
  kolla-ansible passes globals.yml as extra-vars, which beat every inventory
  variable, so one value would apply to every host.
* The control plane (hosts of the control-plane groups) is one architecture:
  kolla-ansible's bootstrap tasks run once (``run_once`` + ``delegate_to``) with
  one host's image name on another host. A registry that serves manifest lists
  lifts the rule.
* Per-host nova-compute settings go in ``nova/<host>/nova-compute.conf``, never in
  a per-host ``nova.conf`` (kolla merges that one into every nova service of the host):
  the decision's ``[libvirt]`` keys and its ``[DEFAULT]`` timeouts (``defaults``).
* Host and arch group names become file names (``host_vars/<host>.yml``,
  ``nova/<host>/nova-compute.conf``, ``group_vars/<group>.yml``): a name that is
  empty, ``.``, ``..`` or holds a ``/`` is refused (``_files.name_problem``, the rule
  the writer ``ini_batch`` applies to every path), so no write leaves its directory.

Every problem found is collected and reported at once; each names the host or
file and the fix.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils._files import name_problem
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla import decisions, inventory, pci
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError, fail
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.globals import globals_conflicts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import IMAGE_SOURCE_KEYS, group_vars_for_source, image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NOVA_LIBVIRT_KEYS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.pci import PciConfigError, pci_aliases

# Keys the collection owns in the vars files it writes: they are dropped from the file
# before the plan's values are added, so a value no longer decided goes and the
# operator's other keys stay. docker_custom_config is written to host_vars too but is
# dropped only with the host: without container_runtime in the same play the plan has
# none, and the value already there must stay (kolla-ansible would otherwise write a
# daemon.json without it).
OWNED_KEYS = {
    "group_vars": tuple(IMAGE_SOURCE_KEYS.values()),
    "host_vars": ("nova_compute_virt_type", "nova_libvirt_cpu_mode", "nova_cell_compute_provider_config", "nova_libvirt_image_full"),
}


def _arch_listing(by_arch, limit=5):
    parts = []
    for arch in sorted(by_arch):
        hosts = by_arch[arch]
        shown = ", ".join(hosts[:limit]) + (", ... %d more" % (len(hosts) - limit) if len(hosts) > limit else "")
        parts.append("%s (%s)" % (arch, shown))
    return "; ".join(parts)


def no_source_fix(arch, hosts, group, limit=5):
    shown = ", ".join(hosts[:limit]) + (", ..." if len(hosts) > limit else "")
    if ARCHES[arch]["kolla_tag_suffix"] is None:
        why = "upstream Kolla publishes no %s images" % arch
    else:
        why = "kolla_multiarch_image_sources.%s is null" % arch
    return (
        "host(s) %s are %s and group %s has no image source (%s); fix: build the %s images (kolla-build --base-arch %s, pushed to your "
        "registry) and set kolla_multiarch_image_sources: {%s: {registry: '<host:port>', namespace: '<namespace>', tag_suffix: ''}}, "
        "or take these hosts out of the kolla-ansible inventory" % (shown, arch, group, why, arch, arch, arch)
    )


def _own_group_names(groups, hostvars):
    """The arch group names host_facts gave the inventory's hosts (not the operator's groups)."""
    names = set()
    for host in {h for hosts in groups.values() for h in hosts}:
        found = decisions.get(decisions.get(hostvars, host, {}), "multiarch_groups", {})
        if isinstance(found, dict) and isinstance(found.get("arch"), str):
            names.add(found["arch"])
    return names


def _place(placed, member_of, hostvars, problems):
    """Arch and arch group of every placed host: ``(arch_of, by_arch, group_of_arch)``."""
    arch_of, by_arch, group_of_arch = {}, {}, {}
    for host in placed:
        if name_problem(host):
            problems.append(
                "host %r: its name becomes the files host_vars/<host>.yml and nova/<host>/nova-compute.conf, but %s; fix: give the host "
                "a plain name in the kolla-ansible inventory (ansible_host keeps its address)" % (host, name_problem(host))
            )
            continue
        arch, group, why = decisions.host_arch_group(host, decisions.get(hostvars, host, {}), ", ".join(sorted(member_of[host])))
        if arch is None:
            problems.append(why + ("" if host in hostvars else " (the play's inventory does not have this host)"))
            continue
        if name_problem(group):
            problems.append(
                "host %s is in arch group %r, which becomes the file group_vars/<group>.yml, but %s; fix: run host_facts with a "
                "host_facts_arch_group_prefix that gives plain group names" % (host, group, name_problem(group))
            )
            continue
        if arch not in SUPPORTED_HOST_ARCHES:
            problems.append("host %s is %s; kolla-ansible deployments here cover %s hosts only: take it out of the inventory"
                            % (host, arch, ", ".join(SUPPORTED_HOST_ARCHES)))
            continue
        if group_of_arch.setdefault(arch, group) != group:
            problems.append("host %s is in arch group %s but other %s hosts are in %s; fix: run host_facts with one host_facts_arch_group_prefix for all hosts"
                            % (host, group, arch, group_of_arch[arch]))
            continue
        arch_of[host] = arch
        by_arch.setdefault(arch, []).append(host)
    return arch_of, by_arch, group_of_arch


def _control_plane(groups, control_plane_groups, arch_of, manifest_lists, problems):
    cp_groups = [g for g in control_plane_groups if g in groups]
    cp_by_arch = {}
    for host in inventory.members(groups, cp_groups):
        if host in arch_of:
            cp_by_arch.setdefault(arch_of[host], []).append(host)
    if len(cp_by_arch) > 1 and not manifest_lists:
        problems.append(
            "the control plane (groups %s) spans %s: kolla-ansible's bootstrap tasks run once (run_once + delegate_to) with the image name of "
            "one host on another host, so the image would be the wrong architecture there; fix: put the control-plane groups on one architecture, "
            "or, if your registry serves manifest lists (one tag for every arch), set kolla_multiarch_manifest_lists: true"
            % (", ".join(cp_groups), _arch_listing(cp_by_arch))
        )
    return cp_groups, cp_by_arch


def _host_outputs(host, hv, arch, is_compute, *, problems, gpu_aliases):
    """``(host_vars values, nova-compute.conf content or None)`` of one placed host, from its facts.

    The host's GPU aliases (fact multiarch_gpu_passthrough) go in ``gpu_aliases[host]``; its device_spec
    follows the operator's kolla_multiarch_pci_device_spec, each value once.
    """
    values = {}
    docker = decisions.docker_custom_config(host, hv, problems)
    if docker is not None:
        values["docker_custom_config"] = docker
    if not is_compute:
        if (decisions.get(hv, "multiarch_gpu_passthrough", {}) or {}).get("device_spec"):
            problems.append("host %s has GPU passthrough decided (multiarch_gpu_passthrough) but is in no compute group, so no nova-compute "
                            "offers its GPUs; fix: add it to a compute group, or leave it out of gpu_passthrough" % host)
        return values, None
    decision = decisions.nova_compute(host, hv, arch, problems)
    specs = decisions.device_specs(host, hv, problems)
    gpu_specs, gpu_aliases[host] = decisions.gpu_passthrough(host, hv, arch, problems)
    specs += [spec for spec in gpu_specs if spec not in specs]
    if decision is None:
        return values, None
    values["nova_compute_virt_type"] = decision["virt_type"]
    values["nova_libvirt_cpu_mode"] = decision["cpu_mode"]
    if (decision["provider_config"] or {}).get("providers"):
        values["nova_cell_compute_provider_config"] = decision["provider_config"]
    if decision.get("libvirt_image"):
        # kolla-ansible's per-service image variable (ansible/roles/nova-cell/defaults/main.yml): the emulation-ready image.
        values["nova_libvirt_image_full"] = decision["libvirt_image"]["image"]
    libvirt = {k: str(v) for k, v in decision["libvirt"].items()}
    conf = {"libvirt": libvirt, "libvirt_absent": [k for k in NOVA_LIBVIRT_KEYS if k not in libvirt], "pci_device_spec": specs,
            "defaults": {k: str(v) for k, v in decision["defaults"].items()}}
    return values, conf


def _kept_gpu_hosts(compute, keep_hosts, hostvars, warnings):
    """The compute hosts this run did not look at (``keep_hosts``, left out by --limit) that have no GPU fact: the
    render keeps what an earlier run wrote for their GPUs, since gpu_passthrough did not run on them."""
    outside = set(keep_hosts or ())
    kept = sorted(h for h in compute if h in outside and decisions.get(decisions.get(hostvars, h, {}), "multiarch_gpu_passthrough") is None)
    if kept:
        warnings.append("hosts %s are outside this run and have no multiarch_gpu_passthrough: their [pci] device_spec and the [pci] alias list stay "
                        "as an earlier run wrote them; run without --limit (or cache the facts: gpu_passthrough_cacheable) to change them" % ", ".join(kept))
    return kept


def _options(control_plane_groups, compute_groups, skip_groups):
    return (
        inventory.group_list(control_plane_groups, "control_plane_groups"),
        inventory.group_list(compute_groups, "compute_groups"),
        inventory.group_list(skip_groups, "skip_groups"),
    )


def plan(  # noqa: PLR0917 - mirrors the filter's keyword arguments
    groups,
    hostvars,
    image_sources_override=None,
    manifest_lists=False,
    control_plane_groups=inventory.DEFAULT_CONTROL_PLANE_GROUPS,
    compute_groups=inventory.DEFAULT_COMPUTE_GROUPS,
    skip_groups=inventory.DEFAULT_SKIP_GROUPS,
    globals_files=None,
    pci_alias=None,
    pci_report_in_placement=False,
    pci_in_placement=False,
    keep_hosts=None,
):
    """Work out every per-arch and per-host value of a kolla-ansible deployment from the decide roles' facts.

    ``groups``: ``{group: [hosts]}`` of the kolla-ansible inventory (transitive).
    ``hostvars``: ``{host: vars}`` (Ansible's ``hostvars`` works); read per host:
    ``multiarch_host`` and ``multiarch_groups`` (host_facts, required),
    ``multiarch_nova_compute`` (nova_compute_arch, required on compute hosts),
    ``multiarch_container_runtime`` (container_runtime, optional),
    ``multiarch_gpu_passthrough`` (gpu_passthrough, optional) and ``kolla_multiarch_pci_device_spec``.
    ``pci_alias`` (the operator's) and every compute host's GPU aliases are merged into one list
    (kolla/pci.py); ``pci_report_in_placement`` and ``pci_in_placement`` turn on PCI in Placement.
    ``keep_hosts``: hosts this run did not look at (left out by ``--limit``). A compute host among them without
    ``multiarch_gpu_passthrough`` is listed in ``pci_kept_hosts``: the render keeps what an earlier run wrote for its
    GPUs (its ``[pci] device_spec`` and the ``[pci] alias`` list) instead of removing it.
    Returns a dict (see the filter's RETURN documentation); raises
    KollaMultiarchError listing every problem.
    """
    groups = inventory.normalise_groups(groups)
    hostvars = {} if hostvars is None else hostvars
    control_plane_groups, compute_groups, skip_groups = _options(control_plane_groups, compute_groups, skip_groups)
    own = _own_group_names(groups, hostvars)
    operator_groups = {name: hosts for name, hosts in groups.items() if name not in own}
    placed, member_of = inventory.deploy_targets(operator_groups, control_plane_groups, compute_groups, skip_groups)
    problems = []
    arch_of, by_arch, group_of_arch = _place(placed, member_of, hostvars, problems)
    sources = image_sources(image_sources_override)
    group_vars = {}
    for arch in sorted(by_arch):
        if arch not in sources:
            problems.append(no_source_fix(arch, by_arch[arch], group_of_arch[arch]))
        else:
            group_vars[group_of_arch[arch]] = group_vars_for_source(sources[arch])
    cp_groups, cp_by_arch = _control_plane(groups, control_plane_groups, arch_of, manifest_lists, problems)
    compute = [h for h in inventory.members(groups, compute_groups) if h in arch_of]
    is_compute = set(compute)  # a set: one lookup per host, not a scan of the list (quadratic at 5,000 hosts)
    host_vars, nova_compute, gpu_aliases, warnings = {}, {}, {}, []
    for host in (h for h in placed if h in arch_of):
        values, conf = _host_outputs(host, decisions.get(hostvars, host, {}), arch_of[host], host in is_compute,
                                     problems=problems, gpu_aliases=gpu_aliases)
        if values:
            host_vars[host] = values
        if conf is not None:
            nova_compute[host] = conf
    kept = _kept_gpu_hosts(compute, keep_hosts, hostvars, warnings)
    written = sorted({key for values in host_vars.values() for key in values})
    problems.extend(globals_conflicts(globals_files, group_vars, sorted(by_arch), host_keys=written))
    placement = pci.placement(pci_report_in_placement, pci_in_placement, problems, warnings)
    try:
        operator_aliases = pci_aliases(pci_alias)
    except PciConfigError as exc:
        problems.append(str(exc))
        operator_aliases = []
    aliases = pci.merge_aliases(operator_aliases, gpu_aliases, placement["pci_in_placement"], problems)
    if problems:
        fail(problems, "kolla_multiarch: the configuration would deploy wrong images or settings; nothing was written")
    arch_groups = {group_of_arch[arch]: hosts for arch, hosts in sorted(by_arch.items())}
    return {
        "arches": sorted(by_arch),
        "arch_groups": arch_groups,
        "inventory": {"all": {"children": {name: {"hosts": dict.fromkeys(hosts)} for name, hosts in arch_groups.items()}}},
        "group_vars": group_vars,
        "host_vars": host_vars,
        "nova_compute": nova_compute,
        "pci_alias": aliases,
        "pci_placement": placement,
        "pci_kept_hosts": kept,
        "warnings": warnings,
        "control_plane": {"groups": cp_groups, "arches": sorted(cp_by_arch), "manifest_lists": bool(manifest_lists)},
        "hosts": len(placed),
        "host_arch": {host: arch_of[host] for host in placed},
        "compute_hosts": compute,
        "control_plane_hosts": sorted({h for hosts in cp_by_arch.values() for h in hosts}),
        "owned_keys": {kind: list(keys) for kind, keys in OWNED_KEYS.items()},
    }


__all__ = ["OWNED_KEYS", "KollaMultiarchError", "plan"]
