# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: no host libvirt daemon runs next to kolla's ``nova_libvirt`` container.

kolla-ansible runs libvirt in its ``nova_libvirt`` container on compute hosts unless a host sets
``enable_nova_libvirt_container: false`` (kolla-ansible 23.0.0, ansible/group_vars/all/nova.yml). A
libvirtd or virtqemud on the host itself fights that container for /run/libvirt and the guests.
kolla-ansible's own precheck (ansible/roles/nova-cell/tasks/precheck.yml, "Checking that host libvirt
is not running") fails only when /var/run/libvirt/libvirt-sock exists and no ``nova_libvirt`` container
does, and stops at the first host; kolla mounts /run into the container, so once the container exists
the socket alone cannot tell the two apart. This check reads what container_runtime_info found on each
host (the ``libvirt`` section of ``Context.runtime``): the daemons, each with
whether it runs in the module's own mount namespace (the host's) or another one (a container), the
sockets, the enabled units and Docker's container names.

The other way round, a host that sets ``enable_nova_libvirt_container: false`` and still has a ``nova_libvirt``
container (from an earlier deploy) is refused too: kolla-ansible's precheck stops there ("Checking that nova_libvirt
container is not running", same file), and its ``nova-libvirt-cleanup`` command removes the container
(ansible/roles/nova-cell/tasks/libvirt-cleanup.yml, which refuses while guests run in it).
"""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.virt import compute_hosts, libvirt_in_container

CHECK = "host_libvirt"
CONTAINER = "nova_libvirt"
PRECHECK = ("kolla-ansible's precheck fails on it (\"Checking that host libvirt is not running\", kolla-ansible 23.0.0 "
            "ansible/roles/nova-cell/tasks/precheck.yml)")
KEEP_HOST_LIBVIRT = "or set enable_nova_libvirt_container: false on the host to keep host libvirt (kolla then deploys no nova_libvirt there)"
# The units each daemon comes with on Debian, Ubuntu and EL (libvirt src/remote/libvirtd.service.in and its sockets).
DAEMON_UNITS = ("%s.service", "%s.socket", "%s-ro.socket", "%s-admin.socket")


def _section(ctx, host):
    raw = ctx.runtime(host)
    section = raw.get("libvirt") if isinstance(raw, dict) else None
    return section if isinstance(section, dict) else None


def _names(daemons):
    """``libvirtd (pid 812) runs`` / ``libvirtd (pid 812), virtqemud (pid 4100) run``."""
    return "%s %s" % (", ".join("%s (pid %s)" % (d.get("name"), d.get("pid")) for d in daemons), "runs" if len(daemons) == 1 else "run")


def _disable(daemon_names, enabled):
    """``systemctl disable --now ...`` over the units of ``daemon_names`` and the ``enabled`` ones."""
    units = set(enabled)
    for name in daemon_names:
        units.update(pattern % name for pattern in DAEMON_UNITS)
    return "systemctl disable --now %s" % " ".join(sorted(units))


def _on_host(host, daemons, enabled):
    found = "%s on the host itself, next to kolla's nova_libvirt container: both want /run/libvirt and the guests" % _names(daemons)
    if enabled:
        found += "; enabled at boot: %s" % ", ".join(enabled)
    fix = "stop and disable host libvirt (%s), %s" % (_disable(sorted({d.get("name") for d in daemons}), enabled), KEEP_HOST_LIBVIRT)
    return finding(host, CHECK, found, fix)


def _unknown(host, daemons):
    found = "%s, but whether on the host or in a container could not be told (its /proc/<pid>/ns/mnt could not be read)" % _names(daemons)
    return finding(host, CHECK, found, "run the preflight with become (another user's mount namespace is read as root)", severity="warning")


def _stale_socket(host, section, daemons, enabled):
    socket = section["sockets"][0]
    found = "%s exists and no nova_libvirt container does: %s" % (socket, PRECHECK)
    elsewhere = [d for d in daemons or [] if d.get("host_namespace") is False]
    if elsewhere:
        found += "; in another container, %s" % _names(elsewhere)
    elif daemons == []:
        found += "; no libvirt daemon runs: host libvirt left it, or a socket unit holds it"
    if enabled:
        found += "; enabled at boot: %s" % ", ".join(enabled)
    fix = "disable host libvirt (%s) and remove what is left (rm -f %s), %s" % (
        _disable([] if enabled else ["libvirtd"], enabled), socket, KEEP_HOST_LIBVIRT)
    return finding(host, CHECK, found, fix)


def _enabled_only(host, enabled):
    found = "host libvirt units are enabled (%s): nothing runs now, but they start host libvirt at the next boot" % ", ".join(enabled)
    fix = "%s (or systemctl mask them), %s" % (_disable([], enabled), KEEP_HOST_LIBVIRT)
    return finding(host, CHECK, found, fix, severity="warning")


def host_findings(host, section):
    """The findings for one host whose nova libvirt runs in kolla's container, from its raw ``libvirt`` section."""
    daemons = section.get("daemons")
    masked = set(section.get("units_masked") or [])
    enabled = [unit for unit in section.get("units_enabled") or [] if unit not in masked]
    on_host = [d for d in daemons or [] if d.get("host_namespace") is True]
    if on_host:
        return [_on_host(host, on_host, enabled)]
    unknown = [d for d in daemons or [] if d.get("host_namespace") is None]
    out = [_unknown(host, unknown)] if unknown else []
    containers = section.get("containers")
    if section.get("sockets") and isinstance(containers, list) and CONTAINER not in containers:
        out.append(_stale_socket(host, section, daemons, enabled))
    elif enabled:
        out.append(_enabled_only(host, enabled))
    return out


def _container_left(host, section):
    """A host that keeps host libvirt (enable_nova_libvirt_container: false) and still has a nova_libvirt container."""
    if CONTAINER not in (section.get("containers") or []):
        return []
    found = ("a nova_libvirt container exists although enable_nova_libvirt_container is false here: it and host libvirt both "
             "want /run/libvirt and the guests, and kolla-ansible's precheck stops on it")
    fix = ("migrate its guests to host libvirt, then run 'kolla-ansible nova-libvirt-cleanup --limit %s' (it removes the "
           "container and refuses while guests run), or set enable_nova_libvirt_container: true to keep it" % host)
    return [finding(host, CHECK, found, fix)]


def host_libvirt(ctx):
    out = []
    for host in compute_hosts(ctx):
        section = _section(ctx, host)
        if section is None:
            continue  # not read on this host (skipped, or facts of an older collection)
        if libvirt_in_container(ctx, host):
            out += host_findings(host, section)
        else:  # enable_nova_libvirt_container: false - host libvirt is nova's libvirt there
            out += _container_left(host, section)
    return out
