"""SSDA903 episodes merged across returns (facts.episodes): starts only where the record shows one, a repaired
episode's reason ceased, and an older return's open episode not carried past a newer return that quarantines the
child's row. Each history is hand-worked from rows of the SSDA903 samples or a planted error."""

from __future__ import annotations

from datetime import date

from childhub.facts import prepare
from childhub.hub import ingest
from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store

AUTHORITY = AuthoritySettings(population_0_17=1000)
YEAR_2018 = date(2018, 3, 31)  # the samples' year: 1 April 2017 to 31 March 2018
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def _figure(calc, indicator_id: str, as_at: date) -> int:
    (result,) = calc.figures(as_at, ids=[indicator_id])
    return result.numerator


def _children(calc, indicator_id: str, as_at: date) -> list[tuple[str, date]]:
    return [(row["la_child_id"], row["event_date"]) for row in calc.children(indicator_id, as_at)]


def test_a_period_whose_first_episode_on_record_is_a_change_within_care_is_no_start(history):
    # Year 1 April 2017 to 31 March 2018.
    # A  first on record T on 01/04/2017 (sample 612585: care began before the return), ceased E3: no start
    # B  first on record L on 01/04/2017 (sample 891089), ceased 21/04/2017 E3: no start
    # C  S on 10/05/2017: a start
    # D  first on record an L short break (V3) on 01/06/2017, then L C2 on 01/07/2017: care began on short breaks,
    #    so it starts on the first episode that is not one, 01/07/2017
    # E  an episode a feed sent without RNE (an Annex A row) on 01/08/2017: a start
    # F  S on 01/09/2017 ceased E4A 01/10/2017, then after a gap P on 01/12/2017: one start (the S), the P
    #    after the gap continues care begun before it in the record's eyes
    for child in "ABCDEF":
        history.child(child, dob=date(2008, 1, 1))
    history.episode("A", date(2017, 4, 1), "T", "L2", ceased=date(2018, 1, 21), reason_ceased="E3")
    history.episode("B", date(2017, 4, 1), "L", "J1", ceased=date(2017, 4, 21), reason_ceased="E3")
    history.episode("C", date(2017, 5, 10), "S", "C2")
    history.episode("D", date(2017, 6, 1), "L", "V3", ceased=date(2017, 7, 1), reason_ceased="X1")
    history.episode("D", date(2017, 7, 1), "L", "C2")
    history.episode("E", date(2017, 8, 1), None, "C2")
    history.episode("F", date(2017, 9, 1), "S", "C2", ceased=date(2017, 10, 1), reason_ceased="E4A")
    history.episode("F", date(2017, 12, 1), "P", "C2")
    store = history.store()
    with calculator(store, AUTHORITY) as calc:
        assert _children(calc, "cla_starts", YEAR_2018) == [
            ("C", date(2017, 5, 10)),
            ("D", date(2017, 7, 1)),
            ("E", date(2017, 8, 1)),
            ("F", date(2017, 9, 1)),
        ]
    with store.reader() as conn:
        prepare(conn)
        on_record = conn.execute(
            "SELECT person_id, list(start_on_record ORDER BY period_number) FROM fact_cla_period GROUP BY person_id"
        ).fetchall()
    assert dict(on_record) == {
        "A": [False],
        "B": [False],
        "C": [True],
        "D": [True],
        "E": [True],
        "F": [True, False],
    }


def test_a_repaired_episode_keeps_its_reason_ceased_when_the_next_starts_a_new_period(history):
    # Year 1 April 2017 to 31 March 2018.
    # G  (sample 303999) P 05/03/2016 X1 to 12/02/2018; P 12/02/2018 ceased 08/03/2018 E41, overlapping
    #    S 03/03/2018: the P episode ends 03/03/2018 with E41 (a residence order), a ceasing, and a new period
    # H  (sample 413724) P 22/12/2017 left open, REC E3, then S 21/03/2018: ends 21/03/2018 E3, a ceasing
    # J  S 01/05/2017 X1 to 01/08/2017, P 01/08/2017 left open, no REC, then S 01/02/2018: the P episode ends
    #    01/02/2018, reason not given: a ceasing (reason unknown), not the X1 of the episode before it
    # K  (sample 487446) T 31/01/2018 ceased 26/02/2018 E16, overlapping L 22/02/2018: the next episode, the
    #    newer statement, says care went on (a legal status change only): X1, one period, no ceasing
    # L  S 01/06/2017 left open, then P 01/09/2017: X1, care went on, no ceasing
    for child in "GHJKL":
        history.child(child, dob=date(2008, 1, 1))
    history.episode("G", date(2016, 3, 5), "P", "C1", ceased=date(2018, 2, 12), reason_ceased="X1")
    history.episode("G", date(2018, 2, 12), "P", "C1", ceased=date(2018, 3, 8), reason_ceased="E41")
    history.episode("G", date(2018, 3, 3), "S", "L3")
    history.episode("H", date(2017, 12, 22), "P", "L2", reason_ceased="E3")
    history.episode("H", date(2018, 3, 21), "S", "J1")
    history.episode("J", date(2017, 5, 1), "S", "C2", ceased=date(2017, 8, 1), reason_ceased="X1")
    history.episode("J", date(2017, 8, 1), "P", "C2")
    history.episode("J", date(2018, 2, 1), "S", "C2")
    history.episode("K", date(2017, 1, 1), "S", "V2", ceased=date(2018, 1, 31), reason_ceased="X1")
    history.episode("K", date(2018, 1, 31), "T", "V2", ceased=date(2018, 2, 26), reason_ceased="E16")
    history.episode("K", date(2018, 2, 22), "L", "E1")
    history.episode("L", date(2017, 6, 1), "S", "C2")
    history.episode("L", date(2017, 9, 1), "P", "C2")
    with calculator(history.store(), AUTHORITY) as calc:
        assert sorted(_children(calc, "cla_ceased", YEAR_2018)) == [
            ("G", date(2018, 3, 3)),
            ("H", date(2018, 3, 21)),
            ("J", date(2018, 2, 1)),
        ]
        reasons = {
            row["reason_ceased"]: row["numerator"] for row in calc.breakdown("cla_ceased", YEAR_2018, "reason_ceased")
        }
        assert reasons == {"E41": 1, "E3": 1, "unknown": 1}
        repaired = calc.conn.execute(
            "SELECT person_id, ceased, reason_ceased, period_number FROM fact_cla_episode WHERE repair IS NOT NULL "
            "ORDER BY person_id"
        ).fetchall()
    assert repaired == [
        ("G", date(2018, 3, 3), "E41", 1),
        ("H", date(2018, 3, 21), "E3", 1),
        ("J", date(2018, 2, 1), None, 1),
        ("K", date(2018, 2, 22), "X1", 1),
        ("L", date(2017, 9, 1), "X1", 1),
    ]


def _return(folder, episodes: list[str], children: str) -> None:
    folder.mkdir(parents=True)
    (folder / "episodes.csv").write_text(EPISODES + "\n".join(episodes) + "\n")
    (folder / "header.csv").write_text(HEADER + "".join(f"{child},1,01/01/2012,WBRI,,,\n" for child in children))


def test_an_older_returns_open_episode_ends_as_the_newer_returns_quarantined_row_says(tmp_path):
    # The 2025 return (year to 31/03/2025) holds five open episodes. The 2026 return (year from 01/04/2025):
    # E  its row's DECOM is not a date (31/02/2024; the planted error of the small authority's 145623), its DEC
    #    08/05/2025 and REC E45 are: quarantined, the episode ends 08/05/2025 E45 as the row says
    # F  its row's DEC is before its DECOM (01/01/1990; 150330): quarantined, no day the row gives can be right:
    #    the episode ends on 01/04/2025, the first day of the year, with no reason
    # G  restates the episode, ceased 01/06/2025 E4A: loaded, the newer version wins
    # H  not in the 2026 return at all: the 2025 episode stands open (no rule says otherwise)
    # J  its row's DECOM is not a date (31/02/2024) and DEC is blank: quarantined, the return restates the
    #    episode still open, so J is still looked after
    # On 31/03/2025 all five are looked after. On 31/03/2026: H and J; ceased in 2025-26: F (01/04/2025),
    # E (08/05/2025) and G (01/06/2025).
    returns = tmp_path / "extracts" / "ssda903"
    _return(
        returns / "2025",
        [
            "E,01/02/2025,S,C2,N1,U6,PR1,,,,,,",
            "F,01/03/2024,S,V2,N1,K2,PR1,,,,,,",
            "G,01/03/2024,S,C2,N1,U4,PR1,,,,,,",
            "H,01/03/2024,S,C2,N1,U4,PR1,,,,,,",
            "J,01/02/2025,S,C2,N1,U4,PR1,,,,,,",
        ],
        "EFGHJ",
    )
    _return(
        returns / "2026",
        [
            "E,31/02/2024,S,C2,N1,U6,PR1,08/05/2025,E45,,,,",
            "F,01/03/2024,S,V2,N1,K2,PR1,01/01/1990,E4A,,,,",
            "G,01/03/2024,S,C2,N1,U4,PR1,01/06/2025,E4A,,,,",
            "J,31/02/2024,S,C2,N1,U4,PR1,,,,,,",
        ],
        "EFGJ",
    )
    store = Store(tmp_path / "data")
    reports = ingest(store, [tmp_path / "extracts"])
    assert [report.rows_rejected for report in reports if report.kind == "ssda903_episodes"] == [0, 3]
    with calculator(store, AUTHORITY) as calc:
        assert _figure(calc, "cla_count", date(2025, 3, 31)) == 5
        assert _figure(calc, "cla_count", date(2026, 3, 31)) == 2
        assert sorted(_children(calc, "cla_ceased", date(2026, 3, 31))) == [
            ("E", date(2025, 5, 8)),
            ("F", date(2025, 4, 1)),
            ("G", date(2025, 6, 1)),
        ]
        repairs = calc.conn.execute(
            "SELECT person_id, ceased, reason_ceased, repair FROM fact_cla_episode WHERE repair IS NOT NULL ORDER BY 1"
        ).fetchall()
    file = returns / "2026" / "episodes.csv"
    assert repairs == [
        (
            "E",
            date(2025, 5, 8),
            "E45",
            f"ended on 08/05/2025, the date ceased of {file} row 2, a row for child E that could not be loaded",
        ),
        (
            "F",
            date(2025, 4, 1),
            None,
            f"ended on 01/04/2025, the first day of the year of {file} row 3, a row for child F "
            "that could not be loaded: not carried forward from an earlier return",
        ),
        (
            "J",
            None,
            None,
            f"left open: {file} row 5, a row for child J that could not be loaded, restates it with no date ceased",
        ),
    ]


def test_a_period_whose_start_is_not_on_record_is_no_second_start(history):
    # Year 1 April 2017 to 31 March 2018. G: S on 01/05/2017 ceased E4A 01/06/2017, then S on 01/09/2017: a
    # second start within 12 months (numerator). H: S on 01/05/2017 ceased E4A 01/06/2017, then, after the gap,
    # P on 01/09/2017: care the record shows continuing, no start at all, so in neither part.
    for child in "GH":
        history.child(child, dob=date(2008, 1, 1))
        history.episode(child, date(2017, 5, 1), "S", "C2", ceased=date(2017, 6, 1), reason_ceased="E4A")
    history.episode("G", date(2017, 9, 1), "S", "C2")
    history.episode("H", date(2017, 9, 1), "P", "C2")
    with calculator(history.store(), AUTHORITY) as calc:
        (figure,) = calc.figures(YEAR_2018, ids=["cla_second_period_12m"])
    assert (figure.numerator, figure.denominator) == (1, 3)
