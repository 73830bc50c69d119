"""Batches: what was ingested, when, from which file, and what was wrong with it."""

from __future__ import annotations

from dataclasses import dataclass

from childhub.errors import ChildhubError
from childhub.ingest.model import Problem
from childhub.store import Store, quote_identifier

BATCH_COLUMNS = (
    "batch_id",
    "source_system",
    "source_kind",
    "scope",
    "mode",
    "file_name",
    "extract_date",
    "finished_at",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "problems",
)


SHRINK_COLUMN = "shrink_allowed"  # set when --allow-shrink let a shrinking snapshot in (migration 5)


def _since_migrated(conn, column: str) -> tuple[str, ...]:
    """``(column,)`` when ``ingest_batch`` has it (a store not yet migrated by a writer may not)."""
    found = conn.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ingest_batch' AND column_name = ?",
        [column],
    ).fetchone()[0]
    return (column,) if found else ()


@dataclass
class BatchDetail:
    batch: dict
    problems: list[Problem]
    total_problems: int
    rows_by_table: dict[str, int]


def batch_state(conn) -> str:
    """What the batches are now, in one string (how many, the newest), for naming a published snapshot."""
    return conn.execute("SELECT count(*) || ':' || coalesce(max(batch_id), 0) FROM ingest_batch").fetchone()[0]


def batch_problems(conn, batch_id: int, limit: int) -> list[Problem]:
    """A batch's problems in row order, the first ``limit`` of them."""
    rows = conn.execute(
        "SELECT file_name, row_ref, column_name, value, message, severity FROM ingest_problem "
        "WHERE batch_id = ? ORDER BY TRY_CAST(row_ref AS BIGINT) NULLS LAST, row_ref LIMIT ?",
        [batch_id, limit],
    ).fetchall()
    return [Problem(*row) for row in rows]


def list_batches(store: Store) -> list[dict]:
    """Every batch, newest first."""
    if store.schema_version() < 2:
        return []
    with store.reader() as conn:
        rows = conn.execute(f"SELECT {', '.join(BATCH_COLUMNS)} FROM ingest_batch ORDER BY batch_id DESC").fetchall()
    return [dict(zip(BATCH_COLUMNS, row, strict=True)) for row in rows]


def batch_detail(store: Store, batch_id: int, problem_limit: int = 200) -> BatchDetail:
    """One batch with its problems (the first ``problem_limit``) and the rows it loaded per table."""
    with store.reader() as conn:
        columns = (*BATCH_COLUMNS, "archive_path", "file_sha256", *_since_migrated(conn, SHRINK_COLUMN))
        row = conn.execute(f"SELECT {', '.join(columns)} FROM ingest_batch WHERE batch_id = ?", [batch_id]).fetchone()
        if row is None:
            raise ChildhubError(f"there is no batch {batch_id}; childhub batches lists them")
        batch = dict(zip(columns, row, strict=True))
        problems = batch_problems(conn, batch_id, problem_limit)
        total = conn.execute("SELECT count(*) FROM ingest_problem WHERE batch_id = ?", [batch_id]).fetchone()[0]
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name = 'batch_id' "
                "AND table_schema = 'main' "
                "AND table_name NOT IN ('ingest_batch', 'ingest_problem', 'ingest_quarantine') ORDER BY table_name"
            ).fetchall()
        ]
        counts = {}
        for table in tables:
            count = conn.execute(
                f"SELECT count(*) FROM {quote_identifier(table)} WHERE batch_id = ?", [batch_id]
            ).fetchone()[0]
            if count:
                counts[table] = count
    return BatchDetail(batch=batch, problems=problems, total_problems=total, rows_by_table=counts)
