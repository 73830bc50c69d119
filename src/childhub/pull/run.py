"""Pulling tables from the sources' databases into the store, each table one batch through ``childhub.hub.ingest``.

For each table: read the last watermark (``pull.state``), read the rows from the source in chunks into a
CSV in the SSD table's layout in a private staging folder under the data folder, load it as one batch
(``mode="changes"`` for an incremental pull, the whole-table snapshot otherwise), and only after that batch
has committed record the new watermark. A crash between the two re-pulls the same rows next time: they arrive
as new versions of records the store already holds, which changes nothing anyone sees. The staging file is
removed once ingest has archived it (or refused it).
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childhub.exports import private_file, private_folder
from childhub.live import routed
from childhub.pull.connectors import SourceDatabase, connect, select_sql
from childhub.pull.sources import PullError, Source, Sources, Table

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings
    from childhub.store import Store

log = logging.getLogger("childhub.pull")
STAGING_FOLDER = "pull"
Progress = Callable[..., None]


@dataclass
class TablePull:
    """What one table's pull did."""

    source: str
    table: str
    status: str  # loaded, unchanged, nothing new, rejected, failed
    message: str
    mode: str | None = None  # snapshot or changes (the batch's); None when no batch was written
    rows_pulled: int = 0
    batch_id: int | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0
    watermark: str | None = None  # the greatest watermark loaded after this pull
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "unchanged", "nothing new")


@dataclass(frozen=True)
class State:
    """A table's row of ``pull.state``."""

    watermark_column: str | None
    watermark: Any
    last_run_at: datetime | None


def pull(
    store: Store,
    sources: Sources,
    *,
    source: str | None = None,
    tables: Iterable[str] | None = None,
    full: bool = False,
    shrink_refuse_below: float | None = None,
    authority: AuthoritySettings | None = None,
    check_quality: bool = True,
    chunk_rows: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[TablePull]:
    """Pull every table of every source (or of ``source``; only ``tables``), each as one batch; a report each.

    ``full`` reads whole tables even where a watermark is held, loaded as snapshots, and starts the watermark
    again. A source that cannot be reached raises ``PullError`` before anything of it is written. ``now`` is the
    time recorded as each table's last run (default: the time it ran), which the schedules count from.
    """
    say = progress or (lambda *args, **kwargs: None)
    chosen = [sources.get(source)] if source else list(sources.sources.values())
    wanted = set(tables) if tables is not None else None
    reports: list[TablePull] = []
    for each in chosen:
        reports.extend(
            _pull_source(store, each, wanted, full, shrink_refuse_below, authority, check_quality, chunk_rows, now, say)
        )
    return reports


def _pull_source(
    store: Store, source: Source, wanted, full, shrink_refuse_below, authority, check_quality, chunk_rows, now, say
) -> list[TablePull]:
    from childhub.ingest import SSD_TABLES

    canonical, states = _store_facts(store, source.name)
    with connect(source) as database:
        tables = _tables_of(source, database, SSD_TABLES)
        if wanted is not None:
            unknown = sorted(wanted - {table.name for table in tables})
            if unknown:
                raise PullError(
                    f"source {source.name}: no table {', '.join(unknown)} to pull "
                    f"(it pulls {', '.join(t.name for t in tables) or 'nothing'})"
                )
            tables = [table for table in tables if table.name in wanted]
        staging = _staging_folder(store, source.name)
        reports = []
        try:
            for done, table in enumerate(tables):
                say(f"pulling {source.name}.{table.name}", done, len(tables))
                state = None if full else states.get(table.name)
                try:
                    report = _pull_table(
                        store,
                        source,
                        database,
                        table,
                        state,
                        canonical,
                        staging,
                        shrink_refuse_below=shrink_refuse_below,
                        authority=authority,
                        check_quality=check_quality,
                        chunk_rows=chunk_rows,
                        now=now,
                        say=say,
                    )
                except PullError as error:  # this table's SELECT failed; the others still run
                    report = TablePull(source.name, table.name, "failed", str(error))
                    record_failure(store, source.name, [table.name], str(error), now)
                reports.append(report)
                log.info("pull %s.%s: %s: %s", source.name, table.name, report.status, report.message)
        finally:
            _remove_folder(staging)
    return reports


def _tables_of(source: Source, database: SourceDatabase, ssd_tables: tuple[str, ...]) -> list[Table]:
    """The tables declared, or with ``ssd: true`` and none declared every SSD table the source's database holds."""
    if source.tables or not source.ssd:
        return list(source.tables.values())
    present = {name.lower() for name in database.tables_like("ssd_")}
    return [Table(name=name) for name in ssd_tables if f"ssd_{name}" in present]


def _pull_table(
    store: Store,
    source: Source,
    database: SourceDatabase,
    table: Table,
    state: State | None,
    canonical: dict[str, list[str]],
    staging: Path,
    *,
    shrink_refuse_below: float | None,
    authority,
    check_quality: bool,
    chunk_rows: int | None,
    now: datetime | None,
    say: Progress,
) -> TablePull:
    from childhub.hub import ingest

    kind = source.connection.kind
    what = f"table {table.name}"
    since = None
    if table.mode == "incremental" and state is not None and state.watermark_column == table.watermark:
        since = state.watermark
    if table.query is None:
        wanted = _ssd_columns(source, database, table, canonical)
        sql, params = select_sql(
            kind,
            schema=source.connection.effective_schema,
            table=table.source_table,
            columns=wanted,
            watermark=table.watermark,
            since=since,
        )
    else:
        sql, params = select_sql(kind, query=table.query, watermark=table.watermark, since=since)
    changes = since is not None
    target = staging / (f"{table.name}.csv" if table.mapping else f"ssd_{table.name}.csv")
    with database.rows(sql, params, what, **({"chunk_rows": chunk_rows} if chunk_rows else {})) as found:
        keep = _kept_columns(source, table, found.columns, canonical)
        rows, latest = _write_staging(target, found.columns, keep, table.watermark, found.chunks, say, table.name)
    watermark = latest if latest is not None else since
    if rows == 0 and changes:
        report = TablePull(source.name, table.name, "nothing new", "no row changed since the last pull")
        report.watermark = _text(since)
        _record(store, source.name, table, since, report, now)
        return report
    reports = ingest(
        store,
        [target],
        extract_date=(now or datetime.now()).date(),  # taken now (a changes batch stands after the last snapshot)
        source=None if table.mapping else f"ssd_{table.name}",
        mapping_files=[table.mapping] if table.mapping else [],
        mode="changes" if changes else None,
        shrink_refuse_below=shrink_refuse_below,
        authority=authority,
        check_quality=check_quality,
    )
    file_report = reports[0]
    report = TablePull(
        source.name,
        table.name,
        file_report.status,
        file_report.message.replace(str(target), f"{source.name}.{table.name}"),
        mode="changes" if changes else "snapshot",
        rows_pulled=rows,
        batch_id=file_report.batch_id,
        rows_loaded=file_report.rows_loaded,
        rows_rejected=file_report.rows_rejected,
        problems=list(file_report.problems),
    )
    committed = file_report.status in ("loaded", "unchanged")
    report.watermark = _text(watermark if committed else since)
    _record(store, source.name, table, watermark if committed else since, report, now)
    return report


def _ssd_columns(source: Source, database: SourceDatabase, table: Table, canonical: dict[str, list[str]]) -> list[str]:
    """The columns to read from an SSD table: those of the canonical table it has, and the watermark."""
    present = database.table_columns(table.source_table)
    if present is None:
        raise PullError(
            f"source {source.name}: there is no table {source.connection.effective_schema}.{table.source_table} "
            f"in database {source.connection.database}"
        )
    by_lower = {name.lower(): name for name in present}
    columns = [by_lower[column] for column in canonical.get(table.name, []) if column in by_lower]
    if not columns:
        raise PullError(f"source {source.name}: {table.source_table} has none of the columns of {table.name}")
    if table.watermark:
        found = by_lower.get(table.watermark.lower())
        if found is None:
            raise PullError(
                f"source {source.name}: {table.source_table} has no column {table.watermark} (its watermark)"
            )
        if found not in columns:
            columns.append(found)
    return columns


def _kept_columns(source: Source, table: Table, columns: list[str], canonical: dict[str, list[str]]) -> list[int]:
    """Which of the SELECT's columns go into the CSV: for a mapped query all but the watermark; otherwise the
    canonical table's (the watermark may be extra; any other column is a mistake in the query, named)."""
    if table.mapping is not None:  # the mapping reads the query's own columns; the watermark is pull's alone
        return [i for i, c in enumerate(columns) if c.lower() != (table.watermark or "").lower()]
    known = set(canonical.get(table.name, []))
    extra = [c for c in columns if c.lower() not in known and c.lower() != (table.watermark or "").lower()]
    if extra:
        raise PullError(
            f"source {source.name}: table {table.name}: the query gives columns {', '.join(extra)}, which "
            f"{table.name} does not have (name each as docs/data-model.md does, or give a mapping)"
        )
    return [i for i, c in enumerate(columns) if c.lower() in known]


def _write_staging(
    target: Path, columns: list[str], keep: list[int], watermark: str | None, chunks, say: Progress, name: str
) -> tuple[int, Any]:
    """Write the rows to ``target`` (a private CSV of the kept columns); (rows written, greatest watermark)."""
    mark = next((i for i, c in enumerate(columns) if watermark and c.lower() == watermark.lower()), None)
    latest = None
    rows = 0
    with open(private_file(target), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([columns[i].lower() for i in keep])
        for chunk in chunks:
            writer.writerows(_as_written(chunk, keep))
            if mark is not None:
                marks = [row[mark] for row in chunk if row[mark] is not None]
                if marks and (latest is None or max(marks) > latest):
                    latest = max(marks)
            rows += len(chunk)
            say(f"reading {name}: {rows:,} rows")
    return rows, latest


def _as_written(chunk: list[tuple], keep: list[int]):
    """The chunk's kept cells as the CSV writes them. Text, numbers, dates and date-times without a zone are
    written by the csv module as they are (None as empty, a date as its ISO form); a column holding anything
    else passes ``_cell``. Chosen per chunk from each column's first value, since a column has one type."""
    samples = [next((row[i] for row in chunk if row[i] is not None), None) for i in keep]
    if all(_written_as_is(sample) for sample in samples):
        return ([row[i] for i in keep] for row in chunk)
    return ([_cell(row[i]) for i in keep] for row in chunk)


def _written_as_is(value: Any) -> bool:
    if value is None or isinstance(value, str | int | Decimal | float) and not isinstance(value, bool):
        return True
    if isinstance(value, datetime):
        return value.tzinfo is None
    return isinstance(value, date)


def _cell(value: Any) -> str:
    """A value as the SSD layout's CSV writes it (dates ISO, date-times to the second or microsecond)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f" if value.microsecond else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


# The watermark as text and back, by type: bound again as the value the source gave.
def _typed_text(value: Any) -> tuple[str, str] | tuple[None, None]:
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value.isoformat(), "timestamptz" if value.tzinfo is not None else "timestamp"
    if isinstance(value, date):
        return value.isoformat(), "date"
    if isinstance(value, bool):
        return str(int(value)), "integer"
    if isinstance(value, int):
        return str(value), "integer"
    if isinstance(value, Decimal | float):
        return str(value), "decimal"
    if isinstance(value, time):
        return value.isoformat(), "time"
    return str(value), "text"


def _text(value: Any) -> str | None:
    return _typed_text(value)[0]


def _from_text(text: str | None, kind: str | None) -> Any:
    if text is None:
        return None
    if kind in ("timestamp", "timestamptz"):
        return datetime.fromisoformat(text)
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    if kind == "time":
        return time.fromisoformat(text)
    return text


def _reading(store: Store):
    """Where a pull reads the store: a held store's reader, else the writer (which brings the schema up to date);
    another process's reads are run by the server that holds the store (``routed``)."""
    return store.reader() if store.live else store.writer()


@routed  # while a server holds the store, it reads them (the watermarks as they stand, not its last snapshot)
def _store_facts(store: Store, source: str) -> tuple[dict[str, list[str]], dict[str, State]]:
    """The canonical tables' columns (without provenance) and the pull state of ``source``'s tables."""
    from childhub.ingest import SSD_TABLES

    with _reading(store) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND column_name NOT IN ('source_system', 'batch_id', 'source_record_key') "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        states = conn.execute(
            "SELECT source_table, watermark_column, watermark, watermark_type, last_run_at FROM pull.state "
            "WHERE source = ?",
            [source],
        ).fetchall()
    canonical: dict[str, list[str]] = {}
    for table, column in rows:
        if table in SSD_TABLES:
            canonical.setdefault(table, []).append(column)
    return canonical, {
        table: State(column, _from_text(text, kind), last_run) for table, column, text, kind, last_run in states
    }


@routed
def _record(store: Store, source: str, table: Table, watermark: Any, report: TablePull, now: datetime | None) -> None:
    """Keep the watermark loaded and this run's outcome (after the batch committed, in a write of its own)."""
    text, kind = _typed_text(watermark)
    with store.writer() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO pull.state (source, source_table, watermark_column, watermark, watermark_type, "
            "last_run_at, last_status, last_message, last_batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                table.name,
                table.watermark if text is not None else None,
                text,
                kind,
                now or datetime.now(),
                report.status,
                report.message[:1000],
                report.batch_id,
            ],
        )


@routed
def record_failure(store: Store, source: str, tables: Iterable[str], message: str, now: datetime | None = None) -> None:
    """A run that failed before any batch (the source unreachable, say): its time and reason, the watermark kept."""
    with store.writer() as conn:
        for table in tables:
            conn.execute(
                "INSERT INTO pull.state (source, source_table, last_run_at, last_status, last_message) "
                "VALUES (?, ?, ?, 'failed', ?) ON CONFLICT (source, source_table) DO UPDATE SET "
                "last_run_at = excluded.last_run_at, last_status = 'failed', last_message = excluded.last_message",
                [source, table, now or datetime.now(), message[:1000]],
            )


@routed
def last_runs(store: Store) -> dict[tuple[str, str], datetime]:
    """When each (source, table) was last pulled, whatever the outcome."""
    with _reading(store) as conn:
        rows = conn.execute(
            "SELECT source, source_table, last_run_at FROM pull.state WHERE last_run_at IS NOT NULL"
        ).fetchall()
    return {(source, table): at for source, table, at in rows}


def _staging_folder(store: Store, source: str) -> Path:
    """A new private folder for this pull's files, after removing any a pull of ``source`` that died left."""
    root = store.data_dir / STAGING_FOLDER
    for left in root.glob(f"{source}-*-*") if root.exists() else ():
        owner = left.name.rsplit("-", 1)[1]
        if owner.isdigit() and not _running(int(owner)):
            _remove_folder(left)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    return private_folder(root / f"{source}-{stamp}-{os.getpid()}")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process: not a pull of this hub's
        return False
    return True


def _remove_folder(folder: Path) -> None:
    for path in folder.glob("*"):
        path.unlink(missing_ok=True)
    folder.rmdir()
