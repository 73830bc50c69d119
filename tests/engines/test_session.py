"""Starting Spark, without starting it: the one-line errors when pyspark or Java is missing, and Splink's jar."""

from __future__ import annotations

import sys

import pytest

from childhub.engines import EngineError, spark_session
from childhub.engines.spark import SPLINK_JAR, splink_jar


def test_without_pyspark_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    with pytest.raises(EngineError, match=r"^spark: pyspark is not installed \(pip install 'childhub\[spark\]'\)$"):
        spark_session()


def test_without_java_the_error_says_so(monkeypatch):
    pytest.importorskip("pyspark")
    import childhub.engines.spark as spark_module

    monkeypatch.setattr(spark_module.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match=r"^spark: Java is not installed"):
        spark_session()


def test_splinks_similarity_jar_for_spark_3_is_found_in_the_installed_package():
    jar = splink_jar()
    assert jar is not None and jar.name == SPLINK_JAR and jar.stat().st_size > 0
    assert jar.parent.parent.parent.parent.name == "splink"
