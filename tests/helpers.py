"""Helpers more than one test package uses (importable as ``helpers``: tests/ is on the path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from childhub.store import Store, quote_identifier

CHILDHUB = [sys.executable, "-m", "childhub"]


def run(*args: str, data_dir: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """``childhub ARGS`` in a fresh process, as a person runs it: its output captured as text."""
    env = {**os.environ, "COLUMNS": "200"}
    if data_dir is not None:
        env["CHILDHUB_DATA_DIR"] = str(data_dir)
    return subprocess.run([*CHILDHUB, *args], capture_output=True, text=True, env=env, check=check)


def counts(store: Store) -> dict[str, int]:
    """Rows in every table that holds ingested rows (a column ``batch_id``), by table."""
    with store.reader() as conn:
        return counts_on(conn)


def counts_on(conn) -> dict[str, int]:
    """``counts`` on an open connection (the writer's, say), in one query."""
    tables = [
        t
        for (t,) in conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE column_name = 'batch_id' AND table_schema = 'main' ORDER BY 1"
        ).fetchall()
    ]
    if not tables:
        return {}
    counted = ", ".join(f"(SELECT count(*) FROM main.{quote_identifier(t)})" for t in tables)
    return dict(zip(tables, conn.execute(f"SELECT {counted}").fetchone(), strict=True))


def load_return(store: Store, scope: str, extract_date, person_ids: list[str]) -> None:
    """A DfE return's batch (``scope`` is ``kind:year``, e.g. ``cin_census:2026``) holding a person row for each
    LA child ID, as ingest loads a return (a snapshot of its scope, dated by its extract date)."""
    from datetime import datetime

    kind = scope.split(":")[0]
    with store.writer() as conn:
        batch_id = conn.execute(
            "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, extract_date, started_at, "
            "status, mode, scope, feed) VALUES ('social_care', ?, 'return.xml', ?, ?, ?, 'loaded', 'snapshot', ?, ?) "
            "RETURNING batch_id",
            [kind, f"sha-{scope}-{extract_date}", extract_date, datetime(2026, 5, 1), scope, kind],
        ).fetchone()[0]
        for person_id in person_ids:
            conn.execute(
                "INSERT INTO person (pers_person_id, pers_sex, source_system, batch_id, source_record_key) "
                "VALUES (?, 'F', 'social_care', ?, ?)",
                [person_id, batch_id, person_id],
            )


def held(history, child_id: int, system: str, person_id: str, name: str, born, sex: str = "F") -> None:
    """``system``'s record ``person_id`` of child ``child_id`` in a ``History``: "forename surname" (split at the
    first space), date of birth and sex."""
    forename, surname = name.split(" ", 1) if " " in name else (name, None)
    history.child(
        person_id,
        dob=born,
        sex=sex,
        child_id=child_id,
        source_system=system,
        pers_forename=forename,
        pers_surname=surname,
    )


def from_the_ssda903_return(store: Store, table: str) -> None:
    """Make the rows of ``table`` written to ``store`` so far rows of the SSDA903 return's feed, dated by their
    collection year (``date_is_proxy``); rows written after are another source's, with real dates."""
    with store.writer() as conn:
        conn.execute("UPDATE ingest_batch SET feed = 'ssda903' WHERE source_kind = ?", [f"test_{table}"])


def as_the_ssda903_return(history, table: str) -> Store:
    """Write what ``history`` holds and make its rows of ``table`` so far the SSDA903 return's feed
    (``from_the_ssda903_return``)."""
    store = history.store()
    from_the_ssda903_return(store, table)
    return store


def load_feed(store: Store, feed: str, table: str, started, rows: list[dict]) -> None:
    """One batch of ``feed`` (a social-care file loaded at ``started``) holding ``rows`` of ``table``, each a dict
    of its columns; each row's key is its first column's value."""
    with store.writer() as conn:
        batch = conn.execute(
            "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, started_at, status, "
            "mode, scope, feed) VALUES ('social_care', ?, ?, ?, ?, 'loaded', 'snapshot', ?, ?) RETURNING batch_id",
            [feed, f"{feed}.csv", f"sha-{feed}-{started}", started, feed, feed],
        ).fetchone()[0]
        for row in rows:
            full = {
                **row,
                "source_system": "social_care",
                "batch_id": batch,
                "source_record_key": next(iter(row.values())),
            }
            columns = ", ".join(quote_identifier(name) for name in full)
            conn.execute(
                f"INSERT INTO {quote_identifier(table)} ({columns}) VALUES ({', '.join('?' for _ in full)})",
                list(full.values()),
            )


def dq_findings(
    kind: str,
    year: int,
    this: dict[str, list[dict]],
    last: dict[str, list[dict]] | None = None,
    *,
    rules: set[str],
    first_line: int = 2,
    every_table: bool = False,
) -> list:
    """The findings of ``rules`` over one return (``kind``, ``year``) built from tables of row dicts (and last
    year's, ``last``): each table from the file ``<table>.csv`` (``<table>_last.csv``), its rows numbered from
    ``first_line`` (2: after a CSV header); ``every_table`` supplies the return's other tables empty (last year's
    too when ``last`` is given), as the CIN census XML reader does."""
    from childhub.dq import ReturnRun, run_rules
    from childhub.dq.tables import TABLES

    run = ReturnRun.new(kind, year)
    try:
        if every_table:
            for table in TABLES[kind]:
                run.mark_supplied(table)
                if last is not None:
                    run.mark_supplied(f"{table}_last")
        for last_year, tables in ((False, this), (True, last or {})):
            for table, rows in tables.items():
                origin = f"{table}_last.csv" if last_year else f"{table}.csv"
                lines = list(range(first_line, first_line + len(rows)))
                run.add_rows(table, rows, origin, lines, last_year=last_year)
        return run_rules(run, only=set(rules))
    finally:
        run.close()
