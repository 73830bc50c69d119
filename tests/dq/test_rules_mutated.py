"""Rules fixed after parity on the mutated returns (scripts/dq_mutate.py): each case worked out by hand.

The mutated copies showed where childhub read a return differently from the DfE's meaning: a date
that is present but not a date (``0000-00-00``, 31 February) taken for a date in the CIN census,
an episode carried over from last year's SSDA903 return counted twice, and a placement postcode
compared letter for letter. Each test asserts exactly which rows a rule flags, with a near miss.
"""

from __future__ import annotations

from helpers import dq_findings


def cin_flagged(year: int, code: str, **tables: list[dict]) -> set[tuple[str, int]]:
    """(table, line) of every row the CIN rule flags; lines are 1, 2, ... within each table."""
    found = dq_findings("cin", year, tables, rules={code}, first_line=1, every_table=True)
    return {(finding.table, finding.line) for finding in found}


def ssda903_flagged(year: int, code: str, this: dict[str, list[dict]], last: dict[str, list[dict]]) -> set:
    """(table, line) of every row the SSDA903 rule flags; lines are 2, 3, ... (after the CSV header)."""
    found = dq_findings("ssda903", year, this, last, rules={code}, every_table=True)
    return {(finding.table, finding.line) for finding in found}


# --------------------------------------------------------------------------- CIN: a date that is not a date


def test_8810_a_closure_date_that_is_not_a_date_is_no_closure_date():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1", "ReasonForClosure": "RC7", "CINclosureDate": "2025-01-17"},
        {"LAchildID": "B", "CINdetailsID": "1", "ReasonForClosure": "RC7", "CINclosureDate": "0000-00-00"},
        {"LAchildID": "C", "CINdetailsID": "1", "ReasonForClosure": "RC7"},
        {"LAchildID": "D", "CINdetailsID": "1"},  # open, no reason: fine
    ]
    assert cin_flagged(2025, "8810", cin_details=details) == {("cin_details", 2), ("cin_details", 3)}


def test_8816_an_earlier_episode_closed_on_an_invalid_date_is_still_open():
    details = [  # A: the earlier episode's closure date is 31 February, so it is open and not the latest
        {"LAchildID": "A", "CINdetailsID": "1", "CINreferralDate": "2024-05-01", "CINclosureDate": "2024-02-31",
         "ReferralNFA": "false"},
        {"LAchildID": "A", "CINdetailsID": "2", "CINreferralDate": "2024-09-01", "ReferralNFA": "false"},
        # B: the earlier episode closed on a real date
        {"LAchildID": "B", "CINdetailsID": "1", "CINreferralDate": "2024-05-01", "CINclosureDate": "2024-06-01",
         "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "2", "CINreferralDate": "2024-09-01", "ReferralNFA": "false"},
    ]  # fmt: skip
    assert cin_flagged(2025, "8816", cin_details=details) == {("cin_details", 1), ("cin_details", 2)}


def test_8820_an_episode_closed_on_an_invalid_date_overlaps_the_next():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINreferralDate": "2023-10-13", "CINclosureDate": "0000-00-00",
         "ReferralNFA": "false"},
        {"LAchildID": "A", "CINdetailsID": "2", "CINreferralDate": "2024-05-08", "CINclosureDate": "2025-01-17",
         "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINreferralDate": "2023-10-13", "CINclosureDate": "2024-05-01",
         "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "2", "CINreferralDate": "2024-05-08", "CINclosureDate": "2025-01-17",
         "ReferralNFA": "false"},
    ]  # fmt: skip
    assert cin_flagged(2025, "8820", cin_details=details) == {("cin_details", 1), ("cin_details", 2)}


def test_8670q_an_authorisation_date_that_is_not_a_date_leaves_the_assessment_open():
    # 2024-25: 45 working days back from 31 March 2025 (itself a working day, counted) is 24 January 2025
    # (Easter falls in April), so an assessment begun before then and not authorised is flagged.
    rows = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2024-07-04",
         "AssessmentAuthorisationDate": "0000-00-00"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2024-07-04",
         "AssessmentAuthorisationDate": "2024-08-21"},
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-03-01",
         "AssessmentAuthorisationDate": "2025-02-31"},  # begun too recently to be late
    ]  # fmt: skip
    assert cin_flagged(2025, "8670Q", assessments=rows) == {("assessments", 1)}


def test_8867_closed_episode_with_an_assessment_authorised_on_an_invalid_date():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINclosureDate": "2025-08-04"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINclosureDate": "2025-08-04"},
    ]
    assessments = [
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-02-31"},
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentAuthorisationDate": "2025-07-01"},
    ]
    found = cin_flagged(2026, "8867", cin_details=details, assessments=assessments)
    assert found == {("cin_details", 1), ("assessments", 1)}


def test_8750_a_birth_date_that_is_not_a_date_with_an_expected_date_is_an_unborn_child():
    rows = [
        {"LAchildID": "A", "PersonBirthDate": "2024-02-31", "ExpectedPersonBirthDate": "2027-04-24", "Sex": "F"},
        {"LAchildID": "B", "PersonBirthDate": "2024-02-28", "ExpectedPersonBirthDate": "2024-03-01", "Sex": "F"},
        {"LAchildID": "C", "ExpectedPersonBirthDate": "2026-05-01", "Sex": "U"},
    ]
    assert cin_flagged(2026, "8750", child_identifiers=rows) == {("child_identifiers", 1)}


def test_8935_a_plan_ended_on_an_invalid_date_is_still_open():
    plans = [
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-04-07", "CPPendDate": "0000-00-00"},
        {"LAchildID": "A", "CINdetailsID": "1", "CPPID": "2", "CPPstartDate": "2024-09-07"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "1", "CPPstartDate": "2024-04-07", "CPPendDate": "2024-08-01"},
        {"LAchildID": "B", "CINdetailsID": "1", "CPPID": "2", "CPPstartDate": "2024-09-07"},
    ]  # fmt: skip
    assert cin_flagged(2025, "8935", cp_plans=plans) == {("cp_plans", 1), ("cp_plans", 2)}


# --------------------------------------------------------------------------- SSDA903


def _episode(child: str, start: str, rec: str | None = None, end: str | None = None, **more: str) -> dict:
    return {"CHILD": child, "DECOM": start, "RNE": "S", "LS": "C2", "PLACE": "U1", "DEC": end, "REC": rec, **more}


def test_199_an_episode_carried_over_from_last_year_is_not_counted_twice():
    # A: last year's return says the episode begun 16/07/2022 ended in adoption (E12); this year's return holds
    # the same episode (same start) still open, so it is that episode, not a later one: not flagged.
    # B: adopted last year (an episode ended E12), looked after again this year: flagged.
    last = {"episodes": [_episode("A", "16/07/2022", "E12"), _episode("B", "01/05/2023", "E12", "01/06/2024")]}
    this = {"episodes": [_episode("A", "16/07/2022"), _episode("B", "01/09/2024")]}
    assert ssda903_flagged(2025, "199", this, last) == {("episodes", 3)}


def test_434_a_postcode_or_urn_in_lower_case_is_the_same_placement():
    common = {"PLACE": "K2", "PLACE_PROVIDER": "PR4", "URN": "SC628882"}
    episodes = [
        {**_episode("A", "21/03/2025", "X1", "08/02/2026", PL_POST="QX10 1BZ"), **common, "LS": "C1"},
        {**_episode("A", "08/02/2026", PL_POST="qx10 1bz"), **common, "RNE": "L", "LS": "C2"},  # same placement
        {**_episode("B", "21/03/2025", "X1", "08/02/2026", PL_POST="QX10 1BZ"), **common, "LS": "C1"},
        {**_episode("B", "08/02/2026", PL_POST="QX11 1BZ"), **common, "RNE": "L", "LS": "C2"},  # moved
        {**_episode("C", "21/03/2025", "X1", "08/02/2026", PL_POST="QX10 1BZ"), **common, "LS": "C1"},
        {**_episode("C", "08/02/2026", PL_POST="QX10 1BZ"), **common, "RNE": "L", "LS": "C2", "URN": "sc628882"},
    ]
    assert ssda903_flagged(2026, "434", {"episodes": episodes}, {}) == {("episodes", 5)}


def test_503f_a_urn_in_lower_case_is_the_same_placement_as_last_year():
    last = {"episodes": [_episode("A", "01/12/2024", URN="XXXXXXX"), _episode("B", "01/12/2024", URN="SC000001")]}
    this = {"episodes": [_episode("A", "01/12/2024", "X1", "11/08/2025", URN="xxxxxxx"),
                         _episode("B", "01/12/2024", "X1", "11/08/2025", URN="SC000002")]}  # fmt: skip
    assert ssda903_flagged(2026, "503F", this, last) == {("episodes", 3)}


def test_sw12stg2_an_episode_whose_end_date_is_not_a_date_runs_to_31_march():
    # None of the three children has a social worker episode. A's episode (a period of care begun in
    # November 2023, reason ceased E17) has an end date that cannot be read, so it runs to 31 March 2026 and
    # is checked: flagged. B's ended on 1 February 2024, before the reporting period (from 1 April 2024):
    # not checked. C's ended on 1 June 2025, within it: flagged.
    episodes = [
        {**_episode("A", "12/11/2023", "E17", "00/00/0000"), "LS": "C2"},
        {**_episode("B", "12/11/2023", "E17", "01/02/2024"), "LS": "C2"},
        {**_episode("C", "12/11/2023", "E17", "01/06/2025"), "LS": "C2"},
    ]
    assert ssda903_flagged(2026, "SW12STG2", {"episodes": episodes}, {}) == {("episodes", 2), ("episodes", 4)}


def test_8736_an_assessment_authorised_on_an_invalid_date_is_not_completed():
    rows = [  # 2025-26: the census year is 1 April 2025 to 31 March 2026
        {"LAchildID": "A", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-02-20",
         "AssessmentAuthorisationDate": "2025-02-31"},  # not completed, began before the year
        {"LAchildID": "B", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-02-20",
         "AssessmentAuthorisationDate": "2025-02-28"},  # completed
        {"LAchildID": "C", "CINdetailsID": "1", "AssessmentID": "1", "AssessmentActualStartDate": "2025-05-20",
         "AssessmentAuthorisationDate": "2025-13-01"},  # not completed, began within the year
    ]  # fmt: skip
    assert cin_flagged(2026, "8736", assessments=rows) == {("assessments", 1)}


def test_8815_an_episode_closed_on_an_invalid_date_is_open():
    details = [
        {"LAchildID": "A", "CINdetailsID": "1", "CINclosureDate": "2025-13-01", "ReferralNFA": "false"},
        {"LAchildID": "A", "CINdetailsID": "2", "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "1", "CINclosureDate": "2025-12-01", "ReferralNFA": "false"},
        {"LAchildID": "B", "CINdetailsID": "2", "ReferralNFA": "false"},
    ]
    assert cin_flagged(2026, "8815", cin_details=details) == {("cin_details", 1), ("cin_details", 2)}
