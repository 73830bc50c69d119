"""Incremental refresh: after each kind of change, the facts refreshed child by child equal a whole rebuild.

Each test copies the tiny authority's store, makes one change on the writer as a push, pull or review would
(a batch ingested as changes of its feed, a link made or ended), refreshes, checks the refresh went child by
child, then rebuilds every fact and compares every fact table row for row (EXCEPT ALL both ways).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

import childhub.facts.incremental as incremental
from childhub.facts import fact_names, fact_versions, last_refresh, refresh
from childhub.facts.build import _persisted_fresh
from childhub.ingest import ingest
from childhub.store import Store


@pytest.fixture(scope="module")
def refreshed(tiny_authority, tmp_path_factory) -> Path:
    """A copy of the tiny store with its facts refreshed once (whole: new definitions), for each test to copy."""
    store = tiny_authority.copy(tmp_path_factory.mktemp("incremental") / "store")
    with store.writer() as conn:
        refresh(conn)
        assert last_refresh(conn).mode == "whole"
    return store.data_dir


@pytest.fixture
def writer(refreshed, tiny_authority, tmp_path):
    """The writer of a copy of the refreshed tiny store, its folder and the authority's extracts."""
    shutil.copytree(refreshed, tmp_path / "store", ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    store = Store(tmp_path / "store")
    with store.writer() as conn:
        yield conn, store.data_dir, tiny_authority.extracts


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _push(conn, data_dir: Path, folder: Path, name: str, header: list[str], rows: list[dict], **kwargs) -> None:
    """Ingest ``rows`` as a file ``name`` with ``header`` (as changes unless told), and check it loaded."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows([{column: row.get(column, "") for column in header} for row in rows])
    from childhub.synth import mapping_files

    kwargs.setdefault("mode", "changes")
    # a push comes after the latest whole extract (dated by its newest row, or the day it was loaded)
    kwargs.setdefault("extract_date", date.today())
    kwargs.setdefault("mapping_files", mapping_files())
    (report,) = ingest(conn, data_dir, [path], **kwargs)
    assert (report.status, report.rows_read, report.rows_rejected) == ("loaded", len(rows), 0), report


def _refreshed_like_whole(conn) -> tuple[str, ...]:
    """Refresh (it must go child by child), then rebuild whole and assert every fact is the same; what changed."""
    refresh(conn)
    run = last_refresh(conn)
    assert run.mode == "children", run
    for name in fact_names():
        conn.execute(f"CREATE OR REPLACE TEMP TABLE incremental_{name} AS SELECT * FROM facts.fact_{name}")
    refresh(conn, force=True)
    for name in fact_names():
        refreshed, rebuilt = f"incremental_{name}", f"facts.fact_{name}"
        counts = conn.execute(
            f"SELECT (SELECT count(*) FROM (SELECT * FROM {refreshed} EXCEPT ALL SELECT * FROM {rebuilt})), "
            f"(SELECT count(*) FROM (SELECT * FROM {rebuilt} EXCEPT ALL SELECT * FROM {refreshed}))"
        ).fetchone()
        assert counts == (0, 0), f"fact_{name}: {counts[0]} rows only refreshed, {counts[1]} only rebuilt"
    return run.changed


def _a_linked_child(conn) -> tuple[str, str]:
    """A social care person linked to a child with another system's record too (their person ID, child key)."""
    return conn.execute(
        "SELECT person_id, child_key FROM facts.fact_person p WHERE source_system = 'social_care' "
        "AND child_key IN (SELECT child_key FROM facts.fact_person GROUP BY child_key HAVING count(*) > 1) "
        "AND person_id IN (SELECT cont_person_id FROM contacts) ORDER BY person_id LIMIT 1"
    ).fetchone()


def test_a_pushed_contact_refreshes_only_the_contact_fact(writer, tmp_path):
    conn, data_dir, extracts = writer
    person, key = _a_linked_child(conn)
    header, _ = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    before = fact_versions(conn)
    contact = {"contact_id": "PUSHED1", "person_id": person, "contact_date": "2026-03-30", "source_code": "6"}
    contact["outcome"] = "Referral to children's social care"
    _push(conn, data_dir, tmp_path / "push", "contacts.csv", header, [contact])
    refresh(conn)
    run = last_refresh(conn)
    assert (run.mode, run.changed) == ("children", ("fact_contact",))
    after = fact_versions(conn)
    assert after["fact_contact"] == before["fact_contact"] + 1
    assert {name: version for name, version in after.items() if name != "fact_contact"} == {
        name: version for name, version in before.items() if name != "fact_contact"
    }
    # readers take the stored facts as they are now (prepare's views), none left stale
    assert _persisted_fresh(conn) == {f"fact_{name}" for name in fact_names()}
    shown = conn.execute(
        "SELECT child_key, contact_date, led_to_referral FROM facts.fact_contact WHERE contact_id = 'PUSHED1'"
    ).fetchall()
    assert shown == [(key, date(2026, 3, 30), True)]
    refresh(conn, force=True)
    assert conn.execute("SELECT count(*) FROM facts.fact_contact WHERE contact_id = 'PUSHED1'").fetchone()[0] == 1


@pytest.mark.slow
def test_every_fact_matches_a_whole_rebuild_after_a_pushed_contact(writer, tmp_path):
    conn, data_dir, extracts = writer
    person, _ = _a_linked_child(conn)
    header, _ = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    contact = {
        "contact_id": "PUSHED2",
        "person_id": person,
        "contact_date": "2026-02-01",
        "source_code": "2A",
        "outcome": "No further action",
    }
    _push(conn, data_dir, tmp_path / "push", "contacts.csv", header, [contact])
    assert _refreshed_like_whole(conn) == ("fact_contact",)


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_new_person_then_linked_matches_a_whole_rebuild(writer, tmp_path):
    from childhub.link import link_new_records

    conn, data_dir, extracts = writer
    persons_header, persons = _rows(extracts / "social_care" / "case_management" / "persons.csv")
    contacts_header, _ = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    twin = dict(persons[0], person_id="NEW900001")  # a second record of a known child: linkage should join them
    _push(conn, data_dir, tmp_path / "push", "persons.csv", persons_header, [twin])
    contact = {
        "contact_id": "PUSHED3",
        "person_id": "NEW900001",
        "contact_date": "2026-03-01",
        "source_code": "6",
        "outcome": "Referral",
    }
    _push(conn, data_dir, tmp_path / "push2", "contacts.csv", contacts_header, [contact])
    changed = _refreshed_like_whole(conn)
    assert {"fact_person", "fact_child", "fact_contact"} <= set(changed)
    unlinked = conn.execute("SELECT child_key FROM facts.fact_contact WHERE contact_id = 'PUSHED3'").fetchone()[0]
    assert unlinked == "social_care:NEW900001"
    link_new_records(conn)
    linked = conn.execute("SELECT child_id FROM child_link WHERE source_record_id = 'NEW900001' AND valid_to IS NULL")
    assert linked.fetchall(), "the new record was not linked, so this test does not test linking"
    changed = _refreshed_like_whole(conn)
    assert {"fact_person", "fact_child", "fact_contact"} <= set(changed)
    now = conn.execute("SELECT child_key FROM facts.fact_contact WHERE contact_id = 'PUSHED3'").fetchone()[0]
    assert now.startswith("C")


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_changed_date_of_birth_matches_a_whole_rebuild(writer, tmp_path):
    conn, data_dir, extracts = writer
    header, persons = _rows(extracts / "social_care" / "case_management" / "persons.csv")
    person = dict(persons[3], date_of_birth="2012-01-02")
    _push(conn, data_dir, tmp_path / "push", "persons.csv", header, [person])
    assert "fact_person" in _refreshed_like_whole(conn)
    (born,) = conn.execute(
        "SELECT date_of_birth FROM facts.fact_person WHERE source_system = 'social_care' AND person_id = ?",
        [person["person_id"]],
    ).fetchone()
    assert born == date(2012, 1, 2)


def _ssd(conn, table: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
            "AND column_name NOT IN ('source_system', 'source_record_key', 'batch_id') ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_cin_episode_closed_matches_a_whole_rebuild(writer, tmp_path):
    conn, data_dir, _ = writer
    columns = _ssd(conn, "cin_episodes")
    (row,) = conn.execute(
        f"SELECT {', '.join(columns)} FROM cin_episodes "
        "WHERE cine_close_date IS NULL AND cine_referral_date IS NOT NULL ORDER BY cine_person_id LIMIT 1"
    ).fetchall()
    closed = dict(zip(columns, ("" if value is None else str(value) for value in row), strict=True))
    closed.update(cine_close_date="2026-03-20", cine_close_reason="RC1")
    _push(conn, data_dir, tmp_path / "push", "ssd_cin_episodes.csv", columns, [closed])
    changed = _refreshed_like_whole(conn)
    assert "fact_referral" in changed
    (close,) = conn.execute(
        "SELECT close_date FROM facts.fact_referral WHERE person_id = ? AND referral_date = ?",
        [closed["cine_person_id"], date.fromisoformat(closed["cine_referral_date"])],
    ).fetchone()
    assert close == date(2026, 3, 20)


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_cla_placement_added_matches_a_whole_rebuild(writer, tmp_path):
    conn, data_dir, extracts = writer
    header, episodes = _rows(extracts / "social_care" / "ssda903" / "2026" / "episodes.csv")
    from datetime import datetime

    latest = max(episodes, key=lambda row: (row["CHILD"], datetime.strptime(row["DECOM"], "%d/%m/%Y")))
    moved = datetime.strptime(latest["DECOM"], "%d/%m/%Y") + timedelta(days=20)
    new = dict(latest, DECOM=moved.strftime("%d/%m/%Y"))
    new.update(RNE="P", PLACE="U1", DEC="", REC="")
    _push(conn, data_dir, tmp_path / "push", "episodes.csv", header, [new])
    changed = _refreshed_like_whole(conn)
    assert "fact_cla_episode" in changed


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_change_superseded_by_a_later_snapshot_matches_a_whole_rebuild(writer, tmp_path, monkeypatch):
    conn, data_dir, extracts = writer
    person, _ = _a_linked_child(conn)
    header, contacts = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    contact = {
        "contact_id": "PUSHED4",
        "person_id": person,
        "contact_date": "2026-03-02",
        "source_code": "6",
        "outcome": "Referral",
    }
    _push(conn, data_dir, tmp_path / "push", "contacts.csv", header, [contact])
    _refreshed_like_whole(conn)
    # the source's next whole extract: without the pushed contact (deleted at source) and one older contact
    monkeypatch.setattr(incremental, "MIN_PERSONS", 100_000)  # small enough a store to refresh child by child
    _push(
        conn,
        data_dir,
        tmp_path / "snapshot",
        "contacts.csv",
        header,
        contacts[1:],
        mode=None,
        extract_date=date.today() + timedelta(days=1),
    )
    assert "fact_contact" in _refreshed_like_whole(conn)
    gone = conn.execute(
        "SELECT count(*) FROM facts.fact_contact WHERE contact_id IN ('PUSHED4', ?)", [contacts[0]["contact_id"]]
    ).fetchone()[0]
    assert gone == 0


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_whole_snapshot_of_a_big_table_rebuilds_every_fact(writer, tmp_path, monkeypatch):
    conn, data_dir, extracts = writer
    monkeypatch.setattr(incremental, "MAX_ROWS", 10)
    header, contacts = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    assert len(contacts) > 10
    _push(
        conn,
        data_dir,
        tmp_path / "snapshot",
        "contacts.csv",
        header,
        contacts[1:],
        mode=None,
        extract_date=date.today() + timedelta(days=1),
    )
    refresh(conn)
    run = last_refresh(conn)
    assert run.mode == "whole" and len(run.changed) == len(fact_names())


def _relink(conn, person: str, child_id: int) -> None:
    """What a link run applying a review decision writes: the record's link ended, a new one to ``child_id``."""
    conn.execute(
        "UPDATE child_link SET valid_to = TIMESTAMP '2026-04-01 09:00' WHERE source_system = 'social_care' "
        "AND source_record_id = ? AND valid_to IS NULL",
        [person],
    )
    conn.execute(
        "INSERT INTO child_link (source_system, source_record_id, child_id, valid_from, decided_by, reason) "
        "VALUES ('social_care', ?, ?, TIMESTAMP '2026-04-01 09:00', 'test', 'review: different')",
        [person, child_id],
    )


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_review_decision_splitting_a_child_matches_a_whole_rebuild(writer):
    conn, _, _ = writer
    person, key = _a_linked_child(conn)
    new_child = conn.execute("SELECT max(child_id) + 1 FROM child").fetchone()[0]
    conn.execute("INSERT INTO child (child_id, created_at, status) VALUES (?, now(), 'active')", [new_child])
    _relink(conn, person, new_child)
    changed = _refreshed_like_whole(conn)
    assert {"fact_person", "fact_child"} <= set(changed)
    keys = conn.execute(
        "SELECT child_key FROM facts.fact_person WHERE source_system = 'social_care' AND person_id = ?", [person]
    ).fetchall()
    assert keys == [(f"C{new_child}",)] and key != f"C{new_child}"


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_review_decision_merging_children_matches_a_whole_rebuild(writer):
    conn, _, _ = writer
    person, key = _a_linked_child(conn)
    (other_person, other_child) = conn.execute(
        "SELECT person_id, child_id FROM facts.fact_person WHERE source_system = 'social_care' AND child_key <> ? "
        "AND child_id IS NOT NULL ORDER BY person_id LIMIT 1",
        [key],
    ).fetchone()
    persons = "SELECT count(*) FROM facts.fact_person WHERE child_key = ?"
    (held,) = conn.execute(persons, [key]).fetchone()
    (left,) = conn.execute(persons, [f"C{other_child}"]).fetchone()
    _relink(conn, other_person, int(key.removeprefix("C")))
    changed = _refreshed_like_whole(conn)
    assert {"fact_person", "fact_child"} <= set(changed)
    assert conn.execute(persons, [key]).fetchone() == (held + 1,)
    assert conn.execute(persons, [f"C{other_child}"]).fetchone() == (left - 1,)
    children = conn.execute("SELECT count(*) FROM facts.fact_child WHERE child_key = ?", [f"C{other_child}"])
    assert children.fetchone() == (1 if left > 1 else 0,)


def test_nothing_changed_for_the_facts_changes_no_version(writer):
    conn, _, _ = writer
    before = fact_versions(conn)
    conn.execute(
        "UPDATE family_member SET valid_to = now() WHERE family_id = (SELECT min(family_id) FROM family_member)"
    )
    refresh(conn)
    run = last_refresh(conn)
    assert (run.mode, run.changed) == ("none", ())
    assert fact_versions(conn) == before


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_push_through_the_hub_is_refreshed_child_by_child(refreshed, tiny_authority, tmp_path):
    from childhub.hub import ingest as hub_ingest
    from childhub.synth import mapping_files

    shutil.copytree(refreshed, tmp_path / "store", ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    store = Store(tmp_path / "store")
    with store.reader() as conn:
        person, key = _a_linked_child(conn)
    header, _ = _rows(tiny_authority.extracts / "social_care" / "case_management" / "contacts.csv")
    contact = {"contact_id": "PUSHED5", "person_id": person, "contact_date": "2026-03-03", "source_code": "6"}
    path = tmp_path / "push" / "contacts.csv"
    path.parent.mkdir()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow({**dict.fromkeys(header, ""), **contact, "outcome": "Referral"})
    (report,) = hub_ingest(
        store, [path], mapping_files=mapping_files(), mode="changes", extract_date=date.today(), check_quality=False
    )
    assert report.rows_loaded == 1
    with store.reader() as conn:
        run = last_refresh(conn)
        assert (run.mode, run.changed) == ("children", ("fact_contact",))
        shown = conn.execute("SELECT child_key FROM facts.fact_contact WHERE contact_id = 'PUSHED5'").fetchall()
        assert shown == [(key,)]
        assert _persisted_fresh(conn) == {f"fact_{name}" for name in fact_names()}


def test_readers_may_take_the_stored_facts_while_a_refresh_is_pending(writer, tmp_path):
    from childhub.facts import prepare

    conn, data_dir, extracts = writer
    person, _ = _a_linked_child(conn)
    header, _ = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    contact = {"contact_id": "PUSHED6", "person_id": person, "contact_date": "2026-03-04", "source_code": "6"}
    _push(conn, data_dir, tmp_path / "push", "contacts.csv", header, [{**contact, "outcome": "Referral"}])
    kinds = "SELECT table_name, 'table' FROM duckdb_tables() WHERE temporary AND table_name = 'fact_contact' UNION ALL "
    kinds += "SELECT view_name, 'view' FROM duckdb_views() WHERE temporary AND view_name = 'fact_contact'"
    stored, building = conn.cursor(), conn.cursor()
    prepare(stored, ["contact"], as_stored=True)  # the stored facts, a moment behind: no contact PUSHED6 yet
    assert stored.execute(kinds).fetchall() == [("fact_contact", "view")]
    assert stored.execute("SELECT count(*) FROM fact_contact WHERE contact_id = 'PUSHED6'").fetchone() == (0,)
    prepare(building, ["contact"])  # not fresh: built on this connection, with the pushed contact
    assert building.execute(kinds).fetchall() == [("fact_contact", "table")]
    assert building.execute("SELECT count(*) FROM fact_contact WHERE contact_id = 'PUSHED6'").fetchone() == (1,)
    refresh(conn)
    assert stored.execute("SELECT count(*) FROM fact_contact WHERE contact_id = 'PUSHED6'").fetchone() == (1,)


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_a_refresh_child_by_child_that_fails_rebuilds_every_fact_instead(writer, tmp_path, monkeypatch):
    conn, data_dir, extracts = writer
    person, _ = _a_linked_child(conn)
    header, _ = _rows(extracts / "social_care" / "case_management" / "contacts.csv")
    contact = {"contact_id": "PUSHED7", "person_id": person, "contact_date": "2026-03-05", "source_code": "6"}
    _push(conn, data_dir, tmp_path / "push", "contacts.csv", header, [{**contact, "outcome": "Referral"}])
    monkeypatch.setattr(incremental, "_children_sql", lambda *args: ("SELECT no_such_column FROM nowhere", {}))
    refresh(conn)
    run = last_refresh(conn)
    assert run.mode == "whole" and len(run.changed) == len(fact_names())
    assert conn.execute("SELECT count(*) FROM facts.fact_contact WHERE contact_id = 'PUSHED7'").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM facts.refresh_log WHERE mode = 'children'").fetchone() == (0,)


@pytest.mark.slow  # each a whole rebuild beside the incremental one; CI runs them
def test_an_episode_row_that_could_not_be_loaded_matches_a_whole_rebuild(writer, tmp_path):
    conn, data_dir, extracts = writer
    header, episodes = _rows(extracts / "social_care" / "ssda903" / "2026" / "episodes.csv")
    row = dict(episodes[0], DECOM="31/02/2026", DEC="")  # no such day: the row is quarantined, its child named
    folder = tmp_path / "push"
    folder.mkdir()
    path = folder / "episodes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    (report,) = ingest(conn, data_dir, [path], mode="changes", extract_date=date.today())
    assert report.status == "loaded" and report.rows_loaded == 0, report
    held = conn.execute(
        "SELECT count(*) FROM ingest_quarantine WHERE batch_id = ? AND source_kind = 'ssda903_episodes'",
        [report.batch_id],
    ).fetchone()
    assert held == (1,)
    _refreshed_like_whole(conn)
