"""``childhub reconcile``: duplicate records per source system and a DfE return against childhub's count, on a
hand-built store; each list is written to the audit log."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.audit import events
from helpers import load_return, run


@pytest.fixture
def store(history):
    # Social care holds child 7 twice (101, 102); the CIN census 2025-26 counts both IDs.
    for person_id in ("101", "102"):
        history.child(person_id, dob=date(2015, 3, 2), child_id=7, pers_forename="Amy", pers_surname="Cole")
    store = history.store()
    load_return(store, "cin_census:2026", date(2026, 3, 31), ["101", "102"])
    return store


@pytest.mark.slow
def test_reconcile_return_gives_the_headline_and_the_children_counted_twice(store):
    result = run("reconcile", "return", "cin_census", "--as-at", "2026-03-31", data_dir=store.data_dir, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "CIN census 2026 counts 2 children; childhub counts 1: 1 child is held under two IDs"
    assert any("C7" in line and "Amy Cole" in line and "101; 102" in line for line in lines)
    event = events(store.data_dir, action="view_return_reconciliation", limit=1)[0]
    assert event.channel == "cli" and event.children == ("C7",) and event.subject == "cin_census:2026"


def test_reconcile_duplicates_writes_a_list_for_the_system_through_the_one_writer(store, tmp_path):
    out = tmp_path / "social_care.csv"
    run("reconcile", "duplicates", "--system", "social_care", "--out", str(out), data_dir=store.data_dir, check=True)
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and b"\r\n" in text  # childhub.exports: a BOM on files, CRLF
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[0] == "system,child,name,records,record IDs,as each record holds it"
    assert lines[1].startswith("social_care,C7,Amy Cole,2,101; 102,")
    event = events(store.data_dir, action="export_duplicate_records", limit=1)[0]
    assert event.children == ("C7",) and event.subject == "social_care"


def test_a_return_not_loaded_is_one_plain_line(store):
    result = run("reconcile", "return", "ssda903", "--as-at", "2026-03-31", data_dir=store.data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: no SSDA903 for 2025-26 (the collection year holding 2026-03-31) is loaded; loaded: none"
    )
