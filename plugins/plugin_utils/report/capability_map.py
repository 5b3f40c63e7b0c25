# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capability map of every host: its rows and the three files playbook ``report.yml`` writes.

Controller side, pure. The output holds no time stamp, so a second run over the same
facts writes the same bytes and reports nothing changed.
"""

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources as collection_image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report import html, markdown
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import host_rows

# Version of the JSON file's layout (plugins/filter/multiarch_capability_map.yml); raised on an incompatible change.
JSON_VERSION = 1


class CapabilityMapError(AnsibleFilterError):
    """The filter's input is not what the map is made from; the message names the input and the fix."""


def _check_input(hostvars, hosts, unreachable=None):
    if not isinstance(hostvars, Mapping):
        raise CapabilityMapError("multiarch_capability_map: the input must be Ansible's hostvars (a mapping of host to variables), got %s"
                                 % type(hostvars).__name__)
    if isinstance(hosts, (str, bytes)) or not isinstance(hosts, (list, tuple)):
        raise CapabilityMapError(
            "multiarch_capability_map: hosts must be a list of inventory host names, got %r; fix: give a list, such as "
            "query('inventory_hostnames', 'all:!localhost') or groups['all']" % (hosts,)
        )
    bad = [host for host in hosts if not isinstance(host, str) or not host]
    if bad:
        raise CapabilityMapError("multiarch_capability_map: hosts must be inventory host names; not names: %r" % (bad,))
    if unreachable is not None and (isinstance(unreachable, (str, bytes)) or not isinstance(unreachable, (list, tuple))):
        raise CapabilityMapError("multiarch_capability_map: unreachable must be a list of inventory host names, got %r" % (unreachable,))


def to_json(rows):
    """The JSON file: ``{"version": 1, "hosts": rows}``, indented, keys in the rows' own order."""
    return json.dumps({"version": JSON_VERSION, "hosts": rows}, indent=2, ensure_ascii=False) + "\n"


def capability_map(hostvars, hosts, image_sources=None, unreachable=None):
    """The map of ``hosts``: ``{"rows": [...], "markdown": str, "json": str, "html": str}``.

    ``hostvars``: Ansible's ``hostvars`` (each host's facts); ``hosts``: the host names, in
    the order of the table; ``image_sources``: the operator's ``kolla_multiarch_image_sources``
    (merged over the arch table's defaults by ``kolla/images.py``, which refuses a bad one);
    ``unreachable``: the hosts that dropped out of this run (their rows say so).
    """
    _check_input(hostvars, hosts, unreachable)
    rows = host_rows(hostvars, hosts, collection_image_sources(image_sources), unreachable)
    return {"rows": rows, "markdown": markdown.document(rows), "json": to_json(rows), "html": html.page(rows)}
