"""SSDA903 rules of part 5 (care leavers 1000-1016, 3001, NoE, INT, the social worker episodes SW*):
hand-worked cases for the rules whose logic is subtle (dates, ages, several tables, episode order).

Each case builds a tiny return from a few rows (only the columns the case needs; the rest blank)
and names exactly the rows a rule flags, as (table, child); the rows that must not be flagged are
the others in the same case.
"""

from __future__ import annotations

from helpers import dq_findings


def flagged(
    codes: str, year: int, this: dict[str, list[dict]], last: dict[str, list[dict]] | None = None
) -> dict[str, set[tuple[str, str, int]]] | set[tuple[str, str, int]]:
    """(table, child, line) of every row each rule of ``codes`` (space-separated) flags in a return made
    of ``this`` (and last year's ``last``); line 2 is a table's first row. One rule: its set alone."""
    found: dict[str, set] = {code: set() for code in codes.split()}
    for finding in dq_findings("ssda903", year, this, last, rules=set(found)):
        found[finding.rule].add((finding.table, finding.child, finding.line))
    return found if len(found) > 1 else found[codes]


def ep(child: str, decom: str, dec: str = "", rne: str = "S", rec: str = "", ls: str = "C2", **more: str) -> dict:
    return {"CHILD": child, "DECOM": decom, "DEC": dec, "RNE": rne, "REC": rec or ("" if not dec else "E4A"), "LS": ls,
            **more}  # fmt: skip


def sw(child: str, decom: str, dec: str = "", reason: str = "OTHERS") -> dict:
    return {"CHILD": child, "SW_ID": "SW01", "SW_DECOM": decom, "SW_DEC": dec, "SW_REASON": reason}


def oc3(child: str, dob: str, accom: str = "H1") -> dict:
    return {"CHILD": child, "DOB": dob, "IN_TOUCH": "YES", "ACTIV": "F2", "ACCOM": accom}


# 1001, collection year 2025 (31 March 2025). Every child born 1 June 2008: 14 on 1 June 2022, 16 on 1 June 2024.
def test_1001_care_leaver_must_have_been_looked_after_13_weeks_after_14_and_a_day_after_16():
    this = {
        "header": [{"CHILD": c, "DOB": "01/06/2008"} for c in "PQRS"],
        "oc3": [oc3(c, "01/06/2008") for c in "PQRS"],
        "episodes": [
            ep("P", "01/01/2024", "01/09/2024"),  # 244 days after 14, 92 after 16: a relevant child
            ep("Q", "01/07/2024", "01/09/2024"),  # 62 days after 14: not enough
            ep("R", "01/01/2024", "01/09/2024", rec="E11"),  # long enough, but adopted
            ep("S", "01/01/2024", "01/09/2024", ls="V3"),  # short breaks do not count
        ],
    }
    last = {"episodes": [ep("P", "01/01/2024"), ep("S", "01/01/2024", ls="V3")]}  # P's episode, open a year ago
    assert flagged("1001", 2025, this, last) == {("oc3", "Q", 3), ("oc3", "R", 4), ("oc3", "S", 5)}
    assert flagged("1001", 2025, this) == set()  # runs only with last year's episodes


# 1007 and 1016, collection year 2025. Born 15 June 2007: 17 on 15 June 2024, still 17 on 31 March 2025.
def test_1007_care_leaver_information_for_a_17_year_old_looked_after_on_the_birthday():
    this = {
        "oc3": [oc3("A", "15/06/2007"), oc3("B", "15/06/2007"), oc3("C", "15/06/2007"), oc3("D", "15/06/2008")]
        + [{"CHILD": "E", "DOB": "15/06/2007"}],
        "episodes": [
            ep("A", "01/01/2024", "01/08/2024"),  # in care across the 17th birthday
            ep("B", "01/05/2024"),  # still looked after: no date ceased
            ep("C", "01/01/2024", "01/06/2024"),  # left before the birthday
            ep("D", "01/01/2024"),  # only 16
            ep("E", "01/01/2024", "01/08/2024"),  # no care leaver information given
        ],
    }
    assert flagged("1007", 2025, this) == {("oc3", "A", 2), ("oc3", "B", 3)}


def test_1016_care_leaver_information_for_one_who_left_care_after_the_birthday():
    this = {
        "oc3": [oc3("A", "15/06/2007"), oc3("B", "15/06/2007"), oc3("C", "10/01/2007"), oc3("D", "10/01/2007")],
        "episodes": [
            ep("A", "01/01/2024", "01/08/2024"),  # 17 on 31 March, left after the 17th birthday
            ep("B", "01/01/2024", "01/06/2024"),  # left before it
            ep("C", "01/01/2024", "01/12/2024"),  # 18 on 31 March (10 January 2025): left before the 18th
            ep("D", "01/01/2024", "10/01/2025"),  # left on the 18th birthday
        ],
    }
    assert flagged("1016", 2025, this) == {("oc3", "A", 2), ("oc3", "D", 5)}


def test_3001_former_foster_carers_around_the_17th_birthday():
    this = {
        "header": [{"CHILD": "A", "DOB": "01/02/2008"}, {"CHILD": "B", "DOB": "01/02/2007"}]
        + [{"CHILD": "C", "DOB": "01/02/2008"}],
        "oc3": [oc3("A", "01/02/2008", "Z1"), oc3("B", "01/02/2007", "Z2"), oc3("C", "01/02/2008", "H1")],
    }
    assert flagged("3001", 2025, this) == {("oc3", "A", 2)}  # B turned 17 before 1 April 2024


def test_1003_placed_for_adoption_before_the_first_period_of_care_began():
    this = {
        "episodes": [ep("A", "01/05/2020", "01/06/2021"), ep("A", "01/01/2022"), ep("B", "01/05/2020")]
        + [ep("B", "01/01/2022")],
        "placed_for_adoption": [{"CHILD": "A", "DATE_PLACED": "01/03/2020"}]
        + [{"CHILD": "B", "DATE_PLACED": "01/06/2020"}],  # B: after the first S episode, before the second
    }
    assert flagged("1003", 2022, this) == {("episodes", "A", 2), ("placed_for_adoption", "A", 2)}


def test_1014_uasc_information_for_a_care_leaver():
    this = {
        "episodes": [ep("U", "01/01/2022", "01/01/2023"), ep("V", "01/01/2022"), ep("W", "01/01/2022", "01/01/2023")],
        "uasc": [{"CHILD": c, "DUC": "01/01/2026"} for c in "UVW"],
        "oc3": [oc3("U", "01/01/2006"), oc3("V", "01/01/2006"), {"CHILD": "W", "DOB": "01/01/2006"}],
    }
    # V is looked after in the year; W gave no care leaver information
    assert flagged("1014", 2025, this) == {("uasc", "U", 2), ("oc3", "U", 2)}


def test_noe_started_before_the_year_but_not_in_last_years_episodes():
    this = {"episodes": [ep("A", "01/01/2024"), ep("B", "01/01/2024"), ep("C", "01/05/2024")]}
    assert flagged("NoE", 2025, this, {"episodes": [ep("B", "01/01/2024")]}) == {("episodes", "A", 2)}
    assert flagged("NoE", 2025, this) == set()  # skipped without last year's return


def test_1012_other_tables_for_a_child_with_no_episodes_this_year():
    this = {"episodes": [ep("A", "01/01/2024")], "reviews": [{"CHILD": "A"}, {"CHILD": "B"}]}
    assert flagged("1012", 2025, this) == {("reviews", "B", 3)}  # runs though AD1 and the rest were not given


def test_1015_own_provision_with_no_placement_postcode():
    episodes = [
        ep("A", "01/01/2025", PLACE="R1", PLACE_PROVIDER="PR1"),  # no postcode: no LA to be the own
        ep("B", "01/01/2025", PLACE="R1", PLACE_PROVIDER="PR1", PL_POST="QX1 1AA"),
        ep("C", "01/01/2025", PLACE="K3", PLACE_PROVIDER="PR1"),  # K3 is left out from 2026
        ep("D", "01/01/2025", PLACE="U1", PLACE_PROVIDER="PR1"),  # fostering
        ep("E", "01/01/2025", PLACE="R1", PLACE_PROVIDER="PR1", ls="V3"),  # short breaks
    ]
    assert flagged("1015", 2026, {"episodes": episodes}) == {("episodes", "A", 2)}
    assert flagged("1015", 2025, {"episodes": episodes}) == {("episodes", "A", 2), ("episodes", "C", 4)}


def test_int01_int11_a_child_in_ad1_missing_from_or_differing_from_the_header():
    this = {
        "header": [{"CHILD": "A", "DOB": "02/01/2015"}, {"CHILD": "B", "DOB": "01/01/2015"}],
        "ad1": [{"CHILD": "A", "DOB": "01/01/2015"}, {"CHILD": "B", "DOB": "01/01/2015"}]
        + [{"CHILD": "C", "DOB": "01/01/2015"}],
    }
    assert flagged("INT01 INT11", 2025, this) == {"INT01": {("ad1", "C", 4)}, "INT11": {("ad1", "A", 2)}}


# The social worker episodes.
def test_sw10_next_episode_must_start_within_7_days_of_the_previous_end():
    on = {
        "sw_episodes": [
            sw("A", "01/05/2024", "01/08/2024", "FCONTA"),
            sw("A", "05/08/2024", "01/09/2024"),  # 4 days after: fine
            sw("A", "20/09/2024", "01/11/2024"),  # 19 days after
            sw("A", "01/12/2024", "", "FCONTA"),  # 30 days after, but a first contact
            sw("B", "01/05/2025", "01/08/2025", "FCONTA"),
            sw("B", "01/07/2025", "", "FCONTA"),  # a first contact a month before the previous one ended
        ]
    }
    a3, a4, b2 = ("sw_episodes", "A", 4), ("sw_episodes", "A", 5), ("sw_episodes", "B", 7)
    assert flagged("SW10STG2", 2024, on) == {a3, a4, b2}
    # from 2025 a first contact is not checked by SW10; from 2026 SW10b checks it against the previous end
    assert flagged("SW10STG2 SW10aSTG2", 2025, on) == {"SW10STG2": {a3}, "SW10aSTG2": set()}
    assert flagged("SW10aSTG2 SW10bSTG2", 2026, on) == {"SW10aSTG2": {a3}, "SW10bSTG2": {b2}}


def test_sw11b_episode_ended_in_the_last_five_days_of_the_year():
    on = {
        "sw_episodes": [
            sw("A", "01/01/2025", "28/03/2025"),  # the only episode, ended on 28 March
            sw("B", "01/01/2025", "28/03/2025"),
            sw("B", "", ""),  # follows one that ended late, with no start date
            sw("C", "01/01/2025", "01/03/2025"),
            sw("C", "01/03/2025", "29/03/2025"),  # a later episode ended late
            sw("D", "01/01/2025", "01/03/2025"),  # ended earlier in March
            sw("E", "01/01/2025"),  # still open
        ]
    }
    expected = {("sw_episodes", "A", 2), ("sw_episodes", "B", 4), ("sw_episodes", "C", 6)}
    assert flagged("SW11bSTG2", 2025, on) == expected


def test_sw12_social_worker_episodes_over_the_period_of_care():
    this = {
        "episodes": [
            ep("A", "01/06/2024"),  # a social worker from the day care began
            ep("B", "01/06/2024"),  # no social worker episode at all
            ep("C", "01/06/2024"),  # one from before care, within the period to 31 March
            ep("D", "01/06/2024", "01/09/2024", rne="P", rec="X1"),  # neither starts nor ends care: not checked
            ep("E", "01/06/2024", "01/09/2024", rec="X1"),  # starts care; its worker began before it
        ],
        "sw_episodes": [sw("A", "01/06/2024"), sw("C", "01/05/2024"), sw("E", "01/05/2024")],
    }
    assert flagged("SW12STG2", 2025, this) == {("episodes", "B", 3), ("episodes", "E", 6)}


def test_sw08_an_earlier_episode_left_open_and_sw07_its_end_within_the_reporting_period():
    on = {
        "sw_episodes": [
            sw("A", "01/05/2024"),  # left open when the next began
            sw("A", "01/07/2024"),
            sw("B", "01/05/2024"),
            sw("C", "01/01/2023", "01/05/2023"),  # ended within the two-year period of 2025
            sw("D", "01/01/2022", "15/03/2023"),  # ended before 1 April 2023
        ]
    }
    assert flagged("SW08STG2 SW07STG2", 2025, on) == {
        "SW08STG2": {("sw_episodes", "A", 2)},
        "SW07STG2": {("sw_episodes", "D", 6)},
    }


def test_708_709_710_deprivation_of_liberty_orders_from_2027():
    def dolo(child: str, start: str, end: str = "", dob: str = "01/01/2012") -> dict:
        return {"CHILD": child, "DOB": dob, "DOLO_START": start, "DOLO_END": end}

    this = {
        "dolo": [
            dolo("A", "01/06/2026", "01/09/2026"),
            dolo("B", "01/06/2026", "01/09/2026"),
            dolo("C", "01/06/2026"),  # not ended: neither placement rule checks it
            dolo("D", "01/06/2026", "01/07/2026", dob="01/06/2026"),  # began on the day of birth
        ],
        "episodes": [
            ep("A", "01/05/2026", PLACE="K1"),  # a secure children's home during the order
            ep("B", "01/05/2026", PLACE="K2"),
            ep("C", "01/05/2026", PLACE="K1"),
            ep("D", "01/08/2026", PLACE="P1"),  # placed with parents only after the order ended
        ],
    }
    assert flagged("708 709 710", 2027, this) == {
        "708": {("dolo", "D", 5)},
        "709": {("dolo", "A", 2), ("episodes", "A", 2)},
        "710": {("dolo", "A", 2), ("episodes", "A", 2)},
    }
