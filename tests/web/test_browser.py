"""The web app in a real browser: sign in, follow a number to the children behind it, a child, their
family, a cohort, Annex A, sign out; the keyboard; and a practitioner kept out of another child's record.

Run with ``.venv/bin/python -m pytest -m browser tests/test_browser.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` the main pages are saved to docs/screenshots/ at 1280 pixels wide.
Pages other people are still building are skipped while their route answers "there is no such page",
and run as soon as it lands.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest

import browser_support
from browser_support import open_or_skip, screenshot, sign_in_through_form

# the harness's fixtures, used by name below
live_app, chromium, browse, signed_in_page = (
    browser_support.live_app,
    browser_support.chromium,
    browser_support.browse,
    browser_support.signed_in_page,
)

pytestmark = pytest.mark.browser


# --- what the tiny authority holds, worked out from the store ------------------------------------


@dataclass(frozen=True)
class Known:
    indicator_id: str
    indicator_name: str
    child_key: str  # a child counted in that indicator's numerator
    family_id: int | None  # that child's family, if linked to one
    practitioner_child: str  # a child on the practitioner's caseload
    other_child: str  # a child the practitioner may not see
    la_child_id: str | None


@pytest.fixture(scope="module")
def known(web_hub) -> Known:
    from childhub.accounts import Accounts
    from childhub.facts import prepare
    from childhub.indicators import calculator
    from childhub.web.deps import Signed
    from childhub.web.scope import child_filter

    with calculator(web_hub.store, web_hub.authority) as calc:
        figures = [f for f in calc.figures(web_hub.as_at) if f.children > 0 and f.value is not None]
        figure = max(figures, key=lambda f: (f.indicator.id == "cla_rate", f.children))
        behind = calc.children(figure.indicator.id, web_hub.as_at)
    child_key = str(behind[0]["child_key"])
    practitioner = Signed(Accounts(web_hub.data_dir).get("practitioner"), "web", None)
    with web_hub.store.reader() as conn:
        prepare(conn)
        predicate, values = child_filter(practitioner, "child_key")
        mine = conn.execute(
            f"SELECT child_key FROM fact_child WHERE {predicate} ORDER BY child_key LIMIT 1", values
        ).fetchone()[0]
        other = conn.execute(
            f"SELECT child_key FROM fact_child WHERE NOT ({predicate}) ORDER BY child_key LIMIT 1", values
        ).fetchone()[0]
        family = conn.execute(
            "SELECT m.family_id FROM family_member m JOIN fact_child c ON c.child_id = m.child_id "
            "WHERE c.child_key = ? AND m.valid_to IS NULL LIMIT 1",
            [child_key],
        ).fetchone()
        la_child_id = conn.execute("SELECT la_child_id FROM fact_child WHERE child_key = ?", [child_key]).fetchone()[0]
    return Known(
        indicator_id=figure.indicator.id,
        indicator_name=figure.indicator.name,
        child_key=child_key,
        family_id=family[0] if family else None,
        practitioner_child=str(mine),
        other_child=str(other),
        la_child_id=la_child_id,
    )


def heading(page, level: int = 1):
    return page.get_by_role("heading", level=level).first


# --- signing in, the overview, signing out --------------------------------------------------------


def test_signing_in_through_the_form_shows_the_overview(browse, known):
    page = browse()
    page.goto("/")
    assert re.search(r"/login\?next=%2F$", page.url), page.url  # no session: sent to sign in
    assert heading(page).inner_text() == "Sign in"
    screenshot(page, "sign-in")

    sign_in_through_form(page, "analyst")
    assert page.url.endswith("/")
    assert heading(page).inner_text() == "Overview"
    assert page.get_by_text("Ann Analyst").is_visible()
    main = page.get_by_role("main")
    assert main.get_by_role("link", name=known.indicator_name, exact=True).first.is_visible()
    indicator_links = [
        link for link in main.get_by_role("link").all() if "/indicators/" in (link.get_attribute("href") or "")
    ]
    assert len(indicator_links) > 10  # every indicator, each leading to its own page
    screenshot(page, "overview")


def test_a_wrong_password_keeps_you_on_the_sign_in_page(browse):
    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "analyst", "not the password at all")
    alert = page.get_by_role("alert")
    assert "name or password is not right" in alert.inner_text().lower()
    assert page.get_by_label("Username").is_visible()


def test_signing_out_ends_the_session(signed_in_page):
    page = signed_in_page("manager")
    assert heading(page).inner_text() == "Overview"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert heading(page).inner_text() == "Sign in"
    page.goto("/")
    assert "/login" in page.url  # the old session no longer opens pages


# --- following a number down to the children, a child and their family ----------------------------


def test_following_an_indicator_to_the_children_behind_it_a_child_and_their_family(signed_in_page, known):
    page = signed_in_page("analyst")
    page.get_by_role("main").get_by_role("link", name=known.indicator_name, exact=True).first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == f"/indicators/{known.indicator_id}"
    if "there is no such page" in page.content().lower():
        pytest.skip(f"page not built yet: /indicators/{known.indicator_id}")
    assert known.indicator_name in heading(page).inner_text()
    screenshot(page, "indicator")

    behind = [
        link
        for link in page.get_by_role("link", name=re.compile("children", re.I)).all()
        if "/children?" in (link.get_attribute("href") or "") and "part=numerator" in link.get_attribute("href")
    ]
    if behind:
        behind[0].click()
        page.wait_for_load_state()
    else:  # the page does not link there (yet): the address is still the one the brief names
        open_or_skip(page, f"/indicators/{known.indicator_id}/children?part=numerator")
    assert f"/indicators/{known.indicator_id}/children" in page.url and "part=numerator" in page.url
    if "there is no such page" in page.content().lower():
        pytest.skip("page not built yet: the children behind a number")
    rows = page.get_by_role("table").first
    child_link = rows.get_by_role("link").first
    assert child_link.is_visible()
    screenshot(page, "children-behind")

    response = open_or_skip(page, f"/children/{known.child_key}")
    assert response.status == 200
    assert heading(page).is_visible() and heading(page).inner_text().strip()
    screenshot(page, "child")

    if known.family_id is None:
        pytest.skip("the chosen child has no family in the tiny authority")
    family_links = [
        link
        for link in page.get_by_role("link", name=re.compile("family", re.I)).all()
        if "/families/" in (link.get_attribute("href") or "")
    ]
    if family_links:
        family_links[0].click()
        page.wait_for_load_state()
        if "there is no such page" in page.content().lower():
            pytest.skip("page not built yet: /families/{family_id}")
    else:
        open_or_skip(page, f"/families/{known.family_id}")
    assert "/families/" in page.url
    assert heading(page).is_visible()
    assert page.get_by_role("link").filter(has_text=re.compile(".")).count() > 0
    screenshot(page, "family")


def test_clicking_a_child_in_the_list_opens_their_record(signed_in_page, known):
    page = signed_in_page("analyst")
    open_or_skip(page, f"/indicators/{known.indicator_id}/children?part=numerator")
    link = page.get_by_role("table").first.get_by_role("link").first
    href = link.get_attribute("href") or ""
    link.click()
    page.wait_for_load_state()
    if "there is no such page" in page.content().lower():
        pytest.skip("page not built yet: /children/{child_key}")
    assert page.url.endswith(href.split("?")[0]) or href in page.url
    assert heading(page).is_visible()


def test_finding_a_child_by_their_id(signed_in_page, known):
    if not known.la_child_id:
        pytest.skip("the chosen child has no local authority ID")
    page = signed_in_page("analyst")
    open_or_skip(page, "/search?q=")
    box = page.get_by_role("searchbox").or_(page.get_by_role("textbox")).first
    box.fill(known.la_child_id)
    box.press("Enter")
    page.wait_for_load_state()
    assert known.la_child_id in page.url or "q=" in page.url
    found = [
        link
        for link in page.get_by_role("main").get_by_role("link").all()
        if f"/children/{known.child_key}" in (link.get_attribute("href") or "")
    ]
    assert found, "the child searched for is not among the results"


# --- cohorts and Annex A --------------------------------------------------------------------------


def test_running_a_cohort_query(signed_in_page):
    page = signed_in_page("analyst")
    open_or_skip(page, "/cohorts")
    assert "cohort" in heading(page).inner_text().lower()
    form = page.get_by_role("main").locator("form").first
    form.get_by_role("button").first.click()  # the form's own defaults are a valid query
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 0 or "problem" not in page.get_by_role("alert").first.inner_text()
    assert page.get_by_role("table").count() >= 1  # the cohort's figures, as a table
    screenshot(page, "cohort")


def test_downloading_annex_a(signed_in_page, tmp_path):
    page = signed_in_page("analyst")
    open_or_skip(page, "/annex-a")
    assert "annex a" in heading(page).inner_text().lower()
    screenshot(page, "annex-a")
    button = page.get_by_role("main").get_by_role("button").filter(has_text=re.compile("download|export|annex", re.I))
    with page.expect_download() as waiting:
        with page.expect_response(lambda r: r.request.method == "POST" and "/annex-a" in r.url) as answer:
            button.first.click()
        assert answer.value.status == 200, f"the download's post answered {answer.value.status} (CSRF?)"
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".xlsx"
    assert saved.read_bytes()[:2] == b"PK"  # an xlsx is a zip


def test_the_sql_console_and_audit_log_open_for_their_roles(signed_in_page):
    analyst = signed_in_page("analyst")
    open_or_skip(analyst, "/sql")
    assert "sql" in heading(analyst).inner_text().lower()
    analyst.get_by_label("Query").fill("SELECT count(*) AS children FROM fact_child")
    analyst.get_by_role("button", name="Run the query").click()
    analyst.wait_for_load_state()
    assert heading(analyst).inner_text() != "You cannot open this page", "the form's post was refused (CSRF?)"
    results = analyst.get_by_role("main").get_by_role("table").first
    assert results.get_by_role("columnheader", name="children").is_visible()
    admin = signed_in_page("admin")
    open_or_skip(admin, "/audit")
    assert "audit" in heading(admin).inner_text().lower()
    assert admin.get_by_role("table").count() >= 1


def test_caseloads_for_a_manager_and_the_review_queue_for_an_analyst(signed_in_page):
    manager = signed_in_page("manager")
    open_or_skip(manager, "/caseloads")
    assert "caseload" in heading(manager).inner_text().lower()
    screenshot(manager, "caseloads")
    analyst = signed_in_page("analyst")
    open_or_skip(analyst, "/review")
    assert "review" in heading(analyst).inner_text().lower()
    screenshot(analyst, "review")


# --- the keyboard ---------------------------------------------------------------------------------


FOCUS_STYLE = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {text: el.textContent.trim(), visible: el.matches(':focus-visible'),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          shadow: style.boxShadow !== 'none', background: style.backgroundColor};
}"""


@pytest.mark.parametrize("where", ["/", "/no-such-page"])
def test_the_skip_link_is_the_first_tab_stop_and_focus_is_visible(signed_in_page, where):
    # (not the sign-in page: its autofocus starts the caret in Username, past the skip link)
    page = signed_in_page("analyst")
    page.goto(where)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUS_STYLE)
    assert focused["text"] == "Skip to main content"
    assert focused["visible"] and (focused["outline"] or focused["shadow"]), focused
    skip = page.get_by_role("link", name="Skip to main content")
    box = skip.bounding_box()
    assert box and box["width"] > 1 and box["height"] > 1 and box["y"] >= 0  # shown on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, with its focus shown too
    after = page.evaluate(FOCUS_STYLE)
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert after["visible"] and (after["outline"] or after["shadow"]), after


# --- scope: a practitioner typing another child's address -----------------------------------------


def test_a_practitioner_who_types_another_childs_address_gets_the_not_found_page(signed_in_page, known):
    page = signed_in_page("practitioner")
    own = open_or_skip(page, f"/children/{known.practitioner_child}")
    assert own.status == 200  # their own child opens
    response = page.goto(f"/children/{known.other_child}")
    assert response.status == 404
    text = page.get_by_role("main").inner_text().lower()
    assert "not found" in text or "no such" in text or "404" in text
    assert known.other_child not in page.get_by_role("main").inner_text()


# The data-quality page: the totals and the trend drawn, a rule's findings opened from the table, the filter
# keeping its value, a finding opened on its child, and a fix list downloaded (read-only: nothing is accepted).
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
