# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host patterns of ``--limit`` as ansible-playbook applies them (filter multiarch_limit_patterns).

``ansible_limit`` is the text given to ``--limit``. ansible-core splits it into patterns and reads each ``@file``
element as a file of patterns, one a line (``InventoryManager.subset`` in lib/ansible/inventory/manager.py). The
``inventory_hostnames`` lookup does not: it warns "Could not match supplied host pattern" and matches nothing, so a
run limited by a retry file would take every host of the run for a host left out. This gives the patterns the
lookup can match.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.inventory.manager import split_host_pattern


def limit_patterns(limit):
    """``limit`` (``ansible_limit``) as a list of host patterns, each ``@file`` replaced by the file's lines."""
    if not isinstance(limit, str):
        raise AnsibleFilterError("multiarch_limit_patterns: expected ansible_limit, a string; got %r" % (limit,))
    patterns = []
    for pattern in split_host_pattern(limit):
        if not pattern.startswith("@"):
            patterns.append(pattern)
            continue
        try:
            with open(pattern[1:], encoding="utf-8") as handle:
                patterns.extend(line.strip() for line in handle.read().split("\n") if line.strip())
        except (OSError, UnicodeDecodeError) as exc:
            raise AnsibleFilterError("multiarch_limit_patterns: cannot read the limit file %s (%s); fix: give --limit an "
                                     "existing file of host patterns, one a line" % (pattern[1:], exc)) from exc
    return patterns
