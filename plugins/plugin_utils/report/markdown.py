# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capability map as a Markdown document: a title, a summary line and one GitHub-flavoured table.

Controller side, pure. A cell is one line: a pipe is escaped as ``\\|`` (GFM spec 0.29,
"Tables": "include a pipe in a cell's content by escaping it") and line breaks become spaces,
so no value a host reports can break the table or add a row.
"""

import re

from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.cells import COLUMNS, cells, summary

TITLE = "Capability map"
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")


def cell(text):
    """``text`` made safe for one GFM table cell."""
    return _BREAKS.sub(" ", text).replace("\\", "\\\\").replace("|", "\\|").strip()


def _line(values):
    return "| %s |" % " | ".join(values)


def table(rows):
    """The Markdown table alone (header, delimiter row, one line per host)."""
    lines = [_line(heading for _key, heading in COLUMNS), _line("---" for _column in COLUMNS)]
    for row in rows:
        texts = cells(row)
        lines.append(_line(cell(texts[key]) for key, _heading in COLUMNS))
    return "\n".join(lines) + "\n"


def document(rows):
    """The whole Markdown file."""
    return "# %s\n\n%s\n\n%s" % (TITLE, summary(rows), table(rows))
