"""Feeds that come in by themselves: ``childhub pull`` (from the source systems' databases), ``childhub feeds run``
(the pulls on their schedules, and watched folders, until stopped) and ``childhub watch`` (a folder that files are
dropped in)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from childhub.cli.options import DataDirOption, authority_of, settings_for, store_for
from childhub.cli.output import with_progress

if TYPE_CHECKING:
    from childhub.pull import Sources, TablePull
    from childhub.store import Store

SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="The sources file (default: $CHILDHUB_SOURCES_FILE or sources.yml in the data folder)."
    ),
]
MappingOption = Annotated[
    list[Path] | None,
    typer.Option("--mapping", help="A mapping file, or a folder of them, for another CSV layout (repeatable)."),
]
log = logging.getLogger("childhub.feeds")


def _sources(store: Store, sources_file: Path | None) -> Sources:
    from childhub.ingest import SSD_TABLES
    from childhub.pull import PullError, load_sources, sources_path

    path = sources_file or sources_path(store.data_dir, settings_for(store.data_dir))
    if not path.exists():
        raise PullError(
            f"{path}: no such sources file (sources.yml says which databases to pull from; see docs/pull.md)"
        )
    return load_sources(path, ssd_tables=SSD_TABLES)


def _say_table(report: TablePull) -> bool:
    """One line for a table's pull (its problems beneath a failure); whether it went well."""
    where = f"batch {report.batch_id}" if report.batch_id else report.status
    mode = f" ({report.mode})" if report.mode else ""
    line = (
        f"{where}: {report.source}.{report.table}{mode}: {report.rows_pulled:,} rows pulled, "
        f"{report.rows_loaded:,} loaded, {report.rows_rejected:,} rejected"
    )
    if report.watermark is not None:
        line += f"; watermark {report.watermark}"
    if report.ok:
        typer.echo(f"{line}. {report.message}" if report.status != "loaded" else line)
        for problem in report.problems[:5]:
            typer.echo(f"  {problem}")
        return True
    typer.echo(f"error: {report.source}.{report.table}: {report.status}: {report.message}", err=True)
    for problem in report.problems[:5]:
        typer.echo(f"  {problem}", err=True)
    return False


def pull(
    sources_file: SourcesOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Pull only this source.")] = None,
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Pull only this table (repeatable), e.g. contacts.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Pull whole tables, even incremental ones, and start their watermarks again.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Pull tables from the source systems' databases (sources.yml): each table one batch, changes by watermark."""
    from childhub.pull import pull as run_pull

    store = store_for(data_dir)
    sources = _sources(store, sources_file)
    reports = with_progress(
        "Pulling",
        lambda say: run_pull(
            store,
            sources,
            source=source,
            tables=table,
            full=full,
            shrink_refuse_below=settings_for(store.data_dir).shrink_refuse_below,
            authority=authority_of(store),
            progress=say,
        ),
    )
    good = [_say_table(report) for report in reports]
    typer.echo(
        f"{sum(1 for r in reports if r.status == 'loaded')} table(s) loaded, "
        f"{sum(1 for r in reports if r.status in ('unchanged', 'nothing new'))} with nothing new, "
        f"{good.count(False)} failed."
    )
    if not all(good):
        raise typer.Exit(1)


def watch(
    folder: Annotated[Path, typer.Argument(help="The folder files are dropped in.")],
    once: Annotated[bool, typer.Option("--once", help="Take the files there now, then stop.")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.2, help="Seconds between looks.")] = 5.0,
    settle: Annotated[
        float, typer.Option("--settle", min=0.0, help="With --once: seconds a file must stay the same size.")
    ] = 2.0,
    mapping: MappingOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Ingest every complete file dropped in FOLDER as one batch, then move it to done/ or failed/ with its report."""
    from childhub.pull import Watcher

    store = store_for(data_dir)
    watcher = Watcher(
        store,
        folder,
        mapping_files=mapping or [],
        settle=settle,
        shrink_refuse_below=settings_for(store.data_dir).shrink_refuse_below,
        authority=authority_of(store),
    )
    if once:
        taken = watcher.once()
        for each in taken:
            _say_file(each)
        typer.echo(f"{len(taken)} file(s) taken, {sum(1 for t in taken if t.moved_to.parent.name == 'failed')} failed.")
        if any(t.moved_to.parent.name == "failed" for t in taken):
            raise typer.Exit(1)
        return
    stop = _stop_on_signal()
    typer.echo(f"watching {folder} every {interval:g} s; stop with Ctrl-C")
    watcher.run(interval, stop.is_set, on_file=_say_file)


def _say_file(taken) -> None:
    where = f"batch {taken.batch_id}" if taken.batch_id else taken.status
    line = f"{where}: {taken.file}: {taken.message} -> {taken.moved_to}"
    typer.echo(line, err=taken.status in ("rejected", "failed"))


def feeds_run(
    sources_file: SourcesOption = None,
    watch_folder: Annotated[
        list[Path] | None, typer.Option("--watch", help="Also watch this folder (repeatable), as childhub watch does.")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", min=0.2, help="Seconds between looks at the folders.")] = 5.0,
    mapping: MappingOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run the sources' pulls on their schedules, and watch folders, until stopped (logging each run)."""
    from childhub.pull import Watcher, next_due, run_due

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    store = store_for(data_dir)
    sources_path = sources_file
    if sources_path is None:
        from childhub.pull import sources_path as default_path

        sources_path = default_path(store.data_dir, settings_for(store.data_dir))
    sources = _sources(store, sources_path) if (sources_file or sources_path.exists()) else None
    watchers = [
        Watcher(store, folder, mapping_files=mapping or [], authority=authority_of(store))
        for folder in watch_folder or []
    ]
    if sources is None and not watchers:
        from childhub.pull import PullError

        raise PullError(f"nothing to run: no sources file at {sources_path} and no --watch folder")
    stop = _stop_on_signal()
    shrink = settings_for(store.data_dir).shrink_refuse_below
    authority = authority_of(store)
    log.info("feeds run: %d source(s), %d folder(s)", len(sources.sources) if sources else 0, len(watchers))
    while not stop.is_set():
        if sources is not None:
            for report in run_due(store, sources, datetime.now(), shrink_refuse_below=shrink, authority=authority):
                log.info(
                    "pulled %s.%s: %s, %d rows, batch %s: %s",
                    report.source,
                    report.table,
                    report.status,
                    report.rows_pulled,
                    report.batch_id,
                    report.message,
                )
        for watcher in watchers:
            for taken in watcher.look():
                log.info("watched %s: %s, batch %s: %s", taken.file, taken.status, taken.batch_id, taken.message)
        wait = interval if watchers else 60.0
        if sources is not None:
            upcoming = next_due(sources, datetime.now())
            if upcoming is not None:
                wait = min(wait, max(0.5, (upcoming - datetime.now()).total_seconds()))
        stop.wait(wait)
    log.info("feeds run: stopped")


def _stop_on_signal() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so a loop ends between runs rather than in one."""
    stop = threading.Event()

    def stopping(signum, frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)
    return stop
