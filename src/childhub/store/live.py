"""The store held open for as long as ``childhub serve`` runs: one read-write database, readers beside the writer.

A ``Store`` opens the database for each write and publishes a copy of it for the web app after every change,
so making a change visible costs a copy of the whole file. A ``LiveStore`` is the same store held by one
process: it takes the writer lock when it opens and keeps it, its writes take turns on the held database (one
at a time, in the order they asked; a write that cannot start within ``write_wait`` seconds is refused with
``StoreBusy``, so a busy hub answers "try again shortly" instead of queueing without end), and its readers are
cursors of the same database, each reading the last committed state (DuckDB's snapshot isolation), so a change
is visible the moment it commits, whatever the size of the store.

Publishing is then only telling the readers what changed (``on_publish`` listeners: the web app's caches).
A copy of the store is still written now and then for what cannot read the held database (an analyst's
sandboxed query, which runs in a process of its own, and childhub commands run elsewhere while the server
holds the store): in the background, from a read transaction, so writes go on meanwhile, at most every
``snapshot_every`` seconds and when the store closes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.errors import StoreBusy, StoreError
from childhub.exports import make_private, private_file, private_folder
from childhub.store import schema
from childhub.store.store import (
    _WRITER_CONFIG,
    SERVE_DIR,
    WRITER_LOCK_FILE,
    Store,
    _snapshot_version,
    current_snapshot,
    keep_newest_snapshots,
    make_current,
    partial_snapshot,
    remove_partial_snapshots,
)

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("childhub.store")
Listener = Callable[[str], None]
DEFER_QUIET = 2.0  # seconds without a write before deferred jobs run
DEFER_AT_MOST = 300.0  # ... or this long after the first was deferred, whatever the writes


class LiveStore(Store):
    """The store in ``data_dir`` held open by this process (``open`` ... ``close``, or ``with``)."""

    live = True

    def __init__(self, data_dir: Path, *, write_wait: float = 10.0, snapshot_every: float = 300.0) -> None:
        super().__init__(data_dir)
        self.write_wait = write_wait
        self.snapshot_every = snapshot_every
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._lock_file = None
        self._write_lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._version = ""
        self._published = 0  # how many publishes: what readers' caches compare
        self._snapshot_lock = threading.Lock()
        self._snapshot_of: str | None = None  # the version the newest snapshot holds
        self._snapshot_at = 0.0
        self._snapshots = 0  # how many this store wrote (each snapshot's name is new)
        self._snapshot_timer: threading.Timer | None = None
        self._closing = False
        self._cursors: weakref.WeakSet = weakref.WeakSet()
        self._deferred: dict[str, Callable] = {}
        self._deferred_since = 0.0
        self._last_write = 0.0
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"LiveStore({str(self.data_dir)!r})"

    def __enter__(self) -> LiveStore:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- holding the store -------------------------------------------------------------------------------------

    def open(self, *, wait: float = 0.0) -> LiveStore:
        """Take the writer lock (waiting up to ``wait`` seconds for another process's write to finish) and open
        the database read-write, its schema brought up to date. StoreBusy if the lock stays taken."""
        import duckdb

        private_folder(self.data_dir)
        make_private(self.data_dir)  # once, here: a write must not walk the archive every time
        lock_file = open(private_file(self.data_dir / WRITER_LOCK_FILE), "a")  # noqa: SIM115 (held until close)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    lock_file.close()
                    raise StoreBusy(
                        f"another childhub process is writing to {self.data_dir}; try again when it has finished"
                    ) from None
                time.sleep(0.5)
        try:
            conn = duckdb.connect(str(self.database_path), read_only=False, config=_WRITER_CONFIG)
        except duckdb.Error as exc:
            lock_file.close()
            raise StoreError(self._why_not_opened(exc, False)) from exc
        conn.execute("SET enable_progress_bar = false")
        schema.migrate(conn)
        self._conn, self._lock_file = conn, lock_file
        remove_partial_snapshots(self.data_dir / SERVE_DIR)
        return self

    def close(self) -> None:
        """Write a last snapshot if the store changed since the newest one, then let the store go."""
        if self._conn is None:
            return
        self._closing = True
        if self._snapshot_timer is not None:
            self._snapshot_timer.cancel()
        try:
            self.snapshot_now()
        except StoreError as error:
            log.warning("%s", error)
        import duckdb

        with self._write_lock:
            conn, self._conn = self._conn, None  # new cursors are refused from here on
            for cursor in list(self._cursors):  # a reader still counting (a warm-up after a write) stops
                with contextlib.suppress(duckdb.Error):
                    cursor.interrupt()
            for _ in range(50):
                try:
                    for cursor in list(self._cursors):
                        cursor.close()
                    conn.close()
                    break
                except duckdb.Error:
                    time.sleep(0.1)
            else:
                log.warning("the store in %s was still busy when the server stopped", self.data_dir)
            self._lock_file.close()
            self._lock_file = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def _held(self) -> duckdb.DuckDBPyConnection:
        if self._conn is None:
            raise StoreError(f"the store in {self.data_dir} is not open")
        return self._conn

    # -- writing and reading -----------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to write with, when no other write of this process is running (waiting up to
        ``write_wait`` seconds for one that is; StoreBusy after that)."""
        if not self._write_lock.acquire(timeout=self.write_wait):
            raise StoreBusy(
                "the hub is busy with another write; try again shortly", retry_after=max(1, round(self.write_wait))
            )
        try:
            cursor = self._held().cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            self._last_write = time.monotonic()
            self._write_lock.release()

    def defer(self, key: str, job: Callable[[], None]) -> None:
        """Run ``job()`` in a thread of the store's once the writes pause for ``DEFER_QUIET`` seconds (or at the
        latest ``DEFER_AT_MOST`` seconds after the first job was deferred); a job deferred again under the same
        ``key`` before it ran replaces it, so a run of pushes is checked once. The job takes the writer itself
        for as short a time as it can (it reads on a reader meanwhile)."""
        if self._deferred_since == 0.0:
            self._deferred_since = time.monotonic()
        self._deferred[key] = job
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run_deferred, daemon=True, name="childhub-deferred")
            self._worker.start()
        self._wake.set()

    def _run_deferred(self) -> None:
        while not self._closing:
            self._wake.wait(timeout=1.0)
            if not self._deferred:
                self._wake.clear()
                continue
            now = time.monotonic()
            if now - self._last_write < DEFER_QUIET and now - self._deferred_since < DEFER_AT_MOST:
                time.sleep(0.2)
                continue
            jobs, self._deferred, self._deferred_since = self._deferred, {}, 0.0
            for key, job in jobs.items():
                try:
                    job()
                except StoreBusy:  # try again at the next pause
                    self._deferred.setdefault(key, job)
                    self._deferred_since = self._deferred_since or time.monotonic()
                except Exception:  # a deferred job (a check after a write) must not stop the next
                    log.exception("a job deferred until the writes paused failed")

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor reading the store as last committed (it may share the process with writes)."""
        cursor = self._held().cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor of the held database (one per thread; the caller closes it, or the store when it closes)."""
        cursor = self._held().cursor()
        self._cursors.add(cursor)
        return cursor

    def migrate(self) -> list[str]:
        with self.writer() as conn:
            return [migration.file_name for migration in schema.migrate(conn)]

    @property
    def busy(self) -> bool:
        """True while a write is running."""
        return self._write_lock.locked()

    # -- publishing --------------------------------------------------------------------------------------------

    def on_publish(self, listener: Listener) -> None:
        """Call ``listener(version)`` after each publish (on the writer's thread: keep it quick)."""
        self._listeners.append(listener)

    @property
    def version(self) -> str:
        return self._version

    @property
    def published(self) -> int:
        return self._published

    def publish(self, conn: duckdb.DuckDBPyConnection, version: str) -> Path | None:
        """The change is committed, so readers see it already: tell the listeners, and write a snapshot for
        out-of-process readers if the last one is older than ``snapshot_every`` (else soon after)."""
        version = _snapshot_version(conn, version)
        if version != self._version:
            self._version = version
            self._published += 1
            for listener in list(self._listeners):
                try:
                    listener(version)
                except Exception:  # a listener must never undo or hide a committed write
                    log.exception("a listener of the store's publish failed")
        self._schedule_snapshot()
        return current_snapshot(self.data_dir)

    def _schedule_snapshot(self) -> None:
        if self._closing or self._snapshot_of == self._version:
            return
        wait = self._snapshot_at + self.snapshot_every - time.monotonic()
        if wait <= 0 and not self._snapshot_lock.locked():
            threading.Thread(target=self._snapshot_quietly, daemon=True, name="childhub-snapshot").start()
        elif self._snapshot_timer is None or not self._snapshot_timer.is_alive():
            self._snapshot_timer = threading.Timer(max(wait, 1.0), self._snapshot_quietly)
            self._snapshot_timer.daemon = True
            self._snapshot_timer.start()

    def _snapshot_quietly(self) -> None:
        try:
            self.snapshot_now()
        except StoreError as error:
            log.warning("%s", error)

    def snapshot_now(self, *, force: bool = False) -> Path | None:
        """Write the store as last committed to ``serve/`` as the current snapshot (from a read transaction: writes
        go on meanwhile), unless the newest snapshot this store wrote holds this version already (``force``: even
        then, after a write that publishes nothing, a pull's watermark say)."""
        import os

        import duckdb

        with self._snapshot_lock:
            version = self._version
            if self._conn is None or not version or (self._snapshot_of == version and not force):
                return current_snapshot(self.data_dir)
            serve = private_folder(self.data_dir / SERVE_DIR)
            self._snapshots += 1
            name = f"snapshot-{version}-{os.getpid()}-{self._snapshots}.duckdb"  # never one written before
            partial = partial_snapshot(serve, name)
            partial.unlink(missing_ok=True)
            cursor = self._conn.cursor()
            try:
                source = cursor.execute("SELECT current_database()").fetchone()[0]
                cursor.execute("ATTACH ? AS childhub_snapshot", [str(partial)])
                try:
                    cursor.execute(f'COPY FROM DATABASE "{source}" TO childhub_snapshot')
                finally:
                    cursor.execute("DETACH childhub_snapshot")
                private_file(partial)
                make_current(serve, name)
            except (duckdb.Error, OSError) as error:
                partial.unlink(missing_ok=True)
                raise StoreError(
                    f"the store is saved, but its snapshot for readers outside the server could not be written to "
                    f"{serve} ({str(error).splitlines()[0]}); they read the last one until the next"
                ) from error
            finally:
                cursor.close()
            self._snapshot_of, self._snapshot_at = version, time.monotonic()
            keep_newest_snapshots(serve)
            return serve / name
