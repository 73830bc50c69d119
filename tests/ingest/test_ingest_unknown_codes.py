"""A bad code in a non-key field loads the row with the value unknown and a warning, never quarantines it.

Two SSDA903 returns written by hand, 2024-25 and then 2025-26, in their real CSV layout. Each of three
children has one episode whose 2025-26 version carries a code no list holds. Quarantining that row
(the old rule) let the 2024-25 version of the episode stand, or left a hole in the period of care:

    A1  S 2024-06-01 C2, open in 2024-25; in 2025-26 it ceased 2026-03-10 (E11), legal status "ZZ"
        -> left care in March: not looked after on 2026-03-31 (the old rule kept the open 2024-25 version)
    B1  new in 2025-26: S 2025-10-01 C2, placement "Q9", open
        -> a new entrant, looked after on 2026-03-31 and in List 8 (the old rule lost the episode)
    C1  S 2024-05-01 C2 until 2024-08-01 (X1), then P 2024-08-01 until 2025-11-01 (X1), then P 2025-11-01,
        open; in 2025-26 the middle episode's category of need is "N99"
        -> one period of care since 2024-05-01, no start in 2025-26 (the old rule made a gap: a period
           ending 2024-08-01 "ceased X1" and a false start on 2025-11-01)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from childhub.annex_a.export import annex_a_rows
from childhub.hub import ingest
from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store

AS_AT = date(2026, 3, 31)
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
PEOPLE = ["A1,1,01/01/2012,WBRI,UN1,,", "B1,2,01/01/2013,WBRI,UN1,,", "C1,1,01/01/2014,WBRI,UN1,,"]
RETURN_2025 = [
    "A1,01/06/2024,S,C2,N1,U1,PR1,,,,,,",
    "C1,01/05/2024,S,C2,N1,U1,PR1,01/08/2024,X1,,,,",
    "C1,01/08/2024,P,C2,N1,U4,PR1,,,,,,",
]
RETURN_2026 = [
    "A1,01/06/2024,S,ZZ,N1,U1,PR1,10/03/2026,E11,,,,",
    "B1,01/10/2025,S,C2,N1,Q9,PR1,,,,,,",
    "C1,01/05/2024,S,C2,N1,U1,PR1,01/08/2024,X1,,,,",
    "C1,01/08/2024,P,C2,N99,U4,PR1,01/11/2025,X1,PLACE,,,",
    "C1,01/11/2025,P,C2,N1,U6,PR1,,,,,,",
]


def write_return(folder: Path, episodes: list[str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "header.csv").write_text("\n".join([HEADER, *PEOPLE]) + "\n")
    (folder / "episodes.csv").write_text("\n".join([EPISODES, *episodes]) + "\n")
    return folder


@pytest.fixture
def two_returns(tmp_path) -> tuple[Store, list]:
    store = Store(tmp_path / "store")
    ingest(store, [write_return(tmp_path / "2025", RETURN_2025)])
    reports = ingest(store, [write_return(tmp_path / "2026", RETURN_2026)])
    return store, reports


def test_each_bad_code_is_a_warning_naming_file_row_field_and_value(two_returns):
    store, reports = two_returns
    [episodes] = [r for r in reports if Path(r.file).name == "episodes.csv"]
    assert episodes.status == "loaded" and episodes.rows_rejected == 0 and episodes.rows_loaded > 0
    found = {(p.row, p.column, p.value, p.severity) for p in episodes.problems}
    assert found == {("2", "LS", "ZZ", "warning"), ("3", "PLACE", "Q9", "warning"), ("5", "CIN", "N99", "warning")}
    assert all(p.message.endswith("loaded as unknown") for p in episodes.problems)
    with store.reader() as conn:
        assert conn.execute("SELECT count(*) FROM ingest_quarantine").fetchone()[0] == 0
        # the values are unknown (empty), not the bad codes
        stored = conn.execute(
            "SELECT lega_legal_status FROM legal_status WHERE lega_person_id = 'A1' ORDER BY batch_id DESC LIMIT 1"
        ).fetchone()
        assert stored == (None,)


def test_a_child_who_left_care_in_march_is_not_looked_after(two_returns):
    store, _ = two_returns
    with calculator(store, AuthoritySettings(population_0_17=1000)) as calc:
        looked_after = {row["la_child_id"] for row in calc.children("cla_count", AS_AT)}
        assert "A1" not in looked_after
        assert looked_after == {"B1", "C1"}
        ceased = [row["la_child_id"] for row in calc.children("cla_ceased", AS_AT)]
        assert ceased == ["A1"]


def list_8(store: Store) -> list[dict]:
    with store.reader() as conn:
        [found] = [item for item in annex_a_rows(conn, AS_AT) if item.annex_list.number == 8]
    ids = [column.id for column in found.annex_list.columns]
    return [dict(zip(ids, row, strict=True)) for row in found.rows]


def test_a_new_entrant_is_in_list_8_and_a_middle_episode_makes_no_false_start(two_returns):
    store, _ = two_returns
    rows = list_8(store)
    by_child = {}
    for row in rows:
        by_child.setdefault(row["child_unique_id"], []).append(row)
    assert set(by_child) == {"A1", "B1", "C1"}  # A1 ceased in the 6 months before
    assert [row["date_started_looked_after"] for row in by_child["B1"]] == [date(2025, 10, 1)]
    # C1: one period of care since 2024-05-01, still open; no row "ceased X1"
    [c1] = by_child["C1"]
    assert (c1["date_started_looked_after"], c1["date_ceased_looked_after"]) == (date(2024, 5, 1), None)
    assert all(row["reason_ceased"] != "X1" for row in rows)
    with calculator(store, AuthoritySettings(population_0_17=1000)) as calc:
        started = [(row["la_child_id"], row["event_date"]) for row in calc.children("cla_starts", AS_AT)]
        assert started == [("B1", date(2025, 10, 1))]
