"""plugin_utils/report/html.py in a real headless browser: Playwright driving Debian's chromium over the page as a file.

Needs ``playwright`` (PyPI, no browser download) and the Debian package ``chromium``; without them
the test fails under CI=true and is skipped elsewhere. The screenshot is left in tests/output/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, require_import, unavailable
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.capability_map import capability_map

CHROMIUM = Path(os.environ.get("MULTIARCH_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = REPO / "tests" / "output" / "capability-map.png"


@pytest.fixture
def browser_page(tmp_path):
    sync_api = require_import("playwright.sync_api")
    if not CHROMIUM.exists():
        unavailable("chromium is not installed at %s (Debian package chromium)" % CHROMIUM)
    hostvars, hosts = fleet(tmp_path)
    path = tmp_path / "capability-map.html"
    path.write_text(capability_map(hostvars, hosts, PPC_REGISTRY)["html"], encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.requests, page.problems = [], []
            page.on("request", lambda request: page.requests.append(request.url))
            page.on("pageerror", lambda error: page.problems.append(str(error)))
            page.on("console", lambda message: page.problems.append(message.text) if message.type in ("error", "warning") else None)
            page.goto(path.as_uri())
            yield page, path
        finally:
            browser.close()


def visible_hosts(page):
    return page.locator("#capability-map tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.host)")


def all_hosts(page):
    return page.locator("#capability-map tbody tr").evaluate_all("rows => rows.map(r => r.dataset.host)")


def test_the_page_in_chromium_counts_filters_and_sorts(browser_page):
    page, path = browser_page
    assert page.title() == "Capability map"
    assert visible_hosts(page) == HOSTS and page.text_content("#shown") == "5"

    page.select_option("#arch-filter", "x86_64")
    assert visible_hosts(page) == ["cx1", "cx2"] and page.text_content("#shown") == "2"
    page.select_option("#arch-filter", "not detected")
    assert visible_hosts(page) == ["new1"]
    page.select_option("#arch-filter", "aarch64")
    assert visible_hosts(page) == ["ca1"] and page.text_content("#shown") == "1"

    # Sorting keeps the filter, and the rows it hid stay hidden.
    page.click("th[data-key=host] button")
    assert visible_hosts(page) == ["ca1"]
    assert all_hosts(page) == sorted(HOSTS)
    assert page.get_attribute("th[data-key=host]", "aria-sort") == "ascending"
    page.select_option("#arch-filter", "")
    page.click("th[data-key=host] button")
    assert visible_hosts(page) == sorted(HOSTS, reverse=True)
    assert page.get_attribute("th[data-key=host]", "aria-sort") == "descending"

    # By arch: hosts with no value ("-", not detected) come last whichever way.
    page.click("th[data-key=arch] button")
    assert visible_hosts(page) == ["ca1", "cp1", "cx2", "cx1", "new1"]
    assert page.get_attribute("th[data-key=host]", "aria-sort") == "none"
    page.click("th[data-key=arch] button")
    assert visible_hosts(page) == ["cx2", "cx1", "cp1", "ca1", "new1"]  # a stable sort: equal arches keep the host order (descending)

    assert page.requests == [path.as_uri()]  # nothing but the page itself: no network resources
    assert page.problems == []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.select_option("#arch-filter", "")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10000
