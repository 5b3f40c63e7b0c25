"""plugin_utils/report/markdown.py: the Markdown document, read back with a real CommonMark + GFM-table parser (markdown-it-py)."""

from __future__ import annotations

import re

import pytest
from conftest import require_import
from kollatestlib import fact
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.cells import COLUMNS, cells
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.markdown import TITLE, cell, document, table
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import host_rows


def parsed_table(text):
    """``(headings, [[cell text, ...], ...])`` of the one table in ``text``, as markdown-it-py reads it."""
    markdown_it = require_import("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    assert [t.type for t in tokens].count("table_open") == 1
    rows, current, section = {"thead": [], "tbody": []}, None, None
    for token in tokens:
        if token.type in ("thead_open", "tbody_open"):
            section = token.type[:-5]
        elif token.type == "tr_open":
            current = []
            rows[section].append(current)
        elif token.type == "inline" and current is not None:
            current.append("".join(child.content for child in token.children or []))
        elif token.type == "tr_close":
            current = None
    assert len(rows["thead"]) == 1
    return rows["thead"][0], rows["tbody"]


@pytest.fixture
def rows(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    return host_rows(hostvars, hosts, image_sources(PPC_REGISTRY))


def test_the_parser_reads_one_row_per_host_with_every_cell(rows):
    headings, body = parsed_table(table(rows))
    assert headings == [heading for _key, heading in COLUMNS]
    assert [line[0] for line in body] == HOSTS
    for row, line in zip(rows, body):
        assert line == [cells(row)[key] for key, _heading in COLUMNS]


def test_the_document_is_a_title_a_summary_and_the_table(rows):
    text = document(rows)
    assert text.startswith("# %s\n\n5 hosts: 1 aarch64, 1 ppc64le, 2 x86_64, 1 not detected.\n\n| Host |" % TITLE)
    assert text.endswith(" |\n") and text.endswith(table(rows))
    assert document(rows) == text  # the same facts give the same bytes


@pytest.mark.parametrize("model", [
    "EPYC | 7451",
    "line one\nline two\r\n| injected | row |",
    "back\\slash | \\| pipe",
    "<script>alert(1)</script>",
    "tab\tand\u2028separator",
])
def test_no_value_can_break_the_table_or_add_a_row(model):
    detected = fact("x86_64")
    detected["cpu"]["vendor"], detected["cpu"]["model"] = "AuthenticAMD", model
    rows = host_rows({"h1": {"multiarch_host": detected}, "h2": {"multiarch_host": fact("aarch64")}}, ["h1", "h2"], image_sources())
    headings, body = parsed_table(document(rows))
    assert len(body) == 2 and all(len(line) == len(headings) for line in body)
    cpu = body[0][[key for key, _heading in COLUMNS].index("cpu")]
    assert cpu == re.sub(r"[\r\n\u2028]+", " ", "AuthenticAMD %s (8 CPUs)" % model)  # the value, on one line


def test_cell_escapes_pipes_and_backslashes_and_joins_lines():
    assert cell("a|b") == "a\\|b"
    assert cell("a\\b") == "a\\\\b"
    assert cell(" one\ntwo\r\nthree ") == "one two three"
