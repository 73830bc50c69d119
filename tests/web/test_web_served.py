"""Published snapshots: the app keeps serving the last one while the next is warmed, then switches."""

from __future__ import annotations

import threading
import time
from datetime import date

from childhub.hub import publish
from childhub.store import current_snapshot
from childhub.web import served as served_module
from childhub.web.served import Served


def _publish_with_a_new_child(history, person: str) -> None:
    history.child(person, dob=date(2015, 1, 1))
    store = history.store()
    with store.writer() as conn:
        publish(store, conn)


def _wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_new_snapshot_serves_only_once_warmed(history, monkeypatch):
    monkeypatch.setattr(served_module, "_CHECK_EVERY_SECONDS", 0.0)
    _publish_with_a_new_child(history, "P1")
    release = threading.Event()
    warmed: list[str] = []

    def warm(snapshot) -> None:
        release.wait(10)
        warmed.append(snapshot.version)

    served = Served(history.store().data_dir, warm=warm)
    first = served.current()  # nothing served yet: the first snapshot is taken at once
    assert first.path == current_snapshot(served.data_dir)
    _publish_with_a_new_child(history, "P2")
    newer = current_snapshot(served.data_dir)
    assert newer != first.path
    # While the new snapshot warms, requests still get the old one (with its one child)...
    assert served.current() is first
    assert first.cursor().execute("SELECT count(*) FROM fact_child").fetchone()[0] == 1
    release.set()
    # ...and once warmed, the new one (with both children).
    assert _wait_for(lambda: served.current().path == newer)
    assert warmed == [newer.name]
    assert served.current().cursor().execute("SELECT count(*) FROM fact_child").fetchone()[0] == 2


def test_a_change_made_here_is_seen_at_once(history):
    _publish_with_a_new_child(history, "P1")
    served = Served(history.store().data_dir, warm=lambda snapshot: time.sleep(30))
    first = served.current()
    _publish_with_a_new_child(history, "P2")
    served.look_now()  # e.g. after a review decision this process published
    assert served.current().path == current_snapshot(served.data_dir) != first.path


def test_publishing_the_same_state_twice_copies_nothing(history):
    _publish_with_a_new_child(history, "P1")
    store = history.store()
    before = current_snapshot(store.data_dir)
    with store.writer() as conn:
        assert publish(store, conn) == before
    assert sorted(p.name for p in (store.data_dir / "serve").glob("snapshot-*.duckdb")) == [before.name]


def test_results_kept_per_snapshot_are_bounded(history, monkeypatch):
    # Any date can be asked for: the cache keeps the newest MEMO_ENTRIES results and forgets the oldest.
    monkeypatch.setattr(served_module, "MEMO_ENTRIES", 3)
    _publish_with_a_new_child(history, "P1")
    snapshot = Served(history.store().data_dir).current()
    counted = []
    for day in range(5):
        snapshot.memo(("figures", day), lambda day=day: counted.append(day) or day)
    assert counted == [0, 1, 2, 3, 4] and len(snapshot._cache) == 3
    assert snapshot.memo(("figures", 4), lambda: "recounted") == 4  # still kept
    assert snapshot.memo(("figures", 0), lambda: "recounted") == "recounted"  # forgotten, counted again
