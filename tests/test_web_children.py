"""The child view: one child's record across services, its sources, timeline, status, worker and flags."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.audit import events
from childhub.web.pages import child as records

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"


def cursor_of(client):
    """A cursor on the snapshot the client's app serves (this thread's own)."""
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
        f"c.child_key NOT IN (SELECT a.child_key FROM fact_allocation a LEFT JOIN fact_team t ON t.team_id = a.team_id "
        f"WHERE {OPEN} AND (a.team_id = ? OR a.worker_id = ?))",
        [web_hub.manager_team, web_hub.practitioner_worker],
    )


def test_an_analyst_sees_the_linked_record_its_sources_timeline_and_status(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    key = child_where(cursor, "len(c.source_systems) >= 3 AND c.child_key IN (SELECT child_key FROM fact_contact)")
    forename, surname, person_id = cursor.execute(
        "SELECT forename, surname, person_id FROM fact_person WHERE child_key = ? AND source_system = 'social_care'",
        [key],
    ).fetchone()
    page = client.get(f"/children/{key}")
    assert page.status_code == 200
    text = page.text
    assert f"{forename} {surname}" in text and person_id in text
    assert "Records in each system" in text and "Children&#39;s social care" in text and "Education" in text
    assert "Timeline" in text and "Contact" in text
    assert "Now, in each service" in text and "Child protection" in text and "Youth justice" in text
    assert "Data quality" in text
    family = cursor.execute(
        "SELECT family_id FROM family_member WHERE 'C' || child_id = ? AND valid_to IS NULL", [key]
    ).fetchone()[0]
    assert f'href="/families/{family}"' in text
    event = events(web_hub.data_dir, action="view_child", subject=key, limit=1)[0]
    assert event.actor == "analyst" and event.child_count == 1 and event.channel == "web"


def test_the_timeline_covers_every_service_the_child_is_known_to(web_hub):
    client = web_hub.client("admin")
    cursor = cursor_of(client)
    key = child_where(
        cursor,
        "c.child_key IN (SELECT child_key FROM fact_attendance) AND "
        "c.child_key IN (SELECT child_key FROM fact_referral)",
    )
    record = client.get(f"/api/v1/children/{key}").json()
    kinds = {event["kind"] for event in record["timeline"]}
    assert "School attendance" in kinds and any(kind.startswith("Referral") for kind in kinds)
    attendance = next(e for e in record["timeline"] if e["kind"] == "School attendance")
    assert "sessions missed" in attendance["summary"] and "%" in attendance["summary"]
    dates = [event["date"] for event in record["timeline"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_systems_disagreeing_on_date_of_birth_are_flagged_and_marked(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    key = child_where(
        cursor,
        "c.child_key IN (SELECT child_key FROM fact_person GROUP BY child_key "
        "HAVING count(DISTINCT date_of_birth) > 1)",
    )
    page = client.get(f"/children/{key}")
    assert "The systems disagree on the date of birth" in page.text
    assert "differs" in page.text


def test_the_api_gives_the_record_sources_timeline_status_and_flags(web_hub):
    client = web_hub.client("analyst")
    key = child_where(cursor_of(client), "len(c.source_systems) >= 2")
    body = client.get(f"/api/v1/children/{key}").json()
    assert set(body) >= {"child", "sources", "timeline", "status", "flags", "allocation", "family_id"}
    assert body["child"]["child_key"] == key and len(body["sources"]) >= 2
    assert events(web_hub.data_dir, action="view_child", subject=key, limit=1)[0].details["path"].startswith("/api/")


def test_scrutiny_is_refused_and_no_session_is_sent_to_sign_in(web_hub):
    client = web_hub.client("scrutiny")
    key = child_where(cursor_of(client), "TRUE")
    assert client.get(f"/children/{key}").status_code == 403
    assert client.get(f"/api/v1/children/{key}").status_code == 403
    anonymous = web_hub.client()
    assert anonymous.get(f"/children/{key}").status_code == 303
    assert anonymous.get(f"/api/v1/children/{key}").status_code == 401


def test_a_manager_sees_their_teams_children_and_no_other(web_hub):
    client = web_hub.client("manager")
    cursor = cursor_of(client)
    mine, other = in_team(web_hub, cursor), outside_team(web_hub, cursor)
    assert client.get(f"/children/{mine}").status_code == 200
    refused = client.get(f"/children/{other}")
    assert refused.status_code == 404  # not 403: the child's existence is not revealed
    assert refused.text.count("no such child, or not one you may see") == 1
    assert client.get("/children/C999999999").text.count("no such child, or not one you may see") == 1
    assert client.get(f"/api/v1/children/{other}").status_code == 404
    assert not events(web_hub.data_dir, action="view_child", subject=other, actor="manager")


def test_a_practitioner_sees_their_own_cases_with_the_worker_named(web_hub):
    client = web_hub.client("practitioner")
    cursor = cursor_of(client)
    mine = child_where(
        cursor,
        f"c.child_key IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.worker_id = ?)",
        [web_hub.practitioner_worker],
    )
    worker = cursor.execute(
        "SELECT coalesce(worker_name, worker_id) FROM fact_worker WHERE worker_id = ?", [web_hub.practitioner_worker]
    ).fetchone()[0]
    page = client.get(f"/children/{mine}")
    assert page.status_code == 200 and worker in page.text and "Allocated worker" in page.text
    assert client.get(f"/children/{outside_team(web_hub, cursor)}").status_code == 404


def test_disagreements_list_each_field_with_more_than_one_value():
    sources = [
        {
            "forename": "amy",
            "surname": "cole",
            "date_of_birth": date(2015, 3, 2),
            "sex": "F",
            "upn": None,
            "nhs_number": None,
            "postcode": "QX1 1AA",
        },
        {
            "forename": "amy",
            "surname": "cole",
            "date_of_birth": date(2015, 2, 3),
            "sex": "U",
            "upn": None,
            "nhs_number": None,
            "postcode": "QX1 1AA",
        },
    ]
    assert records.disagreements(sources) == {"date_of_birth": [date(2015, 2, 3), date(2015, 3, 2)]}


@pytest.mark.parametrize(
    "term, start", [("AUT", date(2024, 9, 1)), ("SPR", date(2025, 1, 1)), ("SUM2", date(2025, 4, 1))]
)
def test_a_term_starts_on_its_nominal_date(term, start):
    assert records._term_start(date(2024, 9, 1), term) == start
