"""A linkage run, the review queue, and the identities export."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from childhub.errors import ChildhubError
from childhub.link.cluster import DEFAULT_THRESHOLD, REVIEW_FROM, Record, cluster
from childhub.link.identity import assign_children, assign_families, bulk
from childhub.link.model import score_pairs
from childhub.link.records import build_source_records
from childhub.store import Store

# what the review queue shows of each record, side by side
REVIEW_FIELDS = (
    "source_system",
    "source_record_id",
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "postcode",
    "upn",
    "nhs_number",
)


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


def _refresh_and_publish(store: Store, conn) -> None:
    """Rebuild the facts the change touched and publish the store for the web app."""
    from childhub.facts import refresh
    from childhub.store import publish_snapshot

    refresh(conn)
    publish_snapshot(store, conn)


def link(store: Store, *, threshold: float = DEFAULT_THRESHOLD, progress=None) -> LinkResult:
    """Link every source record in the store to a child, and children to families."""
    say = progress or (lambda *args, **kwargs: None)
    started = time.perf_counter()
    now = datetime.now()
    with store.writer() as conn:
        say("gathering source records")
        conn.execute("BEGIN TRANSACTION")
        records_count = build_source_records(conn)
        run_id = conn.execute(
            "INSERT INTO link_run (started_at, records, threshold) VALUES (?, ?, ?) RETURNING run_id",
            [now, records_count, threshold],
        ).fetchall()[0][0]
        conn.execute("COMMIT")
        if records_count == 0:
            raise ChildhubError("there are no person records in the store to link: childhub ingest loads them")
        say("scoring pairs (Splink)")
        scored = score_pairs(conn)
        say("grouping records into children")
        records = {
            f"{row[0]}:{row[1]}": Record(f"{row[0]}:{row[1]}", *row[2:])
            for row in conn.execute(
                "SELECT source_system, source_record_id, forename, date_of_birth, upn, former_upn, nhs_number "
                "FROM source_record"
            ).fetchall()
        }
        decided = conn.execute(
            "SELECT record_l, record_r, status FROM link_review WHERE status IN ('same', 'different')"
        ).fetchall()
        same = {frozenset((left, right)) for left, right, s in decided if s == "same"}
        different = {frozenset((left, right)) for left, right, s in decided if s == "different"}
        result = cluster(records, [(a, b, p) for a, b, p, *_ in scored.pairs], threshold, same, different)
        clusters: dict[str, list[str]] = {}
        for record, representative in result.cluster_of.items():
            clusters.setdefault(representative, []).append(record)
        conn.execute("BEGIN TRANSACTION")
        try:
            say("keeping child IDs stable")
            record_child = assign_children(conn, clusters, run_id, now)
            say("grouping children into families")
            families = assign_families(conn, record_child, now)
            queued = _queue_for_review(conn, scored.pairs, result, record_child, threshold, run_id)
            conn.execute(
                "UPDATE link_run SET finished_at = ?, pairs_scored = ?, children = ?, families = ?, model_json = ? "
                "WHERE run_id = ?",
                [datetime.now(), len(scored.pairs), len(clusters), families, scored.model_json, run_id],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        say("refreshing the facts")
        _refresh_and_publish(store, conn)
    return LinkResult(
        run_id,
        records_count,
        len(scored.pairs),
        len(clusters),
        families,
        len(result.refused),
        queued,
        scored.comparisons_by_rule,
        time.perf_counter() - started,
    )


def link_new_records(store: Store, *, threshold: float = DEFAULT_THRESHOLD) -> list:
    """Match only the records that arrived since the last run, at once, without re-linking the rest."""
    from childhub.link.instant import match_new_records

    now = datetime.now()
    with store.writer() as conn:
        conn.execute("BEGIN TRANSACTION")
        try:
            build_source_records(conn)
            matches = match_new_records(conn, threshold, now)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if matches:
            _refresh_and_publish(store, conn)
    return matches


def _queue_for_review(conn, pairs, result, record_child, threshold: float, run_id: int) -> int:
    """Uncertain pairs left apart, and refused merges, that nobody has decided yet."""
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
        rows.append([left, right, probability, weight, evidence, reason, run_id])
        known.add(key)
    conn.execute("UPDATE link_review SET status = 'closed' WHERE status = 'open'")  # superseded by this run
    bulk(
        conn,
        "INSERT INTO link_review (record_l, record_r, match_probability, match_weight, evidence_json, reason, "
        "status, run_id) SELECT l, r, p, w, e, why, 'open', run FROM rows",
        rows,
        ["l", "r", "p", "w", "e", "why", "run"],
    )
    return len(rows)


def review_queue(store: Store, limit: int = 50) -> list[dict]:
    """Open pairs, the least certain first, with both records side by side."""
    with store.reader() as conn:
        rows = conn.execute(
            """
            SELECT q.pair_id, q.match_probability, q.reason, q.evidence_json,
                   l.source_system, l.source_record_id, l.forename, l.surname, l.date_of_birth, l.sex, l.postcode,
                   l.upn, l.nhs_number,
                   r.source_system, r.source_record_id, r.forename, r.surname, r.date_of_birth, r.sex, r.postcode,
                   r.upn, r.nhs_number
            FROM link_review q
            JOIN source_record l ON l.source_system || ':' || l.source_record_id = q.record_l
            JOIN source_record r ON r.source_system || ':' || r.source_record_id = q.record_r
            WHERE q.status = 'open' ORDER BY abs(q.match_probability - 0.5), q.pair_id LIMIT ?
            """,
            [limit],
        ).fetchall()
    fields = REVIEW_FIELDS
    return [
        {
            "pair_id": row[0],
            "match_probability": row[1],
            "reason": row[2],
            "evidence": json.loads(row[3] or "{}"),
            "left": dict(zip(fields, row[4:13], strict=True)),
            "right": dict(zip(fields, row[13:22], strict=True)),
        }
        for row in rows
    ]


def decide(store: Store, pair_id: int, decision: str, decided_by: str) -> None:
    """Record a person's decision on a pair: ``same`` or ``different``; later runs respect it."""
    if decision not in ("same", "different"):
        raise ChildhubError(f"a decision is 'same' or 'different', not {decision!r}")
    with store.writer() as conn:
        found = conn.execute("SELECT status FROM link_review WHERE pair_id = ?", [pair_id]).fetchall()
        if not found:
            raise ChildhubError(f"there is no pair {pair_id} in the review queue")
        now = datetime.now()
        conn.execute(
            "UPDATE link_review SET status = ?, decided_by = ?, decided_at = ? WHERE pair_id = ?",
            [decision, decided_by, now, pair_id],
        )
        conn.execute(
            "INSERT INTO identity_decision (decided_at, decision, decided_by, reason) VALUES (?, ?, ?, ?)",
            [now, f"review: {decision}", decided_by, f"pair {pair_id}; applied at the next childhub link"],
        )
        from childhub.store import publish_snapshot

        publish_snapshot(store, conn)  # the review queue the web app shows moves on at once


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
