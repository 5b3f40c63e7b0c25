# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capability map as one self-contained HTML page: sortable by column, filterable by arch.

Controller side, pure. Everything is inline (CSS, script); the page's Content-Security-Policy
(``default-src 'none'``) forbids loading anything else, so it opens the same offline, from a
file, as on a web server. Every value is escaped with ``html.escape`` (quotes too); the rows are
HTML, not data for the script, so no host value ever reaches JavaScript as code.

The script sorts the rows by the text of the clicked column (again: the other way; ``-``,
unknown, always last) and shows only the rows of the arch chosen in the filter.
"""

import html
from string import Template

from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.cells import COLUMNS, MISSING, cells, summary
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.markdown import TITLE

# The filter's value for hosts without multiarch_host (their arch cell is MISSING).
NOT_DETECTED_LABEL = "not detected"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
.controls { margin: .75rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border: 1px solid #c9d1d9; padding: .3rem .45rem; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
td:nth-child(-n+2) { white-space: nowrap; }
thead th { background: #f1f4f7; position: sticky; top: 0; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid #0969da; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
tbody tr:nth-child(even) { background: #f8fafc; }
tr.not-detected td { color: #9a3412; }
"""

# No dollar sign in here: the page is filled in with string.Template.
_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("capability-map");
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  var filter = document.getElementById("arch-filter");
  var shown = document.getElementById("shown");
  var MISSING = table.getAttribute("data-missing");

  function applyFilter() {
    var arch = filter.value;
    var count = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var keep = arch === "" || row.getAttribute("data-arch") === arch;
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    shown.textContent = String(count);
  }

  function compare(a, b, ascending) {
    if (a === b) { return 0; }
    if (a === MISSING) { return 1; }
    if (b === MISSING) { return -1; }
    var order = a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
    return ascending ? order : -order;
  }

  function sortBy(index) {
    var ascending = headers[index].getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(headers, function (th) { th.setAttribute("aria-sort", "none"); });
    headers[index].setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      return compare(x.cells[index].textContent, y.cells[index].textContent, ascending);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(headers, function (th, index) {
    th.querySelector("button").addEventListener("click", function () { sortBy(index); });
  });
  filter.addEventListener("change", applyFilter);
  applyFilter();
}());
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$style</style>
</head>
<body>
<h1>$title</h1>
<p id="summary">$summary</p>
<p class="controls">
<label for="arch-filter">Arch</label>
<select id="arch-filter">
$options
</select>
<span id="shown">$count</span> of $count hosts shown; click a heading to sort.
</p>
<table id="capability-map" data-missing="$missing">
<thead>
<tr>$headings</tr>
</thead>
<tbody>
$rows
</tbody>
</table>
<script>$script</script>
</body>
</html>
""")


def _e(text):
    return html.escape(text, quote=True)


def _arch_value(row):
    return row["arch"] if row["detected"] else NOT_DETECTED_LABEL


def _options(rows):
    detected = sorted({row["arch"] for row in rows if row["detected"]})
    values = detected + ([NOT_DETECTED_LABEL] if any(not row["detected"] for row in rows) else [])
    lines = ['<option value="">all</option>']
    lines.extend('<option value="%s">%s</option>' % (_e(value), _e(value)) for value in values)
    return "\n".join(lines)


def _row(row):
    texts = cells(row)
    tds = "".join("<td>%s</td>" % _e(texts[key]) for key, _heading in COLUMNS)
    css = "" if row["detected"] else ' class="not-detected"'
    return '<tr data-host="%s" data-arch="%s"%s>%s</tr>' % (_e(row["host"]), _e(_arch_value(row)), css, tds)


def page(rows):
    """The whole HTML page of ``rows`` (see rows.py)."""
    headings = "".join(
        '<th scope="col" data-key="%s" aria-sort="none"><button type="button">%s</button></th>' % (_e(key), _e(heading)) for key, heading in COLUMNS
    )
    return _PAGE.substitute(
        title=_e(TITLE),
        style=_STYLE,
        summary=_e(summary(rows)),
        options=_options(rows),
        count=len(rows),
        missing=_e(MISSING),
        headings=headings,
        rows="\n".join(_row(row) for row in rows),
        script=_SCRIPT,
    )
