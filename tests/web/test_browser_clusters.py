"""The Clusters page in a real browser: a councillor (scrutiny) reads each cluster's figures with small numbers
hidden and no way to a child; a manager follows a cluster to its most vulnerable children, each with the reasons.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_clusters.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` the Clusters page (as scrutiny) and a cluster's children are saved to
docs/screenshots/.
"""

from __future__ import annotations

import pytest

import browser_support
from browser_support import screenshot
from childhub.leaders import clusters_path

live_app, chromium, browse, signed_in_page = (
    browser_support.live_app,
    browser_support.chromium,
    browser_support.browse,
    browser_support.signed_in_page,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def with_clusters(web_hub):
    """Ashmere's home districts QX1-QX20 in "North" and QX21-QX40 in "South", for this test only."""
    path = clusters_path(web_hub.data_dir)
    rows = [
        f"{'North' if district <= 20 else 'South'},QX{district} {sector}"
        for district in range(1, 41)
        for sector in range(1, 10)
    ]
    path.write_text("cluster,postcode_sector\n" + "\n".join(rows) + "\n", "utf-8")
    yield web_hub
    path.unlink()


def _open_clusters(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clusters", exact=True).click()
    page.wait_for_load_state()


def test_a_councillor_reads_the_clusters_with_small_numbers_hidden_and_no_way_to_a_child(with_clusters, signed_in_page):
    page = signed_in_page("scrutiny")
    _open_clusters(page)
    main = page.get_by_role("main")
    assert page.get_by_role("heading", level=1).first.inner_text().strip() == "Clusters"
    summary = main.get_by_role("table").first
    assert summary.get_by_role("rowheader", name="North").count() == 1
    assert summary.get_by_role("rowheader", name="South").count() == 1
    assert "(the last month end)" in main.inner_text()
    assert "[c]" in main.inner_text()  # the tiny authority's children entering care are few
    assert main.locator("a[href*='/children']").count() == 0
    screenshot(page, "clusters")
    page.goto("/clusters/North/children")
    assert "cannot open this page" in page.get_by_role("main").inner_text()


def test_a_manager_follows_a_cluster_to_its_most_vulnerable_children(with_clusters, signed_in_page):
    page = signed_in_page("manager")
    _open_clusters(page)
    main = page.get_by_role("main")
    assert "How the most vulnerable children are found" in main.inner_text()
    main.get_by_role("table").first.get_by_role("row", name="South").get_by_role("link").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1).first.inner_text().strip()
    assert heading == "The most vulnerable children in South (your teams' cases)"
    text = page.get_by_role("main").inner_text()
    assert "You see the children of your teams' cases only" in text
    assert "no score and no weight" in text
    screenshot(page, "clusters-children")
