"""The one write path: the layers write, and only ``childhub.hub`` refreshes the facts and publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from childhub import hub
from childhub import ingest as ingest_layer
from childhub import link as link_layer
from childhub.errors import ChildhubError, StoreError
from childhub.facts import data_version
from childhub.store import Store, current_snapshot
from childhub.synth import mapping_files

# teams.csv as the synthetic authority writes it, read by its mapping
TEAMS = "team_id,team_name,service\nT1,Front door,front_door\n"


def _refreshed_for(store: Store) -> list[str]:
    with store.writer() as conn:
        return [row[0] for row in conn.execute("SELECT data_version FROM facts.refresh_state").fetchall()]


def _current_version(store: Store) -> str:
    with store.writer() as conn:
        return data_version(conn)


def _open_pair(store: Store) -> int:
    with store.writer() as conn:
        return conn.execute(
            "INSERT INTO link_review (record_l, record_r, match_probability, reason, status) "
            "VALUES ('social_care:1', 'education:1', 0.6, 'uncertain: match probability 0.60', 'open') "
            "RETURNING pair_id"
        ).fetchone()[0]


def test_the_ingest_layer_writes_but_neither_refreshes_nor_publishes(tmp_path):
    (tmp_path / "teams.csv").write_text(TEAMS)
    store = Store(tmp_path / "store")
    with store.writer() as conn:
        [report] = ingest_layer.ingest(conn, store.data_dir, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    assert report.status == "loaded"
    assert current_snapshot(store.data_dir) is None
    assert _refreshed_for(store) == []


def test_an_ingest_through_the_hub_refreshes_the_facts_and_publishes(tmp_path):
    (tmp_path / "teams.csv").write_text(TEAMS)
    store = Store(tmp_path / "store")
    said = []
    [report] = hub.ingest(
        store, [tmp_path / "teams.csv"], mapping_files=mapping_files(), progress=lambda *args: said.append(args[0])
    )
    assert report.status == "loaded"
    assert _refreshed_for(store) == [_current_version(store)]
    published = current_snapshot(store.data_dir)
    assert published is not None
    assert said[-1] == "refreshing the facts"
    # the same file again loads nothing: nothing is refreshed or published anew
    [again] = hub.ingest(store, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    assert again.status == "unchanged" and current_snapshot(store.data_dir) == published


def test_a_decision_through_the_hub_is_published_at_once(tmp_path):
    (tmp_path / "teams.csv").write_text(TEAMS)
    store = Store(tmp_path / "store")
    hub.ingest(store, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    pair = _open_pair(store)
    with store.writer() as conn:  # made directly, so the queue is not published yet
        before = hub.publish(store, conn)
    with store.writer() as conn:  # the layer records the decision, and publishes nothing
        link_layer.decide(conn, pair, "different", "a test")
    assert current_snapshot(store.data_dir) == before
    other = _open_pair(store)
    hub.decide(store, other, "same", "a test")
    after = current_snapshot(store.data_dir)
    assert after is not None and after != before
    with store.reader() as conn:
        decided = conn.execute("SELECT pair_id, status FROM link_review ORDER BY pair_id").fetchall()
    assert decided == [(pair, "different"), (other, "same")]


def test_a_refused_decision_publishes_nothing(tmp_path):
    store = Store(tmp_path / "store")
    with pytest.raises(ChildhubError, match="no pair 99"):
        hub.decide(store, 99, "same", "a test")
    assert current_snapshot(store.data_dir) is None


def test_the_snapshot_is_named_by_what_each_layer_says_of_its_tables(tmp_path):
    store = Store(tmp_path / "store")
    with store.writer() as conn:
        first = hub.publish(store, conn)
        assert hub.publish(store, conn) == first  # nothing changed: the same snapshot
    _open_pair(store)  # the review queue changed, and nothing the facts read
    with store.writer() as conn:
        assert hub.publish(store, conn) != first


def _served_batches(store: Store) -> int:
    """How many batches the snapshot the web app reads holds."""
    from childhub.store import open_snapshot

    conn = open_snapshot(current_snapshot(store.data_dir))
    try:
        return conn.execute("SELECT count(*) FROM ingest_batch").fetchone()[0]
    finally:
        conn.close()


def _stored_batches(store: Store) -> int:
    with store.reader() as conn:
        return conn.execute("SELECT count(*) FROM ingest_batch").fetchone()[0]


@pytest.mark.slow
def test_a_crash_between_commit_and_publish_heals_at_the_next_ingest(tmp_path, monkeypatch):
    (tmp_path / "teams.csv").write_text(TEAMS)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "teams.csv").write_text(TEAMS + "T2,Assessment,assessment\n")
    store = Store(tmp_path / "store")
    hub.ingest(store, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    served = current_snapshot(store.data_dir)

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # the process stops after the batch committed, before its publish

    monkeypatch.setattr("childhub.store.store.publish_snapshot", die)
    with pytest.raises(KeyboardInterrupt):
        hub.ingest(store, [tmp_path / "more" / "teams.csv"], mapping_files=mapping_files())
    monkeypatch.undo()
    assert current_snapshot(store.data_dir) == served and _served_batches(store) == 1 < _stored_batches(store)
    # the same files again: every one unchanged, and yet the readers are brought up to date
    [again] = hub.ingest(store, [tmp_path / "more" / "teams.csv"], mapping_files=mapping_files())
    assert again.status == "unchanged"
    assert current_snapshot(store.data_dir) != served
    assert _served_batches(store) == _stored_batches(store)
    assert _refreshed_for(store) == [_current_version(store)]


def test_a_full_disk_while_publishing_leaves_no_partial_and_the_next_run_publishes(tmp_path, monkeypatch):
    import errno
    import shutil

    (tmp_path / "teams.csv").write_text(TEAMS)
    store = Store(tmp_path / "store")
    copy = shutil.copyfile

    def full_disk(source, target):
        if "serve" not in Path(target).parts:  # the archive of the original still fits
            return copy(source, target)
        Path(target).write_bytes(Path(source).read_bytes()[:4096])  # part of the snapshot is written
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(shutil, "copyfile", full_disk)
    with pytest.raises(StoreError) as refused:
        hub.ingest(store, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    monkeypatch.setattr(shutil, "copyfile", copy)
    message = str(refused.value)
    assert "\n" not in message and "No space left on device" in message and "the store is saved" in message
    assert list((store.data_dir / "serve").glob(".*partial")) == []
    assert current_snapshot(store.data_dir) is None and _stored_batches(store) == 1  # the batch is kept
    [again] = hub.ingest(store, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    assert again.status == "unchanged" and _served_batches(store) == 1


def test_a_partial_snapshot_left_by_a_crash_goes_at_the_next_publish(tmp_path):
    store = Store(tmp_path / "store")
    (store.data_dir / "serve").mkdir(parents=True)
    left = store.data_dir / "serve" / ".snapshot-0123.duckdb.partial"
    left.write_bytes(b"\0" * 1024)
    with store.writer() as conn:
        hub.publish(store, conn)
    assert not left.exists() and current_snapshot(store.data_dir) is not None


def test_serve_publishes_what_a_crash_left_unpublished(tmp_path, monkeypatch):
    from childhub.cli import serve

    (tmp_path / "teams.csv").write_text(TEAMS)
    store = Store(tmp_path / "store")
    with store.writer() as conn:  # written by the layer alone: neither refreshed nor published
        ingest_layer.ingest(conn, store.data_dir, [tmp_path / "teams.csv"], mapping_files=mapping_files())
    started = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: started.append(app))
    monkeypatch.setattr("childhub.web.create_app", lambda settings, warm_first, live: "app")
    serve._serve(store, "127.0.0.1", 0)
    assert started == ["app"]
    assert _served_batches(store) == 1 and _refreshed_for(store) == [_current_version(store)]


def test_data_quality_is_checked_after_an_ingest_that_loads_rows(tmp_path):
    store = Store(tmp_path / "store")
    teams = tmp_path / "teams.csv"
    teams.write_text(TEAMS)

    def runs() -> int:
        with store.reader() as conn:
            return conn.execute("SELECT count(*) FROM dq_run").fetchone()[0]

    hub.ingest(store, [teams], mapping_files=mapping_files())
    assert runs() == 1
    hub.ingest(store, [teams], mapping_files=mapping_files())  # the same file again: nothing loads, no check
    assert runs() == 1
    teams.write_text(TEAMS + "T2,Children in care,children_in_care\n")
    hub.ingest(store, [teams], mapping_files=mapping_files(), check_quality=False)  # the demo's way: link checks
    assert runs() == 1
    hub.check_quality(store)
    assert runs() == 2


def test_a_failed_quality_check_after_an_ingest_does_not_hide_it(tmp_path, monkeypatch):
    import sys

    check_module = sys.modules["childhub.dq.check"]  # the module (childhub.dq.check is also the function's name)

    def broken(*args, **kwargs):
        raise ChildhubError("a rule failed")

    monkeypatch.setattr(check_module, "hub_findings", broken)
    store = Store(tmp_path / "store")
    teams = tmp_path / "teams.csv"
    teams.write_text(TEAMS)
    said = []
    [report] = hub.ingest(
        store, [teams], mapping_files=mapping_files(), progress=lambda step, *a, **k: said.append(step)
    )
    assert report.status == "loaded"
    assert any("data quality was not checked: a rule failed" in step for step in said)
    assert current_snapshot(store.data_dir) is not None  # published all the same
