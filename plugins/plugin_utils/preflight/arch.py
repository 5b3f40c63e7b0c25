# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: each host's architecture, its image source, and one architecture for the control plane.

The rules are kolla_multiarch's (plugins/plugin_utils/kolla/plan.py and images.py): preflight asks them
early, for every host at once, before any host changes.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import DEFAULT_CONTROL_PLANE_GROUPS, DEFAULT_SKIP_GROUPS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import no_source_fix
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding, from_message


def _deployed(ctx):
    """The hosts kolla-ansible deploys to: the play's hosts outside the skip groups (the deploy host)."""
    skipped = set(ctx.members(ctx.option("skip_groups", list(DEFAULT_SKIP_GROUPS))))
    return [h for h in ctx.hosts if h not in skipped]


def host_arches(ctx):
    """``{host: canonical arch}`` of the deployed hosts whose arch was detected."""
    found = {}
    for host in _deployed(ctx):
        arch = facts.arch_or_reason(ctx.var(host, "multiarch_host"))[0]
        if arch is not None:
            found[host] = arch
    return found


def arch_supported(ctx):
    out = []
    for host in _deployed(ctx):
        arch, why = facts.arch_or_reason(ctx.var(host, "multiarch_host"))
        if arch is None:
            out.append(finding(host, "arch_supported", "architecture not detected: %s" % why,
                               "run the multiarch.kolla.host_facts role on every host first (site.yml does)"))
        elif arch not in SUPPORTED_HOST_ARCHES:
            out.append(finding(host, "arch_supported", "architecture %s" % arch,
                               "kolla-ansible deployments here cover %s hosts only: take the host out of the inventory" % ", ".join(SUPPORTED_HOST_ARCHES)))
    return out


def image_source(ctx):
    try:
        sources = image_sources(ctx.option("image_sources"))
    except KollaMultiarchError as exc:  # the operator's entries, each named with its fix, next to the other checks' findings
        fix = "fix kolla_multiarch_image_sources (roles/kolla_multiarch/meta/argument_specs.yml)"
        return [from_message(None, "image_source", problem, fix) for problem in exc.problems]
    by_arch = {}
    for host, arch in host_arches(ctx).items():
        if arch in SUPPORTED_HOST_ARCHES and arch not in sources:
            by_arch.setdefault(arch, []).append(host)
    return [finding(hosts[0] if len(hosts) == 1 else "-", "image_source", "%s host(s) %s have no image source" % (arch, ", ".join(hosts)),
                    no_source_fix(arch, hosts, "arch_%s" % arch)) for arch, hosts in sorted(by_arch.items())]


def control_plane_arch(ctx):
    if ctx.option("manifest_lists", False):
        return []
    arches = host_arches(ctx)
    by_arch = {}
    for host in ctx.members(ctx.option("control_plane_groups", list(DEFAULT_CONTROL_PLANE_GROUPS))):
        if host in arches:
            by_arch.setdefault(arches[host], []).append(host)
    if len(by_arch) < 2:
        return []
    listing = "; ".join("%s (%s)" % (arch, ", ".join(hosts)) for arch, hosts in sorted(by_arch.items()))
    return [finding(None, "control_plane_arch", "the control plane spans %s" % listing,
                    "put the control-plane groups on one architecture (kolla-ansible's bootstrap tasks run once with one host's image "
                    "on another host), or set kolla_multiarch_manifest_lists: true if your registry serves manifest lists")]
