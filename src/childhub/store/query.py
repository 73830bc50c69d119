"""Analysts' queries: one SELECT, cut off from everything but the store, time- and row-limited."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from childhub.errors import QueryError
from childhub.exports import csv_text, is_number, jsonable, plain_text

if TYPE_CHECKING:
    import duckdb

Format = Literal["table", "csv", "json"]

_SQL_SHOWN = 80


@dataclass(frozen=True)
class QueryResult:
    """A query's columns and rows: at most the row limit, ``truncated`` if there were more."""

    FORMATS: ClassVar[tuple[str, ...]] = ("table", "csv", "json")

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool

    def to_text(self, fmt: Format = "table") -> str:
        """The rows as an aligned text table, CSV with a header, or a JSON list of objects."""
        if fmt == "table":
            return _as_table(self.columns, self.rows)
        if fmt == "csv":
            return csv_text(self.columns, self.rows)
        if fmt == "json":
            records = [dict(zip(self.columns, map(jsonable, row), strict=True)) for row in self.rows]
            return json.dumps(records, indent=2, ensure_ascii=False)
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(self.FORMATS)}")


def run_query(conn: duckdb.DuckDBPyConnection, sql: str, *, timeout_seconds: float, row_limit: int) -> QueryResult:
    """Run one SELECT on a read-only connection, after locking the connection down."""
    import duckdb

    if timeout_seconds <= 0 or row_limit < 1:
        raise ValueError("timeout_seconds and row_limit must be positive")
    _check_single_select(conn, sql)
    lock_down(conn)

    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        with contextlib.suppress(duckdb.Error):  # the query may have just finished
            conn.interrupt()

    timer = threading.Timer(timeout_seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        result = conn.execute(sql)
        columns = _unique_names([description[0] for description in result.description])
        rows = result.fetchmany(row_limit + 1)
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise QueryError(
                f"query stopped after {timeout_seconds:g} seconds, its time limit [SQL: {_shorten(sql)}]"
            ) from None
        raise QueryError(f"query failed: {_first_line(exc)} [SQL: {_shorten(sql)}]") from exc
    finally:
        timer.cancel()
    return QueryResult(columns, tuple(rows[:row_limit]), truncated=len(rows) > row_limit)


def lock_down(conn: duckdb.DuckDBPyConnection) -> None:
    """Cut ``conn`` off from files, network and extensions, and freeze its settings.

    Both settings are global to the database instance, which every read-only
    connection to the store in this process shares; the first query locks it.
    """
    locked, external_access = conn.execute(
        "SELECT current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchone()
    if not locked:
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
    elif external_access:
        raise QueryError("the store's read-only connections allow external access; not querying")


def _check_single_select(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    import duckdb

    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {_first_line(exc)} [SQL: {_shorten(sql)}]") from exc
    if len(statements) != 1:
        raise QueryError(f"query refused: give exactly one SQL statement, not {len(statements)} [SQL: {_shorten(sql)}]")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryError(f"query refused: only a SELECT may run here, not {kind.name} [SQL: {_shorten(sql)}]")


def _shorten(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= _SQL_SHOWN else flat[: _SQL_SHOWN - 1] + "…"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def _unique_names(names: list[str]) -> tuple[str, ...]:
    """Column names made unique the way DuckDB does in subqueries: a, a_1, a_2."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        unique.append(candidate)
    return tuple(unique)


def _as_table(columns: tuple[str, ...], rows: tuple[tuple[Any, ...], ...]) -> str:
    cells = [[plain_text(value).replace("\n", "\\n") for value in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    numeric = [bool(rows) and all(is_number(row[i]) for row in rows if row[i] is not None) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    header = line(list(columns))
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([header, rule, *(line(row) for row in cells)]) + "\n"
