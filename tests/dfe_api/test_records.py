"""Each child's record in the DfE's structure: the window, the cohort, and one child's payload worked by hand from
the DfE's field list (docs/dfe-api.md)."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.dfe_api import Planned, batch_body, build_records, payload_hash, window_start

AS_AT = date(2026, 3, 31)  # window from 1 April 2023


@pytest.mark.parametrize(
    ("as_at", "first_day"),
    [
        (date(2026, 3, 31), date(2023, 4, 1)),  # 24 months back is 31 March 2024, in the year 2023-24
        (date(2026, 4, 1), date(2024, 4, 1)),  # 1 April 2024 begins the year 2024-25
        (date(2026, 2, 28), date(2023, 4, 1)),
        (date(2025, 12, 5), date(2023, 4, 1)),
        (date(2028, 2, 29), date(2025, 4, 1)),  # 29 February 2026 does not exist: the month is what counts
    ],
)
def test_the_window_runs_from_1_april_of_the_financial_year_24_months_back(as_at, first_day):
    assert window_start(as_at) == first_day


def one_child_by_hand(history):
    """P1: referred on 10 January 2025 (an assessment, a CP plan, then a placement), with a worker, a UPN, a
    postcode, a disability and an SDQ; the hand-worked record is in the test below."""
    history.child(
        "P1",
        dob=date(2014, 6, 15),
        sex="M",
        ethnicity="WBRI",
        child_id=1,
        pers_forename="Sam",
        pers_surname="Ashby",
        pers_upn="A123456789012",
    )
    history.add(
        "address", addr_person_id="P1", addr_address_postcode="QX1 1AA", addr_address_start_date=date(2020, 1, 1)
    )
    history.add("disability", disa_person_id="P1", disa_disability_code="AUT")
    history.add(
        "cin_episodes",
        cine_referral_id="R1",
        cine_person_id="P1",
        cine_referral_date=date(2025, 1, 10),
        cine_referral_source_code="1a",
        cine_referral_nfa="N",
    )
    history.add(
        "cin_assessments",
        cina_assessment_id="A1",
        cina_person_id="P1",
        cina_referral_id="R1",
        cina_assessment_start_date=date(2025, 1, 13),
        cina_assessment_auth_date=date(2025, 2, 20),
    )
    history.add("assessment_factors", cinf_assessment_id="A1", cinf_assessment_factors_json='["2A", "1A"]')
    history.add(
        "cp_plans",
        cppl_cp_plan_id="CP1",
        cppl_person_id="P1",
        cppl_cp_plan_start_date=date(2025, 3, 5),
        cppl_cp_plan_initial_category="NEG",
    )
    history.add(
        "cla_episodes",
        clae_person_id="P1",
        clae_cla_episode_start_date=date(2025, 6, 1),
        clae_cla_episode_start_reason="S",
    )
    history.add(
        "legal_status", lega_person_id="P1", lega_legal_status="C2", lega_legal_status_start_date=date(2025, 6, 1)
    )
    history.add(
        "cla_placement",
        clap_cla_placement_id="PL1",
        clap_person_id="P1",
        clap_cla_placement_start_date=date(2025, 6, 1),
        clap_cla_placement_type="U1",
        clap_cla_placement_postcode="QX2 2BB",
        clap_cla_placement_change_reason=None,
    )
    history.add(
        "involvements",
        invo_involvements_id="I1",
        invo_person_id="P1",
        invo_professional_id="W1",
        invo_involvement_start_date=date(2025, 1, 10),
    )
    history.add("sdq_scores", csdq_person_id="P1", csdq_sdq_completed_date=date(2025, 9, 1), csdq_sdq_score="14")
    return history.store()


EXPECTED = {
    "la_child_id": "P1",
    "purge": False,
    "child_details": {
        "unique_pupil_number": "A123456789012",
        "former_unique_pupil_number": None,
        "unique_pupil_number_unknown_reason": None,
        "first_name": "Sam",
        "surname": "Ashby",
        "date_of_birth": "2014-06-15",
        "expected_date_of_birth": None,
        "sex": "M",
        "ethnicity": "WBRI",
        "disabilities": ["AUT"],
        "postcode": "QX1 1AA",
        "uasc_flag": False,
        "uasc_end_date": None,
        "purge": False,
    },
    "health_and_wellbeing": {"sdq_assessments": [{"date": "2025-09-01", "score": 14}], "purge": False},
    "social_care_episodes": [
        {
            "social_care_episode_id": "R1",
            "referral_date": "2025-01-10",
            "referral_source": "1A",
            "referral_no_further_action_flag": False,
            "closure_date": None,
            "closure_reason": None,
            "care_worker_details": [{"worker_id": "W1", "start_date": "2025-01-10", "end_date": None}],
            "child_and_family_assessments": [
                {
                    "child_and_family_assessment_id": "A1",
                    "start_date": "2025-01-13",
                    "authorisation_date": "2025-02-20",
                    "factors": ["1A", "2A"],
                    "purge": False,
                }
            ],
            "child_in_need_plans": [],
            "section_47_assessments": [],
            "child_protection_plans": [
                {"child_protection_plan_id": "CP1", "start_date": "2025-03-05", "end_date": None, "purge": False}
            ],
            "child_looked_after_placements": [
                {
                    "child_looked_after_placement_id": "PL1",
                    "start_date": "2025-06-01",
                    "start_reason": "S",
                    "placement_type": "U1",
                    "postcode": "QX2 2BB",
                    "end_date": None,
                    "end_reason": None,
                    "change_reason": None,
                    "purge": False,
                }
            ],
            "adoption": None,
            "care_leavers": None,
            "purge": False,
        }
    ],
}


def test_one_childs_record_is_the_dfe_structure_worked_by_hand(history):
    store = one_child_by_hand(history)
    with store.reader() as conn:
        built = build_records(conn, AS_AT)
    assert list(built.records) == ["P1"]
    record = built.records["P1"]
    assert record.payload == EXPECTED
    assert list(record.payload["child_details"]) == list(EXPECTED["child_details"])  # the DfE's order
    assert record.payload_hash == payload_hash(EXPECTED)
    planned = Planned("P1", record.child_key, "new", record.payload, record.payload_hash)
    assert batch_body("201", [planned]) == [{"la_code": "201", "Children": EXPECTED}]


def test_the_cohort_leaves_out_the_over_25s_and_those_whose_care_ended_before_the_window(history):
    history.child("IN", dob=date(2001, 4, 2), child_id=1)  # 21 at the window's start
    history.child("OLD", dob=date(1997, 3, 31), child_id=2)  # 26 on the window's first day
    history.child("BEFORE", dob=date(2015, 1, 1), child_id=3)  # their only episode closed in March 2023
    history.child("PLAN", dob=date(2016, 1, 1), child_id=4)  # only a CIN plan, no referral on record
    for person, referred, closed in [
        ("IN", date(2024, 5, 1), None),
        ("OLD", date(2024, 5, 1), None),
        ("BEFORE", date(2022, 10, 1), date(2023, 3, 31)),
    ]:
        history.add(
            "cin_episodes",
            cine_referral_id=f"R-{person}",
            cine_person_id=person,
            cine_referral_date=referred,
            cine_close_date=closed,
        )
    history.add("cin_plans", cinp_cin_plan_id="CINP", cinp_person_id="PLAN", cinp_cin_plan_start_date=date(2025, 2, 1))
    store = history.store()
    with store.reader() as conn:
        built = build_records(conn, AS_AT)
    assert sorted(built.records) == ["IN", "PLAN"]
    assert built.records["PLAN"].payload["social_care_episodes"] == []  # no referral holds the plan
    assert built.records["PLAN"].unplaced_items == 1
