"""What is due, on hand-built histories with dates worked out by hand (bank holidays, leap years, month ends).

Working days are Monday to Friday less England's bank holidays; "n working days after" a day is the n-th working
day after it. Months are calendar months: the same day of the month, or the month's last day when it is shorter.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.errors import SettingsError
from childhub.facts import prepare
from childhub.frontline import Timescales, due_items
from childhub.indicators import load_authority


def due(history, as_at: date, timescales: Timescales | None = None) -> dict[tuple[str, str], object]:
    """Every item due on ``as_at``, by (child key, kind); each person is linked to child ID 1, 2, ... in order."""
    with history.store().reader() as conn:
        prepare(conn)
        items = due_items(conn, as_at, timescales or Timescales())
    found = {(item.child_key, item.kind): item for item in items}
    assert len(found) == len(items), "one item per child and kind"
    return found


def test_a_cp_visit_due_across_the_christmas_bank_holidays(history):
    # Plan from Monday 2 November 2026; the child last seen on Friday 18 December. Ten working days after it:
    # 21, 22, 23, 24 December (4); 25 December (Christmas Day) and 28 December (the Boxing Day substitute, 26th being
    # a Saturday) are bank holidays; 29, 30, 31 December (7); 1 January is New Year's Day; 4, 5, 6 January (10).
    history.child("P1", dob=date(2019, 4, 1), child_id=1)
    history.add("cp_plans", cppl_cp_plan_id="CP1", cppl_person_id="P1", cppl_cp_plan_start_date=date(2026, 11, 2))
    history.add("cp_visits", cppv_person_id="P1", cppv_cp_plan_id="CP1", cppv_cp_visit_date=date(2026, 12, 4))
    history.add("cp_visits", cppv_person_id="P1", cppv_cp_plan_id="CP1", cppv_cp_visit_date=date(2026, 12, 18))
    # a visit at which the child was not seen does not count
    history.add(
        "cp_visits", cppv_person_id="P1", cppv_cp_plan_id="CP1", cppv_cp_visit_date=date(2026, 12, 21),
        cppv_cp_visit_seen="N",
    )  # fmt: skip
    found = due(history, date(2026, 12, 22))
    visit = found[("C1", "cp_visit")]
    assert visit.due_date == date(2027, 1, 6)
    assert visit.days_until == 15  # 22 December to 6 January, calendar days
    assert visit.when() == "Due in 15 days"
    assert visit.rule(Timescales()) == (
        "Visited at least every 10 working days on a child protection plan; last seen on 18 December 2026"
    )
    # No review conference yet: the first falls due 3 months after the initial conference (the plan's start).
    assert found[("C1", "cp_review")].due_date == date(2027, 2, 2)


def test_months_end_on_the_last_day_of_a_shorter_month_and_29_february_in_a_leap_year(history):
    # Six months after 31 August is the end of February: 28 February 2027, but 29 February 2028 (a leap year).
    # A review on 29 August 2027 is next due on 29 February 2028.
    for n, review in enumerate((date(2026, 8, 31), date(2027, 8, 31), date(2027, 8, 29)), start=1):
        history.child(f"P{n}", dob=date(2015, 1, 1), child_id=n)
        history.add(
            "cp_plans", cppl_cp_plan_id=f"CP{n}", cppl_person_id=f"P{n}", cppl_cp_plan_start_date=date(2026, 5, 1)
        )
        history.add("cp_reviews", cppr_person_id=f"P{n}", cppr_cp_plan_id=f"CP{n}", cppr_cp_review_date=review)
    found = due(history, date(2027, 9, 1))
    assert found[("C1", "cp_review")].due_date == date(2027, 2, 28)
    assert found[("C1", "cp_review")].days_until == -185  # 28 February to 1 September 2027: 185 days overdue
    assert found[("C1", "cp_review")].when() == "Overdue by 185 days"
    assert found[("C2", "cp_review")].due_date == date(2028, 2, 29)
    assert found[("C3", "cp_review")].due_date == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("as_at", "shown", "days_until"),
    [
        (date(2026, 10, 19), False, None),  # working day 34: more than 10 working days ahead, not yet shown
        (date(2026, 10, 20), True, 14),  # working day 35: 10 working days to go
        (date(2026, 11, 2), True, 1),  # working day 44: due tomorrow
        (date(2026, 11, 4), True, -1),  # working day 46: a day overdue
    ],
)
def test_an_assessment_shows_10_working_days_before_its_45th_and_is_overdue_after(history, as_at, shown, days_until):
    # Started Tuesday 1 September 2026 (no bank holiday until Christmas): working day 45 is Tuesday 3 November:
    # September has 21 working days after the 1st, October 22, then 2 and 3 November.
    history.child("P1", dob=date(2016, 2, 2), child_id=1)
    history.add("cin_assessments", cina_person_id="P1", cina_assessment_start_date=date(2026, 9, 1))
    history.add(
        "cin_assessments",
        cina_person_id="P1",
        cina_assessment_start_date=date(2026, 6, 1),
        cina_assessment_auth_date=date(2026, 7, 1),
    )  # fmt: skip  (authorised: nothing due)
    item = due(history, as_at).get(("C1", "assessment"))
    assert (item is not None) == shown
    if shown:
        assert item.due_date == date(2026, 11, 3)
        assert item.days_until == days_until


def test_a_child_with_nothing_recorded_yet_is_due_from_the_start_and_overdue_in_days(history):
    # Came into care and placed on Monday 2 March 2026; no visit, review or health assessment since.
    history.child("P1", dob=date(2018, 6, 1), child_id=1)
    history.episode("P1", date(2026, 3, 2), "S", "C2", placement="U6")
    # On a child in need plan from Monday 2 November 2026, never visited (the authority's 20 working days).
    history.child("P2", dob=date(2017, 1, 1), child_id=2)
    history.add("cin_plans", cinp_person_id="P2", cinp_cin_plan_start_date=date(2026, 11, 2))
    found = due(history, date(2026, 3, 20))
    visit = found[("C1", "cla_visit")]
    assert visit.due_date == date(2026, 3, 9)  # within a week of the placement starting
    assert (visit.days_until, visit.when()) == (-11, "Overdue by 11 days")
    # 20 working days after 2 March: 3-6 March (4), 9-13 (9), 16-20 (14), 23-27 (19), 30 March (20).
    assert found[("C1", "cla_review")].due_date == date(2026, 3, 30)
    assert found[("C1", "health_assessment")].due_date == date(2026, 3, 30)
    assert found[("C1", "cla_review")].basis == "care_start"
    later = due(history, date(2026, 11, 20))
    # 3-6 November (4), 9-13 (9), 16-20 (14), 23-27 (19), 30 November (20).
    assert later[("C2", "cin_visit")].due_date == date(2026, 11, 30)
    assert later[("C2", "cin_visit")].days_until == 10


@pytest.mark.slow
def test_looked_after_reviews_first_in_20_working_days_then_3_months_then_6(history):
    history.child("P1", dob=date(2012, 1, 1), child_id=1)
    history.episode("P1", date(2026, 1, 5), "S", "C2")
    # 20 working days after Monday 5 January 2026: 6-9 (4), 12-16 (9), 19-23 (14), 26-30 (19), Monday 2 February.
    assert due(history, date(2026, 1, 10))[("C1", "cla_review")].due_date == date(2026, 2, 2)
    history.add("cla_reviews", clar_person_id="P1", clar_cla_review_date=date(2026, 1, 30))
    assert due(history, date(2026, 2, 10))[("C1", "cla_review")].due_date == date(2026, 4, 30)  # 3 months
    history.add("cla_reviews", clar_person_id="P1", clar_cla_review_date=date(2026, 4, 28))
    assert due(history, date(2026, 5, 1))[("C1", "cla_review")].due_date == date(2026, 10, 28)  # then 6 months


def test_looked_after_visits_every_6_weeks_in_the_first_year_then_3_months_if_long_term(history):
    # Both placed on 15 January 2024: P1 in long-term fostering (U4), P2 not (U6). P3 (U4) last seen in the first year.
    for n, placement, visit in (
        (1, "U4", date(2025, 3, 3)),
        (2, "U6", date(2025, 3, 3)),
        (3, "U4", date(2024, 12, 20)),
    ):
        history.child(f"P{n}", dob=date(2014, 1, 1), child_id=n)
        history.episode(f"P{n}", date(2024, 1, 15), "S", "C2", placement=placement)
        history.add("cla_visits", clav_person_id=f"P{n}", clav_cla_visit_date=visit)
    found = due(history, date(2025, 3, 10))
    assert found[("C1", "cla_visit")].due_date == date(2025, 6, 3)  # 3 months after 3 March 2025
    assert found[("C2", "cla_visit")].due_date == date(2025, 4, 14)  # 6 weeks (42 days) after 3 March
    assert found[("C3", "cla_visit")].due_date == date(2025, 1, 31)  # 6 weeks after 20 December 2024
    # An authority that counts only U1 as long-term visits P1 every 6 weeks too.
    only_u1 = due(history, date(2025, 3, 10), Timescales(long_term_placement_types=["U1"]))
    assert only_u1[("C1", "cla_visit")].due_date == date(2025, 4, 14)


def test_health_assessments_every_6_months_under_5_and_12_from_5(history):
    history.child("P1", dob=date(2022, 6, 1), child_id=1)  # 3 on the day of the assessment
    history.child("P2", dob=date(2020, 1, 1), child_id=2)  # 6
    for person in ("P1", "P2"):
        history.episode(person, date(2025, 1, 6), "S", "C2")
        history.add(
            "cla_health", clah_person_id=person, clah_health_check_type="Health assessment",
            clah_health_check_date=date(2026, 5, 20), clah_health_check_status="Completed",
        )  # fmt: skip
    found = due(history, date(2026, 6, 1))
    assert found[("C1", "health_assessment")].due_date == date(2026, 11, 20)
    assert found[("C2", "health_assessment")].due_date == date(2027, 5, 20)


def test_a_care_leavers_pathway_plan_is_reviewed_every_6_months(history):
    history.child("P1", dob=date(2007, 5, 1), child_id=1)
    history.add("care_leavers", clea_person_id="P1", clea_pathway_plan_review_date=date(2026, 8, 31))
    item = due(history, date(2026, 9, 1))[("C1", "pathway_review")]
    assert item.due_date == date(2027, 2, 28)


def test_settings_shorten_a_timescale(history):
    history.child("P1", dob=date(2019, 4, 1), child_id=1)
    history.add("cp_plans", cppl_cp_plan_id="CP1", cppl_person_id="P1", cppl_cp_plan_start_date=date(2026, 11, 2))
    # 5 working days after Monday 2 November 2026: Monday 9 November.
    item = due(history, date(2026, 11, 3), Timescales(cp_visit_working_days=5))[("C1", "cp_visit")]
    assert item.due_date == date(2026, 11, 9)
    assert "every 5 working days" in item.rule(Timescales(cp_visit_working_days=5))


def test_timescales_in_authority_yml_are_read_and_checked(tmp_path):
    path = tmp_path / "authority.yml"
    path.write_text("timescales:\n  cin_visit_working_days: 15\n  long_term_placement_types: [u1]\n", "utf-8")
    timescales = load_authority(path).timescales
    assert (timescales.cin_visit_working_days, timescales.long_term_placement_types) == (15, ("U1",))
    assert timescales.cp_visit_working_days == 10  # the defaults stand where nothing is said
    path.write_text("timescales:\n  cp_visit_working_days: 0\n", "utf-8")
    with pytest.raises(SettingsError, match="cp_visit_working_days"):
        load_authority(path)
    path.write_text("timescales:\n  long_term_placement_types: [X9]\n", "utf-8")
    with pytest.raises(SettingsError, match="X9 is not an SSDA903 placement type"):
        load_authority(path)
    path.write_text("timescales:\n  visits: 3\n", "utf-8")
    with pytest.raises(SettingsError, match="visits"):
        load_authority(path)
