"""The scrutiny pack in a real browser: a councillor opens it from the navigation, reads a judgement area, prints it
(A4, no navigation, each judgement area on a new page) and downloads the Word file; a manager gets the same pack.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_scrutiny.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` the top of the page is saved to docs/screenshots/scrutiny-pack.png.
"""

from __future__ import annotations

import pytest

import browser_support
from browser_support import screenshot, sign_in_through_form
from childhub.indicators import JUDGEMENT_AREAS

live_app, chromium, browse = browser_support.live_app, browser_support.chromium, browser_support.browse

pytestmark = pytest.mark.browser


def _open_pack(browse, role: str):
    """Go to /scrutiny, be sent to sign in, and come back to it signed in as ``role`` (the first page of a fresh
    live app may wait for its figures to be counted: a minute's patience on a shared machine)."""
    page = browse()
    page.set_default_timeout(90_000)
    page.goto("/scrutiny")
    sign_in_through_form(page, role)
    assert page.url.endswith("/scrutiny")
    return page


def test_a_councillor_reads_prints_and_downloads_the_pack(browse, tmp_path):
    page = _open_pack(browse, "scrutiny")
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Scrutiny pack", exact=True)
    assert link.get_attribute("aria-current") == "page"
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Scrutiny pack"
    for name in JUDGEMENT_AREAS.values():
        assert page.get_by_role("heading", level=2, name=name).is_visible()
    page.get_by_role("link", name=JUDGEMENT_AREAS["care_leavers"]).click()
    assert page.url.endswith("#care_leavers")
    screenshot(page, "scrutiny-pack", full_page=False)  # the page is 40,000 pixels tall

    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator("form").first.is_visible()
    breaks = page.locator(".scrutiny-area").evaluate_all(
        "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}  # the summary, then each area on a new page
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Word").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("scrutiny-pack-") and saved.suffix == ".docx" and saved.stat().st_size > 10_000


def test_a_manager_gets_the_same_pack(browse):
    summary = _open_pack(browse, "manager").locator("#scrutiny-tally").inner_text()
    assert _open_pack(browse, "scrutiny").locator("#scrutiny-tally").inner_text() == summary
