"""Annex A for an inspection date, from the facts: rows per list, an Excel workbook or CSV files.

Each list's query is a data file in ``lists/`` (``list_NN_<id>.sql``), written over the facts
with the as-at date bound as ``$as_at``; its header comment says which children and rows the
list holds, the window it counts over and, under ``Sources:``, where each column comes from
(``NONE - why`` for a column nothing in the canonical model can fill). ``lists/_macros.sql``
holds what the queries share (windows, age, allocation).

``annex_a_rows(conn, as_at, version)`` gives every list's rows, ready to show (codes written
as the template's drop-down text); ``write_annex_a(store, as_at, out)`` streams them into a
workbook, one sheet per list and a summary sheet last, or into one CSV per list and
``summary.csv``. The summary says, per list, how many rows it has and which columns are
unavailable: no source in the canonical model, or no value in any row. With ``check=True`` the rows
are checked as they are written (``childhub.annex_a.check``): the findings go on a "Checks" sheet
(``checks.csv`` beside the CSV files) and into the report. An inspection date after today is refused.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from childhub.annex_a.check import (  # the check's public names are the report's: CLI and web import them here
    CHECK_CSV_HEADERS,
    AnnexAChecker,
    AnnexACheckReport,
    check_lists,  # noqa: F401
)
from childhub.annex_a.templates import AnnexAColumn, AnnexAList, AnnexATemplate, CodeSet, template, version_for
from childhub.declared import Problems, raise_if_any
from childhub.errors import ChildhubError
from childhub.exports import write_csv

if TYPE_CHECKING:
    import duckdb

    from childhub.store import Store

LIST_DIR = Path(__file__).parent / "lists"
MACROS_FILE = "_macros.sql"
SUMMARY_SHEET = "Summary"
CHECKS_SHEET = "Checks"
CHECK_GROUP_HEADERS = ("List", "Sheet", "Column", "Check", "Findings", "Children to fix", "For example")
SUMMARY_HEADERS = ("List", "Sheet", "Rows", "Unavailable field", "Why unavailable", "Source")
NO_SOURCE = "no source in the canonical model"
NO_VALUE = "no value in any row"
_FETCH_ROWS = 10_000
# A list query's output column named "_..." is for childhub, never for the sheet: the check reads
# "_source_record" (the source record a row came from) and "_proxy_<column id>" (true where that date is a
# collection year's end standing for the year).
HIDDEN_PREFIX = "_"
_FILE_NAME = re.compile(r"^list_(\d{2})_([a-z][a-z0-9_]*)\.sql$")
_SOURCE_LINE = re.compile(r"^--\s+([a-z][a-z0-9_]*):\s+(.+)$")

# Where the columns every child list shares come from (a list's own file names the rest).
COMMON_SOURCES = {
    "child_unique_id": "fact_child.la_child_id (else the record's person_id)",
    "gender": "fact_child.sex",
    "ethnicity": "fact_child.ethnicity",
    "date_of_birth": "fact_child.date_of_birth (expected_date_of_birth for an unborn child)",
    "age_of_child": "fact_child.date_of_birth",
    "disability": "fact_child.disability (Unknown where nothing is recorded)",
    "allocated_team": "fact_allocation.team_id, fact_team.team_name",
    "allocated_worker": "fact_allocation.worker_id, fact_worker.worker_name",
}

Format = Literal["xlsx", "csv"]


class AnnexAExportError(ChildhubError):
    """Annex A could not be produced: a list's query is broken or failed, or the output cannot be written."""


def refuse_future_date(as_at: date, today: date | None = None) -> None:
    """Raise ``AnnexAExportError`` (one line) when the inspection date is after today."""
    today = today or date.today()
    if as_at > today:
        raise AnnexAExportError(
            f"The inspection date {as_at.isoformat()} is in the future (today is {today.isoformat()}): "
            "Annex A can be drawn up for today or an earlier day only."
        )


# --- the list queries, as data -------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """One list's query file: its SQL and, per column, where the value comes from."""

    number: int
    file: str
    sql: str
    sources: dict[str, str]  # column id -> source ("fact_x.column")
    no_source: dict[str, str]  # column id -> why nothing can fill it

    def source_of(self, column_id: str) -> str:
        return self.sources.get(column_id) or COMMON_SOURCES.get(column_id, "")


def _read_query(path: Path, number: int) -> ListQuery:
    sql = path.read_text("utf-8")
    sources: dict[str, str] = {}
    no_source: dict[str, str] = {}
    in_sources = False
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if line.strip() == "-- Sources:":
            in_sources = True
            continue
        match = _SOURCE_LINE.match(line) if in_sources else None
        if match:
            column_id, source = match.groups()
            if source.startswith("NONE"):
                no_source[column_id] = source.removeprefix("NONE").strip(" -")
            else:
                sources[column_id] = source
    return ListQuery(number, path.name, sql, sources, no_source)


@cache
def list_queries() -> dict[int, ListQuery]:
    """Every list's query, by list number; raises one error naming every broken file."""
    problems = Problems()
    queries: dict[int, ListQuery] = {}
    known_columns = {
        number: {column.id for version in _all_versions() for column in version.get_list(number).columns}
        for number in range(1, 12)
    }
    for path in sorted(LIST_DIR.glob("list_*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            problems.add(path.name, "", "a list's file should be named list_NN_<id>.sql")
            continue
        number = int(match.group(1))
        if number in queries:
            problems.add(path.name, "", f"List {number} already has {queries[number].file}")
            continue
        if number not in known_columns:
            problems.add(path.name, "", f"there is no List {number}")
            continue
        query = _read_query(path, number)
        if not query.sql.startswith(f"-- {path.stem}:"):
            problems.add(path.name, "", f"the first line should be '-- {path.stem}: what one row is'")
        for column_id in sorted((set(query.sources) | set(query.no_source)) - known_columns[number]):
            problems.add(path.name, "", f"Sources names {column_id!r}, which List {number} has in no template")
        queries[number] = query
    for number in sorted(set(range(1, 12)) - set(queries)):
        problems.add(str(LIST_DIR), "", f"List {number} has no list_{number:02d}_<id>.sql")
    raise_if_any(problems, "The Annex A list queries", AnnexAExportError)
    return queries


def _all_versions() -> list[AnnexATemplate]:
    from childhub.annex_a.templates import versions

    return [template(version) for version in versions()]


def _macros_sql() -> str:
    return (LIST_DIR / MACROS_FILE).read_text("utf-8")


# --- turning database values into cells ----------------------------------------------------


class _Cells(dict):
    """Database values -> cells, each distinct value converted once (codes, names and answers repeat a lot)."""

    def __init__(self, convert: Callable[[Any], Any]):
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        cell = self[value] = self.convert(value)
        return cell


def _code_cell(code_set: CodeSet) -> Callable[[Any], Any]:
    written = {code.code: code.template_value or code.code for code in code_set.codes}

    def cell(value: Any) -> Any:
        if value is None:
            return None
        text = ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value).strip()
        code = code_set.lookup(text)
        return written[code] if code is not None else (text or None)

    return cell


def _yes_no_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    text = str(value).strip().upper()
    if text in {"Y", "YES", "TRUE", "T", "1"}:
        return "Y"
    if text in {"N", "NO", "FALSE", "F", "0"}:
        return "N"
    return str(value).strip() or None


def _date_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _integer_cell(value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _text_cell(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _cell_converter(column: AnnexAColumn, annex: AnnexATemplate) -> Callable[[Any], Any]:
    if column.type == "code":
        return _code_cell(annex.code_set(column.code_set))
    return {"yes_no": _yes_no_cell, "date": _date_cell, "integer": _integer_cell}.get(column.type, _text_cell)


# Database types whose values are already the cell a column type wants: nothing to convert.
_AS_IS = {
    "text": {"VARCHAR"},  # blank text is made NULL in the query (``_fetch``)
    "date": {"DATE"},
    "integer": {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"},
}


def _column_cells(column: AnnexAColumn, annex: AnnexATemplate, database_type: str) -> _Cells | None:
    """How a column's values become cells: None when the database's values already are the cells."""
    if database_type in _AS_IS.get(column.type, ()) or database_type == "NULL":
        return None
    return _Cells(_cell_converter(column, annex))


# --- running the lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnavailableField:
    """A column of a list childhub could not fill: no source, or no value in any row."""

    list_number: int
    column_id: str
    header: str
    reason: str  # NO_SOURCE or NO_VALUE
    source: str  # for NO_SOURCE why nothing can fill it; for NO_VALUE where it would come from


@dataclass(frozen=True)
class AnnexAListRows:
    """One list's rows, each a tuple in the template's column order, ready to show or write."""

    annex_list: AnnexAList
    rows: tuple[tuple[Any, ...], ...]
    unavailable: tuple[UnavailableField, ...]
    hidden: dict[str, tuple[Any, ...]] = dataclasses.field(
        default_factory=dict
    )  # the query's hidden columns (HIDDEN_PREFIX)


@dataclass(frozen=True)
class AnnexAReport:
    """What ``write_annex_a`` wrote."""

    paths: tuple[Path, ...]
    rows: dict[int, int]  # list number -> rows
    children: int  # distinct children across Lists 1 to 10
    version: str
    unavailable: tuple[UnavailableField, ...]
    seconds: float
    check: AnnexACheckReport | None = None  # the findings, when the lists were checked

    @property
    def path(self) -> Path:
        """The workbook, or the folder of CSV files."""
        return self.paths[0] if len(self.paths) == 1 else self.paths[0].parent


def _fetch(
    conn: duckdb.DuckDBPyConnection, annex_list: AnnexAList, query: ListQuery, as_at: date
) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    """Run one list's query and fetch its rows: each column's database type, the names of the query's hidden
    columns (after the template's, in the rows) and the rows."""
    from childhub.engines import engine_errors
    from childhub.store import quote_identifier

    body = query.sql.rstrip().rstrip(";")
    parameters = {"as_at": as_at} if "$as_at" in query.sql else {}
    try:
        # the query's columns, from a run that fetches nothing (DESCRIBE is DuckDB's alone)
        described = conn.execute(f"SELECT * FROM ({body}) AS annex_a_list LIMIT 0", parameters).description
        hidden = [row[0] for row in described if row[0].startswith(HIDDEN_PREFIX)]
        selected = []
        for column in annex_list.columns:
            name = quote_identifier(column.id)
            if column.type == "text":  # a blank text cell is an empty cell, as _text_cell has it
                selected.append(
                    f"CASE WHEN regexp_full_match(CAST({name} AS VARCHAR), '\\s*') THEN NULL ELSE {name} END AS {name}"
                )
            else:
                selected.append(name)
        selected += [quote_identifier(name) for name in hidden]
        cursor = conn.execute(f"SELECT {', '.join(selected)} FROM ({body}) AS annex_a_list", parameters)
        return [str(described[1]) for described in cursor.description], hidden, cursor.fetchall()
    except engine_errors() as error:
        message = str(error).splitlines()[0]
        raise AnnexAExportError(f"List {annex_list.number}'s query ({query.file}) failed: {message}") from error


class _ListRun:
    """One list's rows (fetched beside it, see ``_runs``) as cells, batch by batch, and which columns had values."""

    def __init__(
        self,
        annex: AnnexATemplate,
        annex_list: AnnexAList,
        fetched: Future[tuple[list[str], list[str], list[tuple[Any, ...]]]],
        checker: AnnexAChecker | None = None,
    ):
        self.annex = annex
        self.annex_list = annex_list
        self.checker = checker
        self.query = list_queries()[annex_list.number]
        self.filled = [False] * len(annex_list.columns)
        self.count = 0
        ids = annex_list.column_ids
        self._id_position = ids.index("child_unique_id") if "child_unique_id" in ids else None
        self.children: set[Any] = set()  # the children whose records the list holds, for the audit log
        self.hidden: dict[str, list[Any]] = {}  # the query's hidden columns, every row so far
        self._fetched = fetched

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        """The rows as cells, a batch at a time, converted a column at a time."""
        filled = self.filled
        types, hidden_names, rows = self._fetched.result()
        width = len(self.annex_list.columns)
        column_cells = [
            _column_cells(column, self.annex, kind)
            for column, kind in zip(self.annex_list.columns, types, strict=False)
        ]
        self.hidden = {name: [] for name in hidden_names}
        for start in range(0, len(rows), _FETCH_ROWS):
            fetched = list(zip(*rows[start : start + _FETCH_ROWS], strict=True))
            columns = [
                values if cells is None else list(map(cells.__getitem__, values))
                for cells, values in zip(column_cells, fetched[:width], strict=True)
            ]
            hidden = dict(zip(hidden_names, fetched[width:], strict=True))
            for name, values in hidden.items():
                self.hidden[name].extend(values)
            for position, values in enumerate(columns):
                if not filled[position] and any(value is not None for value in values):
                    filled[position] = True
            batch = list(zip(*columns, strict=True))
            self.count += len(batch)
            if self.checker is not None:
                self.checker.check_rows(self.annex_list, batch, columns, hidden)
            if self._id_position is not None:
                self.children.update(columns[self._id_position])
            yield batch

    def unavailable(self) -> tuple[UnavailableField, ...]:
        """Columns with no source, then (when the list has rows) columns no row gave a value."""
        fields = []
        for position, column in enumerate(self.annex_list.columns):
            number = self.annex_list.number
            if column.id in self.query.no_source:
                fields.append(
                    UnavailableField(number, column.id, column.header, NO_SOURCE, self.query.no_source[column.id])
                )
            elif self.count and not self.filled[position]:
                fields.append(
                    UnavailableField(number, column.id, column.header, NO_VALUE, self.query.source_of(column.id))
                )
        return tuple(fields)


def _prepare(conn: duckdb.DuckDBPyConnection, as_at: date) -> None:
    from childhub.engines import check_translation, engine_errors
    from childhub.facts import prepare, referenced_facts

    queries = list_queries()
    sql = _macros_sql() + "\n".join(query.sql for query in queries.values())
    prepare(conn, referenced_facts(sql))
    try:
        conn.execute(_macros_sql())
    except engine_errors() as error:
        message = str(error).splitlines()[0]
        raise AnnexAExportError(f"The Annex A macros ({MACROS_FILE}) could not be created: {message}") from error
    # every list translated before any runs (on Spark): one it cannot run fails now, naming the engine and construct
    check_translation(
        conn,
        (
            (f"List {number}'s query ({query.file})", query.sql, {"as_at": as_at} if "$as_at" in query.sql else None)
            for number, query in queries.items()
        ),
    )


def _runs(
    conn: duckdb.DuckDBPyConnection,
    as_at: date,
    annex: AnnexATemplate,
    started: list[_ListRun] | None = None,
    checker: AnnexAChecker | None = None,
) -> Iterator[_ListRun]:
    """Each list's run in turn (each also added to ``started``); a run must be read to its end before the next.

    The list queries run one after another on a thread of their own, on the caller's connection, which
    nothing else uses meanwhile: while one list's rows are turned into cells, checked and written, the
    database is already running the next list's query (it works outside Python's lock). Closing the
    generator waits for the query in hand, so the connection is free again when it returns."""
    refuse_future_date(as_at)
    _prepare(conn, as_at)
    queries = list_queries()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="annex-a-lists")
    try:
        fetched = [pool.submit(_fetch, conn, item, queries[item.number], as_at) for item in annex.lists]
        for annex_list, rows in zip(annex.lists, fetched, strict=True):
            run = _ListRun(annex, annex_list, rows, checker)
            if started is not None:
                started.append(run)
            yield run
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def annex_a_rows(conn: duckdb.DuckDBPyConnection, as_at: date, version: str | None = None) -> list[AnnexAListRows]:
    """Every list's rows for the as-at date, on a connection to the store (a reader is enough)."""
    annex = template(version or version_for(as_at))
    results = []
    runs = _runs(conn, as_at, annex)
    try:
        for run in runs:
            rows = tuple(row for batch in run.batches() for row in batch)
            hidden = {name: tuple(values) for name, values in run.hidden.items()}
            results.append(AnnexAListRows(run.annex_list, rows, run.unavailable(), hidden))
    finally:
        runs.close()
    return results


def write_annex_a(
    store: Store,
    as_at: date,
    out: Path,
    *,
    fmt: Format = "xlsx",
    version: str | None = None,
    check: bool = False,
    engine: str = "duckdb",
) -> AnnexAReport:
    """Write Annex A as at ``as_at``: a workbook at ``out``, or (``fmt="csv"``) CSV files in the folder ``out``;
    ``check`` also checks every row and writes the findings with it (``AnnexAReport.check``). The lists are
    queried on ``engine`` (duckdb, or spark with the store loaded into it)."""
    from childhub.facts import engine_reader

    with engine_reader(store, engine) as conn:
        return write_annex_a_from(conn, as_at, out, fmt=fmt, version=version, check=check)


def write_annex_a_from(
    conn: duckdb.DuckDBPyConnection,
    as_at: date,
    out: Path,
    *,
    fmt: Format = "xlsx",
    version: str | None = None,
    check: bool = False,
) -> AnnexAReport:
    """``write_annex_a`` on a connection the caller holds (a reader, or a cursor on a published snapshot)."""
    if fmt not in ("xlsx", "csv"):
        raise AnnexAExportError(f"Annex A can be written as xlsx or csv, not {fmt!r}")
    refuse_future_date(as_at)
    started = time.perf_counter()
    annex = template(version or version_for(as_at))
    out = Path(out)
    started_runs: list[_ListRun] = []
    checker = AnnexAChecker(annex, as_at) if check else None
    runs = _runs(conn, as_at, annex, started_runs, checker)
    finish = (lambda: checker.finish(conn)) if checker is not None else None
    try:
        if fmt == "xlsx":
            paths, results, checked = _write_workbook(runs, out, as_at, annex, finish)
        else:
            paths, results, checked = _write_csv_files(runs, out, annex, finish)
    except OSError as error:
        raise AnnexAExportError(f"Annex A could not be written to {out}: {error.strerror or error}") from error
    finally:
        runs.close()
    return AnnexAReport(
        paths=paths,
        rows={number: count for number, count, _ in results},
        children=len(set().union(*(run.children for run in started_runs))),
        version=annex.version,
        unavailable=tuple(field for _, _, fields in results for field in fields),
        seconds=time.perf_counter() - started,
        check=checked,
    )


def _summary_rows(results: list[tuple[int, int, tuple[UnavailableField, ...]]], annex: AnnexATemplate) -> list[tuple]:
    rows = []
    for number, count, fields in results:
        sheet = annex.get_list(number).sheet_name
        if not fields:
            rows.append((number, sheet, count, None, None, None))
        for field in fields:
            rows.append((number, sheet, count, field.header, field.reason, field.source))
    return rows


# --- Excel ---------------------------------------------------------------------------------


def _check_group_rows(checked: AnnexACheckReport) -> list[tuple]:
    return [
        (g.list_number, g.sheet_name, g.header, g.check_words, g.count, g.first_children(), g.example)
        for g in checked.groups()
    ]


def _check_sentence(checked: AnnexACheckReport) -> str:
    if not checked.findings:
        return "Checked before it left: nothing found."
    return (
        f"Checked before it left: {len(checked.findings):,} finding(s) about {len(checked.children):,} "
        f"child(ren), listed on the {CHECKS_SHEET} sheet."
    )


def _write_workbook(
    runs: Iterator[_ListRun],
    out: Path,
    as_at: date,
    annex: AnnexATemplate,
    finish: Callable[[], AnnexACheckReport] | None = None,
):
    from childhub import __version__
    from childhub.annex_a.workbook import Workbook

    results = []
    checked = None
    with Workbook(out) as book:
        for run in runs:
            columns = run.annex_list.columns
            headers = [column.header for column in columns]
            with book.sheet(run.annex_list.sheet_name, _widths(headers, [c.type for c in columns])) as sheet:
                sheet.header(headers)
                for batch in run.batches():
                    sheet.rows(batch)
            results.append((run.annex_list.number, run.count, run.unavailable()))
        if finish is not None:
            checked = finish()
        summary_types = ["integer", "text", "integer", "text"]
        with book.sheet(SUMMARY_SHEET, _widths(list(SUMMARY_HEADERS), summary_types), freeze_rows=3) as summary:
            summary.rows(
                [
                    (
                        f"Ofsted ILACS Annex A as at {as_at:%d/%m/%Y}, template {annex.version}, "
                        f"written by childhub {__version__}. '6 months before' runs from the same day 6 months "
                        "earlier up to the as-at date, both days included.",
                    ),
                    (_check_sentence(checked),) if checked is not None else (),
                ]
            )
            summary.header(SUMMARY_HEADERS)
            summary.rows(_summary_rows(results, annex))
        if checked is not None:
            with book.sheet(CHECKS_SHEET, _widths(list(CHECK_CSV_HEADERS), ["integer", "text"])) as sheet:
                sheet.header(CHECK_GROUP_HEADERS)
                sheet.rows(_check_group_rows(checked))
                sheet.blank()
                sheet.rows([("Every finding, row by row:",)])
                sheet.header(CHECK_CSV_HEADERS, height=None)
                sheet.rows(checked.csv_rows())
    return (out,), results, checked


def _widths(headers: list[str], types: list[str]) -> list[float]:
    """Column widths (characters) from the headers: room for about two lines of a header, 40 at most."""
    return [
        max(12 if position < len(types) and types[position] == "date" else 14, min(40, len(header) * 0.5 + 4))
        for position, header in enumerate(headers)
    ]


# --- CSV -----------------------------------------------------------------------------------


def _write_csv_files(
    runs: Iterator[_ListRun], out: Path, annex: AnnexATemplate, finish: Callable[[], AnnexACheckReport] | None = None
):
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    results = []
    for run in runs:
        annex_list = run.annex_list
        path = out / f"list_{annex_list.number:02d}_{annex_list.id}.csv"
        headers = [column.header for column in annex_list.columns]
        write_csv(path, headers, (row for batch in run.batches() for row in batch))
        paths.append(path)
        results.append((annex_list.number, run.count, run.unavailable()))
    summary = out / "summary.csv"
    write_csv(summary, SUMMARY_HEADERS, _summary_rows(results, annex))
    if finish is None:
        return (*paths, summary), results, None
    checked = finish()
    checks = out / "checks.csv"
    write_csv(checks, CHECK_CSV_HEADERS, checked.csv_rows())
    return (*paths, summary, checks), results, checked
