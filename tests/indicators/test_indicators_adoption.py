"""Adoption indicators (children adopted, scorecard A1 and A2) against a hand-built history.

An adoption is a period of care that ended with reason ceased E11 or E12. The 12 months to
31 March 2026 (the default period of A1 and A2) and the reporting year both run from 1 April 2025.
The empty-store run of these indicators is in test_indicators_children_in_care.py.
"""

from __future__ import annotations

from datetime import date

from childhub.indicators import AuthoritySettings, Target, calculator

AS_AT = date(2026, 3, 31)


def _adoption_history(history):
    """Five children.

    AD1 entered care 2024-02-29 (S, C2, U4); L 2024-09-10 to E1 (placement order granted); P 2025-01-15 to A4
        (placed for adoption); adopted 2025-10-01 (E11). AD1 record: decision 2024-08-01, matched 2024-12-20.
    AD2 entered care 2023-05-01 (S, C2, U4); L 2024-01-10 to E1 (same foster placement); adopted 2026-03-31 (E12,
        the as-at date). Permanence record: placement order 2024-01-05, matched 2023-12-01 (before the
        order), placed for adoption 2025-02-01 (no A3-A6 episode: adopted by the foster carers).
    AD3 entered care 2023-01-01, placed A5 2024-06-01, adopted 2025-03-31: before the 12 months.
    AD4 entered care 2024-01-01 (U4), adopted 2025-06-01 with no placement for adoption nor match recorded.
    AD5 entered care 2024-01-01, ceased 2025-07-01 E13 (not an adoption).
    """
    for person in ["AD1", "AD2", "AD3", "AD4", "AD5"]:
        history.child(person, dob=date(2022, 1, 1))
    history.episode("AD1", date(2024, 2, 29), "S", "C2", "U4", ceased=date(2024, 9, 10), reason_ceased="X1")
    history.episode("AD1", date(2024, 9, 10), "L", "E1", "U4", ceased=date(2025, 1, 15), reason_ceased="X1")
    history.episode("AD1", date(2025, 1, 15), "P", "E1", "A4", ceased=date(2025, 10, 1), reason_ceased="E11")
    history.add(
        "permanence",
        perm_person_id="AD1",
        perm_adm_decision_date=date(2024, 8, 1),
        perm_matched_date=date(2024, 12, 20),
    )
    history.episode("AD2", date(2023, 5, 1), "S", "C2", "U4", ceased=date(2024, 1, 10), reason_ceased="X1")
    history.episode("AD2", date(2024, 1, 10), "L", "E1", "U4", ceased=AS_AT, reason_ceased="E12")
    history.add(
        "permanence",
        perm_person_id="AD2",
        perm_placement_order_date=date(2024, 1, 5),
        perm_matched_date=date(2023, 12, 1),
        perm_placed_for_adoption_date=date(2025, 2, 1),
    )
    history.episode("AD3", date(2023, 1, 1), "S", "C2", "U4", ceased=date(2024, 6, 1), reason_ceased="X1")
    history.episode("AD3", date(2024, 6, 1), "P", "E1", "A5", ceased=date(2025, 3, 31), reason_ceased="E11")
    history.episode("AD4", date(2024, 1, 1), "S", "C2", "U4", ceased=date(2025, 6, 1), reason_ceased="E11")
    history.episode("AD5", date(2024, 1, 1), "S", "C2", "U4", ceased=date(2025, 7, 1), reason_ceased="E13")
    return history.store()


def test_children_adopted_in_the_year(history):
    store = _adoption_history(history)
    with calculator(store, AuthoritySettings()) as calc:
        # Adopted 2025-04-01 to 2026-03-31: AD4 (2025-06-01), AD1 (2025-10-01), AD2 (2026-03-31, the date) = 3.
        # AD3 was adopted the day before the year; AD5 left care with E13.
        (count,) = calc.figures(AS_AT, ids=["adoptions_count"])
        assert count.value == 3
        listed = calc.children("adoptions_count", AS_AT)
        assert [(row["la_child_id"], row["event_date"]) for row in listed] == [
            ("AD4", date(2025, 6, 1)),
            ("AD1", date(2025, 10, 1)),
            ("AD2", date(2026, 3, 31)),
        ]


def test_a1_days_from_entering_care_to_placement_for_adoption(history):
    store = _adoption_history(history)
    settings = AuthoritySettings(targets={"adoption_a1": Target(target=426, tolerance=30)})
    with calculator(store, settings) as calc:
        # AD1: 2024-02-29 to 2025-01-15 (its A4 placement): 1 day to 2024-03-01, 306 to 2025-01-01 (March to
        #      December 2024: 31+30+31+30+31+31+30+31+30+31), 14 to 2025-01-15 = 321 days.
        # AD2: 2023-05-01 to 2025-02-01 (the permanence record's placed date): 366 to 2024-05-01 (2024 is a leap
        #      year), 276 to 2025-02-01 (May 2024 to January 2025: 31+30+31+31+30+31+30+31+31) = 642 days.
        # AD4 has no placement for adoption: left out. Mean (321 + 642) / 2 = 481.5.
        (a1,) = calc.figures(AS_AT, ids=["adoption_a1"])
        assert (a1.period.start, a1.period.end) == (date(2025, 4, 1), AS_AT)
        assert a1.value == 481.5 and a1.children == 2
        # Lower is better: 481.5 is 55.5 days over the 426-day threshold, beyond the 30 days' tolerance: red.
        assert a1.rag == "red"
        values = {row["la_child_id"]: row["value"] for row in calc.children("adoption_a1", AS_AT)}
        assert values == {"AD1": 321, "AD2": 642}


def test_a2_days_from_placement_order_to_match(history):
    store = _adoption_history(history)
    with calculator(store, AuthoritySettings()) as calc:
        # AD1: placement order from its E1 episode, 2024-09-10; matched 2024-12-20: 20 days to 2024-09-30,
        #      then 31 + 30 + 20 = 101 days.
        # AD2: the record's placement order (2024-01-05, before the E1 episode's 2024-01-10) wins; matched
        #      2023-12-01, before the order: 0 days.
        # AD4: no placement order recorded, no match, not placed: left out. Mean (101 + 0) / 2 = 50.5.
        (a2,) = calc.figures(AS_AT, ids=["adoption_a2"])
        assert a2.value == 50.5 and a2.children == 2
        values = {row["la_child_id"]: row["value"] for row in calc.children("adoption_a2", AS_AT)}
        assert values == {"AD1": 101, "AD2": 0}
