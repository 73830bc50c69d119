"""Ingesting files: one batch per file, all or nothing, with history and nothing lost.

For each file: inspect it safely, detect its kind, date it, stage its content (before any
transaction, so a file that cannot be read fails as itself), and then, in one write
transaction, record the batch, check every value, quarantine bad rows with their raw values,
load the rest into the canonical tables with provenance, keep the problems, and refuse a
snapshot that would take away most of its scope (``ingest.shrink``). The original is archived
by content hash before the transaction commits, so a file killed half-way leaves the store
exactly as it was (an archived copy without a batch is harmless and is reused next time). The
same file ingested twice changes nothing.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.calendar import reporting_year_end
from childhub.errors import ChildhubError, IngestError
from childhub.ingest.batches import batch_problems
from childhub.ingest.detect import Detected, detect_csv, detect_xml_root
from childhub.ingest.guard import FileFacts, inspect_file, parse_xml
from childhub.ingest.mapping import ColumnRule, Detect, Mapping, TableRule, builtin_mappings, load_mappings
from childhub.ingest.model import Problem
from childhub.ingest.nhs_trace import RESPONSE_KIND, check_trace_response
from childhub.ingest.shrink import SHRINK_REFUSE_BELOW, ShrinkGuard
from childhub.ingest.tabular import Staged, apply_mapping, latest_date, read_csv_header, stage_csv
from childhub.store import quote_identifier

if TYPE_CHECKING:
    import duckdb

# Errors a hostile or odd file can raise from the libraries beneath: reported for that file.
UNEXPECTED = (ValueError, KeyError, IndexError, UnicodeError, csv.Error, OSError)
# Files an authority folder may hold that are not source data.
NOT_SOURCE_FILES = {"README.md", "NOTICE.md"}
SSD_TABLES = (
    "person",
    "address",
    "disability",
    "immigration_status",
    "mother",
    "family",
    "linked_identifiers",
    "contacts",
    "cin_episodes",
    "cin_assessments",
    "assessment_factors",
    "s47_enquiry",
    "initial_cp_conference",
    "cp_plans",
    "cp_reviews",
    "cp_visits",
    "cin_plans",
    "cin_visits",
    "cla_episodes",
    "cla_placement",
    "legal_status",
    "cla_reviews",
    "cla_visits",
    "cla_health",
    "cla_immunisations",
    "cla_substance_misuse",
    "cla_convictions",
    "cla_previous_permanence",
    "cla_care_plan",
    "sdq_scores",
    "missing",
    "care_leavers",
    "permanence",
    "pre_proceedings",
    "voice_of_child",
    "early_help_episodes",
    "professionals",
    "department",
    "involvements",
    "send",
    "ehcp_requests",
    "ehcp_assessment",
    "ehcp_named_plan",
    "ehcp_active_plans",
    "sen_need",
)
SSD_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%d/%m/%Y %H:%M")
PROVENANCE = ("source_system", "batch_id", "source_record_key")
REPORTED_PROBLEMS = 20  # a file's report carries its first problems; childhub batch N lists them all


def _unexpected(path: Path, error: Exception) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{path.name}: could not be read ({first[:200]})"


@dataclass
class FileReport:
    """What happened to one file."""

    file: str
    status: str  # loaded, unchanged, rejected, failed, skipped
    message: str
    kind: str | None = None
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "unchanged", "skipped")


@dataclass(frozen=True)
class Delivery:
    """A batch pushed over the API: the declared feed it was pushed to and the sender's idempotency key, kept on
    the batch (``ingest_batch.push_feed``, ``idempotency_key``) in the batch's own transaction."""

    feed: str
    idempotency_key: str


@dataclass(frozen=True)
class FeedFields:
    """What one row pushed to a feed holds: ``fields``, the columns a row may carry (in the order a staged file
    writes them), ``kind``, what ingest detects such a file as, and the ``mapping_files`` that read it."""

    kind: str
    fields: tuple[str, ...]
    mapping_files: tuple[Path, ...] = ()


@dataclass
class _Plan:
    facts: FileFacts
    detected: Detected
    extract_date: date | None
    header: list[str] | None = None
    sheet: str | None = None  # the sheet a mapping reads, for a workbook


def expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.exists():
            files.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder")
    return files


def ingest(
    conn: duckdb.DuckDBPyConnection,
    data_dir: Path,
    paths: list[Path],
    *,
    source: str | None = None,
    mapping_files: list[Path] = (),
    strict: bool = False,
    extract_date: date | None = None,
    allow_shrink: bool = False,
    shrink_refuse_below: float | None = None,
    mode: str | None = None,
    delivery: Delivery | None = None,
    progress: Callable[..., None] | None = None,
) -> list[FileReport]:
    """Ingest every file under ``paths`` on the writer ``conn``; one batch per file; a report for each.

    ``mode`` "changes" loads mapped files (CSV or sheets) as changes of their feed (new versions of the records
    they hold, by source key; what a push or an incremental pull sends) instead of the mapping's own mode;
    None keeps the mapping's. A ``delivery`` (records pushed to a feed: one file) is kept on its batch, and is
    loaded even when the file is the same as the scope's last batch (each delivery is a batch of its own).

    A snapshot file that would leave its scope empty, or with less than ``shrink_refuse_below`` (None:
    ``SHRINK_REFUSE_BELOW``) of the rows it holds, is refused (status ``rejected``) unless
    ``allow_shrink``; see ``ingest.shrink``.
    Originals are archived under ``data_dir``. Refreshing the facts and publishing for readers is
    ``childhub.hub.ingest``'s, which calls this.
    """
    shrink = ShrinkGuard(SHRINK_REFUSE_BELOW if shrink_refuse_below is None else shrink_refuse_below, allow_shrink)
    say = progress or (lambda *args, **kwargs: None)
    if mode not in (None, "snapshot", "changes"):
        raise IngestError(f"a batch's mode is snapshot or changes, not {mode!r}")
    known = _known_tables(conn)
    user_mappings = load_mappings(mapping_files, known_tables=known)
    mappings = user_mappings + builtin_mappings()
    ssd = {t: {c: k for c, k in known[t].items() if c not in PROVENANCE} for t in SSD_TABLES if t in known}
    files = expand(paths)
    if delivery is not None and len(files) != 1:
        raise IngestError(f"records pushed to {delivery.feed} are one file, not {len(files)}")
    plans: dict[Path, _Plan] = {}
    reports: dict[Path, FileReport] = {}
    for path in files:
        if path.name in NOT_SOURCE_FILES:
            reports[path] = FileReport(str(path), "skipped", "not a source file")
            continue
        try:
            plans[path] = _plan(path, mappings, ssd, source, extract_date, user_mappings)
            if mode is not None:
                plans[path] = _with_mode(plans[path], mode)
            mapping = plans[path].detected.mapping
            if mode == "changes" and extract_date is None and (mapping is None or mapping.scope_by == "none"):
                # changes are as at their arrival, not their latest event: a contact recorded today about last
                # month is newer than this morning's whole extract, and stands beside it (visible_batches); a return's
                # tables keep the year their rows give
                plans[path].extract_date = date.today()
        except ChildhubError as error:
            reports[path] = FileReport(str(path), "failed", str(error))
        except UNEXPECTED as error:  # one bad file never stops the others
            reports[path] = FileReport(str(path), "failed", _unexpected(path, error))
    _share_collection_years(plans)
    for done, path in enumerate(files):
        say("ingesting", done, len(files))
        if path in plans:
            reports[path] = _ingest_one(conn, data_dir, plans[path], strict, shrink, delivery)
    return [reports[path] for path in files]


def _with_mode(plan: _Plan, mode: str) -> _Plan:
    """The plan with its mapping's mode set to ``mode`` (only a mapped file has a mode to change)."""
    mapping = plan.detected.mapping
    if mapping is None:
        if mode == "changes":
            raise IngestError(f"{plan.facts.path.name}: a {plan.detected.kind} file is always a whole snapshot")
        return plan
    changed = mapping.model_copy(update={"mode": mode})
    plan.detected = Detected(plan.detected.kind, mapping=changed, ssd_table=plan.detected.ssd_table)
    return plan


def feed_fields(conn, *, table: str | None = None, mapping_file: Path | None = None) -> FeedFields:
    """The fields of a feed's rows: an SSD ``table``'s columns (its provenance aside), or the source columns of
    the mapping in ``mapping_file`` (the columns it detects the file by first)."""
    known = _known_tables(conn)
    if table is not None:
        if table not in SSD_TABLES or table not in known:
            raise IngestError(f"{table} is not a Standard Safeguarding Dataset table childhub holds")
        columns = tuple(column for column in known[table] if column not in PROVENANCE)
        return FeedFields(f"ssd_{table}", columns)
    if mapping_file is None:
        raise IngestError("a feed's rows are an SSD table's or a mapping's")
    [mapping] = load_mappings([mapping_file], known_tables=known)
    first = list(dict.fromkeys(mapping.detect.columns))
    rest = sorted(mapping.source_columns() - set(first))
    return FeedFields(mapping.kind, (*first, *rest), (Path(mapping_file),))


def _known_tables(conn) -> dict[str, dict[str, str]]:
    """Every canonical table's columns and their types, in order."""
    rows = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type, nullable in rows:
        tables.setdefault(table, {})[column] = data_type if nullable == "YES" else f"{data_type} NOT NULL"
    return tables


def _plan(path: Path, mappings, ssd, source: str | None, extract_date: date | None, user_mappings=()) -> _Plan:
    facts = inspect_file(path)
    if facts.format == "csv":
        header = read_csv_header(path, facts.encoding or "utf-8")
        detected = detect_csv(facts, header, mappings, ssd, source)
        if detected.ssd_table:
            detected = Detected(
                detected.kind, mapping=_ssd_mapping(detected.ssd_table, header, ssd), ssd_table=detected.ssd_table
            )
        # a return's files share the year their dated tables give; other files are dated in SQL once staged
        needs_now = detected.mapping is not None and detected.mapping.family is not None
        dated = extract_date or (
            _latest_date(path, facts.encoding or "utf-8", header, detected.mapping) if needs_now else None
        )
        return _Plan(facts, detected, dated, header)
    if facts.format == "xml":
        tree = parse_xml(path)
        root = tree.getroot()
        kind = detect_xml_root(facts, root.tag, root.findtext("Header/CollectionDetails/Collection"))
        if source and source != kind:
            raise IngestError(f"{path.name}: this is a {kind} file, not {source}")
        return _Plan(facts, Detected(kind), extract_date)
    if facts.format == "xlsx":
        from childhub.ingest.sheets import sheet_for_mapping

        found = sheet_for_mapping(path, user_mappings)
        if found is not None:
            mapping, sheet = found
            return _Plan(facts, Detected(mapping.kind, mapping=mapping), extract_date, sheet=sheet)
        if source and source != "annex_a":
            raise IngestError(f"{path.name}: no sheet has the columns of {source}")
        return _Plan(facts, Detected("annex_a"), extract_date)
    raise IngestError(f"{path.name}: not a CSV, XML or Excel (.xlsx) file, so childhub cannot read it")


def _ssd_mapping(table: str, header: list[str], ssd) -> Mapping:
    """A mapping for an SSD table exported as CSV: its columns, typed from the schema."""
    from childhub.ingest.mapping import normalise_header

    types = ssd[table]
    present = {normalise_header(h): h for h in header}
    columns = {}
    for column in ssd[table]:
        source = present.get(normalise_header(column))
        if source is None:
            continue
        kind = {
            "DATE": "date",
            "INTEGER": "integer",
            "BIGINT": "integer",
            "DOUBLE": "decimal",
            "BOOLEAN": "boolean",
        }.get(types[column], "text")
        rule = {"from": source, "type": kind, "required": types[column].endswith("NOT NULL")}
        if kind == "date":
            rule["formats"] = SSD_DATE_FORMATS
        columns[column] = ColumnRule.model_validate(rule)
    missing = [c for c, t in types.items() if t.endswith("NOT NULL") and c not in columns]
    if missing:
        raise IngestError(
            f"this looks like the SSD table ssd_{table} but lacks {', '.join(missing)}, which may not be empty"
        )
    key_column = present[normalise_header(next(iter(ssd[table])))]
    return Mapping(
        kind=f"ssd_{table}",
        description=f"Standard Safeguarding Dataset table ssd_{table}",
        source_system="social_care",
        mode="snapshot",
        detect=Detect(columns=tuple(header)),
        key=(key_column,),
        tables={table: TableRule(columns=columns)},
    )


def _latest_date(path: Path, encoding: str, header: list[str], mapping: Mapping | None) -> date | None:
    """The latest date in the mapping's dating columns, read without loading the file."""
    if mapping is None or not mapping.extract_date_from:
        return None
    from childhub.ingest.mapping import normalise_header

    wanted = {normalise_header(c) for c in mapping.extract_date_from}
    indexes = [i for i, h in enumerate(header) if normalise_header(h) in wanted]
    formats = ("%d/%m/%Y", "%Y-%m-%d")
    latest = None
    with path.open(newline="", encoding=encoding, errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for record in reader:
            for index in indexes:
                if index < len(record) and record[index]:
                    value = _parse_date(record[index].strip(), formats)
                    if value and value.year >= 1900 and value <= date.today() and (latest is None or value > latest):
                        latest = value
    return latest


def _parse_date(text: str, formats) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _share_collection_years(plans: dict[Path, _Plan]) -> None:
    """Files of one return in one folder (e.g. SSDA903 tables) share their collection year."""
    groups: dict[tuple[Path, str], list[_Plan]] = {}
    for path, plan in plans.items():
        mapping = plan.detected.mapping
        if mapping is not None and mapping.family:
            groups.setdefault((path.parent, mapping.family), []).append(plan)
    for members in groups.values():
        # The episodes table dates the return (other tables carry older decision dates, or none);
        # with one episodes file in the folder, every table of the return takes its year.
        episodes = {
            reporting_year_end(p.extract_date)
            for p in members
            if p.extract_date and p.detected.kind == "ssda903_episodes"
        }
        years = {reporting_year_end(p.extract_date) for p in members if p.extract_date}
        for plan in members:
            if len(episodes) == 1:
                plan.extract_date = next(iter(episodes))
            elif plan.extract_date is not None:  # several returns in one folder: each by its own dates
                plan.extract_date = reporting_year_end(plan.extract_date)
            elif len(years) == 1:
                plan.extract_date = next(iter(years))


def _scope(plan: _Plan) -> str:
    mapping = plan.detected.mapping
    if mapping is not None and mapping.scope_by == "collection_year":
        if plan.extract_date is None:
            raise IngestError(
                f"{plan.facts.path.name}: cannot tell which collection year this {mapping.kind} file is for; "
                "ingest it with the return's episodes file, or give --extract-date"
            )
        return f"{plan.detected.kind}:{reporting_year_end(plan.extract_date).year}"
    return plan.detected.kind


def _ingest_one(
    conn, data_dir: Path, plan: _Plan, strict: bool, shrink: ShrinkGuard, delivery: Delivery | None = None
) -> FileReport:
    path = plan.facts.path
    label = path.name
    kind = plan.detected.kind
    try:
        scope = _scope(plan)
    except IngestError as error:
        return FileReport(str(path), "failed", str(error), kind=kind)
    previous = conn.execute(
        "SELECT batch_id FROM ingest_batch b WHERE file_sha256 = ? AND source_kind = ? AND status = 'loaded' "
        "AND (scope = ? OR source_kind IN ('cin_census', 'ssda903_xml')) "
        "AND batch_id = (SELECT max(batch_id) FROM ingest_batch o WHERE o.scope = b.scope AND o.status = 'loaded')",
        [plan.facts.sha256, kind, scope],
    ).fetchone()
    if previous and delivery is None:
        return FileReport(
            str(path),
            "unchanged",
            f"already ingested as batch {previous[0]}; nothing changed",
            kind=kind,
            batch_id=previous[0],
        )
    try:  # staged before the batch's transaction, so a file DuckDB cannot read fails as itself
        staged = _stage(conn, plan, label)
    except ChildhubError as error:
        return FileReport(str(path), "failed", str(error), kind=kind)
    except (*UNEXPECTED, _duckdb_error()) as error:
        return FileReport(str(path), "failed", _unexpected(path, error), kind=kind)
    try:
        return _load_batch(conn, data_dir, plan, scope, staged, strict, shrink, delivery)
    finally:
        if staged is not None:
            conn.execute(f"DROP TABLE IF EXISTS {quote_identifier(staged.table)}")


def _stage(conn, plan: _Plan, label: str) -> Staged | None:
    """A mapped file (a CSV, or a sheet) as a temporary table of text, before any transaction opens."""
    if plan.detected.mapping is None:
        return None
    table = f"_stage_{plan.facts.sha256[:16]}"
    if plan.sheet is not None:
        from childhub.ingest.sheets import stage_sheet

        return stage_sheet(conn, plan.facts.path, plan.sheet, table, label)
    return stage_csv(conn, plan.facts.path, plan.facts.encoding or "utf-8", table, label)


def _load_batch(
    conn,
    data_dir: Path,
    plan: _Plan,
    scope: str,
    staged: Staged | None,
    strict: bool,
    shrink: ShrinkGuard,
    delivery: Delivery | None = None,
) -> FileReport:
    """One batch in one write transaction: recorded, loaded, checked, archived and committed, or nothing."""
    path = plan.facts.path
    label = path.name
    kind = plan.detected.kind
    conn.execute("BEGIN TRANSACTION")
    try:
        batch_id = conn.execute(
            "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, extract_date, "
            "started_at, status, mode, scope, feed, push_feed, idempotency_key) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?) "
            "RETURNING batch_id",
            [
                _source_system(plan),
                kind,
                str(path),
                plan.facts.sha256,
                plan.extract_date,
                datetime.now(),
                _mode(plan),
                scope,
                _feed(plan),
                delivery.feed if delivery else None,
                delivery.idempotency_key if delivery else None,
            ],
        ).fetchone()[0]
        rows_read, loaded, rejected, problems = _load(conn, plan, batch_id, label, staged)
        refusal = shrink.refusal(conn, batch_id, loaded)
        if refusal is not None:
            conn.execute("ROLLBACK")
            return FileReport(
                str(path), "rejected", f"{label}: {refusal}", kind=kind, rows_read=rows_read, rows_rejected=rejected
            )
        if strict and problems:
            sample = _problems(conn, batch_id)  # read before the rollback takes them away
            conn.execute("ROLLBACK")
            return FileReport(
                str(path),
                "rejected",
                f"--strict: {problems} problem(s), so nothing was loaded",
                kind=kind,
                rows_read=rows_read,
                rows_rejected=rejected,
                problems=sample,
            )
        archive = _archive(data_dir, path, plan.facts.sha256)
        conn.execute(
            "UPDATE ingest_batch SET status = 'loaded', finished_at = ?, rows_read = ?, rows_loaded = ?, "
            "rows_rejected = ?, problems = ?, archive_path = ? WHERE batch_id = ?",
            [datetime.now(), rows_read, loaded, rejected, problems, archive, batch_id],
        )
        conn.execute("COMMIT")
    except ChildhubError as error:
        conn.execute("ROLLBACK")
        return FileReport(str(path), "failed", str(error), kind=kind)
    except (*UNEXPECTED, _duckdb_error()) as error:
        conn.execute("ROLLBACK")
        return FileReport(str(path), "failed", _unexpected(path, error), kind=kind)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    found = _problems(conn, batch_id)
    message = f"{rows_read:,} rows read, {loaded:,} canonical rows loaded" + (
        f", {rejected:,} quarantined" if rejected else ""
    )
    if problems:
        message += f", {problems:,} problem(s) (childhub batch {batch_id})"
    return FileReport(
        str(path),
        "loaded",
        message,
        kind=kind,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_loaded=loaded,
        rows_rejected=rejected,
        problems=found,
    )


def _duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _source_system(plan: _Plan) -> str:
    return plan.detected.mapping.source_system if plan.detected.mapping else "social_care"


def _feed(plan: _Plan) -> str:
    mapping = plan.detected.mapping
    if plan.detected.kind == "ssda903_xml":
        return "ssda903"
    return (mapping.family or mapping.kind) if mapping else plan.detected.kind


def _mode(plan: _Plan) -> str:
    return plan.detected.mapping.mode if plan.detected.mapping else "snapshot"


def _load(conn, plan: _Plan, batch_id: int, label: str, staged: Staged | None) -> tuple[int, int, int, int]:
    """Load one file (staged already, if mapped) inside the open transaction: (read, loaded, rejected, problems)."""
    kind = plan.detected.kind
    constants = {
        "collection_year_end": (
            reporting_year_end(plan.extract_date) if plan.extract_date else date.today()
        ).isoformat()
    }
    if staged is not None:
        mapping = plan.detected.mapping
        if mapping.kind == RESPONSE_KIND:  # an NHS trace response names records: all of them held, or nothing
            check_trace_response(conn, staged, mapping, label)
        if plan.extract_date is None and mapping.extract_date_from:
            dated = latest_date(conn, staged, mapping.extract_date_from, ("%d/%m/%Y", "%Y-%m-%d"))
            dated = min(dated, date.today()) if dated else None  # a planned future date is not the extract's
            if dated is not None:
                conn.execute("UPDATE ingest_batch SET extract_date = ? WHERE batch_id = ?", [dated, batch_id])
        outcome = apply_mapping(
            conn, plan.detected.mapping, staged, batch_id=batch_id, file_label=label, constants=constants
        )
        read = staged.rows + len(staged.quarantined)
        return read, sum(outcome.rows_loaded.values()), outcome.rows_rejected, outcome.problems
    if kind == "ssda903_xml":
        from childhub.ingest.ssda903_xml import load_ssda903_xml

        return load_ssda903_xml(conn, plan.facts.path, batch_id, label)
    if kind == "cin_census":
        return _load_read_result(conn, plan, batch_id, label)
    if kind == "annex_a":
        from childhub.ingest.annex_a_load import load_annex_a

        return load_annex_a(conn, plan.facts.path, batch_id, label, plan.extract_date)
    raise IngestError(f"{label}: no reader for {kind}")


def _load_read_result(conn, plan: _Plan, batch_id: int, label: str) -> tuple[int, int, int, int]:
    from childhub.ingest.cin_census import read_cin_census
    from childhub.ingest.rows import load_read_result

    result = read_cin_census(plan.facts.path, label)
    conn.execute(
        "UPDATE ingest_batch SET scope = ?, extract_date = ? WHERE batch_id = ?",
        [result.scope, result.extract_date, batch_id],
    )
    return load_read_result(conn, result, batch_id, label)


def _problems(conn, batch_id: int) -> list[Problem]:
    """The first problems of a batch, for its report."""
    return batch_problems(conn, batch_id, REPORTED_PROBLEMS)


def _archive(data_dir: Path, path: Path, sha256: str) -> str:
    """Keep the original, named by its content hash, so any output can be traced to it."""
    folder = data_dir / "archive" / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}{path.suffix.lower()}"
    if not target.exists():
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return str(target.relative_to(data_dir))


__all__ = ["Delivery", "FeedFields", "FileReport", "expand", "feed_fields", "ingest"]
