"""SSDA903 rules 527 to 707 (part 4): hand-worked cases for the rules whose logic is subtle.

Each case builds a tiny return, runs one rule and checks exactly which rows it flags (table and line),
with a near miss beside each failing record that must not be flagged.
"""

from __future__ import annotations

from helpers import dq_findings


def flagged(code: str, year: int, tables: dict[str, list[dict]], last: dict[str, list[dict]] | None = None) -> set:
    """(table, line) of each row rule ``code`` flags in a return of ``year`` holding ``tables``."""
    return {(finding.table, finding.line) for finding in dq_findings("ssda903", year, tables, last, rules={code})}


def episode(child: str, start: str, end: str | None = None, **more: str) -> dict:
    return {"CHILD": child, "DECOM": start, "DEC": end, "RNE": "P", "LS": "C2", "REC": "X1" if end else None} | more


def test_543_conviction_needed_only_when_ten_or_over_and_looked_after_all_year():
    episodes = [
        episode("A", "01/06/2020"),  # in care all year
        episode("B", "01/06/2020", "10/06/2024", REC="E13"),  # left care in June: not continuously looked after
        episode("C", "01/06/2020"),  # in care all year but aged 9
    ]
    oc2 = [
        {"CHILD": "A", "DOB": "31/03/2015"},  # 10 on 31 March 2025
        {"CHILD": "B", "DOB": "01/01/2010"},
        {"CHILD": "C", "DOB": "01/04/2015"},  # 10 on 1 April 2025, a day too late
    ]
    assert flagged("543", 2025, {"episodes": episodes, "oc2": oc2}) == {("oc2", 2)}


def test_552_first_adoption_placement_against_the_latest_decision():
    episodes = [
        episode("A", "01/05/2024", PLACE="A3"),  # placed 1 May, decided 2 May: too late
        episode("B", "01/05/2024", "01/08/2024", PLACE="A4"),
        episode("B", "01/08/2024", PLACE="A5"),  # first placement 1 May, decided 1 May: fine
    ]
    decisions = [
        {"CHILD": "A", "DATE_PLACED": "01/01/2024"},
        {"CHILD": "A", "DATE_PLACED": "02/05/2024"},
        {"CHILD": "B", "DATE_PLACED": "01/05/2024"},
    ]
    hits = flagged("552", 2025, {"episodes": episodes, "placed_for_adoption": decisions})
    assert hits == {("episodes", 2), ("placed_for_adoption", 3)}


def test_562_carried_episode_must_be_last_years_latest():
    episodes = [episode("A", "01/02/2024"), episode("B", "01/02/2024"), episode("B", "01/05/2024")]
    last = [episode("A", "01/01/2023", "01/02/2024"), episode("A", "01/02/2024"), episode("B", "01/03/2024")]
    hits = flagged("562", 2025, {"episodes": episodes}, {"episodes": last})
    assert hits == {("episodes", 3)}  # B's 1 February episode is not in last year's return


def test_574_missing_periods_in_order_of_their_end():
    missing = [
        {"CHILD": "A", "MIS_START": "01/05/2024", "MIS_END": "10/05/2024"},
        {"CHILD": "A", "MIS_START": "05/05/2024", "MIS_END": "20/05/2024"},  # starts before the first ends
        {"CHILD": "B", "MIS_START": "01/06/2024", "MIS_END": None},  # open ...
        {"CHILD": "B", "MIS_START": "02/06/2024", "MIS_END": "03/06/2024"},  # ... ordered after by its end
        {"CHILD": "C", "MIS_START": "01/06/2024", "MIS_END": "02/06/2024"},
        {"CHILD": "C", "MIS_START": "02/06/2024", "MIS_END": "03/06/2024"},  # starts the day the last ended
    ]
    assert flagged("574", 2025, {"missing": missing}) == {("missing", 3), ("missing", 5)}


def test_577_missing_period_open_after_care_ended():
    episodes = [
        episode("A", "01/01/2024", "10/01/2025", REC="E13"),
        episode("B", "01/01/2024", "01/03/2024", REC="E13"),  # two periods of care
        episode("B", "01/06/2024"),
        episode("C", "01/01/2024"),  # still looked after
    ]
    missing = [
        {"CHILD": "A", "MIS_START": "05/01/2025", "MIS_END": None},  # open, but A left care on 10 January
        {"CHILD": "B", "MIS_START": "01/02/2025", "MIS_END": "03/02/2025"},  # ends within B's second period
        {"CHILD": "C", "MIS_START": "01/02/2025", "MIS_END": None},  # open, C still in care
    ]
    assert flagged("577", 2025, {"episodes": episodes, "missing": missing}) == {("missing", 2)}


def test_580_missing_on_the_18th_birthday_when_care_ends():
    episodes = [
        episode("A", "01/01/2025", "28/02/2026", REC="E4A"),  # born 29 February: 18 on 28 February 2026
        episode("B", "01/01/2025", "28/02/2026", REC="E8"),  # ceased as missing, as it should
        episode("C", "01/01/2025", "28/02/2026", REC="E4A"),
    ]
    missing = [
        {"CHILD": "A", "DOB": "29/02/2008", "MIS_START": "20/02/2026", "MIS_END": "28/02/2026"},
        {"CHILD": "B", "DOB": "29/02/2008", "MIS_START": "20/02/2026", "MIS_END": "28/02/2026"},
        {"CHILD": "C", "DOB": "29/02/2008", "MIS_START": "20/02/2026", "MIS_END": "27/02/2026"},  # back before
    ]
    assert flagged("580", 2026, {"episodes": episodes, "missing": missing}) == {("episodes", 2)}


def test_583_only_the_latest_decision_may_be_open():
    decisions = [
        {"CHILD": "A", "DATE_PLACED": "01/12/2023"},  # later by date than the next, though earlier by text
        {"CHILD": "A", "DATE_PLACED": "02/01/2024"},
        {"CHILD": "B", "DATE_PLACED": "01/01/2023", "DATE_PLACED_CEASED": "01/06/2023"},
        {"CHILD": "B", "DATE_PLACED": "01/07/2023"},
    ]
    assert flagged("583", 2024, {"placed_for_adoption": decisions}) == {("placed_for_adoption", 2)}


def test_607_girls_code_changes_in_2025():
    header = [{"CHILD": "A", "SEX": "2"}, {"CHILD": "B", "SEX": "F"}]  # a girl by the old code, by the new

    def ceased(day: str) -> list[dict]:
        return [episode(child, "01/01/2023", day, REC="E13") for child in ("A", "B")]

    assert flagged("607", 2024, {"episodes": ceased("01/06/2023"), "header": header}) == {
        ("episodes", 2),
        ("header", 2),
    }
    assert flagged("607", 2025, {"episodes": ceased("01/06/2024"), "header": header}) == {
        ("episodes", 3),
        ("header", 3),
    }
    assert (
        flagged("607", 2025, {"episodes": ceased("01/06/2024"), "header": [h | {"MOTHER": "0"} for h in header]})
        == set()
    )


def test_632_partial_order_date_read_as_its_latest_day():
    episodes = [episode("A", "31/05/2024"), episode("B", "01/06/2024"), episode("C", "01/06/2024")]
    permanence = [
        {"CHILD": "A", "PREV_PERM": "P1", "DATE_PERM": "ZZ/05/2024"},  # 31 May: not before care began
        {"CHILD": "B", "PREV_PERM": "P1", "DATE_PERM": "ZZ/05/2024"},
        {"CHILD": "C", "PREV_PERM": "P1", "DATE_PERM": "31/13/2023"},  # not a date
    ]
    hits = flagged("632", 2025, {"episodes": episodes, "previous_permanence": permanence})
    assert hits == {("episodes", 2), ("previous_permanence", 2), ("episodes", 4), ("previous_permanence", 4)}


def test_706_open_dolo_last_year_carried_into_this_year():
    this_year = [{"CHILD": "A", "DOLO_START": "01/02/2026"}, {"CHILD": "B", "DOLO_START": "02/02/2026"}]
    last_year = [
        {"CHILD": "A", "DOLO_START": "01/02/2026"},
        {"CHILD": "B", "DOLO_START": "01/02/2026"},  # not the start B has this year
        {"CHILD": "C", "DOLO_START": "01/01/2026", "DOLO_END": "01/03/2026"},  # ended: nothing to carry
    ]
    assert flagged("706", 2027, {"dolo": this_year}, {"dolo": last_year}) == {("dolo_last", 3)}
    assert flagged("706", 2026, {"dolo": this_year}, {"dolo": last_year}) == set()  # no DoLOs before 2027
