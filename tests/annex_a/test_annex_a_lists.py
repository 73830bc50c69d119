"""Annex A columns filled from every source that holds them, each worked by hand on a small history.

The inspection (as-at) date is 31 March 2026 throughout. Each test builds only the children it needs.
A row is read as a dict by column id, the cells as the workbook writes them (codes as the template's
drop-down text, dates as dates; a date known only by its collection year as "Done in the year ...").
"""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from childhub.annex_a.export import annex_a_rows, write_annex_a
from helpers import from_the_ssda903_return

AS_AT = date(2026, 3, 31)


def rows(store, number: int, as_at: date = AS_AT) -> dict[str, dict]:
    """List ``number``'s rows by child unique ID, each a dict by column id."""
    with store.reader() as conn:
        result = next(item for item in annex_a_rows(conn, as_at) if item.annex_list.number == number)
    ids = result.annex_list.column_ids
    return {row[0]: dict(zip(ids, row, strict=True)) for row in result.rows}


def episode(h, person, start, reason_new="S", legal="C2", placement="U4", ceased=None, reason=None, **extra):
    """One SSDA903 episode: its episode row (with any other cla_episodes fields), legal status and placement."""
    key = f"{person}|{start.isoformat()}"
    h.add(
        "cla_episodes",
        clae_cla_episode_id=key,
        clae_person_id=person,
        clae_cla_episode_start_date=start,
        clae_cla_episode_start_reason=reason_new,
        clae_cla_episode_ceased_date=ceased,
        clae_cla_episode_ceased_reason=reason,
        **{name: value for name, value in extra.items() if name.startswith("clae_")},
    )
    h.add(
        "legal_status",
        lega_legal_status_id=key,
        lega_person_id=person,
        lega_legal_status=legal,
        lega_legal_status_start_date=start,
    )
    h.add(
        "cla_placement",
        clap_cla_placement_id=key,
        clap_person_id=person,
        clap_cla_placement_start_date=start,
        clap_cla_placement_type=placement,
        clap_cla_placement_provider="PR1",
        clap_cla_placement_postcode=extra.get("postcode"),
    )


def assessed(h, person, close_date=None, close_reason=None, **assessment) -> None:
    """A referral on 2 January 2026 (closed on ``close_date`` if given) and its assessment, started 5 January and
    authorised 20 January 2026, with any other cin_assessments fields."""
    h.add(
        "cin_episodes",
        cine_referral_id=f"R{person}",
        cine_person_id=person,
        cine_referral_date=date(2026, 1, 2),
        cine_close_date=close_date,
        cine_close_reason=close_reason,
    )
    h.add(
        "cin_assessments",
        cina_assessment_id=f"A{person}",
        cina_person_id=person,
        cina_referral_id=f"R{person}",
        cina_assessment_start_date=date(2026, 1, 5),
        cina_assessment_auth_date=date(2026, 1, 20),
        **assessment,
    )


def health_checks(h, source: str, status: str, checks) -> None:
    """cla_health rows done (``status``), one per (person, check type, date) in ``checks``, IDs from ``source``."""
    for number, (person, kind, day) in enumerate(checks):
        h.add(
            "cla_health",
            clah_health_check_id=f"{source}-{number}",
            clah_person_id=person,
            clah_health_check_type=kind,
            clah_health_check_date=day,
            clah_health_check_status=status,
        )


# --- List 8: children in care ----------------------------------------------------------------


def test_list_8_permanence_plan_is_the_care_plan_in_effect(history):
    # P1: plans from 1 Jul 2025 (return home within 6 months ticked) and from 1 Jan 2026 (adoption ticked, long-term
    # fostering not); one from 10 Apr 2026 is after the as-at date. In effect on 31 Mar 2026: adoption.
    # P2: the SSD option LTFOST18 -> f) Long-term fostering. P3: a plan written as text, as Ofsted words it.
    # P4: no plan recorded (recently entered care): blank.
    h = history
    for person in ("P1", "P2", "P3", "P4"):
        h.child(person, dob=date(2015, 1, 1))
        episode(h, person, date(2025, 6, 1))
    empty = '"REMAINSUP": "", "RETURN1M": "", "RETURNEV": "", "LTRELFR": "", "RESPLMT": "", "SUPPLIV": ""'
    plans = [
        ("P1", date(2025, 7, 1), date(2025, 12, 31), '{"RETURN6M": "Y", "ADOPTION": "", "LTFOST18": ""}'),
        ("P1", date(2026, 1, 1), None, "{" + empty + ', "ADOPTION": "Y", "LTFOST18": "", "OTHERPLN": ""}'),
        ("P1", date(2026, 4, 10), None, '{"OTHERPLN": "Y"}'),
        ("P2", date(2025, 8, 1), None, '{ REMAINSUP: "", LTFOST18: "1", OTHERPLN: "" }'),
        ("P3", date(2025, 8, 1), None, "Long-term residential placement"),
    ]
    for number, (person, start, end, plan) in enumerate(plans):
        h.add(
            "cla_care_plan",
            lacp_table_id=f"CP{number}",
            lacp_person_id=person,
            lacp_cla_care_plan_start_date=start,
            lacp_cla_care_plan_end_date=end,
            lacp_cla_care_plan_json=plan,
        )
    listed = rows(h.store(), 8)
    assert {person: row["permanence_plan"] for person, row in listed.items()} == {
        "P1": "b) Adoption",
        "P2": "f) Long-term fostering",
        "P3": "e) Long-term residential placement",
        "P4": None,
    }
    assert rows(h.store(), 8, date(2025, 10, 1))["P1"]["permanence_plan"] == "a) Return to family"


def test_list_8_last_iro_contact_from_the_episode_or_a_review(history):
    # P1: the case-management system records an IRO visit on 14 Feb 2026 on the current episode; the last review
    # was 10 Dec 2025. P2: no IRO contact recorded, reviews on 1 Nov 2025 and (after the as-at date) 2 Apr 2026.
    # P3: an IRO contact in an earlier period of care only (ended 1 Jan 2025): not this period's.
    h = history
    for person in ("P1", "P2", "P3"):
        h.child(person, dob=date(2012, 1, 1))
    episode(h, "P1", date(2025, 6, 1), clae_cla_last_iro_contact_date=date(2026, 2, 14))
    episode(h, "P2", date(2025, 6, 1))
    episode(
        h,
        "P3",
        date(2024, 6, 1),
        ceased=date(2025, 1, 1),
        reason="E4A",
        clae_cla_last_iro_contact_date=date(2024, 12, 1),
    )
    episode(h, "P3", date(2025, 9, 1))
    for number, (person, day) in enumerate(
        [("P1", date(2025, 12, 10)), ("P2", date(2025, 11, 1)), ("P2", date(2026, 4, 2))]
    ):
        h.add("cla_reviews", clar_cla_review_id=f"R{number}", clar_person_id=person, clar_cla_review_date=day)
    listed = rows(h.store(), 8)
    assert {person: row["date_of_last_iro_contact"] for person, row in listed.items()} == {
        "P1": date(2026, 2, 14),
        "P2": date(2025, 11, 1),
        "P3": None,
    }


def test_list_8_a_check_the_ssda903_return_dates_by_its_year_end_is_written_as_that_year(history, tmp_path):
    # The SSDA903 OC2 says only that a check was done in the collection year; ingest dates it 31 March.
    # P1: health assessment from OC2 2025-26 only -> "Done in the year 2025-26", never 31/03/2026.
    #     Dental: a real check on 10 May 2025 (in that year) and OC2 2025-26 -> the real date.
    # P2: a real health assessment on 1 Mar 2025 (the year before) and OC2 2025-26 -> the year 2025-26.
    #     OC2 2026-27 (its year starts 1 Apr 2026, after the as-at date) does not count.
    h = history
    for person in ("P1", "P2"):
        h.child(person, dob=date(2012, 1, 1))
        episode(h, person, date(2024, 1, 1))
    proxies = [
        ("P1", "annual health assessment", date(2026, 3, 31)),
        ("P1", "dental check", date(2026, 3, 31)),
        ("P2", "annual health assessment", date(2026, 3, 31)),
        ("P2", "dental check", date(2027, 3, 31)),
    ]
    health_checks(h, "OC2", "1", proxies)
    store = h.store()
    from_the_ssda903_return(store, "cla_health")
    health_checks(
        h,
        "SSD",
        "Completed",
        [("P1", "dental check", date(2025, 5, 10)), ("P2", "annual health assessment", date(2025, 3, 1))],
    )
    listed = rows(h.store(), 8)
    checks = {p: (r["date_of_last_health_assessment"], r["date_of_last_dental_check"]) for p, r in listed.items()}
    assert checks == {
        "P1": ("Done in the year 2025-26", date(2025, 5, 10)),
        "P2": ("Done in the year 2025-26", None),
    }
    # In the workbook: the year as text where Ofsted's template has a date column, the real date as a date.
    write_annex_a(h.store(), AS_AT, tmp_path / "annex_a.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "annex_a.xlsx")["List 8 - Children in Care"]
    headers = [cell.value for cell in sheet[1]]
    health, dental = headers.index("Date of Last Health Assessment"), headers.index("Date of Last Dental Check")
    p1 = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "P1")
    assert (p1[health], p1[dental]) == ("Done in the year 2025-26", datetime(2025, 5, 10))


def test_list_8_placement_inside_or_outside_the_authority_by_its_postcode_district(history):
    # Social care holds home addresses in QX1 (two people) and QX2 (one): the authority's own districts.
    # P1 is placed at QX2 5AB: in. P2 at ZZ9 1AA: out. P3's placement has no postcode: blank. P4's is typed
    # "qx15ab", without its space: QX1, in (it read as the district "qx15ab", out).
    h = history
    for person, postcode in (("P1", "QX1 1AA"), ("P2", "QX1 2BB"), ("P3", "QX2 3CC"), ("P4", "QX1 4DD")):
        h.child(person, dob=date(2012, 1, 1))
        h.add(
            "address",
            addr_table_id=f"A-{person}",
            addr_address_json="{}",
            addr_person_id=person,
            addr_address_postcode=postcode,
            addr_address_start_date=date(2020, 1, 1),
        )
    episode(h, "P1", date(2025, 6, 1), postcode="QX2 5AB")
    episode(h, "P2", date(2025, 6, 1), postcode="ZZ9 1AA")
    episode(h, "P3", date(2025, 6, 1))
    episode(h, "P4", date(2025, 6, 1), postcode="qx15ab")
    listed = rows(h.store(), 8)
    assert {person: row["placement_location"] for person, row in listed.items()} == {
        "P1": "a) In",
        "P2": "b) Out",
        "P3": None,
        "P4": "a) In",
    }


def test_list_8_last_social_work_visit_and_return_interviews(history):
    # Visits on 1 Feb and 20 Mar 2026 (and 2 Apr, after the as-at date): the last is 20 Mar.
    # Missing 1 Jan 2026 (interview offered, accepted), then 1 Mar 2026 (offered, refused): the last one counts.
    h = history
    h.child("P1", dob=date(2012, 1, 1))
    episode(h, "P1", date(2025, 6, 1))
    for number, day in enumerate((date(2026, 2, 1), date(2026, 3, 20), date(2026, 4, 2))):
        h.add(
            "cla_visits",
            clav_cla_visit_id=f"V{number}",
            clav_person_id="P1",
            clav_cla_visit_date=day,
            clav_cla_visit_seen="Y",
        )
    for number, (day, offered, accepted) in enumerate(((date(2026, 1, 1), "Y", "Y"), (date(2026, 3, 1), "Y", "N"))):
        h.add(
            "missing",
            miss_table_id=f"M{number}",
            miss_person_id="P1",
            miss_missing_episode_start_date=day,
            miss_missing_episode_type="M",
            miss_missing_rhi_offered=offered,
            miss_missing_rhi_accepted=accepted,
        )
    row = rows(h.store(), 8)["P1"]
    assert (row["date_of_last_social_work_visit"], row["missing_episodes_in_last_12_months"]) == (date(2026, 3, 20), 2)
    assert (row["return_interview_offered"], row["return_interview_accepted"]) == ("Y", "N")


# --- List 7 and List 6: visits -----------------------------------------------------------------


@pytest.mark.slow
def test_list_7_last_statutory_visit_and_seen_alone_and_list_6_date_last_seen(history):
    # P1 on a CP plan from 1 Dec 2025: visits 1 Mar 2026 (seen alone) and 20 Mar 2026 (seen, not alone); one on
    # 2 Apr 2026 is after the as-at date. List 7: 20 Mar, "No". P2 in need: seen 1 Feb 2026, then a visit on
    # 1 Mar 2026 where the child was not seen. List 6: last seen 1 Feb 2026.
    h = history
    h.child("P1", dob=date(2015, 1, 1))
    h.child("P2", dob=date(2016, 1, 1))
    h.add(
        "cp_plans",
        cppl_cp_plan_id="CP1",
        cppl_person_id="P1",
        cppl_cp_plan_start_date=date(2025, 12, 1),
        cppl_cp_plan_initial_category="NEG",
    )
    visits = [(date(2026, 3, 1), "Y"), (date(2026, 3, 20), "N"), (date(2026, 4, 2), "Y")]
    for number, (day, alone) in enumerate(visits):
        h.add(
            "cp_visits",
            cppv_cp_visit_id=f"V{number}",
            cppv_person_id="P1",
            cppv_cp_plan_id="CP1",
            cppv_cp_visit_date=day,
            cppv_cp_visit_seen="Y",
            cppv_cp_visit_seen_alone=alone,
        )
    h.add(
        "cin_episodes",
        cine_referral_id="R2",
        cine_person_id="P2",
        cine_referral_date=date(2025, 11, 1),
        cine_cin_primary_need_code="N1",
    )
    for number, (day, seen) in enumerate(((date(2026, 2, 1), "Y"), (date(2026, 3, 1), "N"))):
        h.add(
            "cin_visits",
            cinv_cin_visit_id=f"W{number}",
            cinv_person_id="P2",
            cinv_cin_visit_date=day,
            cinv_cin_visit_seen=seen,
        )
    store = h.store()
    plan = rows(store, 7)["P1"]
    assert (plan["date_of_last_statutory_visit"], plan["child_seen_alone"]) == (date(2026, 3, 20), "b) No")
    assert rows(store, 6)["P2"]["date_child_last_seen"] == date(2026, 2, 1)


# --- List 4: assessments ------------------------------------------------------------------------


def test_list_4_outcome_read_from_what_followed_when_the_record_does_not_say(history):
    # No record gives an outcome (as in the CIN census). P1: a CIN plan in the same episode began the day after the
    # assessment was authorised -> needs support. P2: the episode closed RC8 (no further action) -> does not.
    # P3: the plan begins 5 Apr 2026, after the as-at date -> not yet known. P4: the SSD says NFA -> no.
    h = history
    for person in ("P1", "P2", "P3", "P4"):
        h.child(person, dob=date(2015, 1, 1))
    closed = {"P2": (date(2026, 2, 10), "RC8")}
    for person in ("P1", "P2", "P3", "P4"):
        told = "Y" if person == "P4" else None
        assessed(h, person, *closed.get(person, ()), cina_assessment_outcome_nfa=told, cina_assessment_child_seen=told)
    for person, start in (("P1", date(2026, 1, 21)), ("P3", date(2026, 4, 5))):
        h.add(
            "cin_plans",
            cinp_cin_plan_id=f"CINP{person}",
            cinp_referral_id=f"R{person}",
            cinp_person_id=person,
            cinp_cin_plan_start_date=start,
        )
    listed = rows(h.store(), 4)
    assert {p: r["requires_social_care_support"] for p, r in listed.items()} == {
        "P1": "a) Yes",
        "P2": "b) No",
        "P3": None,
        "P4": "b) No",
    }
    assert listed["P4"]["child_seen_during_assessment"] == "a) Yes"


def test_list_4_each_assessment_shows_its_own_childs_allocation(history):
    # Allocations (team, worker): P1 T1 "Assessment Team" / W1 "Ann One" from 1 Jan 2026, open on the as-at date;
    # P2 T2 "Safeguarding Team" / W2 "Bob Two" from 1 Feb 2026, open (the latest-started allocation of all);
    # P3 T3 "Front Door" / W3 "Cy Three" from 1 Jan to 1 Feb 2026, closed by the as-at date but open on 20 Jan 2026,
    # the day P3's assessment was authorised; P4 has none, and the assessment record names T1 and W2.
    # Each child's row shows that child's own team and worker: P1 T1/W1, P2 T2/W2, P3 T3/W3 (the allocation open on
    # the authorisation date), P4 the team and worker on the record, T1/W2.
    h = history
    for person in ("P1", "P2", "P3", "P4"):
        h.child(person, dob=date(2015, 1, 1))
        named = person == "P4"
        assessed(
            h, person, cina_assessment_team="T1" if named else None, cina_assessment_worker_id="W2" if named else None
        )
    for team, name in (("T1", "Assessment Team"), ("T2", "Safeguarding Team"), ("T3", "Front Door")):
        h.add("department", dept_team_id=team, dept_team_name=name)
    for worker, name in (("W1", "Ann One"), ("W2", "Bob Two"), ("W3", "Cy Three")):
        h.add("professionals", prof_professional_id=worker, prof_professional_name=name)
    allocations = [
        ("P1", "T1", "W1", date(2026, 1, 1), None),
        ("P2", "T2", "W2", date(2026, 2, 1), None),
        ("P3", "T3", "W3", date(2026, 1, 1), date(2026, 2, 1)),
    ]
    for person, team, worker, start, end in allocations:
        h.add(
            "involvements",
            invo_involvements_id=f"AL{person}",
            invo_professional_id=worker,
            invo_professional_team=team,
            invo_person_id=person,
            invo_involvement_start_date=start,
            invo_involvement_end_date=end,
        )
    listed = rows(h.store(), 4)
    assert {p: (r["allocated_team"], r["allocated_worker"]) for p, r in listed.items()} == {
        "P1": ("Assessment Team", "Ann One"),
        "P2": ("Safeguarding Team", "Bob Two"),
        "P3": ("Front Door", "Cy Three"),
        "P4": ("Assessment Team", "Bob Two"),
    }


# --- List 10: adoption --------------------------------------------------------------------------


def test_list_10_placement_order_and_placed_for_adoption_from_the_episodes(history):
    # The SSDA903 PLACED_ADOPTION table gives only the decision (1 Mar 2025). The episodes: in care from 1 Jun 2024
    # (C2), placement order granted 1 May 2025 (legal status E1), placed with adopters 15 Sep 2025 (A5).
    # P2's record gives its own placement order date, which stands; P2 is placed on 2 Apr 2026, after the as-at date.
    h = history
    h.child("P1", dob=date(2023, 1, 1))
    h.child("P2", dob=date(2023, 1, 1))
    episode(h, "P1", date(2024, 6, 1), ceased=date(2025, 5, 1), reason="X1")
    episode(h, "P1", date(2025, 5, 1), reason_new="L", legal="E1", ceased=date(2025, 9, 15), reason="X1")
    episode(h, "P1", date(2025, 9, 15), reason_new="P", legal="E1", placement="A5")
    episode(h, "P2", date(2024, 6, 1), ceased=date(2025, 6, 1), reason="X1")
    episode(h, "P2", date(2025, 6, 1), reason_new="L", legal="E1", ceased=date(2026, 4, 2), reason="X1")
    episode(h, "P2", date(2026, 4, 2), reason_new="P", legal="E1", placement="A6")
    h.add("permanence", perm_table_id="PA1", perm_person_id="P1", perm_adm_decision_date=date(2025, 3, 1))
    h.add(
        "permanence",
        perm_table_id="PA2",
        perm_person_id="P2",
        perm_adm_decision_date=date(2025, 3, 1),
        perm_placement_order_date=date(2025, 5, 20),
    )
    listed = rows(h.store(), 10)
    dates = {p: (r["date_of_placement_order"], r["date_placed_for_adoption"]) for p, r in listed.items()}
    assert dates == {"P1": (date(2025, 5, 1), date(2025, 9, 15)), "P2": (date(2025, 5, 20), None)}


# --- List 9: everyone entitled to leaving-care services ----------------------------------------

ELIGIBLE, RELEVANT, FORMER_RELEVANT, QUALIFYING = (
    "d) Eligible child",
    "a) Relevant child",
    "b) Former relevant child",
    "c) Qualifying care leaver",
)


def test_list_9_holds_every_leaving_care_category_worked_from_the_care_history(history):
    # Ages on 31 Mar 2026; "13 weeks since 14" is 91 days looked after from the 14th birthday.
    young_people = {
        # still looked after at 16, in care since 1 Jan 2025 (455 days since 14): eligible
        "ELIG": (date(2009, 6, 1), date(2025, 1, 1), None),
        # looked after at 16 since 15 Jan 2026: 76 days, not yet 13 weeks: not listed
        "NEW16": (date(2009, 6, 1), date(2026, 1, 15), None),
        # 17, left care on 20 Feb 2026 after 13 months, looked after past 16: relevant
        "REL": (date(2009, 2, 1), date(2025, 1, 1), date(2026, 2, 20)),
        # turned 18 and left care yesterday (30 Mar 2026): former relevant
        "LEFT18": (date(2008, 3, 30), date(2024, 1, 1), date(2026, 3, 30)),
        # 24, the day before their 25th birthday: former relevant
        "AGE24": (date(2001, 4, 1), date(2016, 1, 1), date(2019, 4, 1)),
        # 25th birthday on the as-at date: no longer entitled
        "AGE25": (date(2001, 3, 31), date(2015, 9, 1), date(2019, 3, 31)),
        # 17, looked after 50 days after 16 (1 Dec 2025 to 20 Jan 2026): qualifying
        "QUAL": (date(2009, 1, 10), date(2025, 12, 1), date(2026, 1, 20)),
        # 21, looked after 30 days at 16: a qualifying care leaver until 21 only
        "QUAL21": (date(2005, 1, 1), date(2021, 6, 1), date(2021, 7, 1)),
        # 16, left care on 1 Mar 2025, before the 16th birthday (1 May 2025): not a care leaver
        "LEFT15": (date(2009, 5, 1), date(2023, 6, 1), date(2025, 3, 1)),
    }
    h = history
    for person, (born, start, ceased) in young_people.items():
        h.child(person, dob=born)
        episode(h, person, start, ceased=ceased, reason="E4A" if ceased else None)
    # 16, short breaks only (V3): never looked after for leaving care
    h.child("BREAKS", dob=date(2009, 6, 1))
    episode(h, "BREAKS", date(2025, 1, 1), legal="V3", placement="U6")
    listed = rows(h.store(), 9)
    assert {person: (row["age_of_child"], row["eligibility_category"]) for person, row in listed.items()} == {
        "AGE24": (24, FORMER_RELEVANT),
        "ELIG": (16, ELIGIBLE),
        "LEFT18": (18, FORMER_RELEVANT),
        "QUAL": (17, QUALIFYING),
        "REL": (17, RELEVANT),
    }


def test_list_9_record_details_allocation_and_contact_dated_by_the_return_written_as_its_year(history):
    # REL (17) left care in February: the SSD record names a personal adviser and a pathway plan review; the case is
    # allocated to a leaving-care worker. OLD (20) is known from the SSDA903 OC3 only, dated by its year end 2025.
    # BOTH (19): OC3 2025-26 and an SSD record of contact on 1 Dec 2025 in that year: the real date.
    h = history
    h.child("REL", dob=date(2009, 2, 1))
    h.child("OLD", dob=date(2006, 1, 1))
    h.child("BOTH", dob=date(2007, 1, 1))
    episode(h, "REL", date(2025, 1, 1), ceased=date(2026, 2, 20), reason="E4A")
    h.add(
        "care_leavers",
        clea_table_id="OC3-1",
        clea_person_id="OLD",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2025, 3, 31),
        clea_care_leaver_activity="F2",
    )
    h.add(
        "care_leavers",
        clea_table_id="OC3-2",
        clea_person_id="BOTH",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2026, 3, 31),
        clea_care_leaver_activity="G5",
    )
    store = h.store()
    from_the_ssda903_return(store, "care_leavers")
    h.add("department", dept_team_id="T1", dept_team_name="Leaving Care Team")
    h.add("professionals", prof_professional_id="W1", prof_professional_name="Sam Worker")
    h.add("professionals", prof_professional_id="PA1", prof_professional_name="Pat Adviser")
    h.add(
        "involvements",
        invo_involvements_id="AL1",
        invo_professional_id="W1",
        invo_professional_team="T1",
        invo_person_id="REL",
        invo_involvement_start_date=date(2026, 2, 20),
    )
    h.add(
        "care_leavers",
        clea_table_id="SSD-1",
        clea_person_id="REL",
        clea_care_leaver_personal_advisor="PA1",
        clea_pathway_plan_review_date=date(2026, 3, 2),
        clea_care_leaver_latest_contact=date(2026, 3, 20),
        clea_care_leaver_in_touch="YES",
    )
    h.add(
        "care_leavers",
        clea_table_id="SSD-2",
        clea_person_id="BOTH",
        clea_care_leaver_latest_contact=date(2025, 12, 1),
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_activity="F5",
    )
    listed = rows(h.store(), 9)
    rel = listed["REL"]
    assert (rel["allocated_team"], rel["allocated_worker"], rel["allocated_personal_advisor"]) == (
        "Leaving Care Team",
        "Sam Worker",
        "Pat Adviser",
    )
    assert (rel["latest_pathway_plan_review_date"], rel["latest_date_of_contact"]) == (
        date(2026, 3, 2),
        date(2026, 3, 20),
    )
    assert rel["eligibility_category"] == RELEVANT
    assert listed["OLD"]["latest_date_of_contact"] == "Done in the year 2024-25"
    assert (listed["BOTH"]["latest_date_of_contact"], listed["BOTH"]["activity_status"][:2]) == (
        date(2025, 12, 1),
        "F5",
    )


def test_list_8_care_that_went_on_to_short_breaks_is_listed_as_ceased_at_the_end_of_care(history):
    # SB: under a care order (C2, placement U4) from 1 Jan 2025 until 15 Jan 2026 (X1: only the legal status
    # changes), then on short breaks (V3, RNE L, placement U6) still on 31 Mar 2026. On V3 the child is not looked
    # after, so on 31 Mar 2026 List 8 shows the care ceased on 15 Jan 2026 (inside the 6 months) for X1, with the
    # care order's legal status and placement, never V3's.
    h = history
    h.child("SB", dob=date(2012, 1, 1))
    episode(h, "SB", date(2025, 1, 1), ceased=date(2026, 1, 15), reason="X1")
    episode(h, "SB", date(2026, 1, 15), reason_new="L", legal="V3", placement="U6")
    sb = rows(h.store(), 8)["SB"]
    assert sb["date_ceased_looked_after"] == date(2026, 1, 15)
    assert sb["reason_ceased"].startswith("X1")
    assert sb["legal_status"].startswith("C2")
    assert sb["placement_type"].startswith("U4")
    assert (sb["date_started_looked_after"], sb["placement_start_date"]) == (date(2025, 1, 1), date(2025, 1, 1))


def test_list_8_care_begun_on_short_breaks_starts_when_the_short_breaks_ended(history):
    # C7: on short breaks (V3) from 1 Feb 2025 to 1 Nov 2025 (X1), then under a care order (C2, RNE L) from
    # 1 Nov 2025, still on 31 Mar 2026. The child has been looked after since 1 Nov 2025, not 1 Feb 2025.
    h = history
    h.child("C7", dob=date(2012, 1, 1))
    episode(h, "C7", date(2025, 2, 1), legal="V3", placement="U6", ceased=date(2025, 11, 1), reason="X1")
    episode(h, "C7", date(2025, 11, 1), reason_new="L", legal="C2")
    c7 = rows(h.store(), 8)["C7"]
    assert (c7["date_started_looked_after"], c7["date_ceased_looked_after"]) == (date(2025, 11, 1), None)
    assert c7["legal_status"].startswith("C2")


@pytest.mark.slow
def test_list_8_and_9_a_year_known_record_counts_only_once_its_year_is_over(history):
    # The inspection date is 1 Jun 2025, inside the collection year 2025-26 (1 Apr 2025 - 31 Mar 2026).
    # P1: health assessment from OC2 2025-26 (the year is not over) and a real one on 1 Mar 2025 -> 1 Mar 2025.
    #     Dental: OC2 2024-25 (over on 31 Mar 2025) and OC2 2025-26 -> the year 2024-25.
    # LEAVER: OC3 2025-26 only -> no contact known yet; OC3 2024-25 as well for OLD -> the year 2024-25.
    as_at = date(2025, 6, 1)
    h = history
    h.child("P1", dob=date(2012, 1, 1))
    episode(h, "P1", date(2024, 1, 1))
    h.child("LEAVER", dob=date(2006, 1, 1))
    h.child("OLD", dob=date(2006, 1, 1))
    returned = [
        ("P1", "annual health assessment", date(2026, 3, 31)),
        ("P1", "dental check", date(2025, 3, 31)),
        ("P1", "dental check", date(2026, 3, 31)),
    ]
    health_checks(h, "OC2", "1", returned)
    for number, (person, day) in enumerate(
        [("LEAVER", date(2026, 3, 31)), ("OLD", date(2025, 3, 31)), ("OLD", date(2026, 3, 31))]
    ):
        h.add(
            "care_leavers",
            clea_table_id=f"OC3-{number}",
            clea_person_id=person,
            clea_care_leaver_in_touch="YES",
            clea_care_leaver_latest_contact=day,
            clea_care_leaver_activity="F2",
        )
    store = h.store()
    from_the_ssda903_return(store, "cla_health")
    from_the_ssda903_return(store, "care_leavers")
    health_checks(h, "SSD", "Completed", [("P1", "annual health assessment", date(2025, 3, 1))])
    store = h.store()
    p1 = rows(store, 8, as_at)["P1"]
    assert (p1["date_of_last_health_assessment"], p1["date_of_last_dental_check"]) == (
        date(2025, 3, 1),
        "Done in the year 2024-25",
    )
    leavers = rows(store, 9, as_at)
    assert leavers["OLD"]["latest_date_of_contact"] == "Done in the year 2024-25"
    assert leavers.get("LEAVER", {}).get("latest_date_of_contact") is None
