"""The command line: fast start, one-line errors, --debug tracebacks, sql, synth and demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run


def test_help_lists_the_commands_without_heavy_imports():
    result = run("--help", check=True)
    for command in ("synth", "sql", "demo", "status"):
        assert command in result.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, childhub.cli; print(sorted(m for m in ('duckdb', 'lxml', 'holidays') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_version():
    assert run("--version", check=True).stdout.startswith("childhub ")


def test_a_user_error_is_one_plain_line(tmp_path):
    result = run("synth", "--out", str(tmp_path / "x"), "--as-at", "2026-13-01")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --as-at must be a date written YYYY-MM-DD, not '2026-13-01'"
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "synth", "--out", str(tmp_path / "x"), "--as-at", "2026-13-01")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ChildhubError" in result.stderr


def test_sql_on_a_missing_store_is_one_line(tmp_path):
    result = run("sql", "SELECT 1", data_dir=tmp_path / "nowhere")
    assert result.returncode == 1
    assert result.stderr.startswith("error: there is no childhub store") and result.stderr.count("\n") == 1


def test_debug_is_the_root_option_not_any_word_on_the_line(tmp_path):
    # After "--", "--debug" is the query itself, not the option: the error stays one plain line.
    result = run("sql", "--data-dir", str(tmp_path / "nowhere"), "--", "--debug")
    assert result.returncode == 1
    assert result.stderr.startswith("error: there is no childhub store") and result.stderr.count("\n") == 1


def test_status_on_no_store_makes_none(tmp_path):
    result = run("status", data_dir=tmp_path / "nowhere", check=True)
    assert "schema version: none (there is no store here yet" in result.stdout
    assert not (tmp_path / "nowhere").exists()


def test_status_reads_an_older_store_without_migrating_it(tmp_path, monkeypatch):
    from childhub.store import Store, schema

    every = schema.load_migrations()
    monkeypatch.setattr(schema, "load_migrations", lambda: every[:1])
    store = Store(tmp_path / "old")
    store.migrate()
    monkeypatch.undo()
    result = run("status", data_dir=store.data_dir, check=True)
    later = ", ".join(migration.file_name for migration in every[1:])
    assert (
        f"schema version: {every[0].version} (older than this childhub: the next command that writes applies {later})"
        in result.stdout
    )
    assert "schema_migrations" in result.stdout
    assert store.schema_version() == every[0].version and store.pending_migrations() == [m.file_name for m in every[1:]]


def test_command_line_events_name_the_user_and_the_channel(tmp_path):
    from datetime import date

    from childhub.audit import command_line_user, events, record_command_line

    record_command_line(
        tmp_path, "export_annex_a", subject="a.xlsx", child_count=3, details={"as_at": date(2026, 3, 31)}
    )
    (event,) = events(tmp_path)
    assert (event.actor, event.channel, event.action) == (command_line_user(), "cli", "export_annex_a")
    assert (event.subject, event.child_count, event.details) == ("a.xlsx", 3, {"as_at": "2026-03-31"})


def test_the_choices_offered_are_the_ones_the_library_knows():
    from typing import get_args

    from childhub.cli.measure import Frequency, PeriodChoice
    from childhub.cli.options import Size
    from childhub.indicators.definitions import PeriodType
    from childhub.indicators.periods import Frequency as Frequencies
    from childhub.synth import SIZES

    assert [size.value for size in Size] == list(SIZES)
    assert [period.value for period in PeriodChoice] == list(get_args(PeriodType))
    assert [frequency.value for frequency in Frequency] == list(get_args(Frequencies))


@pytest.mark.slow  # the shared tiny authority is generated and ingested in the default run
def test_synth_says_how_to_ingest_its_extracts_and_that_command_loads_them_all(tmp_path):
    out = tmp_path / "ashmere"
    made = run("synth", "--size", "tiny", "--seed", "3", "--as-at", "2026-03-31", "--out", str(out), check=True)
    said = made.stdout.strip().splitlines()[-1]
    assert said == f"Ingest it with: childhub ingest {out / 'extracts'} --mapping {out / 'mappings'}"
    ingested = run(*said.removeprefix("Ingest it with: childhub ").split(), data_dir=tmp_path / "store", check=True)
    assert ingested.stdout.strip().endswith(" unchanged, 0 failed.")
    assert "truth.csv" not in ingested.stdout and "manifest.json" not in ingested.stdout


@pytest.fixture(scope="module")
def data_dir(tiny_authority, tmp_path_factory) -> Path:
    """A hub's data folder for the commands to read: a copy of the shared tiny authority's store."""
    return tiny_authority.copy(tmp_path_factory.mktemp("cli") / "store").data_dir


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    result = run("demo", "--size", "tiny", "--no-serve", "--as-at", "2026-03-31", data_dir=data_dir, check=True)
    assert "Generated a tiny synthetic authority" in result.stdout
    assert "Could not ingest" not in result.stdout  # the demo passes the synthetic mappings to ingest
    return data_dir


def _kept_files(folder: Path) -> dict[Path, int]:
    # The published snapshots for the web app are replaced, not added to (at most two are kept).
    return {
        p: p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".lock" and "serve" not in p.relative_to(folder).parts
    }


@pytest.mark.slow  # the whole demo, twice; its steps are tested one by one in the default run
def test_demo_twice_duplicates_nothing(demo_dir):
    files = _kept_files(demo_dir)
    second = run("demo", "--size", "tiny", "--no-serve", "--as-at", "2026-03-31", data_dir=demo_dir, check=True)
    assert "reused" in second.stdout and "already up to date" in second.stdout
    after = _kept_files(demo_dir)
    assert set(after) == set(files)
    snapshots = list((demo_dir / "serve").glob("snapshot-*.duckdb"))
    assert 1 <= len(snapshots) <= 2
    assert (demo_dir / "serve" / (demo_dir / "serve" / "CURRENT").read_text()).exists()
    synthetic = [p for p in files if "synthetic" in p.parts]
    assert synthetic and all(after[p] == files[p] for p in synthetic)


@pytest.mark.slow
def test_sql_formats_and_refusals(data_dir):
    table = run("sql", "SELECT 1 AS one, 'a' AS letter", data_dir=data_dir, check=True).stdout
    assert "one" in table and "letter" in table
    as_csv = run("sql", "SELECT 1 AS one, 'a' AS letter", "--format", "csv", data_dir=data_dir, check=True)
    assert as_csv.stdout.splitlines() == ["one,letter", "1,a"]
    as_json = run("sql", "SELECT 1 AS one", "--format", "json", data_dir=data_dir, check=True)
    assert json.loads(as_json.stdout) == [{"one": 1}]
    refused = run("sql", "DELETE FROM person", data_dir=data_dir)
    assert refused.returncode == 1 and refused.stderr.startswith("error: query refused")
    no_files = run("sql", "SELECT * FROM read_csv('/etc/passwd')", data_dir=data_dir)
    assert no_files.returncode == 1 and "Traceback" not in no_files.stderr


def test_status_shows_schema_and_tables(data_dir):
    result = run("status", data_dir=data_dir, check=True)
    assert "schema version: " in result.stdout and "cin_episodes" in result.stdout
