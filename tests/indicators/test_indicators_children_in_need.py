"""Children in need indicators against a hand-built history with hand-worked values.

A children-in-need episode is a referral that was not NFA, from its referral date to its closure
date. The as-at date is 31 March 2025; the reporting year runs from 1 April 2024; the population
is 1,000 children, so a rate per 10,000 is the count times 10.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2025, 3, 31)


def _episode(history, referral_id, person_id, start, close=None, reason=None, nfa="N", need="N1"):
    history.add(
        "cin_episodes",
        cine_referral_id=referral_id,
        cine_person_id=person_id,
        cine_referral_date=start,
        cine_close_date=close,
        cine_close_reason=reason,
        cine_referral_nfa=nfa,
        cine_cin_primary_need_code=need,
        cine_referral_team="T1",
        cine_referral_worker_id="W1",
    )


def _cin_history(history):
    for person_id in ("A", "B", "C", "D", "F", "G", "H", "I"):
        history.child(person_id, dob=date(2013, 5, 5))
    history.child("E", dob=None, sex="U", pers_expected_dob=date(2025, 6, 30))  # unborn
    _episode(history, "N1", "A", date(2024, 1, 10))  # open since before the year
    _episode(
        history, "N2", "B", date(2024, 4, 1), date(2025, 3, 31), "RC1"
    )  # the year's first day; closes on the as-at date
    _episode(history, "N3", "C", date(2025, 3, 31), need="N2")  # starts on the as-at date
    _episode(history, "N4", "D", date(2024, 6, 1), date(2024, 6, 1), "RC8", nfa="Y")  # NFA: a referral only
    _episode(history, "N5", "E", date(2024, 12, 1), nfa=None)  # unborn; no NFA flag recorded: an episode
    _episode(history, "N6", "A", date(2024, 9, 1), need="N3")  # A's second open episode
    _episode(history, "N7", "F", date(2023, 5, 5), date(2024, 3, 31), "RC2")  # closed the day before the year
    _episode(history, "N8", "G", date(2023, 11, 11), date(2024, 4, 1), "RC3")  # closed on the year's first day
    _episode(history, "N9", "H", date(2024, 5, 5), date(2025, 4, 1), "RC1")  # closes the day after
    _episode(history, "N10", "I", date(2024, 10, 10), date(2024, 10, 11), "RC8", nfa="Y")  # NFA
    return history.store()


def test_children_in_need_on_the_date(history):
    store = _cin_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["cin_rate"])
        # Open on 31 Mar 2025: A (N1 and N6: once), C (starts that day), E (unborn), H (closes 1 Apr) = 4.
        # B's closes on the date; F's and G's closed earlier; D's and I's were NFA.
        # 4 / 1,000 * 10,000 = 40 per 10,000.
        assert figure.numerator == 4 and figure.value == pytest.approx(40.0)
        rows = calc.children("cin_rate", AS_AT)
        assert sorted(r["la_child_id"] for r in rows) == ["A", "C", "E", "H"]
        by_child = {r["la_child_id"]: r for r in rows}
        assert by_child["A"]["item_id"] == "N6" and by_child["E"]["age_band"] == "unborn"
        # Primary need of each child's latest open episode: A N3 (N6), C N2, E N1, H N1.
        needs = {r["primary_need"]: r["numerator"] for r in calc.breakdown("cin_rate", AS_AT, "primary_need")}
        assert needs == {"N1": 2, "N2": 1, "N3": 1}
        # The day before: C has not started, B is still open.
        assert sorted(r["la_child_id"] for r in calc.children("cin_rate", date(2025, 3, 30))) == ["A", "B", "E", "H"]


def test_children_in_need_starts_and_closures(history):
    store = _cin_history(history)
    with calculator(store, AUTHORITY) as calc:
        starts, closures = calc.figures(AS_AT, ids=["cin_starts", "cin_closures"])
        # Started in the year, not NFA: N2 (1 Apr 2024), N3 (31 Mar 2025), N5, N6, N9 = 5 (N4, N10 NFA).
        assert starts.value == 5
        assert [r["item_id"] for r in calc.children("cin_starts", AS_AT)] == ["N2", "N9", "N6", "N5", "N3"]
        # Closed in the year, not NFA: N8 (1 Apr 2024), N2 (31 Mar 2025) = 2; N7 closed 31 Mar 2024,
        # N9 closes 1 Apr 2025, N10 was NFA.
        assert closures.value == 2
        reasons = {r["close_reason"]: r["numerator"] for r in calc.breakdown("cin_closures", AS_AT, "close_reason")}
        assert reasons == {"RC1": 1, "RC3": 1}
        # Over the 6 months to 31 Mar 2025 (from 1 Oct 2024): starts N3, N5; closures N2.
        (six_months,) = calc.figures(AS_AT, ids=["cin_starts"], period="rolling_6")
        assert six_months.value == 2
        (six_months,) = calc.figures(AS_AT, ids=["cin_closures"], period="rolling_6")
        assert six_months.value == 1
