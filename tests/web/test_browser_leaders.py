"""Leaders and councillors in a real browser: a manager writes the commentary on an indicator and a councillor reads
it beside the figure; a manager edits the self-evaluation, restores an earlier version and downloads it; a councillor
and a manager read the front door and the care projection (charts drawn beside their tables, a manager downloads the
children behind a number); an analyst reads an indicator beside the synthetic comparators.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_leaders.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` the self-evaluation (as a manager), the front door (as a manager), the care
projection (as scrutiny) and an indicator with its comparators and commentary (as an analyst) are saved to
docs/screenshots/.

The web hub is shared by the tests of a worker, so each test writes text of its own (``_mark``) and looks for it.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date
from urllib.parse import urlparse

import pytest

import browser_support
from browser_support import axe_violations, new_signed_in_context, screenshot
from childhub.audit import events
from childhub.disclosure import reference_date
from childhub.leaders import QUESTIONS
from childhub.synth.comparators import NEIGHBOURS

live_app, chromium, browse, signed_in_page = (
    browser_support.live_app,
    browser_support.chromium,
    browser_support.browse,
    browser_support.signed_in_page,
)

pytestmark = pytest.mark.browser

INDICATOR = "re_referrals_12m"


def _mark(what: str) -> str:
    """A text no other test writes."""
    return f"{what} (note {uuid.uuid4().hex[:8]})"


def _follow(page, label: str) -> None:
    """Follow a link of the main navigation, as a person would."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def _open_indicator(page, indicator_id: str) -> None:
    """From the overview, follow the indicator's link."""
    page.get_by_role("main").locator(f'a[href^="/indicators/{indicator_id}"]').first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == f"/indicators/{indicator_id}"


def _drawn(page, chart_id: str):
    """Wait for childhub.js to draw the chart; its table of the same figures, opened."""
    page.locator(f'[data-chart="{chart_id}"] .main-svg').first.wait_for(state="attached")
    figure = page.locator("figure.chart").filter(has=page.locator(f'[data-chart="{chart_id}"]'))
    figure.get_by_text("Show the figures as a table").click()
    return figure.locator(".chart__table table")


def _shot(page, name: str, full_page: bool = True) -> None:
    """The page's screenshot (with CHILDHUB_SCREENSHOTS=1), with no control left in its focus colour."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, name, full_page=full_page)


def _meets_wcag(page) -> None:
    """The page as it stands now (text written, a notice shown, tables opened) breaks no WCAG 2.2 AA rule."""
    found = axe_violations(page)
    assert not found, f"{page.url}: " + "; ".join(v.describe() for v in found)


# --- commentary ----------------------------------------------------------------------------------------------


def test_a_manager_writes_the_commentary_and_a_councillor_reads_it_beside_the_figure(web_hub, signed_in_page):
    # A councillor's page is as at the last month end: the manager writes for that month.
    month_end = reference_date(date.today(), web_hub.settings().small_number_threshold)
    month = f"{month_end:%B %Y}"
    text = _mark("Re-referrals rose while the front door's new triage settled in; the team reviews every one.")

    page = signed_in_page("manager")
    _open_indicator(page, INDICATOR)
    page.get_by_label("As at", exact=True).fill(month_end.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_load_state()
    commentary = page.locator("#commentary")
    assert commentary.get_by_role("heading", level=2).inner_text() == f"Commentary for {month}"
    form = commentary.locator("details")
    if form.get_attribute("open") is None:  # a version written before this test: the form is folded away
        form.locator("summary").click()
    commentary.get_by_role("textbox", name=f"Commentary for {month}").fill(text)
    commentary.get_by_role("button", name="Save the commentary").click()
    page.wait_for_load_state()
    assert urlparse(page.url).fragment == "commentary"
    assert page.locator("#commentary blockquote").inner_text().strip() == text
    assert "Written by manager" in page.locator("#commentary").inner_text()
    _meets_wcag(page)

    councillor = signed_in_page("scrutiny")
    _open_indicator(councillor, INDICATOR)
    assert councillor.get_by_label("As at", exact=True).input_value() == month_end.isoformat()
    seen = councillor.locator("#commentary")
    assert seen.get_by_role("heading", level=2).inner_text() == f"Commentary for {month}"
    assert seen.locator("blockquote").inner_text().strip() == text
    assert seen.locator("form").count() == 0 and seen.get_by_role("textbox").count() == 0
    # Beside the figure: the commentary follows the figure on the same page.
    figure_top = councillor.get_by_role("heading", level=1).bounding_box()["y"]
    assert seen.bounding_box()["y"] > figure_top
    _meets_wcag(councillor)

    # The same commentary in the scrutiny pack, under the indicator.
    _follow(councillor, "Scrutiny pack")
    article = councillor.locator(f"article#{INDICATOR}")
    in_pack = article.locator(".scrutiny-commentary").inner_text()
    assert in_pack.startswith("The service's commentary") and text in in_pack
    article.evaluate("element => element.scrollIntoView({block: 'start'})")
    _shot(councillor, "scrutiny-pack-indicator", full_page=False)  # one indicator of the pack, as the window shows it


# --- self-evaluation -----------------------------------------------------------------------------------------


def _write_answer(page, answer_id: str, question: str, text: str) -> None:
    answer = page.locator(f"#{answer_id}")
    form = answer.locator("details")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    answer.get_by_role("textbox", name=question).fill(text)
    answer.get_by_role("button", name="Save a new version").click()
    page.wait_for_load_state()


def test_a_manager_edits_the_self_evaluation_restores_a_version_and_downloads_it(signed_in_page, tmp_path):
    import docx

    question = QUESTIONS["know"]
    first = _mark("Audits show supervision is regular and children are seen alone.")
    second = _mark("Audits show supervision is regular, reflective and recorded; children are seen alone.")
    page = signed_in_page("manager")
    _follow(page, "Self-evaluation")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Self-evaluation"

    answer = page.locator("#help_and_protection-know")
    _write_answer(page, "help_and_protection-know", question, first)
    assert page.get_by_role("status").inner_text().strip() == "Saved as a new version."
    caption = answer.locator(".caption").inner_text()
    version = int(re.match(r"Version (\d+), by manager", caption).group(1))
    _write_answer(page, "help_and_protection-know", question, second)
    assert answer.locator(".answer__text").inner_text().strip() == second
    assert answer.locator(".caption").inner_text().startswith(f"Version {version + 1}, by manager")

    # The evidence drawn in under the answers: the area's indicators with their RAG, and data quality.
    area = page.locator("#help_and_protection")
    assert area.get_by_role("heading", name="Evidence: the indicators").is_visible()
    evidence = area.locator("table.evidence-table")
    assert evidence.locator("tbody tr").count() >= 1
    assert evidence.locator("thead th").all_inner_texts()[:4] == ["Indicator", "Value", "Target", "RAG"]
    assert page.get_by_role("heading", name="Data quality").is_visible()
    _meets_wcag(page)
    _shot(page, "self-evaluation")

    answer.get_by_role("link", name="history").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Every version of the answers"
    earlier = page.locator("section.version").filter(has=page.locator(".answer__text", has_text=first))
    assert earlier.count() == 1
    assert earlier.get_by_role("heading", level=2).inner_text().endswith(f"version {version}")
    earlier.get_by_role("button", name="Restore this version").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == f"Restored as version {version + 2}."
    newest = page.locator("section.version").first
    assert newest.locator(".answer__text").inner_text().strip() == first
    assert "restores the text of an earlier version" in newest.locator(".caption").inner_text()
    _meets_wcag(page)  # the versions with what each changed (inserted and deleted words)

    page.get_by_role("link", name="Self-evaluation", exact=True).first.click()
    page.wait_for_load_state()
    assert answer.locator(".answer__text").inner_text().strip() == first
    assert "(restored from an earlier version)" in answer.locator(".caption").inner_text()

    with page.expect_download() as download:
        page.get_by_role("main").get_by_role("link", name="Word", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("self-evaluation-") and saved.suffix == ".docx"
    paragraphs = [p.text for p in docx.Document(str(saved)).paragraphs]
    assert first in paragraphs and second not in paragraphs


# --- the front door and the care projection -------------------------------------------------------------------


def _projection_checked(page) -> list[list[str]]:
    """The care projection's charts drawn beside their tables; its month-by-month table's rows (as cell texts)."""
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Children in care: a 12-month projection"
    ahead = _drawn(page, "care-projection-ahead")
    back = _drawn(page, "care-projection-back")
    assert ahead.locator("tbody tr").count() >= 12 and back.locator("tbody tr").count() >= 1
    table = page.get_by_role("table", name="The projection, month by month")
    rows = [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert len(rows) == 12
    # The lead's sentence names the last month's projection: the table's last row says the same.
    last_day, central, band80 = rows[-1][0], rows[-1][1], rows[-1][2]
    lead = page.locator("p.lead").inner_text()
    assert f"about {central} will be in care on {last_day}: between {band80}" in lead
    return rows


def test_a_councillor_reads_the_front_door_and_the_care_projection_with_their_charts(signed_in_page):
    page = signed_in_page("scrutiny")
    _follow(page, "Front door")
    main = page.get_by_role("main")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Front door"
    assert "are suppressed and shown as [c]" in main.inner_text()
    monthly = _drawn(page, "front-door-monthly")
    assert monthly.locator("tbody tr").count() == 12  # the 12 complete months
    outcomes = main.get_by_role("table").first
    assert outcomes.locator("thead th").all_inner_texts()[:2] == ["Outcome", "Contacts"]
    assert main.get_by_role("link", name="children (CSV)").count() == 0  # no way to a child
    assert main.get_by_role("heading", name="How consistently teams apply thresholds").count() == 0  # no team

    _follow(page, "Care projection")
    rows = _projection_checked(page)
    # For a councillor every projected count is rounded to the nearest 5 (or hidden as [c]).
    counts = [c.replace(",", "") for row in rows for c in [row[1], *row[2].split(" and "), *row[3].split(" and ")]]
    assert counts and all(c == "[c]" or int(c) % 5 == 0 for c in counts), counts
    _meets_wcag(page)
    _shot(page, "care-projection")


def test_a_manager_reads_the_front_door_and_downloads_the_children_behind_a_number(web_hub, signed_in_page, tmp_path):
    page = signed_in_page("manager")
    _follow(page, "Front door")
    main = page.get_by_role("main")
    _drawn(page, "front-door-monthly")
    assert main.get_by_role("heading", name="How consistently teams apply thresholds").is_visible()
    _meets_wcag(page)
    _shot(page, "front-door")
    row = main.get_by_role("table").first.locator("tbody tr").filter(has=page.get_by_role("link")).first
    outcome = row.get_by_role("rowheader").inner_text().strip()
    with page.expect_download() as download:
        row.get_by_role("link", name="children (CSV)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("front-door-outcome-") and saved.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text("utf-8-sig"))))
    event = events(web_hub.data_dir, actor="manager", action="download_list", limit=1)[0]
    assert event.subject == f"Contacts with the outcome: {outcome} (children in your teams)"
    assert event.details["measure"].startswith("outcome:") and event.details["format"] == "csv"
    assert event.details["rows"] == len(rows)
    if rows:
        assert {"Child ID", "Name", "Date of birth", "Date", "What", "Team"} <= set(rows[0])

    _follow(page, "Care projection")
    _projection_checked(page)


# --- comparators ---------------------------------------------------------------------------------------------


@pytest.fixture
def synthetic_comparators_app(web_hub, tmp_path):
    """The app with the demo's synthetic comparators loaded (as ``childhub demo`` loads them) and an authority file
    naming the synthetic authority's code, served on a port of its own for this test; unloaded after."""
    from childhub.leaders import load_file, load_measures
    from childhub.store import HubDatabase
    from childhub.synth import SYNTHETIC_ONS_CODE, write_synthetic_comparators

    hub, measures = HubDatabase(web_hub.data_dir), load_measures((), web_hub.data_dir)
    for path in write_synthetic_comparators(tmp_path / "comparators", "Ashmere (test)", web_hub.as_at):
        load_file(hub, path, measures=measures, loaded_by="demo")
    authority = tmp_path / "authority.yml"
    own = (web_hub.data_dir / "authority.yml").read_text("utf-8")
    authority.write_text(f"{own.rstrip()}\nons_code: {SYNTHETIC_ONS_CODE}\n", "utf-8")
    url, stop = browser_support._serve_in_thread(web_hub.app(authority_file=authority))
    try:
        yield url
    finally:
        stop()
        with hub.connect() as conn:
            conn.execute("DELETE FROM comparator_load")


def test_an_analyst_reads_an_indicator_beside_the_synthetic_comparators(chromium, synthetic_comparators_app):
    context = new_signed_in_context(chromium, synthetic_comparators_app, "analyst")
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)  # the first page of a new app waits for its figures to be counted
        page.goto("/")
        _open_indicator(page, "development_assessment_under5")
        comparators = page.locator("#comparators")
        notice = comparators.locator("#comparators-synthetic").text_content()  # the tag is shown in capitals
        assert "Synthetic comparators (demo)" in notice and "made up for the demonstration" in notice
        table = comparators.get_by_role("table").first
        areas = table.get_by_role("rowheader").all_inner_texts()
        assert areas[:4] == [
            "Ashmere (test), published",
            "England",
            "Middle Marches (synthetic)",
            "Statistical neighbours' average",
        ]
        assert {name for _, _, name in NEIGHBOURS} <= set(areas)  # the ten made-up statistical neighbours
        assert "Synthetic comparators (demo)" in table.locator("caption").inner_text()
        chart = _drawn(page, "comparators-chart")
        assert chart.locator("tbody tr").count() >= 2
        # Higher is better; Dunmere's latest figure is suppressed ("c"), so the authority and nine neighbours rank.
        assert re.search(r"ranks \d+\w\w of 10 among its statistical neighbours", comparators.inner_text())
        # The analyst writes the month's commentary: it sits beside the comparators on the page.
        text = _mark("Fewer assessments were on time over the summer; the health team now books each at entry to care.")
        commentary = page.locator("#commentary")
        if commentary.locator("details").get_attribute("open") is None:
            commentary.locator("summary").click()
        commentary.get_by_role("textbox").fill(text)
        commentary.get_by_role("button", name="Save the commentary").click()
        page.wait_for_load_state()
        assert page.locator("#commentary blockquote").inner_text().strip() == text
        _drawn(page, "comparators-chart")
        _meets_wcag(page)
        _shot(page, "indicator-comparators")
        page.goto("/comparators")
        assert "Synthetic comparators (demo)" in page.get_by_role("main").text_content()
        _meets_wcag(page)
    finally:
        context.close()
