"""My cases and My team, by role: a practitioner sees only their own children, a manager only their teams' workers,
scrutiny and analysts are refused; every list is audited with its children and downloads with its row count."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from childhub.audit import events
from childhub.indicators import calculator

OPEN = "allocation_on(a, current_date)"


def _query(web_hub, sql: str, params: list | None = None) -> list[tuple]:
    from childhub.facts import prepare

    with web_hub.store.reader() as conn:
        prepare(conn)
        return conn.execute(sql, params or []).fetchall()


def _allocated(web_hub, worker: str) -> set[str]:
    rows = _query(
        web_hub,
        f"SELECT DISTINCT child_key FROM fact_allocation a WHERE {OPEN} AND worker_id = ? AND child_key IS NOT NULL",
        [worker],
    )
    return {key for (key,) in rows}


def _visible_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_a_practitioner_sees_their_own_children_with_what_is_due_soonest_first(web_hub):
    body = web_hub.client("practitioner").get("/api/v1/my-cases").json()
    assert body["worker"]["worker_id"] == web_hub.practitioner_worker
    keys = [child["child_key"] for child in body["children"]]
    assert set(keys) == _allocated(web_hub, web_hub.practitioner_worker) and keys
    firsts = [child["due"][0]["due_date"] for child in body["children"] if child["due"]]
    assert firsts == sorted(firsts)
    today = date.today()
    for child in body["children"]:
        assert child["child_name"] and child["status"]
        dates = [item["due_date"] for item in child["due"]]
        assert dates == sorted(dates)
        for item in child["due"]:
            days = (date.fromisoformat(item["due_date"]) - today).days
            assert item["days_until_due"] == days and item["overdue"] == (days < 0)
            if days < 0:
                assert item["when"] == f"Overdue by {-days} day{'s' if days != -1 else ''}"
    event = events(web_hub.data_dir, actor="practitioner", action="view_my_cases", limit=1)[0]
    assert event.child_count == len(keys)


def test_the_my_cases_page_says_what_is_overdue_in_words_and_shows_no_codes(web_hub):
    page = web_hub.client("practitioner").get("/my-cases")
    assert page.status_code == 200
    body = web_hub.client("practitioner").get("/api/v1/my-cases").json()
    overdue = [item for child in body["children"] for item in child["due"] if item["overdue"]]
    assert page.text.count('<span class="tag tag--red">Overdue by') == len(overdue)
    for child in body["children"]:
        assert f'<a href="/children/{child["child_key"]}">' in page.text
    text = _visible_text(page.text)
    codes = re.findall(r"\b(?:U[1-6]|[ACDEHKPRSTZ][0-9]{1,2}|RC[0-9]|PN[0-9]|N[0-9]|V[34]|T00[0-9])\b", text)
    assert not codes, codes


def test_a_practitioner_may_not_open_another_workers_cases_or_my_team(web_hub):
    client = web_hub.client("practitioner")
    other = _query(
        web_hub,
        f"SELECT DISTINCT worker_id FROM fact_allocation a WHERE {OPEN} AND worker_id <> ? ORDER BY 1 LIMIT 1",
        [web_hub.practitioner_worker],
    )[0][0]
    assert client.get(f"/my-cases?worker={other}").status_code == 403
    assert client.get(f"/api/v1/my-cases?worker={other}").status_code == 403
    assert client.get("/my-team").status_code == 403
    assert client.get("/api/v1/my-team").status_code == 403


@pytest.mark.parametrize("role", ["scrutiny", "analyst"])
def test_scrutiny_and_analysts_are_refused_my_cases_and_my_team(web_hub, role):
    client = web_hub.client(role)
    for path in ("/my-cases", "/api/v1/my-cases", "/my-team", "/api/v1/my-team", "/my-cases?format=csv"):
        assert client.get(path).status_code == 403, path


def _team_workers(web_hub) -> set[str]:
    rows = _query(web_hub, "SELECT worker_id FROM fact_worker WHERE team_id = ?", [web_hub.manager_team])
    return {worker for (worker,) in rows}


def test_a_manager_chooses_among_their_teams_workers_and_opens_only_those(web_hub):
    client = web_hub.client("manager")
    prompt = client.get("/api/v1/my-cases").json()
    assert prompt["worker"] is None and prompt["children"] == []
    offered = {w["worker_id"] for w in prompt["choose_from"]}
    assert offered and offered <= _team_workers(web_hub) | {web_hub.practitioner_worker}
    page = client.get("/my-cases")
    assert page.status_code == 200 and "Choose a worker" in page.text
    opened = client.get(f"/api/v1/my-cases?worker={web_hub.practitioner_worker}").json()
    assert {c["child_key"] for c in opened["children"]} == _allocated(web_hub, web_hub.practitioner_worker)
    outsiders = _query(
        web_hub,
        "SELECT w.worker_id FROM fact_worker w JOIN fact_team t USING (team_id) WHERE w.team_id <> ? "
        "ORDER BY 1 LIMIT 1",
        [web_hub.manager_team],
    )
    assert client.get(f"/my-cases?worker={outsiders[0][0]}").status_code == 403
    assert client.get("/my-cases?worker=NO-SUCH-WORKER").status_code == 404


def test_my_team_agrees_with_the_caseloads_and_opens_each_worker(web_hub):
    client = web_hub.client("manager")
    team = client.get("/api/v1/my-team").json()
    caseloads = client.get("/api/v1/caseloads").json()
    assert {w["worker_id"]: w["cases"] for w in team["workers"]} == {
        w["worker_id"]: w["cases"] for w in caseloads["workers"]
    }
    assert {w["team_id"] for w in team["workers"]} == {web_hub.manager_team}
    for worker in team["workers"]:
        assert worker["threshold"] == pytest.approx(18.0 * worker["fte"], abs=0.05)
        assert worker["over_threshold"] == (worker["cases"] > 18.0 * worker["fte"])
    overdue_by_worker = {w["worker_id"]: w["overdue_visits"] + w["overdue_reviews"] + w["overdue_other"]
                         for w in team["workers"]}  # fmt: skip
    assert sum(overdue_by_worker.values()) == len(team["overdue"])
    assert all(row["days_until_due"] < 0 for row in team["overdue"])
    page = client.get("/my-team")
    assert page.status_code == 200
    for worker in team["workers"]:
        assert f'href="/my-cases?worker={worker["worker_id"]}"' in page.text
    assert client.get("/my-team?team=NO-SUCH-TEAM").status_code == 404


def test_unallocated_children_have_names_the_date_they_became_open_and_days_waiting(web_hub):
    team = web_hub.client("admin").get("/api/v1/my-team").json()
    with calculator(web_hub.store, web_hub.authority) as calc:
        unallocated = {row["child_key"] for row in calc.children("unallocated_cases", date.today())}
    # (the tiny authority may have nobody waiting today: tests/frontline works the waiting by hand)
    assert {u["child_key"] for u in team["unallocated"]} == unallocated
    first_open = dict(
        _query(
            web_hub,
            "SELECT child_key, min(from_date) FROM fact_service_known WHERE service = 'social_care' "
            "AND open_on(from_date, until_date, current_date) GROUP BY child_key",
        )
    )
    # waiting for a worker: since the child became open or, if later, since their last worker's allocation ended
    worker_left = dict(
        _query(
            web_hub,
            "SELECT child_key, max(end_date) FROM fact_allocation "
            "WHERE worker_id IS NOT NULL AND end_date <= current_date GROUP BY child_key",
        )
    )
    for row in team["unallocated"]:
        assert row["child_name"]
        opened = first_open[row["child_key"]]
        assert row["open_since_date"] == opened.isoformat()
        waited = max(opened, worker_left.get(row["child_key"]) or opened)
        assert row["waiting_since_date"] == waited.isoformat()
        assert row["days_waiting"] == (date.today() - waited).days
    waits = [row["days_waiting"] for row in team["unallocated"]]
    assert waits == sorted(waits, reverse=True)


def test_the_weekly_trend_agrees_with_the_caseload_indicators_on_each_sunday(web_hub):
    team = web_hub.client("admin").get("/api/v1/my-team").json()
    cases, unallocated = team["trend"]
    assert len(cases["weeks"]) == 26
    last = date.fromisoformat(cases["weeks"][-1]["week_ending"])
    assert last.weekday() == 6 and timedelta(days=1) <= date.today() - last <= timedelta(days=7)
    with calculator(web_hub.store, web_hub.authority) as calc:
        for week in (cases["weeks"][0], cases["weeks"][-1]):
            day = date.fromisoformat(week["week_ending"])
            [held, waiting] = calc.figures(day, ["caseload_per_worker", "unallocated_cases"])
            assert week["value"] == held.numerator
            assert unallocated["weeks"][cases["weeks"].index(week)]["value"] == waiting.numerator
    for series in (cases, unallocated):
        assert isinstance(series["warnings"], list)


def test_downloads_name_the_children_and_are_audited_with_their_row_counts(web_hub):
    client = web_hub.client("practitioner")
    listed = client.get("/api/v1/my-cases").json()["children"]
    response = client.get("/my-cases?format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(listed)
    assert {row["Name"] for row in rows} == {child["child_name"] for child in listed}
    event = events(web_hub.data_dir, actor="practitioner", action="download_list", limit=1)[0]
    assert event.details["rows"] == len(listed) and event.child_count == len(listed)
    workbook = client.get("/my-cases?format=xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"

    admin = web_hub.client("admin")
    team = admin.get("/api/v1/my-team").json()
    for which in ("unallocated", "overdue"):
        response = admin.get(f"/my-team?list={which}&format=csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == len(team[which])
        event = events(web_hub.data_dir, actor="admin", action="download_list", limit=1)[0]
        assert event.details["rows"] == len(team[which])


def test_an_unknown_download_format_is_refused(web_hub):
    assert web_hub.client("practitioner").get("/my-cases?format=pdf").status_code == 422


def test_the_trend_s_control_limits_read_as_numbers(web_hub):
    # a count of children is "12", not "12.0"; a limit below nothing is shown as 0 (as the words filter prints)
    from childhub.web.words import number

    client = web_hub.client("admin")
    trend = client.get("/api/v1/my-team").json()["trend"]
    page = client.get("/my-team").text
    limited = [t for t in trend if t["limits"]]
    assert limited, "the tiny authority's 26 weeks give control limits"
    for t in limited:
        lower, upper = max(t["limits"]["lower"], 0), t["limits"]["upper"]
        assert f"; control limits {number(lower)} to {number(upper)}</figcaption>" in page
    assert not re.search(r"control limits [^<]*\b\d+\.0\b", page)
