"""Versioned schema migrations: numbered SQL files, each applied once, in order.

A migration is a plain SQL file ``migrations/NNNN_name.sql`` shipped as package data.
Each runs in its own transaction and is recorded in ``schema_migrations``; one that
fails leaves the store at the version it had before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from childhub.errors import StoreError

if TYPE_CHECKING:
    import duckdb

_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL -- UTC
)
"""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    file_name: str
    sql: str


def _source() -> Traversable:
    """The folder the migration files are read from."""
    return resources.files("childhub.store") / "migrations"


def load_migrations() -> list[Migration]:
    """Every migration file, in version order."""
    migrations = []
    for entry in _source().iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.fullmatch(entry.name)
        if match is None:
            raise StoreError(f"migration file {entry.name} is not named NNNN_name.sql")
        version, name = match.groups()
        sql = entry.read_text(encoding="utf-8")
        migrations.append(Migration(int(version), name, entry.name, sql))
    migrations.sort(key=lambda migration: migration.version)
    for earlier, later in zip(migrations, migrations[1:], strict=False):
        if earlier.version == later.version:
            raise StoreError(f"migration files {earlier.file_name} and {later.file_name} share a version")
    return migrations


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    """The versions recorded in ``schema_migrations`` (none in a new store)."""
    ledger = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_migrations'"
    ).fetchone()
    if not ledger[0]:
        return set()
    rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    return {version for (version,) in rows}


def migrate(conn: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply the migrations ``conn``'s store lacks, in order; return those applied."""
    conn.execute(_CREATE_LEDGER)
    applied = applied_versions(conn)
    migrations = load_migrations()
    newest_known = migrations[-1].version if migrations else 0
    if applied and max(applied) > newest_known:
        raise StoreError(
            f"the store is at schema version {max(applied)}, newer than this childhub "
            f"knows ({newest_known}); upgrade childhub"
        )
    pending = [migration for migration in migrations if migration.version not in applied]
    for migration in pending:
        if applied and migration.version < max(applied):
            raise StoreError(
                f"migration {migration.file_name} is older than version {max(applied)}, "
                "which the store already has; give it a higher number"
            )
        _apply(conn, migration)
    return pending


def _apply(conn: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    import duckdb

    try:
        statements = conn.extract_statements(migration.sql)
    except duckdb.Error as exc:
        raise StoreError(f"migration {migration.file_name} failed: {_first_line(exc)}") from exc
    if any(statement.type == duckdb.StatementType.TRANSACTION for statement in statements):
        raise StoreError(f"migration {migration.file_name} must not begin or end transactions itself")
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(migration.sql)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            [migration.version, migration.name, datetime.now(UTC).replace(tzinfo=None)],
        )
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        conn.execute("ROLLBACK")
        raise StoreError(f"migration {migration.file_name} failed: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
