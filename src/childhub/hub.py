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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from childhub import dq as dq_layer
from childhub import facts
from childhub import ingest as ingest_layer
from childhub import link as link_layer
from childhub.link import DEFAULT_THRESHOLD
from childhub.live import routed
from childhub.store import Store

if TYPE_CHECKING:
    import duckdb

    from childhub.dfe_api import SendResult
    from childhub.dq import CheckResult
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
        loaded = any(report.status == "loaded" for report in reports)
        if loaded and mode == "changes":
            _match_new_records(conn)
        facts.refresh(conn)
        if check_quality and loaded:
            _check_after_write(store, conn, say, authority)
        refresh_and_publish(store, conn, say)
    return reports


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
) -> CheckResult:
    """Run the data-quality rules over the store (every return for every collection year held whose inputs
    changed, or ``everything``; and the checks across systems, as of today), record the findings, and publish
    them for the web app. ``authority`` gives the ONS code and the days a child may wait unallocated (defaults
    without it)."""
    say = progress or _quiet
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
    from childhub.indicators import AuthoritySettings as Defaults

    authority = authority or Defaults()
    return dq_layer.check(
        conn,
        la_code=authority.ons_code,
        unallocated_days=authority.unallocated_days,
        only=only,
        everything=everything,
        progress=say,
    )


def _match_new_records(conn: duckdb.DuckDBPyConnection) -> None:
    """Changes that brought new people (a push, a pull) are matched at once by the instant matcher, once the store
    has been linked; uncertain ones go to the review queue. A failure leaves them for the next link."""
    from childhub.errors import ChildhubError

    if not conn.execute("SELECT count(*) FROM (SELECT 1 FROM child_link LIMIT 1)").fetchone()[0]:
        return  # never linked: the first childhub link takes them all
    try:
        link_layer.link_new_records(conn)
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
    from childhub.errors import ChildhubError
    from childhub.indicators import AuthoritySettings as Defaults

    authority = authority or Defaults()
    try:
        with store.reader() as conn:
            facts.prepare_stored(conn)
            done = dq_layer.run_checks(conn, la_code=authority.ons_code, unallocated_days=authority.unallocated_days)
        with store.writer() as conn:
            dq_layer.record_checks(conn, done)
            publish(store, conn)
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
