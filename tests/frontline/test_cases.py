"""Whose cases are whose, statuses in words, when unallocated children became open, and the weekly counts, on
hand-built histories."""

from __future__ import annotations

from datetime import date

from childhub.facts import prepare
from childhub.frontline import cases_by_worker, complete_weeks, open_since, statuses, waiting_since, weekly_by_team


def _with(history, work):
    with history.store().reader() as conn:
        prepare(conn)
        return work(conn)


def _referral(history, person: str, referred: date, closed: date | None = None, team: str = "T1") -> None:
    history.add(
        "cin_episodes", cine_person_id=person, cine_referral_id=f"R-{person}-{referred}", cine_referral_date=referred,
        cine_close_date=closed, cine_referral_team=team,
    )  # fmt: skip


def _allocation(history, person: str, worker: str | None, start: date, end: date | None = None, team="T1") -> None:
    history.add(
        "involvements", invo_person_id=person, invo_professional_id=worker, invo_professional_team=team,
        invo_involvement_start_date=start, invo_involvement_end_date=end,
    )  # fmt: skip


def test_the_weekly_counts_and_when_the_waiting_became_open(history):
    history.add("professionals", prof_professional_id="W1", prof_professional_name="Sam Lee",
                prof_professional_department="T1", prof_full_time_equivalency=0.5)  # fmt: skip
    history.add("department", dept_team_id="T1", dept_team_name="Safeguarding North")
    for n in (1, 2, 3):
        history.child(f"P{n}", dob=date(2015, 1, n), child_id=n)
    # P1 referred 1 October 2026, allocated to W1 from 12 October: it waited 11 days.
    _referral(history, "P1", date(2026, 10, 1))
    _allocation(history, "P1", "W1", date(2026, 10, 12))
    # P2 referred 5 October 2026, held by the team only (no worker) since 6 October: still waiting.
    _referral(history, "P2", date(2026, 10, 5))
    _allocation(history, "P2", None, date(2026, 10, 6))
    # P3 referred 2 September 2026 and closed 9 October: not open, so never waiting after it closed.
    _referral(history, "P3", date(2026, 9, 2), closed=date(2026, 10, 9))
    assert _with(history, lambda c: open_since(c, ["C1", "C2", "C3"], date(2026, 10, 20))) == {
        "C1": date(2026, 10, 1),
        "C2": date(2026, 10, 5),
    }
    # Weeks ending Sunday 4, 11 and 18 October 2026 (19 October is a Monday: the week under way is not a point).
    ends = complete_weeks(date(2026, 10, 19), 3)
    assert ends == [date(2026, 10, 4), date(2026, 10, 11), date(2026, 10, 18)]
    weekly = _with(history, lambda c: weekly_by_team(c, ends))
    # 4 October: P1 and P3 open, neither allocated (2 waiting); 11 October: P3 closed on the 9th, P1 (allocated only
    # from the 12th) and P2 waiting (2); 18 October: P1 held by W1 (1 case, FTE 0.5), P2 still waiting (1).
    assert {end: weekly["T1"][end].get("unallocated", 0) for end in ends} == {ends[0]: 2, ends[1]: 2, ends[2]: 1}
    assert weekly["T1"][ends[2]] == {"cases": 1, "fte": 0.5, "unallocated": 1}
    assert "cases" not in weekly["T1"][ends[1]]
    held = _with(history, lambda c: cases_by_worker(c, date(2026, 10, 20)))
    assert held == {"W1": {"team_id": "T1", "children": {"C1": date(2026, 10, 12)}}}


def test_a_child_waits_for_a_worker_from_when_their_last_worker_left_if_that_is_later(history):
    for n in (1, 2, 3, 4):
        history.child(f"P{n}", dob=date(2015, 1, n), child_id=n)
        history.add("cin_episodes", cine_person_id=f"P{n}", cine_referral_id=f"R{n}", cine_referral_team="T1",
                    cine_referral_date=date(2026, 10, 1) if n == 3 else date(2026, 9, 1))  # fmt: skip
    # P1: open since 1 September 2026, held by W1 from 2 September until 14 October, when W1 left: on Tuesday
    # 20 October it has waited 6 days (14 to 20 October), not the 49 since it became open.
    _allocation(history, "P1", "W1", date(2026, 9, 2), date(2026, 10, 14))
    # P2: open since 1 September and never allocated: waiting since then (49 days).
    # P3: held by W1 from 1 August to 20 September 2026, before its referral of 1 October: waiting since 1 October.
    _allocation(history, "P3", "W1", date(2026, 8, 1), date(2026, 9, 20))
    # P4: a team-only allocation (no worker) that ended on 10 October is not a worker leaving: since 1 September.
    _allocation(history, "P4", None, date(2026, 9, 2), date(2026, 10, 10))
    keys = ["C1", "C2", "C3", "C4"]
    as_at = date(2026, 10, 20)
    assert _with(history, lambda c: open_since(c, keys, as_at)) == {
        "C1": date(2026, 9, 1), "C2": date(2026, 9, 1), "C3": date(2026, 10, 1), "C4": date(2026, 9, 1)
    }  # fmt: skip
    waiting = _with(history, lambda c: waiting_since(c, keys, as_at))
    assert waiting == {
        "C1": date(2026, 10, 14),
        "C2": date(2026, 9, 1),
        "C3": date(2026, 10, 1),
        "C4": date(2026, 9, 1),
    }
    assert [(as_at - waiting[key]).days for key in keys] == [6, 49, 19, 49]


def test_statuses_in_words(history):
    history.child("P1", dob=date(2015, 1, 1), child_id=1)
    history.add("cp_plans", cppl_cp_plan_id="CP1", cppl_person_id="P1", cppl_cp_plan_start_date=date(2026, 3, 3))
    history.child("P2", dob=date(2012, 1, 1), child_id=2)
    history.episode("P2", date(2025, 5, 1), "S", "C2", placement="K2")
    history.child("P3", dob=date(2016, 1, 1), child_id=3)
    history.add("cin_plans", cinp_person_id="P3", cinp_cin_plan_start_date=date(2026, 2, 10))
    found = _with(history, lambda c: statuses(c, date(2026, 12, 1)))
    assert found == {
        "C1": ["Child protection plan since 3 March 2026"],
        "C2": ["Looked after since 1 May 2025, placed: Children's home"],
        "C3": ["Child in need (plan since 10 February 2026)"],
    }
