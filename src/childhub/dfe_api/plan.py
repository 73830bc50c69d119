"""What a send would do now: each cohort child new, changed or unchanged against the last accepted send, the children
to purge, the records that would fail the DfE's rules, and the children the case-management system holds twice.

A child is compared by the hash of their payload (``records.payload_hash``) with the hash the DfE last accepted for
their LA child ID (``dfe_api_child``, migration 0012). A child the DfE holds (last accepted record not a purge) who is
no longer in the cohort, or no longer known by that ID, is purged.

A child held under two or more case-management IDs (linked by childhub into one child) is sent once, under the ID
``fact_child`` chooses (``la_child_id``), with everything each of their records holds; an ID the DfE was sent before
the records were linked is purged. The preview lists them so the authority can merge the records at source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.dfe_api.records import Built, ChildRecord, build_records, purge_record

if TYPE_CHECKING:
    import duckdb

STATUSES = ("new", "changed", "unchanged", "purge")


@dataclass(frozen=True)
class Planned:
    """One child in a plan: its status and the record that would be sent (None when unchanged)."""

    la_child_id: str
    child_key: str | None
    status: str  # new, changed, unchanged, purge
    payload: dict[str, Any] | None
    payload_hash: str | None


@dataclass
class Plan:
    """What a send on ``as_at`` would send, and what the preview says about it."""

    as_at: date
    window_start: date
    children: list[Planned] = field(default_factory=list)
    failing: list[dict] = field(default_factory=list)  # error findings of the DfE's rules on cohort children
    held_twice: list[dict] = field(default_factory=list)  # children with two or more case-management IDs
    unplaced: list[dict] = field(default_factory=list)  # children with items no referral holds

    def count(self, status: str) -> int:
        return sum(1 for child in self.children if child.status == status)

    @property
    def to_send(self) -> list[Planned]:
        """The records a send posts: new and changed children, then purges."""
        return [child for child in self.children if child.status in ("new", "changed", "purge")]

    def summary(self) -> dict[str, Any]:
        return {
            "as_at": self.as_at.isoformat(),
            "window_start": self.window_start.isoformat(),
            "cohort": sum(1 for child in self.children if child.status != "purge"),
            **{status: self.count(status) for status in STATUSES},
            "failing_dfe_rules": len({row["la_child_id"] for row in self.failing}),
            "held_under_two_or_more_ids": len(self.held_twice),
        }


def plan(conn: duckdb.DuckDBPyConnection, as_at: date) -> Plan:
    """The plan for a send on ``as_at``, read on ``conn`` (a reader): nothing is written."""
    built = build_records(conn, as_at)
    accepted = last_accepted(conn)
    result = Plan(as_at, built.window.start)
    for la_child_id, record in built.records.items():
        previous = accepted.get(la_child_id)
        if previous is None:
            status = "new"
        elif previous != record.payload_hash:
            status = "changed"
        else:
            status = "unchanged"
        payload = None if status == "unchanged" else record.payload
        result.children.append(Planned(la_child_id, record.child_key, status, payload, record.payload_hash))
    for la_child_id in sorted(set(accepted) - set(built.records)):
        purge = purge_record(la_child_id)
        result.children.append(Planned(la_child_id, None, "purge", purge, None))
    result.failing = _failing(conn, built)
    result.held_twice = [
        {
            "la_child_id": record.la_child_id,
            "child": record.child_key,
            "case_management_ids": list(record.social_care_ids),
            "sent_as": record.la_child_id,
        }
        for record in built.records.values()
        if len(record.social_care_ids) > 1
    ]
    result.unplaced = [
        {"la_child_id": record.la_child_id, "child": record.child_key, "items": record.unplaced_items}
        for record in built.records.values()
        if record.unplaced_items
    ]
    return result


def last_accepted(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each LA child ID the DfE holds now (its last accepted record not a purge) with that record's hash."""
    exists = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'dfe_api_child'"
    ).fetchone()[0]
    if not exists:  # a store not yet migrated to 0012 has sent nothing
        return {}
    return dict(conn.execute("SELECT la_child_id, payload_hash FROM dfe_api_child WHERE NOT purged").fetchall())


def _failing(conn: duckdb.DuckDBPyConnection, built: Built) -> list[dict]:
    """The open error findings of the DfE's rules (the CIN census and SSDA903 returns, not accepted) on the cohort's
    children, for the collection years the window touches."""
    from childhub.dq import findings

    by_key: dict[str, ChildRecord] = {record.child_key: record for record in built.records.values()}
    first_year = built.window.start.year + 1  # the collection year ending 31 March after the window begins
    failing = []
    for finding in findings(conn, include_accepted=False):
        record = by_key.get(finding.get("child_key"))
        if record is None or finding["kind"] not in ("cin", "ssda903") or finding["severity"] != "error":
            continue
        if finding.get("year") is not None and finding["year"] < first_year:
            continue
        failing.append(
            {
                "la_child_id": record.la_child_id,
                "child": record.child_key,
                "return": "CIN census" if finding["kind"] == "cin" else "SSDA903",
                "year": finding.get("year"),
                "rule": finding["rule"],
                "message": finding["message"],
            }
        )
    unique = {tuple(row.values()): row for row in failing}
    return sorted(unique.values(), key=lambda row: (row["la_child_id"], row["return"], str(row["rule"])))
