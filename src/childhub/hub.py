"""The one write path: every change to the store runs here, and is then refreshed and published.

Each writer opens the store's writer connection, runs the layer's own function on it (ingest a
batch, link, match new records, record a review decision), rebuilds the facts the change touched
(``childhub.facts.refresh``, a no-op when nothing they read changed) and publishes a snapshot for
the web app's readers, named by what each layer says of its own tables. No layer below this one
refreshes facts or publishes; the CLI, the demo and the web app write only through here.

Not to be confused with ``childhub.store.hub``, the SQLite database of accounts and the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from childhub import dq as dq_layer
from childhub import facts
from childhub import ingest as ingest_layer
from childhub import link as link_layer
from childhub.errors import ChildhubError
from childhub.link import DEFAULT_THRESHOLD
from childhub.live import routed
from childhub.store import Store

if TYPE_CHECKING:
    import duckdb

    from childhub.dfe_api import SendResult
    from childhub.dq import CheckResult
    from childhub.feeds import Feed
    from childhub.indicators import AuthoritySettings
    from childhub.ingest import FileReport
    from childhub.link import LinkResult

Progress = Callable[..., None]
log = logging.getLogger("childhub.hub")


def _quiet(*args, **kwargs) -> None:
    return None


@routed
def ingest(
    store: Store,
    paths: list[Path],
    *,
    source: str | None = None,
    mapping_files: list[Path] = (),
    strict: bool = False,
    extract_date: date | None = None,
    allow_shrink: bool = False,
    shrink_refuse_below: float | None = None,
    mode: str | None = None,
    check_quality: bool = True,
    authority: AuthoritySettings | None = None,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Ingest every file under ``paths`` (one batch per file, a report for each), then refresh and publish.

    A snapshot that would leave its scope empty, or with less than ``shrink_refuse_below`` (None: the
    ingest layer's default) of the rows it holds, is refused unless ``allow_shrink``. ``mode`` "changes" loads
    mapped files as changes of their feed (a push, an incremental pull; see ``childhub.ingest.ingest``). The refresh and
    publish run even when nothing was loaded, so a run after a crash between a commit and its publish
    brings the readers up to date. When a batch loaded, the data-quality rules run over the store
    (``check_quality``: False leaves that to the link that follows, as the demo does).
    """
    say = progress or _quiet
    with store.writer() as conn:
        reports = ingest_layer.ingest(
            conn,
            store.data_dir,
            paths,
            source=source,
            mapping_files=mapping_files,
            strict=strict,
            extract_date=extract_date,
            allow_shrink=allow_shrink,
            shrink_refuse_below=shrink_refuse_below,
            mode=mode,
            progress=say,
        )
        loaded = [report.batch_id for report in reports if report.status == "loaded"]
        if loaded and mode == "changes":
            _match_new_records(conn, loaded)
        facts.refresh(conn)
        if check_quality and loaded:
            _check_after_write(store, conn, say, authority)
        refresh_and_publish(store, conn, say)
    return reports


PUSH_FOLDER = "push"  # under the data folder: each pushed request as the CSV file its batch was read from


class PushRefused(ChildhubError):
    """Pushed rows that cannot be a batch of their feed as sent (a field the feed does not have, a value that is
    not one value, a feed that takes no pushes): nothing was written."""


class PushConflict(ChildhubError):
    """An idempotency key already used on the feed with other rows: nothing was written."""


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one pushed row: its number (1 = the request's first row), the field and the message."""

    row: int
    field: str | None
    message: str


@dataclass(frozen=True)
class PushResult:
    """A push's answer, read back from its batch: the same for the first request and every replay of its key."""

    feed: str
    idempotency_key: str
    batch_id: int
    received: int
    loaded: int
    rejected: tuple[RowProblem, ...]  # rows held back (quarantined with their raw values), one entry per problem
    warnings: tuple[RowProblem, ...]  # rows loaded with a value taken as unknown
    replayed: bool  # True when the key had been pushed before and this answer is that push's


@routed
def push_records(
    store: Store,
    feed: Feed,
    rows: list[dict],
    idempotency_key: str,
    *,
    check_quality: bool | None = None,
    authority: AuthoritySettings | None = None,
) -> PushResult:
    """Load ``rows`` (each a map of the feed's fields to values) as one batch of ``feed`` in changes mode: new
    versions of the records they hold, by source key. Then refresh and publish as ``ingest`` does.

    The rows are written as a CSV file (private, under ``<data_dir>/push/``) and ingested like any file: the
    original archived, bad rows quarantined with their problems while the good ones load. The batch keeps the feed
    and ``idempotency_key`` in its own transaction, so when this returns the rows and the key are committed
    together; the same key with the same rows again returns the first push's answer and writes nothing (even
    after a restart), with other rows raises PushConflict. A row with a field the feed does not have, or a
    value that is a list or a map, refuses the whole request (PushRefused). StoreBusy (from ``store.writer()``)
    when another write holds the hub. New people among the rows are matched at once (the instant matcher). The
    data-quality rules run after the push when ``check_quality`` (None: when the store defers them until the writes
    pause, as the server's held store does; they take seconds over a whole authority, more than a push may wait).
    """
    if not feed.takes_pushes:
        raise PushRefused(f"feed {feed.name} takes no pushed records: its batches are {feed.kind} files")
    with store.writer() as conn:
        fields = ingest_layer.feed_fields(conn, table=feed.table, mapping_file=feed.mapping)
        content = _push_csv(feed.name, fields.fields, rows)
        import hashlib

        sha256 = hashlib.sha256(content).hexdigest()
        earlier = conn.execute(
            "SELECT batch_id, file_sha256 FROM ingest_batch WHERE push_feed = ? AND idempotency_key = ? "
            "AND status = 'loaded' ORDER BY batch_id LIMIT 1",
            [feed.name, idempotency_key],
        ).fetchone()
        if earlier is not None:
            if earlier[1] != sha256:
                raise PushConflict(
                    f"the idempotency key {idempotency_key!r} was used on feed {feed.name} for batch {earlier[0]} "
                    "with other rows; send new rows with a new key"
                )
            refresh_and_publish(store, conn)  # (nothing to do unless the first push's refresh never finished)
            return _push_answer(conn, feed.name, idempotency_key, earlier[0], replayed=True)
        path = _staged_push(store.data_dir, feed.name, sha256, content)
        try:
            [report] = ingest_layer.ingest(
                conn,
                store.data_dir,
                [path],
                source=fields.kind,
                mapping_files=list(fields.mapping_files),
                mode="changes",
                extract_date=date.today(),  # the records as the source holds them now, whatever dates they carry
                delivery=ingest_layer.Delivery(feed.name, idempotency_key),
            )
        finally:
            path.unlink(missing_ok=True)  # the batch archived it by its content hash
        if report.status != "loaded":
            raise PushRefused(f"feed {feed.name}: {report.message}")
        _match_new_records(conn, [report.batch_id])
        facts.refresh(conn)
        if check_quality or (check_quality is None and store.live):
            _check_after_write(store, conn, _quiet, authority)
        refresh_and_publish(store, conn)
        return _push_answer(conn, feed.name, idempotency_key, report.batch_id, replayed=False)


def _push_csv(feed: str, fields: tuple[str, ...], rows: list[dict]) -> bytes:
    """The rows as CSV text with the feed's every field as a column (what a row leaves out is empty); the same
    rows always give the same bytes."""
    import csv
    import io

    known = set(fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - known)
        if unknown:
            raise PushRefused(
                f"feed {feed}: row {number}, field {unknown[0]}: the feed has no such field (its fields are "
                f"{', '.join(fields)})"
            )
        values = [_cell(feed, number, field, row.get(field)) for field in fields]
        if not any(values):
            raise PushRefused(f"feed {feed}: row {number} has no values")
        writer.writerow(values)
    return buffer.getvalue().encode("utf-8")


def _cell(feed: str, number: int, field: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise PushRefused(f"feed {feed}: row {number}, field {field}: a value is text, a number, true, false or null")


def _staged_push(data_dir: Path, feed: str, sha256: str, content: bytes) -> Path:
    """The pushed rows as a private file the batch is read from."""
    from childhub.exports import private_file, private_folder

    folder = private_folder(Path(data_dir) / PUSH_FOLDER)
    path = private_file(folder / f"{feed}-{sha256[:16]}.csv")
    path.write_bytes(content)
    return path


def _push_answer(conn: duckdb.DuckDBPyConnection, feed: str, key: str, batch_id: int, *, replayed: bool) -> PushResult:
    """The answer to a push, from its batch and its problems (the file's row 2 is the request's row 1)."""
    received, rejected_rows = conn.execute(
        "SELECT rows_read, rows_rejected FROM ingest_batch WHERE batch_id = ?", [batch_id]
    ).fetchone()
    problems = conn.execute(
        "SELECT TRY_CAST(row_ref AS BIGINT) - 1, column_name, message, severity FROM ingest_problem "
        "WHERE batch_id = ? ORDER BY TRY_CAST(row_ref AS BIGINT) NULLS LAST, column_name, message",
        [batch_id],
    ).fetchall()
    found = {"error": [], "warning": []}
    for row, field, message, severity in problems:
        found.setdefault(severity, []).append(RowProblem(row, field, message))
    return PushResult(
        feed=feed,
        idempotency_key=key,
        batch_id=batch_id,
        received=received or 0,
        loaded=(received or 0) - (rejected_rows or 0),
        rejected=tuple(found["error"]),
        warnings=tuple(found["warning"]),
        replayed=replayed,
    )


@routed
def link(
    store: Store,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    authority: AuthoritySettings | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """A full linkage run, then the data-quality rules (the checks across systems read the links), refresh and
    publish."""
    say = progress or _quiet
    with store.writer() as conn:
        result = link_layer.link(conn, threshold=threshold, progress=say)
        facts.refresh(conn)
        _check_after_write(store, conn, say, authority)
        refresh_and_publish(store, conn, say)
    return result


@routed
def link_new_records(
    store: Store, *, threshold: float = DEFAULT_THRESHOLD, authority: AuthoritySettings | None = None
) -> list:
    """Match only the records that arrived since the last run, then the data-quality checks across systems (the
    returns are unchanged), refresh and publish (nothing to do when none matched, unless an earlier write was
    never published)."""
    with store.writer() as conn:
        matches = link_layer.link_new_records(conn, threshold=threshold)
        if matches:
            facts.refresh(conn)
            _check_after_write(store, conn, _quiet, authority)
        refresh_and_publish(store, conn)
    return matches


@routed
def decide(store: Store, pair_id: int, decision: str, decided_by: str) -> None:
    """Record a person's decision on a review pair and publish it, so the web app's queue moves on at once."""
    with store.writer() as conn:
        link_layer.decide(conn, pair_id, decision, decided_by)
        refresh_and_publish(store, conn)


@routed
def check_quality(
    store: Store,
    *,
    authority: AuthoritySettings | None = None,
    only: set[str] | None = None,
    everything: bool = False,
    progress: Progress | None = None,
    engine: str = "duckdb",
) -> CheckResult:
    """Run the data-quality rules over the store (every return for every collection year held whose inputs
    changed, or ``everything``; and the checks across systems, as of today), record the findings, and publish
    them for the web app. ``authority`` gives the ONS code and the days a child may wait unallocated (defaults
    without it). ``engine`` is where the rules run (duckdb, or spark: ``_check_on``); they are recorded here."""
    say = progress or _quiet
    if engine != "duckdb":
        return _check_on(store, engine, say, authority, only=only, everything=everything)
    with store.writer() as conn:
        facts.refresh(conn)
        result = _check(conn, say, authority, only=only, everything=everything)
        refresh_and_publish(store, conn, say)
    return result


@routed
def accept_finding(store: Store, finding_key: str, reason: str, accepted_by: str) -> dict:
    """Accept a data-quality finding with a reason (until its record changes), and publish it."""
    with store.writer() as conn:
        accepted = dq_layer.accept(conn, finding_key, reason, accepted_by)
        refresh_and_publish(store, conn)
    return accepted


def _check(
    conn: duckdb.DuckDBPyConnection,
    say: Progress,
    authority: AuthoritySettings | None,
    *,
    only: set[str] | None = None,
    everything: bool = False,
) -> CheckResult:
    return dq_layer.check(conn, **_rule_settings(authority), only=only, everything=everything, progress=say)


def _check_on(
    store: Store,
    engine: str,
    say: Progress,
    authority: AuthoritySettings | None,
    *,
    only: set[str] | None = None,
    everything: bool = False,
) -> CheckResult:
    """The check with its rules run on another engine: the facts brought up to date on the writer, the rules run on
    ``engine`` over the store as it then stands (loaded from a read-only reader), and what they found recorded on
    the writer and published, as a held store's check beside its writes does."""
    from childhub.engines import check_engine

    check_engine(engine)
    with store.writer() as conn:
        facts.refresh(conn)
    say(f"loading the store into {engine}")
    with store.reader() as conn, facts.engine_reader(store, engine) as counting:
        done = dq_layer.run_checks(
            conn, **_rule_settings(authority), only=only, everything=everything, progress=say, engine=counting
        )
    with store.writer() as conn:
        result = dq_layer.record_checks(conn, done)
        refresh_and_publish(store, conn, say)
    return result


def _rule_settings(authority: AuthoritySettings | None) -> dict:
    """What the data-quality rules take from the authority's settings (defaults without them)."""
    from childhub.indicators import AuthoritySettings as Defaults

    authority = authority or Defaults()
    return {"la_code": authority.ons_code, "unallocated_days": authority.unallocated_days}


def _match_new_records(conn: duckdb.DuckDBPyConnection, batches: list[int]) -> None:
    """Changes that brought people (a push, a pull: person or address rows) are matched at once by the instant
    matcher, once the store has been linked; uncertain ones go to the review queue with their evidence. A failure
    leaves them for the next link."""
    from childhub.errors import ChildhubError

    brought = conn.execute(
        "SELECT (SELECT count(*) FROM person WHERE list_contains($b, batch_id)) "
        "+ (SELECT count(*) FROM address WHERE list_contains($b, batch_id))",
        {"b": batches},
    ).fetchone()[0]
    if not brought or not conn.execute("SELECT count(*) FROM (SELECT 1 FROM child_link LIMIT 1)").fetchone()[0]:
        return  # no people among the changes; or never linked: the first childhub link takes them all
    try:
        link_layer.link_new_records(conn, batches=batches)
    except ChildhubError as error:
        log.warning("new records were not matched at once (the next link will): %s", error)


def _check_after_write(
    store: Store, conn: duckdb.DuckDBPyConnection, say: Progress, authority: AuthoritySettings | None
) -> None:
    """The data-quality check that follows a write: a failure of the check (a rule, the authority's settings)
    must not hide the write, which is committed: it is said and logged, and the write is published all the same
    (``childhub dq`` runs the check again). On a held store (``childhub serve``) the check runs once the writes
    pause (``LiveStore.defer``), after the change is visible, and once for a run of pushes."""
    if store.live:
        store.defer("check_quality", lambda: _check_beside_writes(store, authority))
        return
    _check_quietly(conn, say, authority)


def _check_beside_writes(store: Store, authority: AuthoritySettings | None) -> None:
    """On a held store: run the rules on a reader (the writes go on), then record what they found on the writer and
    publish it. A failure is logged; the next write's check tries again."""
    from childhub.errors import ChildhubError, StoreBusy

    try:
        with store.reader() as conn:
            facts.prepare(conn, as_stored=True)
            done = dq_layer.run_checks(conn, **_rule_settings(authority))
        with store.writer() as conn:
            dq_layer.record_checks(conn, done)
            publish(store, conn)
    except StoreBusy:
        raise  # the store defers it again, to the next pause
    except ChildhubError as error:
        log.warning("data quality was not checked after these writes: %s", error)


def _check_quietly(conn: duckdb.DuckDBPyConnection, say: Progress, authority: AuthoritySettings | None) -> None:
    """Run the check; a failure is said and logged, never raised (the write it follows is committed)."""
    from childhub.errors import ChildhubError

    try:
        _check(conn, say, authority)
    except ChildhubError as error:
        log.warning("data quality was not checked after this write: %s", error)
        say(f"data quality was not checked: {error}")


def publish(store: Store, conn: duckdb.DuckDBPyConnection) -> Path | None:
    """Publish the store as it stands for the web app (on the writer), named by the state of what it shows."""
    version = "|".join(
        (facts.data_version(conn), ingest_layer.batch_state(conn), link_layer.review_state(conn), _dq_state(conn))
    )
    return store.publish(conn, version)


def _dq_state(conn: duckdb.DuckDBPyConnection) -> str:
    """What the published data-quality record is: the last run and the last acceptance."""
    row = conn.execute("SELECT (SELECT max(run_id) FROM dq_run), (SELECT count(*) FROM dq_acceptance)").fetchone()
    return f"dq{row[0] or 0}.{row[1]}"


def refresh_and_publish(store: Store, conn: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> None:
    """What follows every write, and what heals a crash between a commit and the publish that should
    have followed it: rebuild the facts unless they were built from the data as it is now, then
    publish unless ``serve/CURRENT`` already names the snapshot this state would publish."""
    (progress or _quiet)("refreshing the facts")
    facts.refresh(conn)  # nothing to do (0 s) when they were built from the data as it is now
    publish(store, conn)


@routed
def record_dfe_send(store: Store, result: SendResult) -> int:
    """Record a send to the DfE's children's social care API (``childhub.dfe_api.SendResult``): the send, each batch
    with the DfE's answer, and the hash of each child's record the DfE accepted; its number. Nothing the facts or the
    web app read changes, so nothing is refreshed or published."""
    from childhub.dfe_api import write_send

    with store.writer() as conn:
        return write_send(conn, result)
