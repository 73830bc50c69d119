"""Section 47, initial conference and child protection plan indicators, against hand-built histories.

Working days are counted after the section 47 start (the strategy discussion) up to and including
the conference date, Monday to Friday, less England and Wales bank holidays: here Good Friday
29 March and Easter Monday 1 April 2024, Christmas Day and Boxing Day 2024, 1 January 2025.
The population is 1,000 children, so a rate per 10,000 is the count times 10.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2025, 3, 31)  # the reporting year 1 April 2024 - 31 March 2025


def _s47(history, s47_id, person_id, start, icpc=None, plan=None, not_required=None, team="T1", worker="W1"):
    history.add(
        "s47_enquiry",
        s47e_s47_enquiry_id=s47_id,
        s47e_person_id=person_id,
        s47e_s47_start_date=start,
        s47e_s47_nfa=not_required,
        s47e_s47_completed_by_team=team,
        s47e_s47_completed_by_worker_id=worker,
    )
    if icpc is not None:
        history.add(
            "initial_cp_conference",
            icpc_icpc_id=f"I-{s47_id}",
            icpc_s47_enquiry_id=s47_id,
            icpc_person_id=person_id,
            icpc_icpc_date=icpc,
            icpc_icpc_outcome_cp_flag=plan,
        )


def _s47_history(history):
    for person_id in ("S1", "S2", "S3", "S4", "S7", "S8", "S10"):
        history.child(person_id, dob=date(2014, 9, 1))
    history.child("S9", dob=None, sex="U", pers_expected_dob=date(2025, 1, 20))  # unborn at the time
    # S1 and S2 start Mon 16 Dec 2024. Working days after it: 17-20 Dec 4, Mon 23 5, Tue 24 6, Fri 27 7
    # (Christmas and Boxing Day are holidays), Mon 30 8, Tue 31 9, Thu 2 Jan 10 (New Year's Day is one),
    # Fri 3 11, Mon 6 12, Tue 7 13, Wed 8 14, Thu 9 Jan 15, Fri 10 Jan 16.
    _s47(history, "E1", "S1", date(2024, 12, 16), icpc=date(2025, 1, 9), plan="Y")  # 15: in time, a plan
    _s47(history, "E2", "S2", date(2024, 12, 16), icpc=date(2025, 1, 10), plan="N", team="T2")  # 16: late
    # E3 started Thu 28 Mar 2024, before the year; conference Mon 22 Apr 2024, in it. Good Friday and
    # Easter Monday do not count: 2-5 Apr 4, 8-12 Apr 9, 15-19 Apr 14, Mon 22 Apr 15: in time.
    _s47(history, "E3", "S3", date(2024, 3, 28), icpc=date(2024, 4, 22), plan="yes")
    _s47(history, "E4", "S4", date(2025, 3, 31))  # starts on the as-at date; no conference yet
    _s47(history, "E5", "S4", date(2024, 4, 1), not_required="Y")  # the same child, the year's first day
    _s47(history, "E6", "S4", date(2024, 3, 31))  # the day before the year: out
    _s47(history, "E7", "S7", date(2025, 3, 20), icpc=date(2025, 4, 1), plan="Y")  # conference after the year
    _s47(history, "E8", "S8", date(2024, 9, 2), icpc=date(2024, 9, 2))  # same day: 0; no outcome recorded
    # E9, an unborn child: Mon 4 Nov 2024 to Wed 20 Nov: 5-8 Nov 4, 11-15 Nov 9, 18, 19, 20 Nov 12.
    _s47(history, "E9", "S9", date(2024, 11, 4), icpc=date(2024, 11, 20), plan="Y")
    # E10: the conference is dated before the enquiry started (a recording error).
    _s47(history, "E10", "S10", date(2024, 10, 10), icpc=date(2024, 10, 8), plan="N")
    return history.store()


def test_section_47_enquiries_and_conferences_counted(history):
    store = _s47_history(history)
    with calculator(store, AUTHORITY) as calc:
        s47, icpc = calc.figures(AS_AT, ids=["s47_count", "icpc_count"])
        # Started in the year: E1, E2, E4 (31 Mar 2025), E5 (1 Apr 2024), E7, E8, E9, E10 = 8;
        # E3 (28 Mar 2024) and E6 (31 Mar 2024) are before. S4 has two (E4, E5): 7 children.
        assert s47.value == 8 and s47.children == 7
        # Conferences held in the year: E1, E2, E3 (its enquiry began the year before), E8, E9, E10 = 6;
        # E7's was on 1 Apr 2025.
        assert icpc.value == 6
        assert {r["la_child_id"] for r in calc.children("icpc_count", AS_AT)} == {"S1", "S2", "S3", "S8", "S9", "S10"}
        # The unborn child's conference is in the unborn band (at 31 March 2025 S9 is still unborn in the
        # record: no date of birth).
        bands = {r["age_band"]: r["numerator"] for r in calc.breakdown("icpc_count", AS_AT, "age_band")}
        assert bands == {"unborn": 1, "10 to 15": 5}


def test_conferences_within_15_working_days(history):
    store = _s47_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["icpc_15wd"])
        # E10 (before its enquiry) is left out. E1 15, E2 16, E3 15, E8 0, E9 12: 4 of 5 within 15 = 80%.
        assert (figure.numerator, figure.denominator) == (4, 5)
        assert figure.value == pytest.approx(80.0)
        rows = calc.children("icpc_15wd", AS_AT)
        assert [(r["la_child_id"], r["value"]) for r in rows] == [("S3", 15), ("S8", 0), ("S9", 12), ("S1", 15)]
        bands = {
            r["timing_band"]: (r["numerator"], r["denominator"])
            for r in calc.breakdown("icpc_15wd", AS_AT, "timing_band")
        }
        assert bands == {"00 same day": (1, 1), "11-13": (1, 1), "14-15": (2, 2), "16-17": (0, 1)}
        # E2 was completed by team T2, the rest by T1: T2 0 of 1, T1 4 of 4.
        teams = {r["team"]: (r["numerator"], r["denominator"]) for r in calc.breakdown("icpc_15wd", AS_AT, "team")}
        assert teams == {"T1": (4, 4), "T2": (0, 1)}


def test_conferences_leading_to_a_plan(history):
    store = _s47_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["icpc_to_plan"])
        # The six conferences in the year: E1 Y, E2 N, E3 'yes', E8 none recorded, E9 Y, E10 N: 3 / 6 = 50%.
        assert (figure.numerator, figure.denominator) == (3, 6)
        assert figure.value == pytest.approx(50.0)
        assert [r["la_child_id"] for r in calc.children("icpc_to_plan", AS_AT)] == ["S3", "S9", "S1"]


def _plan(history, plan_id, person_id, start, end=None, initial="NEG", latest=None):
    history.add(
        "cp_plans",
        cppl_cp_plan_id=plan_id,
        cppl_person_id=person_id,
        cppl_cp_plan_start_date=start,
        cppl_cp_plan_end_date=end,
        cppl_cp_plan_initial_category=initial,
        cppl_cp_plan_latest_category=latest,
    )


def _visit(history, visit_id, person_id, day, seen_alone):
    history.add(
        "cp_visits",
        cppv_cp_visit_id=visit_id,
        cppv_person_id=person_id,
        cppv_cp_visit_date=day,
        cppv_cp_visit_seen="Y",
        cppv_cp_visit_seen_alone=seen_alone,
    )


def _plans_history(history):
    history.child("A", dob=date(2012, 3, 1))  # 13 at 31 Mar 2025
    history.child("B", dob=date(2024, 6, 1))  # under 1
    history.child("C", dob=date(2011, 11, 11))
    history.child("D", dob=date(2020, 1, 1))  # 5
    history.child("E", dob=None, sex="U", pers_expected_dob=date(2025, 5, 10))  # unborn
    history.child("F", dob=date(2016, 9, 9))  # 8
    history.child("G", dob=date(2008, 4, 1))  # 16 (turns 17 on 1 April)
    history.child("H1", dob=date(2013, 2, 2), child_id=7)  # H1 and H2: two records of one child
    history.child("H2", dob=date(2013, 2, 2), child_id=7)
    _plan(history, "A-1", "A", date(2020, 6, 1), date(2021, 6, 1))
    _plan(history, "A-2", "A", date(2024, 4, 1))  # the year's first day; A's second plan
    _plan(history, "B-1", "B", date(2025, 3, 31), initial="EMO")  # starts on the as-at date
    _plan(history, "C-1", "C", date(2023, 5, 1), date(2025, 3, 31))  # ends on the as-at date
    _plan(history, "D-1", "D", date(2024, 3, 31))  # the day before the year, still open
    _plan(history, "E-1", "E", date(2025, 1, 15))  # a pre-birth plan
    _plan(history, "F-1", "F", date(2024, 5, 1), date(2024, 8, 1), initial="EMO")
    _plan(history, "F-2", "F", date(2024, 10, 1), initial="EMO", latest="PHY")
    _plan(history, "G-1", "G", date(2024, 6, 1), date(2025, 4, 1), initial="SAB")  # ends the day after
    _plan(history, "H1-1", "H1", date(2019, 1, 10), date(2019, 12, 10))
    _plan(history, "H2-1", "H2", date(2024, 7, 1), date(2024, 12, 1))
    _visit(history, "V1", "A", date(2021, 1, 1), "Y")  # in A's first plan
    _visit(history, "V2", "A", date(2025, 3, 10), "Y")
    _visit(history, "V3", "A", date(2025, 3, 24), "N")  # A's latest: not seen alone
    _visit(history, "V4", "B", date(2025, 3, 31), "Y")  # on the plan's first day, the as-at date
    _visit(history, "V5", "D", date(2024, 3, 31), "N")
    _visit(history, "V6", "D", date(2025, 4, 1), "Y")  # after the as-at date
    _visit(history, "V7", "F", date(2024, 6, 1), "Y")  # in F's first plan, not the open one
    _visit(history, "V8", "G", date(2025, 3, 3), "N")
    _visit(history, "V9", "G", date(2025, 3, 3), "Y")  # two visits on G's latest date
    return history.store()


def test_children_on_a_plan_on_the_date(history):
    store = _plans_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["cp_plan_rate"])
        # Open on 31 Mar 2025: A, B (starts that day), D, E (unborn), F (F-2), G (ends 1 Apr) = 6;
        # C's plan ends on the date, H's ended in December. 6 / 1,000 * 10,000 = 60 per 10,000.
        assert figure.numerator == 6 and figure.value == pytest.approx(60.0)
        rows = calc.children("cp_plan_rate", AS_AT)
        assert sorted(r["la_child_id"] for r in rows) == ["A", "B", "D", "E", "F", "G"]
        # On 30 March, B's plan has not started and C's is still open.
        assert sorted(r["la_child_id"] for r in calc.children("cp_plan_rate", date(2025, 3, 30))) == [
            "A",
            "C",
            "D",
            "E",
            "F",
            "G",
        ]
        # Age bands at 31 Mar 2025: A 13; B under 1; D 5, F 8; E unborn; G 16.
        bands = [(r["age_band"], r["numerator"]) for r in calc.breakdown("cp_plan_rate", AS_AT, "age_band")]
        assert bands == [("unborn", 1), ("under 1", 1), ("5 to 9", 2), ("10 to 15", 1), ("16 and over", 1)]
        # Latest category: A, D, E NEG; B EMO; F PHY (F-2's latest); G SAB (no latest: the initial).
        categories = {
            r["category_of_abuse"]: r["numerator"] for r in calc.breakdown("cp_plan_rate", AS_AT, "category_of_abuse")
        }
        assert categories == {"NEG": 3, "EMO": 1, "PHY": 1, "SAB": 1}


def test_plans_started_and_second_or_subsequent_plans(history):
    store = _plans_history(history)
    with calculator(store, AUTHORITY) as calc:
        started, second = calc.figures(AS_AT, ids=["cp_plans_started", "cp_second_plan"])
        # Started in the year: A-2 (1 Apr 2024), B-1 (31 Mar 2025), E-1, F-1, F-2, G-1, H2-1 = 7;
        # D-1 began on 31 Mar 2024, the day before.
        assert started.value == 7 and started.children == 6  # F started two
        # Second or subsequent: A-2 (A-1 in 2020), F-2 (F-1 earlier this year), H2-1 (H1-1 in 2019, on
        # the other record of the same child): 3 / 7 = 42.9%.
        assert (second.numerator, second.denominator) == (3, 7)
        assert second.value == pytest.approx(300 / 7)
        assert [(r["item_id"], r["child_id"]) for r in calc.children("cp_second_plan", AS_AT)] == [
            ("A-2", 1001),
            ("H2-1", 7),
            ("F-2", 1006),
        ]
        # By initial category: NEG A-2, E-1, H2-1; EMO B-1, F-1, F-2; SAB G-1.
        categories = {
            r["category_of_abuse"]: r["numerator"]
            for r in calc.breakdown("cp_plans_started", AS_AT, "category_of_abuse")
        }
        assert categories == {"NEG": 3, "EMO": 3, "SAB": 1}


def test_seen_alone_at_the_last_visit(history):
    store = _plans_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["cp_seen_alone"])
        # Children on a plan on 31 Mar 2025 with a visit in it by then:
        #   A: latest V3 (24 Mar) not alone (V1 was in the earlier plan) -> no
        #   B: V4 on the date, alone -> yes
        #   D: V5 (31 Mar 2024, the plan's first day) not alone; V6 is after the date -> no
        #   G: V8 and V9 both on 3 Mar, one alone -> yes
        #   E: no visit; F: its only visit was in F-1 -> neither part.
        # 2 / 4 = 50%.
        assert (figure.numerator, figure.denominator) == (2, 4)
        assert figure.value == pytest.approx(50.0)
        assert [(r["la_child_id"], r["item_id"]) for r in calc.children("cp_seen_alone", AS_AT)] == [
            ("G", "V9"),
            ("B", "V4"),
        ]


def test_plans_lasting_two_years_or_more(history):
    for person_id in ("L1", "L2", "L3", "L4", "L5", "L6", "L7"):
        history.child(person_id, dob=date(2015, 1, 1))
    _plan(history, "L1", "L1", date(2024, 2, 29), date(2026, 2, 28))  # the anniversary is 1 Mar: not 2 years
    _plan(history, "L2", "L2", date(2024, 2, 29), date(2026, 3, 1), latest="EMO")  # 2 years
    _plan(history, "L3", "L3", date(2024, 3, 31), date(2026, 3, 31))  # exactly 2 years, on the as-at date
    _plan(history, "L4", "L4", date(2024, 4, 1), date(2025, 3, 31))  # ends the day before the year
    _plan(history, "L5", "L5", date(2025, 4, 1), date(2025, 4, 1))  # the year's first day, same day
    _plan(history, "L6", "L6", date(2024, 4, 2), date(2026, 3, 30))  # 3 days short of 2 years
    _plan(history, "L7", "L7", date(2024, 1, 1))  # still open
    store = history.store()
    as_at = date(2026, 3, 31)  # the year 1 April 2025 - 31 March 2026
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(as_at, ids=["cp_plans_2_years"])
        # Ended in the year: L1, L2, L3, L5, L6 = 5; lasted 2 years: L2, L3 = 2 / 5 = 40%.
        assert (figure.numerator, figure.denominator) == (2, 5)
        assert figure.value == pytest.approx(40.0)
        # The value is the length in days: L2, 29 Feb 2024 to 1 Mar 2025 is 366 days, to 1 Mar 2026 365
        # more: 731; L3, 31 Mar 2024 to 31 Mar 2025 is 365 (no 29 February between), and 365 again: 730.
        rows = calc.children("cp_plans_2_years", as_at)
        assert [(r["item_id"], r["value"]) for r in rows] == [("L2", 731), ("L3", 730)]
        # L1 lasted 730 days too, but started on 29 February: it reaches 2 years on 1 March.
        lengths = {r["item_id"]: r["value"] for r in calc.children("cp_plans_2_years", as_at, part="denominator")}
        assert lengths == {"L1": 730, "L2": 731, "L3": 730, "L5": 0, "L6": 727}
        categories = {
            r["category_of_abuse"]: (r["numerator"], r["denominator"])
            for r in calc.breakdown("cp_plans_2_years", as_at, "category_of_abuse")
        }
        assert categories == {"EMO": (1, 1), "NEG": (1, 4)}


# --- previous plans known only from the CIN census (NumberOfPreviousCPP) --------------------------

CENSUS_CHILD = """
    <Child>
      <ChildIdentifiers><LAchildID>{child}</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate><Sex>F</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      {details}
    </Child>"""
CENSUS_DETAILS = """
      <CINdetails>
        <CINreferralDate>{referred}</CINreferralDate><ReferralSource>1A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>
        <ChildProtectionPlans>
          <CPPstartDate>{started}</CPPstartDate>{ended}
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>
        </ChildProtectionPlans>
      </CINdetails>"""


def _census(tmp_path, children: dict[str, list[tuple[str, str, str | None, int]]]):
    """A CIN census as at 31 March 2026, each child's plans as (referral, start, end, NumberOfPreviousCPP)."""
    body = "".join(
        CENSUS_CHILD.format(
            child=child,
            details="".join(
                CENSUS_DETAILS.format(
                    referred=referred,
                    started=started,
                    ended=f"<CPPendDate>{ended}</CPPendDate>" if ended else "",
                    previous=previous,
                )
                for referred, started, ended, previous in plans
            ),
        )
        for child, plans in children.items()
    )
    path = tmp_path / "CIN_Census_2026.xml"
    path.write_text(
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year>"
        "<ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails></Header>"
        f"<Children>{body}</Children></Message>"
    )
    return path


@pytest.mark.slow
def test_a_previous_plan_known_only_from_the_census_makes_a_second_plan(tmp_path):
    from childhub.annex_a.export import annex_a_rows
    from childhub.hub import ingest
    from childhub.store import Store

    # The year 1 April 2025 - 31 March 2026. Plans started in it, and whether the child had one before:
    #   K1 2025-06-01, NumberOfPreviousCPP 1: its earlier plan is in no return childhub holds -> second
    #   K2 2025-07-01, NumberOfPreviousCPP 0                                                  -> first
    #   K3 2025-09-01, NumberOfPreviousCPP 0, but the census also holds K3's plan of 2024-05-01 to
    #      2024-10-01 (the census's count is wrong; childhub has seen the plan)               -> second
    #   K4 2025-10-01, NumberOfPreviousCPP 2                                                  -> second
    # 3 of 4 = 75%. Counting only the plans childhub has seen gives 1 of 4 (K3).
    path = _census(
        tmp_path,
        {
            "K1": [("2025-05-01", "2025-06-01", None, 1)],
            "K2": [("2025-06-01", "2025-07-01", None, 0)],
            "K3": [("2024-04-01", "2024-05-01", "2024-10-01", 0), ("2025-08-01", "2025-09-01", None, 0)],
            "K4": [("2025-09-01", "2025-10-01", None, 2)],
        },
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path])
    assert report.status == "loaded" and report.rows_rejected == 0
    as_at = date(2026, 3, 31)
    with calculator(store, AUTHORITY) as calc:
        (second,) = calc.figures(as_at, ids=["cp_second_plan"])
        assert (second.numerator, second.denominator) == (3, 4)
        assert second.value == pytest.approx(75.0)
        assert sorted(r["item_id"] for r in calc.children("cp_second_plan", as_at)) == [
            "K1:2025-05-01:cp_plan:2025-06-01",
            "K3:2025-08-01:cp_plan:2025-09-01",
            "K4:2025-09-01:cp_plan:2025-10-01",
        ]
    # List 7, open plans on 31 March 2026: previous plans K1 1 (census), K2 0, K3 1 (seen), K4 2 (census).
    # K3's first plan ended 2024-10-01, more than 6 months before: not listed.
    with store.reader() as conn:
        [list_7] = [item for item in annex_a_rows(conn, as_at) if item.annex_list.number == 7]
    ids = [column.id for column in list_7.annex_list.columns]
    rows = [dict(zip(ids, row, strict=True)) for row in list_7.rows]
    assert sorted((r["child_unique_id"], r["previous_cp_plans"]) for r in rows) == [
        ("K1", 1),
        ("K2", 0),
        ("K3", 1),
        ("K4", 2),
    ]


# --- a plan recorded open past the child's 18th birthday -----------------------------------------


def test_a_plan_open_past_18_is_not_counted(history):
    from childhub.annex_a.export import annex_a_rows

    # On 31 March 2025: Y1 (born 2007-03-01, 18 on 1 March 2025) has a plan since 2024-01-10 still recorded
    # open: it ended in law at 18, so Y1 is not on a plan. Y2 (born 2007-04-01, 18 on 1 April 2025) is 17 on
    # the date: counted. Y3 (born 2007-01-15) had a plan that ended 2025-01-10, at 17, within the 6 months:
    # listed in List 7 as an ended plan. Count 1 (Y2) = 10 per 10,000.
    history.child("Y1", dob=date(2007, 3, 1))
    history.child("Y2", dob=date(2007, 4, 1))
    history.child("Y3", dob=date(2007, 1, 15))
    _plan(history, "Y1-1", "Y1", date(2024, 1, 10))
    _plan(history, "Y2-1", "Y2", date(2024, 2, 1))
    _plan(history, "Y3-1", "Y3", date(2024, 2, 1), date(2025, 1, 10))
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        (rate,) = calc.figures(AS_AT, ids=["cp_plan_rate"])
        assert (rate.numerator, rate.value) == (1, pytest.approx(10.0))
        assert [r["la_child_id"] for r in calc.children("cp_plan_rate", AS_AT)] == ["Y2"]
        # The day before Y1 turned 18 (28 February 2025) Y1 was on the plan: Y1 and Y2.
        on_the_day_before = calc.children("cp_plan_rate", date(2025, 2, 28))
        assert sorted(r["la_child_id"] for r in on_the_day_before) == ["Y1", "Y2"]
    with store.reader() as conn:
        [list_7] = [item for item in annex_a_rows(conn, AS_AT) if item.annex_list.number == 7]
    assert sorted(row[0] for row in list_7.rows) == ["Y2", "Y3"]
