# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain data from what a filter receives: ansible-core hands filters its own tagged types.

PyYAML's safe dumper represents only the exact built-in types, so every value a
filter turns into YAML text, or returns for a fact, goes through ``plain`` first.
"""

from ansible.module_utils.common.text.converters import to_text


def plain(value):
    """A copy of ``value`` made of plain dict, list, str, int, float, bool and None (no templating wrappers)."""
    if isinstance(value, dict):
        return {str(to_text(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return bool(value) if value is not None else None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(to_text(value))  # str() drops str subclasses (templating wrappers)
