"""The Spark session a region's commands run on: ``childhub.engines``' session (``local[2]`` and 2 GB for the driver
by default, or what spark-submit configured: docs/spark.md), with Splink's working files (checkpoints, its
intermediate parquet) in a folder of their own removed when the session stops.

In local mode that folder is a temporary one on this machine. On a cluster it must be on storage every executor
reaches: a folder under the ``spark_checkpoint_dir`` setting (``hdfs://...``, ``s3a://...``); a cluster without it
is refused in one line before anything runs.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from childhub.engines import EngineError

CORES = 2
DRIVER_MEMORY = "2g"


@contextmanager
def local_spark_session(checkpoints: bool = True) -> Iterator[object]:
    """A Spark session for one run, stopped (and its working folder removed) at the end. ``checkpoints``: give
    it a checkpoint folder (Splink's link needs one; counting does not)."""
    from childhub.engines import spark_session
    from childhub.settings import get_settings

    local = Path(tempfile.mkdtemp(prefix="childhub-spark-"))  # mode 700: owner only; removed at the end
    try:  # Spark's scratch and catalogue there too when childhub starts Spark (spark-submit's own otherwise)
        spark = spark_session(
            config={"spark.local.dir": str(local / "local"), "spark.sql.warehouse.dir": str(local / "warehouse")}
        )
    except BaseException:
        shutil.rmtree(local, ignore_errors=True)
        raise
    stored = None
    try:
        if checkpoints:
            master = spark.sparkContext.master
            configured = get_settings().spark_checkpoint_dir
            if configured:
                from childhub.region.storage import HadoopPath

                stored = HadoopPath(configured.rstrip("/") + f"/childhub-{secrets.token_hex(8)}", spark)
                stored.mkdir(parents=True)
                spark.sparkContext.setCheckpointDir(str(stored))
            elif master.startswith("local"):
                spark.sparkContext.setCheckpointDir(str(local / "checkpoints"))
            else:
                raise EngineError(
                    f"spark: on a cluster ({master}) Splink's working files need a folder every executor reaches: "
                    "set spark_checkpoint_dir (CHILDHUB_SPARK_CHECKPOINT_DIR) to an hdfs:// or s3a:// folder"
                )
        yield spark
    finally:
        if stored is not None:
            stored.remove_tree()  # through the session's Hadoop file system, before it stops
        spark.stop()
        shutil.rmtree(local, ignore_errors=True)
