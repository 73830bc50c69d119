"""The review queue read: pairs of source records linkage could not decide alone, side by side.

One reading for every caller: ``review_pairs(conn, status, limit)`` takes a store reader (the CLI)
or a published snapshot's cursor (the web app). A linkage run fills the queue (``link_review``) and
``childhub.link.decide`` records a person's decision.
"""

from __future__ import annotations

import json
from typing import Any

from childhub.errors import ChildhubError
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
# What each pair brings before the two records' REVIEW_FIELDS.
_PAIR_COLUMNS = (
    "pair_id",
    "match_probability",
    "reason",
    "evidence_json",
    "status",
    "run_id",
    "decided_by",
    "decided_at",
)
# Which pairs each status lists, and in what order: the least certain open pairs first, the latest decisions first.
_STATUSES = {
    "open": ("q.status = 'open'", "abs(q.match_probability - 0.5), q.pair_id"),
    "decided": ("q.status IN ('same', 'different')", "q.decided_at DESC, q.pair_id DESC"),
}
_SQL = """
    SELECT {columns}
    FROM link_review q
    JOIN source_record l ON l.source_system || ':' || l.source_record_id = q.record_l
    JOIN source_record r ON r.source_system || ':' || r.source_record_id = q.record_r
    WHERE {where} ORDER BY {order} LIMIT ?
"""


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


def review_pairs(conn, status: str = "open", limit: int = 50, labels=None) -> list[dict[str, Any]]:
    """Pairs in the review queue, both records side by side, with per-field evidence.

    ``status`` is ``open`` (the least certain first) or ``decided`` (the latest first). Each pair has
    its ``pair_id``, ``match_probability``, ``reason``, ``status``, ``decided_by``, ``decided_at``,
    ``evidence`` (the model's level and weight by comparison), ``left`` and ``right`` (the records'
    ``REVIEW_FIELDS``) and ``fields``: each field's two values with its level's label and weight.
    ``labels`` (from ``review_labels``) may be passed in when the caller keeps them.
    """
    if status not in _STATUSES:
        raise ChildhubError(f"the review queue lists 'open' or 'decided' pairs, not {status!r}")
    where, order = _STATUSES[status]
    columns = [f"q.{name}" for name in _PAIR_COLUMNS] + [f"{side}.{name}" for side in "lr" for name in REVIEW_FIELDS]
    rows = conn.execute(_SQL.format(columns=", ".join(columns), where=where, order=order), [limit]).fetchall()
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
                "evidence": evidence,
                "left": left,
                "right": right,
                "fields": [_field(name, left[name], right[name], evidence, model_labels) for name in REVIEW_FIELDS],
            }
        )
    return pairs


def review_pair_status(conn, pair_id: int) -> str | None:
    """A pair's status (``open``, ``same``, ``different``, ``closed``), or None when there is no such pair."""
    found = conn.execute("SELECT status FROM link_review WHERE pair_id = ?", [pair_id]).fetchall()
    return found[0][0] if found else None


__all__ = ["EVIDENCE_FIELD", "REVIEW_FIELDS", "review_labels", "review_pair_status", "review_pairs"]
