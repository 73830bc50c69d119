"""History: the rows of a canonical table that stand today, or stood on any earlier date.

Every row keeps the batch that brought it. A snapshot batch replaces the earlier batches of
its scope (last year's SSDA903 episodes file does not replace this year's, but a re-sent
file for the same year does); a changes batch adds new versions by source key. Within a
feed, the latest version of each source record wins. Which batches are visible on a date is
the store's ``visible_batches`` macro (``migrations/0002_ingest.sql``); ``current_sql`` gives
the SQL for a table as it stood on a date, for facts, linkage, reports and analysts.

The date is the named parameter ``$as_of`` (NULL: now), so SQL built from several tables binds
one value, ``{"as_of": day}``, whatever order the pieces are written in.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from childhub.store.sql import quote_identifier

if TYPE_CHECKING:
    import duckdb

AS_OF = "as_of"
_VISIBLE = f"visible_batches(CAST(${AS_OF} AS DATE))"


def as_of_parameters(as_of: date | None) -> dict[str, date | None]:
    """The parameters SQL from ``current_sql`` binds: ``{"as_of": as_of}``."""
    return {AS_OF: as_of}


def current_sql(table: str, as_of: date | None = None, *, one_version: bool = False) -> tuple[str, dict]:
    """SQL (and its named parameters) selecting ``table``'s rows as they stood on ``as_of`` (None: now).

    ``one_version`` says that no feed has two visible batches of the table (``has_one_version``),
    so every visible row is the current one and the latest-version search can be skipped.
    """
    sql = f"SELECT t.* FROM {quote_identifier(table)} t JOIN {_VISIBLE} b USING (batch_id)"
    if not one_version:
        sql += (
            " QUALIFY row_number() OVER (PARTITION BY b.feed, t.source_system, t.source_record_key "
            "ORDER BY b.extract_date DESC NULLS LAST, t.batch_id DESC) = 1"
        )
    return sql, as_of_parameters(as_of)


def has_one_version(conn: duckdb.DuckDBPyConnection, table: str, as_of: date | None = None) -> bool:
    """True when each feed has at most one visible batch holding rows of ``table`` (a cheap check)."""
    most = conn.execute(
        f"SELECT max(batches) FROM (SELECT count(DISTINCT t.batch_id) AS batches FROM {quote_identifier(table)} t "
        f"JOIN {_VISIBLE} b USING (batch_id) GROUP BY b.feed)",
        as_of_parameters(as_of),
    ).fetchone()[0]
    return most is None or most <= 1
