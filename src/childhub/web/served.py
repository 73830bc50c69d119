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

    def memo(self, key: Any, compute: Callable[[], T], reads: tuple[str, ...] | None = None) -> T:
        """``compute()`` once per snapshot and key; concurrent callers of one key wait for the first. (``reads``,
        the facts it reads, matters only to a ``LiveView``: a snapshot never changes.) At most ``MEMO_ENTRIES``
        results are kept: any date can be asked for."""
        return _memo(self, key, compute)


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


class LiveView:
    """The store held by this server (``childhub.store.LiveStore``), as the web app reads it: each worker thread
    its own cursor of the live database with the stored facts as views, and results cached by the versions of
    what they read, so a write is visible as soon as it commits and only what it changed is counted again.

    It stands where a ``Snapshot`` stands (``cursor``, ``memo``, ``conn``, ``path``, ``version``): ``path`` is the
    newest snapshot the store wrote, for the SQL console's query, which runs in a process of its own.
    """

    def __init__(self, store, data_dir: Path) -> None:
        self.store = store
        self.data_dir = data_dir
        self.conn = store  # ``conn.cursor()`` gives a new cursor, as a snapshot's connection does
        self._local = threading.local()
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()
        self._versions: dict[str, int] = {}
        self._versions_of = -1  # the publish the versions were read after

    @property
    def version(self) -> str:
        return self.store.version

    @property
    def path(self) -> Path:
        from childhub.store import current_snapshot

        path = current_snapshot(self.data_dir)
        if path is None:
            raise StoreError("the hub has not written a snapshot for the SQL console yet; try again in a minute")
        return path

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            from childhub.facts import prepare

            cursor = self.store.cursor()
            prepare(cursor, as_stored=True)
            self._local.cursor = cursor
        return cursor

    def fact_versions(self) -> dict[str, int]:
        """Each fact's version now (read again after each publish)."""
        published = self.store.published
        if published != self._versions_of:
            from childhub.facts import fact_versions

            versions = fact_versions(self.cursor())
            with self._guard:
                self._versions, self._versions_of = versions, published
        return self._versions

    def memo(self, key: Any, compute: Callable[[], T], reads: tuple[str, ...] | None = None) -> T:
        """``compute()`` once per key and state of what it ``reads`` (fact names; None: anything in the store;
        empty: nothing a write changes), as ``Snapshot.memo`` does per snapshot."""
        if reads is not None and not reads:
            state: Any = ()  # it reads nothing a write changes (the settings it was counted with)
        else:
            versions = self.fact_versions()
            if reads is None or not versions:
                state = self.store.published
            else:
                state = tuple(versions.get(f"fact_{name}", -1) for name in sorted(reads))
        return _memo(self, (key, state), compute)


def _memo(holder, key: Any, compute: Callable[[], T]) -> T:
    try:
        return holder._cache[key]
    except KeyError:
        pass
    with holder._guard:
        lock = holder._locks.setdefault(key, threading.Lock())
    with lock:
        if key not in holder._cache:
            value = compute()
            with holder._guard:
                holder._cache[key] = value
                while len(holder._cache) > MEMO_ENTRIES:
                    oldest, _ = holder._cache.popitem(last=False)
                    holder._locks.pop(oldest, None)
        return holder._cache[key]


class LiveServed:
    """What the app reads when it runs with the store held (``childhub serve``): always the live view.

    ``warm(view)``, if given, runs in a background thread after each write that changed what the overview
    counts, so the next visitor finds the figures counted again already.
    """

    def __init__(self, store, data_dir: Path, warm: Callable[[LiveView], None] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.view = LiveView(store, self.data_dir)
        self.warm = warm
        self._warming = threading.Lock()
        self._again = False
        store.on_publish(lambda version: self._warm_soon())

    def current(self) -> LiveView:
        return self.view

    def look_now(self) -> None:
        """Nothing to do: the live view shows every write as it commits."""

    def _warm_soon(self) -> None:
        if self.warm is None:
            return
        self._again = True
        if not self._warming.locked():
            threading.Thread(target=self._warm, daemon=True, name="childhub-warm").start()

    def _warm(self) -> None:
        with self._warming:
            while self._again and self.view.store.held:
                self._again = False
                try:
                    self.warm(self.view)
                except Exception:  # a failed warm-up must not stop the app; the next visitor counts
                    if self.view.store.held:  # (not the server stopping under it)
                        import logging

                        logging.getLogger("childhub.web").exception("counting again after a write failed")
