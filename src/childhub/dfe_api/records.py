"""Each child's record in the DfE's structure, built from the hub's facts for the DfE's cohort and window.

Every section is one SQL file in ``sql/`` over the facts (and, where the facts hold no such field, the current rows
of a canonical table): ``cohort.sql`` chooses the children, ``child_details.sql`` and ``sdq_assessments.sql`` give
one child's details, ``episodes.sql`` the social care episodes, and one file per list inside an episode
(``child_protection_plans.sql``...) gives each item with the episode it belongs to (``dfe_episode_for``, in
``sql/_episode_for.sql``). A section's columns after ``child_key`` (and ``social_care_episode_id``, ``in_window``) are
the DfE's field names, in the DfE's order. This module only puts the rows together and writes dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import duckdb

SQL = Path(__file__).parent / "sql"
FACTS = [
    "child",
    "person",
    "referral",
    "assessment",
    "s47",
    "cin_plan",
    "cp_plan",
    "cla_episode",
    "care_leaver",
    "permanence",
    "allocation",
    "uasc",
]
# The canonical tables read where the facts hold no such field: their current rows, as temporary tables.
RAW_TABLES = {
    "dfe_person": "person",
    "dfe_disability": "disability",
    "dfe_assessment_factors": "assessment_factors",
    "dfe_sdq": "sdq_scores",
    "dfe_cla_placement": "cla_placement",
}
# The lists inside an episode, in the DfE's order, each with its SQL file.
EPISODE_LISTS = (
    "care_worker_details",
    "child_and_family_assessments",
    "child_in_need_plans",
    "section_47_assessments",
    "child_protection_plans",
    "child_looked_after_placements",
)
EPISODE_OBJECTS = ("adoption", "care_leavers")  # one each per episode, or none
WITHOUT_PURGE = {"care_worker_details"}  # the DfE's items that carry no purge flag


class DfeApiError(ChildhubError):
    """Something the DfE API's preview or send cannot do: a setting missing, the DfE's answer, an unusable store."""


@dataclass(frozen=True)
class ChildRecord:
    """One child's record as the DfE wants it (``payload``), with childhub's linked child and its hash."""

    la_child_id: str
    child_key: str
    payload: dict[str, Any]
    social_care_ids: tuple[str, ...]  # every case-management record of the child (two or more: held twice)
    unplaced_items: int = 0  # plans, placements and the like of the window with no referral to hold them

    @property
    def payload_hash(self) -> str:
        return payload_hash(self.payload)


@dataclass(frozen=True)
class Window:
    """The DfE's window: from 1 April of the financial year 24 months before the send, to the day of the send."""

    start: date
    as_at: date

    @classmethod
    def ending(cls, as_at: date) -> Window:
        return cls(window_start(as_at), as_at)


@dataclass
class Built:
    """Every cohort child's record, by LA child ID."""

    window: Window
    records: dict[str, ChildRecord] = field(default_factory=dict)


def window_start(as_at: date) -> date:
    """1 April of the financial year that held the day 24 months before ``as_at`` (the same month two years
    earlier): 31 March 2026 gives 1 April 2023 (March 2024 is in 2023-24); 1 April 2026 gives 1 April 2024."""
    return date(as_at.year - 2 if as_at.month >= 4 else as_at.year - 3, 4, 1)


def payload_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload as canonical JSON (keys sorted, no spaces): what tells a changed record."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_records(conn: duckdb.DuckDBPyConnection, as_at: date) -> Built:
    """Every child in the DfE's cohort for the window ending ``as_at``, as the DfE's record, built on ``conn`` (a
    reader is enough: the facts are prepared on it and the sections are temporary tables there)."""
    from childhub.facts import prepare
    from childhub.store import as_of_parameters, current_sql

    window = Window.ending(as_at)
    prepare(conn, FACTS)
    conn.execute("SET VARIABLE dfe_window_start = CAST(? AS DATE)", [window.start])
    conn.execute("SET VARIABLE dfe_as_at = CAST(? AS DATE)", [window.as_at])
    for temp, table in RAW_TABLES.items():
        sql, _ = current_sql(table)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {sql}", as_of_parameters(None))
    _run_script(conn, "_in_window.sql")
    conn.execute(f"CREATE OR REPLACE TEMP TABLE dfe_cohort AS {_sql('cohort.sql')}")
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE dfe_record AS SELECT p.child_key, p.person_id FROM fact_person p "
        "JOIN dfe_cohort USING (child_key) WHERE p.source_system = 'social_care'"
    )
    conn.execute(f"CREATE OR REPLACE TEMP TABLE dfe_episode AS {_sql('episodes.sql')}")
    _run_script(conn, "_episode_for.sql")

    built = Built(window)
    details = {row["child_key"]: row for row in _rows(conn, "child_details.sql")}
    sdq: dict[str, list[dict]] = {}
    for row in _rows(conn, "sdq_assessments.sql"):
        sdq.setdefault(row.pop("child_key"), []).append(row)
    episodes: dict[str, dict[str, dict]] = {}
    for row in _rows(conn, "episodes.sql"):
        episodes.setdefault(row["child_key"], {})[row["social_care_episode_id"]] = row
    items: dict[tuple[str, str], dict[str, list[dict]]] = {}
    unplaced: dict[str, int] = {}
    for section in EPISODE_LISTS + EPISODE_OBJECTS:
        for row in _rows(conn, f"{section}.sql"):
            key, episode = row.pop("child_key"), row.pop("social_care_episode_id")
            in_window = row.pop("in_window")
            if episode is None:
                unplaced[key] = unplaced.get(key, 0) + (1 if in_window else 0)
                continue
            if in_window:
                episodes[key][episode]["in_window"] = True
            if section not in WITHOUT_PURGE:
                row["purge"] = False
            items.setdefault((key, episode), {}).setdefault(section, []).append(row)

    for cohort in conn.execute(
        "SELECT child_key, la_child_id, social_care_ids FROM dfe_cohort ORDER BY la_child_id"
    ).fetchall():
        key, la_child_id, social_care_ids = cohort
        child = {
            "la_child_id": la_child_id,
            "purge": False,
            "child_details": {**_without(details[key], "child_key"), "purge": False},
            "health_and_wellbeing": {"sdq_assessments": _ordered(sdq.get(key, []), "date"), "purge": False},
            "social_care_episodes": [
                _episode(episode, items.get((key, episode["social_care_episode_id"]), {}))
                for episode in sorted(
                    episodes.get(key, {}).values(), key=lambda e: (e["referral_date"], e["social_care_episode_id"])
                )
                if episode["in_window"]
            ],
        }
        built.records[la_child_id] = ChildRecord(
            la_child_id, key, _dated(child), tuple(social_care_ids), unplaced.get(key, 0)
        )
    return built


def purge_record(la_child_id: str) -> dict[str, Any]:
    """The record that removes a child from the DfE's data: the child's ID and ``purge: true``."""
    return {"la_child_id": la_child_id, "purge": True}


def _episode(episode: dict, held: dict[str, list[dict]]) -> dict[str, Any]:
    out = _without(episode, "child_key", "in_window")
    for section in EPISODE_LISTS:
        out[section] = _ordered(held.get(section, []), "start_date")
    for section in EPISODE_OBJECTS:
        rows = held.get(section, [])
        out[section] = rows[0] if rows else None
    out["purge"] = False
    return out


def _ordered(rows: list[dict], first: str) -> list[dict]:
    """Rows in a fixed order (their first date, then every value), so the same record always hashes the same."""
    return sorted(rows, key=lambda row: (str(row.get(first) or ""), json.dumps(row, sort_keys=True, default=str)))


def _without(row: dict, *names: str) -> dict:
    return {name: value for name, value in row.items() if name not in names}


def _dated(value: Any) -> Any:
    """Dates as ``YYYY-MM-DD``, all the way down."""
    if isinstance(value, dict):
        return {name: _dated(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_dated(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sql(name: str) -> str:
    return (SQL / name).read_text("utf-8").strip().rstrip(";")


def _run_script(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    for statement in _sql(name).split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _rows(conn: duckdb.DuckDBPyConnection, name: str) -> list[dict]:
    import duckdb

    try:
        cursor = conn.execute(_sql(name))
    except duckdb.Error as error:
        raise DfeApiError(f"the DfE API's section {name} failed: {error}") from error
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
