"""Practice quality in a real browser: a councillor (scrutiny) reads the audits and the children's surveys with small
numbers suppressed and no child anywhere; a manager reads the same page with the children audited in their teams,
opens one and downloads the list.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_practice.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` the page as a manager sees it is saved to docs/screenshots/practice_quality.png.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlparse

import pytest

import browser_support
from browser_support import screenshot, sign_in_through_form

live_app, chromium, browse = browser_support.live_app, browser_support.chromium, browser_support.browse

pytestmark = pytest.mark.browser


def _open_practice_quality(page, role: str) -> None:
    page.goto("/login")
    sign_in_through_form(page, role)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice quality", exact=True).click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == "/practice-quality"
    assert page.get_by_role("heading", level=1).first.inner_text().strip() == "Practice quality"


def test_a_councillor_reads_the_audits_and_surveys_with_small_numbers_suppressed(browse, live_app):
    page = browse()
    _open_practice_quality(page, "scrutiny")
    main = page.get_by_role("main")
    text = main.inner_text()
    assert "Counts from 1 to 4 are suppressed ([c])" in text
    assert main.get_by_role("heading", name="Case file audits", exact=True).is_visible()
    assert main.get_by_role("heading", name="The voice of children", exact=True).is_visible()
    page.wait_for_selector('[data-chart="audits-by-month"] svg')  # the chart is drawn, its table beside it
    main.get_by_text("Show the figures as a table").click()
    cells = main.locator(".chart__table td").all_inner_texts()
    assert cells and not [c for c in cells if c.strip() in ("1", "2", "3", "4")]
    assert main.locator('a[href^="/children/"]').count() == 0 and "Download CSV" not in text
    assert page.get_by_label("Months").count() == 0  # the window is fixed at 12 months under the threshold


def test_a_manager_opens_an_audited_child_in_their_team_and_downloads_the_list(browse, live_app, tmp_path):
    page = browse()
    _open_practice_quality(page, "manager")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="The children whose files were audited").is_visible()
    links = main.locator('#audited-children ~ .table-wrap a[href^="/children/"]')
    assert links.count() > 0, "the manager's team holds a child whose file was audited"
    screenshot(page, "practice_quality")
    with page.expect_download() as download:
        main.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "audits.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert len(rows) >= links.count() and {"Name", "Overall grade", "Themes"} <= set(rows[0])
    href = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == href
    assert page.get_by_role("heading", level=1).first.is_visible()  # the child's page opens: in the manager's scope
