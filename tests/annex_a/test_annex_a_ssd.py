"""Annex A columns the returns leave blank, filled from the case-management system's SSD export beside them:
List 8's return interviews after the last missing episode, List 10's placement in fostering for adoption or
concurrent planning. Each worked by hand; the inspection date is 31 March 2026. The SSDA903 return's rows are
loaded as its own feed, the SSD's as another, later or earlier, as ingest loads them."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from childhub.annex_a.export import annex_a_rows, write_annex_a
from helpers import load_feed

AS_AT = date(2026, 3, 31)
RETURN_LOADED, SSD_LOADED = datetime(2026, 4, 2), datetime(2026, 4, 3)


def listed(store, number: int) -> dict[str, dict]:
    with store.reader() as conn:
        result = next(item for item in annex_a_rows(conn, AS_AT) if item.annex_list.number == number)
    ids = result.annex_list.column_ids
    return {row[0]: dict(zip(ids, row, strict=True)) for row in result.rows}


def in_care(history, person: str, start: date, placement: str = "U4") -> None:
    history.child(person, dob=date(2011, 1, 1))
    history.episode(person, start, "S", "C2", placement=placement)


def missing(person: str, start: date, offered: str | None = None, accepted: str | None = None) -> dict:
    return {
        "miss_table_id": f"{person}:{start}",
        "miss_person_id": person,
        "miss_missing_episode_start_date": start,
        "miss_missing_episode_end_date": start,
        "miss_missing_episode_type": "M",
        "miss_missing_rhi_offered": offered,
        "miss_missing_rhi_accepted": accepted,
    }


@pytest.mark.slow
def test_list_8_return_interviews_after_the_last_missing_episode_from_the_ssd(history, tmp_path):
    # All four in care since 1 June 2025. The SSDA903 return holds every missing episode, without interviews;
    # the SSD export restates some with theirs.
    # P1: missing 1 Jan and 1 Mar 2026; the SSD gives 1 Mar offered and accepted -> 2 episodes, Y, Y.
    # P2: missing 1 Feb 2026; the SSD: not offered (accepted NA) -> 1 episode, N, N (not offered, so not accepted).
    # P3: missing 1 Feb 2026 (return only); the SSD gives an interview for an earlier episode, 1 Dec 2025
    #     (offered, declined), which the return also holds -> 2 episodes, the last without an interview: blank.
    # P4: never missing -> 0 episodes, blank.
    for person in ("P1", "P2", "P3", "P4"):
        in_care(history, person, date(2025, 6, 1))
    store = history.store()
    load_feed(store, "ssda903_missing", "missing", RETURN_LOADED, [
        missing("P1", date(2026, 1, 1)), missing("P1", date(2026, 3, 1)), missing("P2", date(2026, 2, 1)),
        missing("P3", date(2025, 12, 1)), missing("P3", date(2026, 2, 1)),
    ])  # fmt: skip
    load_feed(store, "ssd_missing", "missing", SSD_LOADED, [
        missing("P1", date(2026, 3, 1), "Y", "Y"), missing("P2", date(2026, 2, 1), "N", "NA"),
        missing("P3", date(2025, 12, 1), "Y", "N"),
    ])  # fmt: skip
    rows = listed(store, 8)
    got = {
        p: (r["missing_episodes_in_last_12_months"], r["return_interview_offered"], r["return_interview_accepted"])
        for p, r in rows.items()
    }
    assert got == {"P1": (2, "Y", "Y"), "P2": (1, "N", "N"), "P3": (2, None, None), "P4": (0, None, None)}

    # the workbook writes them as the template's Y/N drop-down
    write_annex_a(store, AS_AT, tmp_path / "annex_a.xlsx")
    book = openpyxl.load_workbook(tmp_path / "annex_a.xlsx", read_only=True)
    sheet = next(ws for ws in book if ws.title.startswith("List 8"))
    cells = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(cells) if row and "Was the child offered a Return Interview" in str(row))
    offered = next(i for i, h in enumerate(cells[header]) if h and "offered a Return Interview" in h)
    values = {row[0]: (row[offered], row[offered + 1]) for row in cells[header + 1 :] if row and row[0]}
    assert values == {"P1": ("Y", "Y"), "P2": ("N", "N"), "P3": (None, None), "P4": (None, None)}


def test_list_10_placed_in_ffa_or_concurrent_planning_from_the_ssd(history):
    # The SSDA903 return gives only the adoption decisions (1 Sep 2025 for both). The SSD export restates them:
    # A1 was placed with early permanence carers (U5) on 1 Nov 2025 -> that date; A2's placement, 2 Apr 2026, is
    # after the inspection date -> blank.
    for person in ("A1", "A2"):
        history.child(person, dob=date(2025, 1, 1))
        history.episode(person, date(2025, 3, 1), "S", "C2")
    history.episode("A1", date(2025, 11, 1), "P", "C2", placement="U5")
    store = history.store()
    decided = date(2025, 9, 1)
    load_feed(store, "ssda903_placed_for_adoption", "permanence", RETURN_LOADED, [
        {"perm_table_id": f"{p}:{decided}", "perm_person_id": p, "perm_adm_decision_date": decided}
        for p in ("A1", "A2")
    ])  # fmt: skip
    load_feed(store, "ssd_permanence", "permanence", SSD_LOADED, [
        {"perm_table_id": f"{p}:ssd", "perm_person_id": p, "perm_adm_decision_date": decided,
         "perm_ffa_cp_decision_date": decided, "perm_placed_ffa_cp_date": placed}
        for p, placed in (("A1", date(2025, 11, 1)), ("A2", date(2026, 4, 2)))
    ])  # fmt: skip
    rows = listed(store, 10)
    got = {
        p: (r["date_of_adoption_decision"], r["date_placed_in_ffa_or_concurrent_placement"]) for p, r in rows.items()
    }
    assert got == {"A1": (decided, date(2025, 11, 1)), "A2": (decided, None)}
