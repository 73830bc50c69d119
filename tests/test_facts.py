"""Facts: kept in the store after ingest and link, identical to those built on the fly, never stale."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.facts import fact_names, prepare, refresh
from childhub.facts.build import data_version
from childhub.ingest import ingest
from childhub.link import link
from childhub.store import Store
from childhub.synth import generate


@pytest.fixture(scope="module")
def linked_store(tmp_path_factory) -> Store:
    folder = tmp_path_factory.mktemp("facts")
    generate("tiny", 5, date(2026, 3, 31), folder / "authority")
    store = Store(folder / "store")
    ingest(store, [folder / "authority"])
    link(store)
    return store


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


def test_a_store_changed_since_the_refresh_builds_its_own(linked_store, tmp_path):
    import shutil

    copy = Store(tmp_path / "copy")
    shutil.copytree(linked_store.data_dir, copy.data_dir)
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
