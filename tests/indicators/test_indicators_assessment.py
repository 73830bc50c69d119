"""Assessment indicators against a hand-built history, with the working days counted by hand.

Working days are counted after the start date up to and including the authorisation date,
Monday to Friday, less England and Wales bank holidays. The ones that matter here:
Good Friday 29 March 2024, Easter Monday 1 April 2024, early May 6 May 2024, Christmas Day
25 December 2024, Boxing Day 26 December 2024, New Year's Day 1 January 2025.
The reporting year to 31 March 2025 runs from 1 April 2024.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2025, 3, 31)


def _assessment(history, assessment_id, person_id, start, authorised, outcome_nfa=None, team="T2", worker="W3"):
    history.add(
        "cin_assessments",
        cina_assessment_id=assessment_id,
        cina_person_id=person_id,
        cina_assessment_start_date=start,
        cina_assessment_auth_date=authorised,
        cina_assessment_outcome_nfa=outcome_nfa,
        cina_assessment_team=team,
        cina_assessment_worker_id=worker,
    )


def _assessment_history(history, with_outcomes=True):
    for person_id in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"):
        history.child(person_id, dob=date(2016, 6, 1))

    def outcome(value):
        return value if with_outcomes else None

    # A1, across Christmas: started Mon 2 Dec 2024. Working days after it: 3-6 Dec 4 (4), 9-13 Dec 5 (9),
    # 16-20 Dec 5 (14), 23, 24, 27 Dec 3 (17; 25, 26 Dec are bank holidays), 30, 31 Dec, 2, 3 Jan 4 (21;
    # 1 Jan is a bank holiday), then 5 a week to Fri 31 Jan (41), Mon 3 Feb 42, Tue 4 43, Wed 5 44,
    # Thu 6 Feb 45, Fri 7 Feb 46. Without the three holidays the 45th would have been Mon 3 Feb.
    _assessment(history, "A1", "Q1", date(2024, 12, 2), date(2025, 2, 6), outcome("N"), "T1", "W1")  # 45: in time
    _assessment(history, "A2", "Q2", date(2024, 12, 2), date(2025, 2, 7), outcome("Y"), "T1", "W2")  # 46: late
    # A3, from the leap day across Easter 2024: started Thu 29 Feb 2024. Fri 1 Mar 1, 4-8 Mar 5 (6),
    # 11-15 Mar (11), 18-22 Mar (16), 25-28 Mar 4 (20; Good Friday 29 Mar), 2-5 Apr 4 (24; Easter
    # Monday 1 Apr), 8-12 Apr (29), 15-19 Apr (34), 22-26 Apr (39), 29 Apr - 3 May (44), Tue 7 May 45
    # (6 May is a bank holiday). Authorised 7 May 2024: 45, in time.
    _assessment(history, "A3", "Q3", date(2024, 2, 29), date(2024, 5, 7), outcome(" n "))
    _assessment(history, "A4", "Q4", date(2024, 6, 3), date(2024, 6, 3))  # same day: 0; no outcome
    # A5: authorised 28 Mar 2024, the year before: out.
    _assessment(history, "A5", "Q5", date(2024, 2, 1), date(2024, 3, 28), outcome("N"))
    # A6: started Mon 3 Mar 2025, authorised on the as-at date Mon 31 Mar: 4 + 5 + 5 + 5 + 1 = 20.
    _assessment(history, "A6", "Q6", date(2025, 3, 3), date(2025, 3, 31), outcome("Y"))
    _assessment(history, "A7", "Q7", date(2025, 1, 10), None, outcome("N"))  # not authorised: out
    _assessment(history, "A8", "Q8", date(2024, 10, 10), date(2024, 10, 1), outcome("N"))  # authorised before start
    # A9: started Tue 26 Mar 2024, authorised Mon 1 Apr 2024 (the year's first day, Easter Monday):
    # Wed 27 1, Thu 28 2, Good Friday and Easter Monday do not count: 2.
    _assessment(history, "A9", "Q1", date(2024, 3, 26), date(2024, 4, 1))
    return history.store()


def test_assessments_within_45_working_days(history):
    store = _assessment_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["assessments_45wd"])
        # Authorised in the year (and not before they started): A1 45, A2 46, A3 45, A4 0, A6 20, A9 2.
        # Within 45: all but A2: 5 / 6 = 83.3%.
        assert (figure.numerator, figure.denominator) == (5, 6)
        assert figure.value == pytest.approx(500 / 6)
        assert figure.children == 4  # Q1 (A1 and A9), Q3, Q4, Q6
        rows = calc.children("assessments_45wd", AS_AT)
        assert [(r["item_id"], r["value"]) for r in rows] == [
            ("A9", 2),
            ("A3", 45),
            ("A4", 0),
            ("A1", 45),
            ("A6", 20),
        ]
        assert [r["item_id"] for r in calc.children("assessments_45wd", AS_AT, part="denominator")] == [
            "A9",
            "A3",
            "A4",
            "A1",
            "A2",
            "A6",
        ]
        # By ChAT's duration band: same day A4; 1-10 A9; 11-20 A6; 41-45 A1, A3; 46-50 A2 (late).
        bands = {
            r["duration_band"]: (r["numerator"], r["denominator"])
            for r in calc.breakdown("assessments_45wd", AS_AT, "duration_band")
        }
        assert bands == {"00 same day": (1, 1), "01-10": (1, 1), "11-20": (1, 1), "41-45": (2, 2), "46-50": (0, 1)}
        # By the assessment's own team: T1 has A1 (in time) and A2 (late): 50%; T2 the other four: 100%.
        teams = {r["team"]: r["value"] for r in calc.breakdown("assessments_45wd", AS_AT, "team")}
        assert teams == {"T1": pytest.approx(50.0), "T2": pytest.approx(100.0)}
        workers = {r["worker"]: r["denominator"] for r in calc.breakdown("assessments_45wd", AS_AT, "worker")}
        assert workers == {"W1": 1, "W2": 1, "W3": 4}


def test_median_working_days(history):
    store = _assessment_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["assessment_median_wd"])
        # The six lengths, sorted: 0, 2, 20, 45, 45, 46; the median is the mean of the middle two:
        # (20 + 45) / 2 = 32.5.
        assert figure.value == pytest.approx(32.5)
        assert figure.formatted() == "32.5 working days"
        # The quarter to 31 March 2025 (from 1 Jan) holds A1 (45), A2 (46), A6 (20): median 45.
        (quarter,) = calc.figures(AS_AT, ids=["assessment_median_wd"], period="quarter")
        assert quarter.value == 45


def test_assessments_requiring_support(history):
    store = _assessment_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["assessments_requiring_support"])
        # With an outcome, authorised in the year: A1 N, A2 Y, A3 ' n ' (read as N), A6 Y. A4 and A9 have
        # none (in neither part); A5 is out of the year, A8 authorised before it started.
        # Needing support (NFA N): A1, A3: 2 / 4 = 50%.
        assert (figure.numerator, figure.denominator) == (2, 4)
        assert figure.value == pytest.approx(50.0)
        assert [r["item_id"] for r in calc.children("assessments_requiring_support", AS_AT)] == ["A3", "A1"]


def test_requiring_support_has_no_figure_when_no_outcome_is_recorded(history):
    # As in the synthetic authority's data: assessments without an outcome.
    store = _assessment_history(history, with_outcomes=False)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["assessments_requiring_support"])
        assert figure.value is None and figure.denominator is None
        assert figure.note == "the denominator is zero in the period"
