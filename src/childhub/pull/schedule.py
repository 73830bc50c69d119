"""The sources' schedules (cron syntax, read by croniter, in the machine's local time).

A table is due when a time its schedule names has come since its last pull (``pull.state.last_run_at``,
whatever that pull's outcome), or when it has never been pulled. ``run_due`` runs whatever is due once, a
source at a time; ``next_due`` says when the next scheduled time comes, so a loop can sleep until then. Both
are what ``childhub feeds run`` and the server's background thread call.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from childhub.pull.run import TablePull, last_runs, pull, record_failure
from childhub.pull.sources import PullError, Sources

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings
    from childhub.store import Store

log = logging.getLogger("childhub.pull")


def scheduled(sources: Sources) -> list[tuple[str, str, str]]:
    """(source, table, schedule) for every declared table that has a schedule (its own or its source's)."""
    return [
        (source.name, table.name, schedule)
        for source in sources.sources.values()
        for table in source.tables.values()
        if (schedule := source.schedule_of(table))
    ] + [
        (source.name, "*", source.schedule)  # an ssd: true source without tables: every SSD table it holds
        for source in sources.sources.values()
        if source.ssd and not source.tables and source.schedule
    ]


def is_due(schedule: str, last_run: datetime | None, now: datetime) -> bool:
    """Whether a time ``schedule`` names has come after ``last_run`` and by ``now`` (never run: due)."""
    from croniter import croniter

    if last_run is None:
        return True
    return croniter(schedule, last_run).get_next(datetime) <= now


def next_due(sources: Sources, now: datetime) -> datetime | None:
    """The next time after ``now`` any declared schedule names (None when nothing is scheduled)."""
    from croniter import croniter

    times = [croniter(schedule, now).get_next(datetime) for _, _, schedule in scheduled(sources)]
    return min(times, default=None)


def run_due(
    store: Store,
    sources: Sources,
    now: datetime,
    *,
    shrink_refuse_below: float | None = None,
    authority: AuthoritySettings | None = None,
) -> list[TablePull]:
    """Pull, once, every scheduled table that is due at ``now``; a report for each. A source that cannot be
    reached is logged, recorded as each table's last run (so it is tried again at its next time, not in a loop)
    and reported as failed; the other sources still run. Each table's last run is recorded as ``now``."""
    runs = last_runs(store)
    due: dict[str, list[str]] = {}
    for source, table, schedule in scheduled(sources):
        if table == "*":
            held = [t for (s, t) in runs if s == source]
            last = min((runs[(source, t)] for t in held), default=None)
        else:
            last = runs.get((source, table))
        if is_due(schedule, last, now):
            due.setdefault(source, []).append(table)
    reports: list[TablePull] = []
    for source, tables in due.items():
        only = None if "*" in tables else tables
        try:
            done = pull(
                store,
                sources,
                source=source,
                tables=only,
                shrink_refuse_below=shrink_refuse_below,
                authority=authority,
                now=now,
            )
        except PullError as error:
            log.warning("scheduled pull of %s failed: %s", source, error)
            names = tables if only else [t for (s, t) in runs if s == source] or ["*"]
            record_failure(store, source, names, str(error), now)
            reports.extend(TablePull(source, name, "failed", str(error)) for name in names)
            continue
        reports.extend(done)
    return reports
