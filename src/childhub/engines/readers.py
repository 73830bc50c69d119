"""The readers of the facts on either engine: what indicators, Annex A, data quality and cohorts need beyond the
connection methods both engines share.

A reader is handed a connection: DuckDB's (a store's reader, the default) or a ``SparkConnection`` holding the
store's tables in a Spark session. Everything it does with it is ``execute(sql, params)`` with ``fetchall``,
``fetchone`` and ``description``, ``register``/``unregister`` of an Arrow table, and temp tables, so the same
declared SQL runs on both. The things here keep the readers from depending on which one they were given:

- ``engine_errors()``: the exceptions a statement may raise on either engine (DuckDB's ``duckdb.Error``; the
  adapter's ``EngineError``), for a reader to name its definition when one fails;
- ``values_relation(conn, name, columns)``: a list of values as a relation to join, instead of a list bound as a
  parameter and unnested (which Spark cannot bind);
- ``check_translation(conn, definitions)``: every definition translated for the engine before any runs, so one it
  cannot run fails at load naming the engine, the definition and the construct;
- ``separate_session(conn)``: a Spark session of its own beside the store's, for tables whose names the store's
  would shadow.

``childhub.facts.engine_reader(store, engine)`` opens a store on either engine (the store loaded into Spark
needs the facts' list of the tables they read, a layer above this one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from childhub.engines.errors import EngineError


def engine_errors() -> tuple[type[BaseException], ...]:
    """The exceptions running a statement raises on either engine: catch these, not ``duckdb.Error`` alone."""
    import duckdb

    return (duckdb.Error, EngineError)


def is_spark(conn: Any) -> bool:
    """Whether ``conn`` is the Spark adapter (``SparkConnection``) rather than a DuckDB connection."""
    return getattr(conn, "engine", "duckdb") == "spark"


@contextmanager
def values_relation(conn: Any, name: str, columns: dict[str, Sequence[Any]]) -> Iterator[str]:
    """``columns`` (name -> values, all of one length) as the temp relation ``name`` on ``conn`` for the duration:
    what a reader joins to instead of binding a list as a parameter and unnesting it, which only DuckDB can. On
    DuckDB a temp table made from the lists bound side by side; on Spark a registered Arrow table (text columns
    stay text when every value is None)."""
    from childhub.store import quote_identifier

    if not is_spark(conn):
        names = [f"c{index}" for index in range(len(columns))]
        unnested = ", ".join(
            f"unnest(${param}) AS {quote_identifier(column)}" for param, column in zip(names, columns, strict=True)
        )
        bound = {param: list(values) for param, values in zip(names, columns.values(), strict=True)}
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(name)} AS SELECT {unnested}", bound)
        try:
            yield name
        finally:
            conn.execute(f"DROP TABLE IF EXISTS temp.{quote_identifier(name)}")
        return
    import pyarrow as pa

    arrays = {}
    for column, values in columns.items():
        values = list(values)
        text = all(value is None or isinstance(value, str) for value in values)
        arrays[column] = pa.array(values, pa.string()) if text else pa.array(values)
    conn.register(name, pa.table(arrays))
    try:
        yield name
    finally:
        conn.unregister(name)


def check_translation(conn: Any, definitions: Iterable[tuple[str, str, Any]]) -> None:
    """Every definition (``(source, sql, params)``: the file or rule it comes from, its SQL, its parameters)
    translated for ``conn``'s engine before any of them runs, so one that engine cannot run fails at load with
    ``UnsupportedConstruct`` naming the engine, the definition and the construct, never halfway through a run.
    Nothing to do on DuckDB, whose dialect the definitions are written in."""
    if not is_spark(conn):
        return
    for source, sql, params in definitions:  # as the connection will run it: its tables' columns and dates known
        conn.translate(sql, params, source)


def separate_session(conn: Any) -> Any:
    """A connection on the same Spark as ``conn`` whose temp tables and macros are its own (a new session of the
    same Spark context): for tables whose names the store's would shadow, such as a return's ``missing``.
    The caller closes it."""
    if not is_spark(conn):
        raise EngineError("a separate session is Spark's: DuckDB's readers make an in-memory database instead")
    return conn.new_session()


def check_engine(engine: str) -> str:
    """``engine`` when it is one childhub runs on, else an EngineError naming the choices."""
    from childhub.engines import ENGINES

    if engine not in ENGINES:
        raise EngineError(f"the engine is {' or '.join(ENGINES)}, not {engine!r}")
    return engine


__all__ = [
    "check_engine",
    "check_translation",
    "engine_errors",
    "is_spark",
    "separate_session",
    "values_relation",
]
