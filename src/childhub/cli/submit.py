"""spark-submit's entry point: childhub's own command line, run by the Python driver spark-submit starts.

    spark-submit --master yarn --jars SPLINK_JAR [--py-files childhub-X-py3-none-any.whl] \\
        "$(childhub region submit-path)" region link hdfs:///region/a hdfs:///region/b --out hdfs:///region/linked

Everything after this file's path is ``childhub``'s arguments, so the commands, their options and their one-line
errors are the same as on the command line; the Spark session they open is the one spark-submit configured
(``childhub.engines.spark.submitted``). docs/spark.md.
"""

from __future__ import annotations

import os
import sys


def _installed_first() -> None:
    """The driver's installed childhub before a wheel on the path (``--py-files`` puts it first): the package reads
    its definitions (indicators, SQL) from real folders, which Python cannot list inside a zipped wheel."""
    wheels = [entry for entry in sys.path if entry.endswith(".whl")]
    for wheel in wheels:
        sys.path.remove(wheel)
    try:
        import childhub  # noqa: F401
    except ImportError:
        sys.path.extend(wheels)  # no installed copy: the wheel's, as a last resort
        raise SystemExit(
            "error: childhub is not installed on the driver: pip install the wheel there (docs/spark.md)"
        ) from None
    sys.path.extend(wheels)


def _not_beside_me() -> None:
    """Run as a script, this file's folder is first on the path, where its neighbours (``region.py``, ``sql.py``...)
    would hide modules of the same names: it goes."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]


def main() -> None:
    """Run ``childhub`` with this script's arguments."""
    _not_beside_me()
    _installed_first()
    from childhub.cli import main as childhub

    sys.argv[0] = "childhub"
    childhub()


if __name__ == "__main__":
    main()
