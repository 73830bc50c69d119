"""Analysts' queries: one SELECT, cut off from everything but the store, time-, row- and size-limited.

Each query runs in a process of its own (from ``multiprocessing``'s fork server), so the time limit holds even
inside one long step of DuckDB's (its own interrupt is only looked at between chunks of rows) and a
large result never grows the web app's memory: the process is killed at the limit, and sends back at
most the row and byte limits.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from childhub.errors import ChildhubError, QueryError
from childhub.exports import csv_text, is_number, jsonable, plain_text

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    import duckdb

Format = Literal["table", "csv", "json"]

_SQL_SHOWN = 80


@dataclass(frozen=True)
class QueryResult:
    """A query's columns and rows: at most the row limit, ``truncated`` if there were more.

    ``byte_limit`` is set when the rows were cut by size rather than number: the rows shown are those
    that fit in that many bytes of text.
    """

    FORMATS: ClassVar[tuple[str, ...]] = ("table", "csv", "json")

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    byte_limit: int | None = None

    @property
    def truncated_by(self) -> Literal["rows", "bytes"] | None:
        """What cut the result short: the row limit, the byte limit, or nothing."""
        if not self.truncated:
            return None
        return "bytes" if self.byte_limit is not None else "rows"

    def note(self) -> str:
        """A sentence saying why only some rows are here ('' when they all are)."""
        shown = f"only the first {len(self.rows):,} {'row is' if len(self.rows) == 1 else 'rows are'} shown"
        if self.truncated_by == "bytes":
            return f"{shown}: the rest would take the result past {_megabytes(self.byte_limit or 0)}, its size limit"
        if self.truncated_by == "rows":
            return f"{shown}: there are more"
        return ""

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


def run_query(
    database: Path,
    sql: str,
    *,
    timeout_seconds: float,
    row_limit: int,
    byte_limit: int,
    memory_mb: int,
    data_dir: Path | None = None,
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> QueryResult:
    """Run one SELECT on a read-only connection, after locking the connection down.

    The statement is checked here first (one SELECT, none of the functions that show the server's
    files and settings or run SQL from a string). It then runs in a process of its own, on its own
    read-only connection to ``database`` (the store or a published snapshot), with ``prepare(conn)``
    run first if given (the facts, say): that process is killed when the query has run for
    ``timeout_seconds`` (counted once the data is open and prepared, which may take up to a minute),
    whatever it is doing, and may use ``memory_mb`` of memory. Scripts that call this need the usual
    ``if __name__ == "__main__":`` guard, as for any ``multiprocessing``. Rows come back in chunks until
    ``row_limit`` rows or ``byte_limit`` bytes of text; what did not fit is left behind and the
    result says so. DuckDB's messages name no folder of the server's: ``data_dir``, the temporary
    and home folders are replaced by a word for them.
    """
    if timeout_seconds <= 0 or row_limit < 1 or byte_limit < 1 or memory_mb < 1:
        raise ValueError("timeout_seconds, row_limit, byte_limit and memory_mb must be positive")
    _check_single_select(sql)
    job = _Job(str(database), sql, row_limit, byte_limit, memory_mb, prepare)
    return _Answer(job, timeout_seconds, _private_folders(data_dir)).collect()


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


# Functions and views an analyst's query may not name: they show the server's folders (the database
# file, the temporary, home, extension and secret folders, among all the settings) or run SQL given
# as a string, which would slip past these checks.
_NOT_AVAILABLE = frozenset(
    {
        "current_setting",
        "duckdb_settings",
        "pg_settings",
        "duckdb_databases",
        "pragma_database_list",
        "duckdb_extensions",
        "duckdb_extension_repositories",
        "duckdb_secrets",
        "which_secret",
        "duckdb_temporary_files",
        "duckdb_logs",
        "duckdb_log_contexts",
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "query",
        "query_table",
        "json_execute_serialized_sql",
    }
)


_PARSER: list[duckdb.DuckDBPyConnection] = []  # one in-memory database, only ever asked to parse
_PARSER_LOCK = threading.Lock()


def _check_single_select(sql: str) -> None:
    import duckdb

    try:
        with _PARSER_LOCK:
            if not _PARSER:
                _PARSER.append(duckdb.connect(":memory:"))
            statements = _PARSER[0].extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {_first_line(exc)} [SQL: {_shorten(sql)}]") from exc
    if len(statements) != 1:
        raise QueryError(f"query refused: give exactly one SQL statement, not {len(statements)} [SQL: {_shorten(sql)}]")
    kind = _statement_kind(statements[0])
    if kind != "SELECT":
        raise QueryError(f"query refused: only a SELECT may run here, not {kind} [SQL: {_shorten(sql)}]")
    named = _names_in(sql) & _NOT_AVAILABLE
    if named:
        raise QueryError(
            f"query refused: {', '.join(sorted(named))} cannot be used here (it shows the server's files and "
            f"settings, or runs SQL from a string) [SQL: {_shorten(sql)}]"
        )


def _statement_kind(statement: Any) -> str:
    """SELECT, COPY, ...: DuckDB's name for the statement type, or the statement's first word where
    this duckdb's Python enum has no name for it (``UPDATE EXTENSIONS``)."""
    try:
        return statement.type.name
    except ValueError:
        words = statement.query.split()
        return " ".join(words[:2]).upper() if words else "an empty statement"


def _names_in(sql: str) -> set[str]:
    """Every identifier and keyword in ``sql``, unquoted and in lower case (comments and strings left out)."""
    import duckdb

    tokens = duckdb.tokenize(sql)
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    names = set()
    for (start, kind), end in zip(tokens, ends, strict=True):
        if kind in (duckdb.token_type.identifier, duckdb.token_type.keyword):
            names.add(sql[start:end].strip().strip('"').lower())
    return names


@dataclass(frozen=True)
class _Job:
    """What the query's own process is given (it must pickle: ``prepare`` is a module's function)."""

    database: str
    sql: str
    row_limit: int
    byte_limit: int
    memory_mb: int
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None


_START_SECONDS = 60.0  # opening the database and preparing the facts, before the query's own clock starts
_CHUNK_ROWS = 256


class _Answer:
    """The parent's side: start the query's process, gather what it sends, kill it at the time limit."""

    def __init__(self, job: _Job, timeout_seconds: float, private: list[tuple[re.Pattern[str], str]]) -> None:
        self.job = job
        self.timeout_seconds = timeout_seconds
        self.private = private

    def collect(self) -> QueryResult:
        context = _process_context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_answer, args=(self.job, sender), name="childhub-query", daemon=True)
        process.start()
        sender.close()  # the child holds the only writing end: its exit is our end of file
        try:
            return self._gather(receiver, process)
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            receiver.close()

    def _gather(self, receiver: Connection, process: Any) -> QueryResult:
        deadline, started = time.monotonic() + _START_SECONDS, False
        columns: tuple[str, ...] = ()
        rows: list[tuple[Any, ...]] = []
        while True:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                process.kill()
                if not started:
                    raise self._error(f"query stopped: the data could not be opened in {_START_SECONDS:g} seconds")
                raise self._error(f"query stopped after {self.timeout_seconds:g} seconds, its time limit")
            try:
                kind, *message = receiver.recv()
            except EOFError:
                process.join()
                raise self._error(
                    f"query failed: its process ended unexpectedly (exit code {process.exitcode})"
                ) from None
            if kind == "started":
                deadline, started = time.monotonic() + self.timeout_seconds, True
            elif kind == "columns":
                columns = _unique_names(message[0])
            elif kind == "rows":
                rows.extend(message[0])
            elif kind == "done":
                truncated, cut_by_bytes = message
                return QueryResult(
                    columns,
                    tuple(rows),
                    truncated=truncated,
                    byte_limit=self.job.byte_limit if cut_by_bytes else None,
                )
            else:  # "failed": a sentence from DuckDB (or the size check), which may name folders
                raise self._error(self._scrub(message[0]))

    def _error(self, sentence: str) -> QueryError:
        return QueryError(f"{sentence} [SQL: {_shorten(self.job.sql)}]")

    def _scrub(self, text: str) -> str:
        for pattern, word in self.private:
            text = pattern.sub(word, text)
        return text


def _process_context() -> Any:
    """Where query processes come from: never a fork of the caller (a web server full of threads and
    DuckDB's); a fork server with duckdb imported once, so each query starts in a few hundredths of a
    second, where the platform has one, else a fresh interpreter each time."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["duckdb", __name__])  # only read when the fork server first starts
    return context


def _private_folders(data_dir: Path | None) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, word) for each server folder DuckDB's messages must not show, the longest first."""
    import tempfile

    named = [(Path.home(), "<home folder>"), (Path(tempfile.gettempdir()), "<temporary folder>")]
    if data_dir is not None:
        named.append((data_dir, "<data folder>"))
    folders = {form: word for folder, word in named for form in (str(folder.absolute()), str(folder.resolve()))}
    folders.pop("/", None)  # a home folder of / says nothing
    return [
        (re.compile(re.escape(form) + r"(?![\w.-])"), folders[form]) for form in sorted(folders, key=len, reverse=True)
    ]


def _answer(job: _Job, sender: Connection) -> None:
    """The query's own process: open ``job.database`` read-only, run the SELECT, send its rows in chunks."""
    import resource

    # Cap everything the process may map, Python's copies of the rows included (DuckDB's own limit is
    # on its buffers); twice DuckDB's share and a gigabyte leaves room for the interpreter and threads.
    address_space = (2 * job.memory_mb + 1024) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    try:
        sender.send(_run_in_this_process(job, sender))
    except Exception as exc:  # noqa: BLE001 - whatever goes wrong, the parent gets a sentence, not a hang
        sender.send(("failed", _failure(exc)))
    finally:
        sender.close()


def _run_in_this_process(job: _Job, sender: Connection) -> tuple[Any, ...]:
    from childhub.store.store import open_for_query

    conn = open_for_query(Path(job.database), memory_mb=job.memory_mb)
    if job.prepare is not None:
        job.prepare(conn)
    lock_down(conn)
    sender.send(("started",))
    result = conn.execute(job.sql)
    sender.send(("columns", [description[0] for description in result.description]))
    rows_sent = bytes_sent = 0
    while True:
        chunk = result.fetchmany(_CHUNK_ROWS)
        if not chunk:
            return ("done", False, False)
        fitting = []
        for row in chunk:
            if rows_sent == job.row_limit:
                sender.send(("rows", fitting))
                return ("done", True, False)
            size = sum(map(_text_size, row))
            if bytes_sent + size > job.byte_limit:
                if rows_sent == 0:
                    return ("failed", _too_large(job.byte_limit))
                sender.send(("rows", fitting))
                return ("done", True, True)
            fitting.append(row)
            rows_sent += 1
            bytes_sent += size
        sender.send(("rows", fitting))


def _failure(exc: Exception) -> str:
    import duckdb

    if isinstance(exc, MemoryError):
        return "query failed: it needs more memory than an analyst's query may use"
    if isinstance(exc, duckdb.Error | ChildhubError):
        return f"query failed: {_first_line(exc)}"
    return f"query failed: unexpected {type(exc).__name__}: {_first_line(exc)}"


def _text_size(value: Any) -> int:
    """About how many bytes ``value`` takes as text (UTF-8 for strings; lists and maps counted through)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(map(_text_size, value)) + len(value) + 1
    if isinstance(value, dict):
        return sum(_text_size(key) + _text_size(item) for key, item in value.items()) + len(value) + 1
    return len(str(value))


def _too_large(byte_limit: int) -> str:
    return (
        f"query stopped: its first row alone is larger than {_megabytes(byte_limit)}, the most one query may "
        "return; select fewer or shorter values"
    )


def _megabytes(byte_limit: int) -> str:
    return f"{byte_limit / 2**20:g} MB"


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
