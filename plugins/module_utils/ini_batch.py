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

A file is split into lines as oslo.config reads it (Python's universal newlines:
``\\n``, ``\\r\\n``, ``\\r``), so a character that only some readers take for a line
break stays inside its line. Section names, option names and values that are
written are refused when any INI reader could read them differently from what
was meant (``value_problem``): every character ``str.splitlines`` breaks on
(``LINE_BREAKS``), and what oslo.config strips from a value (surrounding
whitespace, one pair of quotes; oslo_config/iniparser.py ``_split_key_value``).
"""

import re

# Every character some INI reader takes for the end of a line: str.splitlines' separators.
LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")


class IniEditError(ValueError):
    """An edit that cannot be applied (bad section or option name, value with a line break)."""


def line_break(text):
    """The first character of ``text`` that some INI reader takes for a line break, or None."""
    for char in text:
        if char in LINE_BREAKS:
            return char
    return None


def value_problem(value):
    """Why ``value`` cannot be written as one INI value that oslo.config reads back unchanged (None when it can)."""
    if not isinstance(value, str):
        return "%r is not a string" % (value,)
    mark = line_break(value)
    if mark is not None:
        return "%r has a line break (%r); an INI value is one line" % (value, mark)
    if value != value.strip():
        return "%r starts or ends with whitespace, which oslo.config strips" % (value,)
    if value and value[0] == value[-1] and value[0] in "\"'":
        return "%r is enclosed in quotes, which oslo.config removes" % (value,)
    return None


def _section_problem(section):
    if not isinstance(section, str) or not section or section != section.strip():
        return "section %r: give a non-empty section name without surrounding whitespace" % (section,)
    if "]" in section or line_break(section) is not None:
        return "section %r: give a section name without ']' or line breaks" % (section,)
    return None


def _option_problem(section, option):
    if not isinstance(option, str) or not option or re.search(r"[=:\s\[]", option) or option[0] in "#;" or line_break(option) is not None:
        return "option %r in [%s]: give an option name without '=', ':', spaces, line breaks or a comment sign" % (option, section)
    return None


def _check(edit):
    section, option = edit.get("section"), edit.get("option")
    why = _section_problem(section) or _option_problem(section, option)
    if why:
        raise IniEditError(why)
    for value in edit.get("values") or []:
        why = value_problem(value)
        if why:
            raise IniEditError("[%s] %s: the value %s" % (section, option, why))


def split_lines(text):
    """The lines of ``text`` as oslo.config reads them (universal newlines), without their ends."""
    if not text:
        return []
    lines = _NEWLINE.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


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


def _set(lines, spans, hits, section, wanted):
    if hits:
        # Replace in place, in order; drop extra occurrences; append the rest after the last one.
        for number, line in zip(hits, wanted):
            lines[number] = line
        for number in reversed(hits[len(wanted) :]):
            del lines[number]
        if len(wanted) > len(hits):
            at = hits[-1] + 1
            lines[at:at] = wanted[len(hits) :]
    elif spans:
        # After the section's last non-blank line.
        _name, start, end = spans[-1]
        at = end
        while at - 1 > start and not lines[at - 1].strip():
            at -= 1
        lines[at:at] = wanted
    else:
        lines.append("[%s]" % section)
        lines.extend(wanted)


def apply_edits(text, edits):
    """Apply ``edits`` (``{section, option, values: [..] or None for absent}``) to ``text``; returns the new text."""
    for edit in edits:
        _check(edit)
    lines = split_lines(text)
    for edit in edits:
        section, option, values = edit["section"], edit["option"], edit.get("values")
        match_option = re.compile(r"^\s*" + re.escape(option) + r"\s*[=:]")
        spans = [s for s in _sections(lines) if s[0] == section]
        hits = [n for _name, start, end in spans for n in range(start + 1, end) if match_option.match(lines[n])]
        if not values:  # None or []: the option goes
            for number in reversed(hits):
                del lines[number]
            continue
        _set(lines, spans, hits, section, ["%s = %s" % (option, v) for v in values])
    return "\n".join(lines) + "\n" if lines else ""
