"""Feeds: the streams of records each source system sends the hub, declared once in ``feeds.yml``.

A feed is what the hub expects from one source: the canonical table its records fill (a Standard
Safeguarding Dataset table, whose columns are the fields of a pushed row) or the mapping its rows are read
by, and how often a delivery is due (its cadence), so a feed that stops is noticed. Pushes
(``POST /api/v1/feeds/{feed}/records``), pulls (``childhub pull``) and dropped files (``childhub watch``)
all arrive as batches of a feed, through ``childhub.hub``, one batch model for all three.

Public surface: ``Feed``, ``Feeds``, ``load_feeds``, ``feeds_path``, ``FEEDS_FILE``.
"""

from childhub.feeds.declared import FEEDS_FILE, Feed, Feeds, feeds_path, load_feeds, parse_cadence

__all__ = ["FEEDS_FILE", "Feed", "Feeds", "feeds_path", "load_feeds", "parse_cadence"]
