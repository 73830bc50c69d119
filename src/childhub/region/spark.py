"""A small local Spark session for the region's link, until ``childhub.engines`` brings the product's own.

Local mode on two cores, the driver's memory capped at 2 GB, Splink's similarity functions on ``spark.jars`` (the
jar ships inside the splink package: nothing is downloaded), and its working files (checkpoints, Splink's
intermediate parquet, shuffle spills) in a temporary folder removed when the session stops.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from childhub.engines import EngineError

CORES = 2
DRIVER_MEMORY = "2g"


@contextmanager
def local_spark_session() -> Iterator[object]:
    """A Spark session in local mode for one run, stopped (and its working folder removed) at the end."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:  # the spark extra is not installed
        raise EngineError(f"spark: PySpark is not installed (pip install 'childhub[spark]'): {error}") from None
    with tempfile.TemporaryDirectory(prefix="childhub-spark-") as work:
        try:
            spark = (
                SparkSession.builder.master(f"local[{CORES}]")
                .appName("childhub region link")
                .config("spark.driver.memory", DRIVER_MEMORY)
                .config("spark.jars", similarity_jar_location())
                .config("spark.sql.shuffle.partitions", str(2 * CORES))
                .config("spark.default.parallelism", str(2 * CORES))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.local.dir", str(Path(work, "local")))
                .config("spark.sql.warehouse.dir", str(Path(work, "warehouse")))
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate()
            )
        except Exception as error:  # Java missing, a port refused: one line naming the engine
            raise EngineError(f"spark: could not start a local session: {str(error).splitlines()[0]}") from None
        try:
            spark.sparkContext.setLogLevel("ERROR")
            spark.sparkContext.setCheckpointDir(str(Path(work, "checkpoints")))
            yield spark
        finally:
            spark.stop()
