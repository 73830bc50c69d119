"""The data-quality page, its fix lists and acceptance, the child page's findings and the overview's measure.

Most tests read ``web_hub`` as the check after its ingest left it. ``planted`` is a copy of it with one
hand-made fault: two looked-after children (social care records ``ZZ1`` and ``ZZ2``) whose ethnicity code
is not one the SSDA903 return allows, loaded through ``History`` and found by ``hub.check_quality``
(SSDA903 rule 103). No one holds ZZ1's case; ZZ2's is allocated to the practitioner, in the manager's team.
The tests that accept a finding write to that copy, never to the shared hub.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime, timedelta

import pytest
from markupsafe import escape

from conftest import History, WebHub, csrf_of

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick

PLANTED_RECORD = "ZZ1"
PLANTED_CHILD = "C900001"  # the child ID History links the planted record to
ALLOCATED_RECORD, ALLOCATED_CHILD = "ZZ2", "C900002"  # the practitioner's, in the manager's team
RULE_103 = "The ethnicity code is either not valid or has not been entered."
PAGES = ["/data-quality", "/data-quality/fix-list?format=csv", "/api/v1/data-quality", "/api/v1/data-quality/findings"]


@pytest.fixture(scope="module")
def planted(web_hub, tmp_path_factory) -> WebHub:
    """A copy of the web hub with a looked-after child whose ethnicity code is not valid, checked again."""
    from childhub.hub import check_quality

    folder = tmp_path_factory.mktemp("dq-web")
    shutil.copytree(web_hub.data_dir, folder / "store", ignore=shutil.ignore_patterns("*.lock"))
    hub = WebHub(folder / "store", web_hub.as_at)
    hub.practitioner_worker, hub.manager_team = web_hub.practitioner_worker, web_hub.manager_team
    history = History(hub.data_dir)
    history.child(PLANTED_RECORD, dob=date.today() - timedelta(days=365 * 12), ethnicity="ZZZZ", child_id=900001)
    history.episode(PLANTED_RECORD, date.today() - timedelta(days=60), "S", "C2")
    history.child(ALLOCATED_RECORD, dob=date.today() - timedelta(days=365 * 9), ethnicity="ZZZZ", child_id=900002)
    history.episode(ALLOCATED_RECORD, date.today() - timedelta(days=40), "S", "C2")
    history.add(
        "involvements",
        invo_involvements_id="ZZ2-allocation",
        invo_person_id=ALLOCATED_RECORD,
        invo_professional_id=web_hub.practitioner_worker,
        invo_professional_team=web_hub.manager_team,
        invo_involvement_start_date=date.today() - timedelta(days=40),
    )
    history.store()
    check_quality(hub.store, only={"103"})  # the rule the planted children break: the others have run already
    return hub


def _open_findings(hub: WebHub, sql: str = "TRUE") -> list[tuple]:
    with hub.store.reader() as conn:
        return conn.execute(
            f"SELECT finding_key, kind, rule, severity, source_system, source_record FROM dq_finding "
            f"WHERE fixed_at IS NULL AND {sql}"
        ).fetchall()


def _planted_key(hub: WebHub, record: str = PLANTED_RECORD) -> str:
    (found,) = _open_findings(hub, f"kind = 'ssda903' AND rule = '103' AND source_record = '{record}'")
    return found[0]


def _newest(hub: WebHub, action: str):
    from childhub.audit import events

    return events(hub.data_dir, limit=1, action=action)[0]


# --- who may open it --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["practitioner", "scrutiny"])
@pytest.mark.parametrize("path", PAGES)
def test_practitioners_and_scrutiny_are_refused_the_page_and_the_api(web_hub, role, path):
    assert web_hub.client(role).get(path).status_code == 403


@pytest.mark.parametrize("role", ["practitioner", "scrutiny"])
def test_practitioners_and_scrutiny_may_not_accept_a_finding(web_hub, role):
    client = web_hub.client(role)
    response = client.post("/data-quality/x/accept", data={"reason": "r", "csrf_token": csrf_of(client)})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
@pytest.mark.parametrize("path", PAGES)
def test_analysts_managers_and_admins_may_open_it(web_hub, role, path):
    assert web_hub.client(role).get(path).status_code == 200


def test_without_a_session_the_page_sends_you_to_sign_in(web_hub):
    response = web_hub.client().get("/data-quality")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_counts_the_open_errors_and_queries_the_check_recorded(web_hub):
    found = _open_findings(web_hub)
    assert found, "the tiny authority's check finds something"
    errors = sum(1 for f in found if f[3] == "error")
    queries = sum(1 for f in found if f[3] == "query")
    page = web_hub.client("analyst").get("/data-quality").text
    totals = page.split('id="totals"')[1].split("</dl>")[0]
    assert f"<dt>Open errors</dt><dd>{errors:,}</dd>" in totals
    assert f"<dt>Open queries</dt><dd>{queries:,}</dd>" in totals
    assert f"{len(found):,} open findings" in page
    assert 'data-chart="dq-trend"' in page and "A falling line means the data are getting better" in page


def test_the_planted_finding_is_listed_with_its_system_record_and_child(planted):
    page = planted.client("analyst").get("/data-quality", params={"rule": "ssda903 103"})
    assert page.status_code == 200
    key = _planted_key(planted)
    row = page.text.split(f'id="finding-{key}"')[1].split("</tr>")[0]
    assert "SSDA903 103" in row and RULE_103 in row and "header.ETHNIC" not in row and "ETHNIC" in row
    assert f"Children&#39;s social care, record {PLANTED_RECORD}" in row  # the system in words, not social_care
    assert f'<a href="/children/{PLANTED_CHILD}">' in row
    # the filter form keeps what was asked
    assert '<option value="ssda903 103" selected>' in page.text
    viewed = _newest(planted, "view_data_quality")
    assert viewed.actor == "analyst" and PLANTED_CHILD in viewed.children


def test_each_group_opens_on_its_filtered_list(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/data-quality").text
    system = page.split('id="by_system"')[1].split("</table>")[0]
    assert "Children&#39;s social care" in system and ">social_care<" not in system
    assert 'href="/data-quality?system=social_care#findings"' in system
    listed = client.get("/data-quality", params={"system": "social_care"}).text
    count = len(_open_findings(web_hub, "source_system = 'social_care'"))
    assert f"{count:,} open findings match" in listed
    assert '<option value="social_care" selected>' in listed


def test_teams_and_workers_are_named(web_hub):
    import html
    import re

    from childhub.facts import prepare

    page = web_hub.client("analyst").get("/data-quality").text
    with web_hub.store.reader() as conn:
        prepare(conn, ["team", "worker"])
        teams = dict(conn.execute("SELECT team_id, team_name FROM fact_team").fetchall())
        workers = dict(conn.execute("SELECT worker_id, worker_name FROM fact_worker").fetchall())
    for name, known, table in (("team", teams, "by_team"), ("worker", workers, "by_worker")):
        section = page.split(f'id="{table}"')[1].split("</table>")[0]
        links = re.findall(rf'href="/data-quality\?{name}=([^"#]+)#findings">([^<]+)</a>', section)
        assert links, f"the tiny authority has findings about children some {name} holds"
        assert all(html.unescape(shown) == known[value] for value, shown in links)


def test_a_year_that_is_not_a_year_is_refused_in_words(web_hub):
    response = web_hub.client("analyst").get("/data-quality", params={"year": "last"})
    assert response.status_code == 400 and "four digits" in response.text


def test_a_manager_sees_only_the_findings_about_children_they_may_see(planted):
    manager = planted.client("manager").get("/data-quality", params={"rule": "ssda903 103"}).text
    analyst = planted.client("analyst").get("/data-quality", params={"rule": "ssda903 103"}).text
    assert PLANTED_CHILD in analyst and PLANTED_CHILD not in manager  # no worker holds the planted child's case
    assert "the children in your teams" in manager
    with planted.store.reader() as conn:
        from childhub.facts import prepare

        prepare(conn, ["team", "worker"])
        (team,) = conn.execute("SELECT team_name FROM fact_team WHERE team_id = ?", [planted.manager_team]).fetchone()
        (worker,) = conn.execute(
            "SELECT worker_name FROM fact_worker WHERE worker_id = ?", [planted.practitioner_worker]
        ).fetchone()
    key = _planted_key(planted, ALLOCATED_RECORD)
    row = manager.split(f'id="finding-{key}"')[1].split("</tr>")[0]
    assert f'<a href="/children/{ALLOCATED_CHILD}">' in row
    assert f"<td>{escape(team)}<br>{escape(worker)}</td>" in row  # by name, not ID
    body = planted.client("manager").get("/api/v1/data-quality/findings").json()
    assert ALLOCATED_CHILD in {f["child_key"] for f in body["findings"]}
    assert PLANTED_CHILD not in {f["child_key"] for f in body["findings"]}


# --- the fix list -----------------------------------------------------------------------------------


def test_the_fix_list_downloads_with_the_finding_and_is_audited_with_its_row_count(planted):
    response = planted.client("analyst").get("/data-quality/fix-list", params={"rule": "ssda903 103", "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="fix-list-ssda903-103-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = _open_findings(planted, "kind = 'ssda903' AND rule = '103'")
    assert len(rows) == len(expected)
    (mine,) = [r for r in rows if r["record to fix"] == PLANTED_RECORD]
    assert mine["rule"] == "103" and mine["return"] == "SSDA903" and mine["what is wrong"] == RULE_103
    assert mine["system"] == "Children's social care" and mine["child"] == PLANTED_CHILD
    assert mine["finding"] == _planted_key(planted)
    named = planted.client("analyst").get(f"/api/v1/children/{PLANTED_CHILD}").json()["child"]
    # the list's own Name column, as fact_child chose it (empty where no system records one)
    assert mine["Name"] == " ".join(part for part in (named["forename"], named["surname"]) if part)
    event = _newest(planted, "download_list")
    assert event.details["rows"] == len(rows) and event.details["format"] == "csv"
    assert event.details["filters"] == {"kind": "ssda903", "rule": "103"}
    assert PLANTED_CHILD in event.children


def test_the_fix_list_downloads_as_excel(planted):
    from openpyxl import load_workbook

    response = planted.client("manager").get("/data-quality/fix-list", params={"format": "xlsx"})
    assert response.status_code == 200
    sheet, about = load_workbook(io.BytesIO(response.content)).worksheets
    assert sheet["A1"].value == "Data-quality fix list"  # the title, the date and who downloaded it above the table
    header = [cell.value for cell in sheet[5]]
    assert header[:8] == ["Child ID", "Name", "Date of birth", "rule", "return", "severity", "collection year",
                          "what is wrong"]  # fmt: skip
    assert "child's name" not in header
    assert _newest(planted, "download_list").details["rows"] == sheet.max_row - 5
    assert "the record to fix" in dict(about.iter_rows(values_only=True))["Definition"]


# --- accepting a finding ----------------------------------------------------------------------------


def test_accepting_needs_the_forms_token(planted):
    client = planted.client("analyst")
    key = _planted_key(planted)
    response = client.post(f"/data-quality/{key}/accept", data={"reason": "known"})
    assert response.status_code == 403


def test_accepting_needs_a_reason(planted):
    client = planted.client("analyst")
    key = _planted_key(planted)
    response = client.post(f"/data-quality/{key}/accept", data={"reason": "  ", "csrf_token": csrf_of(client)})
    assert response.status_code == 400 and "a reason is required" in response.text


def test_an_accepted_finding_shows_who_accepted_it_and_why_and_is_audited(planted):
    client = planted.client("analyst")
    key = _planted_key(planted)
    reason = "The child's family chose this description; the DfE code is agreed with the DfE"
    response = client.post(
        f"/data-quality/{key}/accept",
        data={"reason": reason, "csrf_token": csrf_of(client), "back": "rule=ssda903+103&evil=x"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/data-quality?rule=ssda903+103&accepted={key}#finding-{key}"
    page = client.get(response.headers["location"]).text
    row = page.split(f'id="finding-{key}"')[1].split("</tr>")[0]
    assert "accepted</span> by analyst on" in row and "The child&#39;s family chose this description" in row
    assert 'name="reason"' not in row
    event = _newest(planted, "accept_dq_finding")
    assert event.subject == key and event.details["reason"] == reason and event.children == (PLANTED_CHILD,)
    with planted.store.reader() as conn:
        assert conn.execute(
            "SELECT reason, accepted_by FROM dq_acceptance WHERE finding_key = ?", [key]
        ).fetchall() == [(reason, "analyst")]
    child = client.get(f"/children/{PLANTED_CHILD}").text
    assert "Accepted by analyst on" in child


def test_a_manager_may_not_accept_a_finding_about_a_child_they_may_not_see(planted):
    client = planted.client("manager")
    key = _planted_key(planted)
    response = client.post(f"/data-quality/{key}/accept", data={"reason": "no", "csrf_token": csrf_of(client)})
    assert response.status_code == 404


# --- the child page and the overview ----------------------------------------------------------------


def test_the_child_page_shows_the_childs_findings(planted):
    page = planted.client("analyst").get(f"/children/{PLANTED_CHILD}")
    assert page.status_code == 200
    box = page.text.split('id="data-quality"')[1].split("<h2")[0]
    assert "SSDA903 103" in box and RULE_103 in box
    assert f"Children&#39;s social care, record {PLANTED_RECORD}" in box
    viewed = _newest(planted, "view_child")
    assert viewed.subject == PLANTED_CHILD


def test_a_practitioner_sees_the_findings_about_a_child_they_hold(planted):
    client = planted.client("practitioner")
    box = client.get(f"/children/{ALLOCATED_CHILD}").text.split('id="data-quality"')[1].split("<h2")[0]
    assert "SSDA903 103" in box and f"Children&#39;s social care, record {ALLOCATED_RECORD}" in box
    assert client.get(f"/children/{PLANTED_CHILD}").status_code == 404  # not theirs: not found, findings and all


def test_the_overview_shows_the_measure_to_scrutiny_without_naming_a_child(web_hub):
    found = _open_findings(web_hub)
    with web_hub.store.reader() as conn:
        accepted = {k for (k,) in conn.execute("SELECT finding_key FROM dq_acceptance").fetchall()}
    errors = sum(1 for f in found if f[3] == "error" and f[0] not in accepted)
    page = web_hub.client("scrutiny").get("/").text
    card = page.split('id="data-quality-measure"')[1].split("</section>")[0]
    assert f'<p class="card__value">{errors:,}</p>' in card
    assert "new since yesterday" in card and "fixed in the last week" in card and '<svg class="sparkline"' in card
    assert 'href="/data-quality"' not in card  # scrutiny may not open the page
    assert "/children/" not in card
    assert not any(f[5] and f[5] in card.split("<svg")[0] for f in found)  # no record named
    analyst = web_hub.client("analyst").get("/").text.split('id="data-quality-measure"')[1].split("</section>")[0]
    assert '<a href="/data-quality">' in analyst


# --- the trend, worked by hand ----------------------------------------------------------------------


def test_the_trend_counts_what_was_open_at_the_end_of_each_day(history):
    from childhub.facts import prepare
    from childhub.web.pages.quality import summary, trend

    store = history.store()
    today = date.today()
    now = datetime.now()
    day = [datetime.combine(today - timedelta(days=n), datetime.min.time()) + timedelta(hours=9) for n in range(4)]
    with store.writer() as conn:
        conn.execute("INSERT INTO dq_run (run_id, started_at) VALUES (1, ?)", [day[3]])
        for key, severity, first_seen, fixed_at in (
            ("a", "error", day[3], day[1]),  # open three days ago, fixed yesterday
            ("b", "error", day[2], None),  # open since two days ago
            ("c", "query", now, None),  # found today
        ):
            conn.execute(
                "INSERT INTO dq_finding (finding_key, kind, rule, year, severity, message, table_name, fields, "
                "child_id, source_system, source_record, fingerprint, first_seen, last_seen, fixed_at) "
                "VALUES (?, 'ssda903', '103', 2026, ?, 'm', 'header', 'ETHNIC', 'P1', 'social_care', 'P1', 'fp', "
                "?, ?, ?)",
                [key, severity, first_seen, first_seen, fixed_at],
            )
    with store.reader() as conn:
        prepare(conn)
        points = trend(conn, today=today)
        totals = summary(conn)
    assert [(p["day"], p["errors"], p["queries"]) for p in points] == [
        (today - timedelta(days=3), 1, 0),
        (today - timedelta(days=2), 2, 0),
        (today - timedelta(days=1), 1, 0),  # a was fixed during the day
        (today, 1, 1),
    ]
    assert (totals["errors"], totals["queries"], totals["new_since_yesterday"], totals["fixed_last_week"]) == (
        1,
        1,
        1,
        1,
    )
