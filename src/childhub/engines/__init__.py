"""Engines: where the declared SQL runs, DuckDB (embedded, the default) or Apache Spark (a region's cluster).

Every definition (facts, indicators, Annex A lists, data-quality rules, cohorts) is written once in DuckDB's
dialect. ``translate`` is the one place engine differences live: it expands childhub's SQL macros and rewrites the
constructs another engine lacks (through SQLGlot), and refuses a definition it cannot run with
``UnsupportedConstruct``, naming the engine and the construct. ``SparkConnection`` presents a Spark session with the
few methods of a DuckDB connection the readers use (``execute`` with ``$name`` or ``?`` parameters, ``fetchall``,
``fetchone``, ``description``, ``register``), so the readers run unchanged on either engine.
"""

from __future__ import annotations

from childhub.engines.errors import EngineError, UnsupportedConstruct
from childhub.engines.spark import SparkConnection, SparkResult, spark_session
from childhub.engines.translate import SPARK_REWRITES, Macros, output_columns, translate

ENGINES = ("duckdb", "spark")  # the values of ``--engine``

__all__ = [
    "ENGINES",
    "SPARK_REWRITES",
    "EngineError",
    "Macros",
    "SparkConnection",
    "SparkResult",
    "UnsupportedConstruct",
    "output_columns",
    "spark_session",
    "translate",
]
