"""Reconciliation, worked by hand: children a source system holds twice, and a DfE return that counts a linked
child under two LA child IDs where childhub counts it once."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.facts import prepare
from childhub.link import ReconcileError, duplicate_records, reconcile_return
from helpers import load_return


@pytest.fixture
def authority(history):
    """Social care holds child 7 as 101 and 102 and child 9 as 104 and 105; child 8 is 103, child 10 is 106.
    Education holds child 7 once. The CIN census 2025-26 (as first sent: 101 and 103; as sent again on 30 April:
    101, 102, 103, 104) and no SSDA903."""
    for person_id, child_id, forename in [
        ("101", 7, "Amy"),
        ("102", 7, "Aimee"),
        ("103", 8, "Ben"),
        ("104", 9, "Cal"),
        ("105", 9, "Cal"),
        ("106", 10, "Dee"),
    ]:
        history.child(person_id, dob=date(2015, 3, 2), child_id=child_id, pers_forename=forename, pers_surname="Cole")
    history.child(
        "PUP7", dob=date(2015, 3, 2), child_id=7, source_system="education", pers_forename="Amy", pers_surname="Cole"
    )
    store = history.store()
    load_return(store, "cin_census:2026", date(2026, 3, 31), ["101", "103"])
    load_return(store, "cin_census:2026", date(2026, 4, 30), ["101", "102", "103", "104"])
    return store


def test_a_return_counting_a_linked_child_twice_is_reconciled(authority):
    with authority.reader() as conn:
        prepare(conn, ["child"])
        reconciled = reconcile_return(conn, "cin_census", date(2025, 12, 1))
    # The return as it stands (the later batch): four IDs; childhub: children 7 (101, 102), 8 (103), 9 (104).
    assert (reconciled.year, reconciled.la_child_ids, reconciled.children) == (2026, 4, 3)
    assert [(r["child_key"], r["la_child_ids"], r["name"]) for r in reconciled.merged] == [
        ("C7", ["101", "102"], "Amy Cole")
    ]
    assert reconciled.headline == "CIN census 2026 counts 4 children; childhub counts 3: 1 child is held under two IDs"
    assert reconciled.as_dict()["difference"] == 1


def test_a_return_not_loaded_for_the_year_is_one_plain_line(authority):
    with authority.reader() as conn:
        prepare(conn, ["child"])
        with pytest.raises(
            ReconcileError,
            match=r"^no CIN census for 2026-27 \(the collection year holding "
            r"2026-12-04\) is loaded; loaded: 2026$",
        ):
            reconcile_return(conn, "cin_census", date(2026, 12, 4))
        with pytest.raises(ReconcileError, match="loaded: none"):
            reconcile_return(conn, "ssda903", date(2026, 3, 31))
        with pytest.raises(ReconcileError, match="there is no return 'cin'"):
            reconcile_return(conn, "cin", date(2026, 3, 31))


def test_children_a_system_holds_twice_are_listed_for_it_to_merge(authority):
    with authority.reader() as conn:
        prepare(conn, ["child"])
        found = duplicate_records(conn)
        assert duplicate_records(conn, "education") == []
    assert [(r["source_system"], r["child_key"], r["record_ids"]) for r in found] == [
        ("social_care", "C7", ["101", "102"]),
        ("social_care", "C9", ["104", "105"]),
    ]
    assert found[0]["held"] == ["101 (Amy Cole, born 2015-03-02)", "102 (Aimee Cole, born 2015-03-02)"]
    assert found[0]["name"] == "Amy Cole"  # as the child is shown: social care and education agree on Amy
