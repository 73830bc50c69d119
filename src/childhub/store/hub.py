"""The hub database: accounts, sessions, API tokens, sign-in attempts and the audit log, in SQLite.

The analytical store (DuckDB) has one writer at a time, and an ingest can hold it for a minute;
the web app must record every view at once, whatever else is running, and ``childhub users``
must work while the app is serving. So this small, write-often state lives beside the store in
``<data_dir>/hub.sqlite`` (write-ahead log, many processes), with its own versioned migrations in
``store/hub_migrations/``. ``HubDatabase`` is the only code that opens it, and keeps the file (and
its ``-wal`` and ``-shm``) readable by the hub's own account alone: it holds password hashes and the
audit log.

The audit log is a hash chain: each row's ``row_hash`` is SHA-256 over the previous row's hash and
the row's canonical content (SQLite's ``json_array`` of its columns; ``childhub.audit``). Every
connection knows the SQL function ``audit_chain_hash(previous_hash, content)``; the migration that
added the chain (0002) uses it to chain the rows already there, and a trigger uses it to refuse any
row that does not continue the chain (so a plain ``sqlite3`` shell, which lacks the function,
cannot add a row at all).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from childhub.errors import StoreError
from childhub.exports import private_file, private_folder

HUB_FILE = "hub.sqlite"


def audit_chain_hash(previous_hash: str | None, content: str | None) -> str:
    """The hash of an audit row: SHA-256 (hex) over the previous row's hash, a newline and the row's content."""
    return hashlib.sha256(f"{previous_hash or ''}\n{content or ''}".encode()).hexdigest()


MIGRATIONS = Path(__file__).parent / "hub_migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utc_now() -> str:
    """Now, in UTC, as ISO 8601 text (how the hub database keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


_MIGRATED: set[Path] = set()  # hub databases brought up to date by this process
_LOCAL = threading.local()


class HubDatabase:
    """``<data_dir>/hub.sqlite``, created and migrated on first use."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / HUB_FILE

    @contextmanager
    def connect(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed when the block ends, rolled back if it raises.

        ``write=False`` starts a read transaction, which never waits for writers (write-ahead log).
        """
        conn = self._thread_connection()
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _thread_connection(self) -> sqlite3.Connection:
        """This thread's connection to the file (kept open: a web server asks on every request)."""
        connections = _LOCAL.__dict__.setdefault("connections", {})
        conn = connections.get(self.path)
        if conn is not None and self.path.exists():
            return conn
        private_folder(self.path.parent)
        for path in (self.path, *(self.path.with_name(self.path.name + end) for end in ("-wal", "-shm"))):
            if path == self.path or path.exists():
                private_file(path)  # new, or left open by an older childhub; SQLite gives -wal and -shm its mode
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.create_function("audit_chain_hash", 2, audit_chain_hash, deterministic=True)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a crash of childhub
            if self.path not in _MIGRATED:
                self._migrate(conn)
                _MIGRATED.add(self.path)
        except sqlite3.Error as error:
            raise StoreError(f"could not open the hub database {self.path}: {error}") from error
        connections[self.path] = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hub_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        applied = {row[0] for row in conn.execute("SELECT version FROM hub_migrations")}
        files = sorted(MIGRATIONS.glob("*.sql"))
        newest = max((int(_NAME.match(f.name).group(1)) for f in files), default=0)
        if applied and max(applied) > newest:
            raise StoreError(f"the hub database {self.path} is newer than this childhub knows; upgrade childhub")
        for file in files:
            match = _NAME.match(file.name)
            if match is None:
                raise StoreError(f"hub migration {file.name} is not named NNNN_name.sql")
            version = int(match.group(1))
            if version in applied:
                continue
            try:
                conn.execute("BEGIN IMMEDIATE")
                if conn.execute("SELECT 1 FROM hub_migrations WHERE version = ?", [version]).fetchone():
                    conn.execute("COMMIT")  # another process (the web app, a command) applied it meanwhile
                    continue
                for statement in _statements(file.read_text("utf-8")):
                    conn.execute(statement)
                conn.execute("INSERT INTO hub_migrations VALUES (?, ?, ?)", [version, file.name, utc_now()])
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                conn.execute("ROLLBACK")
                raise StoreError(f"hub migration {file.name} failed: {error}") from error


def _statements(sql: str) -> list[str]:
    """The statements of a migration file, split where sqlite3 says a statement is complete."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        if not current and line.strip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
