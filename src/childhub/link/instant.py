"""Matching new records at once, without a full linkage run.

A record that arrives after the last ``childhub link`` (a small batch, later one record through
the API) is compared with the existing records it shares a blocking key with, using the last
run's trained model: the same comparison levels, evaluated here in Python, and the model's m
and u probabilities (term-frequency adjustments are left out, so a very common name counts a
little more than in a full run). The record then joins the child it matches (if the child's
records raise no constraint), goes to the review queue, or becomes a new child. The next full
run reconsiders everything as usual.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

from childhub.link.cluster import REVIEW_FROM, clearly_different, edit_distance, jaro_winkler
from childhub.link.comparisons import COMPARISON, FIELDS, Level, nickname_pairs
from childhub.link.model import reference_model
from childhub.link.review import queue_pair


@dataclass
class Match:
    record: str  # source_system:source_record_id
    outcome: str  # joined, new, review
    child_id: int | None
    probability: float
    candidates: int


def _district(postcode: str, pattern: str) -> str | None:
    found = re.match(pattern, postcode)
    return found.group(0) if found else None


def _meets(level: Level, left, right) -> bool:
    """Whether two values (neither missing) meet a declared level, as Splink's SQL for it decides."""
    match level.kind:
        case "exact":
            return left == right
        case "nickname":
            return (left, right) in nickname_pairs()
        case "shares_part":
            return bool(set(left.split(level.parameter)) & set(right.split(level.parameter)))
        case "jaro_winkler":
            return jaro_winkler(left, right) >= level.parameter
        case "day_month_swapped":
            return left.day == right.month and left.month == right.day and left.year == right.year
        case "digits_different":  # Levenshtein, as DuckDB's: two swapped digits are two edits
            return edit_distance(left.isoformat(), right.isoformat(), swaps=False) <= level.parameter
        case "within_years":
            return abs((left - right).days) <= 365.25 * level.parameter
        case "same_district":
            return _district(left, level.parameter) == _district(right, level.parameter)
        case "else":
            return True
    raise ValueError(f"no Python test for the comparison kind {level.kind!r}")


def comparison_level(field: str, left, right) -> int:
    """Number of the first declared level the pair meets, counting from 1 (0: missing on either side).

    The levels are ``childhub.link.comparisons.COMPARISON[field]``'s, the ones Splink scores with
    (``Comparison.gamma`` turns the number into Splink's comparison vector value).
    """
    if left is None or right is None:
        return 0
    levels = COMPARISON[field].levels
    return next(number for number, level in enumerate(levels, start=1) if _meets(level, left, right))


class Scorer:
    """Match probability of a pair from a saved Splink model's parameters."""

    def __init__(self, model: dict):
        self.prior = model["probability_two_random_records_match"]
        self.weights = {}
        for comparison in model["comparisons"]:
            levels = []
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    levels.append(0.0)
                else:
                    m, u = level.get("m_probability") or 1e-6, level.get("u_probability") or 1e-6
                    levels.append(math.log2(m / u))
            self.weights[comparison["output_column_name"]] = levels

    def probability(self, left: dict, right: dict) -> float:
        weight = math.log2(self.prior / (1 - self.prior))
        for field in FIELDS:
            weight += self.weights[field][comparison_level(field, left[field], right[field])]
        return 1 / (1 + 2 ** (-weight))


COLUMNS = (
    "s.source_system || ':' || s.source_record_id, s.forename, s.surname, s.date_of_birth, s.sex, s.postcode, "
    "s.upn, s.nhs_number"
)


def _as_person(row) -> dict:
    return dict(zip(("id", *FIELDS), row, strict=True))


def latest_scorer(conn) -> Scorer:
    """The last linkage run's model as a ``Scorer`` (childhub's reference model before any run)."""
    saved = conn.execute(
        "SELECT model_json FROM link_run WHERE model_json IS NOT NULL AND model_json <> '{}' "
        "ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    return Scorer(json.loads(saved[0][0]) if saved else reference_model())


def match_new_records(conn, threshold: float, now: datetime) -> list[Match]:
    """Match every source record that has no current child link (inside the caller's transaction)."""
    scorer = latest_scorer(conn)
    new = [
        _as_person(row)
        for row in conn.execute(
            f"SELECT {COLUMNS} FROM source_record s WHERE NOT EXISTS (SELECT 1 FROM child_link l "
            "WHERE l.valid_to IS NULL AND l.source_system = s.source_system "
            "AND l.source_record_id = s.source_record_id)"
        ).fetchall()
    ]
    return [match_one(conn, scorer, person, threshold, now) for person in new]


def match_one(conn, scorer: Scorer, person: dict, threshold: float, now: datetime) -> Match:
    """Compare one record with its candidates, decide, and write the decision."""
    rows = conn.execute(
        f"""
        SELECT {COLUMNS}, l.child_id FROM source_record s
        JOIN child_link l ON l.valid_to IS NULL AND l.source_system = s.source_system
                          AND l.source_record_id = s.source_record_id
        WHERE s.date_of_birth = ? OR (s.surname = ? AND substr(s.forename, 1, 1) = substr(?, 1, 1))
           OR (s.postcode = ? AND s.surname = ?) OR (s.forename = ? AND s.postcode = ?)
           OR s.upn = ? OR s.nhs_number = ?
        """,
        [
            person["dob"],
            person["surname"],
            person["first_name"],
            person["postcode"],
            person["surname"],
            person["first_name"],
            person["postcode"],
            person["upn"],
            person["nhs_number"],
        ],
    ).fetchall()
    by_child: dict[int, list[dict]] = {}
    best: dict[int, float] = {}
    for row in rows:
        candidate = _as_person(row[:8])
        child = row[8]
        by_child.setdefault(child, []).append(candidate)
        shared = (person["upn"] and person["upn"] == candidate["upn"]) or (
            person["nhs_number"] and person["nhs_number"] == candidate["nhs_number"]
        )
        probability = 1.0 if shared else scorer.probability(person, candidate)
        best[child] = max(best.get(child, 0.0), probability)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    system, record_id = person["id"].split(":", 1)
    for child, probability in ranked:
        if probability < threshold:
            break
        if _fits(person, by_child[child]):
            _link(conn, system, record_id, child, now, f"matched at once ({probability:.3f})")
            return Match(person["id"], "joined", child, probability, len(rows))
    if ranked and ranked[0][1] >= REVIEW_FROM:
        child, probability = ranked[0]
        other = by_child[child][0]["id"]
        reason = f"new record, uncertain: match probability {probability:.2f}"
        queue_pair(conn, person["id"], other, probability, reason)
    child = conn.execute(
        "INSERT INTO child (created_at, status) VALUES (?, 'active') RETURNING child_id", [now]
    ).fetchall()[0][0]
    _link(conn, system, record_id, child, now, "new child: matched no existing child")
    outcome = "review" if ranked and ranked[0][1] >= REVIEW_FROM else "new"
    return Match(person["id"], outcome, child, ranked[0][1] if ranked else 0.0, len(rows))


def _fits(person: dict, members: list[dict]) -> bool:
    """The constraints of clustering: no second UPN or NHS number, no twin on the same birthday."""
    upns = {m["upn"] for m in members if m["upn"]}
    nhs = {m["nhs_number"] for m in members if m["nhs_number"]}
    if person["upn"] and upns and person["upn"] not in upns:
        return False
    if person["nhs_number"] and nhs and person["nhs_number"] not in nhs:
        return False
    return not any(
        m["dob"] is not None
        and m["dob"] == person["dob"]
        and clearly_different(m["first_name"], person["first_name"])
        and not (person["upn"] and person["upn"] == m["upn"])
        and not (person["nhs_number"] and person["nhs_number"] == m["nhs_number"])
        for m in members
    )


def _link(conn, system: str, record_id: str, child: int, now: datetime, reason: str) -> None:
    conn.execute(
        "INSERT INTO child_link (source_system, source_record_id, child_id, valid_from, decided_by, reason) "
        "VALUES (?, ?, ?, ?, 'childhub link --new-only', ?)",
        [system, record_id, child, now, reason],
    )


__all__ = ["Match", "Scorer", "comparison_level", "latest_scorer", "match_new_records", "match_one"]
