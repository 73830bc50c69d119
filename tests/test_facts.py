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
