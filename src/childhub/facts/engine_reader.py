"""A connection that reads a store on the engine chosen (``--engine duckdb|spark``), for the readers of the facts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from childhub.store import Store


@contextmanager
def engine_reader(store: Store, engine: str = "duckdb") -> Iterator[Any]:
    """A connection reading ``store`` on ``engine``: DuckDB's read-only reader (``Store.reader``), or a
    ``SparkConnection`` holding what the facts read from the store (``spark_connection``, loaded through a read-only
    reader, so nothing is written) on a Spark session started for it and stopped when done (a session already
    running in this process, a test's, is used and left running). ``prepare`` builds the facts on either."""
    from childhub.engines import check_engine

    check_engine(engine)
    if engine == "duckdb":
        with store.reader() as conn:
            yield conn
        return
    from childhub.engines import spark_session
    from childhub.facts.build import spark_connection

    running = _running_session()
    session = running or spark_session()
    try:
        with store.reader() as reader:
            conn = spark_connection(reader, session)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        if running is None:
            session.stop()


def _running_session() -> Any:
    """The Spark session already active in this process, if any."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # spark_session says so, in one line
        return None
    return SparkSession.getActiveSession()
