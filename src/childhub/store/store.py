"""The store: childhub's DuckDB database, and the one owner of every connection to it.

One writer at a time, guarded by an OS file lock; any number of read-only readers.
Nothing else in childhub calls ``duckdb.connect``. The data folder and all it holds are the hub's
account's alone: each write makes them so before it starts and again when it ends (so an older
childhub's folder is tightened by the first write of this one; ``childhub.exports.make_private``).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.errors import StoreBusy, StoreError
from childhub.exports import make_private, private_file, private_folder
from childhub.store import schema
from childhub.store.query import QueryResult, run_query

if TYPE_CHECKING:
    import duckdb

    from childhub.settings import Settings

DATABASE_FILE = "childhub.duckdb"
WRITER_LOCK_FILE = ".writer.lock"

# No extension is ever downloaded or loaded behind childhub's back: only those built into
# the duckdb wheel (core_functions, icu, json, parquet) are there to use.
_WRITER_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
# Readers read the store and nothing else: no files, no network.
_READER_CONFIG = {**_WRITER_CONFIG, "enable_external_access": False}


class Store:
    """The store in ``data_dir``: the database file ``childhub.duckdb`` and its writer lock.

    Each write opens the database, and ``publish`` copies it for readers elsewhere (the web app of another
    process). ``childhub.store.live.LiveStore`` is the same store held open by a server.
    """

    live = False  # a LiveStore's readers see each write the moment it commits

    def defer(self, key: str, job) -> None:
        """Only a held store defers work until the writes pause (``LiveStore.defer``)."""
        raise NotImplementedError("only a LiveStore defers work")

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.database_path = self.data_dir / DATABASE_FILE

    def __repr__(self) -> str:
        return f"Store({str(self.data_dir)!r})"

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The read-write connection, with the schema brought up to date first.

        Raises StoreError if another process holds the writer lock.
        """
        with self._write_connection() as conn:
            schema.migrate(conn)
            yield conn

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection that can reach the store and nothing else.

        While a server holds the store (``childhub serve``), this reads the snapshot it last wrote (at most its
        ``snapshot_every`` behind, and current after any write the server ran for another childhub command).
        """
        if not self.database_path.exists():
            raise StoreError(f"there is no childhub store in {self.data_dir} yet")
        try:
            conn = self._open(read_only=True)
        except StoreError as error:
            snapshot = current_snapshot(self.data_dir)
            if snapshot is None or "another childhub process" not in str(error):
                raise
            conn = open_snapshot(snapshot)
        try:
            yield conn
        finally:
            conn.close()

    def publish(self, conn: duckdb.DuckDBPyConnection, version: str) -> Path | None:
        """Publish the store as it stands for readers in other processes (``publish_snapshot``), on the writer."""
        return publish_snapshot(self, conn, version)

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the files applied, oldest first."""
        with self._write_connection() as conn:
            return [migration.file_name for migration in schema.migrate(conn)]

    def schema_version(self) -> int:
        """The newest migration applied to the store (0 for none, or no store yet)."""
        if not self.database_path.exists():
            return 0
        with self.reader() as conn:
            return max(schema.applied_versions(conn), default=0)

    def pending_migrations(self) -> list[str]:
        """The migration files this childhub has and the store has not applied yet, oldest first.

        Only reads (every file, for no store yet); the next writer applies them.
        """
        applied: set[int] = set()
        if self.database_path.exists():
            with self.reader() as conn:
                applied = schema.applied_versions(conn)
        return [migration.file_name for migration in schema.load_migrations() if migration.version not in applied]

    def table_sizes(self) -> list[tuple[str, int]]:
        """(table, about how many rows it holds) for each table in the store, by name; only reads."""
        with self.reader() as conn:
            return conn.execute("SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name").fetchall()

    def query(
        self, sql: str, *, timeout_seconds: float, row_limit: int, byte_limit: int, memory_mb: int
    ) -> QueryResult:
        """Run an analyst's single SELECT, sandboxed and limited; raise QueryError if refused."""
        with self.reader() as conn:  # the store is there (said as every reader says it); held by a server: its copy
            held = conn.execute("SELECT current_database()").fetchone()[0] != Path(self.database_path).stem
        return run_query(
            current_snapshot(self.data_dir) if held else self.database_path,
            sql,
            timeout_seconds=timeout_seconds,
            row_limit=row_limit,
            byte_limit=byte_limit,
            memory_mb=memory_mb,
            data_dir=self.data_dir,
        )

    @contextmanager
    def _write_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        private_folder(self.data_dir)
        make_private(self.data_dir)
        with open(private_file(self.data_dir / WRITER_LOCK_FILE), "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusy(
                    f"another childhub process is writing to {self.data_dir}; try again when it has finished"
                ) from None
            try:
                with self._connect(read_only=False) as conn:
                    conn.execute("SET enable_progress_bar = false")  # long work must not draw on the terminal
                    yield conn
            finally:
                make_private(self.data_dir)  # what this write added (archive, snapshots) is the owner's alone

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        import duckdb

        config = _READER_CONFIG if read_only else _WRITER_CONFIG
        try:
            return duckdb.connect(str(self.database_path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise StoreError(self._why_not_opened(exc, read_only)) from exc

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = self._open(read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()

    def _why_not_opened(self, exc: Exception, read_only: bool) -> str:
        message = str(exc)
        if "Could not set lock" in message:
            return f"another childhub process is using the store in {self.data_dir}; try again when it has finished"
        if "different configuration" in message:
            other = "writing" if read_only else "reading"
            return (
                f"the store in {self.data_dir} is already open for {other} in this process; close that connection first"
            )
        return f"could not open the store {self.database_path}: {message.splitlines()[0]}"


@contextmanager
def scratch_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database for work that touches no store (e.g. linking lists of people)."""
    import duckdb

    conn = duckdb.connect(":memory:", config=_WRITER_CONFIG)
    try:
        conn.execute("SET enable_progress_bar = false")
        yield conn
    finally:
        conn.close()


SERVE_DIR = "serve"
CURRENT_FILE = "CURRENT"
_SNAPSHOTS_KEPT = 2
# What the app's queries (an analyst's SQL among them) may use in memory, so none can starve the machine.
_SERVE_MEMORY = "6GB"


def publish_snapshot(store: Store, conn: duckdb.DuckDBPyConnection, version: str) -> Path:
    """Publish the store as it stands as a read-only snapshot for the web app; called on the writer.

    ``version`` names the state of everything the web app shows (``childhub.hub`` builds it from
    what each layer says of its own tables); the same version as the last snapshot publishes nothing.
    The writer checkpoints, copies the database file into ``<data_dir>/serve/`` under a new name and
    then points ``serve/CURRENT`` at it (each step an atomic rename), so a reader sees either the
    last snapshot or this one, never half of one. The two newest snapshots are kept: the web app may
    still be reading the one before.
    """
    import shutil

    serve = store.data_dir / SERVE_DIR
    remove_partial_snapshots(serve)
    name = f"snapshot-{_snapshot_version(conn, version)}.duckdb"
    current = current_snapshot(store.data_dir)
    if current is not None and current.name == name:
        return current  # nothing the web app shows has changed since the last one
    conn.execute("CHECKPOINT")
    private_folder(serve)
    partial = partial_snapshot(serve, name)
    try:
        shutil.copyfile(store.database_path, private_file(partial))
        make_current(serve, name)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"the store is saved, but its snapshot for the web app could not be written to {serve} "
            f"({error.strerror or error}); the web app shows the last one until the next childhub ingest, "
            "link or serve publishes it"
        ) from error
    keep_newest_snapshots(serve)
    return serve / name


def partial_snapshot(serve: Path, name: str) -> Path:
    """Where the snapshot ``name`` is written before ``make_current`` renames it into place."""
    return serve / f".{name}.partial"


def make_current(serve: Path, name: str) -> None:
    """Rename the written ``partial_snapshot(serve, name)`` into place and point ``serve/CURRENT`` at it, each step an
    atomic rename, so a reader sees the last snapshot or this one, never half of one. OSError if either fails
    (the pointer's own partial file removed)."""
    import os

    os.replace(partial_snapshot(serve, name), serve / name)
    pointer = serve / f".{CURRENT_FILE}.partial"
    try:
        private_file(pointer).write_text(name, "utf-8")
        os.replace(pointer, serve / CURRENT_FILE)
    except OSError:
        pointer.unlink(missing_ok=True)
        raise


def remove_partial_snapshots(serve: Path) -> None:
    """Delete what a copy cut short by a crash or a full disk left in ``serve`` (never read), write-ahead log too."""
    for leftover in serve.glob(".*.partial*"):
        leftover.unlink(missing_ok=True)


def keep_newest_snapshots(serve: Path) -> None:
    """Delete all but the newest snapshots in ``serve`` (a reader may still be on the one before the newest)."""
    snapshots = sorted(serve.glob("snapshot-*.duckdb"), key=lambda path: path.stat().st_mtime_ns)
    for old in snapshots[:-_SNAPSHOTS_KEPT]:
        old.unlink(missing_ok=True)


def _snapshot_version(conn: duckdb.DuckDBPyConnection, version: str) -> str:
    """A short name for ``version`` (what the layers above say the web app shows) and the store's schema."""
    import hashlib

    migrations = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    text = f"{version}|{migrations}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def current_snapshot(data_dir: Path) -> Path | None:
    """The snapshot the web app should read now, if one has been published."""
    pointer = Path(data_dir) / SERVE_DIR / CURRENT_FILE
    try:
        name = pointer.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    path = pointer.parent / name
    return path if path.exists() else None


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published snapshot, cut off from files and network, settings locked.

    Cursors of it (``conn.cursor()``) serve concurrent requests; close it when a newer snapshot
    takes over.
    """
    import duckdb

    try:
        conn = duckdb.connect(str(path), read_only=True, config={**_READER_CONFIG, "memory_limit": _SERVE_MEMORY})
    except duckdb.Error as exc:
        raise StoreError(f"could not open the published snapshot {path}: {str(exc).splitlines()[0]}") from exc
    if not conn.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
        # (a second connection to the same file in this process shares the instance, already locked)
        conn.execute("SET enable_progress_bar = false")
        conn.execute("SET lock_configuration = true")
    return conn


def open_for_query(path: Path, *, memory_mb: int) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the store or a snapshot for one analyst's query, in that query's own
    process (``store.query``): cut off from files and network, using at most ``memory_mb`` of memory."""
    import duckdb

    try:
        conn = duckdb.connect(str(path), read_only=True, config={**_READER_CONFIG, "memory_limit": f"{memory_mb}MB"})
    except duckdb.Error as exc:
        raise StoreError(f"could not open the data to query: {str(exc).splitlines()[0]}") from exc
    conn.execute("SET enable_progress_bar = false")  # its output is the caller's terminal
    return conn


def open_store(settings: Settings, data_dir: Path | None = None) -> Store:
    """The store in ``data_dir`` (a command-line option), or else in ``settings.data_dir``."""
    return Store(data_dir if data_dir is not None else settings.data_dir)
