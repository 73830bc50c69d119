"""Facts: kept in the store after ingest and link, identical to those built on the fly, never stale."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.facts import fact_names, prepare, refresh
from childhub.facts.build import data_version
from childhub.store import Store


@pytest.fixture(scope="module")
def linked_store(tiny_authority) -> Store:
    return tiny_authority.store


def _temporary(conn, kind: str) -> set[str]:
    return {row[0] for row in conn.execute(f"SELECT {kind}_name FROM duckdb_{kind}s() WHERE temporary").fetchall()}


def test_ingest_and_link_leave_fresh_facts_in_the_store(linked_store):
    with linked_store.reader() as conn:
        (version, seconds) = conn.execute("SELECT data_version, seconds FROM facts.refresh_state").fetchone()
        assert version == data_version(conn) and seconds > 0
        rows = conn.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'facts'").fetchall()
        stored = {row[0] for row in rows}
        assert {f"fact_{name}" for name in fact_names()} <= stored
        prepare(conn, ["referral", "cla_period"])
        # The stored facts stand in as views; nothing had to be built.
        assert {"fact_referral", "fact_cla_period", "fact_person"} <= _temporary(conn, "view")
        assert not {t for t in _temporary(conn, "table") if t.startswith("fact_") and t != "fact_state"}


@pytest.mark.slow
def test_stored_facts_are_the_facts_built_on_the_fly(linked_store):
    with linked_store.reader() as conn:
        prepare(conn, known_on=date(2099, 1, 1))  # as known on a date: always built on the fly
        for name in fact_names():
            built = conn.execute(f"SELECT count(*) FROM fact_{name}").fetchone()[0]
            stored = conn.execute(f"SELECT count(*) FROM facts.fact_{name}").fetchone()[0]
            differ = conn.execute(
                f"SELECT count(*) FROM ((SELECT * FROM fact_{name} EXCEPT ALL SELECT * FROM facts.fact_{name}) "
                f"UNION ALL (SELECT * FROM facts.fact_{name} EXCEPT ALL SELECT * FROM fact_{name}))"
            ).fetchone()[0]
            assert (built, differ) == (stored, 0), name


def test_a_store_changed_since_the_refresh_builds_its_own(tiny_authority, tmp_path):
    copy = tiny_authority.copy(tmp_path / "copy")
    with copy.writer() as conn:
        # A new batch the facts have not seen (as a direct write would be: no refresh).
        conn.execute(
            "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, started_at, status, "
            "mode, scope, feed) VALUES ('social_care', 'test', 'x.csv', 'x', now()::TIMESTAMP, 'loaded', "
            "'changes', 'test', 'test')"
        )
    with copy.reader() as conn:
        prepare(conn, ["referral"])
        assert "fact_referral" in _temporary(conn, "table")
    with copy.writer() as conn:
        refresh(conn)
    with copy.reader() as conn:
        prepare(conn, ["referral"])
        assert "fact_referral" in _temporary(conn, "view")


def test_the_bank_holidays_the_facts_were_built_with_are_kept_beside_them(tiny_authority, tmp_path):
    # England's weekday bank holidays in 2025: New Year's Day, Good Friday 18 Apr, Easter Monday 21 Apr, the May
    # bank holidays 5 and 26 May, the summer one 25 Aug, Christmas and Boxing Day. From Wednesday 24 December to
    # Monday 29 December 2025 there is one working day after the 24th (the 29th): 25 and 26 Dec are holidays,
    # 27 and 28 Dec a weekend.
    copy = tiny_authority.copy(tmp_path / "copy")
    christmas_week = "SELECT working_days_between(DATE '2025-12-24', DATE '2025-12-29')"
    with copy.reader() as conn:
        kept = conn.execute("SELECT day FROM facts.bank_holiday WHERE year(day) = 2025 ORDER BY day").fetchall()
        assert [row[0] for row in kept] == [
            date(2025, 1, 1),
            date(2025, 4, 18),
            date(2025, 4, 21),
            date(2025, 5, 5),
            date(2025, 5, 26),
            date(2025, 8, 25),
            date(2025, 12, 25),
            date(2025, 12, 26),
        ]
        prepare(conn, ["referral"])
        assert conn.execute(christmas_week).fetchone()[0] == 1
    # A new connection reads the kept days: one taken away (by hand) makes Boxing Day a working day...
    with copy.writer() as conn:
        conn.execute("DELETE FROM facts.bank_holiday WHERE day = DATE '2025-12-26'")
    with copy.reader() as conn:
        prepare(conn, ["referral"])
        assert conn.execute(christmas_week).fetchone()[0] == 2
    # ... unless they were kept by another rule (another version of the calendar): then it works them out again.
    with copy.writer() as conn:
        conn.execute("UPDATE facts.bank_holiday SET rule = 'holidays 0.0 GB-ENG 1990-2045'")
    with copy.reader() as conn:
        prepare(conn, ["referral"])
        assert conn.execute(christmas_week).fetchone()[0] == 1
    # Facts built before the days were kept beside them: the next refresh keeps them and rebuilds nothing.
    with copy.writer() as conn:
        conn.execute("DROP TABLE facts.bank_holiday")
        assert refresh(conn) == 0.0
        assert conn.execute("SELECT count(*) FROM facts.bank_holiday WHERE year(day) = 2025").fetchone()[0] == 8


def test_an_event_sent_by_two_feeds_counts_once(history):
    # The same assessment arrives in the CIN census feed and, later, in an Annex A workbook (another
    # feed, its own row key): one assessment, the later feed's version. Two assessments of one child
    # on different days in one feed both stand.
    from datetime import datetime

    history.child("P1", dob=date(2015, 1, 1))
    history.add("cin_assessments", cina_person_id="P1", cina_assessment_start_date=date(2025, 5, 1))
    history.add("cin_assessments", cina_person_id="P1", cina_assessment_start_date=date(2025, 9, 1))
    store = history.store()
    with store.writer() as conn:
        batch = conn.execute(
            "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, started_at, status, "
            "mode, scope, feed) VALUES ('social_care', 'annex_a', 'annex_a.xlsx', 'a', ?, 'loaded', 'snapshot', "
            "'annex_a', 'annex_a') RETURNING batch_id",
            [datetime(2026, 1, 2)],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO cin_assessments (cina_assessment_id, cina_person_id, cina_assessment_start_date, "
            "cina_assessment_auth_date, source_system, batch_id, source_record_key) "
            "VALUES ('AA1', 'P1', DATE '2025-05-01', DATE '2025-06-10', 'social_care', ?, 'List 4 row 2')",
            [batch],
        )
    with store.reader() as conn:
        prepare(conn, ["assessment"])
        rows = conn.execute("SELECT start_date, authorised_date FROM fact_assessment ORDER BY start_date").fetchall()
    assert rows == [(date(2025, 5, 1), date(2025, 6, 10)), (date(2025, 9, 1), None)]


# --- The facts' macros (facts/sql/_macros.sql), each on the same three children ---------------------------

DAY = date(2025, 9, 30)
BEFORE = date(2025, 9, 29)


@pytest.fixture
def three_children(history) -> Store:
    """C1, C2, C3 (child keys), with the edges each rule must get right on DAY (30 September 2025).

    - C1, born 30 Sep 2009 (16 on DAY itself): in care from 10 Jan 2025, ceased on DAY; an open CIN referral;
      allocated to W1 until DAY, then to W2 from DAY.
    - C2, born 1 Jun 2007 (18): a short break (V3) from 1 Aug 2025, then care (C2) from 1 Oct 2025; a CP plan
      from 1 Mar 2025 that ended on DAY; an NFA referral on 1 Sep 2025 with no close date.
    - C3, unborn (expected 1 Dec 2025): a CP plan from 1 Sep 2025 (open); a referral from 1 Aug 2025 closed on DAY.
    - P9 has a CP plan but no person record, so no link: its child key is the source system and person ID.
    """
    history.child("P1", dob=date(2009, 9, 30), child_id=1)
    history.child("P2", dob=date(2007, 6, 1), child_id=2)
    history.child("P3", dob=None, child_id=3, pers_expected_dob=date(2025, 12, 1))
    history.episode("P1", date(2025, 1, 10), "S", "C2", ceased=DAY, reason_ceased="E4A")
    history.episode("P2", date(2025, 8, 1), "S", "V3")
    history.episode("P2", date(2025, 10, 1), "P", "C2")
    for referral, person, referred, closed, nfa in [
        ("R1", "P1", date(2025, 1, 5), None, "N"),
        ("R2", "P2", date(2025, 9, 1), None, "Y"),
        ("R3", "P3", date(2025, 8, 1), DAY, "N"),
    ]:
        history.add(
            "cin_episodes",
            cine_referral_id=referral,
            cine_person_id=person,
            cine_referral_date=referred,
            cine_close_date=closed,
            cine_referral_nfa=nfa,
        )
    for plan, person, start, end in [
        ("CP2", "P2", date(2025, 3, 1), DAY),
        ("CP3", "P3", date(2025, 9, 1), None),
        ("CP9", "P9", date(2025, 9, 1), None),
    ]:
        history.add(
            "cp_plans",
            cppl_cp_plan_id=plan,
            cppl_person_id=person,
            cppl_cp_plan_start_date=start,
            cppl_cp_plan_end_date=end,
            cppl_cp_plan_initial_category="NEG",
        )
    for allocation, worker, start, end in [("A1", "W1", date(2025, 1, 5), DAY), ("A2", "W2", DAY, None)]:
        history.add(
            "involvements",
            invo_involvements_id=allocation,
            invo_person_id="P1",
            invo_professional_id=worker,
            invo_professional_team="T1",
            invo_professional_role_id="Case responsibility",
            invo_involvement_start_date=start,
            invo_involvement_end_date=end,
        )
    return history.store()


def _keys(store: Store, sql: str, day: date, *more: date) -> list:
    with store.reader() as conn:
        prepare(conn)
        return sorted(row[0] for row in conn.execute(sql, [day, *more]).fetchall())


@pytest.mark.slow
def test_looked_after_on_a_day(three_children):
    sql = "SELECT DISTINCT e.child_key FROM fact_cla_episode e WHERE looked_after_on(e, ?)"
    # The day before: C1 in care; C2 on a short break only (not looked after); C3 never.
    assert _keys(three_children, sql, BEFORE) == ["C1"]
    # DAY: C1's care ceased on the day itself, so it is over; C2 still on the short break.
    assert _keys(three_children, sql, DAY) == []
    # 1 October: C2's care (not a short break) starts that day.
    assert _keys(three_children, sql, date(2025, 10, 1)) == ["C2"]


@pytest.mark.slow
def test_looked_after_during_days(three_children):
    sql = "SELECT DISTINCT e.child_key FROM fact_cla_episode e WHERE looked_after_during(e, ?, ?)"
    # From DAY: C1's care ceased on the first day, which counts; C2's care starts 1 October, within the days.
    assert _keys(three_children, sql, DAY, date(2025, 10, 31)) == ["C1", "C2"]
    # From 1 October: C1's care is over; a short break alone (C2 in September) never counts.
    assert _keys(three_children, sql, date(2025, 10, 1), date(2025, 10, 31)) == ["C2"]
    assert _keys(three_children, sql, date(2025, 9, 1), DAY) == ["C1"]


def test_cin_open_on_a_day(three_children):
    sql = "SELECT r.child_key FROM fact_referral r WHERE cin_open_on(r, ?)"
    # The day before: C1 open, C3 open (closes on DAY); C2's referral was NFA, never an open case.
    assert _keys(three_children, sql, BEFORE) == ["C1", "C3"]
    # DAY: C3's referral closed on the day itself, so only C1.
    assert _keys(three_children, sql, DAY) == ["C1"]


def test_cp_plan_on_a_day(three_children):
    sql = "SELECT p.child_key FROM fact_cp_plan p WHERE cp_plan_on(p, ?)"
    # The day before: C3 (unborn, on a plan) and P9's unlinked plan. C2's plan is recorded open until DAY,
    # but C2 (born 2007-06-01) turned 18 on 1 June 2025: the plan ended in law then.
    assert _keys(three_children, sql, BEFORE) == ["C3", "social_care:P9"]
    assert _keys(three_children, sql, date(2025, 5, 31)) == ["C2"]  # 17 the day before: on the plan
    # DAY: C2's plan ended on the day itself.
    assert _keys(three_children, sql, DAY) == ["C3", "social_care:P9"]


@pytest.mark.slow
def test_allocation_on_a_day(three_children):
    sql = "SELECT a.allocation_id FROM fact_allocation a WHERE allocation_on(a, ?)"
    assert _keys(three_children, sql, BEFORE) == ["A1"]  # W1 holds C1's case
    assert _keys(three_children, sql, DAY) == ["A2"]  # A1 ended on the day; A2 started on it


def test_child_key_of_a_source_record(three_children):
    # A linked person's key is the child's ('C' and the child ID); a person with no person record (P9) is
    # keyed by source system and person ID.
    sql = "SELECT p.person_id || '=' || p.child_key FROM fact_cp_plan p WHERE p.start_date <= ?"
    assert _keys(three_children, sql, DAY) == ["P2=C2", "P3=C3", "P9=social_care:P9"]
    with three_children.reader() as conn:
        prepare(conn, ["child"])
        assert conn.execute(
            "SELECT child_key_of(NULL, 'police', 'X1'), child_key_of('C7', 'police', 'X1')"
        ).fetchone() == (
            "police:X1",
            "C7",
        )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # C1 turns 16 on DAY: 10 to 15 the day before, then "16 and over" (DfE) and "16 to 17" (cohorts).
        # C2 is 18: "16 and over" for the DfE, "18 and over" for cohorts. C3 is unborn in both.
        (BEFORE, [("C1", "10 to 15", "10 to 15"), ("C2", "16 and over", "18 and over"), ("C3", "unborn", "unborn")]),
        (DAY, [("C1", "16 and over", "16 to 17"), ("C2", "16 and over", "18 and over"), ("C3", "unborn", "unborn")]),
    ],
)
def test_age_bands(three_children, day, expected):
    with three_children.reader() as conn:
        prepare(conn, ["child"])
        rows = conn.execute(
            "SELECT child_key, dfe_age_band(date_of_birth, expected_date_of_birth, $day), "
            "cohort_age_band(date_of_birth, expected_date_of_birth, $day) FROM fact_child ORDER BY child_key",
            {"day": day},
        ).fetchall()
        # No date of birth and no expected date: unknown, in both bandings.
        unknown = conn.execute(
            "SELECT dfe_age_band(CAST(NULL AS DATE), NULL, $day), cohort_age_band(CAST(NULL AS DATE), NULL, $day)",
            {"day": day},
        )
        assert unknown.fetchone() == ("unknown", "unknown")
    assert rows == expected


@pytest.mark.slow
def test_facts_as_known_on_a_date_bind_the_date_as_a_named_parameter(history):
    from childhub.facts.build import _facts

    history.child("P1", dob=date(2015, 1, 1))
    history.add("cin_assessments", cina_person_id="P1", cina_assessment_start_date=date(2025, 5, 1))
    history.episode("P1", date(2025, 6, 1), "S", "C2")
    store = history.store()  # every batch ingested on 1 January 2026

    def counted(known_on: date) -> tuple[int, int]:
        with store.reader() as conn:
            # every fact, those reading no table directly (fact_child) and the merged episodes among them
            prepare(conn, known_on=known_on)
            return tuple(
                conn.execute(f"SELECT count(*) FROM fact_{name}").fetchone()[0]
                for name in ("assessment", "cla_episode")
            )

    assert counted(date(2025, 12, 31)) == (0, 0)  # not yet known then
    assert counted(date(2026, 1, 1)) == (1, 1)
    facts = _facts()
    sql, params = facts["cla_episode"].compile(date(2026, 1, 1))
    assert "$as_of" in sql and "?" not in sql and params == {"as_of": date(2026, 1, 1)}
    assert facts["child"].compile(date(2026, 1, 1))[1] == {}  # nothing to bind: it reads only other facts
