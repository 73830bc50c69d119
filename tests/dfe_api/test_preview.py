"""childhub dfe-api preview: what a send would do now (new, changed, unchanged, purge), the records failing the DfE's
rules, the children held under two or more LA IDs (sent once); it writes nothing to the store and is audited."""

from __future__ import annotations

import json
from datetime import date, datetime

from typer.testing import CliRunner

from childhub.cli import app
from childhub.dfe_api import plan

AS_AT = date(2026, 3, 31)


def three_children(history):
    """P1 and P2, and one child held twice by the case-management system (P3 and P3X, both child 3)."""
    history.child("P1", dob=date(2012, 1, 1), child_id=1)
    history.child("P2", dob=date(2013, 1, 1), child_id=2)
    history.child("P3", dob=date(2014, 1, 1), child_id=3)
    history.child("P3X", dob=date(2014, 1, 1), child_id=3)
    for person, referred in [("P1", date(2025, 1, 1)), ("P2", date(2025, 2, 1)), ("P3", date(2025, 3, 1))]:
        history.add("cin_episodes", cine_referral_id=f"R-{person}", cine_person_id=person, cine_referral_date=referred)
    history.add("cin_episodes", cine_referral_id="R-P3X", cine_person_id="P3X", cine_referral_date=date(2025, 4, 1))
    store = history.store()
    with store.writer() as conn:
        for key, kind, severity, message in [
            ("f1", "cin", "error", "The referral source is not a valid code"),
            ("f2", "cin", "query", "A query, not an error: not listed"),
            ("f3", "hub", "error", "A check across systems, not a DfE rule: not listed"),
        ]:
            conn.execute(
                "INSERT INTO dq_finding (finding_key, kind, rule, year, severity, message, child_id, child_key, "
                "source_system, first_seen, last_seen) VALUES (?, ?, '8500', 2026, ?, ?, 'P2', 'C2', 'social_care', "
                "?, ?)",
                [key, kind, severity, message, datetime(2026, 1, 2), datetime(2026, 1, 2)],
            )
    return store


def test_the_preview_says_what_a_send_would_do_and_writes_nothing(history):
    from childhub.audit import events

    store = three_children(history)
    before = store.database_path.stat().st_mtime_ns
    done = CliRunner().invoke(
        app, ["dfe-api", "preview", "--as-at", AS_AT.isoformat(), "--format", "json", "--data-dir", str(store.data_dir)]
    )
    assert done.exit_code == 0, done.output
    preview = json.loads(done.output)
    assert preview["summary"] == {
        "as_at": "2026-03-31",
        "window_start": "2023-04-01",
        "cohort": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "purge": 0,
        "failing_dfe_rules": 1,
        "held_under_two_or_more_ids": 1,
    }
    assert preview["failing_dfe_rules"] == [
        {
            "la_child_id": "P2",
            "child": "C2",
            "return": "CIN census",
            "year": 2026,
            "rule": "8500",
            "message": "The referral source is not a valid code",
        }
    ]
    assert preview["held_under_two_or_more_ids"] == [
        {"la_child_id": "P3", "child": "C3", "case_management_ids": ["P3", "P3X"], "sent_as": "P3"}
    ]
    assert [(row["la_child_id"], row["status"]) for row in preview["children"]] == [
        ("P1", "new"),
        ("P2", "new"),
        ("P3", "new"),
    ]
    assert store.database_path.stat().st_mtime_ns == before  # nothing written
    [event] = events(store.data_dir, action="view_dfe_api_preview")
    assert event.children == ("C1", "C2", "C3") and event.details["new"] == 3


def test_a_child_held_twice_is_sent_once_with_both_records_episodes(history):
    store = three_children(history)
    with store.reader() as conn:
        planned = plan(conn, AS_AT)
    [held] = [child for child in planned.children if child.child_key == "C3"]
    assert held.la_child_id == "P3"
    assert [e["social_care_episode_id"] for e in held.payload["social_care_episodes"]] == ["R-P3", "R-P3X"]
    assert "P3X" not in {child.la_child_id for child in planned.children}  # never sent under its second ID


def test_an_id_sent_before_the_records_were_linked_is_purged(history):
    from childhub.dfe_api import SendResult, SentBatch
    from childhub.hub import record_dfe_send

    store = three_children(history)
    with store.reader() as conn:
        first = plan(conn, AS_AT)
    # As if P3X had been accepted as a child of its own before linkage joined it to P3.
    orphan = first.children[0].__class__("P3X", "social_care:P3X", "new", {"la_child_id": "P3X"}, "an-old-hash")
    result = SendResult("tester", AS_AT, "201", datetime(2026, 3, 30), datetime(2026, 3, 30))
    result.batches = [SentBatch(1, [*first.children, orphan], status="accepted", http_status=200, attempts=1)]
    record_dfe_send(store, result)
    with store.reader() as conn:
        second = plan(conn, AS_AT)
    assert [
        (child.la_child_id, child.status, child.payload) for child in second.children if child.status != "unchanged"
    ] == [("P3X", "purge", {"la_child_id": "P3X", "purge": True})]
    assert second.count("unchanged") == 3
