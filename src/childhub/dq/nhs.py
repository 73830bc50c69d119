"""The consistent child identifier: how ready the NHS number is to be shared, and a batch trace for the gaps.

The Children's Wellbeing and Schools Act 2026 makes the NHS number the identifier services share about a
child. ``nhs_readiness`` says, per source system and per service, how many records hold a valid number (its
check digit right), how many children have one, none, or two different ones, and how many numbers are held for
two or more children; and overall, how many children known to two or more services could be matched on the
NHS number alone. ``trace_request`` lists the records to send the NHS's batch trace (no valid number, or a
number in conflict), in the layout ``childhub.ingest.NHS_TRACE`` writes once; the response loads back with
``childhub ingest`` and the traced numbers stand in ``fact_person.nhs_number`` (docs/nhs-number.md).

A record's number is ``fact_person.nhs_number`` (its own latest, or a traced one). A child is a ``child_key``
(linked children by their child ID; a record not linked yet is a child of its own). A service's children are
those ``fact_service_known`` holds at any time; their numbers are those of all their records, in every system.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from childhub.errors import ChildhubError
from childhub.facts import prepare
from childhub.ingest import NHS_TRACE

if TYPE_CHECKING:
    import duckdb

# The words a source system or a service goes by (anything else: its name with spaces).
NAMES = {
    "social_care": "Children's social care",
    "education": "Education",
    "sen": "Special educational needs",
    "early_help": "Early help",
    "youth_justice": "Youth justice",
    "police": "Police",
    "police_notification": "Police notification",
    "neet": "Post-16 (NCCIS)",
    "persistent_absence": "Persistent absence",
    "health": "Health",
}
GROUP_WORDS = {"system": "Source system", "service": "Service", "all": "Every system"}

_RECORDS = """
    SELECT source_system, person_id, child_key, surname, forename, sex, date_of_birth, postcode, nhs_number_traced,
           CASE WHEN nhs_number_is_valid(nhs_number) THEN nhs_number END AS nhs
    FROM fact_person
"""

_READINESS = f"""
WITH rec AS ({_RECORDS}),
member AS (
    SELECT 'system' AS kind, source_system AS name, r.* FROM rec r
    UNION ALL
    SELECT 'service', s.service, r.* FROM (SELECT DISTINCT child_key, service FROM fact_service_known) s
    JOIN rec r USING (child_key)
    UNION ALL
    SELECT 'all', 'all', r.* FROM rec r
),
per_child AS (
    SELECT kind, name, child_key, count(DISTINCT nhs) AS numbers FROM member GROUP BY ALL
),
per_number AS (
    SELECT kind, name, nhs, count(DISTINCT child_key) AS children FROM member WHERE nhs IS NOT NULL GROUP BY ALL
),
records AS (
    SELECT kind, name, count(*) AS records, count(nhs) AS valid, count(*) FILTER (WHERE nhs_number_traced) AS traced
    FROM member GROUP BY ALL
),
children AS (
    SELECT kind, name, count(*) AS children, count(*) FILTER (WHERE numbers >= 1) AS with_number,
           count(*) FILTER (WHERE numbers = 0) AS without_number, count(*) FILTER (WHERE numbers >= 2) AS conflicting
    FROM per_child GROUP BY ALL
),
shared AS (
    SELECT kind, name, count(*) FILTER (WHERE children >= 2) AS shared FROM per_number GROUP BY ALL
)
SELECT kind, name, records, valid, traced, children, with_number, without_number, conflicting,
       coalesce(shared, 0) AS shared
FROM records JOIN children USING (kind, name) LEFT JOIN shared USING (kind, name)
"""

# Children known to two or more services, and those of them the NHS number alone would match: one valid number
# across all their records, held for no other child, and held by a record in every source system that holds them.
_MATCHABLE = f"""
WITH rec AS ({_RECORDS}),
several AS (
    SELECT child_key FROM fact_service_known GROUP BY child_key HAVING count(DISTINCT service) >= 2
),
number_children AS (
    SELECT nhs, count(DISTINCT child_key) AS children FROM rec WHERE nhs IS NOT NULL GROUP BY nhs
),
per_system AS (
    SELECT child_key, source_system, count(nhs) > 0 AS holds FROM rec GROUP BY ALL
),
matchable AS (
    SELECT r.child_key
    FROM rec r
    JOIN (SELECT child_key FROM per_system GROUP BY child_key HAVING bool_and(holds)) every USING (child_key)
    LEFT JOIN number_children n USING (nhs)
    GROUP BY r.child_key
    HAVING count(DISTINCT r.nhs) = 1 AND max(n.children) = 1
)
SELECT count(*) AS children, count(m.child_key) AS matchable
FROM several s LEFT JOIN matchable m USING (child_key)
"""

# Records to trace: no valid number; or a valid number in conflict (the child's records hold another valid
# number, or the number is held for another child), sent for the trace to cross-check.
_TRACE = f"""
WITH rec AS ({_RECORDS}),
child_numbers AS (
    SELECT child_key, count(DISTINCT nhs) AS numbers FROM rec GROUP BY child_key
),
number_children AS (
    SELECT nhs, count(DISTINCT child_key) AS children FROM rec WHERE nhs IS NOT NULL GROUP BY nhs
)
SELECT r.source_system, r.person_id, r.child_key, r.nhs, r.surname, r.forename, r.sex, r.date_of_birth,
       r.postcode,
       CASE WHEN r.nhs IS NULL THEN 'no valid NHS number'
            WHEN c.numbers >= 2 THEN 'the child''s records hold different NHS numbers'
            ELSE 'the NHS number is held for another child' END AS reason
FROM rec r
JOIN child_numbers c USING (child_key)
LEFT JOIN number_children n USING (nhs)
WHERE (r.nhs IS NULL OR c.numbers >= 2 OR n.children >= 2)
  AND ($system IS NULL OR r.source_system = $system)
ORDER BY r.source_system, r.person_id
"""


def name_of(code: str) -> str:
    """The words a source system or service goes by: ``social_care`` is "Children's social care"."""
    return NAMES.get(code, code.replace("_", " ").capitalize())


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class NhsReadiness:
    """How ready the NHS number is to be the identifier services share: ``rows`` per source system, per service
    and for every system together (each a dict of numbers, names in words), and the overall share of children
    known to two or more services that the NHS number alone would match."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    children_known_to_two_or_more_services: int = 0
    matchable_on_nhs_number_alone: int = 0

    @property
    def matchable_percent(self) -> float | None:
        """The share (per cent, one decimal) of children known to two or more services the number alone matches."""
        return _percent(self.matchable_on_nhs_number_alone, self.children_known_to_two_or_more_services)

    def overall(self) -> dict[str, Any]:
        """The overall figure as one row."""
        return {
            "children known to two or more services": self.children_known_to_two_or_more_services,
            "could be matched on NHS number alone": self.matchable_on_nhs_number_alone,
            "share %": self.matchable_percent,
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything, for JSON."""
        return {"rows": self.rows, "overall": self.overall()}


def nhs_readiness(conn: duckdb.DuckDBPyConnection) -> NhsReadiness:
    """The NHS number's readiness on ``conn`` (a store's reader or writer; the facts it needs are prepared)."""
    prepare(conn, ["person", "service_known"])
    rows = []
    for kind, name, records, valid, traced, children, with_number, without, conflicting, shared in conn.execute(
        _READINESS
    ).fetchall():
        rows.append(
            {
                "group": GROUP_WORDS[kind],
                "name": "Every system" if kind == "all" else name_of(name),
                "records": records,
                "records with a valid NHS number": valid,
                "coverage %": _percent(valid, records),
                "numbers found by a trace": traced,
                "children": children,
                "children with a valid number": with_number,
                "children with none": without,
                "children with conflicting numbers": conflicting,
                "numbers held for two or more children": shared,
            }
        )
    order = list(GROUP_WORDS.values())
    rows.sort(key=lambda row: (order.index(row["group"]), row["name"]))
    several, matchable = conn.execute(_MATCHABLE).fetchone()
    return NhsReadiness(rows, several, matchable)


@dataclass(frozen=True)
class TraceRecord:
    """One record to send the batch trace: where it is, which child, why, and the request row for it."""

    source_system: str
    person_id: str
    child_key: str
    reason: str
    row: tuple[str, ...]


def trace_request(conn: duckdb.DuckDBPyConnection, system: str | None = None) -> tuple[list[TraceRecord], int]:
    """The records (of one source system, or all) to send the NHS batch trace, and how many more were left out
    because they hold no date of birth (an unborn child's record, or one the trace could not find)."""
    prepare(conn, ["person"])
    if system is not None:
        found = conn.execute("SELECT DISTINCT source_system FROM fact_person ORDER BY 1").fetchall()
        held = [name for (name,) in found]
        if system not in held:
            raise ChildhubError(f"no source system {system!r} holds records here; held: {', '.join(held) or 'none'}")
    records, left_out = [], 0
    found = conn.execute(_TRACE, {"system": system}).fetchall()
    for source_system, person_id, child_key, nhs, surname, forename, sex, born, postcode, reason in found:
        if born is None:
            left_out += 1
            continue
        reference = NHS_TRACE.reference(source_system, person_id)
        row = NHS_TRACE.request_row(reference, nhs, surname, forename, sex, born, postcode)
        records.append(TraceRecord(source_system, person_id, child_key, reason, row))
    return records, left_out
