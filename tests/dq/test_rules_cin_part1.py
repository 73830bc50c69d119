"""CIN census rules (part 1) on tiny hand-made returns: each case worked out from the DfE's rule by hand.

Each test builds one collection year's return from a few rows, runs one rule and asserts exactly
which rows it flags (by table and line), with a near miss beside each failing case.
"""

from __future__ import annotations

from helpers import dq_findings


def flagged(year: int, code: str, **tables: list[dict]) -> set[tuple[str, int | None]]:
    """(table, line) of every row rule ``code`` flags; line numbers are 1, 2, ... within each table."""
    found = dq_findings("cin", year, tables, rules={code}, first_line=1, every_table=True)
    return {(finding.table, finding.line) for finding in found}


def test_1510_check_letter_from_characters_2_to_13():
    # 2x2 + 0x3 + 1x4 + 1x5 + 2x6 + 3x7 + 4x8 + 5x9 + 6x10 + 7x11 + 8x12 + 9x13 = 473; 473 mod 23 = 13 -> P
    rows = [
        {"LAchildID": "A", "UPN": "P201123456789"},  # right
        {"LAchildID": "B", "UPN": "B201123456789"},  # wrong letter
        {"LAchildID": "C", "UPN": "B20112345678A"},  # temporary UPN: left to the other rules
    ]
    assert flagged(2025, "1510", child_identifiers=rows) == {("child_identifiers", 2)}


def test_1530_la_codes_942_and_943_recognised_from_2023_24():
    rows = [
        {"LAchildID": "A", "UPN": "P201123456789"},
        {"LAchildID": "B", "UPN": "A942123456789"},
        {"LAchildID": "C", "UPN": "A999123456789"},
    ]
    assert flagged(2023, "1530", child_identifiers=rows) == {("child_identifiers", 2), ("child_identifiers", 3)}
    assert flagged(2024, "1530", child_identifiers=rows) == {("child_identifiers", 3)}


def test_100_reference_date_is_31_march_of_the_year():
    assert flagged(2025, "100", cin_header=[{"Year": "2025", "ReferenceDate": "2025-03-31"}]) == set()
    assert flagged(2025, "100", cin_header=[{"Year": "2025", "ReferenceDate": "2025-03-30"}]) == {("cin_header", 1)}


def test_2885_plan_starts_on_the_day_of_a_conference_in_its_episode():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1"},
        {"LAchildID": "B", "CINdetailsID": "1", "DateOfInitialCPC": "2024-06-03"},
        {"LAchildID": "C", "CINdetailsID": "1", "DateOfInitialCPC": "2024-06-03"},
    ]
    section47 = [
        {"LAchildID": "A", "CINdetailsID": "1", "DateOfInitialCPC": "2024-05-01"},  # A: matches
        {"LAchildID": "A", "CINdetailsID": "1", "DateOfInitialCPC": "2024-05-20"},  # A: its sibling matched
    ]
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-05-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-06-04"},  # a day late
        {"LAchildID": "C", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-06-03"},
        {"LAchildID": "C", "CINdetailsID": "1", "CPPID": "2", "CPPstartDate": "2023-06-03"},  # before the year
    ]
    found = flagged(2025, "2885", cin_details=details, section47=section47, cp_plans=plans)
    assert found == {("cp_plans", 2), ("cin_details", 2)}


def test_4003_review_of_the_plan_in_the_same_episode_during_a_cin_plan():
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-04-10", "CPPendDate": "2024-06-01"},
        {"LAchildID": "A", "CINdetailsID": "2", "CPPID": "1", "CPPstartDate": "2024-09-01"},  # open: not counted
    ]
    reviews = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPreviewDate": "2024-05-15"},  # during the CIN plan
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPreviewDate": "2024-06-01"},  # the plan's end day
        {"LAchildID": "A", "CINdetailsID": "2", "CPPID": "1", "CPPreviewDate": "2024-05-16"},  # its plan is open
    ]
    cin_plans = [
        {"LAchildID": "A", "CINdetailsID": "3", "CINPlanStartDate": "2024-05-01", "CINPlanEndDate": "2024-07-01"}
    ]
    found = flagged(2025, "4003", cp_plans=plans, cp_reviews=reviews, cin_plan_dates=cin_plans)
    assert found == {("cp_reviews", 1), ("cp_plans", 1), ("cin_plan_dates", 1)}


def test_4014_overlap_with_an_open_plan_counts_to_the_reference_date():
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINPlanStartDate": "2024-05-01", "CINPlanEndDate": "2024-06-01"},
        {"LAchildID": "A", "CINdetailsID": "1", "CINPlanStartDate": "2024-06-01"},  # starts the day the first ends
        {"LAchildID": "B", "CINdetailsID": "1", "CINPlanStartDate": "2024-05-01", "CINPlanEndDate": "2024-05-31"},
        {"LAchildID": "B", "CINdetailsID": "2", "CINPlanStartDate": "2024-06-01"},  # the day after: no overlap
    ]
    assert flagged(2025, "4014", cin_plan_dates=rows) == {("cin_plan_dates", 1), ("cin_plan_dates", 2)}


def test_4016_cin_plan_starting_while_a_protection_plan_is_open():
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-05-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-05-01", "CPPendDate": "2024-06-01"},
    ]
    cin_plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINPlanStartDate": "2024-07-01"},  # plan still open
        {"LAchildID": "B", "CINdetailsID": "1", "CINPlanStartDate": "2024-06-01"},  # the day the plan ended
    ]
    assert flagged(2025, "4016", cp_plans=plans, cin_plan_dates=cin_plans) == {("cp_plans", 1), ("cin_plan_dates", 1)}


def test_8530Q_expected_birth_from_30_days_before_to_9_months_after_31_march():
    dates = ["2025-02-28", "2025-03-01", "2025-12-31", "2026-01-01"]  # 30 days before 31 March 2025: 1 March
    rows = [{"LAchildID": f"C{n}", "ExpectedPersonBirthDate": day} for n, day in enumerate(dates)]
    assert flagged(2025, "8530Q", child_identifiers=rows) == {("child_identifiers", 1), ("child_identifiers", 4)}


def test_8540_born_child_with_an_acted_on_referral_needs_valid_disabilities():
    children = [
        {"LAchildID": "A", "PersonBirthDate": "2015-01-01"},  # no disability rows
        {"LAchildID": "B", "PersonBirthDate": "2015-01-01"},  # an invalid code
        {"LAchildID": "C", "PersonBirthDate": "2015-01-01"},  # NONE: fine
        {"LAchildID": "D", "ExpectedPersonBirthDate": "2025-05-01"},  # unborn
        {"LAchildID": "E", "PersonBirthDate": "2015-01-01"},  # no further action
    ]
    details = [{"LAchildID": child, "CINdetailsID": "1", "ReferralNFA": "false"} for child in "ABCD"]
    details.append({"LAchildID": "E", "CINdetailsID": "1", "ReferralNFA": "true"})
    disabilities = [{"LAchildID": "B", "Disability": "XYZ"}, {"LAchildID": "C", "Disability": "NONE"}]
    found = flagged(2025, "8540", child_identifiers=children, cin_details=details, disabilities=disabilities)
    assert found == {
        ("child_identifiers", 1),
        ("child_identifiers", 2),
        ("cin_details", 1),
        ("cin_details", 2),
        ("disabilities", 1),
    }


def test_8565_protection_plan_ending_after_the_case_closed():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINclosureDate": "2024-09-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINclosureDate": "2024-09-01"},
    ]
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-05-01", "CPPendDate": "2024-09-02"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-05-01", "CPPendDate": "2024-09-01"},
    ]
    assert flagged(2025, "8565", cin_details=details, cp_plans=plans) == {("cin_details", 1), ("cp_plans", 1)}


def test_8569Q_no_further_action_before_the_working_day_before_1_april():
    # 1 April 2024 is Easter Monday and 29 March Good Friday: the working day before is Thursday 28 March.
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINreferralDate": "2024-03-27", "ReferralNFA": "true"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINreferralDate": "2024-03-28", "ReferralNFA": "true"},
        {"LAchildID": "C", "CINdetailsID": "1", "CINreferralDate": "2024-03-27", "ReferralNFA": "false"},
    ]
    assert flagged(2025, "8569Q", cin_details=rows) == {("cin_details", 1)}


def test_2886Q_more_than_2_percent_born_children_without_sex():
    known = [{"LAchildID": f"K{n}", "Sex": "F"} for n in range(48)]
    unborn = [{"LAchildID": "U", "ExpectedPersonBirthDate": "2025-05-01"}]  # no sex, but unborn
    one_missing = [{"LAchildID": "M1", "Sex": "U"}]
    assert flagged(2025, "2886Q", child_identifiers=known + unborn + one_missing) == set()  # 1 of 50: 2%
    two_missing = one_missing + [{"LAchildID": "M2"}]
    assert flagged(2025, "2886Q", child_identifiers=known + unborn + two_missing) == {(None, None)}  # 2 of 51


def test_2887Q_counts_distinct_codes_other_than_none():
    seven = [
        {"LAchildID": f"C{n}", "Disability": code}
        for n, code in enumerate(["MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "HEAR", "NONE", "NONE"])
    ]
    assert flagged(2025, "2887Q", disabilities=seven) == {(None, None)}
    eight = seven + [{"LAchildID": "D", "Disability": "VIS"}]
    assert flagged(2025, "2887Q", disabilities=eight) == set()
