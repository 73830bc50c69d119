"""Front door indicators (contacts and referrals), each against a hand-built history with hand-worked values.

Also here: every indicator of the front door, assessment, child protection, children in need and
early help groups runs on an empty store, for every period it allows and every breakdown it
declares (a typo in any of their SQL fails this first).

The reporting year to 31 March 2025 runs from 1 April 2024; the population is 1,000 children,
so a rate per 10,000 is the count times 10.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2025, 3, 31)

# The indicators these test files own (the rest of the library belongs to other areas).
FRONT_DOOR = ["contact_rate", "contacts_to_referral", "referral_rate", "re_referrals_12m", "referrals_nfa"]
FRONT_DOOR += ["referrals_count"]
ASSESSMENT = ["assessments_45wd", "assessment_median_wd", "assessments_requiring_support"]
CHILD_PROTECTION = ["s47_count", "icpc_count", "icpc_15wd", "icpc_to_plan", "cp_plan_rate", "cp_plans_started"]
CHILD_PROTECTION += ["cp_plans_2_years", "cp_second_plan", "cp_seen_alone"]
CHILDREN_IN_NEED = ["cin_rate", "cin_starts", "cin_closures"]
EARLY_HELP = ["early_help_open", "early_help_starts"]
OURS = FRONT_DOOR + ASSESSMENT + CHILD_PROTECTION + CHILDREN_IN_NEED + EARLY_HELP


def _referral(history, referral_id, person_id, day, source, nfa="N"):
    history.add(
        "cin_episodes",
        cine_referral_id=referral_id,
        cine_person_id=person_id,
        cine_referral_date=day,
        cine_referral_source_code=source,
        cine_referral_nfa=nfa,
    )


def _front_door_history(history):
    # P2 was born on 29 February; P3 is unborn (an expected date of birth, no date of birth).
    history.child("P1", dob=date(2015, 5, 1), sex="F")
    history.child("P2", dob=date(2020, 2, 29), sex="M")
    history.child("P3", dob=None, sex="U", pers_expected_dob=date(2025, 6, 1))
    history.child("P4", dob=date(2010, 1, 1), sex="F")
    history.child("P5", dob=date(2012, 7, 7), sex="M")
    referral = "Referral to children's social care"
    contacts = [
        ("C1", "P1", date(2024, 3, 31), "2A", referral),  # the day before the year: out
        ("C2", "P1", date(2024, 4, 1), "2A", referral),  # the year's first day: in, led to a referral
        ("C3", "P2", date(2024, 10, 10), "6", "No further action"),  # in, did not
        ("C4", "P3", date(2025, 3, 31), "5A", referral),  # the as-at date, unborn child: in, led
        ("C5", "P4", date(2025, 4, 1), "6", referral),  # the day after: out
        ("C6", "P4", date(2025, 1, 15), "6", None),  # in, no outcome recorded: did not
    ]
    for contact_id, person_id, day, source, outcome in contacts:
        history.add(
            "contacts",
            cont_contact_id=contact_id,
            cont_person_id=person_id,
            cont_contact_date=day,
            cont_contact_source_code=source,
            cont_contact_outcome_json=outcome,
        )
    _referral(history, "R0", "P1", date(2023, 4, 1), "2A")
    _referral(history, "R1", "P1", date(2024, 4, 1), "2A")  # exactly 12 months after R0
    _referral(history, "R2", "P2", date(2024, 2, 29), "6")
    _referral(history, "R3", "P2", date(2025, 2, 28), "6", nfa="Y")  # reaches back to 28 Feb 2024: R2 in it
    _referral(history, "R4", "P4", date(2024, 3, 30), "8")
    _referral(history, "R5", "P4", date(2025, 3, 31), "8", nfa=None)  # 12 months and a day after R4
    _referral(history, "R6", "P3", date(2024, 12, 2), "5A")  # unborn, first referral
    _referral(history, "R7", "P5", date(2024, 2, 29), "3A")
    _referral(history, "R8", "P5", date(2025, 3, 1), "3A")  # reaches back to 1 Mar 2024: R7 is before it
    return history.store()


def test_contacts_rate_and_share_that_led_to_a_referral(history):
    store = _front_door_history(history)
    with calculator(store, AUTHORITY) as calc:
        rate, share = calc.figures(AS_AT, ids=["contact_rate", "contacts_to_referral"])
        # In 1 Apr 2024 - 31 Mar 2025: C2 (first day), C3, C4 (last day), C6 = 4 contacts; C1 (31 Mar
        # 2024) and C5 (1 Apr 2025) are out. 4 / 1,000 * 10,000 = 40 per 10,000.
        assert rate.numerator == 4 and rate.value == pytest.approx(40.0)
        assert rate.children == 4  # P1, P2, P3, P4
        # Led to a referral: C2 and C4 of the 4; C3 was NFA, C6 has no outcome: 2 / 4 = 50%.
        assert (share.numerator, share.denominator) == (2, 4)
        assert share.value == pytest.approx(50.0)
        # By source: 2A has C2 (1 of 1), 5A has C4 (1 of 1), 6 has C3 and C6 (0 of 2).
        by_source = {
            row["contact_source"]: row for row in calc.breakdown("contacts_to_referral", AS_AT, "contact_source")
        }
        assert {s: (r["numerator"], r["denominator"]) for s, r in by_source.items()} == {
            "2A": (1, 1),
            "5A": (1, 1),
            "6": (0, 2),
        }
        assert by_source["6"]["value"] == 0.0
        # The children behind the numerator: C2 (P1, 1 Apr 2024) then C4 (P3, 31 Mar 2025).
        rows = calc.children("contacts_to_referral", AS_AT)
        assert [(r["la_child_id"], r["item_id"]) for r in rows] == [("P1", "C2"), ("P3", "C4")]
        assert rows[1]["age_band"] == "unborn" and rows[1]["age"] is None
        # The denominator lists all four contacts.
        assert [r["item_id"] for r in calc.children("contacts_to_referral", AS_AT, part="denominator")] == [
            "C2",
            "C3",
            "C6",
            "C4",
        ]


def test_referrals_count_rate_and_nfa(history):
    store = _front_door_history(history)
    with calculator(store, AUTHORITY) as calc:
        count, rate, nfa = calc.figures(AS_AT, ids=["referrals_count", "referral_rate", "referrals_nfa"])
        # In the year: R1 (1 Apr 2024), R3, R5 (31 Mar 2025), R6, R8 = 5; R0, R2, R4 (30 Mar 2024), R7 are before.
        assert count.value == 5 and count.children == 5
        assert rate.value == pytest.approx(50.0)  # 5 / 1,000 * 10,000
        # NFA: R3 alone (R5 has no NFA flag recorded, so it is not NFA): 1 / 5 = 20%.
        assert (nfa.numerator, nfa.denominator) == (1, 5)
        assert nfa.value == pytest.approx(20.0)
        assert [r["item_id"] for r in calc.children("referrals_nfa", AS_AT)] == ["R3"]
        # On 30 March 2025 the as-at date's referral R5 is not yet in: 4.
        (day_before,) = calc.figures(date(2025, 3, 30), ids=["referrals_count"])
        assert day_before.value == 4
        # The month to 28 February 2025 holds R3 alone.
        (february,) = calc.figures(date(2025, 2, 28), ids=["referrals_count"], period="month")
        assert february.value == 1
        # By sex: F has R1 (P1) and R5 (P4); M has R3 (P2) and R8 (P5); U has R6 (the unborn P3).
        by_sex = {r["sex"]: r["numerator"] for r in calc.breakdown("referrals_count", AS_AT, "sex")}
        assert by_sex == {"F": 2, "M": 2, "U": 1}
        # A rate is not split into rates (no population per group): the counts are given instead.
        assert all(r["value"] is None for r in calc.breakdown("referral_rate", AS_AT, "sex"))
        # Ages at 31 March 2025: P1 9, P2 5 (born 29 Feb 2020) -> 5 to 9; P4 15, P5 12 -> 10 to 15; P3 unborn.
        by_age = [(r["age_band"], r["numerator"]) for r in calc.breakdown("referrals_count", AS_AT, "age_band")]
        assert by_age == [("unborn", 1), ("5 to 9", 2), ("10 to 15", 2)]
        # At 28 February 2025 (year so far: R1, R3, R6) P2 is still 4: a 29 February birthday turns on 1 March.
        by_age = [
            (r["age_band"], r["numerator"]) for r in calc.breakdown("referrals_count", date(2025, 2, 28), "age_band")
        ]
        assert by_age == [("unborn", 1), ("1 to 4", 1), ("5 to 9", 1)]


def test_re_referrals_within_12_months(history):
    store = _front_door_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["re_referrals_12m"])
        # R1 (1 Apr 2024): R0 on 1 Apr 2023 is exactly 12 months before -> a re-referral.
        # R3 (28 Feb 2025): reaches back to 28 Feb 2024; R2 on 29 Feb 2024 is inside -> a re-referral.
        # R5 (31 Mar 2025): reaches back to 31 Mar 2024; R4 on 30 Mar 2024 is a day outside -> not.
        # R6: no earlier referral -> not. R8 (1 Mar 2025): reaches back to 1 Mar 2024; R7 (29 Feb) is outside.
        # 2 of 5 = 40%.
        assert (figure.numerator, figure.denominator) == (2, 5)
        assert figure.value == pytest.approx(40.0)
        rows = calc.children("re_referrals_12m", AS_AT)
        assert [(r["la_child_id"], r["item_id"], r["event_date"]) for r in rows] == [
            ("P1", "R1", date(2024, 4, 1)),
            ("P2", "R3", date(2025, 2, 28)),
        ]
        by_source = {
            r["referral_source"]: (r["numerator"], r["denominator"])
            for r in calc.breakdown("re_referrals_12m", AS_AT, "referral_source")
        }
        # 2A: R1 (1 of 1); 3A: R8 (0 of 1); 5A: R6 (0 of 1); 6: R3 (1 of 1); 8: R5 (0 of 1).
        assert by_source == {"2A": (1, 1), "3A": (0, 1), "5A": (0, 1), "6": (1, 1), "8": (0, 1)}
