"""What the web app reads: the newest published snapshot of the store, and work cached per snapshot.

Writers (ingest, link, review decisions) publish a read-only copy of the store after every change
(``childhub.store.publish_snapshot``). The app opens the newest copy read-only, cut off from
files and the network, and gives each worker thread its own cursor with the facts prepared once.
When a newer snapshot appears the next request switches to it; requests already running finish
on the one they started with. So pages never wait for an ingest, and never see half of one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from childhub.errors import StoreError

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")
_CHECK_EVERY_SECONDS = 1.0
MEMO_ENTRIES = 2_000  # results kept per snapshot (figures, trends, breakdowns for the dates asked for)


class Snapshot:
    """One published snapshot: a read-only connection, per-thread cursors, and a cache of results."""

    def __init__(self, path: Path, data_dir: Path) -> None:
        from childhub.store import open_snapshot

        self.path = path
        self.data_dir = data_dir  # the hub's folder (its authority settings)
        self.version = path.name
        self.conn = open_snapshot(path)
        self._local = threading.local()
        self._cache: OrderedDict[Any, Any] = OrderedDict()  # the newest last; at most MEMO_ENTRIES
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor, with every fact prepared (views of the snapshot's stored facts)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            from childhub.facts import prepare

            cursor = self.conn.cursor()
            prepare(cursor)
            self._local.cursor = cursor
        return cursor

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per snapshot and key; concurrent callers of one key wait for the first."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                value = compute()
                with self._guard:
                    self._cache[key] = value
                    while len(self._cache) > MEMO_ENTRIES:  # any date can be asked for: keep memory bounded
                        oldest, _ = self._cache.popitem(last=False)
                        self._locks.pop(oldest, None)
            return self._cache[key]


class Served:
    """The snapshots of the hub in ``data_dir``, switching to the newest as they are published.

    ``warm(snapshot)``, if given, is run on a newly published snapshot in a background thread
    before requests switch to it (the overview's figures and trends, say), so no visitor waits
    for the first count after an ingest; until it finishes, the previous snapshot serves.
    """

    def __init__(self, data_dir: Path, warm: Callable[[Snapshot], None] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.warm = warm
        self._snapshot: Snapshot | None = None
        self._warming: Path | None = None
        self._switch_now = False
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def look_now(self) -> None:
        """Switch to a newer snapshot at the next request, without warming it first (after this process
        published one itself, so the person who made the change sees it at once)."""
        self._checked_at = 0.0
        self._switch_now = True

    def current(self) -> Snapshot:
        now = time.monotonic()
        snapshot = self._snapshot
        if snapshot is not None and now - self._checked_at < _CHECK_EVERY_SECONDS:
            return snapshot
        from childhub.store import current_snapshot

        with self._lock:
            self._checked_at = now
            path = current_snapshot(self.data_dir)
            if path is None:
                if self._snapshot is not None:
                    return self._snapshot
                raise StoreError("no data has been published to the app yet: run childhub ingest (or childhub demo)")
            if self._snapshot is None:
                self._snapshot = Snapshot(path, self.data_dir)
            elif self._snapshot.path != path and (self._switch_now or self._warming != path):
                if self.warm is None or self._switch_now:
                    self._switch_now = False
                    self._snapshot = Snapshot(path, self.data_dir)  # the old one closes when its last request ends
                else:
                    self._warming = path
                    threading.Thread(target=self._warm_then_switch, args=(path,), daemon=True).start()
            return self._snapshot

    def _warm_then_switch(self, path: Path) -> None:
        snapshot = Snapshot(path, self.data_dir)
        try:
            self.warm(snapshot)
        except Exception:  # a failed warm-up must not keep the new data from being served
            import logging

            logging.getLogger("childhub.web").exception("warming snapshot %s failed", path.name)
        from childhub.store import current_snapshot

        with self._lock:
            if self._warming == path:
                self._warming = None
            if current_snapshot(self.data_dir) == path:  # still the newest: never step back to an older one
                self._snapshot = snapshot
