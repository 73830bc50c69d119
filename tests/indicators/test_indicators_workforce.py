"""Workforce and caseload indicators, each against a small hand-built history worked out by hand.

The one history (``_workforce``), on the as-at date 30 September 2025 (DfE's count date):

workers (professionals)    FTE   agency  team  job title
  W1                       1.0   N       T1    social worker
  W2                       0.5   Y       T1    social worker      part-time
  W3                       1.0   N       T2    social worker      holds no case on the date
  W4                       0.8   Y       T2    social worker
  W5                       -     Y       -     personal adviser   no FTE recorded (counts 1.0), no team

allocations (involvements), child -> worker, start .. end
  A1   P1 -> W1   2025-01-01 .. open          held
  A2   P2 -> W1   2025-03-01 .. open          held
  A10  P2 -> W1   2025-04-01 .. open          held, but the same child and worker: one case with A2
  A3   P3 -> W1   2025-06-01 .. 2025-09-30    ends ON the date: not held
  A4   P3 -> W4   2025-09-30 .. open          the handover: held by W4 from the date
  A5   P4 -> W2   2025-05-01 .. open          held
  A6   P5 -> W2   2025-05-01 .. 2025-10-31    ends after the date: held
  A7   P6 -> W4   2025-10-01 .. open          starts after the date: not held
  A8   P1 -> W4   2025-02-01 .. open          P1 co-allocated: a case of W4 as well as of W1
  A9   P7 -> (T2) 2025-08-01 .. open          a team with no worker: not a case, P7 unallocated
  A11  P9 -> W1   2025-02-01 .. 2025-09-30    ends ON the date with no successor: P9 unallocated
  A12  P3 -> W3   2024-01-01 .. 2024-12-31    long ended: W3 holds nothing on the date

cases on the date: W1 {P1, P2} = 2, W2 {P4, P5} = 2, W4 {P3, P1} = 2; W3 none, W5 none.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store

AS_AT = date(2025, 9, 30)
WORKFORCE = ["caseload_per_worker", "caseload_over_threshold", "unallocated_cases", "agency_worker_rate"]


def _worker(history, worker_id, fte, agency, team, title="social worker"):
    history.add(
        "professionals",
        prof_professional_id=worker_id,
        prof_full_time_equivalency=fte,
        prof_agency_worker_flag=agency,
        prof_professional_department=team,
        prof_professional_job_title=title,
    )


def _allocation(history, allocation_id, person, worker, start, end=None, team=None):
    history.add(
        "involvements",
        invo_involvements_id=allocation_id,
        invo_person_id=person,
        invo_professional_id=worker,
        invo_professional_team=team,
        invo_professional_role_id="Case responsibility",
        invo_involvement_start_date=start,
        invo_involvement_end_date=end,
    )


@pytest.fixture
def workforce(history) -> Store:
    for number in range(1, 14):
        history.child(f"P{number}", dob=date(2015, 1, number), child_id=number)
    history.add("department", dept_team_id="T1", dept_team_name="Assessment Team", dept_team_parent_name="assessment")
    history.add("department", dept_team_id="T2", dept_team_name="Safeguarding", dept_team_parent_name="safeguarding")
    _worker(history, "W1", 1.0, "N", "T1")
    _worker(history, "W2", 0.5, "Y", "T1")
    _worker(history, "W3", 1.0, "N", "T2")
    _worker(history, "W4", 0.8, "Y", "T2")
    _worker(history, "W5", None, "Y", None, "personal adviser")
    _allocation(history, "A1", "P1", "W1", date(2025, 1, 1))
    _allocation(history, "A2", "P2", "W1", date(2025, 3, 1))
    _allocation(history, "A10", "P2", "W1", date(2025, 4, 1))
    _allocation(history, "A3", "P3", "W1", date(2025, 6, 1), date(2025, 9, 30))
    _allocation(history, "A4", "P3", "W4", date(2025, 9, 30))
    _allocation(history, "A5", "P4", "W2", date(2025, 5, 1))
    _allocation(history, "A6", "P5", "W2", date(2025, 5, 1), date(2025, 10, 31))
    _allocation(history, "A7", "P6", "W4", date(2025, 10, 1))
    _allocation(history, "A8", "P1", "W4", date(2025, 2, 1))
    _allocation(history, "A9", "P7", None, date(2025, 8, 1), team="T2")
    _allocation(history, "A11", "P9", "W1", date(2025, 2, 1), date(2025, 9, 30))
    _allocation(history, "A12", "P3", "W3", date(2024, 1, 1), date(2024, 12, 31))
    # Open to social care on the date, for unallocated_cases (see its test).
    for referral, person, referred, closed, nfa, team in [
        ("R1", "P1", date(2025, 1, 1), None, "N", "T1"),  # open, allocated to W1 and W4
        ("R3", "P3", date(2025, 6, 1), None, "N", "T1"),  # open, allocated (the handover to W4)
        ("R7", "P7", date(2025, 7, 15), None, "N", "T2"),  # open, team-only allocation: unallocated
        ("R9", "P9", date(2025, 2, 1), None, "N", "T1"),  # open, allocation ended on the date: unallocated
        ("R10", "P10", date(2025, 3, 1), date(2025, 9, 30), "N", "T1"),  # closed ON the date: not open
        ("R12", "P12", date(2025, 9, 1), None, "Y", "T1"),  # NFA, no close date: closed on its referral date
    ]:
        history.add(
            "cin_episodes",
            cine_referral_id=referral,
            cine_person_id=person,
            cine_referral_date=referred,
            cine_close_date=closed,
            cine_referral_nfa=nfa,
            cine_referral_team=team,
        )
    # P8: on a CP plan, no allocation at all: unallocated.
    history.add(
        "cp_plans",
        cppl_cp_plan_id="CP8",
        cppl_person_id="P8",
        cppl_cp_plan_start_date=date(2025, 8, 1),
        cppl_cp_plan_initial_category="NEG",
    )
    # P11: looked after since June, no allocation: unallocated. P13: short breaks only (V3): not counted.
    for person, start in [("P11", date(2025, 6, 1)), ("P13", date(2025, 7, 1))]:
        history.add(
            "cla_episodes",
            clae_cla_episode_id=f"E{person}",
            clae_person_id=person,
            clae_cla_episode_start_date=start,
            clae_cla_episode_start_reason="S",
        )
    history.add(
        "legal_status",
        lega_legal_status_id="L13",
        lega_person_id="P13",
        lega_legal_status="V3",
        lega_legal_status_start_date=date(2025, 7, 1),
    )
    return history.store()


def test_caseload_per_worker_is_cases_over_case_holding_fte(workforce):
    # Cases: W1 2 (P1, P2: A2 and A10 are one case; A3 ended on the date; A11 ended on the date),
    # W2 2 (P4, and P5 whose allocation ends after the date), W4 2 (P3 from the handover on the
    # date, P1 co-allocated; A7 starts after the date) = 6 cases.
    # Case-holding FTE: W1 1.0 + W2 0.5 (part-time) + W4 0.8 = 2.3; W3 and W5 hold no case, so
    # their FTE is not counted.  6 / 2.3 = 2.6087.
    with calculator(workforce, AuthoritySettings()) as calc:
        (figure,) = calc.figures(AS_AT, ids=["caseload_per_worker"])
        assert figure.numerator == 6
        assert figure.denominator == pytest.approx(2.3)
        assert figure.value == pytest.approx(6 / 2.3)
        assert figure.children == 5  # P1 (twice), P2, P3, P4, P5
        assert figure.formatted() == "2.6 cases per FTE"
        assert figure.comparator is not None and (figure.comparator.value, figure.comparator.year) == (15.4, "2024")

        rows = calc.children("caseload_per_worker", AS_AT)
        assert sorted((row["la_child_id"], row["worker"]) for row in rows) == [
            ("P1", "W1"),
            ("P1", "W4"),
            ("P2", "W1"),
            ("P3", "W4"),
            ("P4", "W2"),
            ("P5", "W2"),
        ]
        # The FTE rows behind the denominator are the three case holders, not children.
        fte = calc.children("caseload_per_worker", AS_AT, part="denominator")
        assert sorted((row["worker"], row["denominator"]) for row in fte) == [("W1", 1.0), ("W2", 0.5), ("W4", 0.8)]
        assert all(row["child_key"] is None for row in fte)


def test_caseload_per_worker_by_team(workforce):
    # T1 = W1 + W2: cases 2 + 2 = 4, FTE 1.0 + 0.5 = 1.5 -> 2.667.
    # T2 = W4 only (W3 holds nothing): cases 2, FTE 0.8 -> 2.5.
    with calculator(workforce, AuthoritySettings()) as calc:
        rows = {row["team"]: row for row in calc.breakdown("caseload_per_worker", AS_AT, "team")}
    assert set(rows) == {"T1", "T2"}
    assert (rows["T1"]["numerator"], rows["T1"]["denominator"]) == (4, pytest.approx(1.5))
    assert rows["T1"]["value"] == pytest.approx(4 / 1.5)
    assert (rows["T2"]["numerator"], rows["T2"]["denominator"]) == (2, pytest.approx(0.8))
    assert rows["T2"]["value"] == pytest.approx(2.5)


def test_caseload_a_day_later_follows_the_allocations(workforce):
    # On 1 October: A7 (P6 -> W4) has started, A6 (P5 -> W2, ends 31 October) still held.
    # W1 2, W2 2, W4 3 (P1, P3, P6) = 7 cases over 2.3 FTE.
    with calculator(workforce, AuthoritySettings()) as calc:
        (figure,) = calc.figures(date(2025, 10, 1), ids=["caseload_per_worker"])
    assert (figure.numerator, figure.denominator) == (7, pytest.approx(2.3))


@pytest.mark.parametrize(
    ("threshold", "over", "expected"),
    [
        # Threshold 2, pro rata to FTE: W1 2 cases > 2 x 1.0 = 2? no (exactly at the threshold);
        # W2 2 > 2 x 0.5 = 1.0? yes; W4 2 > 2 x 0.8 = 1.6? yes -> 2 of 3 case holders = 66.7%.
        (2.0, ["W2", "W4"], 200 / 3),
        # Threshold 3: W1 2 > 3? no; W2 2 > 1.5? yes; W4 2 > 2.4? no -> 1 of 3 = 33.3%.
        (3.0, ["W2"], 100 / 3),
    ],
)
def test_caseload_over_threshold_reads_the_authority_setting(workforce, threshold, over, expected):
    with calculator(workforce, AuthoritySettings(caseload_threshold=threshold)) as calc:
        (figure,) = calc.figures(AS_AT, ids=["caseload_over_threshold"])
        assert figure.denominator == 3  # W1, W2, W4; W3 (no case) and W5 are not case holders
        assert figure.value == pytest.approx(expected)
        rows = calc.children("caseload_over_threshold", AS_AT)
    assert sorted(row["worker"] for row in rows) == over
    assert all(row["value"] == 2 for row in rows)  # each worker's number of cases


def test_unallocated_cases(workforce):
    # Open to social care on 30 September 2025:
    #   P1 (R1), P3 (R3), P7 (R7), P9 (R9) open CIN episodes; P8 CP plan; P11 looked after.
    #   Not open: P10 (closed on the date), P12 (NFA with no close date), P13 (short breaks only).
    # With a worker on the date: P1 (W1, W4), P3 (W4 from the handover on the date).
    # Unallocated: P7 (team-only allocation), P8 (no allocation), P9 (allocation ended on the
    # date), P11 (no allocation) = 4.
    with calculator(workforce, AuthoritySettings()) as calc:
        (figure,) = calc.figures(AS_AT, ids=["unallocated_cases"])
        assert figure.value == 4
        rows = calc.children("unallocated_cases", AS_AT)
        teams = {row["team"]: row["numerator"] for row in calc.breakdown("unallocated_cases", AS_AT, "team")}
    assert sorted(row["la_child_id"] for row in rows) == ["P11", "P7", "P8", "P9"]
    # P7: its team-only allocation's team T2; P9: its CIN episode's team T1; P8, P11: no team.
    assert teams == {"T1": 1, "T2": 1, "unallocated": 2}


def test_unallocated_cases_the_day_before_the_handover(workforce):
    # On 29 September: P9 is still allocated (A11 ends on the 30th) and P3 is with W1 (A3); but
    # P10's CIN episode (closed on the 30th) is still open, with no allocation. Unallocated:
    # P7, P8, P10, P11 = 4.
    with calculator(workforce, AuthoritySettings()) as calc:
        (figure,) = calc.figures(date(2025, 9, 29), ids=["unallocated_cases"])
        rows = calc.children("unallocated_cases", date(2025, 9, 29))
    assert figure.value == 4
    assert sorted(row["la_child_id"] for row in rows) == ["P10", "P11", "P7", "P8"]


def test_agency_worker_rate(workforce):
    # Agency FTE: W2 0.5 + W4 0.8 + W5 1.0 (no FTE recorded, counts 1.0) = 2.3.
    # All FTE: W1 1.0 + W2 0.5 + W3 1.0 + W4 0.8 + W5 1.0 = 4.3.  2.3 / 4.3 = 53.5%.
    # Social workers alone: 1.3 / 3.3 = 39.4%; personal advisers: 1.0 / 1.0 = 100%.
    with calculator(workforce, AuthoritySettings()) as calc:
        (figure,) = calc.figures(AS_AT, ids=["agency_worker_rate"])
        by_title = {row["job_title"]: row for row in calc.breakdown("agency_worker_rate", AS_AT, "job_title")}
        by_team = {row["team"]: row for row in calc.breakdown("agency_worker_rate", AS_AT, "team")}
    assert (figure.numerator, figure.denominator) == (pytest.approx(2.3), pytest.approx(4.3))
    assert figure.value == pytest.approx(2.3 / 4.3 * 100)
    assert by_title["social worker"]["value"] == pytest.approx(1.3 / 3.3 * 100)
    assert by_title["personal adviser"]["value"] == pytest.approx(100.0)
    # T1: 0.5 / 1.5; T2: 0.8 / 1.8; W5 has no team.
    assert by_team["T1"]["value"] == pytest.approx(0.5 / 1.5 * 100)
    assert by_team["T2"]["value"] == pytest.approx(0.8 / 1.8 * 100)
    assert by_team["unallocated"]["value"] == pytest.approx(100.0)
