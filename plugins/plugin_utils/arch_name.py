# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Architecture names as an operator writes them (dpkg's, the kernel's, Go's) to the canonical one.

The table itself is plugins/module_utils/archtable.py (it runs on hosts too); this
layer turns its errors into a filter error that names the value and the fix.
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import UnknownArchError
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import canonical_arch as _table_name


class ArchNameError(AnsibleFilterError):
    """A value that is not an architecture name the table knows."""


def canonical_arch(value):
    """The canonical architecture name for ``value`` (``amd64`` -> ``x86_64``, ``arm64`` -> ``aarch64``)."""
    if value is None or isinstance(value, (dict, list, bool)):
        raise ArchNameError(
            "canonical_arch: expected an architecture name such as 'x86_64' or 'arm64', got %r; pass a string (e.g. ansible_facts.architecture)" % (value,)
        )
    try:
        return _table_name(value)
    except UnknownArchError as exc:
        raise ArchNameError(
            "canonical_arch: %s. Fix: use one of those names, or add the spelling to the 'aliases' of its entry in plugins/module_utils/archtable.py" % exc
        ) from None
