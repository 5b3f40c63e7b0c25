# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter canonical_arch: any architecture alias to its canonical name (docs in canonical_arch.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import UnknownArchError
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import canonical_arch as _canonical_arch


def canonical_arch(value):
    """Return the canonical architecture name for ``value``."""
    if value is None or isinstance(value, (dict, list, bool)):
        raise AnsibleFilterError(
            "canonical_arch: expected an architecture name such as 'x86_64' or 'arm64', got %r; pass a string (e.g. ansible_facts.architecture)" % (value,)
        )
    try:
        return _canonical_arch(value)
    except UnknownArchError as exc:
        raise AnsibleFilterError(
            "canonical_arch: %s. Fix: use one of those names, or add the spelling to the 'aliases' of its entry in plugins/module_utils/archtable.py" % exc
        ) from None


class FilterModule(object):
    def filters(self):
        return {"canonical_arch": canonical_arch}
