"""A linkage run (which fills the review queue), a person's decision on a pair, and the identities export."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.errors import ChildhubError
from childhub.link import model
from childhub.link.cluster import DEFAULT_THRESHOLD, REVIEW_FROM, Record, cluster
from childhub.link.identity import assign_children, assign_families
from childhub.link.review import pair_key_sql, queue_pairs
from childhub.link.source_records import build_source_records
from childhub.store import Store

if TYPE_CHECKING:
    import duckdb


# DuckDB's memory for a linkage run, in MiB: past it, Splink's working tables spill to the store's
# temporary folder (childhub.duckdb.tmp, beside the database) instead of growing the process.
LINK_MEMORY_MB = 2048


def score_pairs(conn: duckdb.DuckDBPyConnection) -> model.Scored:
    """The store's source records scored pairwise, keeping in Python only the pairs a run can use: those that may
    link or go to the review queue (from ``REVIEW_FROM``); the rest are counted."""
    return model.score_pairs(conn, keep_from=REVIEW_FROM)


@dataclass
class LinkResult:
    run_id: int
    records: int
    pairs_scored: int
    children: int
    families: int
    refused: int
    queued: int
    comparisons_by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def link(
    conn: duckdb.DuckDBPyConnection,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[..., None] | None = None,
) -> LinkResult:
    """Link every source record in the store to a child, and children to families, on the writer ``conn``.

    Refreshing the facts and publishing for readers is ``childhub.hub.link``'s, which calls this.
    """
    say = progress or (lambda *args, **kwargs: None)
    conn.execute(f"SET memory_limit = '{int(LINK_MEMORY_MB)}MiB'")
    try:
        return _link(conn, threshold, say)
    finally:
        conn.execute("RESET memory_limit")


def _link(conn: duckdb.DuckDBPyConnection, threshold: float, say: Callable[..., None]) -> LinkResult:
    started = time.perf_counter()
    now = datetime.now()
    say("gathering source records")
    conn.execute("BEGIN TRANSACTION")
    records_count = build_source_records(conn)  # derived from the batches: rebuilt by every run
    conn.execute("COMMIT")
    if records_count == 0:
        raise ChildhubError("there are no person records in the store to link: childhub ingest loads them")
    say("scoring pairs (Splink)")
    # Only pairs that may link or be queued come back to Python (a threshold under REVIEW_FROM, which the CLI
    # refuses, keeps more).
    scored = score_pairs(conn) if threshold >= REVIEW_FROM else model.score_pairs(conn, keep_from=threshold)
    # Pairs in one order, whatever order the scoring returned them in: where two merges tie and only one
    # may be made, the same one is made every time, so a second run over the same records (after a run
    # killed between its commit and its publish, say) changes no child's ID.
    pairs = sorted(scored.pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))
    say("grouping records into children")
    records = {
        f"{row[0]}:{row[1]}": Record(f"{row[0]}:{row[1]}", *row[2:])
        for row in conn.execute(
            "SELECT source_system, source_record_id, forename, date_of_birth, upn, former_upn, nhs_number "
            "FROM source_record ORDER BY source_system, source_record_id"
        ).fetchall()
    }
    decided = conn.execute(
        "SELECT record_l, record_r, status FROM link_review WHERE status IN ('same', 'different')"
    ).fetchall()
    same = {frozenset((left, right)) for left, right, s in decided if s == "same"}
    different = {frozenset((left, right)) for left, right, s in decided if s == "different"}
    result = cluster(records, [(a, b, p) for a, b, p, *_ in pairs], threshold, same, different)
    clusters: dict[str, list[str]] = {}
    for record, representative in result.cluster_of.items():
        clusters.setdefault(representative, []).append(record)
    # The run's row is written with everything it made, in one transaction: a run killed part-way
    # leaves no row (an unfinished one an earlier childhub left is cleared here).
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("DELETE FROM link_run WHERE finished_at IS NULL")
        run_id = conn.execute(
            "INSERT INTO link_run (started_at, records, threshold) VALUES (?, ?, ?) RETURNING run_id",
            [now, records_count, threshold],
        ).fetchall()[0][0]
        say("keeping child IDs stable")
        record_child = assign_children(conn, clusters, run_id, now)
        say("grouping children into families")
        families = assign_families(conn, record_child, now)
        queued = _queue_for_review(conn, pairs, result, record_child, threshold, run_id)
        conn.execute(
            "UPDATE link_run SET finished_at = ?, pairs_scored = ?, children = ?, families = ?, model_json = ? "
            "WHERE run_id = ?",
            [datetime.now(), scored.scored, len(clusters), families, scored.model_json, run_id],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return LinkResult(
        run_id,
        records_count,
        scored.scored,
        len(clusters),
        families,
        len(result.refused),
        queued,
        scored.comparisons_by_rule,
        time.perf_counter() - started,
    )


def link_new_records(
    conn: duckdb.DuckDBPyConnection, *, threshold: float = DEFAULT_THRESHOLD, batches: list[int] | None = None
) -> list:
    """Match only the records that arrived since the last run, at once, without re-linking the rest.

    On the writer ``conn``; ``childhub.hub.link_new_records`` refreshes the facts after it. ``batches``: only the
    people those batches brought are read again (a push), instead of every person record.
    """
    from childhub.link.instant import match_new_records

    now = datetime.now()
    conn.execute("BEGIN TRANSACTION")
    try:
        build_source_records(conn, batches)
        matches = match_new_records(conn, threshold, now)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return matches


def _queue_for_review(conn, pairs, result, record_child, threshold: float, run_id: int) -> int:
    """Uncertain pairs left apart, and refused merges, that nobody has decided yet: the open queue from now on
    (``childhub.link.review.queue_pairs`` keeps a pair queued again in its row, under its identity)."""
    known = {
        frozenset(pair)
        for pair in conn.execute(
            "SELECT record_l, record_r FROM link_review WHERE status IN ('same', 'different')"
        ).fetchall()
    }
    refused = {frozenset((a, b)): why for a, b, _p, why in result.refused}
    rows = []
    for left, right, probability, weight, evidence in pairs:
        key = frozenset((left, right))
        if key in known or record_child.get(left) == record_child.get(right):
            continue
        if key in refused:
            reason = f"not linked: {refused[key]}"
        elif REVIEW_FROM <= probability < threshold:
            reason = f"uncertain: match probability {probability:.2f}"
        else:
            continue
        rows.append([left, right, probability, weight, evidence, reason])
        known.add(key)
    queue_pairs(conn, rows, run_id)
    return len(rows)


def decide(conn: duckdb.DuckDBPyConnection, pair_id: int, decision: str, decided_by: str) -> None:
    """Record a person's decision on a pair, on the writer ``conn``: ``same`` or ``different``; later runs
    respect it. ``childhub.hub.decide`` publishes it, so the review queue the web app shows moves on at once."""
    if decision not in ("same", "different"):
        raise ChildhubError(f"a decision is 'same' or 'different', not {decision!r}")
    found = conn.execute(f"SELECT {pair_key_sql('q')} FROM link_review q WHERE pair_id = ?", [pair_id]).fetchall()
    if not found:
        raise ChildhubError(f"there is no pair {pair_id} in the review queue")
    now = datetime.now()
    conn.execute(
        "UPDATE link_review SET status = ?, decided_by = ?, decided_at = ? WHERE pair_id = ?",
        [decision, decided_by, now, pair_id],
    )
    conn.execute(
        "INSERT INTO identity_decision (decided_at, decision, decided_by, reason) VALUES (?, ?, ?, ?)",
        [now, f"review: {decision}", decided_by, f"pair {found[0][0]}; applied at the next childhub link"],
    )


def review_state(conn: duckdb.DuckDBPyConnection) -> str:
    """What the review queue is now, in one string (pairs, decisions, the newest), for naming a snapshot."""
    return conn.execute(
        "SELECT count(*) || ':' || count(decided_at) || ':' || coalesce(max(pair_id), 0) || ':' "
        "|| coalesce(max(decided_at), TIMESTAMP '1900-01-01') || ':' || coalesce(max(run_id), 0) || ':' "
        "|| count(*) FILTER (WHERE status = 'open') FROM link_review"
    ).fetchone()[0]


def export_identities(store: Store, out: Path) -> int:
    """source, source_record_id, child_id, family_id for every linked source record."""
    with store.reader() as conn:
        rows = conn.execute(
            """
            SELECT l.source_system, l.source_record_id, l.child_id, f.family_id
            FROM child_link l LEFT JOIN family_member f ON f.child_id = l.child_id AND f.valid_to IS NULL
            WHERE l.valid_to IS NULL ORDER BY 1, 2
            """
        ).fetchall()
    from childhub.exports import write_csv

    return write_csv(Path(out), ["source", "source_record_id", "child_id", "family_id"], rows)
