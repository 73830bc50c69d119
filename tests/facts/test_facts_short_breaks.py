"""Short breaks (legal status V3 or V4) on the day are not being looked after, whatever the period began as;
and the one rule for "looked after during a period" (care ending on its first day counts).

The sample test reads Data to Insight's fake SSDA903 tables (tests/fixtures/samples, which childhub did
not generate) and works out from episodes.csv, by the rule written below, which children are on short
breaks on 31 March 2018 in a period of care that began under another legal status.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from childhub.annex_a.export import annex_a_rows
from childhub.facts import prepare
from childhub.hub import ingest
from childhub.store import Store

AS_AT = date(2018, 3, 31)
SIX_MONTHS_BEFORE = date(2017, 9, 30)
SHORT_BREAKS = {"V3", "V4"}
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "ssda903"


def list_8_children(store: Store, as_at: date) -> set[str]:
    with store.reader() as conn:
        [found] = [item for item in annex_a_rows(conn, as_at, "2020") if item.annex_list.number == 8]
    return {row[0] for row in found.rows}


def periods_under_way(store: Store, as_at: date) -> set[str]:
    """Children in a period of care under way on the date that is not short breaks only (the old test)."""
    with store.reader() as conn:
        prepare(conn)
        return {
            person
            for (person,) in conn.execute(
                "SELECT DISTINCT person_id FROM fact_cla_period p WHERE NOT p.short_breaks_only "
                "AND p.start_date <= ? AND (p.end_date IS NULL OR p.end_date > ?)",
                [as_at, as_at],
            ).fetchall()
        }


def on_short_breaks_since_care_ended(episodes: Path) -> set[str]:
    """From the raw episodes: on the date every episode in effect is V3/V4; no episode of another legal status
    was in effect at any time in the 6 months before; and the period of care the date falls in (from the
    child's latest episode with RNE S on or before the date, or the first episode) began under another one."""
    by_child: dict[str, list[dict]] = {}
    with episodes.open(newline="") as handle:
        for row in csv.DictReader(handle):
            row["start"] = datetime.strptime(row["DECOM"], "%d/%m/%Y").date()
            row["end"] = datetime.strptime(row["DEC"], "%d/%m/%Y").date() if row["DEC"] else None
            if row["start"] <= AS_AT:
                by_child.setdefault(row["CHILD"], []).append(row)
    found = set()
    for child, rows in by_child.items():
        rows.sort(key=lambda row: row["start"])
        on_the_date = [row for row in rows if row["end"] is None or row["end"] > AS_AT]
        if not on_the_date or any(row["LS"] not in SHORT_BREAKS for row in on_the_date):
            continue
        if any(
            row["LS"] not in SHORT_BREAKS and (row["end"] is None or row["end"] >= SIX_MONTHS_BEFORE) for row in rows
        ):
            continue
        starts = [row for row in rows if row["RNE"] == "S"]
        period_start = (starts[-1] if starts else rows[0])["start"]
        if any(row["LS"] not in SHORT_BREAKS for row in rows if row["start"] >= period_start):
            found.add(child)
    return found


@pytest.mark.slow
def test_samples_children_on_short_breaks_since_their_care_ended_are_not_in_list_8(tmp_path):
    store = Store(tmp_path / "store")
    tables = sorted(SAMPLES.glob("*.csv"))  # the CSV return (fake_903.xml is another return of other children)
    reports = ingest(store, tables, extract_date=AS_AT)
    assert all(report.status == "loaded" for report in reports)
    expected = on_short_breaks_since_care_ended(SAMPLES / "episodes.csv")
    assert len(expected) == 30
    under_way = periods_under_way(store, AS_AT)
    listed = list_8_children(store, AS_AT)
    # Of the children in a period of care under way on the date, exactly those 30 are left out of List 8 (the
    # old rule listed every period under way); no child looked after in the 6 months is lost.
    assert under_way - listed == expected
    assert expected <= under_way


def test_short_breaks_on_the_day_after_care_under_another_status(history):
    # As at 31 March 2018 (List 8's 6 months run from 30 September 2017):
    # SB1  S 2016-05-01 C2 until 2017-03-01 (X1), then V3 from 2017-03-01, open: on short breaks for
    #      over a year -> not looked after on the date, not in List 8
    # SB2  S 2017-01-01 C2 until 2018-01-01 (X1), then V3, open: looked after in the 6 months -> in List 8,
    #      but not looked after on the date
    # SB3  S 2017-06-01 V3 until 2017-08-01 (X1), then C2 from 2017-08-01, open -> looked after, in List 8
    # SB4  S 2017-10-01 V4, open: short breaks only -> neither
    for person in ("SB1", "SB2", "SB3", "SB4"):
        history.child(person, dob=date(2010, 1, 1))
    history.episode("SB1", date(2016, 5, 1), "S", "C2", ceased=date(2017, 3, 1), reason_ceased="X1")
    history.episode("SB1", date(2017, 3, 1), "L", "V3")
    history.episode("SB2", date(2017, 1, 1), "S", "C2", ceased=date(2018, 1, 1), reason_ceased="X1")
    history.episode("SB2", date(2018, 1, 1), "L", "V3")
    history.episode("SB3", date(2017, 6, 1), "S", "V3", ceased=date(2017, 8, 1), reason_ceased="X1")
    history.episode("SB3", date(2017, 8, 1), "L", "C2")
    history.episode("SB4", date(2017, 10, 1), "S", "V4")
    store = history.store()
    with store.reader() as conn:
        prepare(conn)
        on_the_date = conn.execute(
            "SELECT person_id FROM fact_cla_period p WHERE care_period_on(p, ?) ORDER BY 1", [AS_AT]
        ).fetchall()
        assert on_the_date == [("SB3",)]
        # on 31 December 2017 SB2 was still under its care order
        before = conn.execute(
            "SELECT person_id FROM fact_cla_period p WHERE care_period_on(p, ?) ORDER BY 1", [date(2017, 12, 31)]
        ).fetchall()
        assert before == [("SB2",), ("SB3",)]
    assert list_8_children(store, AS_AT) == {"SB2", "SB3"}


def test_care_ending_on_the_first_day_of_a_period_was_during_it(history):
    # The one rule: care that ceased on the period's first day counts as looked after during it (the DfE's
    # children looked after during the year include those looked after on 31 March before it, and
    # a child whose care ceased on 1 April ceased in the year). Care starting on the last day counts too;
    # care that ceased the day before the first does not.
    history.child("D1", dob=date(2010, 1, 1))
    history.child("D2", dob=date(2010, 1, 1))
    history.child("D3", dob=date(2010, 1, 1))
    history.child("D4", dob=date(2010, 1, 1))
    history.episode("D1", date(2016, 1, 1), "S", "C2", ceased=date(2017, 4, 1), reason_ceased="E4A")
    history.episode("D2", date(2016, 1, 1), "S", "C2", ceased=date(2017, 3, 31), reason_ceased="E4A")
    history.episode("D3", date(2018, 3, 31), "S", "C2")
    history.episode("D4", date(2017, 5, 1), "S", "V3")  # a short break is never looked after
    store = history.store()
    first, last = date(2017, 4, 1), date(2018, 3, 31)
    with store.reader() as conn:
        prepare(conn)
        episodes = conn.execute(
            "SELECT person_id FROM fact_cla_episode e WHERE looked_after_during(e, ?, ?) ORDER BY 1", [first, last]
        ).fetchall()
        periods = conn.execute(
            "SELECT person_id FROM fact_cla_period p WHERE care_period_during(p, ?, ?) ORDER BY 1", [first, last]
        ).fetchall()
    assert episodes == periods == [("D1",), ("D3",)]
