# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter multiarch_preflight: every preflight check over every host at once (docs in multiarch_preflight.yml)."""

import socket


def _resolve(name):
    """The addresses the controller's resolver gives ``name`` (empty when it does not resolve)."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None)})
    except (OSError, UnicodeError):
        return []


def multiarch_preflight(hosts, hostvars, groups=None, options=None, skip=None, *, resolve_names=True):
    """The findings and their table; ``resolve_names`` asks this controller's resolver for every hostname."""
    # imported when called, not with the file (plugin_utils/lazy_filter.py says why)
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.run import preflight  # noqa: PLC0415

    options = dict(options or {})
    if resolve_names:
        options.setdefault("resolve", _resolve)
    return preflight(hosts, hostvars, groups=groups, options=options, skip=skip)


class FilterModule:
    def filters(self):
        return {"multiarch_preflight": multiarch_preflight}
