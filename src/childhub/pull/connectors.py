"""Reading rows from a source's database: PostgreSQL through psycopg, SQL Server through pymssql.

The SQL sent is built here and only here (``select_sql``): identifiers pass the dialect's quoting
(``"name"`` for PostgreSQL, ``[name]`` for T-SQL), the watermark is a bound parameter. Rows come back in
chunks (a server-side cursor on PostgreSQL; pymssql reads the TDS stream row by row) so a large table never
sits in memory whole. Every failure is one ``PullError`` naming the source, the host and what failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from childhub.pull.sources import PullError

if TYPE_CHECKING:
    from childhub.pull.sources import Source

CHUNK_ROWS = 10_000
APPLICATION_NAME = "childhub pull"


def quote(kind: str, identifier: str) -> str:
    """``identifier`` quoted for the dialect of ``kind`` (postgresql or sqlserver), whatever it holds."""
    if kind == "sqlserver":
        return "[" + identifier.replace("]", "]]") + "]"
    return '"' + identifier.replace('"', '""') + '"'


def select_sql(
    kind: str,
    *,
    schema: str | None = None,
    table: str | None = None,
    columns: Sequence[str] = (),
    query: str | None = None,
    watermark: str | None = None,
    since: Any = None,
) -> tuple[str, tuple | None]:
    """The SELECT that pulls a table (``schema.table``'s ``columns``) or a query's rows, and its parameters.

    With ``watermark`` and ``since`` (the greatest watermark pulled before), only rows whose watermark is greater
    than ``since`` are read; the value is bound, never written into the SQL. A query is wrapped as a derived
    table (``SELECT * FROM (query) AS childhub_pull``), so its own text is sent as written.
    """
    if query is not None:
        sql = f"SELECT * FROM (\n{query.strip().rstrip(';')}\n) AS childhub_pull"
    else:
        picked = ", ".join(quote(kind, column) for column in columns)
        sql = f"SELECT {picked} FROM {quote(kind, schema)}.{quote(kind, table)}"
    if watermark is None or since is None:
        return sql, None
    return f"{sql} WHERE {quote(kind, watermark)} > %s", (since,)


@dataclass
class Chunks:
    """A running SELECT: its column names, and its rows in chunks."""

    columns: list[str]
    chunks: Iterator[list[tuple]]


class SourceDatabase:
    """An open, read-only connection to one source's database."""

    def __init__(self, source: Source, conn: Any) -> None:
        self.source = source
        self.kind = source.connection.kind
        self._conn = conn

    def table_columns(self, table: str) -> list[str] | None:
        """The columns of ``table`` in the source's schema, in order; None when there is no such table."""
        schema = self.source.connection.effective_schema
        sql = (
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
            "ORDER BY ORDINAL_POSITION"
        )
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, (schema, table))
            names = [row[0] for row in cursor.fetchall()]
        except Exception as error:
            raise self.failed(f"could not list the columns of {schema}.{table}", error) from None
        finally:
            cursor.close()
        if self.kind == "postgresql":
            self._conn.rollback()  # the next read opens its own transaction
        return names or None

    def tables_like(self, prefix: str) -> list[str]:
        """The tables in the source's schema whose names start with ``prefix``."""
        schema = self.source.connection.effective_schema
        cursor = self._conn.cursor()
        try:
            cursor.execute(
                "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
                (schema,),
            )
            names = [row[0] for row in cursor.fetchall() if str(row[0]).lower().startswith(prefix)]
        except Exception as error:
            raise self.failed(f"could not list the tables of {schema}", error) from None
        finally:
            cursor.close()
        if self.kind == "postgresql":
            self._conn.rollback()
        return names

    @contextmanager
    def rows(self, sql: str, params: tuple | None, what: str, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunks]:
        """Run ``sql`` and give its rows in chunks of ``chunk_rows``; ``what`` names it in an error."""
        if self.kind == "postgresql":
            with self._postgres_rows(sql, params, what, chunk_rows) as chunks:
                yield chunks
        else:
            with self._sqlserver_rows(sql, params, what, chunk_rows) as chunks:
                yield chunks

    @contextmanager
    def _postgres_rows(self, sql: str, params, what: str, chunk_rows: int) -> Iterator[Chunks]:
        import psycopg

        try:
            with self._conn.transaction(), self._conn.cursor(name="childhub_pull") as cursor:
                cursor.itersize = chunk_rows
                try:
                    cursor.execute(sql, params)
                except psycopg.Error as error:
                    raise self.failed(f"{what}: the SELECT failed", error) from None
                columns = [column.name for column in cursor.description]
                yield Chunks(columns, self._chunks(cursor, what, chunk_rows, psycopg.Error))
        except psycopg.Error as error:
            raise self.failed(f"{what}: reading the rows failed", error) from None

    @contextmanager
    def _sqlserver_rows(self, sql: str, params, what: str, chunk_rows: int) -> Iterator[Chunks]:
        import pymssql

        cursor = self._conn.cursor()
        try:
            try:
                cursor.execute(sql, params)
            except pymssql.Error as error:
                raise self.failed(f"{what}: the SELECT failed", error) from None
            columns = [column[0] for column in cursor.description]
            yield Chunks(columns, self._chunks(cursor, what, chunk_rows, pymssql.Error))
        finally:
            cursor.close()

    def _chunks(self, cursor, what: str, chunk_rows: int, error_type) -> Iterator[list[tuple]]:
        while True:
            try:
                chunk = cursor.fetchmany(chunk_rows)
            except error_type as error:
                raise self.failed(f"{what}: reading the rows failed", error) from None
            if not chunk:
                return
            yield chunk

    def failed(self, what: str, error: Exception) -> PullError:
        connection = self.source.connection
        return PullError(
            f"source {self.source.name} ({connection.host}:{connection.effective_port}, database "
            f"{connection.database}): {what} ({reason(error)})"
        )


@contextmanager
def connect(source: Source) -> Iterator[SourceDatabase]:
    """A read-only connection to ``source``'s database; a PullError naming source, host and port if it fails."""
    connection = source.connection
    password = connection.password(source.name)
    try:
        conn = _postgres(source, password) if connection.kind == "postgresql" else _sqlserver(source, password)
    except Exception as error:
        if isinstance(error, PullError):
            raise
        raise PullError(
            f"source {source.name}: could not connect to {connection.kind} at {connection.host}:"
            f"{connection.effective_port}, database {connection.database}, as {connection.user} ({reason(error)})"
        ) from None
    try:
        yield SourceDatabase(source, conn)
    finally:
        conn.close()


def _postgres(source: Source, password: str | None):
    import psycopg

    connection = source.connection
    timeout_ms = int(connection.timeout * 1000)
    conn = psycopg.connect(
        host=connection.host,
        port=connection.effective_port,
        dbname=connection.database,
        user=connection.user,
        password=password,
        connect_timeout=max(1, int(connection.timeout)),
        application_name=APPLICATION_NAME,
        options=f"-c statement_timeout={timeout_ms * 60} -c idle_in_transaction_session_timeout={timeout_ms * 60}",
    )
    conn.read_only = True  # childhub only reads a source: least privilege even where the role could write
    return conn


def _sqlserver(source: Source, password: str | None):
    import pymssql

    connection = source.connection
    return pymssql.connect(
        server=connection.host,
        port=str(connection.effective_port),
        user=connection.user,
        password=password or "",
        database=connection.database,
        login_timeout=max(1, int(connection.timeout)),
        timeout=max(1, int(connection.timeout * 60)),
        appname=APPLICATION_NAME,
        tds_version=connection.tds_version,
        encryption=connection.encryption,
        read_only=True,  # application intent read-only: childhub only reads a source
    )


_SQLSERVER_NOISE = re.compile(r"DB-Lib error message \d+, severity \d+:|Net-Lib error during|\(\d+\)$")


def reason(error: Exception) -> str:
    """What went wrong, in one line: the driver's first useful words (a DB-Lib message's meaningful parts)."""
    args = getattr(error, "args", ())
    if len(args) == 1 and isinstance(args[0], tuple):  # pymssql wraps (code, message) in one argument
        args = args[0]
    text = ""
    if len(args) >= 2 and isinstance(args[1], bytes | str):  # pymssql: (code, b"DB-Lib error message ...")
        raw = args[1].decode("utf-8", "replace") if isinstance(args[1], bytes) else args[1]
        parts = [_SQLSERVER_NOISE.sub("", line).strip() for line in raw.splitlines()]
        text = "; ".join(part for part in parts if part and not part.startswith("DB-Lib error"))
    if not text:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        text = lines[0] if lines else type(error).__name__
    text = text.removeprefix("connection failed: ")
    return text[:300]
