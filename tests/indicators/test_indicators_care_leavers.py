"""Care leaver indicators (SSDA903 OC3 cohort aged 19 to 21) against a hand-built history.

The cohort on an as-at date: young people whose 19th, 20th or 21st birthday fell in the 12
months up to it, each counted once by their latest care leaver record dated on or before it.
The empty-store run of these indicators is in test_indicators_children_in_care.py.
"""

from __future__ import annotations

from datetime import date

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2026, 3, 31)  # the 12 months from 2025-04-01: birthdays 19 to 21 => born 2004-04-01 to 2007-03-31
LEAP_AS_AT = date(2026, 2, 28)  # the 12 months from 2025-03-01: born 2004-03-01 to 2007-02-28 (and 2004-02-29)


def record(history, person, contact, in_touch, activity, accommodation, suitable=None) -> None:
    """One care leaver record (SSDA903 OC3, or the SSD's care leaver table when ``contact`` is None)."""
    history.add(
        "care_leavers",
        clea_person_id=person,
        clea_care_leaver_latest_contact=contact,
        clea_care_leaver_in_touch=in_touch,
        clea_care_leaver_activity=activity,
        clea_care_leaver_accommodation=accommodation,
        clea_care_leaver_accom_suitable=suitable,
    )


def _care_leaver_history(history):
    """Six young people and their OC3 records (dated the return's 31 March) or SSD records.

    CL1 born 2006-06-01 (19 on 2025-06-01):
        2025-03-31 YES G5 B1; 2026-03-31 YES F2 D2; 2027-03-31 NO (after both dates); an undated NO record
    CL2 born 2004-04-01 (21 on 2025-04-01, the first day of the 12 months to 2026-03-31):
        2026-03-31 NO G6 Z1
    CL3 born 2004-03-31 (21 on 2025-03-31, the day before those 12 months; 22 on 2026-03-31):
        2025-03-31 YES F1 B1
    CL4 born 2007-03-31 (19 on 2026-03-31, the as-at date): 2026-03-31 YES 0 E1
    CL5 born 2004-02-29 (21 on 2025-03-01, as a 29 February birthday turns on 1 March; 22 on 2026-03-01):
        2025-03-31 YES P4 C1
    CL6 born 2005-10-10 (20 on 2025-10-10): one undated SSD record, NO G4 B2, suitability '1'
    """
    for person, dob in [
        ("CL1", date(2006, 6, 1)),
        ("CL2", date(2004, 4, 1)),
        ("CL3", date(2004, 3, 31)),
        ("CL4", date(2007, 3, 31)),
        ("CL5", date(2004, 2, 29)),
        ("CL6", date(2005, 10, 10)),
    ]:
        history.child(person, dob=dob)
    record(history, "CL1", date(2025, 3, 31), "YES", "G5", "B1")
    record(history, "CL1", date(2026, 3, 31), "YES", "F2", "D2")
    record(history, "CL1", date(2027, 3, 31), "NO", "G5", "B1")
    record(history, "CL1", None, "NO", "G5", "B1")
    record(history, "CL2", date(2026, 3, 31), "NO", "G6", "Z1")
    record(history, "CL3", date(2025, 3, 31), "YES", "F1", "B1")
    record(history, "CL4", date(2026, 3, 31), "YES", "0", "E1")
    record(history, "CL5", date(2025, 3, 31), "YES", "P4", "C1")
    record(history, "CL6", None, "NO", "G4", "B2", suitable="1")
    return history.store()


def _figure(calc, indicator_id: str, as_at: date):
    (result,) = calc.figures(as_at, ids=[indicator_id])
    return result


def test_care_leavers_on_31_march_by_their_latest_record(history):
    store = _care_leaver_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Cohort on 2026-03-31: CL1 (19), CL2 (21: birthday on the first day), CL4 (19: birthday on the date),
        # CL6 (20). Not CL3 (21st birthday the day before the 12 months) nor CL5 (22nd birthday 2026-03-01).
        # Latest records: CL1 2026-03-31 YES F2 D2 (the 2027 record is after the date; the undated one loses
        # to the dated); CL2 NO G6 Z1; CL4 YES 0 E1; CL6 undated NO G4 B2 with suitability '1'.
        in_touch = _figure(calc, "care_leavers_in_touch", AS_AT)
        assert (in_touch.numerator, in_touch.denominator, in_touch.value) == (2, 4, 50.0)  # CL1, CL4
        listed = calc.children("care_leavers_in_touch", AS_AT)
        assert [(row["la_child_id"], row["event_date"]) for row in listed] == [
            ("CL1", date(2026, 3, 31)),
            ("CL4", date(2026, 3, 31)),
        ]
        everyone = calc.children("care_leavers_in_touch", AS_AT, part="denominator")
        assert sorted(row["la_child_id"] for row in everyone) == ["CL1", "CL2", "CL4", "CL6"]
        # EET (F1-F5, P1-P5): CL1 (F2) = 1/4. NEET (G4-G6): CL2 (G6), CL6 (G4) = 2/4; CL4's 0 is neither.
        eet = _figure(calc, "care_leavers_eet", AS_AT)
        assert (eet.numerator, eet.denominator, eet.value) == (1, 4, 25.0)
        neet = _figure(calc, "care_leavers_neet", AS_AT)
        assert (neet.numerator, neet.denominator, neet.value) == (2, 4, 50.0)
        # Suitable: CL1 D2 no (ends 2); CL2 Z1 yes; CL4 E1 yes; CL6 yes (its suitability field, '1', comes
        # before the code) = 3/4.
        suitable = _figure(calc, "care_leavers_suitable_accommodation", AS_AT)
        assert (suitable.numerator, suitable.denominator, suitable.value) == (3, 4, 75.0)


def test_care_leavers_break_down_by_age_and_activity(history):
    store = _care_leaver_history(history)
    with calculator(store, AUTHORITY) as calc:
        # Ages on 2026-03-31: CL1 19, CL4 19, CL6 20, CL2 21. EET: CL1 only.
        by_age = {row["care_leaver_age"]: row for row in calc.breakdown("care_leavers_eet", AS_AT, "care_leaver_age")}
        assert {age: (row["numerator"], row["denominator"]) for age, row in by_age.items()} == {
            19: (1, 2),
            20: (0, 1),
            21: (0, 1),
        }
        assert by_age[19]["value"] == 50.0
        by_activity = {
            row["activity"]: (row["numerator"], row["denominator"])
            for row in calc.breakdown("care_leavers_neet", AS_AT, "activity")
        }
        assert by_activity == {"0": (0, 1), "F2": (0, 1), "G4": (1, 1), "G6": (1, 1)}


def test_a_29_february_birthday_falls_on_1_march(history):
    store = _care_leaver_history(history)
    with calculator(store, AUTHORITY) as calc:
        # On 2026-02-28 (12 months from 2025-03-01): CL5's 21st birthday is 2025-03-01 (not 2025-02-28), so CL5
        # is in. Also CL1 (19 on 2025-06-01), CL3 (21 on 2025-03-31), CL6 (20). CL2's only record is dated after
        # the date, so CL2 has none; CL4 is 18.
        # Latest records: CL1 2025-03-31 YES G5 B1; CL3 YES F1 B1; CL5 YES P4 C1; CL6 undated NO G4 B2 '1'.
        in_touch = _figure(calc, "care_leavers_in_touch", LEAP_AS_AT)
        assert (in_touch.numerator, in_touch.denominator, in_touch.value) == (3, 4, 75.0)
        everyone = calc.children("care_leavers_in_touch", LEAP_AS_AT, part="denominator")
        assert sorted(row["la_child_id"] for row in everyone) == ["CL1", "CL3", "CL5", "CL6"]
        eet = _figure(calc, "care_leavers_eet", LEAP_AS_AT)
        assert (eet.numerator, eet.denominator) == (2, 4)  # CL3 F1, CL5 P4
        neet = _figure(calc, "care_leavers_neet", LEAP_AS_AT)
        assert (neet.numerator, neet.denominator) == (2, 4)  # CL1 G5, CL6 G4
        suitable = _figure(calc, "care_leavers_suitable_accommodation", LEAP_AS_AT)
        assert (suitable.numerator, suitable.denominator) == (4, 4)  # B1, B1, C1, and CL6's field '1'
