"""A source database for the pull tests: a schema of its own in the PostgreSQL server CHILDHUB_TEST_PG names
(``scripts/postgres_for_tests.sh`` starts one; .ci/run starts Debian's), holding SSD tables made from CSV files."""

from __future__ import annotations

import csv
import os
import secrets
from pathlib import Path

import pytest
import yaml

PASSWORD_ENV = "CHILDHUB_TEST_PG_PASSWORD"
WATERMARK = "last_modified"


def dsn() -> str:
    value = os.environ.get("CHILDHUB_TEST_PG")
    if not value:
        pytest.skip(
            'no PostgreSQL to pull from: set CHILDHUB_TEST_PG (eval "$(bash scripts/postgres_for_tests.sh start DIR)")'
        )
    return value


class SourceDatabase:
    """A schema of its own in the test server, and the sources.yml that reaches it."""

    def __init__(self, conninfo: str) -> None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        self.params = conninfo_to_dict(conninfo)
        self.schema = f"pull_{secrets.token_hex(4)}"
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.conn.execute(f'CREATE SCHEMA "{self.schema}"')

    def close(self) -> None:
        self.conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')
        self.conn.close()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.conn.cursor() as cursor:
            cursor.execute(sql.replace("{schema}", f'"{self.schema}"'), params)
            return cursor.fetchall() if cursor.description else []

    def load_csv(self, path: Path, table: str | None = None) -> int:
        """``path`` as the table ``table`` (default: the file's name): text columns from its header, and a
        ``last_modified`` time set when a row is written; the rows it loaded."""
        table = table or path.stem
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        columns = ", ".join(f'"{name}" text' for name in header)
        self.execute(
            f'CREATE TABLE {{schema}}."{table}" ({columns}, {WATERMARK} timestamp NOT NULL DEFAULT '
            "TIMESTAMP '2026-01-01 09:00:00')"
        )
        names = ", ".join(f'"{name}"' for name in header)
        copy_sql = f'COPY "{self.schema}"."{table}" ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)'
        with self.conn.cursor() as cursor, cursor.copy(copy_sql) as copy, path.open("rb") as handle:
            while block := handle.read(1 << 16):
                copy.write(block.removeprefix(b"\xef\xbb\xbf"))
        return self.execute(f'SELECT count(*) FROM {{schema}}."{table}"')[0][0]

    def connection(self, **overrides) -> dict:
        return {
            "kind": "postgresql",
            "host": self.params.get("host", "127.0.0.1"),
            "port": int(self.params.get("port", 5432)),
            "database": self.params["dbname"],
            "user": self.params["user"],
            "password_env": PASSWORD_ENV,
            "schema": self.schema,
            "timeout": 10,
            **overrides,
        }

    def sources_file(self, folder: Path, source: dict, name: str = "social_care_db") -> Path:
        """A sources.yml of one source, ``source`` (its connection added unless it gives one)."""
        os.environ[PASSWORD_ENV] = self.params.get("password", "")
        path = folder / "sources.yml"
        path.write_text(yaml.safe_dump({"sources": {name: {"connection": self.connection(), **source}}}), "utf-8")
        return path
