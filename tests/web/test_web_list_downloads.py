"""Every list of children leaves the screen as CSV and Excel (``web.exports.child_list_download``): names where the
role may see them, nothing outside the person's scope, a title and date above the table, the definition on the About
sheet, and one ``download_list`` audit entry whose row count is the file's."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from childhub.audit import events
from childhub.indicators import indicator
from childhub.web.exports import ChildList, Column, child_list_download, long_date

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def names_of(client) -> dict[int, str]:
    """Every linked child's name as fact_child chose it, by child ID."""
    return {
        child_id: " ".join(part for part in (forename, surname) if part)
        for child_id, forename, surname in cursor_of(client)
        .execute("SELECT child_id, forename, surname FROM fact_child WHERE child_id IS NOT NULL")
        .fetchall()
    }


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def workbook(response) -> tuple[list, list[str], list[tuple], dict[str, str]]:
    """An Excel download read back: the lines above the table, its header, its rows and the About sheet."""
    from openpyxl import load_workbook

    assert response.status_code == 200, response.text
    sheet, about = load_workbook(io.BytesIO(response.content)).worksheets
    lines = list(sheet.iter_rows(values_only=True))
    heading = [line[0] for line in lines[:3]]
    assert lines[3] == (None,) * len(lines[3])  # a blank line between the heading and the table
    return heading, list(lines[4]), lines[5:], {label: text for label, text in about.iter_rows(values_only=True)}


def newest_download(web_hub, actor: str):
    return events(web_hub.data_dir, actor=actor, action="download_list", limit=1)[0]


def manager_may_see(client, web_hub) -> set[str]:
    """The children the manager may see, as the scope's rule says: a case open today in their team, or a CIN
    episode open today in their team with no allocation."""
    found = cursor_of(client).execute(
        f"SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ? UNION "
        "SELECT r.child_key FROM fact_referral r WHERE cin_open_on(r, current_date) AND r.team_id = ?",
        [web_hub.manager_team, web_hub.manager_team],
    )
    return {key for (key,) in found.fetchall()}


# --- the children behind a number ---------------------------------------------------------------------------


def test_the_children_behind_a_number_download_with_names_and_the_indicators_definition(web_hub):
    client = web_hub.client("analyst")
    names = names_of(client)
    listed = client.get("/api/v1/indicators/re_referrals_12m/children").json()["rows"]
    assert listed, "the test authority has no re-referrals"
    page = client.get("/indicators/re_referrals_12m/children").text
    as_at = date.today().isoformat()
    assert f'href="/indicators/re_referrals_12m/children?part=numerator&amp;as_at={as_at}&amp;format=csv"' in page
    assert "Download Excel" in page

    rows = csv_rows(client.get("/indicators/re_referrals_12m/children", params={"format": "csv"}))
    assert len(rows) == len(listed)
    assert list(rows[0])[:3] == ["Child ID", "Name", "Date of birth"]
    assert all(row["Name"] == names[int(row["Child ID"])] for row in rows if row["Child ID"])
    assert all(len(row["Date of birth"]) in (0, 10) for row in rows)  # ISO dates (or none recorded)
    event = newest_download(web_hub, "analyst")
    assert event.details["rows"] == len(rows) and event.details["format"] == "csv"
    assert event.details["indicator"] == "re_referrals_12m" and event.details["part"] == "numerator"
    assert set(event.children) == {row["child_key"] for row in listed if row["child_key"]}

    heading, header, table, about = workbook(
        client.get("/indicators/re_referrals_12m/children", params={"format": "xlsx", "part": "denominator"})
    )
    denominator = client.get("/api/v1/indicators/re_referrals_12m/children?part=denominator").json()["rows"]
    re_referrals = indicator("re_referrals_12m")
    assert heading[0] == f"Children behind {re_referrals.name} (denominator)"
    assert heading[1] == f"As at {long_date(date.today())}" and heading[2].startswith("Downloaded ")
    assert header[:3] == ["Child ID", "Name", "Date of birth"] and len(table) == len(denominator)
    assert about["Definition"] == re_referrals.definition
    assert about["Part"].startswith("the denominator") and about["Period"].endswith(long_date(date.today()))
    assert about["Rows"] == f"{len(table):,}"
    assert all(isinstance(row[0], int | float) for row in table if row[0] is not None)  # numbers as numbers
    assert all(isinstance(row[2], datetime) for row in table if row[2] is not None)  # dates as dates
    assert newest_download(web_hub, "analyst").details["rows"] == len(table)


def test_a_manager_downloads_only_the_children_behind_a_number_in_their_scope(web_hub):
    client = web_hub.client("manager")
    mine = manager_may_see(client, web_hub)
    everyone = web_hub.client("analyst").get("/api/v1/indicators/caseload_per_worker/children").json()["rows"]
    rows = csv_rows(client.get("/indicators/caseload_per_worker/children", params={"format": "csv"}))
    assert rows and len(rows) < len(everyone)  # some are outside the manager's teams
    event = newest_download(web_hub, "manager")
    assert event.details["rows"] == len(rows) and event.details["hidden"] == len(everyone) - len(rows)
    assert set(event.children) <= mine
    names = names_of(client)
    assert all(row["Name"] == names[int(row["Child ID"])] for row in rows)
    assert web_hub.client("scrutiny").get("/indicators/caseload_per_worker/children?format=csv").status_code == 403


# --- a cohort's children -----------------------------------------------------------------------------------


def test_a_cohorts_children_download_with_names_and_its_rules_in_words(web_hub):
    from childhub.cohorts import definitions

    client = web_hub.client("analyst")
    names = names_of(client)
    params = {"population": "looked_after", "rows": "children"}
    total = client.get("/api/v1/cohorts", params={"population": "looked_after"}).json()
    page = client.get("/cohorts", params={"population": "looked_after"}).text
    assert "rows=children&amp;format=xlsx" in page or "format=xlsx&amp;rows=children" in page
    rows = csv_rows(client.get("/cohorts/export", params={**params, "format": "csv"}))
    assert len(rows) == total["children"] > 0
    assert all(row["Name"] == names[int(row["Child ID"])] for row in rows)
    assert "Services known to" in rows[0] and "Child key" in rows[0]  # the key of the child's page
    event = newest_download(web_hub, "analyst")
    assert event.details["rows"] == len(rows) and event.details["cohort"]["population"] == "looked_after"

    heading, header, table, about = workbook(client.get("/cohorts/export", params={**params, "format": "xlsx"}))
    assert heading[0].startswith("Cohort: Looked after") and len(table) == len(rows)
    looked_after = definitions().populations["looked_after"]
    assert about["Definition"] == f"{looked_after.label}: {looked_after.definition} Chosen: {heading[0][8:]}."
    assert newest_download(web_hub, "analyst").details["rows"] == len(table)
    assert web_hub.client("manager").get("/cohorts/export", params={**params, "format": "csv"}).status_code == 403


# --- the unallocated ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "manager"])
def test_the_unallocated_download_with_names_within_the_scope(web_hub, role):
    client = web_hub.client(role)
    unallocated = client.get("/api/v1/caseloads").json()["unallocated"]
    page = client.get("/caseloads").text
    if unallocated:
        assert f'href="/caseloads/unallocated?as_at={date.today().isoformat()}&amp;format=csv"' in page
    rows = csv_rows(client.get("/caseloads/unallocated", params={"format": "csv"}))
    assert len(rows) == len(unallocated)
    assert [row["Child ID"] for row in rows] == [str(u["child_id"] or "") for u in unallocated]
    names = names_of(client)
    assert all(row["Name"] == names[int(row["Child ID"])] for row in rows if row["Child ID"])
    event = newest_download(web_hub, role)
    assert event.details["rows"] == len(rows)
    if role == "manager":
        assert set(event.children) <= manager_may_see(client, web_hub)
        assert all(u["team_id"] == web_hub.manager_team for u in unallocated)
    heading, _, table, about = workbook(client.get("/caseloads/unallocated", params={"format": "xlsx"}))
    assert heading[0].startswith("Unallocated cases") and len(table) == len(rows)
    assert about["Definition"] == indicator("unallocated_cases").definition
    assert newest_download(web_hub, role).details["rows"] == len(table)


def test_practitioners_and_scrutiny_cannot_download_the_unallocated(web_hub):
    for role in ("practitioner", "scrutiny"):
        assert web_hub.client(role).get("/caseloads/unallocated?format=csv").status_code == 403


# --- a family's children -----------------------------------------------------------------------------------


def test_a_familys_children_download_with_only_the_children_the_person_may_see(web_hub):
    analyst = web_hub.client("analyst")
    cursor = cursor_of(analyst)
    family_id, size = cursor.execute(
        "SELECT family_id, count(*) FROM family_member WHERE valid_to IS NULL GROUP BY 1 HAVING count(*) >= 2 "
        "ORDER BY 1 LIMIT 1"
    ).fetchone()
    assert f'href="/families/{family_id}?format=csv"' in analyst.get(f"/families/{family_id}").text
    rows = csv_rows(analyst.get(f"/families/{family_id}", params={"format": "csv"}))
    assert len(rows) == size and all(row["Name"] for row in rows)
    assert newest_download(web_hub, "analyst").details["rows"] == size
    _, header, table, about = workbook(analyst.get(f"/families/{family_id}", params={"format": "xlsx"}))
    assert header == ["Child ID", "Name", "Date of birth", "Role", "Known to", "Open now"] and len(table) == size
    assert "linkage groups into one family" in about["Definition"]

    # a manager: a family with one child in their scope and one outside it lists the one
    manager = web_hub.client("manager")
    mine = manager_may_see(manager, web_hub)
    found = cursor.execute(
        "SELECT family_id FROM family_member WHERE valid_to IS NULL GROUP BY 1 "
        "HAVING count(*) FILTER (list_contains(?, 'C' || child_id)) >= 1 "
        "AND count(*) FILTER (NOT list_contains(?, 'C' || child_id)) >= 1 ORDER BY 1 LIMIT 1",
        [sorted(mine), sorted(mine)],
    ).fetchall()
    assert found, "the test authority has no family with a child in the manager's scope and one outside it"
    rows = csv_rows(manager.get(f"/families/{found[0][0]}", params={"format": "csv"}))
    event = newest_download(web_hub, "manager")
    assert rows and set(event.children) <= mine and event.details["rows"] == len(rows)
    assert event.details["hidden"] >= 1


# --- what any list's file holds ------------------------------------------------------------------------------


def test_text_a_spreadsheet_could_run_stays_text_and_numbers_and_dates_keep_their_kind(tmp_path):
    """A child named "=HYPERLINK(...)" in a source system is text in both files; a number is a number, a date a date."""
    import duckdb
    from openpyxl import load_workbook

    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE fact_child AS SELECT 'C1' AS child_key, 1 AS child_id, "
        "'=HYPERLINK(\"http://example.invalid\",\"open\")' AS forename, 'Smith' AS surname, "
        "DATE '2016-02-29' AS date_of_birth"
    )
    snapshot = SimpleNamespace(cursor=lambda: conn)
    hub = SimpleNamespace(served=SimpleNamespace(current=lambda: snapshot), data_dir=tmp_path)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(childhub=hub)), url=SimpleNamespace(path="/x"))
    signed = SimpleNamespace(account=SimpleNamespace(username="analyst"), role="analyst", channel="web")

    def listing() -> ChildList:
        return ChildList(
            title="=cmd|' /C calc'!A0",
            definition="-2+3 children",
            columns=[Column("Cases", "cases"), Column("Team", "team"), Column("Since", "since")],
            rows=[{"child_key": "C1", "cases": 12, "team": "@SUM(1+1)", "since": date(2024, 2, 29)}],
            as_at=date(2026, 3, 31),
        )

    text = child_list_download(request, signed, "csv", listing()).body.decode("utf-8-sig")
    header, line = text.splitlines()
    assert header == "Child ID,Name,Date of birth,Cases,Team,Since"
    name = '"\'=HYPERLINK(""http://example.invalid"",""open"") Smith"'
    assert line == f"1,{name},2016-02-29,12,'@SUM(1+1),2024-02-29"

    sheet, about = load_workbook(io.BytesIO(child_list_download(request, signed, "xlsx", listing()).body)).worksheets
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0" and sheet["A1"].data_type == "s"
    name, cases, team, since = sheet["B6"], sheet["D6"], sheet["E6"], sheet["F6"]
    assert name.data_type == "s" and name.value.startswith("'=HYPERLINK(")
    assert team.value == "'@SUM(1+1)" and team.data_type == "s"
    assert cases.value == 12 and cases.data_type == "n"
    assert since.value == datetime(2024, 2, 29) and sheet["C6"].value == datetime(2016, 2, 29)
    notes = {label: value for label, value in about.iter_rows(values_only=True)}
    assert notes["Definition"] == "'-2+3 children" and notes["As at"] == "2026-03-31" and notes["Rows"] == "1"
    assert sheet.column_dimensions["B"].width > len("Name") + 4  # as wide as the name it holds
    logged = events(tmp_path, action="download_list")
    assert [event.details["rows"] for event in logged] == [1, 1]
