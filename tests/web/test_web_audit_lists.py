"""Every web list of children names in the audit log the children it showed, so "who looked at this child?"
(``/audit?child=``) finds the list as well as the child's own page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import childhub.audit
from childhub.audit import events
from childhub.indicators import calculator

LINKED = re.compile(r'href="/children/([^"/?#]+)"')  # every list links each child it shows to their page


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def audited(web_hub, client, path: str, action: str, **params):
    """The response to GET ``path`` and the one ``action`` event it wrote."""
    before = events(web_hub.data_dir, limit=1)[0].event_id
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    (event,) = [e for e in events(web_hub.data_dir, action=action, limit=20) if e.event_id > before]
    return response, event


def linked_keys(page) -> set[str]:
    return set(LINKED.findall(page.text))


def assert_found_by_child(web_hub, event) -> None:
    """The log, asked about one of the event's children, on the page and over the API, finds the event."""
    admin = web_hub.client("admin")
    key = event.children[-1]
    filters = {"child": key, "action": event.action, "actor": event.actor}
    body = admin.get("/api/v1/audit", params=filters).json()
    assert event.event_id in [e["event_id"] for e in body["events"]]
    page = admin.get("/audit", params=filters)
    assert page.status_code == 200 and f'<th scope="row">{event.actor}</th>' in page.text


# --- the children behind an indicator's number -----------------------------------------------------------


def test_the_children_behind_the_number_over_the_api_are_named(web_hub):
    client = web_hub.client("analyst")
    response, event = audited(
        web_hub, client, "/api/v1/indicators/re_referrals_12m/children", "view_children", part="numerator"
    )
    shown = {row["child_key"] for row in response.json()["rows"]}
    assert shown and event.children == tuple(sorted(shown)) and event.child_count == len(shown)
    assert_found_by_child(web_hub, event)


def test_the_children_behind_the_number_on_the_page_are_named_and_only_those_in_scope(web_hub):
    client = web_hub.client("manager")
    page, event = audited(web_hub, client, "/indicators/re_referrals_12m/children", "view_children", part="denominator")
    assert linked_keys(page) and set(event.children) == linked_keys(page)
    assert event.details["hidden"] > 0  # the children outside the manager's teams are neither shown nor named
    assert_found_by_child(web_hub, event)


# --- cohorts ---------------------------------------------------------------------------------------------

COHORT = {"population": "children_in_need"}


def test_the_cohorts_children_page_names_the_children_listed(web_hub):
    page, event = audited(web_hub, web_hub.client("analyst"), "/cohorts/children", "view_children", **COHORT)
    assert linked_keys(page) and set(event.children) == linked_keys(page)
    assert event.child_count == len(event.children) and event.details["cohort_size"] == len(event.children)
    assert_found_by_child(web_hub, event)


def downloaded_keys(response) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [row["Child key"] for row in rows]


def test_the_cohorts_children_download_names_every_child_in_it(web_hub):
    client = web_hub.client("admin")
    response, event = audited(web_hub, client, "/cohorts/export", "download_list", rows="children", **COHORT)
    keys = downloaded_keys(response)
    assert keys and event.children == tuple(sorted(keys)) and event.child_count == len(keys)
    assert_found_by_child(web_hub, event)


def test_the_cohorts_counts_name_no_child(web_hub):
    client = web_hub.client("analyst")
    _, download = audited(web_hub, client, "/cohorts/export", "export_cohort", rows="table", **COHORT)
    _, counted = audited(web_hub, client, "/api/v1/cohorts", "cohort", **COHORT)
    assert download.children == counted.children == ()
    assert counted.child_count > 0  # how many were counted, as the count is an aggregate


def test_a_download_bigger_than_the_cap_names_the_first_and_counts_the_rest(web_hub, monkeypatch):
    monkeypatch.setattr(childhub.audit, "MAX_CHILD_KEYS", 3)
    client = web_hub.client("analyst")
    response, event = audited(web_hub, client, "/cohorts/export", "download_list", rows="children", **COHORT)
    keys = sorted(downloaded_keys(response))
    assert len(keys) > 3 and event.children == tuple(keys[:3])
    assert event.details["children_not_recorded"] == len(keys) - 3 and event.child_count == len(keys)


# --- caseloads, families, search, the review queue -------------------------------------------------------


def a_day_with_unallocated_children(web_hub) -> date:
    """The latest month-end of the last three years on which some child open to social care had no worker."""
    with calculator(web_hub.store, web_hub.authority) as calc:
        for months in range(36):
            day = date.today().replace(day=1) - timedelta(days=1 + 30 * months)
            if calc.children("unallocated_cases", day):
                return day
    raise AssertionError("the test authority has no unallocated child at any month-end of the last three years")


def test_caseloads_name_the_unallocated_children_shown(web_hub):
    client = web_hub.client("analyst")
    day = a_day_with_unallocated_children(web_hub).isoformat()
    response, event = audited(web_hub, client, "/api/v1/caseloads", "view_caseloads", as_at=day)
    shown = {row["child_key"] for row in response.json()["unallocated"]}
    assert event.children == tuple(sorted(shown)) and event.child_count == len(shown)
    page, on_the_page = audited(web_hub, client, "/caseloads", "view_caseloads", as_at=day)
    assert shown and set(on_the_page.children) == linked_keys(page) == shown
    assert_found_by_child(web_hub, event)


def a_family_partly_in_the_managers_teams(web_hub) -> int:
    found = (
        cursor_of(web_hub.client("admin"))
        .execute(
            """
        WITH seen AS (
            SELECT DISTINCT child_key FROM fact_allocation
            WHERE team_id = ? AND start_date <= current_date AND (end_date IS NULL OR end_date > current_date)
        )
        SELECT m.family_id FROM family_member m LEFT JOIN seen s ON s.child_key = 'C' || m.child_id
        WHERE m.valid_to IS NULL GROUP BY m.family_id
        HAVING count(s.child_key) >= 1 AND count(*) > count(s.child_key) ORDER BY m.family_id LIMIT 1
        """,
            [web_hub.manager_team],
        )
        .fetchall()
    )
    assert found, "the test authority has no family with members both in and outside the manager's team"
    return found[0][0]


def test_a_family_names_the_members_the_person_could_see(web_hub):
    family = a_family_partly_in_the_managers_teams(web_hub)
    client = web_hub.client("manager")
    response, event = audited(web_hub, client, f"/api/v1/families/{family}", "view_family")
    body = response.json()
    shown = {m["child_key"] for m in body["members"] if m["child_key"]}
    assert shown and len(shown) < len(body["members"])  # the others are in the answer, but not who they are
    assert event.children == tuple(sorted(shown)) and event.child_count == len(shown)
    page, on_the_page = audited(web_hub, client, f"/families/{family}", "view_family")
    assert set(on_the_page.children) == linked_keys(page) == shown
    assert_found_by_child(web_hub, event)


def test_search_names_the_children_it_listed(web_hub):
    (surname,) = (
        cursor_of(web_hub.client("admin"))
        .execute(
            "SELECT surname FROM fact_person WHERE surname IS NOT NULL GROUP BY surname ORDER BY count(*) DESC LIMIT 1"
        )
        .fetchone()
    )
    client = web_hub.client("analyst")
    response, event = audited(web_hub, client, "/api/v1/search", "search", q=surname)
    shown = {row["child_key"] for row in response.json()["results"]}
    assert shown and event.children == tuple(sorted(shown)) and event.child_count == len(shown)
    page, on_the_page = audited(web_hub, client, "/search", "search", q=surname)
    assert set(on_the_page.children) == linked_keys(page) == shown
    assert_found_by_child(web_hub, event)


def test_a_search_that_finds_nobody_writes_an_event_naming_nobody(web_hub):
    client = web_hub.client("practitioner")
    response, event = audited(web_hub, client, "/api/v1/search", "search", q="Qzxwvq Jjkkxy")
    assert response.json()["results"] == []
    assert event.children == () and event.child_count == 0 and event.details["query"] == "Qzxwvq Jjkkxy"


def test_the_review_queue_names_the_children_of_the_records_shown(web_hub):
    client = web_hub.client("admin")
    response, event = audited(web_hub, client, "/api/v1/review", "view_review_queue")
    body = response.json()
    records = [
        (side["source_system"], side["source_record_id"])
        for pair in body["pairs"] + body["decided"]
        for side in (pair["left"], pair["right"])
    ]
    assert records
    keys = cursor_of(client).execute(
        "SELECT DISTINCT child_key FROM fact_person WHERE (source_system, person_id) IN "
        "(SELECT (r[1], r[2]) FROM unnest(?) AS u(r))",
        [[list(record) for record in records]],
    )
    assert event.children == tuple(sorted(key for (key,) in keys.fetchall()))
    assert event.details["pairs"] == len(body["pairs"]) and event.details["decided"] == len(body["decided"])
    assert_found_by_child(web_hub, event)
