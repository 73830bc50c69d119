"""The quality behind the numbers: case file audits and the voice of children in care and care leavers.

Case file audits (``fact_case_audit``, ``fact_case_audit_theme``) and survey answers (``fact_survey_response``) are
source data, loaded through a mapping like any extract (docs/practice-quality.md). These readers count them for a
window of months to a day, for the practice quality page, the indicator page, the scrutiny pack and the
self-evaluation. The names, signatures and fields are the contract those read; add, do not rename.

Counts come back already under disclosure control for ``threshold`` (``childhub.disclosure``), ``threshold=0``
hiding nothing:

- the window ends at the reference date (``disclosure.reference_date``: the last month end, under a threshold), so
  two days' counts cannot be subtracted;
- a total from 1 to ``threshold - 1`` is "[c]" and nothing under it is shown;
- the counts by grade, and each question's counts by answer, are a breakdown of their total: small ones are "[c]"
  and more are hidden (``disclosure.protect_breakdown``) until none can be worked out from the total minus the rest;
- the percent good or better is shown only when it gives nothing away: when the hidden grades all lie on one side
  of "good or better" (their sum on that side is then known anyway);
- counts by theme are separate counts (an audit looks at several themes), each "[c]" when small;
- counts by month (``audits_by_month``) are a trend: small counts "[c]", the others rounded to the nearest 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from childhub.codes import code_set, label
from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.disclosure import (
    NO_THRESHOLD,
    SUPPRESSED,
    is_small,
    protect_breakdown,
    reference_date,
    round_count,
    suppress,
)
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import duckdb

    from childhub.indicators import Indicator

Count = int | str  # a count, or "[c]" when it is small under the threshold

GRADE_SET = "case_audit_grade"
THEME_SET = "case_audit_theme"
RESPONDENT_SET = "survey_respondent_group"
GOOD_OR_BETTER = ("outstanding", "good")
THEMES_FILE = Path(__file__).with_name("audit_themes.yml")

PRACTICE_READS = ("case_audit", "case_audit_theme", "survey_response")  # the facts these readers read


class PracticeError(ChildhubError):
    """The declared map of audit themes to indicators is broken; the message names the file and field."""


@dataclass(frozen=True)
class AuditSummary:
    """Case file audits completed in a window: how many, by grade (in words, best first) and by theme."""

    start: date
    end: date
    audits: Count
    by_grade: tuple[tuple[str, Count], ...]
    by_theme: tuple[tuple[str, Count], ...]
    good_or_better: float | None  # percent of audits graded good or outstanding (None when suppressed or none)
    themes: tuple[str, ...] = ()  # with an indicator: the themes (in words) that bear on it


@dataclass(frozen=True)
class SurveyResult:
    """One question of a survey of children in care or care leavers in one period: each answer's count."""

    survey: str  # in words: "Children in care survey"
    period: str  # as the survey names it: "2026 autumn"
    question: str
    respondents: Count
    answers: tuple[tuple[str, Count], ...]


@dataclass(frozen=True)
class AuditMonth:
    """Audits completed in one month, by grade (in words, best first): counts, or "[c]", rounded under a threshold."""

    month: date  # its first day
    audits: Count
    by_grade: tuple[tuple[str, Count], ...]


class ThemeLinks(Frozen):
    """What one audit theme bears on: indicator groups (every indicator in them) and single indicators."""

    groups: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()


class AuditThemes(Frozen):
    """``audit_themes.yml``: each theme (a case_audit_theme code) and the indicators it bears on."""

    themes: dict[str, ThemeLinks] = Field(min_length=1)


@cache
def _facts_ready(cursor: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``cursor`` with the audit and survey facts: a served snapshot holds them already; a connection of the
    command line's own (the pack, the self-evaluation) builds them once (``facts.prepare``)."""
    from childhub.facts import prepare

    found = cursor.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fact_survey_response'"
        " UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = 'fact_survey_response'"
    ).fetchall()
    if not any(count for (count,) in found):
        prepare(cursor, list(PRACTICE_READS))
    return cursor


def audit_themes() -> AuditThemes:
    """The declared map of audit themes to indicators, checked against the code set and the indicator library."""
    from childhub.indicators import GROUPS, library

    problems = Problems()
    declared = load_yaml(THEMES_FILE, AuditThemes, problems)
    if declared is not None:
        known_themes = {code.code for code in code_set(THEME_SET).codes}
        known_ids = set(library())
        for theme, links in declared.themes.items():
            if theme not in known_themes:
                problems.add(THEMES_FILE.name, f"themes.{theme}", f"not a theme of {THEME_SET}")
            for group in links.groups:
                if group not in GROUPS:
                    problems.add(THEMES_FILE.name, f"themes.{theme}.groups", f"no indicator group {group!r}")
            for ind in links.indicators:
                if ind not in known_ids:
                    problems.add(THEMES_FILE.name, f"themes.{theme}.indicators", f"no indicator {ind!r}")
    raise_if_any(problems, THEMES_FILE.name, PracticeError)
    assert declared is not None
    return declared


def themes_for(indicator: Indicator) -> tuple[str, ...]:
    """The audit themes (codes, in the code set's order) that bear on ``indicator``."""
    declared = audit_themes().themes
    order = [code.code for code in code_set(THEME_SET).codes]
    return tuple(
        theme
        for theme in order
        if theme in declared
        and (indicator.group in declared[theme].groups or indicator.id in declared[theme].indicators)
    )


def practice_window(as_at: date, months: int, threshold: int = NO_THRESHOLD) -> tuple[date, date]:
    """The first and last day of the ``months`` to ``as_at`` (to the last month end under a threshold)."""
    end = reference_date(as_at, threshold)
    return _months_before(end, months) + timedelta(days=1), end


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has no such day: 31 March -> 28 February)."""
    import calendar

    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _grades() -> list[str]:
    return [code.code for code in code_set(GRADE_SET).codes]  # best first, as the code set lists them


def _words(set_id: str, code: str) -> str:
    return label(set_id, code) or code


def _protected(total: int, counts: list[int], threshold: int) -> tuple[Count, list[Count] | None, set[int]]:
    """A total and its breakdown as shown under ``threshold``: the total, the cells (None: none shown), the hidden."""
    if threshold <= NO_THRESHOLD:
        return total, list(counts), set()
    if is_small(total, threshold):
        return SUPPRESSED, None, set()
    rows = [{"numerator": count, "denominator": None, "children": None} for count in counts]
    protection = protect_breakdown({"numerator": total, "denominator": None}, rows, threshold)
    if protection.withheld:
        return total, None, set()
    hidden = set(protection.hidden)
    return total, [SUPPRESSED if i in hidden else count for i, count in enumerate(counts)], hidden


def audit_summary(
    cursor: duckdb.DuckDBPyConnection,
    as_at: date,
    *,
    months: int = 12,
    indicator: Indicator | None = None,
    threshold: int = 0,
) -> AuditSummary | None:
    """Audits completed in the ``months`` to ``as_at``; with ``indicator``, only those whose themes bear on it.

    With an indicator, each audit is graded by its own grade for those themes where it gave one (the lowest, if
    several), else by its overall grade. None when there are none (or no theme bears on the indicator)."""
    cursor = _facts_ready(cursor)
    start, end = practice_window(as_at, months, threshold)
    themes: tuple[str, ...] = ()
    if indicator is None:
        audits = cursor.execute(
            "SELECT audit_id, grade, themes FROM fact_case_audit "
            "WHERE audit_date BETWEEN ? AND ? AND grade IS NOT NULL",
            [start, end],
        ).fetchall()
    else:
        themes = themes_for(indicator)
        if not themes:
            return None
        audits = cursor.execute(
            """
            SELECT a.audit_id,
                   coalesce(arg_max(t.theme_grade, r.rank) FILTER (WHERE t.theme_grade IS NOT NULL), a.grade),
                   a.themes
            FROM fact_case_audit a
            JOIN fact_case_audit_theme t ON t.audit_id = a.audit_id AND t.child_key = a.child_key
            LEFT JOIN (SELECT unnest($grades) AS grade, generate_subscripts($grades, 1) AS rank) r
                   ON r.grade = t.theme_grade
            WHERE a.audit_date BETWEEN $start AND $end AND a.grade IS NOT NULL AND list_contains($themes, t.theme)
            GROUP BY a.audit_id, a.child_key, a.grade, a.themes
            """,
            {"grades": _grades(), "start": start, "end": end, "themes": list(themes)},
        ).fetchall()
    if not audits:
        return None
    grades = _grades()
    counts = [sum(1 for _, grade, _ in audits if grade == code) for code in grades]
    total = len(audits)
    shown_total, cells, hidden = _protected(total, counts, threshold)
    by_grade = tuple(zip((_words(GRADE_SET, g) for g in grades), cells, strict=True)) if cells is not None else ()
    good = sum(count for code, count in zip(grades, counts, strict=True) if code in GOOD_OR_BETTER)
    sides = {grades[i] in GOOD_OR_BETTER for i in hidden}
    good_or_better = None
    if cells is not None and len(sides) <= 1 and not (threshold > NO_THRESHOLD and is_small(good, threshold)):
        good_or_better = round(100 * good / total, 1)
    theme_order = [code.code for code in code_set(THEME_SET).codes]
    theme_counts = [(t, sum(1 for _, _, audited in audits if t in audited)) for t in theme_order]
    by_theme = ()
    if shown_total != SUPPRESSED:
        by_theme = tuple((_words(THEME_SET, t), suppress(n, threshold)) for t, n in theme_counts if n)
    return AuditSummary(
        start=start,
        end=end,
        audits=shown_total,
        by_grade=by_grade,
        by_theme=by_theme,
        good_or_better=good_or_better,
        themes=tuple(_words(THEME_SET, t) for t in themes),
    )


def audits_by_month(
    cursor: duckdb.DuckDBPyConnection, as_at: date, *, months: int = 12, threshold: int = 0
) -> list[AuditMonth]:
    """Audits completed in each of the ``months`` to ``as_at``, oldest first, by grade (a trend).

    Under a threshold each count is "[c]" when small and otherwise rounded to the nearest 5
    (``disclosure.round_count``)."""
    cursor = _facts_ready(cursor)
    start, end = practice_window(as_at, months, threshold)
    rows = cursor.execute(
        "SELECT date_trunc('month', audit_date)::DATE AS month, grade, count(*) FROM fact_case_audit "
        "WHERE audit_date BETWEEN ? AND ? AND grade IS NOT NULL GROUP BY ALL",
        [start, end],
    ).fetchall()
    found = {(month, grade): count for month, grade, count in rows}
    grades = _grades()

    def shown(count: int) -> Count:
        if threshold <= NO_THRESHOLD or count == 0:
            return count
        return SUPPRESSED if is_small(count, threshold) else round_count(count)

    result = []
    month = start.replace(day=1)
    while month <= end:
        counts = [found.get((month, g), 0) for g in grades]
        result.append(
            AuditMonth(
                month=month,
                audits=shown(sum(counts)),
                by_grade=tuple((_words(GRADE_SET, g), shown(c)) for g, c in zip(grades, counts, strict=True)),
            )
        )
        month = (month + timedelta(days=32)).replace(day=1)
    return result


def audited_children(cursor: duckdb.DuckDBPyConnection, as_at: date, *, months: int = 12) -> list[dict[str, Any]]:
    """Every audit completed in the ``months`` to ``as_at``, newest first, with its child.

    Each: the child (``child_key``), the day, the auditor, the grade and the themes in words. For those who may see
    children: the caller filters by scope and audits the read."""
    cursor = _facts_ready(cursor)
    start, end = practice_window(as_at, months)
    order = [code.code for code in code_set(THEME_SET).codes]
    rows = cursor.execute(
        "SELECT audit_id, child_key, child_id, person_id, audit_date, auditor, grade, themes FROM fact_case_audit "
        "WHERE audit_date BETWEEN ? AND ? ORDER BY audit_date DESC, audit_id",
        [start, end],
    ).fetchall()
    return [
        {
            "audit_id": audit_id,
            "child_key": child_key,
            "child_id": child_id,
            "person_id": person_id,
            "audit_date": audit_date,
            "auditor": auditor,
            "grade": _words(GRADE_SET, grade) if grade else None,
            "themes": "; ".join(_words(THEME_SET, t) for t in order if t in themes),
        }
        for audit_id, child_key, child_id, person_id, audit_date, auditor, grade, themes in rows
    ]


def survey_results(
    cursor: duckdb.DuckDBPyConnection, as_at: date, *, months: int = 12, threshold: int = 0
) -> list[SurveyResult]:
    """Every survey question answered in the ``months`` to ``as_at``, by period, with each answer's count.

    Surveys in name order, each one's periods oldest first (by their first answer), questions in name order,
    answers most given first (over every period of the question, so a question reads the same in each period), or
    under a threshold in name order (an order by count would say which of two hidden answers is the larger).
    ``respondents`` counts those who answered the question; under a threshold the answers are a protected breakdown
    of it."""
    cursor = _facts_ready(cursor)
    start, end = practice_window(as_at, months, threshold)
    rows = cursor.execute(
        """
        SELECT survey, period, min(min(response_date)) OVER (PARTITION BY survey, period) AS began, question, answer,
               count(DISTINCT response_id) AS answered
        FROM fact_survey_response
        WHERE response_date BETWEEN ? AND ?
        GROUP BY survey, period, question, answer
        """,
        [start, end],
    ).fetchall()
    answer_totals: dict[tuple[str, str], dict[str, int]] = {}
    questions: dict[tuple[str, date, str, str], dict[str, int]] = {}
    for survey, period, began, question, answer, answered in rows:
        questions.setdefault((survey, began, period, question), {})[answer] = answered
        totals = answer_totals.setdefault((survey, question), {})
        totals[answer] = totals.get(answer, 0) + answered
    results = []
    for (survey, _began, period, question), counts in sorted(questions.items()):
        given = answer_totals[(survey, question)]
        if threshold > NO_THRESHOLD:  # an order by count would say which of two hidden answers is the larger
            answers = sorted(given)
        else:
            answers = sorted(given, key=lambda answer: (-given[answer], answer))
        cells_in = [counts.get(answer, 0) for answer in answers]
        total, cells, _hidden = _protected(sum(cells_in), cells_in, threshold)
        results.append(
            SurveyResult(
                survey=survey,
                period=period,
                question=question,
                respondents=total,
                answers=tuple(zip(answers, cells, strict=True)) if cells is not None else (),
            )
        )
    return results
