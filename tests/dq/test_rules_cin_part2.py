"""CIN census rules 8610-8950Q (part 2): hand-worked cases for the rules whose logic is subtle.

Each case builds a tiny return (one line per row, numbered from 1 in each table) and asserts the
exact rows a rule flags, as (table, line), with a row beside it that must not be flagged.
"""

from __future__ import annotations

import pytest

from helpers import dq_findings


def _findings(year: int, codes: set[str], **tables: list[dict]) -> dict[str, set[tuple[str, int]]]:
    """code -> the rows it flags, as (table, line), over one return built from the tables given."""
    found: dict[str, set[tuple[str, int]]] = {code: set() for code in codes}
    for finding in dq_findings("cin", year, tables, rules=codes, first_line=1, every_table=True):
        found[finding.rule].add((finding.table, finding.line))
    return found


def _flagged(year: int, code: str, **tables: list[dict]) -> set[tuple[str, int]]:
    return _findings(year, {code}, **tables)[code]


def test_8670q_counts_45_working_days_back_from_a_sunday_reference_date_over_easter():
    # 31 March 2024 is a Sunday and 29 March Good Friday: the 44th working day back is Monday 29
    # January 2024 (28 March is the first), so an unfinished assessment from Friday 26 January is queried.
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2024-01-26"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2024-01-29"},
        {
            "LAchildID": "C",
            "CINdetailsID": "1",
            "AssessmentID": "1",
            "AssessmentActualStartDate": "2023-06-01",
            "AssessmentAuthorisationDate": "2023-07-01",
        },
    ]
    assert _flagged(2024, "8670Q", assessments=rows) == {("assessments", 1)}


def test_8670q_on_a_working_day_reference_date():
    # 31 March 2026 is a Tuesday: 44 working days back (30 March the first) is Wednesday 28 January.
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2026-01-27"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2026-01-28"},
    ]
    assert _flagged(2026, "8670Q", assessments=rows) == {("assessments", 1)}


def test_8675q_queries_only_enquiries_that_need_a_conference():
    # 14 working days back from Tuesday 31 March 2026 is Wednesday 11 March.
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "S47ActualStartDate": "2026-03-10", "ICPCnotRequired": "false"},
        {"LAchildID": "B", "CINdetailsID": "1", "S47ActualStartDate": "2026-03-11", "ICPCnotRequired": "false"},
        {"LAchildID": "C", "CINdetailsID": "1", "S47ActualStartDate": "2026-03-10", "ICPCnotRequired": "true"},
        {
            "LAchildID": "D",
            "CINdetailsID": "1",
            "S47ActualStartDate": "2026-03-02",
            "ICPCnotRequired": "0",
            "DateOfInitialCPC": "2026-03-20",
        },
    ]
    assert _flagged(2026, "8675Q", section47=rows) == {("section47", 1)}


@pytest.mark.parametrize(
    ("year", "born_flagged", "born_not"),
    [(2024, "2018-03-31", "2018-04-01"), (2026, "2020-08-31", "2020-09-01")],
)
def test_8770q_school_age_boundary_changes_in_2025(year, born_flagged, born_not):
    # Until 2024: born on or before the reference date six years back. From 2025: born on or before 31 August
    # six years before the reference date's year (of school age by the next September).
    children = [
        {"LAchildID": "A", "PersonBirthDate": born_flagged, "UPNunknown": "UN1"},
        {"LAchildID": "B", "PersonBirthDate": born_not},
        {"LAchildID": "C", "PersonBirthDate": born_flagged, "UPNunknown": "un3"},  # a reason, any case
        {"LAchildID": "D", "PersonBirthDate": born_flagged},  # referral with no further action only
    ]
    episodes = [
        {"LAchildID": "A", "CINdetailsID": "1", "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "1", "ReferralNFA": "0"},
        {"LAchildID": "C", "CINdetailsID": "1", "ReferralNFA": "false"},
        {"LAchildID": "D", "CINdetailsID": "1", "ReferralNFA": "true"},
    ]
    flagged = _flagged(year, "8770Q", child_identifiers=children, cin_details=episodes)
    assert flagged == {("child_identifiers", 1)}


def test_8750_unborn_child_sex_code_by_year():
    children = [
        {"LAchildID": "A", "ExpectedPersonBirthDate": "2026-05-01", "GenderCurrent": "1", "Sex": "U"},
        {"LAchildID": "B", "ExpectedPersonBirthDate": "2026-05-01", "GenderCurrent": "0", "Sex": "M"},
        {"LAchildID": "C", "PersonBirthDate": "2020-05-01", "GenderCurrent": "1", "Sex": "M"},
    ]
    assert _flagged(2024, "8750", child_identifiers=children) == {("child_identifiers", 1)}
    assert _flagged(2026, "8750", child_identifiers=children) == {("child_identifiers", 2)}


def test_8775q_over_25_with_an_episode_open_past_the_birthday():
    children = [
        {"LAchildID": "A", "PersonBirthDate": "2000-01-15"},  # 25 on 15 January 2025
        {"LAchildID": "B", "PersonBirthDate": "2000-01-15"},
        {"LAchildID": "C", "PersonBirthDate": "2001-04-01"},  # 25 only after the reference date
    ]
    episodes = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINreferralDate": "2024-06-01"},  # open
        {"LAchildID": "B", "CINdetailsID": "1", "CINreferralDate": "2024-06-01", "CINclosureDate": "2025-01-14"},
        {"LAchildID": "C", "CINdetailsID": "1", "CINreferralDate": "2024-06-01"},
    ]
    flagged = _flagged(2026, "8775Q", child_identifiers=children, cin_details=episodes)
    assert flagged == {("child_identifiers", 1), ("cin_details", 1)}


def test_8816_an_open_episode_that_is_not_the_latest():
    episodes = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINreferralDate": "2025-05-01", "ReferralNFA": "false"},
        {"LAchildID": "A", "CINdetailsID": "2", "CINreferralDate": "2025-09-01", "ReferralNFA": "false"},
        # B: the earlier episode is closed, the open one is the latest
        {
            "LAchildID": "B",
            "CINdetailsID": "1",
            "CINreferralDate": "2025-05-01",
            "CINclosureDate": "2025-06-01",
            "ReferralNFA": "false",
        },
        {"LAchildID": "B", "CINdetailsID": "2", "CINreferralDate": "2025-09-01", "ReferralNFA": "false"},
    ]
    assert _flagged(2026, "8816", cin_details=episodes) == {("cin_details", 1), ("cin_details", 2)}


def test_8820_overlapping_episodes_and_back_to_back_ones():
    episodes = [
        {
            "LAchildID": "A",
            "CINdetailsID": "1",
            "CINreferralDate": "2025-05-01",
            "CINclosureDate": "2025-08-01",
            "ReferralNFA": "false",
        },
        {"LAchildID": "A", "CINdetailsID": "2", "CINreferralDate": "2025-07-01", "ReferralNFA": "false"},
        # B: the second episode starts the day the first closes: no overlap
        {
            "LAchildID": "B",
            "CINdetailsID": "1",
            "CINreferralDate": "2025-05-01",
            "CINclosureDate": "2025-08-01",
            "ReferralNFA": "false",
        },
        {"LAchildID": "B", "CINdetailsID": "2", "CINreferralDate": "2025-08-01", "ReferralNFA": "false"},
    ]
    assert _flagged(2026, "8820", cin_details=episodes) == {("cin_details", 1), ("cin_details", 2)}


def test_8863q_an_assessment_starting_while_another_is_ongoing():
    rows = [
        {
            "LAchildID": "A",
            "CINdetailsID": "1",
            "AssessmentID": "1",
            "AssessmentActualStartDate": "2025-05-01",
            "AssessmentAuthorisationDate": "2025-06-01",
        },
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "2", "AssessmentActualStartDate": "2025-06-01"},
        # B: two assessments one after the other; C: the same assessment twice is not compared
        {
            "LAchildID": "B",
            "CINdetailsID": "1",
            "AssessmentID": "1",
            "AssessmentActualStartDate": "2025-05-01",
            "AssessmentAuthorisationDate": "2025-06-01",
        },
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "2", "AssessmentActualStartDate": "2025-06-02"},
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-05-01"},
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "2", "AssessmentActualStartDate": "2025-05-01"},
    ]
    assert _flagged(2026, "8863Q", assessments=rows) == {("assessments", 1), ("assessments", 2)}


def test_8890_an_enquiry_starting_while_another_awaits_its_conference():
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "S47ActualStartDate": "2025-05-01", "ICPCnotRequired": "false"},
        {"LAchildID": "A", "CINdetailsID": "1", "S47ActualStartDate": "2025-06-01", "ICPCnotRequired": "false"},
        # B: the first enquiry needed no conference, so it is not ongoing
        {"LAchildID": "B", "CINdetailsID": "1", "S47ActualStartDate": "2025-05-01", "ICPCnotRequired": "true"},
        {"LAchildID": "B", "CINdetailsID": "1", "S47ActualStartDate": "2025-06-01", "ICPCnotRequired": "true"},
    ]
    assert _flagged(2026, "8890", section47=rows) == {("section47", 1), ("section47", 2)}


def test_8935_and_8940_plans_are_compared_across_episodes():
    # Plan numbers restart in each CIN episode: two open plans numbered 1 in different episodes are
    # still two open plans of the child, and they overlap.
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2025-05-01"},
        {"LAchildID": "A", "CINdetailsID": "2", "CPPID": "1", "CPPstartDate": "2025-09-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2025-05-01", "CPPendDate": "2025-06-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "2", "CPPstartDate": "2025-09-01"},
    ]
    found = _findings(2026, {"8935", "8940"}, cp_plans=plans)
    assert found["8935"] == found["8940"] == {("cp_plans", 1), ("cp_plans", 2)}


def test_8868_a_closed_episode_with_an_enquiry_neither_or_both_completed():
    episodes = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINclosureDate": "2025-09-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINclosureDate": "2025-09-01"},
        {"LAchildID": "C", "CINdetailsID": "1", "CINclosureDate": "2025-09-01"},
        {"LAchildID": "D", "CINdetailsID": "1"},
    ]
    enquiries = [
        {"LAchildID": "A", "CINdetailsID": "1", "ICPCnotRequired": "false"},  # neither
        {"LAchildID": "B", "CINdetailsID": "1", "ICPCnotRequired": "1", "DateOfInitialCPC": "2025-06-01"},  # both
        {"LAchildID": "C", "CINdetailsID": "1", "ICPCnotRequired": "true"},  # completed
        {"LAchildID": "D", "CINdetailsID": "1", "ICPCnotRequired": "false"},  # episode still open
    ]
    flagged = _flagged(2026, "8868", cin_details=episodes, section47=enquiries)
    assert flagged == {("cin_details", 1), ("section47", 1), ("cin_details", 2), ("section47", 2)}


def test_assessment_factor_rules_read_each_factor():
    assessments = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-06-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-06-01"},
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-06-01"},
        {"LAchildID": "D", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-06-01"},
    ]
    factors = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentFactor": "21"},
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentFactor": "3A"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentFactor": "18A"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentFactor": "18A"},
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentFactor": "21"},
    ]
    episodes = [
        {"LAchildID": "C", "CINdetailsID": "1", "ReasonForClosure": "RC7", "CINclosureDate": "2025-07-01"},
        {"LAchildID": "A", "CINdetailsID": "1", "ReasonForClosure": "RC8", "CINclosureDate": "2025-07-01"},
    ]
    tables = {"assessments": assessments, "assessment_factors": factors, "cin_details": episodes}
    found = _findings(2026, {"8869", "8898", "8945Q", "8897Q", "8873Q"}, **tables)
    assert found["8869"] == {("assessments", 1)}  # 21 with another factor
    assert found["8898"] == {("assessments", 2)}  # 18A twice
    assert found["8945Q"] == {("assessments", 2)}  # 18A no longer used
    # missing factors (D) or a factor not valid in the year (18A, retired after 2020)
    assert found["8897Q"] == {("assessments", 2), ("assessments", 4)}
    # the only assessment found no factors, but the episode closed for another reason (RC7)
    assert found["8873Q"] == {("assessments", 3), ("cin_details", 1)}
    assert _flagged(2024, "8945Q", **tables) == set()  # a query only from 2025


def test_8831_activity_on_a_referral_with_no_further_action():
    episodes = [
        {"LAchildID": "A", "CINdetailsID": "1", "ReferralNFA": "true"},
        {"LAchildID": "B", "CINdetailsID": "1", "ReferralNFA": "false"},
        {"LAchildID": "C", "CINdetailsID": "1", "ReferralNFA": "1"},
    ]
    assessments = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-05-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-05-01"},
    ]
    flagged = _flagged(2026, "8831", cin_details=episodes, assessments=assessments)
    assert flagged == {("cin_details", 1), ("assessments", 1)}
