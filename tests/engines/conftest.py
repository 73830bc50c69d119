"""One Spark session for the whole test run (local[2], 1g driver), started only by tests marked ``spark``."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (``childhub.engines.spark_session``), stopped at the end of the run."""
    pytest.importorskip("pyspark")
    from childhub.engines import spark_session

    session = spark_session("local[2]", "1g")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def tiny_on_spark(spark, tiny_authority):
    """The tiny authority's store loaded into Spark with every fact built there (once per run)."""
    from childhub.facts import prepare, spark_connection

    with tiny_authority.store.reader() as reader:
        conn = spark_connection(reader, spark)
    prepare(conn)
    yield conn
    conn.close()
