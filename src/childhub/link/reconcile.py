"""Reconciliation: where childhub's one child is more than one record in a source system or in a DfE return.

- ``duplicate_records``: each child a source system holds two or more records for (social care registered the
  child twice, say), for the system's owner to merge;
- ``reconcile_return``: for a DfE return (the CIN census or the SSDA903) and a date, the LA child IDs the return
  holds for the collection year holding the date, the children they are to childhub, and each child the return
  counts under two or more IDs: why the return's headline count is larger than childhub's.

Both read a published snapshot or a reader with the facts prepared (``fact_person``, ``fact_child``), with
``child_link`` and ``ingest_batch``. A return's IDs are the person rows of its batch as it stands now: for each
scope of the return and year, the latest loaded batch (the rule ``visible_batches`` keeps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.calendar import collection_year_label, reporting_year_end
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]


class ReconcileError(ChildhubError):
    """A return childhub does not know, or one not loaded for the year asked for."""


@dataclass(frozen=True)
class DfeReturn:
    """A DfE return childhub reconciles with: its name and the ingest scopes (``kind:year``) its files load as."""

    key: str
    name: str
    kinds: tuple[str, ...]  # the scope kinds whose person rows are the return's children

    def scopes(self, year: int) -> list[str]:
        return [f"{kind}:{year}" for kind in self.kinds]


RETURNS: dict[str, DfeReturn] = {
    "cin_census": DfeReturn("cin_census", "CIN census", ("cin_census",)),
    "ssda903": DfeReturn("ssda903", "SSDA903", ("ssda903_header", "ssda903_xml")),
}


def _rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Row]:
    result = cursor.execute(sql, params)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _held(record_id: str, forename: str | None, surname: str | None, born: date | None) -> str:
    name = " ".join(part for part in (forename, surname) if part) or "no name"
    return f"{record_id} ({name}{f', born {born.isoformat()}' if born else ''})"


def duplicate_records(cursor: duckdb.DuckDBPyConnection, source_system: str | None = None) -> list[Row]:
    """Each linked child a source system (``source_system``, or every one) holds two or more records for.

    One row per system and child: ``source_system``, ``child_key``, ``child_id``, ``name`` (as the child is shown),
    ``records`` (how many), ``record_ids`` (the system's IDs, in order) and ``held`` (each record's ID, name and
    date of birth as the system holds them), by system and child ID.
    """
    found = _rows(
        cursor,
        """
        SELECT p.source_system, p.child_key, any_value(p.child_id) AS child_id,
               any_value(concat_ws(' ', c.forename, c.surname)) AS name, count(*) AS records,
               list(p.person_id ORDER BY length(p.person_id), p.person_id) AS record_ids,
               list([p.person_id, p.forename, p.surname, CAST(p.date_of_birth AS VARCHAR)]
                    ORDER BY length(p.person_id), p.person_id) AS held
        FROM fact_person p LEFT JOIN fact_child c USING (child_key)
        WHERE p.child_id IS NOT NULL AND (CAST(? AS VARCHAR) IS NULL OR p.source_system = ?)
        GROUP BY p.source_system, p.child_key
        HAVING count(*) > 1
        ORDER BY p.source_system, any_value(p.child_id)
        """,
        [source_system, source_system],
    )
    for row in found:
        row["held"] = [
            _held(record_id, forename, surname, date.fromisoformat(born) if born else None)
            for record_id, forename, surname, born in row["held"]
        ]
    return found


@dataclass(frozen=True)
class Reconciliation:
    """A return's count of children beside childhub's, and the children the return counts more than once."""

    dfe_return: DfeReturn
    year: int  # the collection year (ending 31 March of it)
    as_at: date
    la_child_ids: int  # the return's count: its distinct LA child IDs
    children: int  # childhub's count: the distinct children those IDs are
    merged: list[Row]  # each child held under 2+ IDs: child_key, child_id, name, la_child_ids

    @property
    def headline(self) -> str:
        """ "CIN census 2026 counts 1,400 children; childhub counts 1,396: 4 children are held under two IDs"."""
        held = len(self.merged)
        most = max((len(row["la_child_ids"]) for row in self.merged), default=2)
        under = "under two IDs" if most == 2 else "under two or more IDs"
        if held == 0:
            tail = "no child is held under two IDs"
        else:
            tail = f"{held:,} {'child is' if held == 1 else 'children are'} held {under}"
        return (
            f"{self.dfe_return.name} {self.year} counts {self.la_child_ids:,} children; "
            f"childhub counts {self.children:,}: {tail}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "return": self.dfe_return.key,
            "return_name": self.dfe_return.name,
            "year": self.year,
            "as_at": self.as_at.isoformat(),
            "return_count": self.la_child_ids,
            "childhub_count": self.children,
            "difference": self.la_child_ids - self.children,
            "headline": self.headline,
            "merged": self.merged,
        }


def dfe_return(key: str) -> DfeReturn:
    """The return named ``key`` (``cin_census`` or ``ssda903``); a ``ReconcileError`` naming the known ones."""
    if key not in RETURNS:
        raise ReconcileError(f"there is no return {key!r}: choose {' or '.join(RETURNS)}")
    return RETURNS[key]


def reconcile_return(cursor: duckdb.DuckDBPyConnection, key: str, as_at: date) -> Reconciliation:
    """The return ``key`` for the collection year holding ``as_at``, reconciled with childhub's linked children."""
    chosen = dfe_return(key)
    year = reporting_year_end(as_at).year
    batches = [
        batch_id
        for (batch_id,) in cursor.execute(
            "SELECT batch_id FROM ingest_batch WHERE status = 'loaded' AND list_contains(?, scope) "
            "QUALIFY row_number() OVER (PARTITION BY scope "
            "ORDER BY coalesce(extract_date, CAST(started_at AS DATE)) DESC, batch_id DESC) = 1",
            [chosen.scopes(year)],
        ).fetchall()
    ]
    if not batches:
        loaded = sorted(
            {
                scope.split(":", 1)[1]
                for (scope,) in cursor.execute(
                    "SELECT DISTINCT scope FROM ingest_batch WHERE status = 'loaded' AND list_contains(?, "
                    "split_part(scope, ':', 1))",
                    [list(chosen.kinds)],
                ).fetchall()
            }
        )
        raise ReconcileError(
            f"no {chosen.name} for {collection_year_label(year)} (the collection year holding {as_at.isoformat()}) "
            f"is loaded; loaded: {', '.join(loaded) or 'none'}"
        )
    counted = _rows(
        cursor,
        """
        WITH ids AS (
            SELECT DISTINCT b.source_system, p.pers_person_id AS la_child_id
            FROM person p JOIN ingest_batch b USING (batch_id)
            WHERE list_contains(?, p.batch_id)
        )
        SELECT coalesce('C' || l.child_id, i.source_system || ':' || i.la_child_id) AS child_key,
               any_value(l.child_id) AS child_id,
               list(i.la_child_id ORDER BY length(i.la_child_id), i.la_child_id) AS la_child_ids
        FROM ids i
        LEFT JOIN child_link l ON l.valid_to IS NULL AND l.source_system = i.source_system
                               AND l.source_record_id = i.la_child_id
        GROUP BY 1
        """,
        [batches],
    )
    merged = sorted((row for row in counted if len(row["la_child_ids"]) > 1), key=lambda row: row["child_id"])
    names = dict(
        cursor.execute(
            "SELECT child_key, concat_ws(' ', forename, surname) FROM fact_child WHERE list_contains(?, child_key)",
            [[row["child_key"] for row in merged]],
        ).fetchall()
    )
    for row in merged:
        row["name"] = names.get(row["child_key"]) or "(no name recorded)"
    return Reconciliation(
        dfe_return=chosen,
        year=year,
        as_at=as_at,
        la_child_ids=sum(len(row["la_child_ids"]) for row in counted),
        children=len(counted),
        merged=merged,
    )
