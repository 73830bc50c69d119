"""Pulls from the source systems' databases, their schedules, and the watched folder.

- ``sources.yml`` (``load_sources``, ``sources_path``): each source's connection (PostgreSQL or SQL Server;
  the password from an environment variable or a secrets file, never the file itself) and its tables (the SSD
  tables, or one query per canonical table; whole snapshots, or changes by a watermark), with cron schedules.
- ``pull``: each table read in chunks into a private staging CSV and loaded as one batch through
  ``childhub.hub.ingest``; the watermark advances after the batch commits (``pull.state``, migration 0010).
- ``run_due`` and ``next_due``: the schedules, for ``childhub feeds run`` and the server's background thread.
- ``Watcher``: the watched folder (``childhub watch``), each complete file one batch, moved to ``done/`` or
  ``failed/`` with its report.
- ``select_sql`` and ``quote``: the SQL sent to a source, identifiers quoted for its dialect.
"""

from childhub.pull.connectors import quote, select_sql
from childhub.pull.run import TablePull, pull
from childhub.pull.schedule import next_due, run_due
from childhub.pull.sources import Connection, PullError, Source, Sources, Table, load_sources, sources_path
from childhub.pull.watch import WatchedFile, Watcher

__all__ = [
    "Connection",
    "PullError",
    "Source",
    "Sources",
    "Table",
    "TablePull",
    "WatchedFile",
    "Watcher",
    "load_sources",
    "next_due",
    "pull",
    "quote",
    "run_due",
    "select_sql",
    "sources_path",
]
