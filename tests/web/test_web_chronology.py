"""A child's chronology: the timeline oldest first, chosen by service and date, printable, and as a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from childhub.audit import events
from childhub.errors import ChildhubError
from childhub.web.exports import long_date
from childhub.web.pages.chronology import Choice, choice

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"
MANY_SERVICES = (
    "c.child_key IN (SELECT child_key FROM fact_attendance) AND c.child_key IN (SELECT child_key FROM fact_referral)"
)


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def child_where(cursor, condition: str, params=()) -> str:
    found = cursor.execute(
        f"SELECT c.child_key FROM fact_child c WHERE {condition} ORDER BY c.child_id LIMIT 1", list(params)
    ).fetchall()
    assert found, f"the test authority has no child where {condition}"
    return found[0][0]


def in_team(web_hub, cursor) -> str:
    return child_where(
        cursor,
        f"c.child_key IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ?)",
        [web_hub.manager_team],
    )


def outside_team(web_hub, cursor) -> str:
    return child_where(
        cursor,
        f"c.child_key NOT IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND (a.team_id = ? OR "
        "a.worker_id = ?)) AND c.child_key NOT IN (SELECT r.child_key FROM fact_referral r WHERE r.team_id = ?)",
        [web_hub.manager_team, web_hub.practitioner_worker, web_hub.manager_team],
    )


def _timeline(client, key: str) -> list[dict]:
    """The child page's own timeline (newest first), through its API."""
    return client.get(f"/api/v1/children/{key}").json()["timeline"]


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- choosing events, by hand ------------------------------------------------------------------------------


def _event(kind: str, on: date, end: date | None = None, service: str = "social_care") -> dict:
    return {"kind": kind, "date": on, "end": end, "service": service}


def test_an_event_is_chosen_if_it_happened_or_was_still_going_on_within_the_dates():
    # 2024 is a leap year: 29 February is inside a range from 1 February to 1 March
    chosen = Choice(date_from=date(2024, 2, 1), date_to=date(2024, 3, 1))
    assert chosen.keeps(_event("Contact", date(2024, 2, 29)))
    assert chosen.keeps(_event("Contact", date(2024, 2, 1)))  # the first day is in
    assert chosen.keeps(_event("Contact", date(2024, 3, 1)))  # and the last
    assert not chosen.keeps(_event("Contact", date(2024, 1, 31)))
    assert not chosen.keeps(_event("Contact", date(2024, 3, 2)))
    # a placement from 2023 still open was going on in February 2024; one that ended on 31 January was not
    assert chosen.keeps(_event("Placement", date(2023, 6, 1)))
    assert not chosen.keeps(_event("Placement", date(2023, 6, 1), end=date(2024, 1, 31)))
    assert chosen.keeps(_event("Placement", date(2023, 6, 1), end=date(2024, 2, 1)))
    assert not chosen.keeps(_event("Placement", date(2024, 3, 2)))  # begun after the range


def test_an_event_is_chosen_by_its_service():
    chosen = choice(["police", "education"], None, None)
    assert chosen.services == ("education", "police")  # in the timeline's order
    assert chosen.keeps(_event("Police notification", date(2025, 5, 5), service="police"))
    assert not chosen.keeps(_event("Contact", date(2025, 5, 5)))
    assert chosen.describe() == "Education and Police, every date"
    assert Choice().describe() == "Every service, every date"
    ranged = choice([], "2025-09-01", "2026-03-31")
    assert ranged.describe() == "Every service, from 1 September 2025 to 31 March 2026"
    assert ranged.query() == "from=2025-09-01&to=2026-03-31"


@pytest.mark.parametrize(
    ("services", "first", "last", "message"),
    [
        (["schools"], None, None, "there is no service 'schools' in a chronology"),
        ([], "31/03/2026", None, "the date from is a date as YYYY-MM-DD (2026-03-31), not '31/03/2026'"),
        ([], "2026-03-31", "2026-03-01", "the dates run backwards: from 2026-03-31 to 2026-03-01"),
    ],
)
def test_a_choice_that_cannot_be_made_is_refused_in_one_line(services, first, last, message):
    with pytest.raises(ChildhubError, match=message.replace("(", r"\(").replace(")", r"\)")):
        choice(services, first, last)


# --- the page ----------------------------------------------------------------------------------------------


def test_the_chronology_is_the_timeline_oldest_first_in_years_and_prints_well(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    key = child_where(cursor, MANY_SERVICES)
    forename, surname, born, child_id = cursor.execute(
        "SELECT forename, surname, date_of_birth, child_id FROM fact_child WHERE child_key = ?", [key]
    ).fetchone()
    timeline = _timeline(client, key)
    assert f'href="/children/{key}/chronology"' in client.get(f"/children/{key}").text
    page = client.get(f"/children/{key}/chronology")
    assert page.status_code == 200
    text = page.text
    assert f"Chronology of {forename} {surname}" in text
    assert f"<dt>Date of birth</dt><dd>{long_date(born)}</dd>" in text
    assert f"<dt>childhub child ID</dt><dd>{child_id}</dd>" in text
    assert f"Printed by Ann Analyst on {long_date(date.today())}" in text
    # print: its own stylesheet, and the form and links marked to be left off paper
    assert '<link rel="stylesheet" href="/static/print.css' in text
    assert 'class="no-print chronology-filters"' in text and 'class="no-print downloads"' in text
    css = client.get("/static/print.css").text
    assert "@media print" in css and ".chronology-year + .chronology-year { break-before: page;" in css
    assert ".navigation" in css.split("@media print")[1]
    # every event once, each year a section of its own, oldest first
    years = sorted({date.fromisoformat(e["date"]).year for e in timeline})
    assert text.count('<section class="chronology-year"') == len(years)
    positions = [text.index(f'id="year-{year}"') for year in years]
    assert positions == sorted(positions)
    assert text.count("<tr>\n    <td>") == len(timeline)
    event = events(web_hub.data_dir, actor="analyst", action="view_chronology", limit=1)[0]
    assert event.subject == key and event.children == (key,) and event.child_count == 1
    assert event.details["services"] == [] and event.details["from"] is None
    assert event.details["events"] == len(timeline)


def test_the_chronology_is_chosen_by_service_and_date_in_the_query_string(web_hub):
    client = web_hub.client("admin")
    key = child_where(cursor_of(client), MANY_SERVICES)
    timeline = _timeline(client, key)
    body = client.get(f"/api/v1/children/{key}/chronology", params={"service": "education"}).json()
    education = [e for e in timeline if e["service"] == "education"]
    assert education and len(body["events"]) == len(education)
    assert {e["service"] for e in body["events"]} == {"education"}
    assert [e["date"] for e in body["events"]] == sorted(e["date"] for e in education)  # oldest first
    # one year of events that happen on a day (a school term's attendance): exactly those dated in it
    year = date.fromisoformat(education[0]["date"]).year
    first, last = date(year, 1, 1), date(year, 12, 31)
    params = [("service", "education"), ("from", first.isoformat()), ("to", last.isoformat())]
    body = client.get(f"/api/v1/children/{key}/chronology", params=params).json()
    instant = [e for e in education if e["end"] is None and e["kind"] == "School attendance"]
    expected = [e for e in instant if first <= date.fromisoformat(e["date"]) <= last]
    got = [e for e in body["events"] if e["kind"] == "School attendance"]
    assert expected and len(got) == len(expected)
    assert all(first.isoformat() <= e["date"] <= last.isoformat() for e in got)
    assert body["chosen"] == {"services": ["education"], "from": first.isoformat(), "to": last.isoformat()}
    # the page keeps the choice in its form and in its download links
    page = client.get(f"/children/{key}/chronology", params=params).text
    assert 'value="education" checked' in page and f'value="{first.isoformat()}"' in page
    query = f"service=education&amp;from={first.isoformat()}&amp;to={last.isoformat()}"
    assert f'href="/children/{key}/chronology?{query}&amp;format=csv"' in page
    assert f'href="/children/{key}/chronology?{query}&amp;format=xlsx"' in page
    event = events(web_hub.data_dir, actor="admin", action="view_chronology", limit=1)[0]
    assert event.details["services"] == ["education"] and event.details["to"] == last.isoformat()


def test_a_choice_that_cannot_be_made_is_one_clear_error(web_hub):
    client = web_hub.client("analyst")
    key = child_where(cursor_of(client), "TRUE")
    page = client.get(f"/children/{key}/chronology", params={"service": "schools"})
    assert page.status_code == 400 and "there is no service &#39;schools&#39; in a chronology" in page.text
    body = client.get(f"/api/v1/children/{key}/chronology", params={"from": "2026-03-31", "to": "2026-01-01"}).json()
    assert "the dates run backwards" in body["error"]["message"]


# --- who may see it ------------------------------------------------------------------------------------------


def test_a_chronology_outside_the_scope_is_not_found_and_scrutiny_is_refused(web_hub):
    manager = web_hub.client("manager")
    cursor = cursor_of(manager)
    mine, other = in_team(web_hub, cursor), outside_team(web_hub, cursor)
    assert manager.get(f"/children/{mine}/chronology").status_code == 200
    for path in (f"/children/{other}/chronology", f"/children/{other}/chronology?format=csv"):
        refused = manager.get(path)
        assert refused.status_code == 404 and "no such child, or not one you may see" in refused.text
    assert manager.get(f"/api/v1/children/{other}/chronology").status_code == 404
    assert manager.get("/children/C999999999/chronology").status_code == 404
    assert not events(web_hub.data_dir, actor="manager", child=other, action="view_chronology")
    assert not events(web_hub.data_dir, actor="manager", child=other, action="download_list")
    scrutiny = web_hub.client("scrutiny")
    assert scrutiny.get(f"/children/{mine}/chronology").status_code == 403
    assert scrutiny.get(f"/children/{mine}/chronology?format=xlsx").status_code == 403
    assert scrutiny.get(f"/api/v1/children/{mine}/chronology").status_code == 403


# --- the spreadsheet -----------------------------------------------------------------------------------------


def test_the_chronology_downloads_as_csv_with_iso_dates_audited_with_its_rows(web_hub):
    client = web_hub.client("analyst")
    key = child_where(cursor_of(client), MANY_SERVICES)
    timeline = _timeline(client, key)
    response = client.get(f"/children/{key}/chronology", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="chronology-{key}-{date.today().isoformat()}.csv"' in response.headers["content-disposition"]
    rows = _csv_rows(response)
    assert list(rows[0]) == [
        "Date", "Until", "Service", "Event", "Details (the service's own words)", "Source system", "Source record",
    ]  # fmt: skip
    assert len(rows) == len(timeline)
    oldest = timeline[-1]
    assert rows[0]["Date"] == oldest["date"] and rows[0]["Event"] == oldest["kind"]
    assert rows[0]["Details (the service's own words)"] == oldest["summary"]
    assert rows[0]["Source system"] == oldest["service"] and rows[0]["Source record"] == (oldest["record"] or "")
    assert {row["Service"] for row in rows} >= {"Children's social care", "Education"}
    event = events(web_hub.data_dir, actor="analyst", action="download_list", limit=1)[0]
    assert event.details["rows"] == len(rows) and event.children == (key,) and event.child_count == 1
    assert event.details["format"] == "csv" and event.subject.startswith("Chronology of ")


def test_the_chronology_downloads_as_excel_with_dates_as_dates_and_the_child_on_the_about_sheet(web_hub):
    from openpyxl import load_workbook

    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    key = child_where(cursor, MANY_SERVICES)
    forename, surname, child_id = cursor.execute(
        "SELECT forename, surname, child_id FROM fact_child WHERE child_key = ?", [key]
    ).fetchone()
    response = client.get(f"/children/{key}/chronology", params={"format": "xlsx", "service": "social_care"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet, about = book.worksheets
    assert sheet["A1"].value.startswith(f"Chronology of {forename} {surname} (born ")
    assert sheet["A2"].value == f"As at {long_date(date.today())}"
    assert [cell.value for cell in sheet[5]][:4] == ["Date", "Until", "Service", "Event"]
    table = list(sheet.iter_rows(min_row=6, values_only=True))
    social_care = [e for e in _timeline(client, key) if e["service"] == "social_care"]
    assert len(table) == len(social_care) and all(isinstance(row[0], datetime) for row in table)
    assert table[0][0].date() == date.fromisoformat(social_care[-1]["date"])
    notes = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert notes["Child"] == f"{forename} {surname}" and notes["childhub child ID"] == str(child_id)
    assert notes["Chosen"] == "Children's social care, every date" and notes["Rows"] == str(len(table))
    assert "oldest first" in notes["Definition"]
    event = events(web_hub.data_dir, actor="analyst", action="download_list", limit=1)[0]
    assert event.details["rows"] == len(table) and event.details["services"] == ["social_care"]
