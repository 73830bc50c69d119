"""Children in care indicators, each against a small hand-built SSDA903 history with hand-worked values.

Every history is a few children's episodes of care (with their legal status and placement), and
their UASC, missing and health records. The reporting year to 31 March 2026 runs from 1 April
2025; the population is 1,000 children, so a rate per 10,000 is the count times 10. A last test
runs every indicator of this area (and of care leavers and adoption) on an empty store, for every
period it allows and every breakdown it declares.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2026, 3, 31)

CHILDREN_IN_CARE = [
    "cla_count",
    "cla_rate",
    "cla_uasc_percent",
    "cla_starts",
    "cla_ceased",
    "cla_second_period_12m",
    "placement_stability_short",
    "placement_stability_long",
    "missing_from_care",
    "missing_incidents_per_child",
    "health_assessment_timely",
    "dental_check_timely",
    "immunisations_up_to_date",
    "development_assessment_under5",
]
CARE_LEAVERS = [
    "care_leavers_in_touch",
    "care_leavers_eet",
    "care_leavers_neet",
    "care_leavers_suitable_accommodation",
]
ADOPTION = ["adoptions_count", "adoption_a1", "adoption_a2"]


def figure(calc, indicator_id: str, as_at: date = AS_AT, period: str | None = None):
    (result,) = calc.figures(as_at, ids=[indicator_id], period=period)
    return result


# --- looked after on the date, starts, ceased, UASC, second periods -------------------------------


def _looked_after_history(history):
    """Nine children; on 31 March 2026:

    C1  S 2024-01-10 C2, open                                   looked after
    C2  short breaks only: V3 2025-05-01 to 2025-05-03 (E8),
        then V3 from 2025-11-01, open                           not counted (short break)
    C3  S 2024-03-01 C2 ceased 2024-06-01 E4A; then
        S 2025-06-01 C2 ceased 2026-03-31 E4A                   ceased on the date: not looked after on it
    C4  S 2025-09-01 V2, open; UASC, ceases to be 2026-09-09     looked after, UASC
    C5  S 2023-03-01 C1, open; UASC until 2026-01-01            looked after, no longer UASC
    C6  S 2024-12-01 C1 ceased 2026-04-20 E4A                   started before, ceased after: looked after
    C7  V3 S 2025-02-01 to 2025-05-01 (X1), then L C2, open     looked after (no longer a short break)
    C8  S 2024-02-01 C2 ceased 2025-04-01 E13                   not looked after; ceased on the year's first day
    C9  S 2023-01-01 C2 ceased 2025-03-30 E4A; then
        S 2026-03-31 C2 (starts on the date), open              looked after
    """
    for n, dob, sex in [
        (1, date(2012, 5, 1), "F"),
        (2, date(2015, 3, 1), "M"),
        (3, date(2010, 7, 7), "F"),
        (4, date(2008, 9, 9), "M"),
        (5, date(2009, 1, 1), "M"),
        (6, date(2013, 4, 4), "F"),
        (7, date(2014, 6, 6), "F"),
        (8, date(2011, 8, 8), "M"),
        (9, date(2016, 9, 9), "M"),
    ]:
        history.child(f"C{n}", dob=dob, sex=sex)
    history.episode("C1", date(2024, 1, 10), "S", "C2")
    history.episode("C2", date(2025, 5, 1), "S", "V3", ceased=date(2025, 5, 3), reason_ceased="E8")
    history.episode("C2", date(2025, 11, 1), "S", "V3")
    history.episode("C3", date(2024, 3, 1), "S", "C2", ceased=date(2024, 6, 1), reason_ceased="E4A")
    history.episode("C3", date(2025, 6, 1), "S", "C2", ceased=date(2026, 3, 31), reason_ceased="E4A")
    history.episode("C4", date(2025, 9, 1), "S", "V2")
    history.add("cla_uasc", clau_person_id="C4", clau_uasc_ceased_date=date(2026, 9, 9))
    history.episode("C5", date(2023, 3, 1), "S", "C1")
    history.add("cla_uasc", clau_person_id="C5", clau_uasc_ceased_date=date(2026, 1, 1))
    history.episode("C6", date(2024, 12, 1), "S", "C1", ceased=date(2026, 4, 20), reason_ceased="E4A")
    history.episode("C7", date(2025, 2, 1), "S", "V3", ceased=date(2025, 5, 1), reason_ceased="X1")
    history.episode("C7", date(2025, 5, 1), "L", "C2")
    history.episode("C8", date(2024, 2, 1), "S", "C2", ceased=date(2025, 4, 1), reason_ceased="E13")
    history.episode("C9", date(2023, 1, 1), "S", "C2", ceased=date(2025, 3, 30), reason_ceased="E4A")
    history.episode("C9", date(2026, 3, 31), "S", "C2")
    return history.store()


def test_looked_after_on_the_date_leaves_out_short_breaks_and_care_ceased_on_the_date(history):
    store = _looked_after_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Looked after on 2026-03-31: C1, C4, C5, C6 (ceases after the date), C7 (C2 since 2025-05-01),
        # C9 (started on the date) = 6. Not: C2 (V3 short break), C3 (ceased on the date), C8 (ceased 2025).
        count = figure(calc, "cla_count")
        assert (count.value, count.children) == (6, 6)
        # 6 children per 1,000 = 60 per 10,000.
        assert figure(calc, "cla_rate").value == 60.0
        listed = calc.children("cla_count", AS_AT)
        assert sorted(row["la_child_id"] for row in listed) == ["C1", "C4", "C5", "C6", "C7", "C9"]
        # The day before, C3 was still looked after (ceased 2026-03-31 > 2026-03-30) and C9 not yet: 6 - 1 + 1.
        before = figure(calc, "cla_count", date(2026, 3, 30))
        assert before.value == 6
        assert "C3" in {row["la_child_id"] for row in calc.children("cla_count", date(2026, 3, 30))}


def test_looked_after_children_break_down_by_legal_status_on_the_date(history):
    store = _looked_after_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Legal status on 2026-03-31: C1 C2, C4 V2, C5 C1, C6 C1, C7 C2 (its episode since 2025-05-01), C9 C2.
        split = {row["legal_status"]: row["numerator"] for row in calc.breakdown("cla_count", AS_AT, "legal_status")}
        assert split == {"C1": 2, "C2": 3, "V2": 1}
        by_sex = {row["sex"]: row["numerator"] for row in calc.breakdown("cla_count", AS_AT, "sex")}
        # Girls: C1, C6, C7 = 3; boys: C4, C5, C9 = 3.
        assert by_sex == {"F": 3, "M": 3}


def test_uasc_share_counts_only_children_still_uasc_on_the_date(history):
    store = _looked_after_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Of the 6 looked after, C4 is UASC until 2026-09-09; C5 ceased to be on 2026-01-01: 1/6.
        uasc = figure(calc, "cla_uasc_percent")
        assert (uasc.numerator, uasc.denominator) == (1, 6)
        assert uasc.value == pytest.approx(16.667, abs=0.001)
        # On 2025-12-31 C5 was still UASC; looked after then: C1, C4, C5, C6, C7 (C3 too: from 2025-06-01) = 6.
        earlier = figure(calc, "cla_uasc_percent", date(2025, 12, 31))
        assert (earlier.numerator, earlier.denominator) == (2, 6)


def test_periods_of_care_started_and_ceased_in_the_year(history):
    store = _looked_after_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Starts 2025-04-01 to 2026-03-31: C3 (2025-06-01), C4 (2025-09-01), C7 (its period began as a V3 short
        # break on 2025-02-01; it starts on its first episode that is not one, 2025-05-01), C9 (2026-03-31) = 4.
        # C2's two short-break-only periods are not counted.
        starts = figure(calc, "cla_starts")
        assert starts.value == 4
        started = [(row["la_child_id"], row["event_date"]) for row in calc.children("cla_starts", AS_AT)]
        assert started == [
            ("C7", date(2025, 5, 1)),
            ("C3", date(2025, 6, 1)),
            ("C4", date(2025, 9, 1)),
            ("C9", date(2026, 3, 31)),
        ]
        # Ceased: C8 on 2025-04-01 (the first day), C3 on 2026-03-31 (the as-at date) = 2. Not: C2's short break
        # (2025-05-03), C6 (ceases 2026-04-20, after the date), C9's first period (2025-03-30, before the year).
        ceased = figure(calc, "cla_ceased")
        assert ceased.value == 2
        assert [row["la_child_id"] for row in calc.children("cla_ceased", AS_AT)] == ["C8", "C3"]
        reasons = {
            row["reason_ceased"]: row["numerator"] for row in calc.breakdown("cla_ceased", AS_AT, "reason_ceased")
        }
        assert reasons == {"E13": 1, "E4A": 1}


def test_starts_and_ceasings_count_children_first_start_and_last_ceasing(history):
    # The DfE counts children, not periods of care: a child starting twice in the year is one start (the
    # first), a child ceasing twice is one ceasing (the last, with its reason).
    # T1  S 2025-05-01 C2 ceased 2025-07-01 E4A; S 2025-11-01 C2 ceased 2026-02-01 E13
    # T2  S 2025-06-01 C2, open
    # Starts 2025-04-01 to 2026-03-31: T1 (2025-05-01), T2 (2025-06-01) = 2 children (3 periods of care).
    # Ceased: T1 once, on 2026-02-01 with E13 (2 periods of care ended).
    history.child("T1", dob=date(2012, 1, 1))
    history.child("T2", dob=date(2013, 1, 1))
    history.episode("T1", date(2025, 5, 1), "S", "C2", ceased=date(2025, 7, 1), reason_ceased="E4A")
    history.episode("T1", date(2025, 11, 1), "S", "C2", ceased=date(2026, 2, 1), reason_ceased="E13")
    history.episode("T2", date(2025, 6, 1), "S", "C2")
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        starts = figure(calc, "cla_starts")
        assert (starts.value, starts.children) == (2, 2)
        started = [(row["la_child_id"], row["event_date"]) for row in calc.children("cla_starts", AS_AT)]
        assert started == [("T1", date(2025, 5, 1)), ("T2", date(2025, 6, 1))]
        ceased = figure(calc, "cla_ceased")
        assert (ceased.value, ceased.children) == (1, 1)
        left = [(row["la_child_id"], row["event_date"]) for row in calc.children("cla_ceased", AS_AT)]
        assert left == [("T1", date(2026, 2, 1))]
        reasons = {
            row["reason_ceased"]: row["numerator"] for row in calc.breakdown("cla_ceased", AS_AT, "reason_ceased")
        }
        assert reasons == {"E13": 1}


def test_second_period_of_care_within_twelve_months(history):
    store = _looked_after_history(history)
    with calculator(store, AUTHORITY) as calc:
        # The 4 starts: C3's earlier period ended 2024-06-01, exactly 12 months before its start on 2025-06-01:
        # counted. C9's earlier period ended 2025-03-30, 12 months and a day before 2026-03-31: not counted.
        # C4 and C7 had no earlier period. 1 / 4 = 25%.
        second = figure(calc, "cla_second_period_12m")
        assert (second.numerator, second.denominator, second.value) == (1, 4, 25.0)
        assert [row["la_child_id"] for row in calc.children("cla_second_period_12m", AS_AT)] == ["C3"]


# --- placement stability -------------------------------------------------------------------------


def test_short_term_stability_counts_placements_not_legal_status_changes(history):
    # The 12 months to 2026-03-31 run from 2025-04-01. A placement starts with RNE S, P, B, T or U.
    # S1: S 2024-01-01 (A), P 2025-06-01 (B), L 2025-09-01 (legal status only, still B), P 2026-01-15 (C):
    #     A (in it when the 12 months began), B, C = 3 -> counted.
    # S2: S 2024-05-01 (A), L 2025-07-01, P 2025-10-01 (B): A, B = 2 -> not counted (were L a new placement: 3).
    # S3: S 2023-01-01 (A, ends 2025-04-01: the first day of the 12 months), P 2025-04-01 (B), T 2025-08-01 (C):
    #     A, B, C = 3 -> counted.
    # S4: S 2023-01-01 (A, ends 2025-03-31: before the 12 months), P 2025-03-31 (B), U 2025-09-01 (C): B, C = 2.
    # S5: S 2025-05-01, B 2025-08-01, P 2025-12-01 ceased 2026-03-31: 3 placements, but not looked after on the date.
    # Looked after on the date: S1 to S4 = 4; with 3 or more: S1, S3 = 2 -> 50%.
    for person in ["S1", "S2", "S3", "S4", "S5"]:
        history.child(person, dob=date(2012, 1, 1))
    history.episode("S1", date(2024, 1, 1), "S", "C2", "U4", ceased=date(2025, 6, 1), reason_ceased="X1")
    history.episode("S1", date(2025, 6, 1), "P", "C2", "U6", ceased=date(2025, 9, 1), reason_ceased="X1")
    history.episode("S1", date(2025, 9, 1), "L", "C1", "U6", ceased=date(2026, 1, 15), reason_ceased="X1")
    history.episode("S1", date(2026, 1, 15), "P", "C1", "K2", provider="PR4")
    history.episode("S2", date(2024, 5, 1), "S", "V2", "U4", ceased=date(2025, 7, 1), reason_ceased="X1")
    history.episode("S2", date(2025, 7, 1), "L", "C2", "U4", ceased=date(2025, 10, 1), reason_ceased="X1")
    history.episode("S2", date(2025, 10, 1), "P", "C2", "U1")
    history.episode("S3", date(2023, 1, 1), "S", "C2", "U4", ceased=date(2025, 4, 1), reason_ceased="X1")
    history.episode("S3", date(2025, 4, 1), "P", "C2", "U6", ceased=date(2025, 8, 1), reason_ceased="X1")
    history.episode("S3", date(2025, 8, 1), "T", "C2", "K2")
    history.episode("S4", date(2023, 1, 1), "S", "C2", "U4", ceased=date(2025, 3, 31), reason_ceased="X1")
    history.episode("S4", date(2025, 3, 31), "P", "C2", "U6", ceased=date(2025, 9, 1), reason_ceased="X1")
    history.episode("S4", date(2025, 9, 1), "U", "C2", "U1")
    history.episode("S5", date(2025, 5, 1), "S", "C2", "U4", ceased=date(2025, 8, 1), reason_ceased="X1")
    history.episode("S5", date(2025, 8, 1), "B", "C2", "U6", ceased=date(2025, 12, 1), reason_ceased="X1")
    history.episode("S5", date(2025, 12, 1), "P", "C2", "U1", ceased=date(2026, 3, 31), reason_ceased="E4A")
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        short = figure(calc, "placement_stability_short")
        assert (short.numerator, short.denominator, short.value) == (2, 4, 50.0)
        listed = calc.children("placement_stability_short", AS_AT)
        assert sorted(row["la_child_id"] for row in listed) == ["S1", "S3"]
        everyone = calc.children("placement_stability_short", AS_AT, part="denominator")
        assert sorted(row["la_child_id"] for row in everyone) == ["S1", "S2", "S3", "S4"]


def test_long_term_stability_across_29_february(history):
    # As at 2026-08-28: looked after 2.5 years or more = the period began on or before 2024-02-29
    # (2026-08-28 less 30 months is 2024-02-28, and the 2.5 years up to the date start the day after);
    # in the placement 2 years or more = it began on or before 2024-08-29.
    # L1: born 2012, period and placement since 2024-02-29 (exactly 2.5 years, across 29 February) -> yes.
    # L2: born 2011, period since 2023-06-01, placement since 2024-08-30 (2 years less a day) -> no.
    # L3: born 2013, period since 2022-01-01 (L 2023-03-01 is not a new placement), placed for adoption (A4)
    #     since 2025-01-01: the placement before began 2022-01-01, so the two together last 2 years -> yes.
    # L4: 16 on the date (born 2010-08-28), in one placement since 2020 -> left out.
    # L6: period since 2024-03-01: under 2.5 years -> left out.
    # Under 16, 2.5 years: L1, L2, L3; stable: L1, L3 -> 2/3.
    history.child("L1", dob=date(2012, 1, 1))
    history.child("L2", dob=date(2011, 5, 5))
    history.child("L3", dob=date(2013, 3, 3))
    history.child("L4", dob=date(2010, 8, 28))
    history.child("L6", dob=date(2012, 2, 2))
    history.episode("L1", date(2024, 2, 29), "S", "C2", "U4")
    history.episode("L2", date(2023, 6, 1), "S", "C2", "U4", ceased=date(2024, 8, 30), reason_ceased="X1")
    history.episode("L2", date(2024, 8, 30), "P", "C2", "U6")
    history.episode("L3", date(2022, 1, 1), "S", "C2", "U4", ceased=date(2023, 3, 1), reason_ceased="X1")
    history.episode("L3", date(2023, 3, 1), "L", "E1", "U4", ceased=date(2025, 1, 1), reason_ceased="X1")
    history.episode("L3", date(2025, 1, 1), "P", "E1", "A4")
    history.episode("L4", date(2020, 1, 1), "S", "C2", "U4")
    history.episode("L6", date(2024, 3, 1), "S", "C2", "U4")
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        long = figure(calc, "placement_stability_long", date(2026, 8, 28))
        assert (long.numerator, long.denominator) == (2, 3)
        assert long.value == pytest.approx(66.667, abs=0.001)
        assert sorted(r["la_child_id"] for r in calc.children("placement_stability_long", date(2026, 8, 28))) == [
            "L1",
            "L3",
        ]
        # A day earlier (2026-08-27): 2.5 years back to 2024-02-28, so L1 is not yet in; L4 is still 15 and in
        # one placement since 2020; L2's placement needs to have begun by 2024-08-28 (no); L3 yes.
        # Cohort L2, L3, L4; stable L3, L4 -> 2/3.
        before = figure(calc, "placement_stability_long", date(2026, 8, 27))
        assert (before.numerator, before.denominator) == (2, 3)
        listed = calc.children("placement_stability_long", date(2026, 8, 27), part="denominator")
        assert sorted(r["la_child_id"] for r in listed) == ["L2", "L3", "L4"]


# --- missing from care ---------------------------------------------------------------------------


def test_missing_children_and_incidents_per_child(history):
    # Year 2025-04-01 to 2026-03-31.
    # M1: looked after all year; missing (M) 2025-05-01, 2025-08-01, 2026-03-31; away (A) 2025-09-01 (not a
    #     missing incident); missing 2025-03-31 (before the year) -> 3 incidents.
    # M2: care ceased 2025-04-01 (the year's first day: looked after during the year); missing 2025-04-01 -> 1.
    # M3: looked after all year, never missing.
    # M4: care ceased 2025-03-31; an incident recorded 2025-04-05 -> not looked after in the year: left out.
    # M5: short breaks only (V3), missing 2025-06-01 -> left out.
    # M6: looked after all year, only away (A) 2025-07-01 -> looked after, not missing.
    # Looked after in the year: M1, M2, M3, M6 = 4; missing: M1, M2 = 2 -> 50%. Incidents 3 + 1 = 4 over 2 = 2.0.
    for person in ["M1", "M2", "M3", "M4", "M5", "M6"]:
        history.child(person, dob=date(2010, 1, 1))
    history.episode("M1", date(2024, 1, 1), "S", "C2")
    history.episode("M2", date(2024, 1, 1), "S", "C2", ceased=date(2025, 4, 1), reason_ceased="E4A")
    history.episode("M3", date(2024, 1, 1), "S", "C2")
    history.episode("M4", date(2024, 1, 1), "S", "C2", ceased=date(2025, 3, 31), reason_ceased="E4A")
    history.episode("M5", date(2024, 1, 1), "S", "V3")
    history.episode("M6", date(2024, 1, 1), "S", "C2")
    for person, start, kind in [
        ("M1", date(2025, 5, 1), "M"),
        ("M1", date(2025, 8, 1), "M"),
        ("M1", date(2026, 3, 31), "M"),
        ("M1", date(2025, 9, 1), "A"),
        ("M1", date(2025, 3, 31), "M"),
        ("M2", date(2025, 4, 1), "M"),
        ("M4", date(2025, 4, 5), "M"),
        ("M5", date(2025, 6, 1), "M"),
        ("M6", date(2025, 7, 1), "A"),
    ]:
        history.add(
            "missing",
            miss_person_id=person,
            miss_missing_episode_start_date=start,
            miss_missing_episode_end_date=start,
            miss_missing_episode_type=kind,
        )
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        went_missing = figure(calc, "missing_from_care")
        assert (went_missing.numerator, went_missing.denominator, went_missing.value) == (2, 4, 50.0)
        per_child = figure(calc, "missing_incidents_per_child")
        assert (per_child.numerator, per_child.denominator, per_child.value) == (4, 2, 2.0)
        assert per_child.formatted() == "2.0 incidents per child"
        listed = {row["la_child_id"]: row["numerator"] for row in calc.children("missing_incidents_per_child", AS_AT)}
        assert listed == {"M1": 3, "M2": 1}


# --- health --------------------------------------------------------------------------------------


def _health(history, person: str, kind: str, day: date, status: str) -> None:
    history.add(
        "cla_health",
        clah_person_id=person,
        clah_health_check_type=kind,
        clah_health_check_date=day,
        clah_health_check_status=status,
    )


def _immunisation(history, person: str, day: date, status: str) -> None:
    history.add(
        "cla_immunisations",
        clai_person_id=person,
        clai_immunisations_status=status,
        clai_immunisations_status_date=day,
    )


def test_health_checks_of_children_looked_after_twelve_months(history):
    # As at 2026-03-31: looked after 12 months or more = the period began on or before 2025-04-01.
    # A check counts when done after 2025-03-31 and on or before 2026-03-31.
    # H1: born 2022-06-01 (3), in care since 2025-04-01 (exactly 12 months): assessment, dental, development
    #     done 2026-03-31; immunisations up to date 2026-03-31.
    # H2: in care since 2025-04-02 (12 months less a day): left out, whatever its checks.
    # H3: born 2015 (11), since 2020: assessment 2026-03-31 not done ('0'); dental 2025-03-31 (12 months before:
    #     outside); immunisations '1' on 2025-06-01 then '0' on 2026-03-31 (the latest says not up to date).
    # H4: born 2021-12-01 (4), since 2023: assessment 2025-04-01 (inside); dental 2026-03-31 not done;
    #     no development assessment; immunisations '1' on 2025-03-31 (outside the 12 months).
    # H5: short breaks (V3) since 2020: left out. H6: ceased 2026-03-31: left out.
    # Cohort H1, H3, H4: assessment H1, H4 = 2/3; dental H1 = 1/3; immunisations H1 = 1/3;
    # under 5: H1, H4; development H1 = 1/2.
    history.child("H1", dob=date(2022, 6, 1))
    history.child("H2", dob=date(2022, 6, 1))
    history.child("H3", dob=date(2015, 1, 1))
    history.child("H4", dob=date(2021, 12, 1))
    history.child("H5", dob=date(2022, 1, 1))
    history.child("H6", dob=date(2022, 1, 1))
    history.episode("H1", date(2025, 4, 1), "S", "C2")
    history.episode("H2", date(2025, 4, 2), "S", "C2")
    history.episode("H3", date(2020, 1, 1), "S", "C2")
    history.episode("H4", date(2023, 1, 1), "S", "C2")
    history.episode("H5", date(2020, 1, 1), "S", "V3")
    history.episode("H6", date(2020, 1, 1), "S", "C2", ceased=date(2026, 3, 31), reason_ceased="E4A")
    for person in ["H1", "H2", "H5", "H6"]:
        _health(history, person, "annual health assessment", AS_AT, "1")
        _health(history, person, "dental check", AS_AT, "1")
        _health(history, person, "development assessment", AS_AT, "1")
        _immunisation(history, person, AS_AT, "1")
    _health(history, "H3", "annual health assessment", AS_AT, "0")
    _health(history, "H3", "dental check", date(2025, 3, 31), "1")
    _immunisation(history, "H3", date(2025, 6, 1), "1")
    _immunisation(history, "H3", AS_AT, "0")
    _health(history, "H4", "annual health assessment", date(2025, 4, 1), "1")
    _health(history, "H4", "dental check", AS_AT, "0")
    _immunisation(history, "H4", date(2025, 3, 31), "1")
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        assessment = figure(calc, "health_assessment_timely")
        assert (assessment.numerator, assessment.denominator) == (2, 3)
        assert sorted(r["la_child_id"] for r in calc.children("health_assessment_timely", AS_AT)) == ["H1", "H4"]
        dental = figure(calc, "dental_check_timely")
        assert (dental.numerator, dental.denominator) == (1, 3)
        immunised = figure(calc, "immunisations_up_to_date")
        assert (immunised.numerator, immunised.denominator) == (1, 3)
        development = figure(calc, "development_assessment_under5")
        assert (development.numerator, development.denominator, development.value) == (1, 2, 50.0)


# --- found in review -------------------------------------------------------------------------------


def test_one_episode_sent_twice_is_one_episode_not_a_break_in_care(history):
    # The same SSDA903 episode arrives in two batches (a return and an Annex A workbook, say). It
    # must stay one open episode: had the second copy counted as "the next episode", the first would
    # end on its own start date with X1 and the child would drop out of care on paper.
    history.child("P1", dob=date(2015, 1, 1))
    history.episode("P1", date(2025, 6, 1), "S", "C2")
    history.store()
    history.episode("P1", date(2025, 6, 1), "S", "C2")
    with calculator(history.store(), AUTHORITY) as calc:
        assert figure(calc, "cla_count").numerator == 1
        assert figure(calc, "cla_ceased").numerator == 0
        episodes = calc.conn.execute("SELECT count(*), count(ceased) FROM fact_cla_episode").fetchone()
        assert episodes == (1, 0)


def test_a_period_whose_last_episode_ended_x1_has_not_ceased(history):
    # P1's episode ended 2025-09-01 with X1 (care goes on) and nothing followed (a gap in the data):
    # not a child who ceased to be looked after. P2's ended E4A: ceased. One ceased in the year.
    history.child("P1", dob=date(2015, 1, 1))
    history.child("P2", dob=date(2014, 1, 1))
    history.episode("P1", date(2025, 5, 1), "S", "C2", ceased=date(2025, 9, 1), reason_ceased="X1")
    history.episode("P2", date(2025, 5, 1), "S", "C2", ceased=date(2025, 9, 1), reason_ceased="E4A")
    with calculator(history.store(), AUTHORITY) as calc:
        ceased = figure(calc, "cla_ceased")
        assert ceased.numerator == 1
        assert [row["la_child_id"] for row in calc.children("cla_ceased", AS_AT)] == ["P2"]
