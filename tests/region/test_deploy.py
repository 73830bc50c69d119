"""A deployment as docs/spark.md describes it, in local mode: the package built as a wheel and installed for the
driver, shipped with --py-files, Splink's jar with --jars, and the region's commands run by spark-submit through
``childhub region submit-path``'s script on ``file://`` URIs. What they write equals what the plain commands write on
local paths; the session is the one spark-submit configured; a deployment without Splink's jar is one line."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from region_fixture import write_region
from region_support import hand_export, hand_region
from test_region_indicators import A_ROWS, B_ROWS, END, REGION_CHILDREN

from childhub.engines.spark import SPLINK_JAR, splink_jar
from helpers import run

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
_PYSPARK = importlib.util.find_spec("pyspark")  # None without the spark extra: these tests are then not run
SPARK_SUBMIT = Path(_PYSPARK.origin).parent / "bin" / "spark-submit" if _PYSPARK else None
PROJECT_FILES = ("pyproject.toml", "README.md", "src")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> dict[str, Path]:
    """The wheel, built from this tree, and the driver's install of it (``pip install --target``: the package
    alone, its dependencies being the environment's)."""
    root = tmp_path_factory.mktemp("deploy")
    project = root / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, project / name)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(project)],
        check=True,
        capture_output=True,
    )
    print(f"wheel built in {time.perf_counter() - started:.1f} s")  # docs/spark.md quotes it
    (wheel,) = (root / "dist").glob("childhub-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(root / "site"), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = subprocess.run(
        [sys.executable, "-m", "childhub", "region", "submit-path"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root / "site")},
    ).stdout.strip()
    return {"wheel": wheel, "site": root / "site", "script": Path(script)}


def spark_submit(deployed, *args: str, cwd: Path, jars: bool = True, conf: tuple[str, ...] = ()):
    """spark-submit in local mode as docs/spark.md's example runs it; the driver's childhub is the wheel's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSPARK_GATEWAY")}
    env.update(
        PYTHONPATH=str(deployed["site"]),  # the installed wheel, not this tree's src
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        SPARK_LOCAL_IP="127.0.0.1",
        COLUMNS="200",
    )
    command = [
        str(SPARK_SUBMIT),
        *("--master", "local[2]", "--driver-memory", "1g", "--conf", "spark.ui.enabled=false"),
        *(("--jars", str(splink_jar())) if jars else ()),
        *("--py-files", str(deployed["wheel"])),
        *conf,
        *args,
    ]
    cwd.mkdir(exist_ok=True)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_the_wheel_holds_the_entry_point_and_the_definitions(deployed):
    names = zipfile.ZipFile(deployed["wheel"]).namelist()
    assert "childhub/cli/submit.py" in names
    assert "childhub/region/storage.py" in names
    assert any(name.startswith("childhub/indicators/library/") and name.endswith(".yml") for name in names)
    assert deployed["script"] == deployed["site"] / "childhub" / "cli" / "submit.py"


PROBE = """
import json, sys
import childhub
from childhub.engines.spark import spark_session, submitted
spark = spark_session(master="local[2]", driver_memory="3g")  # what spark-submit gave must win over these
conf = spark.sparkContext.getConf()
print(json.dumps({
    "submitted": submitted(),
    "master": spark.sparkContext.master,
    "driver_memory": conf.get("spark.driver.memory", None),
    "jars": conf.get("spark.jars", ""),
    "app": conf.get("spark.app.name", None),
    "shuffle": spark.conf.get("spark.sql.shuffle.partitions"),
    "time_zone": spark.conf.get("spark.sql.session.timeZone"),
    "ansi": spark.conf.get("spark.sql.ansi.enabled"),
    "jvm_time_zone": spark._jvm.java.util.TimeZone.getDefault().getID(),
    "childhub": childhub.__file__,
}))
spark.stop()
"""


def test_under_spark_submit_the_session_is_the_one_it_configured(deployed, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    result = spark_submit(
        deployed,
        *("--master", "local[1]", "--name", "childhub-deploy-test", "--conf", "spark.sql.shuffle.partitions=3"),
        str(probe),
        cwd=tmp_path / "cwd",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["submitted"] is True
    assert seen["master"] == "local[1]"  # spark-submit's, not the settings' local[2] nor the call's
    assert seen["driver_memory"] == "1g"
    assert [Path(jar).name for jar in seen["jars"].split(",")] == [SPLINK_JAR]  # --jars', once
    assert seen["app"] == "childhub-deploy-test"
    assert seen["shuffle"] == "3"  # the deployment's choice stands
    assert (seen["time_zone"], seen["ansi"], seen["jvm_time_zone"]) == ("UTC", "false", "UTC")  # childhub's SQL
    # --py-files put the zipped wheel first on the driver's path: the driver's childhub is still the wheel's
    assert str(deployed["wheel"]) in seen["childhub"] or str(deployed["site"]) in seen["childhub"]


@pytest.fixture(scope="module")
def region_exports(tmp_path_factory):
    folders, records = write_region(tmp_path_factory.mktemp("exports"), seed=3, children=300, authorities=2)
    return folders, records


def _uri(path: Path) -> str:
    return path.as_uri()  # file:///...


def test_region_link_by_spark_submit_on_uris_writes_what_the_plain_command_writes(deployed, region_exports, tmp_path):
    """The plain command and spark-submit link the same exports on Spark, as local paths and as file:// URIs, with
    one model (trained by a DuckDB link, the quicker: the comparison is of the link, not of two trainings)."""
    folders, records = region_exports
    trained = tmp_path / "trained"
    run("region", "link", *map(str, folders), "--out", str(trained), "--engine", "duckdb", check=True)
    model = ("--model", str(trained / "manifest.json"))
    plain = tmp_path / "plain"
    first = run("region", "link", *map(str, folders), "--out", str(plain), "--engine", "spark", *model)
    assert first.returncode == 0, first.stderr[-2000:]
    submitted = tmp_path / "submitted"
    result = spark_submit(
        deployed,
        str(deployed["script"]),
        *("region", "link", *map(_uri, folders), "--out", _uri(submitted)),
        *model,
        cwd=tmp_path / "cwd",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    said, plain_said = result.stdout.splitlines(), first.stdout.splitlines()
    assert said[0].startswith(f"Linked {len(records):,} children of 2 authorities into ")
    assert said[0].split(" Wrote ")[0] == plain_said[0].split(" Wrote ")[0]
    assert said[1:] == plain_said[1:]  # the comparisons of each blocking rule
    for name in ("region_children.parquet", "pairs.parquet"):
        assert pq.read_table(submitted / name).equals(pq.read_table(plain / name)), name
    ours, theirs = (json.loads((folder / "manifest.json").read_text()) for folder in (submitted, plain))
    assert [e["folder"] for e in ours["exports"]] == [f"file:{e['folder']}" for e in theirs["exports"]]
    for manifest in (ours, theirs):
        del manifest["linked_at"]
        del manifest["model"]["linker_uid"]  # Splink's random name for each run's linker
        for export in manifest["exports"]:
            del export["folder"]
    assert ours == theirs  # files' sha256, model, counts
    # owner-only, and nothing else left beside it: no temporary folder, no checksum files
    assert stat.S_IMODE(submitted.stat().st_mode) == 0o700
    assert sorted(p.name for p in submitted.iterdir()) == ["manifest.json", "pairs.parquet", "region_children.parquet"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in submitted.iterdir()} == {0o600}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "plain", "submitted", "trained"]


def test_region_indicators_by_spark_submit_on_a_uri_counts_what_the_plain_command_counts(deployed, tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, A_ROWS, END)
    b = hand_export(tmp_path / "b", "B", 3000, B_ROWS, END)
    region = hand_region(tmp_path / "region", [a, b], REGION_CHILDREN)
    plain = run("region", "indicators", str(region), "--engine", "duckdb", "--format", "json")
    assert plain.returncode == 0, plain.stderr[-2000:]
    result = spark_submit(
        deployed,
        str(deployed["script"]),
        *("region", "indicators", _uri(region), "--format", "json"),
        cwd=tmp_path / "cwd",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    ours, theirs = json.loads(result.stdout), json.loads(plain.stdout)
    assert ours == theirs
    referrals = {row["scope"]: row["numerator"] for row in ours if row["indicator_id"] == "referrals_count"}
    assert referrals == {"region": 3, "A": 2, "B": 1}  # a referral in each council is a referral (hand-counted)


def test_without_splinks_jar_spark_submit_is_refused_in_one_line(deployed, region_exports, tmp_path):
    folders, _ = region_exports
    out = tmp_path / "region"
    result = spark_submit(
        deployed,
        str(deployed["script"]),
        *("region", "link", *map(_uri, folders), "--out", _uri(out)),
        cwd=tmp_path / "cwd",
        jars=False,
    )
    assert result.returncode == 1
    # Spark's PythonRunner merges the Python driver's standard error into spark-submit's standard output
    errors = [line for line in result.stdout.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: spark: spark-submit was not given Splink's similarity jar: add --jars {splink_jar()}"]
    assert "Traceback" not in result.stdout + result.stderr
    assert not out.exists()
