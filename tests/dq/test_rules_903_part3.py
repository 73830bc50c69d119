"""SSDA903 rules 380-526 (part 3): hand-worked cases for the rules whose logic is subtle.

Each case is a tiny return, written as the CSV lines of its tables (the header implied, line 2
the first row), and names the exact rows a rule flags: (file, line). Every case also holds rows
the rule must leave alone.
"""

from __future__ import annotations

from childhub.dq.tables import SSDA903
from helpers import dq_findings


def _table(name: str, lines: str) -> list[dict[str, str]]:
    columns = SSDA903[name]
    rows = []
    for line in lines.strip().splitlines():
        values = [value.strip() for value in line.split(",")]
        rows.append(dict(zip(columns, values, strict=True)))  # a row with too few or too many values fails
    return rows


def flagged(
    year: int, this: dict[str, str], last: dict[str, str] | None = None, *, rules: tuple[str, ...]
) -> dict[str, set[tuple[str, int]]]:
    """Rule -> the (file, line) rows it flags in this year's tables (and last year's, ``*_last.csv``)."""
    tables = {name: _table(name, lines) for name, lines in this.items()}
    before = {name: _table(name, lines) for name, lines in (last or {}).items()}
    found: dict[str, set[tuple[str, int]]] = {code: set() for code in rules}
    for finding in dq_findings("ssda903", year, tables, before, rules=set(rules)):
        found[finding.rule].add((finding.origin, finding.line))
    return found


# episodes: CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
# header: CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB


def test_a_temporary_placement_returns_to_the_placement_before_it():
    # A: U1, a week in T1, back to U1 (P): right. B: back to U3, not U1. C: back by a change of legal status (L).
    # D's temporary placement is its first episode, so there is nothing to return to.
    episodes = """
A,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
A,01/06/2024,P,C2,N1,T1,PR1,08/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
A,08/06/2024,P,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
B,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
B,01/06/2024,P,C2,N1,T1,PR1,08/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
B,08/06/2024,P,C2,N1,U3,PR1,,,,AB1 2CD,EF3 4GH,
C,08/06/2024,L,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
C,01/06/2024,P,C2,N1,T1,PR1,08/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
C,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
D,01/06/2024,S,C2,N1,T1,PR1,08/06/2024,X1,CARPL,AB1 2CD,EF3 4GH,
D,08/06/2024,P,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
"""
    assert flagged(2025, {"episodes": episodes}, rules=("383",))["383"] == {("episodes.csv", 7), ("episodes.csv", 8)}
    # From 2026 the placement postcode must be the one before the temporary placement too: A returns elsewhere.
    moved = episodes.replace(
        "A,08/06/2024,P,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,", "A,08/06/2024,P,C2,N1,U1,PR1,,,,AB1 2CD,XY9 9ZZ,"
    )
    assert flagged(2025, {"episodes": moved}, rules=("383",))["383"] == {("episodes.csv", 7), ("episodes.csv", 8)}
    assert flagged(2026, {"episodes": moved}, rules=("383",))["383"] == {
        ("episodes.csv", 4),
        ("episodes.csv", 7),
        ("episodes.csv", 8),
    }


def test_a_continuation_episode_starts_the_day_the_last_one_ceased():
    # A: X1 then a new episode the same day: right. B: X1 but the next starts a day later. C: ceased E13
    # (left care) yet an episode starts that day. D: its last episode ceased X1. E: still open, no reason.
    episodes = """
A,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,,,
A,01/06/2024,P,C2,N1,U3,PR1,,,,,,
B,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,,,
B,02/06/2024,P,C2,N1,U3,PR1,,,,,,
C,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,E13,,,,
C,01/06/2024,S,C2,N1,U3,PR1,,,,,,
D,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,CARPL,,,
E,01/05/2024,S,C2,N1,U1,PR1,,,,,,
"""
    found = flagged(2025, {"episodes": episodes}, rules=("388", "433", "431"))
    assert found["388"] == {("episodes.csv", 4), ("episodes.csv", 6), ("episodes.csv", 8)}
    # 433: a continuation (P) must start the day the one before ceased: B starts a day late.
    assert found["433"] == {("episodes.csv", 5)}
    # 431: a new period (S) may not start on or before the day the one before ceased: C starts that day.
    assert found["431"] == {("episodes.csv", 7)}


def test_the_age_when_an_episode_ceased():
    # Born 29 February 2008: 14 on 28 February 2022, as the peers count (the date 14 years on). B, born the
    # next day, is a day short of 14; C has no header row, so no known age.
    header = "A,1,29/02/2008,WBRI,,,\nB,1,01/03/2008,WBRI,,,"
    episodes = """
A,01/05/2021,S,C2,N1,U1,PR1,28/02/2022,E5,,,,
B,01/05/2021,S,C2,N1,U1,PR1,28/02/2022,E5,,,,
C,01/05/2021,S,C2,N1,U1,PR1,28/02/2022,E5,,,,
"""
    assert flagged(2022, {"header": header, "episodes": episodes}, rules=("387",))["387"] == {
        ("episodes.csv", 3),
        ("episodes.csv", 4),
    }
    # 460 (staying put at 18): ceasing the day before the 18th birthday is under 18; on it is not. 407 (SGO):
    # only ceasing after the 18th birthday is flagged, and the child's header row is pointed at too.
    header = "A,1,15/06/2006,WBRI,,,\nB,1,16/06/2006,WBRI,,,"
    episodes = """
A,01/05/2023,S,C2,N1,U1,PR1,15/06/2024,E17,,,,
B,01/05/2023,S,C2,N1,U1,PR1,15/06/2024,E17,,,,
C,01/05/2023,S,C2,N1,U1,PR1,16/06/2024,E45,,,,
D,01/05/2023,S,C2,N1,U1,PR1,15/06/2024,E45,,,,
"""
    header += "\nC,1,15/06/2006,WBRI,,,\nD,1,15/06/2006,WBRI,,,"
    found = flagged(2025, {"header": header, "episodes": episodes}, rules=("460", "407"))
    assert found == {"460": {("episodes.csv", 3)}, "407": {("episodes.csv", 4), ("header.csv", 4)}}


def test_review_participation_by_age_4():
    # reviews: CHILD,DOB,REVIEW,REVIEW_CODE
    reviews = """
A,10/05/2020,10/05/2024,PN0
B,10/05/2020,11/05/2024,PN0
C,10/05/2020,09/05/2024,PN1
D,10/05/2020,10/05/2024,PN1
"""
    found = flagged(2025, {"reviews": reviews}, rules=("440", "441"))
    assert found["440"] == {("reviews.csv", 3)}  # PN0 the day after turning 4
    assert found["441"] == {("reviews.csv", 4)}  # PN1 the day before


def test_placement_and_legal_status_changes_show_in_the_episodes():
    # L: the legal status changes, the placement stays. P: the placement changes, the legal status stays.
    # U: both change. A is right each time; B's L changes the provider, its P keeps every placement detail and
    # its U keeps the legal status.
    episodes = """
A,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,,AB1 2CD,EF3 4GH,1
A,01/06/2024,L,E1,N1,U1,PR1,01/07/2024,X1,,AB1 2CD,EF3 4GH,1
A,01/07/2024,P,E1,N1,U3,PR1,01/08/2024,X1,CARPL,AB1 2CD,EF3 4GH,1
A,01/08/2024,U,C2,N1,U1,PR1,,,CARPL,AB1 2CD,EF3 4GH,1
B,01/05/2024,S,C2,N1,U1,PR1,01/06/2024,X1,,AB1 2CD,EF3 4GH,
B,01/06/2024,L,E1,N1,U1,PR2,01/07/2024,X1,,AB1 2CD,EF3 4GH,
B,01/07/2024,P,E1,N1,U1,PR2,01/08/2024,X1,CARPL,AB1 2CD,EF3 4GH,
B,01/08/2024,U,E1,N1,U3,PR2,,,CARPL,AB1 2CD,EF3 4GH,
"""
    found = flagged(2025, {"episodes": episodes}, rules=("434", "435", "436"))
    assert found["434"] == {("episodes.csv", 7)}
    # B's P has no URN before or after: a blank is not the same placement detail, so only a change of
    # legal status would flag it, and there is none.
    assert found["435"] == set()
    assert found["436"] == {("episodes.csv", 9)}  # B's U keeps the legal status
    with_urn = episodes.replace(",EF3 4GH,\n", ",EF3 4GH,9\n")
    assert flagged(2025, {"episodes": with_urn}, rules=("435",))["435"] == {("episodes.csv", 8)}


def test_this_years_first_episode_continues_last_years_open_one():
    # Last year A's last episode (H5) was left open, B's ceased. This year A's first episode is K3.
    last = {
        "episodes": """
A,01/01/2022,S,C2,N1,U1,PR1,01/01/2023,X1,CARPL,,,
A,01/01/2023,P,C2,N1,H5,PR1,,,,,,
B,01/01/2023,S,C2,N1,H5,PR1,01/02/2024,E13,,,,
"""
    }
    this = {
        "episodes": """
A,01/03/2024,P,C2,N1,U3,PR1,,,,,,
A,01/01/2023,P,C2,N1,K3,PR1,01/03/2024,X1,CARPL,,,
B,01/03/2024,S,C2,N1,U3,PR1,,,,,,
"""
    }
    # K3 after H5 was accepted in 2024 and 2025 only (the placement types changed).
    assert flagged(2023, this, last, rules=("503D",))["503D"] == {("episodes.csv", 3)}
    found = flagged(2025, this, last, rules=("503D", "503B", "502"))
    assert found == {"503D": set(), "503B": set(), "502": set()}  # 502: A's first episode started that day
    moved = {"episodes": this["episodes"].replace("A,01/01/2023,P", "A,02/01/2023,P")}
    assert flagged(2025, moved, last, rules=("502",))["502"] == {("episodes.csv", 3)}
    assert flagged(2025, moved, rules=("502",))["502"] == set()  # without last year's return it does not run


def test_distance_from_the_postcodes_and_children_formerly_uasc():
    # uasc: CHILD,SEX,DOB,DUC. A is UASC this year, B was last year (not this), C never was.
    this = {
        "header": "A,1,01/01/2008,WBRI,,,\nB,1,01/01/2008,WBRI,,,\nC,1,01/01/2008,WBRI,,,",
        "uasc": "A,1,01/01/2008,01/01/2026",
        "episodes": """
A,01/05/2024,S,C2,N1,U1,PR1,,,,ab12cd,EF3 4GH,
B,01/05/2024,S,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
C,01/05/2024,S,C2,N1,U1,PR1,,,,AB1 2CD,,
C,01/06/2024,S,V3,N1,U1,PR1,,,,,,
C,01/07/2024,S,C2,N1,U1,PR1,,,,AB1 2CD,not known,
""",
    }
    last = {"header": "B,1,01/01/2008,WBRI,,,", "uasc": "B,1,01/01/2008,01/01/2026"}
    # 406: A and B (formerly UASC) have well-formed postcodes, so a distance (spaces and case do not matter).
    found = flagged(2025, this, last, rules=("406", "392a", "392b", "392c"))
    assert found["406"] == {("episodes.csv", 2), ("episodes.csv", 3)}
    # 392a: C has no distance (a missing or malformed postcode); its short break (V3) is left out.
    assert found["392a"] == {("episodes.csv", 4), ("episodes.csv", 6)}
    assert found["392b"] == {("episodes.csv", 4)}
    assert found["392c"] == {("episodes.csv", 6)}
    # Without last year's return the rules still run, and B is not known to have been UASC.
    assert flagged(2025, this, rules=("406",))["406"] == {("episodes.csv", 2)}


def test_a_short_break_only_child_has_no_mother_or_reviews():
    # A's episodes are all short breaks (V3, V4); B also had care under C2, so B may have a review.
    this = {
        "header": "A,2,01/01/2008,WBRI,,1,\nB,2,01/01/2008,WBRI,,1,",
        "episodes": """
A,01/05/2024,V,V3,N1,U1,PR1,02/05/2024,E13,,,,
A,01/06/2024,V,V4,N1,U1,PR1,02/06/2024,E13,,,,
B,01/05/2024,V,V3,N1,U1,PR1,02/05/2024,E13,,,,
B,01/06/2024,S,C2,N1,U1,PR1,,,,,,
""",
        "reviews": "A,01/01/2008,,\nB,01/01/2008,01/07/2024,PN1",
    }
    found = flagged(2025, this, rules=("399", "426"))
    assert found["399"] == {("episodes.csv", 2), ("episodes.csv", 3), ("header.csv", 2), ("reviews.csv", 2)}
    assert found["426"] == {("episodes.csv", 2), ("episodes.csv", 3)}  # A had both V3 and V4, B only V3


def test_duplicate_upns_from_2026():
    header = """
A,1,01/01/2010,WBRI,A123456789012,,
B,1,01/01/2010,WBRI,A123456789012,,
C,1,01/01/2010,WBRI,UN1,,
D,1,01/01/2010,WBRI,UN1,,
E,1,01/01/2010,WBRI,,,
F,1,01/01/2010,WBRI,,,
"""
    assert flagged(2026, {"header": header}, rules=("444",))["444"] == {("header.csv", 2), ("header.csv", 3)}
    assert flagged(2025, {"header": header}, rules=("444",))["444"] == set()  # a rule from 2026


def test_a_change_of_postcodes_across_the_years():
    # Last year each child's last episode was left open (A's ceased one is earlier). This year A keeps its
    # postcodes (written without the space), B's placement moved, C's home postcode is not a postcode.
    last = {
        "episodes": """
A,01/01/2023,S,C2,N1,U1,PR1,01/02/2023,X1,CARPL,AB1 2CD,EF3 4GH,
A,01/02/2023,P,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
B,01/02/2023,S,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
C,01/02/2023,S,C2,N1,U1,PR1,,,,AB1 2CD,EF3 4GH,
"""
    }
    this = {
        "episodes": """
A,01/02/2023,P,C2,N1,U1,PR1,,,,AB12CD,ef34gh,
B,01/02/2023,S,C2,N1,U1,PR1,,,,AB1 2CD,EF3 5GH,
C,01/02/2023,S,C2,N1,U1,PR1,,,,unknown,EF3 4GH,
"""
    }
    assert flagged(2025, this, last, rules=("503G", "453")) == {
        "503G": {("episodes.csv", 3)},
        "453": {("episodes.csv", 3)},
    }
    other_reason = {"episodes": this["episodes"].replace("B,01/02/2023,S", "B,01/02/2023,P")}
    assert flagged(2025, other_reason, last, rules=("453",))["453"] == set()  # only episodes with one reason


def test_adoption_decisions_against_the_placements():
    # ad1: CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR
    # placed_for_adoption: CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED
    this = {
        "episodes": """
A,01/06/2024,P,E1,N1,A5,PR1,,,,,,
B,01/06/2024,P,E1,N1,A5,PR1,,,,,,
""",
        "ad1": "A,01/01/2020,01/06/2024,,,,,\nB,01/01/2020,02/06/2024,,,,,",
        "placed_for_adoption": "A,01/01/2020,01/06/2024,,\nB,01/01/2020,01/06/2024,01/09/2024,E1",
    }
    # 521: B's decision came the day after the adoption placement started; both records are pointed at.
    found = flagged(2025, this, rules=("521", "523", "525"))
    assert found["521"] == {("episodes.csv", 3), ("ad1.csv", 3)}
    # 523: B's two decision dates differ. 525: B's decision was reversed, yet it has adoption details.
    assert found["523"] == {("ad1.csv", 3), ("placed_for_adoption.csv", 3)}
    assert found["525"] == {("ad1.csv", 3), ("placed_for_adoption.csv", 3)}
