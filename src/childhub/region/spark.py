"""The Spark session a region's link runs on when it is given none: ``childhub.engines.spark_session`` (the master
and driver memory of childhub's settings, local[2] and 2 GB by default; Splink's similarity jar on ``spark.jars``),
with a checkpoint folder for Splink's steps in a temporary folder, stopped and removed at the end of the run."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def local_spark_session() -> Iterator[object]:
    """A Spark session for one run, stopped (and its checkpoint folder removed) at the end."""
    from childhub.engines import spark_session

    with tempfile.TemporaryDirectory(prefix="childhub-spark-") as work:
        spark = spark_session()
        try:
            spark.sparkContext.setCheckpointDir(str(Path(work, "checkpoints")))
            yield spark
        finally:
            spark.stop()
