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


def test_the_timeline_shows_every_kind_of_event_it_declares(history):
    # One child with one event of each kind the timeline declares, each on its own day (three on the day care began).
    history.child("P1", dob=date(2008, 5, 1), child_id=7)
    history.add(
        "early_help_episodes",
        earl_person_id="P1",
        earl_episode_start_date=date(2019, 10, 1),
        earl_episode_end_date=date(2020, 3, 31),
        earl_episode_reason="Parenting support",
        earl_episode_organisation="Family Hub North",
        earl_episode_end_reason="Needs met",
    )
    history.add("cin_episodes", cine_person_id="P1", cine_referral_date=date(2020, 6, 1), cine_referral_nfa="Y")
    history.add(
        "contacts",
        cont_person_id="P1",
        cont_contact_date=date(2021, 1, 4),
        cont_contact_source_code="1a",
        cont_contact_outcome_json="Referral to children's social care",
    )
    history.add(
        "cin_episodes",
        cine_person_id="P1",
        cine_referral_date=date(2021, 1, 6),
        cine_referral_nfa="N",
        cine_cin_primary_need_code="N1",
        cine_close_date=date(2021, 8, 2),
        cine_close_reason="RC1",
    )
    history.add(
        "cin_assessments",
        cina_person_id="P1",
        cina_assessment_start_date=date(2021, 1, 7),
        cina_assessment_auth_date=date(2021, 2, 4),
    )
    history.add(
        "s47_enquiry",
        s47e_s47_enquiry_id="S1",
        s47e_person_id="P1",
        s47e_s47_start_date=date(2021, 2, 8),
        s47e_s47_end_date=date(2021, 2, 15),
    )
    history.add(
        "initial_cp_conference",
        icpc_s47_enquiry_id="S1",
        icpc_person_id="P1",
        icpc_cp_plan_id="CP1",
        icpc_icpc_date=date(2021, 3, 1),
        icpc_icpc_outcome_cp_flag="Y",
    )
    history.add(
        "cp_plans",
        cppl_cp_plan_id="CP1",
        cppl_person_id="P1",
        cppl_cp_plan_start_date=date(2021, 3, 2),
        cppl_cp_plan_end_date=date(2021, 11, 1),
        cppl_cp_plan_initial_category="NEG",
        cppl_cp_plan_latest_category="EMO",
    )
    history.add("cp_reviews", cppr_person_id="P1", cppr_cp_plan_id="CP1", cppr_cp_review_date=date(2021, 5, 24))
    history.add("cin_plans", cinp_person_id="P1", cinp_cin_plan_start_date=date(2021, 11, 2))
    history.add(
        "cla_episodes",
        clae_person_id="P1",
        clae_cla_episode_start_date=date(2022, 3, 1),
        clae_cla_episode_start_reason="S",
        clae_cla_primary_need_code="N1",
        clae_cla_episode_ceased_date=date(2023, 6, 30),
        clae_cla_episode_ceased_reason="E11",
    )
    history.add(
        "legal_status", lega_person_id="P1", lega_legal_status="C2", lega_legal_status_start_date=date(2022, 3, 1)
    )
    history.add(
        "cla_placement",
        clap_person_id="P1",
        clap_cla_placement_start_date=date(2022, 3, 1),
        clap_cla_placement_type="U4",
        clap_cla_placement_provider="PR1",
    )
    history.add(
        "cla_reviews", clar_person_id="P1", clar_cla_review_date=date(2022, 5, 20), clar_cla_review_participation="PN1"
    )
    history.add(
        "missing",
        miss_person_id="P1",
        miss_missing_episode_start_date=date(2022, 7, 10),
        miss_missing_episode_end_date=date(2022, 7, 11),
        miss_missing_episode_type="M",
        miss_missing_rhi_offered="Y",
    )
    history.add(
        "school_exclusions",
        "education",
        excl_person_id="P1",
        excl_start_date=date(2022, 11, 14),
        excl_category="FIXD",
        excl_reason_code="VP",
        excl_sessions=4,
    )
    history.add(
        "sen_provision",
        "education",
        senp_person_id="P1",
        senp_census_date=date(2023, 1, 19),
        senp_sen_provision="E",
        senp_primary_need="SEMH",
    )
    history.add(
        "school_exclusions",
        "education",
        excl_person_id="P1",
        excl_start_date=date(2023, 3, 1),
        excl_category="PERM",
        excl_reason_code="PA",
    )
    history.add(
        "school_attendance",
        "education",
        attd_person_id="P1",
        attd_academic_year="2023/24",
        attd_term="spring",
        attd_possible_sessions=120,
        attd_sessions_authorised_absence=10,
        attd_sessions_unauthorised_absence=8,
    )
    history.add(
        "youth_justice_outcomes",
        "youth_justice",
        yjus_person_id="P1",
        yjus_outcome_date=date(2024, 2, 1),
        yjus_outcome_type="Youth caution",
        yjus_outcome_tier="pre-court",
        yjus_first_time_entrant=True,
    )
    history.add(
        "police_notifications",
        "police",
        poln_person_id="P1",
        poln_incident_date=date(2024, 3, 3),
        poln_notification_date=date(2024, 3, 5),
    )
    for month in (date(2024, 9, 1), date(2024, 10, 1)):
        history.add("neet_status", "neet", neet_person_id="P1", neet_month=month, neet_activity_code="610")
    history.add(
        "care_leavers",
        clea_person_id="P1",
        clea_care_leaver_latest_contact=date(2024, 11, 15),
        clea_care_leaver_in_touch="yes",
        clea_care_leaver_accommodation="t",
        clea_care_leaver_accom_suitable="1",
        clea_care_leaver_activity="f2",
    )
    for system in ("education", "youth_justice", "police", "neet"):  # the same child in each system
        history.child("P1", dob=date(2008, 5, 1), child_id=7, source_system=system)
    store = history.store()

    with store.reader() as conn:
        from childhub.facts import prepare

        prepare(conn)
        events = records.timeline(conn, "C7", date(2025, 1, 1))

    # (date, end, service, kind, summary): newest first, and on one day by kind, Z to A.
    care, school, ended = "social_care", "education", date(2023, 6, 30)
    expected = [
        (
            date(2024, 11, 15),
            None,
            care,
            "Care leaver",
            (
                "In touch: Yes; accommodation: Foyers and similar supported accommodation (suitable: Suitable); "
                "activity: Full time in education other than higher"
            ),
        ),
        (
            date(2024, 9, 1),
            date(2024, 10, 1),
            "neet",
            "Post-16 activity",
            "NEET for 2 months (Sep 2024 to Oct 2024; NCCIS activity code 610)",
        ),
        (
            date(2024, 3, 5),
            None,
            "police",
            "Police notification",
            "Domestic abuse notification (incident 3 March 2024)",
        ),
        (
            date(2024, 2, 1),
            None,
            "youth_justice",
            "Youth justice outcome",
            "Youth caution (pre-court); first-time entrant",
        ),
        (date(2024, 1, 1), None, school, "School attendance", "2023/24 spring term: 18 of 120 sessions missed (15%)"),
        (date(2023, 3, 1), None, school, "Permanent exclusion", "Physical assault against an adult; 0 sessions"),
        (
            date(2023, 1, 19),
            None,
            "sen",
            "SEN provision",
            "Education health and care plan; primary need: Social, emotional and mental health",
        ),
        (
            date(2022, 11, 14),
            None,
            school,
            "Suspension",
            "Verbal abuse or threatening behaviour against a pupil; 4 sessions",
        ),
        (
            date(2022, 7, 10),
            date(2022, 7, 11),
            care,
            "Missing episode",
            "Missing episode; ended 11 July 2022; return interview offered: Yes",
        ),
        (date(2022, 5, 20), None, care, "Looked-after review", "Taking part: Attended and spoke for themselves"),
        (
            date(2022, 3, 1),
            ended,
            care,
            "Placement",
            (
                "Foster placement with other foster carer - long-term fostering "
                "(provider: Own provision (by the local authority)); ended 30 June 2023"
            ),
        ),
        (
            date(2022, 3, 1),
            ended,
            care,
            "Period of care",
            (
                "Category of need: Abuse or neglect; ceased 30 June 2023 "
                "(Adopted - application for an adoption order unopposed)"
            ),
        ),
        (date(2022, 3, 1), None, care, "Legal status", "Full care order"),
        (date(2021, 11, 2), None, care, "Child in need plan", "open"),
        (date(2021, 5, 24), None, care, "Child protection review", "Plan CP1"),
        (
            date(2021, 3, 2),
            date(2021, 11, 1),
            care,
            "Child protection plan",
            "Category: Neglect, latest Emotional abuse; ended 1 November 2021",
        ),
        (
            date(2021, 2, 8),
            date(2021, 2, 15),
            care,
            "Section 47 enquiry",
            "ICPC 1 March 2021 (15 working days): child protection plan",
        ),
        (date(2021, 1, 7), date(2021, 2, 4), care, "Assessment", "Authorised 4 February 2021 after 20 working days"),
        (
            date(2021, 1, 6),
            date(2021, 8, 2),
            care,
            "Referral",
            "Primary need: Abuse or neglect; closed 2 August 2021 (Adopted)",
        ),
        (
            date(2021, 1, 4),
            None,
            care,
            "Contact",
            ("From Individual - family member, relative or carer: Referral to children's social care"),
        ),
        (date(2020, 6, 1), None, care, "Referral (NFA)", "No further action"),
        (
            date(2019, 10, 1),
            date(2020, 3, 31),
            "early_help",
            "Early help episode",
            "Parenting support (Family Hub North); ended 31 March 2020: Needs met",
        ),
    ]
    assert sorted(kind for *_, kind, _ in expected) == sorted(declared.kind for declared in records.TIMELINE)
    assert [(e["date"], e["end"], e["service"], e["kind"], e["summary"]) for e in events] == expected
