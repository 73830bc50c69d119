"""The front door and the projection of children in care (``childhub.leaders.demand``), on hand-built histories
with every figure worked out by hand from the rules in docs/demand.md."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.disclosure import SUPPRESSED
from childhub.facts import prepare
from childhub.leaders.demand import (
    Z95,
    care_projection,
    front_door,
    funnel_judgement,
    funnel_limits,
    month_ends,
    project,
    published_front_door,
    published_projection,
    window_for,
)

AS_AT = date(2026, 12, 5)  # the 12 complete months to it: 1 December 2025 to 30 November 2026


FRONT_DOOR_FACTS = ["contact", "referral", "police_notification", "early_help", "allocation", "assessment", "team"]


def _with(history, work, facts=FRONT_DOOR_FACTS):
    with history.store().reader() as conn:
        prepare(conn, facts)
        return work(conn)


def _contact(history, person: str, day: date, outcome: str | None, source: str = "2A") -> None:
    history.add(
        "contacts", cont_person_id=person, cont_contact_date=day, cont_contact_source_code=source,
        cont_contact_outcome_json=outcome,
    )  # fmt: skip


def _referral(history, person: str, day: date, team: str, closed: date | None = None, reason: str | None = None):
    history.add(
        "cin_episodes", cine_person_id=person, cine_referral_id=f"R-{person}-{day}", cine_referral_date=day,
        cine_referral_team=team, cine_close_date=closed, cine_close_reason=reason,
    )  # fmt: skip


def _early_help(history, person: str, start: date, end: date | None, end_reason: str | None = None) -> None:
    history.add(
        "early_help_episodes", earl_person_id=person, earl_episode_start_date=start, earl_episode_end_date=end,
        earl_episode_end_reason=end_reason,
    )  # fmt: skip


def test_the_window_is_the_twelve_complete_months():
    assert window_for(date(2026, 12, 5)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert window_for(date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))  # a month ending on the day
    assert window_for(date(2024, 3, 1)) == (date(2023, 3, 1), date(2024, 2, 29))  # a leap year's February
    assert month_ends(date(2024, 3, 31), 3) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]


@pytest.fixture
def door_history(history):
    history.add("department", dept_team_id="T1", dept_team_name="Safeguarding North")
    history.add("department", dept_team_id="T2", dept_team_name="Safeguarding South")
    for n in range(1, 7):
        history.child(f"P{n}", dob=date(2014, 1, n), child_id=n)
    # P1: a contact whose recorded outcome is a referral (2 March 2026); its referral closed 15 May (RC7), then
    # early help from 1 June, 17 days later: a step-down.
    _contact(history, "P1", date(2026, 3, 2), "Referral to children's social care", source="2A")
    _referral(history, "P1", date(2026, 3, 2), "T1", closed=date(2026, 5, 15), reason="RC7")
    _early_help(history, "P1", date(2026, 6, 1), None)
    # P2: a contact with no further action (10 March 2026), and one the day before the window (not counted); a
    # police notification on 15 March and a referral on 10 April, 26 days later: it became a referral (within 28).
    # That referral closed 1 October after assessment with no further action (RC8).
    _contact(history, "P2", date(2026, 3, 10), "No further action", source="6")
    _contact(history, "P2", date(2025, 11, 30), "No further action", source="6")
    history.add("police_notifications", poln_person_id="P2", poln_incident_date=date(2026, 3, 14),
                poln_notification_date=date(2026, 3, 15))  # fmt: skip
    _referral(history, "P2", date(2026, 4, 10), "T1", closed=date(2026, 10, 1), reason="RC8")
    # P3: a contact with no outcome recorded on 1 April 2026 and a referral 6 days later (7 April): a referral;
    # another on 1 June with the next referral 8 days later (9 June), too late: "other". The 7 April referral
    # closed 30 June as referred to early help (RC9): a step-down.
    _contact(history, "P3", date(2026, 4, 1), None, source="3A")
    _referral(history, "P3", date(2026, 4, 7), "T2", closed=date(2026, 6, 30), reason="RC9")
    _contact(history, "P3", date(2026, 6, 1), "", source="3A")
    _referral(history, "P3", date(2026, 6, 9), "T2")
    # P4: three contacts in the window, none a referral and no referral: a repeat; each the day after an
    # allocation to T2 had started, so they count for T2. A police notification on 1 February, no referral. Early
    # help from 1 January to 30 April, needs met: no step-up.
    history.add("involvements", invo_person_id="P4", invo_professional_id="W1", invo_professional_team="T2",
                invo_involvement_start_date=date(2025, 12, 1))  # fmt: skip
    _contact(history, "P4", date(2026, 1, 5), "Information and advice", source="6")
    _contact(history, "P4", date(2026, 2, 9), "Signposted to early help", source="6")
    _contact(history, "P4", date(2026, 11, 30), "No further action", source="6")  # the window's last day
    history.add("police_notifications", poln_person_id="P4", poln_notification_date=date(2026, 2, 1))
    _early_help(history, "P4", date(2026, 1, 1), date(2026, 4, 30), "Needs met")
    # P5: three contacts, the last a referral (10 April): not a repeat. Early help ended 20 March 2026, family
    # disengaged, and the referral came 21 days later: a step-up (within 28 days).
    _contact(history, "P5", date(2026, 1, 12), "No further action", source="5A")
    _contact(history, "P5", date(2026, 2, 16), "NFA", source="5A")
    _contact(history, "P5", date(2026, 4, 10), "Referred to CSC", source="5A")
    _referral(history, "P5", date(2026, 4, 10), "T2")
    _early_help(history, "P5", date(2026, 2, 1), date(2026, 3, 20), "Family disengaged")
    # P6: early help closed 31 August 2026 as stepped up to social care, with no referral on record: a step-up.
    # A police notification on 1 January 2026 with no referral.
    _early_help(history, "P6", date(2026, 5, 1), date(2026, 8, 31), "Stepped up to social care")
    history.add("police_notifications", poln_person_id="P6", poln_notification_date=date(2026, 1, 1))
    return history


def test_what_became_of_each_contact(door_history):
    door = _with(door_history, lambda c: front_door(c, AS_AT))
    assert (door.start, door.end) == (date(2025, 12, 1), date(2026, 11, 30))
    # P1 1, P2 1 (not the one on 30 November 2025), P3 2, P4 3, P5 3.
    assert door.contacts == 10
    # referral: P1 (its outcome), P3 on 1 April (a referral 6 days later), P5 on 10 April ("Referred to CSC");
    # early help: P4's "Signposted to early help"; no further action: P2, P4 twice ("Information and advice" and
    # "No further action"), P5 twice ("No further action", "NFA"); other: P3 on 1 June (the referral 8 days on).
    assert dict(door.by_outcome) == {"referral": 3, "early_help": 1, "no_further_action": 5, "other": 1}
    assert {code: (n, referred) for code, n, referred in door.by_source} == {
        "2A": (1, 1), "6": (4, 0), "3A": (2, 1), "5A": (3, 1),
    }  # fmt: skip
    assert door.by_source[0][0] == "6"  # the most contacts first
    referred = sorted((row["child_key"], row["date"]) for row in door.lists["outcome:referral"])
    assert referred == [("C1", date(2026, 3, 2)), ("C3", date(2026, 4, 1)), ("C5", date(2026, 4, 10))]
    assert [(row["child_key"], row["date"]) for row in door.lists["outcome:other"]] == [("C3", date(2026, 6, 1))]
    assert door.contact_share == pytest.approx(30.0)


def test_police_notifications_repeat_contacts_and_steps(door_history):
    door = _with(door_history, lambda c: front_door(c, AS_AT))
    # P2 on 15 March (a referral 26 days later), P4 on 1 February (none), P6 on 1 January (none).
    assert (door.notifications, door.notifications_to_referral) == (3, 1)
    assert [row["child_key"] for row in door.lists["police_referral"]] == ["C2"]
    # P4: three contacts and no referral. P5 had three but one became a referral; P3 had two.
    assert door.repeat_children == 1 and [row["child_key"] for row in door.lists["repeat"]] == ["C4"]
    # Step-up: P5 (a referral 21 days after early help ended, on 10 April) and P6 (closed as stepped up, 31 August).
    assert door.step_ups == 2
    assert sorted((r["child_key"], r["date"]) for r in door.lists["step_up"]) == [
        ("C5", date(2026, 4, 10)), ("C6", date(2026, 8, 31)),
    ]  # fmt: skip
    # Step-down: P1 (closed 15 May, early help 17 days later) and P3 (closed 30 June, RC9).
    assert door.step_downs == 2
    assert sorted((r["child_key"], r["date"]) for r in door.lists["step_down"]) == [
        ("C1", date(2026, 5, 15)), ("C3", date(2026, 6, 30)),
    ]  # fmt: skip
    months = {m.month_end: m for m in door.months}
    assert len(months) == 12
    # March 2026: P1's referral contact and P2's NFA; P2's notification.
    march = months[date(2026, 3, 31)]
    assert (march.contacts, march.outcomes["referral"], march.outcomes["no_further_action"]) == (2, 1, 1)
    assert (march.notifications, march.notifications_to_referral) == (1, 1)
    assert months[date(2026, 4, 30)].step_ups == 1 and months[date(2026, 8, 31)].step_ups == 1
    assert months[date(2026, 5, 31)].step_downs == 1 and months[date(2026, 6, 30)].step_downs == 1


def test_teams_thresholds(door_history):
    door = _with(door_history, lambda c: front_door(c, AS_AT))
    teams = {t.team_id: t for t in door.teams}
    # Referrals in the window: T1 P1 and P2 (P2's ended in no further action after assessment, RC8);
    # T2 P3 twice and P5.
    assert (teams["T1"].referrals, teams["T1"].nfa_after_assessment) == (2, 1)
    assert (teams["T2"].referrals, teams["T2"].nfa_after_assessment) == (3, 0)
    assert teams["T1"].team_name == "Safeguarding North" and teams["T1"].nfa_share == pytest.approx(50.0)
    # Contacts: P4's three count for T2 (allocated the day before each); P3's on 1 June is about a child whose
    # 7 April referral was still open (closed 30 June): apart, not judged; the other six for no team.
    assert (teams["T2"].contacts, teams["T2"].contacts_to_referral) == (3, 0)
    assert (teams["open"].contacts, teams["open"].contact_judgement.startswith("not judged")) == (1, True)
    assert (teams["none"].contacts, teams["none"].contacts_to_referral) == (6, 3)
    # Judged: 3 referrals of the 9 contacts not about open cases (a third); T2's 0 of 3 against limits
    # 1/3 +/- 1.96 x sqrt((1/3)(2/3) / 3) = 1/3 +/- 0.533: within them.
    assert (door.judged_contacts, door.judged_contacts_to_referral) == (9, 3)
    assert teams["T2"].contact_judgement == "within the limits"
    assert (door.referrals, door.nfa_after_assessment) == (5, 1)
    # Overall 1 in 5 (0.2) ended in NFA; T1's 1 in 2 with 2 referrals: limits 0.2 +/- 1.96 x sqrt(0.16 / 2) =
    # 0.2 +/- 0.554, so within them.
    assert teams["T1"].nfa_judgement == "within the limits"


def test_funnel_limits_and_judgements():
    # 0.5 with 100 cases: standard error sqrt(0.25 / 100) = 0.05; 95% limits 0.5 +/- 0.098, 99.8% +/- 0.1545.
    low, high = funnel_limits(0.5, 100, Z95)
    assert (low, high) == (pytest.approx(0.402, abs=1e-3), pytest.approx(0.598, abs=1e-3))
    assert funnel_judgement(55, 100, 0.5) == "within the limits"
    assert funnel_judgement(62, 100, 0.5) == "above the others: beyond the 95% limit"
    assert funnel_judgement(70, 100, 0.5) == "well above the others: beyond the 99.8% limit"
    assert funnel_judgement(38, 100, 0.5) == "below the others: beyond the 95% limit"
    assert funnel_judgement(30, 100, 0.5) == "well below the others: beyond the 99.8% limit"
    assert funnel_judgement(0, 0, 0.5) == "no cases to judge"


def test_scrutiny_sees_the_front_door_under_the_threshold_and_no_team(door_history):
    door = _with(door_history, lambda c: front_door(c, AS_AT))
    shown = published_front_door(door, 5)
    assert shown["teams"] is None
    assert shown["contacts"] == 10
    # Outcomes 3, 1, 5, 1: the three small ones are hidden; their sum, 5, is not small and could be any split.
    assert {o["key"]: o["count"] for o in shown["by_outcome"]} == {
        "referral": SUPPRESSED, "early_help": SUPPRESSED, "no_further_action": 5, "other": SUPPRESSED,
    }  # fmt: skip
    assert shown["police"] == {"notifications": SUPPRESSED, "became_referrals": SUPPRESSED, "share": None}
    # 3 referrals of 10 contacts: the share (30%) would give the hidden count back.
    assert shown["contact_share"] is None
    assert {o["key"]: o["share"] for o in shown["by_outcome"]}["no_further_action"] == 50.0
    assert (shown["repeat_children"], shown["step_ups"], shown["step_downs"]) == (SUPPRESSED,) * 3
    # Monthly counts: each month here is small, so [c] or 0; never a number from 1 to 4.
    for month in shown["months"]:
        assert all(value == SUPPRESSED or value % 5 == 0 for key, value in month.items() if key != "month_end")
    # Everyone else sees it all.
    whole = published_front_door(door, 0)
    assert whole["teams"] and {o["key"]: o["count"] for o in whole["by_outcome"]}["referral"] == 3


def test_the_projection_arithmetic_is_the_central_path():
    # 100 in care, 5 entries a month, 4% leave each month: 100 + 5 - 4 = 101; 101 + 5 - 4.04 = 101.96;
    # 101.96 + 5 - 4.0784 = 102.8816.
    months = project(100, 5.0, 0.04, date(2026, 11, 30), months=3)
    assert [m.month_end for m in months] == [date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28)]
    assert [m.central for m in months] == [pytest.approx(101), pytest.approx(101.96), pytest.approx(102.8816)]
    # It levels off where entries balance exits: 5 / 0.04 = 125.
    assert project(100, 5.0, 0.04, date(2026, 11, 30), months=240, paths=10)[-1].central == pytest.approx(125, abs=0.01)
    for m in months:
        assert m.low95 <= m.low80 <= m.central <= m.high80 <= m.high95
    # The seed is fixed: the same bands every time; another seed draws other paths.
    again = project(100, 5.0, 0.04, date(2026, 11, 30), months=3)
    assert again == months
    other = project(100, 5.0, 0.04, date(2026, 11, 30), months=12, seed=7)
    assert other != project(100, 5.0, 0.04, date(2026, 11, 30), months=12)


@pytest.fixture
def care_history(history):
    for n in range(1, 5):
        history.child(f"P{n}", dob=date(2012, 2, n), child_id=n)
    history.episode("P1", date(2024, 1, 10), "S", "C2")  # in care throughout
    history.episode("P2", date(2026, 1, 15), "S", "C2", ceased=date(2026, 6, 20), reason_ceased="E4A")
    history.episode("P3", date(2025, 3, 3), "S", "C2")
    history.episode("P4", date(2026, 2, 1), "S", "V3", ceased=date(2026, 2, 3), reason_ceased="E4A")  # short break
    return history


def test_the_projection_from_the_facts_and_the_one_made_a_year_ago(care_history):
    projection = _with(care_history, lambda c: care_projection(c, AS_AT), ["cla_period"])
    counts = {m.month_end: m.in_care for m in projection.history}
    # Month ends from 31 December 2024 to 30 November 2026: P1 alone to February 2025, P3 from March 2025,
    # P2 from January to May 2026 (ceased 20 June); P4's short break never counts.
    assert len(counts) == 24
    assert counts[date(2025, 2, 28)] == 1 and counts[date(2025, 3, 31)] == 2
    assert counts[date(2026, 1, 31)] == 3 and counts[date(2026, 5, 31)] == 3 and counts[date(2026, 6, 30)] == 2
    ahead = projection.ahead
    # The 12 months to 30 November 2026: P2 entered (January) and left (June); the counts at the start of each
    # month (the month ends November 2025 to October 2026): 2, 2, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2 = 29.
    assert (ahead.base_date, ahead.base_count, ahead.entries, ahead.exits, ahead.exposure) == (
        date(2026, 11, 30), 2, 1, 1, 29,
    )  # fmt: skip
    assert ahead.months[0].central == pytest.approx(2 + 1 / 12 - 2 / 29)
    # A year earlier: the 12 months to 30 November 2025, P3 entered (March), nobody left; starting counts
    # November 2024 to October 2025: 1, 1, 1, 1, then 2 for eight months = 20.
    year_ago = projection.year_ago
    assert (year_ago.base_date, year_ago.base_count, year_ago.entries, year_ago.exits, year_ago.exposure) == (
        date(2025, 11, 30), 2, 1, 0, 20,
    )  # fmt: skip
    assert year_ago.months[-1].central == pytest.approx(2 + 12 / 12)  # no exits: one twelfth of an entry a month
    actual = projection.actual_since_year_ago()
    assert [count for _, count in actual] == [2, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2]


def test_scrutiny_sees_the_projection_rounded_and_suppressed(care_history):
    projection = _with(care_history, lambda c: care_projection(c, AS_AT), ["cla_period"])
    shown = published_projection(projection, 5)
    assert shown["ahead"]["base_count"] == SUPPRESSED  # 2 children
    assert shown["ahead"]["entries_per_month"] is None and shown["ahead"]["exit_rate_percent"] is None
    assert all(m["in_care"] == SUPPRESSED for m in shown["history"])
    for month in shown["ahead"]["months"]:
        assert all(month[key] % 5 == 0 for key in ("central", "low80", "high80", "low95", "high95"))
    whole = published_projection(projection, 0)
    assert whole["ahead"]["base_count"] == 2 and whole["ahead"]["exit_rate_percent"] == pytest.approx(3.45)
