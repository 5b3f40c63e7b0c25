# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Line-preserving INI edits (oslo.config style files), many options per pass.

Each edit sets or removes one option of one section and touches no other line:
comments, blank lines, other options and their order stay. A single value
replaces every occurrence of the option in the section with one line; a list of
values (oslo.config multi-valued options such as nova's ``[pci] device_spec``)
becomes one line per value. Lines are written ``option = value``. Commented-out
options (``# option = ...``) are left alone.
"""

import re

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


class IniEditError(ValueError):
    """An edit that cannot be applied (bad section or option name, value with a newline)."""


def _option_re(option):
    return re.compile(r"^\s*" + re.escape(option) + r"\s*[=:]")


def _check(edit):
    section, option = edit.get("section"), edit.get("option")
    if not section or "]" in section or "\n" in section:
        raise IniEditError("section %r: give a section name without ']' or newlines" % (section,))
    if not option or re.search(r"[=:\s\[]", option) or option[0] in "#;":
        raise IniEditError("option %r in [%s]: give an option name without '=', ':', spaces or a comment sign" % (option, section))
    for value in edit.get("values") or []:
        if "\n" in value or "\r" in value:
            raise IniEditError("[%s] %s: the value %r has a newline; an INI value is one line" % (section, option, value))


def _sections(lines):
    """(name, start, end) of each section: start is the header line, end the index after its last line."""
    found = []
    for number, line in enumerate(lines):
        match = _SECTION.match(line)
        if match:
            if found:
                found[-1][2] = number
            found.append([match.group(1).strip(), number, len(lines)])
    return found


def apply_edits(text, edits):
    """Apply ``edits`` (``{section, option, values: [..] or None for absent}``) to ``text``; returns the new text."""
    lines = text.splitlines() if text else []
    for edit in edits:
        _check(edit)
        section, option, values = edit["section"], edit["option"], edit.get("values")
        match_option = _option_re(option)
        spans = [s for s in _sections(lines) if s[0] == section]
        hits = [n for _name, start, end in spans for n in range(start + 1, end) if match_option.match(lines[n])]
        if not values:  # None or []: the option goes
            for number in reversed(hits):
                del lines[number]
            continue
        wanted = ["%s = %s" % (option, v) for v in values]
        if hits:
            # Replace in place, in order; drop extra occurrences; append the rest after the last one.
            for number, line in zip(hits, wanted):
                lines[number] = line
            for number in reversed(hits[len(wanted) :]):
                del lines[number]
            if len(wanted) > len(hits):
                at = hits[-1] + 1
                lines[at:at] = wanted[len(hits) :]
            continue
        if spans:
            # After the section's last non-blank line.
            _name, start, end = spans[-1]
            at = end
            while at - 1 > start and not lines[at - 1].strip():
                at -= 1
            lines[at:at] = wanted
            continue
        lines.append("[%s]" % section)
        lines.extend(wanted)
    return "\n".join(lines) + "\n" if lines else ""
