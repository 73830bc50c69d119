"""Annex A export: Lists 1 to 11 from a small hand-built history, the workbook, the CSV files and the CLI.

The inspection (as-at) date is 31 March 2026 throughout. The windows:

- "6 months before": from 30 September 2025 (the same day 6 months earlier; March 31 less six
  months is September 30, as September has 30 days) up to 31 March 2026, both days in. So an
  event on 30 September 2025 is in, one on 29 September 2025 is out.
- "12 months before": from 31 March 2025 up to 31 March 2026, both days in.

Children (all ethnicity WBRI unless said; nobody has a disability recorded, so "c) Unknown"):

- P1  girl born 2015-05-01 (10 on the as-at date). Contacts, referrals, assessments, a CIN plan,
      visits, early help; her case is allocated to "Worker One" in a team whose name is a formula.
- P2  unborn (expected 2026-06-01, sex U, ethnicity NOBT): a contact, open early help. Age -1.
- P3  boy born 2012-01-10 (14): two section 47 enquiries, two CP plans, the second open.
- P4  girl born 2019-03-01 (7): a CP plan ending exactly 6 months before; two days under an EPO.
- P5  boy born 2010-07-01 (15): looked after since 2025-06-01, two placements, a former UASC.
- P6  girl born 2014-02-02: short breaks only (V3), so not in List 8.
- P7  care leaver born 2006-01-01 (20); P8 born 1995-01-01 (31) is past leaving-care age.
- P9  girl born 2022-02-02 (4), child_id 501, family 77: adopted on 2025-12-01.
- P10 a CP plan that ended 29 September 2025, one day before the window: not in List 7.
- P11 adopted on 30 March 2025, one day before the 12-month window: not in List 10.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime

import openpyxl
import pytest

from childhub.annex_a import template
from childhub.annex_a.export import NO_SOURCE, NO_VALUE, annex_a_rows, write_annex_a
from childhub.exports import neutralise

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick

AS_AT = date(2026, 3, 31)
FORMULA_TEAM = '=HYPERLINK("http://example.invalid","click")'
SAFE_TEAM = "'" + FORMULA_TEAM
UNKNOWN = "c) Unknown"


def build(history):
    """The history described in the module docstring, written into a store."""
    h = history
    h.child("P1", dob=date(2015, 5, 1), sex="F")
    h.child("P2", dob=None, sex="U", ethnicity="NOBT", pers_expected_dob=date(2026, 6, 1))
    h.child("P3", dob=date(2012, 1, 10), sex="M")
    h.child("P4", dob=date(2019, 3, 1), sex="F")
    h.child("P5", dob=date(2010, 7, 1), sex="M")
    h.child("P6", dob=date(2014, 2, 2), sex="F")
    h.child("P7", dob=date(2006, 1, 1), sex="F")
    h.child("P8", dob=date(1995, 1, 1), sex="M")
    h.child("P9", dob=date(2022, 2, 2), sex="F", child_id=501)
    h.child("P10", dob=date(2016, 6, 6), sex="M")
    h.child("P11", dob=date(2020, 1, 1), sex="M")

    # Teams and workers: P1's allocation is open on the as-at date.
    h.add("department", dept_team_id="T9", dept_team_name=FORMULA_TEAM)
    h.add("department", dept_team_id="T1", dept_team_name="Safeguarding Team")
    h.add(
        "professionals",
        prof_professional_id="W1",
        prof_professional_name="Worker One",
        prof_professional_department="T9",
    )
    h.add(
        "involvements",
        invo_involvements_id="AL1",
        invo_professional_id="W1",
        invo_professional_team="T9",
        invo_person_id="P1",
        invo_involvement_start_date=date(2025, 1, 1),
    )

    # Contacts: 30 Sep 2025 is exactly 6 months before (in); 29 Sep 2025 one day earlier (out).
    h.add(
        "contacts",
        cont_contact_id="C1",
        cont_person_id="P1",
        cont_contact_date=date(2025, 9, 30),
        cont_contact_source_code="2A",
    )
    h.add(
        "contacts",
        cont_contact_id="C2",
        cont_person_id="P1",
        cont_contact_date=date(2025, 9, 29),
        cont_contact_source_code="2A",
    )
    h.add(
        "contacts",
        cont_contact_id="C3",
        cont_person_id="P1",
        cont_contact_date=date(2026, 3, 31),
        cont_contact_source_code="6",
    )
    h.add(
        "contacts",
        cont_contact_id="C4",
        cont_person_id="P2",
        cont_contact_date=date(2025, 12, 25),
        cont_contact_source_code="9",
    )

    # Early help: P1 started in the window; P2 started before it and is still open; P3 ended long ago.
    h.add(
        "early_help_episodes",
        earl_episode_id="EH1",
        earl_person_id="P1",
        earl_episode_start_date=date(2025, 10, 1),
        earl_episode_end_date=date(2026, 1, 15),
        earl_episode_organisation="School",
    )
    h.add(
        "early_help_episodes",
        earl_episode_id="EH2",
        earl_person_id="P2",
        earl_episode_start_date=date(2025, 1, 1),
        earl_episode_organisation="Health visiting",
    )
    h.add(
        "early_help_episodes",
        earl_episode_id="EH3",
        earl_person_id="P3",
        earl_episode_start_date=date(2024, 1, 1),
        earl_episode_end_date=date(2024, 6, 1),
        earl_episode_organisation="School",
    )

    # Referrals of P1 (CIN episodes): R00 and R0 closed long ago, R1 closed in the window, R2 NFA, R3 open.
    referrals = [
        ("R00", date(2024, 11, 20), "8", "N", "N9", date(2024, 12, 20), "RC8"),
        ("R0", date(2025, 2, 15), "8", "N", "N9", date(2025, 3, 1), "RC8"),
        ("R1", date(2025, 6, 1), "2A", "N", "N1", date(2025, 10, 1), "RC7"),
        ("R2", date(2025, 12, 1), "6", "Y", None, None, None),
        ("R3", date(2026, 2, 1), "2A", "N", "N4", None, None),
    ]
    for referral_id, day, source, nfa, need, closed, reason in referrals:
        h.add(
            "cin_episodes",
            cine_referral_id=referral_id,
            cine_person_id="P1",
            cine_referral_date=day,
            cine_referral_source_code=source,
            cine_referral_nfa=nfa,
            cine_cin_primary_need_code=need,
            cine_close_date=closed,
            cine_close_reason=reason,
        )
    h.add("cin_plans", cinp_cin_plan_id="CINP1", cinp_person_id="P1", cinp_cin_plan_start_date=date(2026, 2, 20))
    h.add(
        "cin_visits",
        cinv_cin_visit_id="V1",
        cinv_person_id="P1",
        cinv_cin_visit_date=date(2026, 3, 1),
        cinv_cin_visit_seen="Y",
    )
    h.add(
        "cin_visits",
        cinv_cin_visit_id="V2",
        cinv_person_id="P1",
        cinv_cin_visit_date=date(2026, 3, 20),
        cinv_cin_visit_seen="N",
    )

    # Assessments of P1: A1 started before the window, authorised in it (in); A2 authorised before (out);
    # A3 started in the window, not yet authorised (in).
    h.add(
        "cin_assessments",
        cina_assessment_id="A1",
        cina_person_id="P1",
        cina_assessment_start_date=date(2025, 9, 1),
        cina_assessment_auth_date=date(2025, 10, 10),
        cina_assessment_child_seen="Y",
        cina_assessment_outcome_nfa="N",
    )
    h.add(
        "cin_assessments",
        cina_assessment_id="A2",
        cina_person_id="P1",
        cina_assessment_start_date=date(2025, 8, 1),
        cina_assessment_auth_date=date(2025, 9, 20),
    )
    h.add("cin_assessments", cina_assessment_id="A3", cina_person_id="P1", cina_assessment_start_date=date(2026, 3, 25))

    # Section 47 enquiries of P3: S1 before the window (not listed, but counted), S2 in it.
    h.add("s47_enquiry", s47e_s47_enquiry_id="S1", s47e_person_id="P3", s47e_s47_start_date=date(2025, 5, 1))
    h.add(
        "s47_enquiry",
        s47e_s47_enquiry_id="S2",
        s47e_person_id="P3",
        s47e_s47_start_date=date(2025, 10, 20),
        s47e_s47_completed_by_team="T1",
    )
    h.add(
        "initial_cp_conference",
        icpc_icpc_id="I1",
        icpc_s47_enquiry_id="S1",
        icpc_person_id="P3",
        icpc_icpc_date=date(2025, 5, 20),
        icpc_icpc_outcome_cp_flag="N",
    )
    h.add(
        "initial_cp_conference",
        icpc_icpc_id="I2",
        icpc_s47_enquiry_id="S2",
        icpc_person_id="P3",
        icpc_icpc_date=date(2025, 11, 1),
        icpc_icpc_outcome_cp_flag="Y",
    )

    # CP plans: P3's first ended in 2023 (not listed, but a previous plan), his second is open; P4's ended
    # exactly 6 months before (in); P10's one day earlier (out).
    h.add(
        "cp_plans",
        cppl_cp_plan_id="CP1",
        cppl_person_id="P3",
        cppl_cp_plan_start_date=date(2023, 1, 1),
        cppl_cp_plan_end_date=date(2023, 12, 1),
        cppl_cp_plan_initial_category="NEG",
    )
    h.add(
        "cp_plans",
        cppl_cp_plan_id="CP2",
        cppl_person_id="P3",
        cppl_cp_plan_start_date=date(2025, 11, 1),
        cppl_cp_plan_initial_category="PHY",
    )
    h.add(
        "cp_plans",
        cppl_cp_plan_id="CP3",
        cppl_person_id="P4",
        cppl_cp_plan_start_date=date(2025, 3, 1),
        cppl_cp_plan_end_date=date(2025, 9, 30),
        cppl_cp_plan_initial_category="EMO",
    )
    h.add(
        "cp_plans",
        cppl_cp_plan_id="CP4",
        cppl_person_id="P10",
        cppl_cp_plan_start_date=date(2025, 1, 1),
        cppl_cp_plan_end_date=date(2025, 9, 29),
        cppl_cp_plan_initial_category="NEG",
    )
    h.add(
        "cp_reviews",
        cppr_cp_review_id="CR1",
        cppr_person_id="P3",
        cppr_cp_plan_id="CP2",
        cppr_cp_review_date=date(2026, 1, 15),
    )

    # Looked after. P5: two episodes (a placement move on 2025-12-01), care order throughout.
    episodes = [
        ("P5", date(2025, 6, 1), "S", None, None, "C2", "U4", "PR1"),
        ("P5", date(2025, 12, 1), "P", None, None, "C2", "K2", "PR4"),
        ("P4", date(2025, 10, 1), "S", date(2025, 10, 3), "E4A", "L2", None, None),
        ("P6", date(2025, 5, 1), "S", None, None, "V3", "U6", "PR1"),
        ("P9", date(2024, 6, 1), "S", date(2025, 12, 1), "E11", "C2", None, None),
    ]
    for person, start, reason_new, ceased, reason, legal, placement, provider in episodes:
        key = f"{person}|{start.isoformat()}"
        h.add(
            "cla_episodes",
            clae_cla_episode_id=key,
            clae_person_id=person,
            clae_cla_episode_start_date=start,
            clae_cla_episode_start_reason=reason_new,
            clae_cla_primary_need_code="N1",
            clae_cla_episode_ceased_date=ceased,
            clae_cla_episode_ceased_reason=reason,
        )
        h.add(
            "legal_status",
            lega_legal_status_id=key,
            lega_person_id=person,
            lega_legal_status=legal,
            lega_legal_status_start_date=start,
        )
        if placement:
            h.add(
                "cla_placement",
                clap_cla_placement_id=key,
                clap_person_id=person,
                clap_cla_placement_start_date=start,
                clap_cla_placement_type=placement,
                clap_cla_placement_provider=provider,
                clap_cla_placement_postcode="ab1 2cd ",
                clap_cla_placement_urn="SC123",
            )
    h.add("cla_reviews", clar_cla_review_id="LR1", clar_person_id="P5", clar_cla_review_date=date(2025, 12, 10))
    h.add(
        "cla_health",
        clah_health_check_id="H1",
        clah_person_id="P5",
        clah_health_check_type="annual health assessment",
        clah_health_check_date=date(2025, 7, 1),
        clah_health_check_status="1",
    )
    h.add(
        "cla_health",
        clah_health_check_id="H2",
        clah_person_id="P5",
        clah_health_check_type="dental check",
        clah_health_check_date=date(2025, 8, 1),
        clah_health_check_status="Y",
    )
    h.add(
        "missing",
        miss_table_id="M1",
        miss_person_id="P5",
        miss_missing_episode_start_date=date(2024, 12, 1),
        miss_missing_episode_type="M",
        miss_missing_rhi_offered="N",
    )
    h.add(
        "missing",
        miss_table_id="M2",
        miss_person_id="P5",
        miss_missing_episode_start_date=date(2025, 10, 1),
        miss_missing_episode_type="M",
        miss_missing_rhi_offered="Y",
        miss_missing_rhi_accepted="N",
    )
    h.add(
        "missing",
        miss_table_id="M3",
        miss_person_id="P5",
        miss_missing_episode_start_date=date(2026, 1, 5),
        miss_missing_episode_type="A",
    )
    h.add("cla_uasc", clau_person_id="P5", clau_uasc_ceased_date=date(2025, 5, 1))

    # Care leavers: P7's latest record (2025) wins over 2024's; P8 is 31.
    h.add(
        "care_leavers",
        clea_table_id="L1",
        clea_person_id="P7",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2024, 3, 31),
        clea_care_leaver_accommodation="S2",
        clea_care_leaver_activity="G5",
    )
    h.add(
        "care_leavers",
        clea_table_id="L2",
        clea_person_id="P7",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2025, 3, 31),
        clea_care_leaver_accommodation="D1",
        clea_care_leaver_activity="F2",
    )
    h.add(
        "care_leavers",
        clea_table_id="L3",
        clea_person_id="P8",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2025, 3, 31),
        clea_care_leaver_accommodation="D1",
    )

    # Adoption: P9 adopted in the 12 months; P11 the day before they began.
    h.add(
        "permanence",
        perm_table_id="AD1",
        perm_person_id="P9",
        perm_adm_decision_date=date(2025, 1, 10),
        perm_placement_order_date=date(2025, 2, 1),
        perm_matched_date=date(2025, 4, 1),
        perm_placed_for_adoption_date=date(2025, 5, 1),
        perm_permanence_order_date=date(2025, 12, 1),
    )
    h.add(
        "permanence",
        perm_table_id="AD2",
        perm_person_id="P11",
        perm_adm_decision_date=date(2024, 1, 1),
        perm_permanence_order_date=date(2025, 3, 30),
    )
    store = h.store()
    with store.writer() as conn:
        now = datetime(2026, 1, 1)
        conn.execute("INSERT INTO family_group VALUES (66, ?), (77, ?)", [now, now])
        conn.execute(
            "INSERT INTO family_member VALUES (66, 501, 'child', ?, ?), (77, 501, 'child', ?, NULL)",
            [datetime(2024, 1, 1), now, now],
        )
    return store


def rows_by_list(store, version=None):
    with store.reader() as conn:
        return {item.annex_list.number: item for item in annex_a_rows(conn, AS_AT, version)}


@pytest.fixture
def store(history):
    return build(history)


P1 = ("P1", "b) Female", "a) WBRI", date(2015, 5, 1), 10)
P3 = ("P3", "a) Male", "a) WBRI", date(2012, 1, 10), 14)


# --- the lists -----------------------------------------------------------------------------


def test_list_1_contacts_window_edges_and_an_unborn_child(store):
    rows = rows_by_list(store)[1].rows
    # C1 on 30 Sep 2025 (exactly 6 months before) is in; C2 on 29 Sep 2025 is out. P2 is unborn:
    # age -1, date of birth the expected one, sex U -> "c) Not stated/recorded", NOBT -> "t) NOBT".
    assert rows == (
        (*P1, date(2025, 9, 30), "e) 2A: Schools"),
        ("P2", "c) Not stated/recorded", "t) NOBT", date(2026, 6, 1), -1, date(2025, 12, 25), "t) 9: Anonymous"),
        (*P1, date(2026, 3, 31), "q) 6: Police"),
    )


def test_list_2_early_help_started_in_the_window_or_still_open(store):
    rows = rows_by_list(store)[2].rows
    # EH2 (P2) started before the window but has no end: in. EH1 (P1) started 1 Oct 2025: in.
    # EH3 (P3) ended in 2024: out.
    assert rows == (
        ("P2", "c) Not stated/recorded", "t) NOBT", date(2026, 6, 1), -1, date(2025, 1, 1), None, "Health visiting"),
        (*P1, date(2025, 10, 1), date(2026, 1, 15), "School"),
    )


def test_list_3_referrals_count_earlier_referrals_in_12_months_excluding_the_listed_one(store):
    rows = rows_by_list(store)[3].rows
    # In the window (from 30 Sep 2025): R2 (1 Dec 2025) and R3 (1 Feb 2026).
    # R2: earlier referrals from 1 Dec 2024 to 30 Nov 2025: R0 (15 Feb 2025), R1 (1 Jun 2025) = 2;
    #     R00 (20 Nov 2024) is more than 12 months before.
    # R3: from 1 Feb 2025 to 31 Jan 2026: R0, R1, R2 = 3 (R3 itself not counted).
    # P1's allocation (open on the as-at date) gives team and worker; the team's name is neutralised.
    allocated = (FORMULA_TEAM, "Worker One")
    assert rows == (
        (*P1, date(2025, 12, 1), "q) 6: Police", "a) Yes", 2, *allocated),
        (*P1, date(2026, 2, 1), "e) 2A: Schools", "b) No", 3, *allocated),
    )


def test_list_4_assessments_started_or_authorised_in_the_window(store):
    rows = rows_by_list(store)[4].rows
    # A1 started 1 Sep 2025 (before the window), authorised 10 Oct 2025 (in it): in; seen Y, outcome
    # not NFA -> requires support "a) Yes". A2 authorised 20 Sep 2025: out. A3 started 25 Mar 2026: in.
    allocated = (FORMULA_TEAM, "Worker One")
    assert rows == (
        (*P1, UNKNOWN, date(2025, 9, 1), "a) Yes", date(2025, 10, 10), "a) Yes", *allocated),
        (*P1, UNKNOWN, date(2026, 3, 25), None, None, None, *allocated),
    )


def test_list_5_section_47_counts_exclude_the_listed_enquiry(store):
    rows = rows_by_list(store)[5].rows
    # Only S2 (20 Oct 2025) is in the window. In the 12 months before it (from 20 Oct 2024): S1 started
    # 1 May 2025 -> 1 enquiry; S1's ICPC on 20 May 2025 -> 1 ICPC (S2's own ICPC is not counted).
    # An ICPC was held, so it was not deemed unnecessary. No allocation: the enquiry's own team T1.
    assert rows == (
        (*P3, UNKNOWN, date(2025, 10, 20), "b) No", date(2025, 11, 1), "a) Yes", 1, 1, "Safeguarding Team", None),
    )


def test_list_6_children_in_need_leaves_out_nfa_and_closed_before_the_window(store):
    rows = rows_by_list(store)[6].rows
    # R00, R0 closed before 30 Sep 2025: out. R2 was NFA: out. R1 closed 1 Oct 2025 (RC7): in, closed.
    # R3 open; P1 has a CIN plan open since 20 Feb 2026 -> "c) Child in need plan".
    # Last seen: visit on 1 Mar 2026 (seen); the 20 Mar 2026 visit recorded her unseen.
    allocated = (FORMULA_TEAM, "Worker One")
    rc7 = "RC7 - Services ceased for any other reason, including child no longer in need"
    assert rows == (
        (
            *P1,
            UNKNOWN,
            date(2025, 6, 1),
            "N1 - Abuse or neglect",
            date(2026, 3, 1),
            date(2025, 10, 1),
            rc7,
            "e) Closed episode",
            *allocated,
        ),
        (
            *P1,
            UNKNOWN,
            date(2026, 2, 1),
            "N4 - Family in acute stress",
            date(2026, 3, 1),
            None,
            None,
            "c) Child in need plan",
            *allocated,
        ),
    )


def test_list_7_child_protection_previous_plans_and_window_edge(store):
    rows = rows_by_list(store)[7].rows
    # CP3 (P4) ended 30 Sep 2025, exactly 6 months before: in. CP4 (P10) ended 29 Sep 2025: out.
    # CP2 (P3) is open; CP1 started before it -> 1 previous plan. Latest category defaults to the initial.
    # P4 was under an EPO (L2) 1-3 Oct 2025, in the six months -> Y; P3 never -> N.
    assert rows == (
        (
            "P4",
            "b) Female",
            "a) WBRI",
            date(2019, 3, 1),
            7,
            UNKNOWN,
            date(2025, 3, 1),
            "d) Emotional abuse",
            "d) Emotional abuse",
            None,
            None,
            None,
            date(2025, 9, 30),
            "Y",
            0,
            None,
            None,
        ),
        (
            *P3,
            UNKNOWN,
            date(2025, 11, 1),
            "b) Physical abuse",
            "b) Physical abuse",
            None,
            None,
            date(2026, 1, 15),
            None,
            "N",
            1,
            None,
            None,
        ),
    )


def test_list_8_children_in_care_and_short_breaks_left_out(store):
    result = rows_by_list(store)[8]
    by_child = {row[0]: dict(zip(result.annex_list.column_ids, row, strict=True)) for row in result.rows}
    # P6's only period is a short break (V3): not listed. P5 is looked after; P4 and P9 ceased in the window.
    assert [row[0] for row in result.rows] == ["P9", "P5", "P4"]
    assert tuple(by_child["P5"].values()) == (
        "P5",
        "a) Male",
        "a) WBRI",
        date(2010, 7, 1),
        15,
        "Y",  # UASC ceased 1 May 2025, within the 12 months (from 31 Mar 2025)
        UNKNOWN,
        date(2025, 6, 1),
        "N1 - Abuse or neglect",
        "N",  # no earlier period
        date(2025, 6, 1),
        "C2",  # C2 since the first episode
        date(2025, 12, 10),
        None,  # review; no social work visits recorded
        None,  # no care plan recorded
        date(2025, 12, 10),  # the IRO chairs the statutory review: the last IRO contact
        date(2025, 7, 1),
        date(2025, 8, 1),
        2,  # the 1 Jun 2025 placement and the 1 Dec 2025 move
        None,
        None,  # not ceased
        date(2025, 12, 1),
        "K2",
        "e) PR4: Private provision",
        "AB1 2CD",
        "SC123",
        None,  # placement location: no home addresses recorded, so the authority's area is not known
        None,  # LA of placement: no source
        1,
        1,  # missing 1 Oct 2025 (1 Dec 2024 is more than 12 months before); absent 5 Jan 2026
        "Y",
        "N",  # the last missing episode's return interview
        None,
        None,
    )
    p4 = by_child["P4"]
    assert (p4["legal_status"], p4["legal_status_start_date"], p4["date_ceased_looked_after"]) == (
        "L2",
        date(2025, 10, 1),
        date(2025, 10, 3),
    )
    assert (p4["reason_ceased"], p4["placements_in_last_12_months"], p4["uasc_in_last_12_months"]) == ("E4A", 1, "N")
    assert (by_child["P9"]["date_ceased_looked_after"], by_child["P9"]["reason_ceased"]) == (date(2025, 12, 1), "E11")


def test_list_9_care_leavers_latest_record_and_leaving_care_age(store):
    rows = rows_by_list(store)[9].rows
    # P7 (20): the 2025 record wins. No eligibility recorded, 18 or over, not looked after -> former relevant.
    # D1: accommodation D, second character 1 -> suitable. P8 is 31: out.
    assert rows == (
        (
            "P7",
            "b) Female",
            "a) WBRI",
            date(2006, 1, 1),
            20,
            "N",
            UNKNOWN,
            None,
            None,
            None,
            "b) Former relevant child",
            None,
            "a) Yes",
            date(2025, 3, 31),
            "D: Semi-independent, transitional accommodation and self-contained accommodation",
            "a) Suitable",
            "F2: Full time in education other than higher",
        ),
    )


def test_list_9_in_the_2020_template_has_its_13_columns(store):
    rows = rows_by_list(store, "2020")[9].rows
    assert len(rows[0]) == 13


def test_list_10_adoption_with_family_identifier_and_12_month_edge(store):
    rows = rows_by_list(store)[10].rows
    # P9 adopted 1 Dec 2025 (in the 12 months); P11 adopted 30 Mar 2025, the day before 31 Mar 2025: out.
    # Family: the membership that still holds (77), not the ended one (66). Entered care 1 Jun 2024.
    assert rows == (
        (
            "P9",
            "77",
            "b) Female",
            "a) WBRI",
            date(2022, 2, 2),
            4,
            UNKNOWN,
            date(2024, 6, 1),
            date(2025, 1, 10),
            date(2025, 2, 1),
            date(2025, 4, 1),
            date(2025, 5, 1),
            date(2025, 12, 1),
            None,
            None,
            None,
        ),
    )


def test_list_11_adopters_is_empty_and_every_field_has_no_source(store):
    result = rows_by_list(store)[11]
    assert result.rows == ()
    assert {field.column_id for field in result.unavailable} == set(result.annex_list.column_ids)
    assert {field.reason for field in result.unavailable} == {NO_SOURCE}


def test_unavailable_fields_say_no_source_or_no_value(store):
    fields = {(f.list_number, f.column_id): f for item in rows_by_list(store).values() for f in item.unavailable}
    # No source in the canonical model: the LA of placement.
    assert fields[(8, "placement_la")].reason == NO_SOURCE
    # A source, but no row has a value: no CP visits were recorded.
    assert fields[(7, "date_of_last_statutory_visit")].reason == NO_VALUE
    assert fields[(7, "date_of_last_statutory_visit")].source == "fact_cp_visit.visit_date"
    # Filled somewhere: not unavailable.
    assert (8, "legal_status") not in fields


# --- the workbook --------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "sex_header"), [("2023", "Gender"), ("2026", "Sex")])
def test_workbook_headers_are_the_templates_exactly(store, tmp_path, version, sex_header):
    out = tmp_path / "annex_a.xlsx"
    report = write_annex_a(store, AS_AT, out, version=version)
    workbook = openpyxl.load_workbook(out)
    annex = template(version)
    assert workbook.sheetnames == [item.sheet_name for item in annex.lists] + ["Summary"]
    for annex_list in annex.lists:
        sheet = workbook[annex_list.sheet_name]
        headers = [cell.value for cell in next(sheet.iter_rows(min_row=1, max_row=1))]
        assert headers == [column.header for column in annex_list.columns]
        assert headers[annex_list.column_ids.index("gender")] == sex_header
        assert sheet.max_row == 1 + report.rows[annex_list.number]
    assert report.rows == {1: 3, 2: 2, 3: 2, 4: 2, 5: 1, 6: 2, 7: 2, 8: 3, 9: 1, 10: 1, 11: 0}
    assert report.version == version and report.paths == (out,)


def test_workbook_dates_are_dates_numbers_are_numbers_and_codes_are_template_values(store, tmp_path):
    out = tmp_path / "annex_a.xlsx"
    write_annex_a(store, AS_AT, out)
    sheet = openpyxl.load_workbook(out)["List 1 - Contacts"]
    first = [cell for cell in sheet[2]]
    assert first[3].value == datetime(2015, 5, 1) and first[3].is_date and "dd" in first[3].number_format
    assert first[4].value == 10 and first[4].data_type == "n"
    assert first[1].value == "b) Female" and first[6].value == "e) 2A: Schools"
    unborn = [cell.value for cell in sheet[3]]
    assert unborn[4] == -1  # a number, not neutralised text
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b


def test_formula_in_a_team_name_is_neutralised_in_the_workbook(store, tmp_path):
    out = tmp_path / "annex_a.xlsx"
    write_annex_a(store, AS_AT, out)
    sheet = openpyxl.load_workbook(out)["List 3 - Referrals"]
    cell = sheet.cell(row=2, column=10)
    assert cell.value == SAFE_TEAM and cell.data_type == "s"


def test_empty_list_has_its_header_and_the_summary_names_unavailable_fields(store, tmp_path):
    out = tmp_path / "annex_a.xlsx"
    write_annex_a(store, AS_AT, out)
    workbook = openpyxl.load_workbook(out)
    adopters = workbook["List 11 - Adopters"]
    assert adopters.max_row == 1 and adopters["A1"].value == "Individual adopter identifier"
    summary = [tuple(cell.value for cell in row) for row in workbook["Summary"].iter_rows(min_row=3)]
    assert summary[0] == ("List", "Sheet", "Rows", "Unavailable field", "Why unavailable", "Source")
    assert (1, "List 1 - Contacts", 3, None, None, None) in summary
    assert (
        8,
        "List 8 - Children in Care",
        3,
        "LA of Placement",
        NO_SOURCE,
        "no source names the authority a placement is in (the SSDA903 return and the SSD give its postcode only)",
    ) in summary
    assert (
        7,
        "List 7 - Child Protection",
        2,
        "Date of the Last Statutory Visit",
        NO_VALUE,
        "fact_cp_visit.visit_date",
    ) in summary
    assert sum(1 for row in summary if row[0] == 11) == 19


# --- CSV -----------------------------------------------------------------------------------


def test_csv_files_one_per_list_with_bom_iso_dates_and_neutralised_text(store, tmp_path):
    out = tmp_path / "annex_a"
    report = write_annex_a(store, AS_AT, out, fmt="csv")
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted(path.name for path in report.paths)
    assert "list_01_contacts.csv" in names and "list_11_adopters.csv" in names and "summary.csv" in names
    raw = (out / "list_03_referrals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (out / "list_03_referrals.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [column.header for column in template("2026").get_list(3).columns]
    assert rows[1] == [
        "P1",
        "b) Female",
        "a) WBRI",
        "2015-05-01",
        "10",
        "2025-12-01",
        "q) 6: Police",
        "a) Yes",
        "2",
        SAFE_TEAM,
        "Worker One",
    ]
    with (out / "list_11_adopters.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1


# --- formula injection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 123", "'+44 123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Safe team", "Safe team"),
        ("", ""),
        (-1, -1),
        (2.5, 2.5),
        (date(2026, 1, 1), date(2026, 1, 1)),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


# --- the command line ----------------------------------------------------------------------


def test_cli_writes_the_workbook_and_prints_rows_per_list(store, tmp_path):
    out = tmp_path / "annex.xlsx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "childhub",
            "annex-a",
            "--as-at",
            "2026-03-31",
            "--out",
            str(out),
            "--data-dir",
            str(store.data_dir),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "List 1 - Contacts: 3 rows"
    assert lines[10] == "List 11 - Adopters: 0 rows"
    assert str(out) in lines[11] and out.exists()


def test_cli_errors_are_one_line(store, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "childhub",
            "annex-a",
            "--as-at",
            "2026-03-31",
            "--out",
            str(tmp_path / "a.xlsx"),
            "--template",
            "1999",
            "--data-dir",
            str(store.data_dir),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr == "error: There is no Annex A template '1999'; the versions are 2020, 2023, 2026.\n"


def test_list_9_keeps_a_care_leaver_whose_record_has_no_contact_date(history):
    # The SSD leaves the contact date blank when the LA is not in touch: exactly the young people an
    # inspector asks about. P1's only record has no date; it is listed, not dropped.
    history.child("P1", dob=date(2006, 5, 1))
    history.add(
        "care_leavers",
        clea_table_id="L1",
        clea_person_id="P1",
        clea_care_leaver_in_touch="NO",
        clea_care_leaver_latest_contact=None,
        clea_care_leaver_activity="G5",
    )
    rows = rows_by_list(history.store())[9].rows
    assert len(rows) == 1 and rows[0][0] == "P1"


# --- the workbook writer -------------------------------------------------------------------


def test_the_workbook_writer_round_trips_awkward_cells(tmp_path):
    import zipfile
    from xml.dom.minidom import parseString

    from childhub.annex_a.workbook import Workbook

    awkward = ["a & b < c > d", "  two spaces", "tab\there", "bell\x07", "_x0041_ literal", "=SUM(A1)", "Zoë"]
    out = tmp_path / "book.xlsx"
    with Workbook(out) as book:
        with book.sheet("A & B", [10] * 30) as sheet:
            sheet.header([f"H{n}" for n in range(30)])
            sheet.rows([(*awkward, date(2026, 3, 31), -1, 12345678901, None, *range(20), "last")])
        with book.sheet("Empty", []) as sheet:
            pass
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                parseString(archive.read(name))  # well-formed XML, every part
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["A & B", "Empty"]
    sheet = workbook["A & B"]
    cells = [cell.value for cell in sheet[2]]
    assert cells[:3] == ["a & b < c > d", "  two spaces", "tab\there"]
    # A character XML cannot carry, and text that looks like that escape, written as OOXML's _xHHHH_ (Excel
    # shows "bell" and the bell character, and "_x0041_ literal"; openpyxl shows the escapes as they are).
    assert cells[3:5] == ["bell_x0007_", "_x005F_x0041_ literal"]
    assert cells[5:7] == ["'=SUM(A1)", "Zoë"]
    assert cells[7] == datetime(2026, 3, 31) and sheet.cell(row=2, column=8).is_date
    assert cells[8:11] == [-1, 12345678901, None] and cells[-1] == "last"
    assert sheet.cell(row=2, column=31).column_letter == "AE"
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert workbook["Empty"].max_row == 1
