"""The live hub: ``childhub serve`` holds the store; its readers see each write as it commits, other processes'
writes are run by it, and what reads from elsewhere gets the snapshot it writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from childhub import hub
from childhub.errors import StoreBusy
from childhub.live import LiveHub, server_for
from childhub.store import LiveStore, current_snapshot, open_snapshot
from conftest import WEB_PASSWORD, sign_in

CONTACTS = "contact_id,person_id,contact_date,source_code,outcome\n"


def _contacts_mapping() -> Path:
    from childhub.synth import mapping_files

    return next(path for path in mapping_files() if path.name == "synthetic_contacts.yml")


def _a_person(store) -> str:
    with store.reader() as conn:
        return conn.execute("SELECT min(cont_person_id) FROM contacts").fetchone()[0]


def _contact_file(folder: Path, contact_id: str, person: str, day: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{contact_id}.csv"
    path.write_text(CONTACTS + f"{contact_id},{person},{day},6,No further action\n", "utf-8")
    return path


def _contacts_of(conn, person: str) -> set[str]:
    sql = "SELECT contact_id FROM facts.fact_contact WHERE person_id = ?"
    return {row[0] for row in conn.execute(sql, [person]).fetchall()}


def test_a_reader_sees_a_write_as_it_commits_and_a_second_write_waits_then_is_refused(tiny_authority, tmp_path):
    copy = tiny_authority.copy(tmp_path / "store")
    person = _a_person(copy)
    with LiveStore(copy.data_dir, write_wait=0.5) as store:
        reader = store.cursor()
        before = _contacts_of(reader, person)
        hub.ingest(
            store,
            [_contact_file(tmp_path / "in", "C-LIVE-1", person, "2026-03-01")],
            mapping_files=[_contacts_mapping()],
            mode="changes",
            check_quality=False,
        )
        assert _contacts_of(reader, person) == before | {"C-LIVE-1"}  # the same cursor, no new snapshot
        held = threading.Event()
        release = threading.Event()

        def hold() -> None:
            with store.writer():
                held.set()
                release.wait(5)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(5)
        started = time.monotonic()
        with pytest.raises(StoreBusy) as busy, store.writer():
            pass
        assert 0.4 < time.monotonic() - started < 3 and busy.value.retry_after >= 1
        release.set()
        holder.join()
        with store.writer() as conn:  # free again
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_snapshot_for_readers_elsewhere_is_written_beside_the_writes(tiny_authority, tmp_path):
    copy = tiny_authority.copy(tmp_path / "store")
    person = _a_person(copy)
    with LiveHub(copy.data_dir) as live:
        first = current_snapshot(copy.data_dir)
        assert first is not None  # written when the hub started: the SQL console reads it
        hub.ingest(
            live.store,
            [_contact_file(tmp_path / "in", "C-LIVE-2", person, "2026-03-02")],
            mapping_files=[_contacts_mapping()],
            mode="changes",
            check_quality=False,
        )
        assert current_snapshot(copy.data_dir) == first  # pushes do not copy the store each time
        written = live.store.snapshot_now()
        assert written != first
        conn = open_snapshot(written)
        try:
            assert "C-LIVE-2" in _contacts_of(conn, person)
        finally:
            conn.close()
    # stopped: the store is free again, and nothing committed was lost
    with copy.reader() as conn:
        assert "C-LIVE-2" in _contacts_of(conn, person)


def _childhub(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "childhub", *args], capture_output=True, text=True, cwd=cwd, timeout=180
    )


@pytest.mark.slow
def test_another_process_writes_through_the_server_and_reads_its_snapshot(tiny_authority, tmp_path):
    copy = tiny_authority.copy(tmp_path / "store")
    person = _a_person(copy)
    contact = _contact_file(tmp_path / "in", "C-LIVE-3", person, "2026-03-03")
    with LiveHub(copy.data_dir) as live:
        assert server_for(copy.data_dir) is None  # this process is the server: it writes itself
        reader = live.store.cursor()
        # a relative path, from another working folder: the server is given it whole
        ran = _childhub(
            "ingest", "in/C-LIVE-3.csv", "--changes", "--mapping", str(_contacts_mapping()),
            "--data-dir", str(copy.data_dir), cwd=tmp_path,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert "1 canonical rows loaded" in ran.stdout
        assert "C-LIVE-3" in _contacts_of(reader, person)  # run by the server, on its held store
        listed = _childhub("batches", "--data-dir", str(copy.data_dir), cwd=tmp_path)
        assert listed.returncode == 0 and contact.name in listed.stdout  # the snapshot written after the write
        refused = _childhub("ingest", "in/nothing.csv", "--data-dir", str(copy.data_dir), cwd=tmp_path)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert "no such file" in refused.stderr


@pytest.mark.slow  # a second web hub and app; the default run keeps the reader seeing a write as it commits
def test_the_web_app_shows_a_write_on_the_child_page_at_once(web_hub, tmp_path):
    from fastapi.testclient import TestClient

    from childhub.settings import Settings
    from childhub.web import create_app

    folder = tmp_path / "hub"
    shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    with LiveHub(folder) as live:
        with live.store.reader() as conn:
            person, child = conn.execute(
                "SELECT p.person_id, p.child_key FROM facts.fact_person p JOIN contacts c "
                "ON c.cont_person_id = p.person_id AND c.source_system = p.source_system "
                "WHERE p.child_id IS NOT NULL ORDER BY p.person_id LIMIT 1"
            ).fetchone()
        client = TestClient(create_app(Settings(data_dir=folder), live=live.store), base_url="https://testserver")
        sign_in(client, "admin", WEB_PASSWORD)
        assert "C-LIVE-4" not in client.get(f"/api/v1/children/{child}").text
        hub.ingest(
            live.store,
            [_contact_file(tmp_path / "in", "C-LIVE-4", person, "2026-03-04")],
            mapping_files=[_contacts_mapping()],
            mode="changes",
            check_quality=False,
        )
        page = client.get(f"/api/v1/children/{child}")
        assert page.status_code == 200 and "2026-03-04" in page.text


def test_a_new_person_among_the_changes_is_matched_at_once(tiny_authority, tmp_path):
    import csv

    from childhub.synth import mapping_files

    copy = tiny_authority.copy(tmp_path / "store")
    with (tiny_authority.extracts / "education" / "pupils.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with copy.reader() as conn:
        linked = dict(conn.execute("SELECT source_record_id, child_id FROM child_link WHERE valid_to IS NULL "
                                   "AND source_system = 'education'").fetchall())  # fmt: skip
        records_before = conn.execute("SELECT count(*) FROM source_record").fetchone()[0]
    known = next(row for row in rows if row["pupil_id"] in linked and row["upn"])
    pupil = {**known, "pupil_id": "PUP-LIVE-1", "school_urn": "999999", "entry_date": "2026-03-01"}
    path = tmp_path / "in" / "pupils.csv"
    path.parent.mkdir()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(known))
        writer.writeheader()
        writer.writerow(pupil)
    with LiveStore(copy.data_dir) as store:
        pupils = next(p for p in mapping_files() if p.name == "synthetic_pupils.yml")
        [report] = hub.ingest(store, [path], mapping_files=[pupils], mode="changes", check_quality=False)
        assert report.status == "loaded"
        with store.reader() as conn:
            matched = conn.execute(
                "SELECT child_id FROM child_link WHERE source_record_id = 'PUP-LIVE-1' AND valid_to IS NULL"
            ).fetchall()
            records = conn.execute("SELECT count(*) FROM source_record").fetchone()[0]
    assert matched == [(linked[known["pupil_id"]],)]  # the same child as the pupil it repeats, without a relink
    assert records == records_before + 1  # only the new person's record was built; the others' kept


def test_serve_runs_the_sources_schedules_when_there_is_a_sources_file(tmp_path):
    from childhub.cli.serve import _pull_schedules
    from childhub.settings import Settings
    from childhub.store import Store

    store = Store(tmp_path / "data")
    assert _pull_schedules(store, Settings(data_dir=store.data_dir)) == ()  # no sources file: nothing to run
    store.data_dir.mkdir()
    (store.data_dir / "sources.yml").write_text(
        "sources:\n  mosaic:\n    connection: {kind: postgresql, host: localhost, database: ssd, user: reader,"
        " password_env: CHILDHUB_TEST_UNSET}\n    ssd: true\n    schedule: '*/15 * * * *'\n",
        "utf-8",
    )
    [(seconds, task)] = _pull_schedules(store, Settings(data_dir=store.data_dir))
    assert seconds == 30.0 and callable(task)
    assert _pull_schedules(store, Settings(data_dir=store.data_dir, pull_schedules_in_serve=False)) == ()
