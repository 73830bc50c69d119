"""``childhub pull`` from a real PostgreSQL server holding a synthetic authority's SSD tables: in full, then
incrementally after rows change there, and what bad input does. Skipped unless CHILDHUB_TEST_PG names a server."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pull_support import PASSWORD_ENV, WATERMARK, SourceDatabase, dsn

from childhub.hub import ingest
from childhub.pull import PullError, load_sources, pull
from childhub.store import Store, current_sql

pytestmark = pytest.mark.postgres
SSD_FOLDER = Path("extracts") / "social_care" / "ssd"


@pytest.fixture
def source_db():
    """A schema of its own in the test server, dropped after the test."""
    database = SourceDatabase(dsn())
    try:
        yield database
    finally:
        database.close()


@pytest.fixture(scope="module")
def ssd_files(tmp_path_factory) -> Path:
    """The SSD export of a tiny synthetic authority: one CSV per table."""
    from childhub.synth import generate

    made = generate("tiny", 5, date(2026, 3, 31), tmp_path_factory.mktemp("authority"))
    return made.extracts / "social_care" / "ssd"


def canonical_rows(store: Store, table: str) -> list[tuple]:
    """The table's current rows, without the batch number (the one thing two loads may number differently)."""
    sql, params = current_sql(table)
    with store.reader() as conn:
        columns = [
            c
            for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
                "AND column_name <> 'batch_id' ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        picked = ", ".join(f'"{c}"' for c in columns)
        return sorted(conn.execute(f"SELECT {picked} FROM ({sql}) ORDER BY ALL", params).fetchall())


def batches(store: Store) -> list[tuple]:
    with store.reader() as conn:
        return conn.execute("SELECT batch_id, feed, mode, status FROM ingest_batch ORDER BY batch_id").fetchall()


def test_a_full_pull_holds_the_same_rows_as_ingesting_the_csv_files(source_db, ssd_files, tmp_path):
    files = sorted(ssd_files.glob("ssd_*.csv"))
    loaded = {path.stem.removeprefix("ssd_"): source_db.load_csv(path) for path in files}
    sources = load_sources(source_db.sources_file(tmp_path, {"ssd": True}))

    pulled_store = Store(tmp_path / "pulled")
    reports = pull(pulled_store, sources, check_quality=False)
    direct_store = Store(tmp_path / "direct")
    ingest(direct_store, files, check_quality=False)

    assert {r.table: (r.status, r.mode, r.rows_pulled) for r in reports} == {
        table: ("loaded", "snapshot", rows) for table, rows in loaded.items()
    }
    assert len(loaded) == 10 and sum(loaded.values()) > 3000
    for table in loaded:
        assert canonical_rows(pulled_store, table) == canonical_rows(direct_store, table), table
    assert {feed for _, feed, _, _ in batches(pulled_store)} == {f"ssd_{table}" for table in loaded}
    assert not list((tmp_path / "pulled" / "pull").iterdir())  # the staging files are gone once archived


def test_an_incremental_pull_brings_exactly_the_changed_rows_as_one_changes_batch(source_db, ssd_files, tmp_path):
    total = source_db.load_csv(ssd_files / "ssd_cin_visits.csv")
    sources = load_sources(
        source_db.sources_file(
            tmp_path, {"ssd": True, "tables": {"cin_visits": {"mode": "incremental", "watermark": WATERMARK}}}
        )
    )
    store = Store(tmp_path / "store")
    first = pull(store, sources, check_quality=False)
    assert [(r.status, r.mode, r.rows_pulled, r.watermark) for r in first] == [
        ("loaded", "snapshot", total, "2026-01-01T09:00:00")
    ]

    changed = [
        row[0]
        for row in source_db.execute(
            "SELECT cinv_cin_visit_id FROM {schema}.ssd_cin_visits WHERE cinv_cin_visit_seen = 'Y' "
            "ORDER BY cinv_cin_visit_id LIMIT 3"
        )
    ]
    source_db.execute(
        "UPDATE {schema}.ssd_cin_visits SET cinv_cin_visit_seen = 'N', last_modified = TIMESTAMP '2026-02-01 10:00' "
        "WHERE cinv_cin_visit_id = ANY(%s)",
        (changed,),
    )
    person = source_db.execute("SELECT cinv_person_id FROM {schema}.ssd_cin_visits LIMIT 1")[0][0]
    source_db.execute(
        "INSERT INTO {schema}.ssd_cin_visits (cinv_cin_visit_id, cinv_person_id, cinv_cin_visit_date, "
        "cinv_cin_visit_seen, cinv_cin_visit_seen_alone, last_modified) VALUES "
        "('new-1', %s, '2026-02-01', 'Y', 'N', TIMESTAMP '2026-02-01 10:05:30.250000'), "
        "('new-2', %s, '2026-02-01', 'Y', 'Y', TIMESTAMP '2026-02-01 10:05')",
        (person, person),
    )

    second = pull(store, sources, check_quality=False)
    assert [(r.status, r.mode, r.rows_pulled, r.rows_rejected, r.watermark) for r in second] == [
        ("loaded", "changes", 5, 0, "2026-02-01T10:05:30.250000")
    ]
    current = {row[0]: row for row in canonical_rows(store, "cin_visits")}
    assert len(current) == total + 2
    assert {current[key][3] for key in changed} == {"N"}
    assert current["new-2"][1:5] == (person, date(2026, 2, 1), "Y", "Y")
    with store.reader() as conn:
        facts_seen = dict(
            conn.execute(
                "SELECT visit_id, seen FROM facts.fact_cin_visit WHERE visit_id IN ('new-1', ?, ?, ?)", changed
            ).fetchall()
        )
    assert facts_seen == {"new-1": "Y", **{key: "N" for key in changed}}
    before = batches(store)
    assert [b[1:] for b in before] == [
        ("ssd_cin_visits", "snapshot", "loaded"),
        ("ssd_cin_visits", "changes", "loaded"),
    ]

    third = pull(store, sources, check_quality=False)
    assert [(r.status, r.batch_id, r.rows_pulled, r.watermark) for r in third] == [
        ("nothing new", None, 0, "2026-02-01T10:05:30.250000")
    ]
    assert batches(store) == before  # nothing written


def test_a_row_that_fails_the_mapping_is_quarantined_and_the_rest_load(source_db, ssd_files, tmp_path):
    total = source_db.load_csv(ssd_files / "ssd_cin_visits.csv")
    source_db.execute(
        "UPDATE {schema}.ssd_cin_visits SET cinv_cin_visit_date = 'the 3rd of never' "
        "WHERE cinv_cin_visit_id = (SELECT min(cinv_cin_visit_id) FROM {schema}.ssd_cin_visits)"
    )
    sources = load_sources(source_db.sources_file(tmp_path, {"ssd": True, "tables": {"cin_visits": {}}}))
    store = Store(tmp_path / "store")
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = tmp_path / "store" / "pull" / f"social_care_db-20260101T000000000000-{ended.pid}"  # a pull that died
    left.mkdir(parents=True)
    (left / "ssd_cin_visits.csv").write_text("cinv_cin_visit_id\n", "utf-8")

    [report] = pull(store, sources, check_quality=False)

    assert (report.status, report.rows_pulled, report.rows_rejected, report.rows_loaded) == (
        "loaded",
        total,
        1,
        total - 1,
    )
    assert "the 3rd of never" in str(report.problems[0]) and "cinv_cin_visit_date" in str(report.problems[0])
    assert len(canonical_rows(store, "cin_visits")) == total - 1
    assert list((tmp_path / "store" / "pull").iterdir()) == []  # what the dead pull left is gone, and this one's


def test_a_failing_query_and_a_missing_table_fail_alone_while_the_other_tables_load(source_db, ssd_files, tmp_path):
    source_db.load_csv(ssd_files / "ssd_missing.csv")
    path = source_db.sources_file(
        tmp_path,
        {
            "ssd": True,
            "tables": {
                "missing": {},
                "cla_visits": {},  # not in the source's database
                "contacts": {"query": "SELECT no_such_column AS cont_contact_id FROM nowhere"},
            },
        },
    )
    store = Store(tmp_path / "store")

    reports = {r.table: r for r in pull(store, load_sources(path), check_quality=False)}

    assert reports["missing"].status == "loaded"
    assert reports["cla_visits"].status == "failed"
    assert f"there is no table {source_db.schema}.ssd_cla_visits" in reports["cla_visits"].message
    assert reports["contacts"].status == "failed"
    assert "table contacts: the SELECT failed" in reports["contacts"].message
    assert 'relation "nowhere" does not exist' in reports["contacts"].message
    assert [b[1] for b in batches(store)] == ["ssd_missing"]
    with pytest.raises(PullError, match=r"no table person to pull \(it pulls cla_visits, contacts, missing\)"):
        pull(store, load_sources(path), tables=["person"])


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"password_env": "CHILDHUB_WRONG_PASSWORD"}, "password authentication failed for user"),
        ({"database": "no_such_database"}, 'database "no_such_database" does not exist'),
    ],
)
def test_a_connection_that_fails_is_one_line_naming_source_and_host_and_writes_nothing(
    source_db,
    tmp_path,
    monkeypatch,
    change,
    said,
):
    monkeypatch.setenv("CHILDHUB_WRONG_PASSWORD", "not the password")
    path = source_db.sources_file(tmp_path, {"ssd": True})
    text = path.read_text("utf-8")
    for key, value in change.items():
        text = text.replace(f"{key}: {source_db.connection()[key]}", f"{key}: {value}")
    path.write_text(text, "utf-8")
    store = Store(tmp_path / "store")

    with pytest.raises(PullError) as raised:
        pull(store, load_sources(path))

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"source social_care_db: could not connect to postgresql at {source_db.params['host']}:")
    assert said in message
    assert batches(store) == []


def test_the_command_line_pulls_and_says_each_table(source_db, ssd_files, tmp_path):
    from helpers import run

    rows = source_db.load_csv(ssd_files / "ssd_missing.csv")
    path = source_db.sources_file(tmp_path, {"ssd": True})
    shutil.rmtree(tmp_path / "data", ignore_errors=True)

    done = run("pull", "--sources", str(path), "--table", "missing", data_dir=tmp_path / "data")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"batch 1: social_care_db.missing (snapshot): {rows} rows pulled, {rows} loaded, 0 rejected"
    assert rows > 10
    assert lines[-1] == "1 table(s) loaded, 0 with nothing new, 0 failed."
    assert PASSWORD_ENV not in done.stdout + done.stderr


def test_a_query_read_through_a_mapping_pulls_like_its_file_and_then_its_changes(source_db, tmp_path):
    from childhub.synth import generate, mapping_files

    made = generate("tiny", 5, date(2026, 3, 31), tmp_path / "authority")
    contacts_csv = made.extracts / "social_care" / "case_management" / "contacts.csv"
    total = source_db.load_csv(contacts_csv, "cm_contacts")
    mapping = next(path for path in mapping_files() if path.name == "synthetic_contacts.yml")
    query = (
        "SELECT contact_id, person_id, contact_date, source_code, outcome, last_modified "
        f'FROM "{source_db.schema}".cm_contacts'
    )
    table = {"query": query, "mapping": str(mapping), "mode": "incremental", "watermark": WATERMARK}
    sources = load_sources(source_db.sources_file(tmp_path, {"tables": {"contacts": table}}))
    pulled, direct = Store(tmp_path / "pulled"), Store(tmp_path / "direct")

    [first] = pull(pulled, sources, check_quality=False)
    ingest(direct, [contacts_csv], mapping_files=[mapping], check_quality=False)

    assert (first.status, first.mode, first.rows_pulled, first.rows_loaded) == ("loaded", "snapshot", total, total)
    assert canonical_rows(pulled, "contacts") == canonical_rows(direct, "contacts")
    oldest = source_db.execute("SELECT min(contact_id) FROM {schema}.cm_contacts")[0][0]
    source_db.execute(
        "UPDATE {schema}.cm_contacts SET outcome = 'No further action', last_modified = TIMESTAMP '2026-03-01 08:00' "
        "WHERE contact_id = %s",
        (oldest,),
    )

    [second] = pull(pulled, sources, check_quality=False)

    assert (second.status, second.mode, second.rows_pulled) == ("loaded", "changes", 1)
    rows = {row[0]: row for row in canonical_rows(pulled, "contacts")}
    assert len(rows) == total
    assert "No further action" in rows[oldest]  # the change stands beside the older, earlier-dated snapshot
    assert batches(pulled)[-1][1:] == ("case_management_contacts", "changes", "loaded")


def test_run_due_pulls_a_table_whose_time_has_come_and_not_again_before_its_next(source_db, ssd_files, tmp_path):
    from datetime import datetime

    from childhub.pull import run_due

    total = source_db.load_csv(ssd_files / "ssd_missing.csv")
    table = {"mode": "incremental", "watermark": WATERMARK, "schedule": "0 * * * *"}
    sources = load_sources(source_db.sources_file(tmp_path, {"ssd": True, "tables": {"missing": table}}))
    store = Store(tmp_path / "store")

    first = run_due(store, sources, datetime(2026, 12, 5, 10, 7))
    assert [(r.table, r.status, r.mode, r.rows_pulled) for r in first] == [("missing", "loaded", "snapshot", total)]
    source_db.execute(
        "UPDATE {schema}.ssd_missing SET miss_missing_rhi_offered = 'Y', last_modified = TIMESTAMP '2026-02-01 00:00'"
    )
    assert run_due(store, sources, datetime(2026, 12, 5, 10, 59)) == []  # changed, but not due
    [second] = run_due(store, sources, datetime(2026, 12, 5, 11, 0))
    assert (second.status, second.mode, second.rows_pulled) == ("loaded", "changes", total)


def test_a_pull_run_elsewhere_while_the_server_holds_the_store_is_written_by_the_server(source_db, ssd_files, tmp_path):
    from childhub.live import LiveHub
    from helpers import run

    source_db.load_csv(ssd_files / "ssd_cin_visits.csv")
    path = source_db.sources_file(
        tmp_path, {"ssd": True, "tables": {"cin_visits": {"mode": "incremental", "watermark": WATERMARK}}}
    )
    store = Store(tmp_path / "data")
    pull(store, load_sources(path), check_quality=False)
    with LiveHub(store.data_dir) as live:
        reader = live.store.cursor()
        source_db.execute(
            "UPDATE {schema}.ssd_cin_visits SET cinv_cin_visit_seen = 'N', "
            "last_modified = TIMESTAMP '2026-02-02 09:00' "
            "WHERE cinv_cin_visit_id = (SELECT min(cinv_cin_visit_id) FROM {schema}.ssd_cin_visits)"
        )
        done = run("pull", "--sources", str(path), data_dir=store.data_dir)  # another process: the store is held
        assert done.returncode == 0, done.stderr
        assert "(changes): 1 rows pulled, 1 loaded" in done.stdout
        modes = reader.execute("SELECT mode FROM ingest_batch ORDER BY batch_id").fetchall()
        assert [mode for (mode,) in modes][-1] == "changes"  # written by the server, seen on its own cursor
        watermark = reader.execute("SELECT watermark FROM pull.state WHERE source_table = 'cin_visits'").fetchone()
        assert watermark == ("2026-02-02T09:00:00",)
        again = run("pull", "--sources", str(path), data_dir=store.data_dir)  # its watermark read from the snapshot
        assert again.returncode == 0 and "1 with nothing new" in again.stdout, again.stdout
