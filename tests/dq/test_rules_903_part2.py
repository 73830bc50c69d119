"""SSDA903 rules of part 2 (205C-379) on hand-worked cases: dates, ages, spells, last year's return.

Each case builds a return from a few rows and checks exactly which rows a rule flags, each named
as (table, line in its file) with line 2 the first row after the column names.
"""

from __future__ import annotations

import pytest

from helpers import dq_findings


def flagged(year: int, code: str, this: dict[str, list[dict]], last: dict[str, list[dict]] | None = None) -> set:
    return {(f.table, f.line) for f in dq_findings("ssda903", year, this, last, rules={code})}


def ep(child: str, decom: str, dec: str | None = None, **fields: str) -> dict:
    return {"CHILD": child, "DECOM": decom, "DEC": dec, **fields}


def test_208_upn_changes_between_years():
    last = ["UN1", None, "A123456789012", "UN2", "UN3", "B123456789012", "c123456789012"]
    now = ["UN3", "UN1", "B123456789012", "UN3", "H801200001001", None, "C123456789012"]
    header = [{"CHILD": str(i), "UPN": upn} for i, upn in enumerate(now)]
    header_last = [{"CHILD": str(i), "UPN": upn} for i, upn in enumerate(last)]
    # allowed: UN1 -> UN3, blank -> UN1, unknown -> a real UPN, a change of letter case only
    assert flagged(2025, "208", {"header": header}, {"header": header_last}) == {
        ("header", 4),  # one real UPN replaced by another
        ("header", 5),  # UN2 -> UN3: only an unknown UN1 (or blank) may become another unknown reason
        ("header", 7),  # a real UPN removed
    }


def test_209_school_age_is_four_on_31_august_two_years_before():
    header = [{"CHILD": "1", "DOB": "31/08/2019", "UPN": "UN1"}, {"CHILD": "2", "DOB": "01/09/2019", "UPN": "UN1"}]
    assert flagged(2025, "209", {"header": header}) == {("header", 2)}  # 4 on 31/08/2023; the other is 3


def test_210_un4_with_an_episode_from_24_march():
    header = [{"CHILD": "1", "UPN": "UN4"}, {"CHILD": "2", "UPN": "UN4"}]
    episodes = [ep("1", "24/03/2025"), ep("2", "23/03/2025")]
    assert flagged(2025, "210", {"header": header, "episodes": episodes}) == {("episodes", 2), ("header", 2)}


def test_205d_uasc_this_year_but_not_last():
    header = [{"CHILD": "1"}, {"CHILD": "2"}, {"CHILD": "3"}]
    uasc = [{"CHILD": "1", "DUC": "01/01/2027"}, {"CHILD": "2", "DUC": "01/01/2027"}]
    last = {"header": [{"CHILD": "1"}, {"CHILD": "2"}], "uasc": [{"CHILD": "2", "DUC": "01/01/2027"}]}
    assert flagged(2025, "205D", {"header": header, "uasc": uasc}, last) == {("header", 2)}


def test_218_urn_needed_unless_the_postcode_area_is_outside_england():
    episodes = [
        ep("1", "01/05/2024", PLACE="U1", PL_POST="CF10 1AA"),  # Cardiff
        ep("2", "01/05/2024", PLACE="U1", PL_POST="G1 1AA"),  # Glasgow
        ep("3", "01/05/2024", PLACE="U1", PL_POST="GL1 1AA"),  # Gloucester
        ep("4", "01/05/2024", PLACE="U1", PL_POST="GL1 1AA", URN="1234567"),
        ep("5", "01/05/2024", PLACE="R1", PL_POST="GL1 1AA"),  # placement type not registered by Ofsted
        ep("6", "01/01/2024", "31/03/2024", PLACE="U1", PL_POST="GL1 1AA"),  # ended before the year
    ]
    assert flagged(2026, "218", {"episodes": episodes}) == {("episodes", 4)}


def test_225_and_226_reason_for_placement_change():
    episodes = [
        ep("1", "01/05/2024", "01/06/2024", REC="X1", PLACE="U1"),
        ep("1", "01/06/2024", RNE="P", PLACE="U2"),
        ep("2", "01/05/2024", "01/06/2024", REC="X1", PLACE="U1", REASON_PLACE_CHANGE="CARPL"),
        ep("2", "01/06/2024", "05/06/2024", RNE="T", PLACE="T1", REC="X1"),
        ep("2", "05/06/2024", RNE="P", PLACE="U1"),
    ]
    # 225: child 1 moved (X1 then P) without a reason; child 2's episode before T1 gave one, and the
    # T1 episode itself is temporary so needs none
    assert flagged(2025, "225", {"episodes": episodes}) == {("episodes", 2)}
    # 226: the temporary placement follows an episode that gave a reason
    assert flagged(2025, "226", {"episodes": episodes}) == {("episodes", 5)}


def test_336_placed_for_adoption_after_foster_care():
    episodes = [
        ep("1", "01/05/2024", "01/06/2024", PLACE="K2"),
        ep("1", "01/06/2024", PLACE="A4"),
        ep("2", "01/05/2024", "01/06/2024", PLACE="U1"),
        ep("2", "01/06/2024", PLACE="A3"),
        ep("3", "01/06/2024", PLACE="A3"),  # first episode: nothing before it to check
    ]
    assert flagged(2025, "336", {"episodes": episodes}) == {("episodes", 3)}


def test_357_first_episode_in_the_year_starts_with_s():
    episodes = [
        ep("1", "01/05/2024", RNE="P"),
        ep("2", "01/05/2023", "01/06/2024", RNE="P"),  # first episode before the year: not checked
        ep("2", "01/06/2024", RNE="P"),
        ep("3", "02/05/2024", RNE="P"),
        ep("3", "01/05/2024", "02/05/2024", RNE="S"),  # the earliest by date, not by line
    ]
    assert flagged(2025, "357", {"episodes": episodes}) == {("episodes", 2)}


@pytest.mark.parametrize(
    ("episodes", "expected"),
    [
        # two L1 episodes back to back: 01/04 to 05/04 is 4 days, more than 72 hours
        ([ep("1", "01/04/2024", "02/04/2024", LS="L1"), ep("1", "02/04/2024", "05/04/2024", LS="L1")], {2, 3}),
        # a gap (an episode under another legal status) starts a new spell: 2 days each
        (
            [
                ep("1", "01/05/2024", "03/05/2024", LS="L1"),
                ep("1", "03/05/2024", "10/05/2024", LS="C2"),
                ep("1", "10/05/2024", "12/05/2024", LS="L1"),
            ],
            set(),
        ),
        # open at 31 March: counted to 31 March
        ([ep("1", "29/03/2025", LS="L1"), ep("2", "20/03/2025", LS="L1")], {3}),
    ],
)
def test_361_police_protection_spells(episodes, expected):
    assert flagged(2025, "361", {"episodes": episodes}) == {("episodes", line) for line in expected}


def test_363_assessment_order_days_add_up_across_a_spell():
    episodes = [
        ep("1", "01/06/2024", "05/06/2024", LS="L3"),
        ep("1", "05/06/2024", "09/06/2024", LS="L3"),  # 4 + 4 days in one spell
        ep("2", "01/06/2024", "05/06/2024", LS="L3"),
        ep("2", "10/06/2024", "14/06/2024", LS="L3"),  # two spells of 4 days
    ]
    assert flagged(2025, "363", {"episodes": episodes}) == {("episodes", 2), ("episodes", 3)}


def test_367_respite_days_within_the_year():
    episodes = [
        ep("1", "01/03/2024", "20/04/2024", LS="V3"),  # 19 days from 1 April
        ep("1", "01/05/2024", "30/06/2024", LS="V3"),  # 60 days: 79 in all
        ep("2", "10/04/2024", "24/06/2024", LS="V3"),  # exactly 75 days
    ]
    assert flagged(2025, "367", {"episodes": episodes}) == {("episodes", 2), ("episodes", 3)}


def test_370_age_on_the_start_of_an_open_independent_living_episode():
    header = [{"CHILD": "1", "DOB": "10/05/2008"}, {"CHILD": "2", "DOB": "10/05/2008"}]
    episodes = [ep("1", "09/05/2024", PLACE="P2"), ep("2", "10/05/2024", PLACE="P2")]
    assert flagged(2024, "370", {"header": header, "episodes": episodes}) == {("episodes", 2)}  # 16 tomorrow
    assert flagged(2025, "370", {"header": header, "episodes": episodes}) == set()  # rule withdrawn


def test_375_open_hospital_placement_counts_to_31_march():
    episodes = [ep("1", "15/02/2025", PLACE="T1"), ep("2", "20/02/2025", PLACE="T1")]
    assert flagged(2025, "375", {"episodes": episodes}) == {("episodes", 2)}  # 44 days; 39 days


def test_334_placement_decision_before_the_latest_period_of_care():
    episodes = [
        ep("1", "01/05/2020", "01/06/2020", RNE="S"),
        ep("1", "01/05/2024", RNE="S"),
        ep("2", "01/05/2024", RNE="S"),
    ]
    ad1 = [{"CHILD": "1", "DATE_INT": "01/01/2024"}, {"CHILD": "2", "DATE_INT": "01/05/2024"}]
    assert flagged(2025, "334", {"episodes": episodes, "ad1": ad1}) == {("episodes", 3), ("ad1", 2)}


def test_205c_date_uasc_ceased_for_a_child_not_identified_as_uasc():
    header = [{"CHILD": "1"}]
    uasc = [{"CHILD": "1", "DUC": "01/01/2027"}, {"CHILD": "2", "DUC": "01/01/2027"}, {"CHILD": "3"}, {"CHILD": "4"}]
    last = {
        "header": [{"CHILD": "4"}],
        "uasc": [{"CHILD": "3", "DUC": "01/01/2027"}, {"CHILD": "4", "DUC": "01/01/2027"}],
    }
    # 1 is UASC this year; 4 was UASC last year; 2 and 3 were neither but have a date UASC ceased
    assert flagged(2025, "205C", {"header": header, "uasc": uasc}, last) == {("uasc", 3), ("uasc", 4)}
