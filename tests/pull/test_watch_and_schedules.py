"""The watched folder (each complete file one batch, moved with its report) and the pull schedules."""

from __future__ import annotations

import json
import shutil
import socket
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from childhub.pull import Watcher, load_sources, next_due, run_due
from childhub.pull.schedule import is_due
from childhub.store import Store

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick


@pytest.fixture(scope="module")
def ssd_files(tmp_path_factory) -> Path:
    from childhub.synth import generate

    made = generate("tiny", 5, date(2026, 3, 31), tmp_path_factory.mktemp("authority"))
    return made.extracts / "social_care" / "ssd"


def batches(store: Store) -> list[tuple]:
    with store.reader() as conn:
        return conn.execute("SELECT batch_id, feed, status, rows_loaded FROM ingest_batch ORDER BY 1").fetchall()


def test_each_complete_file_becomes_a_batch_and_moves_with_its_report(ssd_files, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(ssd_files / "ssd_missing.csv", drop / "ssd_missing.csv")
    (drop / "referrals.csv").write_text("what,ever\n1,2\n", "utf-8")  # no kind childhub knows
    (drop / ".partial.csv").write_text("still,being,copied\n", "utf-8")
    rows = len((ssd_files / "ssd_missing.csv").read_text("utf-8-sig").splitlines()) - 1
    store = Store(tmp_path / "store")
    watcher = Watcher(store, drop, settle=0.1)

    taken = {t.file: t for t in watcher.once()}

    assert set(taken) == {"ssd_missing.csv", "referrals.csv"}
    good, bad = taken["ssd_missing.csv"], taken["referrals.csv"]
    assert (good.status, good.moved_to, good.rows_loaded) == ("loaded", drop / "done" / "ssd_missing.csv", rows)
    assert (bad.status, bad.moved_to, bad.batch_id) == ("failed", drop / "failed" / "referrals.csv", None)
    assert sorted(p.name for p in drop.iterdir()) == [".partial.csv", "done", "failed"]
    report = json.loads((drop / "done" / "ssd_missing.csv.report.json").read_text("utf-8"))
    assert (report["status"], report["batch"], report["rows_loaded"], report["kind"]) == (
        "loaded",
        good.batch_id,
        rows,
        "ssd_missing",
    )
    text = (drop / "failed" / "referrals.csv.report.txt").read_text("utf-8").splitlines()
    assert text[:2] == ["referrals.csv: failed", "batch: none written"]
    assert "not a kind of CSV childhub recognises" in text[3]
    assert (drop / "done" / "ssd_missing.csv.report.txt").stat().st_mode & 0o077 == 0
    assert batches(store) == [(good.batch_id, "ssd_missing", "loaded", rows)]


def test_a_file_still_growing_waits_until_its_size_is_the_same_at_two_looks(ssd_files, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    lines = (ssd_files / "ssd_missing.csv").read_text("utf-8-sig").splitlines(keepends=True)
    growing = drop / "ssd_missing.csv"
    growing.write_text("".join(lines[:5]), "utf-8")
    store = Store(tmp_path / "store")
    watcher = Watcher(store, drop)

    assert watcher.look() == []  # first seen
    with growing.open("a", encoding="utf-8") as handle:
        handle.write("".join(lines[5:]))
    assert watcher.look() == []  # it grew since: not yet
    assert not store.database_path.exists()  # nothing was ingested of the half-written file
    [taken] = watcher.look()

    assert (taken.status, taken.rows_loaded) == ("loaded", len(lines) - 1)


def test_the_same_file_dropped_again_is_done_and_changes_nothing(ssd_files, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    store = Store(tmp_path / "store")
    watcher = Watcher(store, drop, settle=0.1)
    shutil.copy(ssd_files / "ssd_missing.csv", drop)
    [first] = watcher.once()
    shutil.copy(ssd_files / "ssd_missing.csv", drop)

    [again] = watcher.once()

    assert again.status == "unchanged"
    assert again.moved_to.parent == drop / "done" and again.moved_to.name != "ssd_missing.csv"
    assert [b[0] for b in batches(store)] == [first.batch_id]


def test_the_watch_command_takes_what_is_there_once_and_fails_when_a_file_failed(ssd_files, tmp_path):
    from helpers import run

    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(ssd_files / "ssd_missing.csv", drop)
    done = run("watch", str(drop), "--once", "--settle", "0.2", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "1 file(s) taken, 0 failed."
    assert done.stdout.startswith("batch 1: ssd_missing.csv: ")

    (drop / "notes.txt").write_text("not data\n", "utf-8")
    failed = run("watch", str(drop), "--once", "--settle", "0.2", data_dir=tmp_path / "data")
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1] == "1 file(s) taken, 1 failed."
    assert (drop / "failed" / "notes.txt").exists()


def test_a_schedule_is_due_when_one_of_its_times_has_come_since_the_last_run():
    assert is_due("0 * * * *", None, datetime(2026, 12, 5, 10, 7))  # never run
    assert not is_due("0 * * * *", datetime(2026, 12, 5, 10, 0), datetime(2026, 12, 5, 10, 59))
    assert is_due("0 * * * *", datetime(2026, 12, 5, 10, 0), datetime(2026, 12, 5, 11, 0))
    assert not is_due("*/15 * * * *", datetime(2026, 12, 5, 10, 31), datetime(2026, 12, 5, 10, 44, 59))


def test_an_unreachable_source_is_recorded_as_run_and_tried_again_at_its_next_time(tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("UNUSED_PASSWORD", "x")
    connection = {"kind": "postgresql", "host": "127.0.0.1", "port": port, "database": "ssd", "user": "hub"}
    path = tmp_path / "sources.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "sources": {
                    "mosaic": {
                        "connection": {**connection, "password_env": "UNUSED_PASSWORD", "timeout": 3},
                        "ssd": True,
                        "tables": {"contacts": {"schedule": "0 * * * *"}, "person": {}},  # person: no schedule
                    }
                }
            }
        ),
        "utf-8",
    )
    sources = load_sources(path)
    store = Store(tmp_path / "store")

    assert next_due(sources, datetime(2026, 12, 5, 10, 7)) == datetime(2026, 12, 5, 11, 0)
    first = run_due(store, sources, datetime(2026, 12, 5, 10, 7))
    assert [(r.source, r.table, r.status) for r in first] == [("mosaic", "contacts", "failed")]
    assert "could not connect to postgresql at 127.0.0.1" in first[0].message
    with store.reader() as conn:
        assert conn.execute("SELECT source, source_table, last_status FROM pull.state").fetchall() == [
            ("mosaic", "contacts", "failed")
        ]
        assert conn.execute("SELECT count(*) FROM ingest_batch").fetchone() == (0,)
    assert run_due(store, sources, datetime(2026, 12, 5, 10, 59)) == []  # not again before its next time
    again = run_due(store, sources, datetime(2026, 12, 5, 11, 0))
    assert [(r.table, r.status) for r in again] == [("contacts", "failed")]


def test_feeds_run_watches_its_folders_until_stopped_and_logs_each_file(ssd_files, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    drop = tmp_path / "drop"
    drop.mkdir()
    env = {**os.environ, "CHILDHUB_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "childhub", "feeds", "run", "--watch", str(drop), "--interval", "0.3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        shutil.copy(ssd_files / "ssd_missing.csv", drop)
        deadline = time.monotonic() + 30
        while not (drop / "done" / "ssd_missing.csv.report.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)

    assert process.returncode == 0, log
    assert (drop / "done" / "ssd_missing.csv").exists()
    assert "watched ssd_missing.csv: loaded, batch 1: " in log
    assert log.rstrip().endswith("feeds run: stopped")


def test_feeds_run_without_sources_or_folders_says_so_in_one_line(tmp_path):
    from helpers import run

    done = run("feeds", "run", data_dir=tmp_path / "data")

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: nothing to run: no sources file at {tmp_path / 'data' / 'sources.yml'} and no --watch folder"
    ]
