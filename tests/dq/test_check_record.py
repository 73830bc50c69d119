"""The record of findings across runs: new, standing, fixed; accepted with a reason until the record changes."""

from __future__ import annotations

from datetime import datetime
from importlib import resources

import duckdb
import pytest

from childhub.dq import Finding, accept, findings, summary, trend
from childhub.dq.check import record
from childhub.errors import ChildhubError


@pytest.fixture
def conn():
    conn = duckdb.connect()
    sql = (resources.files("childhub.store") / "migrations" / "0007_data_quality.sql").read_text()
    conn.execute(sql)
    conn.execute(
        "CREATE TABLE fact_allocation (child_key VARCHAR, team_id VARCHAR, worker_id VARCHAR, "
        "start_date DATE, end_date DATE)"
    )
    conn.execute("INSERT INTO fact_allocation VALUES ('C1', 'T1', 'W1', DATE '2020-01-01', NULL)")
    conn.execute("CREATE TABLE fact_person (source_system VARCHAR, person_id VARCHAR, child_key VARCHAR)")
    yield conn
    conn.close()


def _finding(record_id: str, fingerprint: str, child_key: str = "C1", rule: str = "148") -> Finding:
    return Finding(
        rule=rule,
        kind="ssda903",
        year=2026,
        severity="error",
        message="m",
        table="episodes",
        origin=f"social_care {record_id}",
        line=None,
        child=record_id,
        fields=("DEC",),
        child_key=child_key,
        source_system="social_care",
        source_record=record_id,
        fingerprint=fingerprint,
    )


def test_new_standing_and_fixed(conn):
    day1, day2, day3 = datetime(2026, 12, 1, 9), datetime(2026, 12, 2, 9), datetime(2026, 12, 3, 9)
    assert record(conn, [_finding("E1", "a"), _finding("E2", "b")], day1) == (2, 0)
    assert record(conn, [_finding("E1", "a")], day2) == (0, 1)  # E2 fixed, E1 standing
    open_now = findings(conn)
    assert [(f["source_record"], f["first_seen"], f["last_seen"]) for f in open_now] == [("E1", day1, day2)]
    assert open_now[0]["team_id"] == "T1" and open_now[0]["worker_id"] == "W1"
    assert record(conn, [_finding("E1", "a"), _finding("E2", "b")], day3) == (1, 0)  # E2 is back: new again
    conn.execute("INSERT INTO dq_run VALUES (1, ?, 1, 1, 2, '')", [day1])
    points = {p["day"].isoformat(): p["errors"] for p in trend(conn, today=day3.date())}
    assert points == {"2026-12-01": 2, "2026-12-02": 1, "2026-12-03": 2}


def test_accepted_until_the_record_changes(conn):
    record(conn, [_finding("E1", "a")], datetime(2026, 12, 1))
    key = findings(conn)[0]["finding_key"]
    with pytest.raises(ChildhubError, match="reason"):
        accept(conn, key, "  ", "ann")
    accept(conn, key, "the court order says so", "ann")
    shown = findings(conn)[0]
    assert shown["accepted"] and shown["accepted_reason"] == "the court order says so" and shown["accepted_by"] == "ann"
    assert summary(conn, datetime(2026, 12, 1, 12))["errors"] == 0
    assert summary(conn, datetime(2026, 12, 1, 12))["accepted"] == 1
    record(conn, [_finding("E1", "a")], datetime(2026, 12, 2))  # same values: still accepted
    assert findings(conn)[0]["accepted"]
    record(conn, [_finding("E1", "changed")], datetime(2026, 12, 3))  # the record changed: accepted no longer
    assert not findings(conn)[0]["accepted"]
    with pytest.raises(ChildhubError, match="no open finding"):
        accept(conn, "nope", "why", "ann")


def test_a_run_fixes_only_what_it_looked_for(conn):
    from dataclasses import replace

    cin = replace(_finding("C9", "z"), kind="cin", rule="8500")
    record(conn, [_finding("E1", "a"), cin], datetime(2026, 12, 1))
    # the 2025-26 SSDA903 return was not checked again (its inputs had not changed): its finding stands
    assert record(conn, [], datetime(2026, 12, 2), checked=[("cin", 2026)]) == (0, 1)
    assert [f["source_record"] for f in findings(conn)] == ["E1"]
    # a run of one rule fixes nothing of another
    assert record(conn, [], datetime(2026, 12, 3), checked=[("ssda903", 2026)], rules={"999"}) == (0, 0)
    assert record(conn, [], datetime(2026, 12, 3), checked=[("ssda903", 2026)], rules={"148"}) == (0, 1)


def test_a_finding_follows_its_record_to_the_child_it_is_linked_to_now(conn):
    record(conn, [_finding("E7", "a", child_key="social_care:E7")], datetime(2026, 12, 1))  # not linked then
    assert findings(conn)[0]["child_key"] == "social_care:E7"
    conn.execute("INSERT INTO fact_person VALUES ('social_care', 'E7', 'C1')")  # linked since
    shown = findings(conn)[0]
    assert (shown["child_key"], shown["team_id"]) == ("C1", "T1")


def test_a_relinked_record_keeps_its_finding_and_two_rows_of_one_record_are_two(conn):
    from dataclasses import replace

    hub = replace(_finding("E8", "d"), kind="hub", rule="HUB01", year=None)
    record(conn, [hub], datetime(2026, 12, 1))
    # linkage moved the record to another child: the same finding, still first seen on the 1st
    assert record(conn, [replace(hub, child_key="C2")], datetime(2026, 12, 2)) == (0, 0)
    assert [(f["rule"], f["first_seen"]) for f in findings(conn)] == [("HUB01", datetime(2026, 12, 1))]
    first, second = (
        replace(_finding("E9", "x"), detail=f"episodes: DECOM {day}") for day in ("01/04/2025", "01/06/2025")
    )
    assert record(conn, [hub, first, second], datetime(2026, 12, 3)) == (2, 0)  # two episodes, two findings


@pytest.mark.slow
def test_a_check_that_fails_records_nothing(tiny_authority, tmp_path, monkeypatch):
    import sys

    from childhub import hub

    check_module = sys.modules["childhub.dq.check"]  # the module (childhub.dq.check is also the function's name)
    from childhub.errors import ChildhubError

    store = tiny_authority.copy(tmp_path / "store")
    with store.reader() as conn:
        before = conn.execute("SELECT count(*), max(run_id) FROM dq_run").fetchone()
        state = conn.execute("SELECT kind, year, inputs FROM dq_state ORDER BY ALL").fetchall()

    def broken(*args, **kwargs):
        raise ChildhubError("a rule failed")

    monkeypatch.setattr(check_module, "hub_findings", broken)
    with pytest.raises(ChildhubError, match="a rule failed"):
        hub.check_quality(store, everything=True)
    with store.reader() as conn:
        assert conn.execute("SELECT count(*), max(run_id) FROM dq_run").fetchone() == before
        assert conn.execute("SELECT kind, year, inputs FROM dq_state ORDER BY ALL").fetchall() == state
