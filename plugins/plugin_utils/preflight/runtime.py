# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: the container runtime - Docker's and kubelet's cgroup drivers can agree, containerd's CRI survives.

The decision is role container_runtime's own filter (plugins/plugin_utils/cgroup_driver.py), made
read-only here over what was read on the host (module container_runtime_info's answer, ``Context.runtime``)
with the role's variables, before any host changes.
"""

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.cgroup_driver import ENGINES, CgroupDriverError, cgroup_driver_decision
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding, from_message


def engine_installed(raw, engine="docker"):
    """Whether container_runtime_info's ``raw`` result shows ``engine`` installed and run by this host (runtime_facts' own rules).

    A Docker socket bind-mounted from another machine (``daemon_elsewhere``) is not this host's engine.
    """
    if not (runtime_facts.is_raw_runtime(raw) and engine in ENGINES):
        return False
    section = runtime_facts.parse_runtime(raw)[engine]
    return bool(section["installed"]) and not section.get("daemon_elsewhere")


def runtime_cgroup(ctx):
    out = []
    for host in ctx.hosts:
        raw = ctx.runtime(host)
        engine = ctx.var(host, "container_runtime_engine", "docker")
        if not engine_installed(raw, engine):
            continue  # not read on this host, or its engine is not installed (container_runtime does not run there)
        try:
            decision = cgroup_driver_decision(
                raw, ctx.var(host, "container_runtime_cgroup_driver"), host, engine=engine,
                settings=ctx.var(host, "container_runtime_docker_settings"),
                cri_kept=boolean(ctx.var(host, "container_runtime_containerd_cri_kept", False), strict=False))
        except CgroupDriverError as exc:
            out.append(from_message(host, "runtime_cgroup", exc, "the container_runtime role refuses the host until this is fixed"))
            continue
        out += [finding(host, "runtime_cgroup", warning, "check the file it names", severity="warning") for warning in decision["warnings"]]
    return out
