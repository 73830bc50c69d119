"""The record of every send (migration 0012), written on the writer's connection by ``childhub.hub.record_dfe_send``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from childhub.dfe_api.send import SendResult


def write_send(conn: duckdb.DuckDBPyConnection, result: SendResult) -> int:
    """Record ``result`` in one transaction: the send, its batches, and the hash of each record the DfE accepted
    (a purge marks the child purged). Returns the send's number."""
    conn.execute("BEGIN TRANSACTION")
    try:
        send_id = conn.execute("SELECT coalesce(max(send_id), 0) + 1 FROM dfe_api_send").fetchone()[0]
        conn.execute(
            "INSERT INTO dfe_api_send (send_id, started_at, finished_at, sent_by, as_at, la_code, children_sent, "
            "children_accepted, purged, batches, batches_rejected, status, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                send_id,
                result.started_at,
                result.finished_at or result.started_at,
                result.sent_by,
                result.as_at,
                result.la_code,
                result.children_sent,
                len(result.accepted),
                result.purged,
                len(result.batches),
                result.batches_rejected,
                result.status,
                result.message,
            ],
        )
        if result.batches:
            conn.executemany(
                "INSERT INTO dfe_api_batch (send_id, batch_number, children, purges, status, http_status, attempts, "
                "answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [send_id, b.batch_number, len(b.children), b.purges, b.status, b.http_status, b.attempts, b.answer]
                    for b in result.batches
                ],
            )
        accepted = result.accepted
        if accepted:
            conn.execute(
                "DELETE FROM dfe_api_child WHERE la_child_id IN (SELECT unnest(?))",
                [[child.la_child_id for child in accepted]],
            )
            conn.executemany(
                "INSERT INTO dfe_api_child (la_child_id, child_key, payload_hash, purged, send_id, accepted_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    [
                        child.la_child_id,
                        child.child_key,
                        child.payload_hash or "purged",
                        child.status == "purge",
                        send_id,
                        result.finished_at or result.started_at,
                    ]
                    for child in accepted
                ],
            )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    result.send_id = send_id
    return send_id


def sends(conn: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict]:
    """The latest sends, newest first (an empty list on a store that has sent nothing)."""
    exists = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'dfe_api_send'"
    ).fetchone()[0]
    if not exists:
        return []
    cursor = conn.execute(
        "SELECT send_id, started_at, finished_at, sent_by, as_at, la_code, children_sent, children_accepted, "
        "purged, batches, batches_rejected, status, message FROM dfe_api_send ORDER BY send_id DESC LIMIT ?",
        [limit],
    )
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
