"""How fresh each feed is: when it last delivered, what its data are as at, and whether it is late.

``freshness(conn, feeds, now)`` judges every feed declared in ``feeds.yml`` and every other feed the store holds
loaded batches of (``ingest_batch.feed``; those have no cadence). It reads the store once (``deliveries``: the
batches, and which canonical tables each feed's batches loaded rows into) and then judges against ``now``
(``judge``), so a reader may keep the first part per snapshot and judge again on every request: a feed goes
late while nothing is written.

A batch's **as at** is the moment its data describe:

- a batch of changes (a push, an incremental pull) carries what changed at the source up to when it was sent:
  as at the time it finished loading;
- a whole extract dated by its file (the latest date in its rows, or the return's collection year) is as at
  that date, but never later than the day it was delivered (a return dated by the end of its collection year
  is as at the day it arrived);
- a whole extract its file does not date is as at the time it finished loading.

A feed's as-at is the newest of its loaded batches'. Its **state** is judged on deliveries, not on the as-at:
an extract dated by its latest row is older than the extract whenever nothing happened on the last days (a
weekend without contacts), which is not the feed's lateness. A declared feed is ``fresh`` while its last
loaded batch is no older than its cadence, ``late`` (amber) after that, ``overdue`` (red) after ``red_after``
times its cadence, and ``never`` (red) when nothing of it has loaded; a feed the store holds but ``feeds.yml``
does not declare (or declares without a cadence) has ``no cadence``. When it **last delivered** is its last
batch of any outcome: a feed whose deliveries fail is still delivering, so that is said beside the state,
which only a loaded batch keeps fresh.

Times are shown in the authority's local time (Europe/London). The store keeps the time a batch finished as
the time on the hub's clock (a timestamp without zone), read here as the machine's local time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from childhub.declared import Problems, read_yaml

if TYPE_CHECKING:
    import duckdb

    from childhub.feeds.declared import Feed, Feeds

LOCAL_TIME = ZoneInfo("Europe/London")
FRESH, LATE, OVERDUE, NEVER, NO_CADENCE = "fresh", "late", "overdue", "never", "no cadence"
STATES = (FRESH, LATE, OVERDUE, NEVER, NO_CADENCE)
# The flag each state raises (a colour, always shown beside the words), and the words for it.
FLAGS = {FRESH: None, LATE: "amber", OVERDUE: "red", NEVER: "red", NO_CADENCE: None}
STATE_LABELS = {
    FRESH: "Fresh",
    LATE: "Late",
    OVERDUE: "Overdue",
    NEVER: "Never delivered",
    NO_CADENCE: "No cadence set",
}
# Who a child is, which every source naming children fills (``bearing_on`` leaves them out).
PERSON_TABLES = ("person", "address", "disability", "linked_identifiers", "source_record")
# Canonical tables carry their provenance: the batch that loaded each row and the source's own key for it.
_PROVENANCE = ("batch_id", "source_record_key")


@dataclass(frozen=True)
class Delivery:
    """What the store holds of one feed's batches (by the name ingest records them under)."""

    feed: str
    batches: int  # loaded batches
    last_delivered: datetime | None  # the last batch to finish, loaded or not (local time)
    last_status: str | None  # that batch's outcome: loaded, failed, rejected
    rows_read: int | None  # rows in that batch
    rows_loaded: int | None
    rows_rejected: int | None
    last_loaded: datetime | None  # the last loaded batch's finish (local time)
    as_at: date | datetime | None  # the newest as-at of its loaded batches (a datetime in local time, or a date)
    tables: tuple[str, ...]  # the canonical tables its batches loaded rows into


@dataclass(frozen=True)
class FeedFreshness:
    """One feed as judged at one moment: what it is, when it last delivered, its data's as-at and its state."""

    name: str  # the declared name, or the batches' feed name for a feed feeds.yml does not declare
    description: str
    declared: bool
    batch_feed: str  # the name its batches are recorded under (ingest_batch.feed)
    cadence: timedelta | None
    red_after: float | None
    state: str  # one of STATES
    as_at: date | datetime | None
    last_delivered: datetime | None
    last_delivery_failed: bool
    last_loaded: datetime | None
    rows_read: int | None  # rows in its last batch
    rows_loaded: int | None
    rows_rejected: int | None
    batches: int  # loaded batches
    tables: tuple[str, ...]  # the canonical tables its batches fill (or, before any, those it declares)
    summary: str  # the state in words: "late: due every hour; last delivered 3 hours ago"

    @property
    def flag(self) -> str | None:
        """amber or red when the feed is late, overdue or never delivered; None otherwise."""
        return FLAGS[self.state]

    @property
    def label(self) -> str:
        """The state as a heading reads it: Fresh, Late, Overdue, Never delivered, No cadence set."""
        return STATE_LABELS[self.state]

    @property
    def as_at_text(self) -> str:
        """The as-at as people read it: a date, or a date and local time."""
        return when(self.as_at) if self.as_at is not None else "no data yet"

    @property
    def last_delivered_text(self) -> str:
        return when(self.last_delivered) if self.last_delivered is not None else "never"

    @property
    def cadence_text(self) -> str:
        return every(self.cadence) if self.cadence is not None else "not set"


def freshness(conn: duckdb.DuckDBPyConnection, feeds: Feeds, now: datetime) -> list[FeedFreshness]:
    """Every declared feed, then every other feed the store holds loaded batches of, judged at ``now`` (a
    datetime with its zone; one without is the machine's local time). Reads the store on ``conn`` once."""
    return judge(feeds, deliveries(conn), now)


def deliveries(conn: duckdb.DuckDBPyConnection) -> dict[str, Delivery]:
    """Per feed (``ingest_batch.feed``) what its batches delivered: the store read once, judged by ``judge``."""
    rows = conn.execute(
        """
        WITH batch AS (
            SELECT coalesce(feed, source_kind) AS feed, batch_id, status, mode, extract_date,
                   coalesce(finished_at, started_at) AS finished, rows_read, rows_loaded, rows_rejected
            FROM ingest_batch WHERE status <> 'running'
        )
        SELECT feed,
               count(*) FILTER (WHERE status = 'loaded'),
               max(finished),
               arg_max(status, (finished, batch_id)),
               arg_max(rows_read, (finished, batch_id)),
               arg_max(rows_loaded, (finished, batch_id)),
               arg_max(rows_rejected, (finished, batch_id)),
               max(finished) FILTER (WHERE status = 'loaded'),
               max(finished) FILTER (WHERE status = 'loaded' AND (mode = 'changes' OR extract_date IS NULL)),
               max(least(extract_date, CAST(finished AS DATE)))
                   FILTER (WHERE status = 'loaded' AND mode IS DISTINCT FROM 'changes')
        FROM batch GROUP BY feed ORDER BY feed
        """
    ).fetchall()
    tables = feed_tables(conn)
    found = {}
    for feed, batches, delivered, status, read, loaded, rejected, last_loaded, as_at_time, as_at_day in rows:
        found[feed] = Delivery(
            feed=feed,
            batches=batches,
            last_delivered=_local(delivered),
            last_status=status,
            rows_read=read,
            rows_loaded=loaded,
            rows_rejected=rejected,
            last_loaded=_local(last_loaded),
            as_at=_newest(_local(as_at_time), as_at_day),
            tables=tables.get(feed, ()),
        )
    return found


def feed_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Per feed, the canonical tables its loaded batches put rows into, read from the rows themselves.

    One query: the distinct batch IDs of every canonical table (those with the provenance columns), joined to
    their batches' feeds. A column of batch IDs is small and compressed: on the ``large`` authority (7.4 million
    rows in 57 tables) this took about 0.1 s the first time and 0.02 s after.
    """
    from childhub.store import quote_identifier

    found = conn.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND column_name IN (?, ?) GROUP BY table_name HAVING count(*) = 2 ORDER BY table_name",
        list(_PROVENANCE),
    ).fetchall()
    names = [name for (name,) in found]
    if not names:
        return {}
    union = " UNION ALL ".join(f"SELECT DISTINCT ? AS table_name, batch_id FROM {quote_identifier(n)}" for n in names)
    rows = conn.execute(
        f"SELECT DISTINCT coalesce(b.feed, b.source_kind), t.table_name FROM ({union}) t "
        "JOIN ingest_batch b USING (batch_id) WHERE b.status = 'loaded' ORDER BY 1, 2",
        names,
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for feed, table in rows:
        tables.setdefault(feed, []).append(table)
    return {feed: tuple(names) for feed, names in tables.items()}


def judge(feeds: Feeds, found: dict[str, Delivery], now: datetime) -> list[FeedFreshness]:
    """Each declared feed (in the order ``feeds.yml`` gives), then each other feed of ``found`` by name, judged
    at ``now``."""
    now = now.astimezone(LOCAL_TIME)  # a naive datetime is the machine's local time
    judged = []
    claimed = set()
    for feed in feeds.feeds.values():
        batch_feed, declared_tables = _origin(feed)
        claimed.add(batch_feed)
        delivery = found.get(batch_feed)
        judged.append(_judged(feed.name, feed.description, batch_feed, feed, delivery, declared_tables, now))
    for name in sorted(set(found) - claimed):
        delivery = found[name]
        if delivery.batches:  # a feed the store only holds failed batches of is not a source of data
            judged.append(_judged(name, name.replace("_", " "), name, None, delivery, (), now))
    return judged


def bearing_on(judged: Iterable[FeedFreshness], tables: Iterable[str]) -> list[FeedFreshness]:
    """The feeds whose batches fill any of ``tables`` (a figure's, from ``childhub.facts.tables_read``).

    Who a child is (``PERSON_TABLES``: names, dates of birth, addresses, identifiers) comes from every source that
    names children, and every figure reads it; so those tables are left out unless the figure reads nothing
    else, or every feed would bear on every figure. The feeds bearing on a figure are those that fill what it
    counts."""
    wanted = set(tables)
    counted = wanted - set(PERSON_TABLES)
    wanted = counted or wanted
    return [feed for feed in judged if wanted.intersection(feed.tables)]


def health(judged: Iterable[FeedFreshness]) -> str:
    """``ok`` when every declared feed is fresh, ``degraded`` when any is late, overdue or never delivered.
    (Feeds without a cadence are not judged.)"""
    return "ok" if all(feed.state in (FRESH, NO_CADENCE) for feed in judged if feed.declared) else "degraded"


def healthy(judged: Iterable[FeedFreshness]) -> bool:
    """True unless a declared feed is overdue or has never delivered (a late feed is still healthy)."""
    return not any(feed.state in (OVERDUE, NEVER) for feed in judged if feed.declared)


# --- words -----------------------------------------------------------------------------------------


def duration(span: timedelta) -> str:
    """A length of time in words, to its two largest units: "1 hour", "3 hours 5 minutes", "2 days 4 hours"."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    while parts and parts[0][0] == 0:
        parts.pop(0)
    if not parts:
        return "less than a minute"
    shown = [f"{count} {unit}{'' if count == 1 else 's'}" for count, unit in parts[:2] if count]
    return " ".join(shown)


def every(span: timedelta) -> str:
    """A cadence in words: "every hour", "every 30 minutes", "every 7 days"."""
    words = duration(span)
    return f"every {words.removeprefix('1 ')}" if words.startswith("1 ") and " " not in words[2:] else f"every {words}"


def ago(moment: datetime, now: datetime) -> str:
    """How long before ``now`` ``moment`` was: "3 hours 5 minutes ago", "just now"."""
    span = now - moment
    return "just now" if span < timedelta(minutes=1) else f"{duration(span)} ago"


def when(moment: date | datetime) -> str:
    """A date ("4 December 2026"), or a date and local time ("4 December 2026 at 14:05")."""
    if isinstance(moment, datetime):
        local = moment.astimezone(LOCAL_TIME)
        return f"{local.day} {local:%B %Y} at {local:%H:%M}"
    return f"{moment.day} {moment:%B %Y}"


# --- inside ----------------------------------------------------------------------------------------


def _judged(
    name: str,
    description: str,
    batch_feed: str,
    feed: Feed | None,
    delivery: Delivery | None,
    declared_tables: tuple[str, ...],
    now: datetime,
) -> FeedFreshness:
    cadence = feed.cadence if feed is not None else None
    red_after = feed.red_after if feed is not None else None
    loaded = delivery.last_loaded if delivery is not None else None
    if feed is not None and loaded is None:
        state = NEVER
    elif cadence is None:
        state = NO_CADENCE
    elif now - loaded <= cadence:
        state = FRESH
    elif now - loaded <= cadence * red_after:
        state = LATE
    else:
        state = OVERDUE
    failed = delivery is not None and delivery.last_status not in (None, "loaded")
    return FeedFreshness(
        name=name,
        description=description,
        declared=feed is not None,
        batch_feed=batch_feed,
        cadence=cadence,
        red_after=red_after,
        state=state,
        as_at=delivery.as_at if delivery is not None else None,
        last_delivered=delivery.last_delivered if delivery is not None else None,
        last_delivery_failed=failed,
        last_loaded=loaded,
        rows_read=delivery.rows_read if delivery is not None else None,
        rows_loaded=delivery.rows_loaded if delivery is not None else None,
        rows_rejected=delivery.rows_rejected if delivery is not None else None,
        batches=delivery.batches if delivery is not None else 0,
        tables=(delivery.tables if delivery is not None and delivery.tables else declared_tables),
        summary=_summary(state, cadence, delivery, failed, now),
    )


def _summary(state: str, cadence: timedelta | None, delivery: Delivery | None, failed: bool, now: datetime) -> str:
    """The state in words."""
    due = f"due {every(cadence)}" if cadence is not None else "no cadence set"
    parts = [due]
    loaded = delivery.last_loaded if delivery is not None else None
    if loaded is not None:
        parts.append(f"last {'loaded' if failed else 'delivered'} {ago(loaded, now)}")
    if failed:
        parts.append(f"the last delivery, {ago(delivery.last_delivered, now)}, {delivery.last_status}")
    text = "; ".join(parts)
    lead = {LATE: "late", OVERDUE: "overdue", NEVER: "nothing delivered yet"}.get(state)
    return f"{lead}: {text}" if lead else text


def _origin(feed: Feed) -> tuple[str, tuple[str, ...]]:
    """The name a declared feed's batches are recorded under, and the canonical tables it declares it fills."""
    if feed.table is not None:
        return feed.batch_feed(), (feed.table,)
    if feed.mapping is not None:
        kind, tables = _mapping_origin(feed.mapping)
        return (kind or feed.name), tables
    return feed.batch_feed(), ()


def _mapping_origin(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """A mapping file's batch feed name (its family, else its kind) and the tables it fills, read from its YAML
    (``load_feeds`` has checked it exists; a file ingest cannot read names neither). Read again when it changes."""
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        return None, ()
    return _mapping_read(path, changed)


@lru_cache(maxsize=256)
def _mapping_read(path: Path, changed: int) -> tuple[str | None, tuple[str, ...]]:
    data = read_yaml(path, Problems())
    if not isinstance(data, dict):
        return None, ()
    name = data.get("family") or data.get("kind")
    tables = data.get("tables")
    return (str(name) if name else None), (tuple(sorted(str(t) for t in tables)) if isinstance(tables, dict) else ())


def _local(moment: datetime | None) -> datetime | None:
    """A time the store keeps (the hub's clock, no zone) in local time."""
    return moment.astimezone(LOCAL_TIME) if moment is not None else None


def _newest(moment: datetime | None, day: date | None) -> date | datetime | None:
    """The later of a time and a day (a time on the day itself is the more exact of the two)."""
    if moment is None or day is None:
        return moment if moment is not None else day
    return moment if moment.date() >= day else day
