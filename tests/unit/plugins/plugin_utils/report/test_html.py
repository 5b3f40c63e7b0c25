"""plugin_utils/report/html.py: the page, read back with Python's HTML parser (the browser test is test_html_browser.py)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from kollatestlib import fact
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.cells import COLUMNS, cells
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.html import NOT_DETECTED_LABEL, page
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import host_rows


class Page(HTMLParser):
    """Every element (tag, attributes), the body rows' cell texts and the filter's options."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.rows, self.options, self.scripts = [], [], [], []
        self._cell = self._script = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "tr" and "data-host" in attrs:
            self.rows.append({"attrs": attrs, "cells": []})
        elif tag == "td":
            self._cell = []
        elif tag == "option":
            self.options.append(attrs["value"])
        elif tag == "script":
            self._script = []

    def handle_endtag(self, tag):
        if tag == "td":
            self.rows[-1]["cells"].append("".join(self._cell))
            self._cell = None
        elif tag == "script":
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        for part in (self._cell, self._script):
            if part is not None:
                part.append(data)


@pytest.fixture
def rows(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    return host_rows(hostvars, hosts, image_sources(PPC_REGISTRY))


def test_one_table_row_per_host_with_the_cells_of_the_markdown(rows):
    parsed = Page(page(rows))
    assert [row["attrs"]["data-host"] for row in parsed.rows] == HOSTS
    assert [row["attrs"]["data-arch"] for row in parsed.rows] == ["x86_64", "x86_64", "aarch64", "ppc64le", NOT_DETECTED_LABEL]
    for row, shown in zip(rows, parsed.rows):
        assert shown["cells"] == [cells(row)[key] for key, _heading in COLUMNS]
    headings = [attrs["data-key"] for tag, attrs in parsed.elements if tag == "th"]
    assert headings == [key for key, _heading in COLUMNS]


def test_the_arch_filter_offers_each_arch_once_and_the_undetected(rows):
    assert Page(page(rows)).options == ["", "aarch64", "ppc64le", "x86_64", NOT_DETECTED_LABEL]
    assert Page(page(rows[:1])).options == ["", "x86_64"]


def test_the_page_loads_nothing_from_anywhere(rows):
    text = page(rows)
    parsed = Page(text)
    assert not [attrs for _tag, attrs in parsed.elements if {"src", "href"} & set(attrs)]
    assert not [tag for tag, _attrs in parsed.elements if tag in ("link", "img", "iframe", "object", "embed", "base")]
    csp = next(attrs["content"] for tag, attrs in parsed.elements if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    assert csp.startswith("default-src 'none';")
    head = text[: text.index("<tbody>")] + text[text.index("</tbody>") :]  # everything but the hosts' own text
    assert "://" not in head and "url(" not in head and "@import" not in head and "fetch(" not in head


def test_values_are_text_never_markup(rows):
    detected = fact("x86_64")
    detected["cpu"]["model"] = '</td></tr><script>alert("x")</script><tr data-host="evil">'
    hostvars = {"h1": {"multiarch_host": detected}, 'h"2<': {"multiarch_host": fact("aarch64")}}
    parsed = Page(page(host_rows(hostvars, ["h1", 'h"2<'], image_sources())))
    assert [row["attrs"]["data-host"] for row in parsed.rows] == ["h1", 'h"2<']
    assert len(parsed.scripts) == 1  # the page's own
    assert parsed.rows[0]["cells"][2] == '</td></tr><script>alert("x")</script><tr data-host="evil"> (8 CPUs)'


def test_the_same_rows_give_the_same_page(rows):
    assert page(rows) == page([dict(row) for row in rows])
    assert "$" not in Page(page(rows)).scripts[0]  # the page is filled in with string.Template
