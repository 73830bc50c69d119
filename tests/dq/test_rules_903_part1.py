"""SSDA903 rules 101-205B (part 1): hand-worked cases for the rules whose logic is subtle.

Each case builds a tiny return and names the exact rows a rule must flag, and rows it must not.
A row is named by (file, line): each table is given as its CSV lines (header implied), line 2 being
the first.
"""

from __future__ import annotations

from childhub.dq.tables import SSDA903
from helpers import dq_findings


def _rows(table: str, text: str) -> list[dict[str, str]]:
    """Rows written as the CSV lines of a table (its header implied): ``"A1,01/01/2020,..."``."""
    columns = SSDA903[table]
    rows = []
    for line in text.strip().splitlines():
        values = [v.strip() for v in line.split(",")]
        assert len(values) == len(columns), f"{table}: {line!r} has {len(values)} values"
        rows.append(dict(zip(columns, values, strict=True)))
    return rows


def flagged(
    codes: str, year: int, this: dict[str, str], last: dict[str, str] | None = None
) -> dict[str, set[tuple[str, int]]]:
    """The rows each rule of ``codes`` (space-separated) flags in one return."""
    tables = {table: _rows(table, text) for table, text in this.items()}
    before = {table: _rows(table, text) for table, text in (last or {}).items()}
    found: dict[str, set[tuple[str, int]]] = {code: set() for code in codes.split()}
    for finding in dq_findings("ssda903", year, tables, before, rules=set(found)):
        found[finding.rule].add((finding.origin, finding.line))
    return found


# Episodes columns: CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
# OC2 columns: CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,
#              SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED

# Collection year 2024: 1 April 2023 to 31 March 2024.
CARE_2024 = """
A,01/01/2020,S,C2,N1,U1,PR1,,,,,,
B,01/05/2023,S,C2,N1,U1,PR1,,,,,,
C,01/01/2020,S,C2,N1,U1,PR1,01/06/2023,X1,CARPL,,,
C,01/06/2023,P,C2,N1,U3,PR1,,,,,,
D,01/01/2020,S,C2,N1,U1,PR1,,,,,,
D,01/07/2023,S,V3,N1,U1,PR1,03/07/2023,E13,,,,
F,01/01/2019,S,C2,N1,U1,PR1,01/02/2021,X1,CARPL,,,
F,01/02/2021,P,C2,N1,U1,PR1,,,,,,
"""


def test_looked_after_continuously_decides_the_sdq_rules():
    # A and C (a change of placement, X1, does not break care) and F were looked after all year;
    # B came into care in May (S) and D had a short break (V3) during the year, so they were not.
    oc2 = """
A,01/06/2015,,,,,,1,1,1,,
B,01/06/2015,12,,,,,,,,,
C,01/06/2015,10,,,,1,1,1,0,,
D,01/06/2015,9,,,,,,,,,
"""
    tables = {"episodes": CARE_2024, "oc2": oc2}
    assert flagged("185 186 191", 2024, tables) == {
        "185": {("oc2.csv", 3), ("oc2.csv", 5)},  # a score for B and D
        "186": {("oc2.csv", 2)},  # A, 8 on 1 April, has no score or reason
        # A's immunisations are blank; F has no OC2 row at all, so F's first episode is pointed at.
        "191": {("oc2.csv", 2), ("episodes.csv", 8)},
    }


def test_sdq_due_at_4_or_17():
    # A turns 4 on 15 September 2023 and C turns 17 on 1 March 2024 (both in the year, both looked
    # after all year, neither with score nor reason); F turns 5 in the year, so 197B does not ask.
    oc2 = """
A,15/09/2019,,,,,1,1,1,0,,
C,01/03/2007,,,,,1,1,1,0,,
F,15/09/2018,,,,,1,1,1,0,,
B,15/09/2019,,,,,,,,,,
"""
    assert flagged("197B", 2024, {"episodes": CARE_2024, "oc2": oc2})["197B"] == {("oc2.csv", 2), ("oc2.csv", 3)}


def test_placed_for_adoption_decisions_after_care_ended_or_the_year():
    episodes = """
A,01/01/2022,S,C2,N1,U1,PR1,01/06/2023,X1,CARPL,,,
A,01/06/2023,P,E1,N1,A3,PR1,01/02/2024,E11,,,,
B,01/01/2022,S,C2,N1,U1,PR1,,,,,,
C,01/01/2022,S,C2,N1,U1,PR1,,,,,,
"""
    placed = """
A,01/01/2021,15/02/2024,,
B,01/01/2021,01/04/2024,,
C,01/01/2021,01/01/2024,,
"""
    # A's decision came after A's latest episode ended (1 February); B's after 31 March; C's is fine.
    found = flagged("117", 2024, {"episodes": episodes, "placed_for_adoption": placed})["117"]
    assert found == {
        ("episodes.csv", 3),
        ("placed_for_adoption.csv", 2),
        ("episodes.csv", 4),
        ("placed_for_adoption.csv", 3),
    }


def test_decision_no_longer_to_place_before_care_began_or_the_year():
    episodes = """
A,01/01/2023,S,V3,N1,U1,PR1,02/01/2023,E13,,,,
A,01/05/2023,S,C2,N1,U1,PR1,,,,,,
B,01/01/2022,S,C2,N1,U1,PR1,,,,,,
C,01/01/2022,S,C2,N1,U1,PR1,,,,,,
"""
    placed = """
A,01/01/2021,01/04/2023,15/04/2023,RD1
B,01/01/2021,01/01/2023,01/03/2023,RD1
C,01/01/2021,01/01/2023,01/06/2023,RD1
"""
    # A's decision (15 April) predates A's first episode not a short break (1 May); B's predates
    # the year; C's is after both.
    found = flagged("118", 2024, {"episodes": episodes, "placed_for_adoption": placed})["118"]
    assert found == {
        ("episodes.csv", 3),
        ("placed_for_adoption.csv", 2),
        ("episodes.csv", 4),
        ("placed_for_adoption.csv", 3),
    }


def test_an_episode_before_the_latest_must_have_ended():
    episodes = """
A,01/01/2023,S,C2,N1,U1,PR1,,,,,,
A,01/06/2023,P,C2,N1,U1,PR1,01/09/2023,X1,CARPL,,,
A,01/09/2023,P,C2,N1,U3,PR1,,,,,,
B,31/02/2023,S,C2,N1,U1,PR1,01/06/2023,X1,CARPL,,,
B,01/06/2023,P,C2,N1,U1,PR1,,,,,,
"""
    # A's first episode has no end; B's open episode is the latest with a valid start date.
    assert flagged("142", 2024, {"episodes": episodes})["142"] == {("episodes.csv", 2)}


def test_mother_status_with_sex_coded_m_and_f():
    episodes = """
A,01/01/2024,S,C2,N1,U1,PR1,,,,,,
B,01/01/2024,S,C2,N1,U1,PR1,,,,,,
C,01/01/2024,S,C2,N1,U1,PR1,,,,,,
D,01/01/2024,S,C2,N1,U1,PR1,,,,,,
E,01/07/2024,S,V3,N1,U1,PR1,03/07/2024,E13,,,,
"""
    header = """
A,F,01/01/2007,WBRI,UN1,,
B,M,01/01/2007,WBRI,UN1,0,
C,F,01/01/2007,WBRI,UN1,1,01/12/2024
D,F,01/01/2007,WBRI,UN1,X,
E,F,01/01/2007,WBRI,UN1,,
"""
    # A: a girl looked after with no mother status; B: a boy with one; D: not 0 or 1.
    # E had only a short break, so the rule does not look at her.
    found = flagged("165", 2025, {"episodes": episodes, "header": header, "oc3": ""})["165"]
    assert found == {("header.csv", 2), ("header.csv", 3), ("header.csv", 5)}


def test_looked_after_again_after_adoption_across_two_years():
    last = {"episodes": "A,01/01/2022,S,E1,N1,A3,PR1,01/03/2023,E11,,,,"}
    episodes = """
A,01/06/2023,S,C2,N1,U1,PR1,,,,,,
B,01/01/2023,S,E1,N1,A3,PR1,01/05/2023,E11,,,,
B,01/09/2023,S,C2,N1,U1,PR1,,,,,,
C,01/01/2023,S,C2,N1,U1,PR1,,,,,,
"""
    # A was adopted last year; B this year (that episode is fine, the one after is not).
    assert flagged("199", 2024, {"episodes": episodes}, last)["199"] == {("episodes.csv", 2), ("episodes.csv", 4)}
    # Without last year's return only B's later episode is seen.
    assert flagged("199", 2024, {"episodes": episodes})["199"] == {("episodes.csv", 4)}


def test_uasc_in_both_years_ceases_at_18():
    last = {"uasc": "A,M,01/05/2007,01/05/2025\nB,M,01/05/2008,01/06/2026\nC,M,01/05/2008,01/05/2026"}
    this = {"uasc": "A,M,01/05/2007,01/05/2025\nB,M,01/05/2008,01/06/2026\nC,M,01/05/2008,01/05/2026"}
    # A ceased on his 18th birthday, within this year. B's date last year was not his 18th
    # birthday. C's is, and this year's date is last year's.
    assert flagged("205B", 2026, this, last)["205B"] == {("uasc.csv", 3)}


def test_header_against_last_year():
    last = {"header": "A,1,01/01/2010,WBRI,UN1,,\nB,1,01/01/2010,wbri,UN1,,"}
    this = {"header": "A,1,02/01/2010,WBRI,UN1,,\nB,1,01/01/2010,WBRI,UN1,,\nC,2,01/01/2010,WBRI,UN1,,"}
    # A's date of birth moved a day; B's ethnic code differs only in case; C is new this year.
    assert flagged("203 204", 2024, this, last) == {"203": {("header.csv", 2)}, "204": set()}


def test_codes_change_between_years():
    episodes = {
        "episodes": """
A,01/01/2023,S,C2,N1,K3,PR1,,,,,,
B,01/01/2023,S,C2,N1,T4,PR1,,,,,,
C,01/01/2023,S,C2,N1,Z1,,,,,,,
"""
    }
    # K3 is new in 2024-25; T4 had no provider until 2025-26; then Z1 became Z11 to Z14.
    assert flagged("146 178", 2024, episodes) == {"146": {("episodes.csv", 2)}, "178": {("episodes.csv", 3)}}
    assert flagged("146 178", 2025, episodes) == {"146": set(), "178": {("episodes.csv", 3)}}
    assert flagged("146 178", 2026, episodes) == {"146": {("episodes.csv", 4)}, "178": set()}


def test_sdq_score_and_placement_postcode():
    oc2 = """
A,01/01/2015,41,,,,,,,,,
B,01/01/2015,3.5,,,,,,,,,
C,01/01/2015,x,,,,,,,,,
D,01/01/2015,40,,,,,,,,,
E,01/01/2015,0,,,,,,,,,
"""
    assert flagged("180", 2024, {"oc2": oc2})["180"] == {("oc2.csv", 2), ("oc2.csv", 3), ("oc2.csv", 4)}
    episodes = """
A,01/01/2023,S,V3,N1,U1,PR1,,,,,,
B,01/01/2023,S,C2,N1,U1,PR1,,,,,,
C,01/01/2023,S,C2,N1,U1,PR1,,,,,NOT A PC,
D,01/01/2023,S,C2,N1,U1,PR1,,,,,QX6 8RW,
"""
    assert flagged("169", 2024, {"episodes": episodes})["169"] == {("episodes.csv", 3), ("episodes.csv", 4)}
