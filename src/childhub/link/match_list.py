"""Matching a list against the children we know (``childhub match-list``, the web's Match a list page).

Each row of a list (read by ``childhub.link.lists.read_list``) is compared with the store's source records
by the model of the last linkage run (childhub's reference model before any run), in Splink's ``link_only``
mode: the list's rows and the known records are blocked by linkage's own rules and scored with its
comparison levels, term frequencies and all. A row then matches the child whose record scores highest,
unless that record is a twin's or sibling's (born the same day, a first name no typo or nickname explains,
no identifier shared: the constraint linkage keeps). A shared UPN or NHS number is a match outright.

The work runs in a scratch database: the known records are read once (an Arrow table) from the reader the
caller gives (a store reader, or the web's snapshot), limited by the caller's scope, so a running server is
never disturbed and nothing is written. Each matched row says why (the fields that agreed, in words) and
which services the child is known to.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from childhub.link.cluster import DEFAULT_THRESHOLD, REVIEW_FROM, clearly_different
from childhub.link.comparisons import COMPARISON, FIELDS, Level
from childhub.link.lists import ListRow, ReadList, create_people_table

# How each field is named, and how a level of it agreeing is said, in the reasons given for a match.
FIELD_WORDS = {
    "first_name": "first name",
    "surname": "surname",
    "dob": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "upn": "UPN",
    "nhs_number": "NHS number",
}
KNOWN_RECORDS = """
    SELECT s.source_system || ':' || s.source_record_id AS unique_id, s.forename, s.surname, s.date_of_birth,
           s.sex, s.postcode, s.upn, s.nhs_number, p.child_key
    FROM source_record s
    JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id
    WHERE p.child_key IS NOT NULL AND {scope}
"""
OUTCOMES = {"matched": "Matched", "uncertain": "Possible match: check by hand", "none": "No match"}


@dataclass
class MatchedRow:
    """One row of the list and what it matched."""

    row: ListRow
    outcome: str  # matched, uncertain (a child between REVIEW_FROM and the threshold), none
    child_key: str | None = None
    child_id: int | None = None
    name: str | None = None
    date_of_birth: date | None = None
    probability: float | None = None
    why: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)


@dataclass
class ListMatch:
    """Every row of a list with what it matched, the model that scored it, and how long it took."""

    header: list[str]
    rows: list[MatchedRow]
    model: str  # which model scored the rows, in words
    known_records: int
    seconds: float

    @property
    def matched(self) -> list[MatchedRow]:
        return [row for row in self.rows if row.outcome == "matched"]

    @property
    def child_keys(self) -> list[str]:
        """The children the list's rows were matched to (or may be), each once, for the audit log."""
        return sorted({row.child_key for row in self.rows if row.child_key})

    def counts(self) -> dict[str, int]:
        return {outcome: sum(1 for row in self.rows if row.outcome == outcome) for outcome in OUTCOMES}


def _level_words(level: Level) -> str:
    match level.kind:
        case "exact":
            return "the same"
        case "nickname":
            return "a nickname"
        case "shares_part":
            return "sharing a hyphenated part"
        case "jaro_winkler":
            return "spelt almost alike" if level.parameter >= 0.9 else "spelt alike"
        case "day_month_swapped":
            return "with day and month swapped"
        case "digits_different":
            return "one digit different"
        case "within_years":
            return f"within {level.parameter} year" + ("" if level.parameter == 1 else "s")
        case "same_district":
            return "in the same district"
    return ""


def reasons(gammas: dict[str, int | None]) -> list[str]:
    """The fields that agreed, in words ("surname the same"), from Splink's ``gamma_`` values."""
    said = []
    for name in FIELDS:
        gamma = gammas.get(name)
        if gamma is None or gamma < 0:
            continue
        levels = COMPARISON[name].levels
        level = levels[len(levels) - 1 - gamma]
        if level.kind != "else":
            said.append(f"{FIELD_WORDS[name]} {_level_words(level)}")
    return said


def latest_model(cursor) -> tuple[dict, str]:
    """The last linkage run's model and its description (the reference model, before any run)."""
    from childhub.link.model import reference_model

    saved = cursor.execute(
        "SELECT run_id, model_json FROM link_run WHERE model_json IS NOT NULL AND model_json <> '{}' "
        "ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    if saved:
        return json.loads(saved[0][1]), f"the model of linkage run {saved[0][0]}"
    return reference_model(), "childhub's reference model (no linkage run yet)"


def match_list(
    cursor,
    read: ReadList,
    *,
    scope: tuple[str, list[Any]] = ("TRUE", []),
    threshold: float = DEFAULT_THRESHOLD,
    system_name: Callable[[str], str] = str,
    model: tuple[dict, str] | None = None,
) -> ListMatch:
    """Match every row of ``read`` against the children ``cursor`` knows (its ``source_record``, ``fact_person``
    and ``fact_child``), within ``scope`` (a SQL predicate on ``p.child_key`` and its parameters)."""
    from splink import DuckDBAPI, Linker

    from childhub.link.model import _blocking_rules, linkage_records
    from childhub.store import scratch_connection

    started = time.perf_counter()
    predicate, values = scope
    known = cursor.sql(KNOWN_RECORDS.format(scope=predicate), params=values).to_arrow_table()
    settings, description = model or latest_model(cursor)
    settings = {
        **settings,
        "link_type": "link_only",
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,
        "blocking_rules_to_generate_predictions": _blocking_rules(),
    }
    records = [(f"row:{index}", row.person) for index, row in enumerate(read.rows)]
    best: dict[str, tuple[float, str, dict]] = {}  # list row -> (probability, child, gammas)
    with scratch_connection() as conn:
        conn.register("known_arrow", known)
        child_of = dict(conn.execute("SELECT unique_id, child_key FROM known_arrow").fetchall())
        known_count = linkage_records(conn, "known", "SELECT * FROM known_arrow")
        create_people_table(conn, "list_people", records)
        linkage_records(conn, "list", "SELECT * FROM list_people")
        conn.unregister("known_arrow")
        if known_count and records:
            api = DuckDBAPI(connection=conn)
            tables = [
                api.register("list", dataset_display_name="list"),
                api.register("known", dataset_display_name="known"),
            ]
            linker = Linker(tables, settings, log_level=logging.ERROR)
            predictions = linker.inference.predict(threshold_match_probability=REVIEW_FROM / 2)
            gamma_columns = ", ".join(f"gamma_{name}" for name in FIELDS)
            person_columns = ", ".join(
                f"{side}.{c}" for side in ("l", "r") for c in ("first_name", "dob", "upn", "nhs_number")
            )
            for row in conn.execute(
                f"SELECT p.unique_id_l, p.unique_id_r, p.match_probability, {gamma_columns}, {person_columns} "
                f"FROM {predictions.physical_name} p JOIN list l ON l.unique_id = p.unique_id_l "
                f"JOIN known r ON r.unique_id = p.unique_id_r "
                f"UNION ALL SELECT p.unique_id_r, p.unique_id_l, p.match_probability, {gamma_columns}, "
                f"{person_columns} FROM {predictions.physical_name} p JOIN list l ON l.unique_id = p.unique_id_r "
                f"JOIN known r ON r.unique_id = p.unique_id_l"
            ).fetchall():
                list_id, known_id, probability = row[0], row[1], row[2]
                gammas = dict(zip(FIELDS, row[3 : 3 + len(FIELDS)], strict=True))
                first_l, dob_l, upn_l, nhs_l, first_r, dob_r, upn_r, nhs_r = row[3 + len(FIELDS) :]
                shared = bool((upn_l and upn_l == upn_r) or (nhs_l and nhs_l == nhs_r))
                if not shared and dob_l is not None and dob_l == dob_r and clearly_different(first_l, first_r):
                    continue  # a twin or a sibling born the same day, not this child
                probability = 1.0 if shared else probability
                if list_id not in best or probability > best[list_id][0]:
                    best[list_id] = (probability, child_of[known_id], gammas)
    keys = sorted({child for _p, child, _g in best.values()})
    about = {}
    if keys:
        for key, child_id, forename, surname, born, systems in cursor.execute(
            "SELECT child_key, child_id, forename, surname, date_of_birth, source_systems FROM fact_child "
            "WHERE child_key IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [keys],
        ).fetchall():
            name = " ".join(part for part in (forename, surname) if part)
            about[key] = (child_id, name, born, [system_name(s) for s in systems or []])
    matched = []
    for (uid, _person), row in zip(records, read.rows, strict=True):
        found = best.get(uid)
        if found is None or found[0] < REVIEW_FROM or found[1] not in about:
            matched.append(MatchedRow(row, "none"))
            continue
        probability, key, gammas = found
        child_id, name, born, services = about[key]
        matched.append(
            MatchedRow(
                row,
                "matched" if probability >= threshold else "uncertain",
                key,
                child_id,
                name,
                born,
                probability,
                reasons(gammas),
                services,
            )
        )
    return ListMatch(read.header, matched, description, known.num_rows, time.perf_counter() - started)


OUT_COLUMNS = (
    "outcome",
    "child ID",
    "name in childhub",
    "date of birth in childhub",
    "match probability",
    "why",
    "services known to",
)


def result_table(result: ListMatch) -> tuple[list[str], list[list[Any]]]:
    """Every input row as read, then what it matched, as the columns a file of the result holds."""
    columns = ["source row", *result.header, *OUT_COLUMNS]
    lines = [
        [
            matched.row.number,
            *matched.row.raw[: len(result.header)],
            OUTCOMES[matched.outcome],
            matched.child_key or "",
            matched.name or "",
            matched.date_of_birth,
            "" if matched.probability is None else round(matched.probability, 4),
            "; ".join(matched.why),
            "; ".join(matched.services),
        ]
        for matched in result.rows
    ]
    return columns, lines


def write_result(result: ListMatch, out) -> int:
    """Write the result to ``out`` (.csv, or .xlsx for Excel) through ``childhub.exports``; rows written."""
    from pathlib import Path

    from childhub.errors import ChildhubError
    from childhub.exports import private_file, write_csv, xlsx_bytes

    out = Path(out)
    columns, lines = result_table(result)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        private_file(out).write_bytes(xlsx_bytes(columns, lines, "Matched"))  # 0600, as write_csv writes
    elif suffix == ".csv":
        write_csv(out, columns, lines)
    else:
        raise ChildhubError(f"{out.name}: write the result to a .csv or an .xlsx file")
    return len(lines)


__all__ = ["ListMatch", "MatchedRow", "latest_model", "match_list", "reasons", "result_table", "write_result"]
