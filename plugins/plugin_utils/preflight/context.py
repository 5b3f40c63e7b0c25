# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every preflight check reads: the hosts, their variables and the run's options, and how a finding looks.

Controller side, pure. A check is a function ``check(ctx)`` returning findings; it reads only
facts already gathered (``ctx.var(host, name)``) and ``ctx.options``, never a host.
"""

from collections.abc import Mapping

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.decisions import get

SEVERITIES = ("error", "warning")
# The run options that are kolla-ansible's own variables: the play passes the inventory's value, and the deploy host's
# globals.yml (the option ``globals``) beats it, as kolla-ansible's ``-e @globals.yml`` does (Context.option).
KOLLA_OPTIONS = (
    "kolla_internal_vip_address", "kolla_external_vip_address", "network_interface", "api_interface", "enable_nova_libvirt_container",
    "kolla_base_distro", "kolla_enable_tls_internal", "kolla_enable_tls_external", "network_address_family", "api_address_family",
)


def _first_set(values, default):
    """The first of ``values`` that is neither None nor empty, else ``default``."""
    for value in values:
        if value not in (None, ""):
            return value
    return default


def finding(host, check, found, fix, severity="error"):
    """One row of the preflight table: the host (or ``-`` for the cloud), the check's name, what was found, what to do."""
    if severity not in SEVERITIES:
        raise ValueError("severity %r: one of %s" % (severity, ", ".join(SEVERITIES)))
    return {"host": host or "-", "check": check, "found": found, "fix": fix, "severity": severity}


def from_message(host, check, message, fix, severity="error"):
    """A finding from a decision's message: its own ``fix: ...`` part (or ``Fix: ...``) becomes the fix column, else ``fix``."""
    text = str(message)
    for mark in ("; fix: ", ". Fix: ", "; Fix: ", " fix: "):
        if mark in text:
            found, own = text.split(mark, 1)
            return finding(host, check, found, own, severity)
    return finding(host, check, text, fix, severity)


class Context:
    """``hosts`` (the play's hosts, in order), ``hostvars`` (Ansible's works), ``groups`` and ``options``."""

    def __init__(self, hosts, hostvars, groups=None, options=None):
        self.hosts = list(hosts or [])
        self.hostvars = {} if hostvars is None else hostvars
        self.groups = dict(groups or {})
        self.options = dict(options or {})

    def var(self, host, name, default=None):
        """A variable or fact of ``host``; ``default`` when absent or None."""
        return get(get(self.hostvars, host, {}), name, default)

    def runtime(self, host):
        """What container_runtime_info read on ``host``: this run's detect call (``multiarch_host_read.runtime``, role
        host_facts) or, when it did not read it, the preflight's own call (``_preflight_runtime_info``); None when neither."""
        read = get(self.var(host, "multiarch_host_read", {}), "runtime")
        return read if read is not None else get(self.var(host, "_preflight_runtime_info", {}), "runtime")

    def pci(self, host):
        """What pci_passthrough_info read on ``host`` during the preflight (``_preflight_pci_info``); None when it did not run."""
        return get(self.var(host, "_preflight_pci_info", {}), "pci")

    def option(self, name, default=None):
        """A run option, ``default`` when absent or None; for kolla-ansible's variables (KOLLA_OPTIONS) globals.yml's value
        first, then the inventory's value the play passed."""
        if name in KOLLA_OPTIONS:
            return _first_set((self.kolla_globals().get(name), self.options.get(name)), default)
        value = self.options.get(name)
        return default if value is None else value

    def kolla_globals(self):
        """The deploy host's globals.yml (the option ``globals``), ``{}`` when absent or not a mapping."""
        value = self.options.get("globals")
        return value if isinstance(value, Mapping) else {}

    def kolla_var(self, host, name, default=None):
        """A kolla-ansible variable as kolla-ansible sees it on ``host``: globals.yml's value, else the host's, else the
        run's option, else ``default``. kolla-ansible passes globals.yml as extra-vars (kolla-ansible 23.0.0,
        kolla_ansible/cli: ``-e @globals.yml``), which beat every inventory variable."""
        return _first_set((self.kolla_globals().get(name), self.var(host, name), self.options.get(name)), default)

    def members(self, group_names):
        """The play's hosts in any of ``group_names``, in play order."""
        wanted = {h for g in group_names for h in self.groups.get(g) or []}
        return [h for h in self.hosts if h in wanted]
