"""The review queue: pairs of source records linkage could not decide alone, side by side, kept across runs.

**A pair's identity** is its two source records: ``pair_key`` is a short hash of the two record keys
(``source_system:source_record_id``) in order, the same in every linkage run, so a decision, a bookmark or
an address names the same two records after a relink. It is computed from ``link_review``'s two record
columns (``pair_key`` in Python, ``pair_key_sql`` in SQL), never stored, so every store has it. A run keeps
one row per pair (``queue_pairs``): a pair it queues again keeps its row (and its number), refreshed with the
run's probability and evidence; an open pair it does not queue is closed; a decided pair stays decided
(linkage reads decisions by the two records).
``find_pair`` turns a key, or a pair's old number, into the pair's current row.

**The order of the queue.** Pairs a reviewer can settle come first, the least certain first (the probability
nearest 0.5); the **likely twins or siblings** come last, marked: two records with the same surname, date of
birth and postcode whose first names clearly differ (``childhub.link.cluster.clearly_different``) and whose
NHS numbers or UPNs disagree, or whose sexes differ. Linkage already keeps such a pair apart; a reviewer
confirms it once the rest are settled. ``review_queue`` gives a page of the queue with its total, or leaves
the twins out, or shows only them.

One reading for every caller: a store reader (the CLI) or a published snapshot's cursor (the web app).
A linkage run fills the queue and ``childhub.link.decide`` records a person's decision.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from childhub.errors import ChildhubError
from childhub.link.cluster import clearly_different
from childhub.link.model import reference_model

# What the review queue shows of each record, side by side: source_record's columns.
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
# A review field's comparison in the linkage model, where the two names differ (the rest share theirs).
EVIDENCE_FIELD = {"forename": "first_name", "date_of_birth": "dob"}
PAIR_KEY_LENGTH = 12  # hexadecimal characters of the SHA-256: 48 bits, no two pairs of one authority alike
REVIEW_PAGE_SIZE = 20
# Which twins a page of the queue lists: last (after the pairs to settle), hide (none) or only (nothing else).
TWINS = ("last", "hide", "only")
# What each pair brings before the two records' REVIEW_FIELDS.
_PAIR_COLUMNS = (
    "pair_id",
    "pair_key",
    "match_probability",
    "reason",
    "evidence_json",
    "status",
    "run_id",
    "decided_by",
    "decided_at",
)
_FROM = """
    FROM link_review q
    JOIN source_record l ON l.source_system || ':' || l.source_record_id = q.record_l
    JOIN source_record r ON r.source_system || ':' || r.source_record_id = q.record_r
"""
# What the order of the open queue and the twins rule read of each pair.
_SORTING = ("pair_id", "pair_key", "match_probability")
_TWIN_FIELDS = ("forename", "surname", "date_of_birth", "sex", "postcode", "upn", "nhs_number")


def pair_key(record_a: str, record_b: str) -> str:
    """A pair's identity: the first 12 hexadecimal characters of the SHA-256 of its two record keys
    (``source_system:source_record_id``) in order, joined by the unit separator (character 31)."""
    first, second = sorted((record_a, record_b))
    return hashlib.sha256(f"{first}\x1f{second}".encode()).hexdigest()[:PAIR_KEY_LENGTH]


def pair_key_sql(alias: str = "q") -> str:
    """``pair_key`` of the ``link_review`` row ``alias`` as a SQL expression (UTF-8 orders as Python's strings)."""
    left, right = f"{alias}.record_l", f"{alias}.record_r"
    return f"substr(sha256(least({left}, {right}) || chr(31) || greatest({left}, {right})), 1, {PAIR_KEY_LENGTH})"


def likely_twins(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Two records with the same surname, date of birth and postcode whose first names clearly differ, and
    whose NHS numbers or UPNs disagree or whose sexes differ: twins or siblings, whom linkage already keeps
    apart (it never joins two records born on one day with clearly different first names and no identifier
    in common)."""

    def same(name: str) -> bool:
        return left[name] is not None and left[name] == right[name]

    def disagree(name: str) -> bool:
        return left[name] is not None and right[name] is not None and left[name] != right[name]

    return (
        same("surname")
        and same("date_of_birth")
        and left["postcode"] is not None
        and right["postcode"] is not None
        and left["postcode"].replace(" ", "").upper() == right["postcode"].replace(" ", "").upper()
        and clearly_different(left["forename"], right["forename"])
        and (disagree("nhs_number") or disagree("upn") or (disagree("sex") and "U" not in (left["sex"], right["sex"])))
    )


def _level_labels(model: dict) -> dict[str, list[str]]:
    """Each comparison's level labels by Splink's comparison vector value (-1 null; the highest the closest)."""
    labels = {}
    for comparison in model.get("comparisons", []):
        levels = [
            lv.get("label_for_charts", "") for lv in comparison["comparison_levels"] if not lv.get("is_null_level")
        ]
        labels[comparison["output_column_name"]] = levels
    return labels


def review_labels(conn) -> dict[int | None, dict[str, list[str]]]:
    """Level labels of every linkage run's model, by run (None: childhub's reference model)."""
    found = {None: _level_labels(reference_model())}
    for run_id, model_json in conn.execute(
        "SELECT run_id, model_json FROM link_run WHERE model_json IS NOT NULL AND model_json <> '{}'"
    ).fetchall():
        found[run_id] = _level_labels(json.loads(model_json))
    return found


def _field(name: str, left: Any, right: Any, evidence: dict, labels: dict[str, list[str]]) -> dict[str, Any]:
    """One field of a pair: both values, and the level and weight the model gave them."""
    comparison = EVIDENCE_FIELD.get(name, name)
    found = evidence.get(comparison)
    level_label, weight = None, None
    if found is not None:
        level, weight = found.get("level"), found.get("weight")
        levels = labels.get(comparison, [])
        if level is not None and level < 0:
            level_label = "missing on one side"
        elif level is not None and level < len(levels):
            level_label = levels[len(levels) - 1 - level]
    return {
        "field": name,
        "left": left,
        "right": right,
        "differs": left is not None and right is not None and left != right,
        "level": level_label,
        "weight": weight,
    }


def _column(name: str) -> str:
    """A column of ``link_review q`` as SQL (its identity computed)."""
    return pair_key_sql("q") if name == "pair_key" else f"q.{name}"


def _pairs(conn, where: str, order: str, params: list, labels) -> list[dict[str, Any]]:
    """The pairs ``where`` selects, in ``order``, each side by side with its per-field evidence."""
    columns = [_column(name) for name in _PAIR_COLUMNS] + [f"{side}.{name}" for side in "lr" for name in REVIEW_FIELDS]
    rows = conn.execute(f"SELECT {', '.join(columns)} {_FROM} WHERE {where} ORDER BY {order}", params).fetchall()
    labels = labels if labels is not None else review_labels(conn)
    width = len(REVIEW_FIELDS)
    pairs = []
    for row in rows:
        pair = dict(zip(_PAIR_COLUMNS, row[: len(_PAIR_COLUMNS)], strict=True))
        values = row[len(_PAIR_COLUMNS) :]
        left = dict(zip(REVIEW_FIELDS, values[:width], strict=True))
        right = dict(zip(REVIEW_FIELDS, values[width:], strict=True))
        evidence = json.loads(pair.pop("evidence_json") or "{}")
        model_labels = labels.get(pair.pop("run_id")) or labels[None]
        pairs.append(
            {
                **pair,
                "likely_twins": likely_twins(left, right),
                "evidence": evidence,
                "left": left,
                "right": right,
                "fields": [_field(name, left[name], right[name], evidence, model_labels) for name in REVIEW_FIELDS],
            }
        )
    return pairs


@dataclass
class ReviewQueue:
    """One page of the open pairs, in the queue's order, with how many there are of each kind."""

    total: int  # open pairs this page is drawn from (with the twins filter applied)
    to_settle: int  # open pairs that are not likely twins
    twins: int  # open pairs that are likely twins or siblings
    page: int
    pages: int
    page_size: int
    pairs: list[dict[str, Any]]

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.pairs else 0

    @property
    def last(self) -> int:
        return self.first + len(self.pairs) - 1 if self.pairs else 0


def _open_in_order(conn, twins: str) -> tuple[list[tuple[int, bool]], int, int]:
    """Every open pair's number and twins mark in the queue's order, and the counts of each kind."""
    columns = [_column(name) for name in _SORTING] + [f"{side}.{name}" for side in "lr" for name in _TWIN_FIELDS]
    rows = conn.execute(f"SELECT {', '.join(columns)} {_FROM} WHERE q.status = 'open'").fetchall()
    width, start = len(_TWIN_FIELDS), len(_SORTING)
    marked = []
    for row in rows:
        left = dict(zip(_TWIN_FIELDS, row[start : start + width], strict=True))
        right = dict(zip(_TWIN_FIELDS, row[start + width :], strict=True))
        pair_id, key, probability = row[:start]
        twin = likely_twins(left, right)
        marked.append((twin, abs((probability or 0.0) - 0.5), key or "", pair_id))
    marked.sort()
    twins_count = sum(1 for twin, *_ in marked if twin)
    kept = [(pair_id, twin) for twin, _, _, pair_id in marked if twins == "last" or (twin == (twins == "only"))]
    return kept, len(marked) - twins_count, twins_count


def review_queue(
    conn, page: int = 1, page_size: int = REVIEW_PAGE_SIZE, twins: str = "last", labels=None
) -> ReviewQueue:
    """Page ``page`` of the open pairs in the queue's order (see the module), with the total and pages.

    ``twins``: ``last`` (the likely twins after the pairs to settle), ``hide`` (left out) or ``only``.
    """
    if twins not in TWINS:
        raise ChildhubError(f"the review queue lists the likely twins {', '.join(TWINS)}, not {twins!r}")
    page = max(1, page)
    ordered, to_settle, twins_count = _open_in_order(conn, twins)
    shown = [pair_id for pair_id, _ in ordered[(page - 1) * page_size : page * page_size]]
    pairs = _pairs(conn, "list_contains(?, q.pair_id)", "q.pair_id", [shown], labels) if shown else []
    position = {pair_id: number for number, pair_id in enumerate(shown)}
    pairs.sort(key=lambda pair: position[pair["pair_id"]])
    return ReviewQueue(
        len(ordered), to_settle, twins_count, page, math.ceil(len(ordered) / page_size), page_size, pairs
    )


def review_pairs(conn, status: str = "open", limit: int = 50, labels=None) -> list[dict[str, Any]]:
    """Pairs in the review queue, both records side by side, with per-field evidence.

    ``status`` is ``open`` (in the queue's order: the pairs to settle, least certain first, then the likely
    twins) or ``decided`` (the latest first). Each pair has its ``pair_id`` (its row's number), ``pair_key``
    (its identity), ``match_probability``, ``reason``, ``status``, ``decided_by``, ``decided_at``,
    ``likely_twins``, ``evidence`` (the model's level and weight by comparison), ``left`` and ``right`` (the
    records' ``REVIEW_FIELDS``) and ``fields``: each field's two values with its level's label and weight.
    ``labels`` (from ``review_labels``) may be passed in when the caller keeps them.
    """
    if status == "open":
        return review_queue(conn, 1, limit, labels=labels).pairs
    if status == "decided":
        return _pairs(
            conn,
            "q.status IN ('same', 'different')",
            "q.decided_at DESC, q.pair_id DESC LIMIT ?",
            [limit],
            labels,
        )
    raise ChildhubError(f"the review queue lists 'open' or 'decided' pairs, not {status!r}")


def find_pair(conn, reference: str | int) -> dict[str, Any] | None:
    """The current row of the pair ``reference`` names: its key (``pair_key``), or the number of any row it
    ever had (an address from before a relink); None when there is no such pair.

    Of a pair's rows, a decided one is current, then an open one, then the latest closed one. Gives
    ``pair_id``, ``pair_key`` and ``status`` (``open``, ``same``, ``different`` or ``closed``: no longer queued).
    """
    text = str(reference).strip().lower()
    key = text if len(text) == PAIR_KEY_LENGTH else None
    identity = pair_key_sql("q")
    if key is None or not conn.execute(f"SELECT 1 FROM link_review q WHERE {identity} = ? LIMIT 1", [key]).fetchall():
        if not text.isdigit() or int(text) > 2**62:
            return None
        found = conn.execute(f"SELECT {identity} FROM link_review q WHERE pair_id = ?", [int(text)]).fetchall()
        if not found:
            return None
        key = found[0][0]
    row = conn.execute(
        f"SELECT pair_id, {identity}, status FROM link_review q WHERE {identity} = ? "
        "ORDER BY CASE status WHEN 'open' THEN 1 WHEN 'closed' THEN 2 ELSE 0 END, pair_id DESC LIMIT 1",
        [key],
    ).fetchone()
    return dict(zip(("pair_id", "pair_key", "status"), row, strict=True))


def review_pair(conn, pair_id: int, labels=None) -> dict[str, Any] | None:
    """One pair side by side with its evidence (as ``review_pairs`` gives each), or None."""
    found = _pairs(conn, "q.pair_id = ?", "q.pair_id", [pair_id], labels)
    return found[0] if found else None


def review_pair_status(conn, pair_id: int) -> str | None:
    """A pair's status (``open``, ``same``, ``different``, ``closed``), or None when there is no such pair."""
    found = conn.execute("SELECT status FROM link_review WHERE pair_id = ?", [pair_id]).fetchall()
    return found[0][0] if found else None


# --- keeping the queue (on the writer, inside the caller's transaction) --------------------------------------

_QUEUED_COLUMNS = ["k", "l", "r", "p", "w", "e", "why", "run"]


def queue_pairs(conn, rows: list[list], run_id: int | None) -> None:
    """Make ``rows`` the open queue: each ``[record_l, record_r, probability, weight, evidence_json, reason]``.

    A pair already in the queue keeps its row (open, or closed by an earlier run: opened again) with this run's
    probability, evidence and reason; a new pair gets a row; an open pair not in ``rows`` is closed. The caller
    leaves out the pairs a person decided.
    """
    from childhub.link.identity import bulk

    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _review_queued (k VARCHAR, l VARCHAR, r VARCHAR, p DOUBLE, w DOUBLE, "
        "e VARCHAR, why VARCHAR, run BIGINT)"
    )
    try:
        bulk(
            conn,
            "INSERT INTO _review_queued SELECT * FROM rows",
            [[pair_key(row[0], row[1]), *row, run_id] for row in rows],
            _QUEUED_COLUMNS,
        )
        conn.execute(  # each undecided pair's latest row: the one a pair queued again keeps
            f"""
            CREATE OR REPLACE TEMP TABLE _review_kept AS
            SELECT {pair_key_sql("q")} AS k, max(q.pair_id) AS pair_id
            FROM link_review q WHERE q.status IN ('open', 'closed') GROUP BY ALL
            """
        )
        conn.execute(
            "UPDATE link_review SET status = 'closed' WHERE status = 'open' AND pair_id NOT IN "
            "(SELECT kept.pair_id FROM _review_kept kept JOIN _review_queued n USING (k))"
        )
        conn.execute(
            """
            UPDATE link_review AS q
            SET match_probability = n.p, match_weight = n.w, evidence_json = n.e, reason = n.why, run_id = n.run,
                status = 'open'
            FROM _review_queued n JOIN _review_kept kept USING (k)
            WHERE q.pair_id = kept.pair_id
            """
        )
        conn.execute(
            f"""
            INSERT INTO link_review (record_l, record_r, match_probability, match_weight, evidence_json, reason,
                                     status, run_id)
            SELECT l, r, p, w, e, why, 'open', run FROM _review_queued n
            WHERE n.k NOT IN (SELECT {pair_key_sql("q")} FROM link_review q)
            """
        )
    finally:
        conn.execute("DROP TABLE IF EXISTS _review_queued")
        conn.execute("DROP TABLE IF EXISTS _review_kept")


def queue_pair(conn, record_l: str, record_r: str, probability: float, reason: str) -> None:
    """Put one pair in the queue beside the rest (a record matched at once): a closed row of it opens again,
    an open or decided one stays as it is."""
    found = conn.execute(
        f"SELECT pair_id, status FROM link_review q WHERE {pair_key_sql('q')} = ? "
        "ORDER BY status IN ('same', 'different') DESC, pair_id DESC LIMIT 1",
        [pair_key(record_l, record_r)],
    ).fetchall()
    if not found:
        conn.execute(
            "INSERT INTO link_review (record_l, record_r, match_probability, reason, status) "
            "VALUES (?, ?, ?, ?, 'open')",
            [record_l, record_r, probability, reason],
        )
    elif found[0][1] == "closed":
        conn.execute(
            "UPDATE link_review SET status = 'open', match_probability = ?, reason = ? WHERE pair_id = ?",
            [probability, reason, found[0][0]],
        )


__all__ = [
    "EVIDENCE_FIELD",
    "REVIEW_FIELDS",
    "REVIEW_PAGE_SIZE",
    "TWINS",
    "ReviewQueue",
    "find_pair",
    "likely_twins",
    "pair_key",
    "pair_key_sql",
    "queue_pair",
    "queue_pairs",
    "review_labels",
    "review_pair",
    "review_pair_status",
    "review_pairs",
    "review_queue",
]
