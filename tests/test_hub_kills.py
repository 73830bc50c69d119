"""SIGKILL ``childhub ingest`` and ``childhub link`` at random moments; the next run must heal.

Each trial copies a store, starts the command in a subprocess, kills it after a random delay within
the command's measured run time (a fixed seed, so a run can be repeated), runs the same write again
through ``childhub.hub`` and compares the store and the snapshot the web app reads with a reference
run that was never killed. The fast twins are in ``tests/test_hub.py`` (a crash between commit and
publish, a full disk) and ``tests/link/test_link.py`` (a link run that dies part-way).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from childhub import hub
from childhub.facts import data_version
from childhub.store import Store, current_snapshot, open_snapshot
from childhub.synth import generate, mapping_files

pytestmark = pytest.mark.slow

TRIALS = 20
SEED = 20261204
SECOND_SEED = 6  # the second authority's extracts, ingested over the shared one
FOLDERS = ("social_care/case_management", "social_care/cin_census")


@dataclass
class Bench:
    base: Store  # the shared authority, ingested and linked (copied for every ingest trial)
    extracts: Path  # the second authority's case-management extract and CIN census
    ingested: Store  # base after a clean ingest of ``extracts`` (copied for every link trial)
    ingest_seconds: float
    linked: Store  # ingested after a clean link
    link_seconds: float


def _copy(store: Store, to: Path) -> Store:
    """A copy of the store with the snapshot the web app reads (not the one kept before it)."""
    served = current_snapshot(store.data_dir)

    def left_out(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n.endswith(".lock") or (n.startswith("snapshot-") and n != served.name)]

    shutil.copytree(store.data_dir, to, ignore=left_out)
    return Store(to)


def _command(*args: str, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "childhub", *args, "--data-dir", str(data_dir)]


def _ingest_command(bench_extracts: Path, data_dir: Path) -> list[str]:
    mappings = [arg for folder in mapping_files() for arg in ("--mapping", str(folder))]
    # another authority's files over the first: some small tables shrink, as the person allows
    return _command("ingest", str(bench_extracts), *mappings, "--allow-shrink", data_dir=data_dir)


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "COLUMNS": "200"})
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def bench(tiny_authority, tmp_path_factory) -> Bench:
    root = tmp_path_factory.mktemp("kills")
    made = generate("tiny", SECOND_SEED, tiny_authority.as_at, root / "second")
    extracts = root / "extracts"  # its case-management extract and CIN census: 10 files, a few seconds
    for folder in FOLDERS:
        shutil.copytree(made.extracts / folder, extracts / folder)
    ingested = _copy(tiny_authority.store, root / "ingested")
    ingest_seconds = _timed(_ingest_command(extracts, ingested.data_dir))
    linked = _copy(ingested, root / "linked")
    link_seconds = _timed(_command("link", data_dir=linked.data_dir))
    return Bench(tiny_authority.store, extracts, ingested, ingest_seconds, linked, link_seconds)


def _kill_after(command: list[str], delay: float) -> bool:
    """Run ``command``, SIGKILL it after ``delay`` seconds; whether it was still running."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def _fact_counts(conn) -> dict[str, int]:
    tables = [
        t
        for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'facts' AND table_name <> 'refresh_state'"
        ).fetchall()
    ]
    return {t: conn.execute(f'SELECT count(*) FROM facts."{t}"').fetchone()[0] for t in sorted(tables)}


@dataclass(frozen=True)
class Readers:
    """What the web app is served, and whether it is the store as it stands."""

    batches: int
    facts: dict[str, int]
    current: bool  # the served snapshot's facts were built from the store's data as it is now


def _served(store: Store) -> Readers:
    with store.reader() as conn:
        version = data_version(conn)
        batches = conn.execute("SELECT count(*) FROM ingest_batch").fetchone()[0]
        facts = _fact_counts(conn)
    path = current_snapshot(store.data_dir)
    assert path is not None, "serve/CURRENT names no snapshot"
    snapshot = open_snapshot(path)
    try:
        served_batches = snapshot.execute("SELECT count(*) FROM ingest_batch").fetchone()[0]
        built_for = snapshot.execute("SELECT data_version FROM facts.refresh_state").fetchall()
        served_facts = _fact_counts(snapshot)
    finally:
        snapshot.close()
    current = served_batches == batches and built_for == [(version,)] and served_facts == facts
    return Readers(served_batches, served_facts, current)


def _ingest_state(store: Store) -> tuple:
    with store.reader() as conn:
        batches = sorted(
            conn.execute(
                "SELECT file_name, file_sha256, scope, status, rows_loaded, rows_rejected FROM ingest_batch"
            ).fetchall()
        )
        refreshed = conn.execute("SELECT data_version FROM facts.refresh_state").fetchall() == [(data_version(conn),)]
        return batches, _fact_counts(conn), refreshed


def _link_state(store: Store) -> tuple:
    """The groupings (records into children, records into families) and the ID bookkeeping."""
    with store.reader() as conn:
        links = conn.execute(
            "SELECT source_system || ':' || source_record_id, child_id FROM child_link WHERE valid_to IS NULL"
        ).fetchall()
        family_of = dict(
            conn.execute("SELECT child_id, family_id FROM family_member WHERE valid_to IS NULL").fetchall()
        )
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM child), (SELECT count(*) FROM child WHERE status <> 'active'), "
            "(SELECT count(*) FROM identity_decision), (SELECT count(*) FROM link_run WHERE finished_at IS NULL)"
        ).fetchone()
    children, families = defaultdict(set), defaultdict(set)
    for record, child in links:
        children[child].add(record)
        families[family_of.get(child)].add(record)
    grouping = frozenset(frozenset(group) for group in children.values())
    family_grouping = frozenset(frozenset(group) for group in families.values())
    return grouping, family_grouping, counts


def test_killed_ingests_heal_at_the_next_ingest(bench, tmp_path):
    reference = _ingest_state(bench.ingested)
    assert _served(bench.ingested).current
    chance = random.Random(SEED)
    killed = stale = 0
    for trial in range(TRIALS):
        store = _copy(bench.base, tmp_path / f"trial-{trial}")
        killed += _kill_after(_ingest_command(bench.extracts, store.data_dir), chance.uniform(0, bench.ingest_seconds))
        stale += not _served(store).current
        hub.ingest(store, [bench.extracts], mapping_files=mapping_files(), allow_shrink=True)
        assert _ingest_state(store) == reference, f"trial {trial}"
        assert _served(store).current, f"trial {trial}: the web app reads an old snapshot"
        assert not list((store.data_dir / "serve").glob(".*partial")), f"trial {trial}"
        shutil.rmtree(store.data_dir)
    print(f"\ningest: {TRIALS} trials over {bench.ingest_seconds:.1f}s, {killed} killed, {stale} left readers behind")
    assert killed >= TRIALS // 2


def test_killed_links_heal_at_the_next_link(bench, tmp_path):
    reference = _link_state(bench.linked)
    assert reference[2][3] == 0 and _served(bench.linked).current
    chance = random.Random(SEED + 1)
    killed = unfinished = 0
    for trial in range(TRIALS):
        store = _copy(bench.ingested, tmp_path / f"trial-{trial}")
        killed += _kill_after(_command("link", data_dir=store.data_dir), chance.uniform(0, bench.link_seconds))
        unfinished += _link_state(store)[2][3]
        hub.link(store)
        assert _link_state(store) == reference, f"trial {trial}"
        assert _served(store).current, f"trial {trial}: the web app reads an old snapshot"
        shutil.rmtree(store.data_dir)
    print(f"\nlink: {TRIALS} trials over {bench.link_seconds:.1f}s, {killed} killed, {unfinished} unfinished run rows")
    assert killed >= TRIALS // 2
