"""Feeds: the streams of records each source system sends the hub, declared once in ``feeds.yml``.

A feed is what the hub expects from one source: the canonical table its records fill (a Standard
Safeguarding Dataset table, whose columns are the fields of a pushed row) or the mapping its rows are read
by, and how often a delivery is due (its cadence), so a feed that stops is noticed. Pushes
(``POST /api/v1/feeds/{feed}/records``), pulls (``childhub pull``) and dropped files (``childhub watch``)
all arrive as batches of a feed, through ``childhub.hub``, one batch model for all three.

How fresh each feed is (``feeds.freshness``): ``freshness(conn, feeds, now)`` gives a ``FeedFreshness`` per feed
(its data's as-at, when it last delivered, its state: fresh, late, overdue, never, no cadence), read from the
store by ``deliveries`` and judged at a moment by ``judge``; ``bearing_on`` picks the feeds that fill a figure's
tables, ``health`` and ``healthy`` sum them up for monitoring.

Public surface: ``Feed``, ``Feeds``, ``load_feeds``, ``feeds_path``, ``FEEDS_FILE``, ``parse_cadence``; and
``freshness``, ``deliveries``, ``judge``, ``feed_tables``, ``bearing_on``, ``health``, ``healthy``, ``Delivery``,
``FeedFreshness``, ``PERSON_TABLES``, ``STATES``, ``STATE_LABELS``, ``LOCAL_TIME``, ``when``, ``duration``.
"""

from childhub.feeds.declared import FEEDS_FILE, Feed, Feeds, feeds_path, load_feeds, parse_cadence
from childhub.feeds.freshness import (
    LOCAL_TIME,
    PERSON_TABLES,
    STATE_LABELS,
    STATES,
    Delivery,
    FeedFreshness,
    bearing_on,
    deliveries,
    duration,
    feed_tables,
    freshness,
    health,
    healthy,
    judge,
    when,
)

__all__ = [
    "FEEDS_FILE",
    "LOCAL_TIME",
    "PERSON_TABLES",
    "STATES",
    "STATE_LABELS",
    "Delivery",
    "Feed",
    "FeedFreshness",
    "Feeds",
    "bearing_on",
    "deliveries",
    "duration",
    "feed_tables",
    "feeds_path",
    "freshness",
    "health",
    "healthy",
    "judge",
    "load_feeds",
    "parse_cadence",
    "when",
]
