"""``--engine spark`` on ``childhub indicators``, ``annex-a`` and ``dq``, end to end through the command line on the
tiny authority: the same output as DuckDB's (each command in a process of its own, as a person runs it, so each
starts and stops its own Spark)."""

from __future__ import annotations

import json
import math
import re

import pytest

from helpers import run

pytestmark = pytest.mark.spark

pytest.importorskip("pyspark")


def _same_rows(left: list[dict], right: list[dict]) -> bool:
    if len(left) != len(right):
        return False
    for a, b in zip(left, right, strict=True):
        if a.keys() != b.keys():
            return False
        for key in a:
            x, y = a[key], b[key]
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif x != y:
                return False
    return True


def test_the_indicator_table_is_the_same_counted_on_spark(tiny_authority):
    as_at = tiny_authority.as_at.isoformat()
    data_dir = tiny_authority.store.data_dir
    on_duckdb = run("indicators", "--as-at", as_at, "--format", "json", data_dir=data_dir)
    on_spark = run("indicators", "--as-at", as_at, "--format", "json", "--engine", "spark", data_dir=data_dir)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    assert on_spark.returncode == 0, on_spark.stderr
    left, right = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert len(left) == 58 and any(row["numerator"] for row in left)
    assert _same_rows(left, right)


def test_annex_a_is_the_same_file_by_file_queried_on_spark(tiny_authority, tmp_path):
    as_at = tiny_authority.as_at.isoformat()
    data_dir = tiny_authority.store.data_dir
    for engine in ("duckdb", "spark"):
        done = run("annex-a", "--as-at", as_at, "--format", "csv", "--out", str(tmp_path / engine), "--check",
                   "--engine", engine, data_dir=data_dir)  # fmt: skip
        assert done.returncode == 0, done.stderr
    written = sorted(path.name for path in (tmp_path / "duckdb").iterdir())
    assert written == sorted(path.name for path in (tmp_path / "spark").iterdir())
    assert "checks.csv" in written and len(written) >= 13  # 11 lists, the summary and the check
    for name in written:
        assert (tmp_path / "duckdb" / name).read_bytes() == (tmp_path / "spark" / name).read_bytes(), name


@pytest.mark.xfail(
    reason="HUB12's fingerprint differs between the engines (docs/engines.md), so a Spark run after a DuckDB run "
    "would record it as new and fixed; and the whole check of every year on Spark took over 20 minutes here",
    run=False,
    strict=True,
)
def test_dq_on_spark_finds_what_duckdb_recorded_and_records_it_in_the_store(tiny_authority, tmp_path):
    store = tiny_authority.copy(tmp_path / "store")
    before = json.loads(run("dq", "--no-check", "--format", "json", data_dir=store.data_dir).stdout)
    assert before, "the tiny authority has findings (its check ran on DuckDB after linking)"
    checked = run("dq", "--full", "--format", "json", "--engine", "spark", data_dir=store.data_dir)
    assert checked.returncode == 0, checked.stderr
    # every year run again on Spark: nothing new, nothing fixed against what DuckDB recorded
    summary = re.search(r"Checked ([\d,]+) rules .*: ([\d,]+) new findings, ([\d,]+) fixed", checked.stderr)
    assert summary is not None, checked.stderr
    assert int(summary.group(1).replace(",", "")) > 400
    assert (summary.group(2), summary.group(3)) == ("0", "0")
    after = json.loads(checked.stdout)
    assert {row["finding"] for row in after} == {row["finding"] for row in before}
    with store.reader() as conn:  # the run was recorded in the store's DuckDB, as a DuckDB run is
        assert conn.execute("SELECT count(*) FROM dq_run").fetchone()[0] >= 2
