"""The checks across systems, each on a hand-built history with the cases it must and must not flag."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.dq.check import hub_findings
from childhub.facts import prepare

AS_AT = date(2026, 12, 4)  # a Friday


@pytest.fixture
def flagged(history):
    """rule -> {(system, record)} for the history as built when called (as at AS_AT)."""

    def run(*rules: str) -> dict[str, set[tuple[str, str]]]:
        store = history.store()
        with store.reader() as conn:
            prepare(conn)
            found = hub_findings(conn, AS_AT, only=set(rules))
        out: dict[str, set[tuple[str, str]]] = {rule: set() for rule in rules}
        for finding in found:
            out[finding.rule].add((finding.source_system, finding.source_record))
        return out

    return run


def test_date_of_birth_and_sex_that_one_system_holds_differently(history, flagged):
    history.child("S1", dob=date(2012, 3, 1), sex="F", child_id=1, pers_forename="Amy", pers_surname="Hart")
    history.child(
        "E1",
        dob=date(2012, 3, 1),
        sex="F",
        child_id=1,
        source_system="education",
        pers_forename="Amy",
        pers_surname="Hart",
    )
    history.child("N1", dob=date(2012, 1, 3), sex="M", child_id=1, source_system="sen")  # day and month swapped
    history.child("S9", dob=date(2014, 5, 5), sex="M", child_id=2)  # one record: nothing to disagree with
    found = flagged("HUB01", "HUB02")
    assert found == {"HUB01": {("sen", "N1")}, "HUB02": {("sen", "N1")}}


def test_two_records_of_one_system_for_one_child(history, flagged):
    history.child("S2", dob=date(2015, 1, 1), child_id=3)
    history.child("S3", dob=date(2015, 1, 1), child_id=3)
    history.child("E3", dob=date(2015, 1, 1), child_id=3, source_system="education")
    assert flagged("HUB04") == {"HUB04": {("social_care", "S2"), ("social_care", "S3")}}


def test_a_child_protection_plan_open_past_18(history, flagged):
    history.child("S4", dob=date(2008, 12, 4), child_id=4)  # 18 on AS_AT
    history.child("S5", dob=date(2008, 12, 5), child_id=5)  # 18 tomorrow
    for person in ("S4", "S5"):
        history.add(
            "cp_plans", cppl_cp_plan_id=f"P{person}", cppl_person_id=person, cppl_cp_plan_start_date=date(2026, 6, 1)
        )
    assert flagged("HUB05") == {"HUB05": {("social_care", "PS4")}}


def test_a_child_protection_visit_overdue_after_ten_working_days(history, flagged):
    history.child("S6", dob=date(2016, 1, 1), child_id=6)
    history.child("S7", dob=date(2016, 1, 1), child_id=7)
    for person, last_visit in (("S6", date(2026, 11, 19)), ("S7", date(2026, 11, 20))):
        history.add(
            "cp_plans", cppl_cp_plan_id=f"P{person}", cppl_person_id=person, cppl_cp_plan_start_date=date(2026, 11, 2)
        )
        history.add(
            "cp_visits",
            cppv_cp_visit_id=f"V{person}",
            cppv_person_id=person,
            cppv_cp_plan_id=f"P{person}",
            cppv_cp_visit_date=last_visit,
        )
    # Thursday 19 November to Friday 4 December is 11 working days; Friday 20 November is 10: due, not overdue
    assert flagged("HUB09") == {"HUB09": {("social_care", "PS6")}}


def test_a_child_open_to_social_care_without_a_worker(history, flagged):
    history.child("S8", dob=date(2013, 1, 1), child_id=8)
    history.child("S9", dob=date(2013, 1, 1), child_id=9)
    history.add("cin_episodes", cine_referral_id="R8", cine_person_id="S8", cine_referral_date=date(2026, 11, 20))
    history.add("cin_episodes", cine_referral_id="R9", cine_person_id="S9", cine_referral_date=date(2026, 11, 30))
    # open 14 days with no worker (more than the default 5) and 4 days (not yet)
    assert flagged("HUB07") == {"HUB07": {("social_care", "S8")}}


def test_identifiers_failing_their_checks_and_one_nhs_number_on_two_children(history, flagged):
    history.child("S10", dob=date(2012, 2, 2), child_id=10, pers_upn="A123456789012", pers_nhs_number="9434765919")
    history.child("S11", dob=date(2012, 2, 2), child_id=11, pers_upn="R123456789012", pers_nhs_number="9434765918")
    history.child("S12", dob=date(2013, 2, 2), child_id=12, pers_nhs_number="9434765919")
    found = flagged("HUB13", "HUB14", "HUB16")
    assert found["HUB13"] == {("social_care", "S11")}  # A is the check letter of 123456789012, not R
    assert found["HUB14"] == {("social_care", "S11")}  # 9434765919 is valid; ...918 is not
    assert found["HUB16"] == {("social_care", "S10"), ("social_care", "S12")}
