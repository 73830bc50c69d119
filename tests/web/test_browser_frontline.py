"""The frontline's pages in a real browser, as the people they are for use them: a practitioner's own cases, what
is due in words, a child's chronology filtered and downloaded; a manager's team, the unallocated children and a
worker's cases; an analyst finding a child by name and year, paging, the review queue and matching a list; an admin
adding an account that then signs in.

Run with ``.venv/bin/python -m pytest -m browser tests/web/test_browser_frontline.py`` (Debian's /usr/bin/chromium).
With ``CHILDHUB_SCREENSHOTS=1`` My cases, My team, a chronology, Match a list's results and Accounts are saved to
docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

import browser_support
from browser_support import screenshot, sign_in_through_form

live_app, chromium, browse, signed_in_page = (
    browser_support.live_app,
    browser_support.chromium,
    browser_support.browse,
    browser_support.signed_in_page,
)

pytestmark = pytest.mark.browser
OPEN = "start_date <= current_date AND (end_date IS NULL OR end_date > current_date)"


def _query(hub, sql: str, params: list | None = None) -> list[tuple]:
    from childhub.facts import prepare

    with hub.store.reader() as conn:
        prepare(conn)
        return conn.execute(sql, params or []).fetchall()


def _main(page):
    return page.get_by_role("main")


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).first.inner_text().strip()


def _open_from_navigation(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def _words(element) -> str:
    return " ".join(element.text_content().split())


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _name_of(hub, key: str) -> str:
    ((forename, surname),) = _query(hub, "SELECT forename, surname FROM fact_child WHERE child_key = ?", [key])
    return " ".join(part for part in (forename, surname) if part)


# --- a practitioner ---------------------------------------------------------------------------------------


def test_a_practitioner_works_through_their_cases_a_child_and_the_childs_chronology(browse, live_app, tmp_path):
    hub = live_app.hub
    mine = {
        key
        for (key,) in _query(
            hub,
            f"SELECT DISTINCT child_key FROM fact_allocation WHERE {OPEN} AND worker_id = ? AND child_key IS NOT NULL",
            [hub.practitioner_worker],
        )
    }
    assert mine, "the practitioner holds no case in the test authority"
    (worker_name,) = _query(hub, "SELECT worker_name FROM fact_worker WHERE worker_id = ?", [hub.practitioner_worker])[
        0
    ]

    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "practitioner")
    _open_from_navigation(page, "My cases")
    assert urlparse(page.url).path == "/my-cases"
    assert _heading(page) == "My cases"
    children = "child" if len(mine) == 1 else "children"
    assert f"{len(mine)} {children} allocated to {worker_name}" in _main(page).inner_text()

    rows = page.locator("table.frontline-cases tbody tr")
    assert rows.count() == len(mine)
    shown = {urlparse(link.get_attribute("href")).path.split("/")[-1] for link in rows.locator("th a").all()}
    assert shown == mine
    names = [_name_of(hub, key) for key in sorted(mine)]
    for name in names:
        assert rows.get_by_role("link", name=name, exact=True).count() >= 1  # a name, not a key
    note = rows.first.locator("th .muted")  # the child's ID and birth under the name: a note, not bold as the header
    assert note.evaluate("e => getComputedStyle(e).fontWeight") == "400"

    # What is due, in words: every overdue item says by how many days, counted from today by hand.
    today = date.today()
    overdue_tags = rows.locator(".tag--red")
    assert overdue_tags.count() > 0, "nothing is overdue for the practitioner's children: the data changed"
    for item in rows.locator("li.due--overdue").all():
        text = _words(item)  # (the tag is set in capitals by the style sheet: the words themselves)
        due = re.search(r": (\d{1,2} [A-Z][a-z]+ \d{4})\.", text)
        assert due, text
        late = (today - _parsed(due.group(1))).days
        assert late > 0 and f"Overdue by {_days(late)}" in text
    for item in rows.locator("li.due--ahead").all():
        assert "Overdue" not in _words(item)
        assert re.search(r"Due (today|in \d+ days?)", _words(item)), _words(item)
    screenshot(page, "my-cases")

    # A child from the list, then their chronology, filtered to one service and downloaded.
    first = rows.first.locator("th a")
    child_name, href = first.inner_text().strip(), first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == href
    assert child_name in _heading(page)
    _main(page).get_by_role("link", name=re.compile("chronology", re.I)).first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == f"{href}/chronology"
    page.get_by_label("Children's social care").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert parse_qs(urlparse(page.url).query)["service"] == ["social_care"]
    events = page.locator("section.chronology-year tbody tr")
    assert events.count() > 0
    services = {row.locator("td").nth(1).inner_text().strip() for row in events.all()}
    assert services == {"Children's social care"}, services  # the service in words
    details = " ".join(row.locator("td").nth(2).inner_text() for row in events.all())
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", details), details  # dates as people write them, not ISO
    screenshot(page, "chronology")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "chronology.csv"
    download.value.save_as(path)
    lines = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(lines) == events.count()
    assert {line["Source system"] for line in lines} == {"social_care"}

    # Another worker's cases are refused, in words, with none of their children shown.
    other = _query(
        hub,
        f"SELECT worker_id FROM fact_allocation WHERE {OPEN} AND worker_id <> ? GROUP BY worker_id ORDER BY 1 LIMIT 1",
        [hub.practitioner_worker],
    )[0][0]
    response = page.goto(f"/my-cases?worker={other}")
    assert response.status == 403
    assert "a practitioner may open only their own cases" in _main(page).inner_text()
    assert page.locator("table.frontline-cases").count() == 0


def _child_id(hub, key: str):
    return _query(hub, "SELECT child_id FROM fact_child WHERE child_key = ?", [key])[0][0]


def _parsed(words: str) -> date:
    from datetime import datetime

    return datetime.strptime(words, "%d %B %Y").date()


# --- a manager --------------------------------------------------------------------------------------------


UNALLOCATED = """
    SELECT k.child_key, min(k.from_date) AS open_since,
           coalesce(any_value(t.team_id), arg_max(k.team_id, k.from_date)) AS team_id
    FROM fact_service_known k
    LEFT JOIN (
        SELECT child_key, arg_max(team_id, start_date) AS team_id FROM fact_allocation a
        WHERE allocation_on(a, current_date) AND worker_id IS NULL GROUP BY child_key
    ) t USING (child_key)
    WHERE k.service = 'social_care' AND open_on(k.from_date, k.until_date, current_date)
      AND k.child_key NOT IN (
        SELECT child_key FROM fact_allocation a
        WHERE allocation_on(a, current_date) AND worker_id IS NOT NULL AND child_key IS NOT NULL
      )
    GROUP BY k.child_key
"""  # open to social care today with no allocation to a named worker (unallocated_cases), and since when


def test_a_manager_reads_their_team_opens_a_workers_cases_and_downloads_the_unallocated(browse, live_app, tmp_path):
    from openpyxl import load_workbook

    hub = live_app.hub
    team = hub.manager_team
    ((team_name,),) = _query(hub, "SELECT team_name FROM fact_team WHERE team_id = ?", [team])
    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "manager")
    _open_from_navigation(page, "My team")
    assert urlparse(page.url).path == "/my-team" and _heading(page) == "My team"
    limit = hub.authority.caseload_threshold
    assert f"({limit:g} cases per full-time worker" in _words(_main(page))  # the authority's threshold, in words

    # Each worker of the team against their threshold: cases counted by hand from today's allocations.
    workers = page.locator("#workers + .table-wrap tbody tr")
    held = dict(
        _query(
            hub,
            f"SELECT w.worker_name, count(DISTINCT a.child_key) FROM fact_allocation a JOIN fact_worker w "
            f"USING (worker_id) WHERE a.{OPEN.replace(' end_date', ' a.end_date')} AND a.child_key IS NOT NULL "
            "GROUP BY 1",
        )
    )
    assert workers.count() > 0
    for row in workers.all():
        name = row.locator("th").inner_text().strip()
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        assert cells[0] == team_name  # the team by name, not its ID
        assert int(cells[1]) == held[name], name
        fte, threshold = float(cells[2]), float(cells[3])
        assert threshold == pytest.approx(limit * fte, abs=0.05)
        assert _words(row.locator("td").nth(4)) == ("over the threshold" if held[name] > limit * fte else "within")

    # The unallocated of their team, counted by hand (the synthetic referrals carry no team, so only a team-only
    # allocation puts a waiting child in a team: the list may be empty; the next test reads every team's).
    theirs = [row for row in _query(hub, UNALLOCATED) if row[2] == team]
    waiting = f"Children open to social care today with no allocated worker: {len(theirs)},"
    assert waiting in _words(_main(page))
    unallocated = page.locator("#unallocated + p + p + .table-wrap").locator("tbody tr th a")
    assert sorted(a.get_attribute("href").rsplit("/", 1)[1] for a in unallocated.all()) == sorted(r[0] for r in theirs)
    screenshot(page, "my-team")

    # The list leaves the screen as Excel: a title, the children by name, and the definition on its own sheet.
    link = page.locator('a[href*="list=unallocated"][href*="format=xlsx"]')
    with page.expect_download() as download:
        link.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames == ["Children", "About"]
    sheet = [[cell for cell in row] for row in book["Children"].iter_rows(values_only=True)]
    assert sheet[0][0] == "Unallocated children, my teams"  # a title
    assert sheet[1][0] == f"As at {date.today().day} {date.today():%B %Y}"
    header = list(sheet[4])
    assert header[:3] == ["Child ID", "Name", "Date of birth"] and "Days waiting" in header
    listed = [row for row in sheet[5:] if any(row)]
    assert sorted(row[0] for row in listed) == sorted(_child_id(hub, r[0]) for r in theirs)
    about = dict(row[:2] for row in book["About"].iter_rows(values_only=True) if row[0])
    assert "no allocation to a named worker" in about["Definition"] and about["Rows"] == str(len(theirs))

    # A worker's cases, opened from the team page.
    first = workers.first.locator("th a")
    name = first.inner_text().strip()
    first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == "/my-cases" and "worker=" in page.url
    assert _heading(page) == f"Cases of {name}"
    count = page.locator("table.frontline-cases tbody tr").count()
    assert count == held[name]
    assert f"{count} {'child' if count == 1 else 'children'} allocated to {name} ({team_name})" in _words(_main(page))


def test_my_team_lists_the_unallocated_by_name_with_the_days_each_has_waited(browse, live_app):
    hub = live_app.hub
    expected = {key: since for key, since, _team in _query(hub, UNALLOCATED)}
    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "admin")  # every team, and the children no team holds yet
    page.goto("/my-team")
    assert f"no allocated worker: {len(expected)}, longest waiting first" in _words(_main(page))
    if not expected:  # the tiny authority, generated as at today, has none waiting on some days
        pytest.skip("no child waits for a worker in the test authority today")
    rows = page.locator("#unallocated + p + p + .table-wrap").locator("tbody tr")
    assert rows.count() == len(expected)
    waits = []
    for row in rows.all():
        link = row.locator("th a")
        key = link.get_attribute("href").rsplit("/", 1)[1]
        assert link.inner_text().strip() == _name_of(hub, key)  # a name, not a key
        since, days = (cell.inner_text().strip() for cell in row.locator("td").all()[1:3])
        assert _parsed(since) == expected[key]
        assert int(days) == (date.today() - expected[key]).days
        waits.append(int(days))
    assert waits == sorted(waits, reverse=True)  # longest waiting first


# --- an analyst -------------------------------------------------------------------------------------------


def test_an_analyst_finds_a_child_by_name_and_year_pages_on_and_opens_a_review_pair(browse, live_app):
    hub = live_app.hub
    ((key, forename, surname, born),) = _query(
        hub,
        "SELECT child_key, forename, surname, date_of_birth FROM fact_child WHERE forename IS NOT NULL "
        "AND surname IS NOT NULL AND date_of_birth IS NOT NULL ORDER BY child_key LIMIT 1",
    )
    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "analyst")
    _open_from_navigation(page, "Find a child")
    box = page.get_by_label("Name, date of birth, identifier or postcode")
    box.fill(f"{forename.title()} {surname.title()} {born.year}")
    box.press("Enter")
    page.wait_for_load_state()
    hint = _words(page.locator("p.hint").filter(has_text="Read as"))
    assert f"born in {born.year}" in hint and "identifier" not in hint  # the year read as a year of birth
    results = page.locator("#results + p + .table-wrap tbody tr, #results + .table-wrap tbody tr")
    first = results.first
    assert first.locator("th a").get_attribute("href") == f"/children/{key}"  # the best match first
    assert f"{born.day} {born:%B %Y}" in first.inner_text()

    # A surname that many children share pages on, with the true total above.
    ((common, many),) = _query(
        hub,
        "SELECT surname, count(*) FROM fact_child WHERE surname IS NOT NULL GROUP BY surname "
        "ORDER BY count(*) DESC, surname LIMIT 1",
    )
    box = page.get_by_label("Name, date of birth, identifier or postcode")
    box.fill(common.title())
    box.press("Enter")
    page.wait_for_load_state()
    said = re.search(r"([\d,]+) children match", _words(page.locator("#results")))
    assert said, _words(page.locator("#results"))
    total = int(said.group(1).replace(",", ""))
    assert total >= many  # every child of that surname, and any spelt alike
    assert total > 25, total  # more than a page of 25
    assert "showing 1 to 25" in _words(page.locator("#results"))
    pager = page.get_by_role("navigation", name="Pages of the children found")
    assert f"Page 1 of {-(-total // 25)}" in _words(pager)
    pager.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    assert parse_qs(urlparse(page.url).query)["page"] == ["2"]
    assert f"showing 26 to {min(50, total)}" in _words(page.locator("#results"))

    # The review queue, with its total, and a pair opened by its key.
    _open_from_navigation(page, "Review")
    assert _heading(page) == "Linkage review"
    open_total = re.search(r"Open pairs: ([\d,]+)", _words(page.locator("#open")))
    assert open_total, _words(page.locator("#open"))
    pair_link = _main(page).locator("section.card h3 a").first
    if int(open_total.group(1).replace(",", "")) == 0 or pair_link.count() == 0:
        pytest.skip("linkage left no pair to review in the test authority")
    pair = pair_link.get_attribute("href").rsplit("/", 1)[1]
    pair_link.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path == f"/review/{pair}"
    assert f"Pair {pair}" in _words(_main(page))
    assert page.get_by_role("button", name="Same child").count() + page.get_by_text("decided").count() > 0


def test_an_analyst_matches_an_uploaded_list_and_sees_each_row_with_its_child(browse, live_app, tmp_path):
    hub = live_app.hub
    known = _query(
        hub,
        "SELECT p.child_key, s.forename, s.surname, s.date_of_birth FROM source_record s "
        "JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id "
        "WHERE s.source_system = 'social_care' AND s.forename IS NOT NULL AND s.date_of_birth IS NOT NULL "
        "ORDER BY p.child_key LIMIT 2",
    )
    lines = ["Forename,Surname,DOB"]
    lines += [f"{forename.title()},{surname.title()},{born:%d/%m/%Y}" for _key, forename, surname, born in known]
    lines.append("Zebedee,Quartermaine,03/03/1999")  # nobody the authority knows
    upload = tmp_path / "free-school-meals.csv"
    upload.write_text("\n".join(lines) + "\n", "utf-8")

    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "analyst")
    _open_from_navigation(page, "Match a list")
    assert _heading(page) == "Match a list"
    page.get_by_label(re.compile("^The list")).set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert "Which column holds each field of free-school-meals.csv" in _words(_main(page))
    assert (
        page.get_by_label("First name", exact=True).input_value() == "Forename"
    )  # the columns guessed from the header
    assert page.get_by_label("Date of birth").input_value() == "DOB"
    page.get_by_role("button", name="Match the list").click()
    page.wait_for_load_state()
    assert "free-school-meals.csv: 2 of 3 rows matched a child" in _words(page.locator("#results"))
    rows = _main(page).locator("table tbody tr")
    assert rows.count() == 3
    for number, (key, *_) in enumerate(known):
        row = rows.nth(number)
        assert _words(row.locator("td").nth(1)) == "Matched"
        assert row.locator("td a").get_attribute("href") == f"/children/{key}"
        assert _name_of(hub, key) in _words(row)
        assert "Children's social care" in _words(row.locator("td").last)  # the services in words
    assert _words(rows.nth(2).locator("td").nth(1)) == "No match"
    screenshot(page, "match-list")


# --- an admin ---------------------------------------------------------------------------------------------


def test_an_admin_adds_an_account_and_the_new_person_signs_in(browse):
    page = browse()
    page.goto("/login")
    sign_in_through_form(page, "admin")
    _open_from_navigation(page, "Accounts")
    assert _heading(page) == "Accounts"
    before = _words(page.locator("table caption"))
    assert re.fullmatch(r"\d+ accounts", before), before
    screenshot(page, "accounts")
    page.get_by_role("link", name="Add an account").click()
    page.wait_for_load_state()
    assert _heading(page) == "Add an account"
    page.get_by_label("Username").fill("nadia.new")
    page.get_by_label("Name", exact=True).fill("Nadia Newcomer")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_role("button", name="Add the account").click()
    page.wait_for_load_state()
    assert _heading(page).startswith("Nadia Newcomer")
    assert "The account is added." in _words(_main(page))
    password = page.locator("#shown-once").inner_text().strip()  # made for them and shown this once
    assert len(password) >= 12
    page.get_by_role("link", name="All accounts").click()
    page.wait_for_load_state()
    added = page.locator("table tbody tr").filter(has_text="nadia.new")
    assert _words(added.locator("td").nth(0)) == "Nadia Newcomer" and "Enabled" in _words(added)
    assert _words(added.locator("td").nth(4)) == "Never"  # not signed in yet

    newcomer = browse()
    newcomer.goto("/login")
    sign_in_through_form(newcomer, "nadia.new", password)
    assert _heading(newcomer) == "Overview"
    assert newcomer.get_by_text("Nadia Newcomer").is_visible()
