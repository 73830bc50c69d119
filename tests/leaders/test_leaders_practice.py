"""leaders.practice: case file audits and survey answers counted for a window, with disclosure control.

Every figure is worked out by hand from the rows each test writes. The window is the 12 months to the day asked
(1 April 2025 to 31 March 2026 for 31 March 2026); under a threshold it ends at the last month end.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from childhub.facts import prepare
from childhub.indicators import indicator
from childhub.leaders import AuditSummary, SurveyResult, audit_summary, survey_results
from childhub.leaders.practice import audit_themes, audits_by_month, practice_window, themes_for

AS_AT = date(2026, 3, 31)
FACTS = ["case_audit", "case_audit_theme", "survey_response"]
CODES = ("outstanding", "good", "requires_improvement", "inadequate")
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
_numbers = itertools.count(1)


def _audits(history, grade: str, count: int, on: date = date(2025, 10, 15), themes=(), theme_grade=None) -> None:
    for _ in range(count):
        audit_id = f"A{next(_numbers)}"
        history.add("case_audits", caud_audit_id=audit_id, caud_person_id=f"P{audit_id}", caud_audit_date=on,
                    caud_overall_grade=grade, caud_auditor="Sam Reid")  # fmt: skip
        for theme in themes:
            history.add("case_audit_themes", cath_audit_id=audit_id, cath_person_id=f"P{audit_id}",
                        cath_theme=theme, cath_theme_grade=theme_grade)  # fmt: skip


def _answers(history, question: str, answers: dict[str, int], on: date = date(2025, 11, 20), period="2025 autumn"):
    for answer, count in answers.items():
        for _ in range(count):
            history.add("survey_responses", "surveys", srvy_response_id=f"R{next(_numbers)}",
                        srvy_survey="Children in care survey", srvy_period=period, srvy_response_date=on,
                        srvy_respondent_group="child_in_care", srvy_question=question, srvy_answer=answer)  # fmt: skip


@pytest.fixture
def read(history):
    def reader(call, *args, **kwargs):
        with history.store().reader() as conn:
            prepare(conn, FACTS)
            return call(conn, *args, **kwargs)

    return reader


def test_the_window_is_the_months_to_the_day_and_to_the_last_month_end_under_a_threshold():
    assert practice_window(AS_AT, 12) == (date(2025, 4, 1), date(2026, 3, 31))
    # 12 months before 29 February 2024 is 28 February 2023 (no 29th), so the window starts the day after
    assert practice_window(date(2024, 2, 29), 12) == (date(2023, 3, 1), date(2024, 2, 29))
    assert practice_window(date(2026, 3, 15), 12, threshold=10) == (date(2025, 3, 1), date(2026, 2, 28))
    assert practice_window(date(2026, 3, 15), 12) == (date(2025, 3, 16), date(2026, 3, 15))


def test_audits_in_the_window_by_grade_best_first_by_theme_and_the_share_good_or_better(history, read):
    _audits(history, "good", 1, on=date(2025, 3, 31))  # the day before the window: left out
    _audits(history, "outstanding", 1, on=date(2025, 4, 1), themes=("assessment",))
    _audits(history, "good", 2, themes=("assessment", "visits"))
    _audits(history, "requires_improvement", 3, themes=("visits",))
    _audits(history, "inadequate", 1, on=date(2026, 3, 31))
    _audits(history, "good", 1, on=date(2026, 4, 1))  # after the day: left out
    summary = read(audit_summary, AS_AT)
    # 7 audits: 1 outstanding + 2 good = 3 good or better, 3/7 = 42.857...%
    assert summary == AuditSummary(
        start=date(2025, 4, 1),
        end=AS_AT,
        audits=7,
        by_grade=tuple(zip(GRADES, (1, 2, 3, 1), strict=True)),
        by_theme=(("Assessment", 3), ("Visits", 5)),
        good_or_better=42.9,
    )


def test_no_audit_in_the_window_is_none(history, read):
    _audits(history, "good", 2, on=date(2024, 1, 1))
    assert read(audit_summary, AS_AT) is None


def test_a_small_grade_count_is_hidden_with_another_so_it_cannot_be_recovered_from_the_total(history, read):
    # 3 outstanding, 40 good, 20 requiring improvement, 12 inadequate: 75. Under 10 the 3 is [c]; alone it would be
    # 75 - 40 - 20 - 12, so the next smallest (12) is hidden too; the hidden cells lie on both sides of "good or
    # better", whose share (43/75) would give the 3 away, so it is not shown.
    for grade, count in zip(CODES, (3, 40, 20, 12), strict=True):
        _audits(history, grade, count, themes=("planning",) if grade == "good" else ())
    summary = read(audit_summary, AS_AT, threshold=10)
    assert summary.audits == 75
    assert summary.by_grade == tuple(zip(GRADES, ("[c]", 40, 20, "[c]"), strict=True))
    assert summary.good_or_better is None
    assert summary.by_theme == (("Planning", 40),)
    assert read(audit_summary, AS_AT).good_or_better == round(100 * 43 / 75, 1)  # 57.3 with nothing hidden


def test_good_or_better_is_shown_when_the_hidden_grades_are_on_one_side_of_it(history, read):
    # 5 outstanding and 6 good are hidden (each small; together 11, not recoverable); good or better is 11 of 61
    # whichever way they split: 18.0%.
    for grade, count in zip(CODES, (5, 6, 30, 20), strict=True):
        _audits(history, grade, count)
    summary = read(audit_summary, AS_AT, threshold=10)
    assert summary.by_grade == tuple(zip(GRADES, ("[c]", "[c]", 30, 20), strict=True))
    assert summary.good_or_better == 18.0


def test_a_small_total_hides_everything_under_it(history, read):
    _audits(history, "good", 4, themes=("visits",))
    summary = read(audit_summary, AS_AT, threshold=10)
    assert (summary.audits, summary.by_grade, summary.by_theme, summary.good_or_better) == ("[c]", (), (), None)


def test_with_an_indicator_only_audits_of_its_themes_count_each_graded_for_those_themes(history, read):
    # Children looked after (group children_in_care) is borne on by the permanence theme only.
    _audits(history, "good", 1, themes=("permanence",), theme_grade="inadequate")  # graded for permanence
    _audits(history, "requires_improvement", 1, themes=("permanence", "planning"))  # no theme grade: overall
    _audits(history, "outstanding", 1, themes=("assessment",))  # not about permanence
    assert themes_for(indicator("cla_count")) == ("permanence",)
    summary = read(audit_summary, AS_AT, indicator=indicator("cla_count"))
    assert (summary.audits, summary.good_or_better, summary.themes) == (2, 0.0, ("Permanence",))
    assert summary.by_grade == tuple(zip(GRADES, (0, 0, 1, 1), strict=True))
    # the assessment audit bears on the assessment indicators
    found = read(audit_summary, AS_AT, indicator=indicator("assessments_45wd"))
    assert (found.audits, found.by_grade[0], found.good_or_better) == (1, ("Outstanding", 1), 100.0)
    assert read(audit_summary, AS_AT, indicator=indicator("care_leavers_in_touch")) is None  # no theme bears on it


def test_the_declared_themes_name_known_themes_groups_and_indicators():
    declared = audit_themes().themes
    assert set(declared) == {"assessment", "planning", "visits", "voice_of_the_child", "management_oversight",
                             "permanence"}  # fmt: skip
    assert themes_for(indicator("cp_seen_alone")) == ("planning", "visits", "voice_of_the_child")


def test_audits_by_month_are_counts_or_rounded_under_a_threshold(history, read):
    _audits(history, "good", 12, on=date(2026, 1, 10))
    _audits(history, "inadequate", 3, on=date(2026, 1, 20))
    _audits(history, "good", 2, on=date(2026, 3, 5))
    months = read(audits_by_month, AS_AT, months=3)
    assert [(m.month, m.audits, dict(m.by_grade)["Good"], dict(m.by_grade)["Inadequate"]) for m in months] == [
        (date(2026, 1, 1), 15, 12, 3),
        (date(2026, 2, 1), 0, 0, 0),
        (date(2026, 3, 1), 2, 2, 0),
    ]
    # under 10: 15 -> 15, 12 -> 10 (the nearest 5), 3 and 2 -> [c]
    shown = read(audits_by_month, AS_AT, months=3, threshold=10)
    assert [(m.audits, dict(m.by_grade)["Good"], dict(m.by_grade)["Inadequate"]) for m in shown] == [
        (15, 10, "[c]"),
        (0, 0, 0),
        ("[c]", "[c]", 0),
    ]


def test_survey_answers_by_question_and_period_with_a_small_answer_and_another_hidden(history, read):
    question = "Do you feel safe where you live?"
    _answers(history, question, {"Yes": 30, "Sometimes": 3, "No": 12})
    _answers(history, question, {"Yes": 2}, on=date(2025, 3, 1), period="2024 autumn")  # before the window
    plain = read(survey_results, AS_AT)
    assert plain == [
        SurveyResult("Children in care survey", "2025 autumn", question, 45,
                     (("Yes", 30), ("No", 12), ("Sometimes", 3)))
    ]  # fmt: skip
    # under 10: the 3 is [c], and 45 - 30 - 12 would give it back, so the 12 is hidden too (3 + 12 = 15 hidden);
    # the answers in name order, so their order does not say which hidden one is the larger
    [shown] = read(survey_results, AS_AT, threshold=10)
    assert (shown.respondents, shown.answers) == (45, (("No", "[c]"), ("Sometimes", "[c]"), ("Yes", 30)))


def test_a_question_few_answered_shows_no_answers_under_a_threshold(history, read):
    _answers(history, "Do you know who your social worker is?", {"Yes": 6, "No": 1})
    [shown] = read(survey_results, AS_AT, threshold=10)
    assert (shown.respondents, shown.answers) == ("[c]", ())
    [plain] = read(survey_results, AS_AT)
    assert (plain.respondents, plain.answers) == (7, (("Yes", 6), ("No", 1)))
