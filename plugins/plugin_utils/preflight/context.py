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

    def option(self, name, default=None):
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
        for value in (self.kolla_globals().get(name), self.var(host, name), self.options.get(name)):
            if value not in (None, ""):
                return value
        return default

    def members(self, group_names):
        """The play's hosts in any of ``group_names``, in play order."""
        wanted = {h for g in group_names for h in self.groups.get(g) or []}
        return [h for h in self.hosts if h in wanted]
