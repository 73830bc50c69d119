"""A child's chronology printed by a real Chromium: no navigation, form or buttons on paper, a new page for each
year, who printed it at the foot; and its downloads from the page.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_chronology.py`` (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import csv
import io
import re

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
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # a page object of the PDF (not the /Pages tree)


def a_child_with_events_in_three_years(hub) -> str:
    from childhub.facts import prepare

    with hub.store.reader() as conn:
        prepare(conn, ["referral"])
        found = conn.execute(
            "SELECT child_key FROM fact_referral GROUP BY child_key "
            "HAVING count(DISTINCT year(referral_date)) >= 3 ORDER BY child_key LIMIT 1"
        ).fetchall()
    assert found, "the test authority has no child referred in three different years"
    return found[0][0]


def test_the_chronology_prints_a_page_a_year_without_the_navigation(signed_in_page, live_app):
    key = a_child_with_events_in_three_years(live_app.hub)
    page = signed_in_page("analyst")
    page.goto(f"/children/{key}")
    page.get_by_role("link", name=re.compile("chronology")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/children/{key}/chronology")
    years = page.locator("section.chronology-year").count()
    assert years >= 3
    assert page.get_by_role("navigation", name="Main").is_visible()  # on screen, the page reads as any other
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.get_by_role("button", name="Show").is_visible()
    assert not page.get_by_role("link", name="Download CSV").is_visible()
    assert page.get_by_text("Printed by Ann Analyst on").is_visible()
    screenshot(page, "chronology-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(PDF_PAGE.findall(pdf)) >= years  # each year starts a page


def test_the_chronology_downloads_from_its_page_with_the_choice_kept(signed_in_page, live_app, tmp_path):
    key = a_child_with_events_in_three_years(live_app.hub)
    page = signed_in_page("analyst")
    page.goto(f"/children/{key}/chronology")
    page.get_by_label("Children's social care").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "service=social_care" in page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "chronology.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == page.locator("section.chronology-year tbody tr").count() > 0
    assert {row["Source system"] for row in rows} == {"social_care"}
