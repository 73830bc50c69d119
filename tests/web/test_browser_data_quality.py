"""The data-quality page in a real browser: the totals and the trend drawn, a rule's findings opened from the
table, the filter keeping its value, a finding opened on its child, and a fix list downloaded.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_data_quality.py``; with
``CHILDHUB_SCREENSHOTS=1`` the page is saved to docs/screenshots/data-quality.png. Read-only: nothing is
accepted here (``test_web_data_quality.py`` accepts on a copy of the hub).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

import browser_support
from browser_support import screenshot

live_app, chromium, browse, signed_in_page = (
    browser_support.live_app,
    browser_support.chromium,
    browser_support.browse,
    browser_support.signed_in_page,
)

pytestmark = pytest.mark.browser


def test_an_analyst_follows_a_rule_to_its_findings_a_child_and_the_fix_list(signed_in_page, tmp_path):
    page = signed_in_page("analyst")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data quality").click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/data-quality"
    assert page.get_by_role("heading", name="Data quality", level=1).is_visible()
    assert page.locator("#totals").get_by_text("Open errors").is_visible()
    assert page.locator('[data-chart="dq-trend"] svg').count() > 0  # the trend drawn by Plotly
    screenshot(page, "data-quality")

    by_rule = page.locator("#by_rule + .table-wrap table")
    first_rule = by_rule.locator("tbody tr").first.get_by_role("link").first
    name = first_rule.inner_text().strip()
    errors, queries = (int(cell.replace(",", "")) for cell in by_rule.locator("tbody tr").first.locator(
        "td.number").all_inner_texts()[:2])  # fmt: skip
    first_rule.click()
    page.wait_for_load_state()
    asked = parse_qs(urlparse(page.url).query)["rule"][0]
    assert asked.split(" ", 1)[1] == name.rsplit(" ", 1)[1]
    assert page.locator("#f-rule").input_value() == asked  # the filter keeps its value
    count = page.locator("#findings-count").inner_text()
    assert f"{errors + queries:,} open finding" in count

    row = page.locator("#findings ~ .table-wrap tbody tr").first
    record = row.locator("td").nth(2).inner_text()
    assert ", record " in record and "_" not in record.split(",")[0]  # the system in words
    child = row.locator('a[href^="/children/"]')
    if child.count():
        child.first.click()
        page.wait_for_load_state()
        assert page.url.split("/children/")[1].startswith(("C", "social_care"))
        box = page.locator("#findings ~ .table-wrap")
        assert box.get_by_text(name.rsplit(" ", 1)[1], exact=False).first.is_visible()
        page.go_back()
        page.wait_for_load_state()

    with page.expect_download() as download:
        page.locator("#findings-count").get_by_role("link", name="CSV").click()
    path = tmp_path / "fix-list.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == errors + queries and {r["rule"] for r in rows} == {asked.split(" ", 1)[1]}
