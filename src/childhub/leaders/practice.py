"""The quality behind the numbers: case file audits and the voice of children in care and care leavers.

FOUNDATION STUB (issue 16): the practice helper adds the canonical tables (case audits, survey responses), their
facts, mappings and the synthetic authority's own, and implements these readers. The names, signatures and fields
are the contract the indicator page, the scrutiny pack and the self-evaluation read; add, do not rename.
Counts come back already under disclosure control for ``threshold`` (``childhub.disclosure``: a small count is
"[c]"); ``threshold=0`` hides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from childhub.indicators import Indicator

Count = int | str  # a count, or "[c]" when it is small under the threshold


@dataclass(frozen=True)
class AuditSummary:
    """Case file audits completed in a window: how many, by grade (in words, best first) and by theme."""

    start: date
    end: date
    audits: Count
    by_grade: tuple[tuple[str, Count], ...]
    by_theme: tuple[tuple[str, Count], ...]
    good_or_better: float | None  # percent of audits graded good or outstanding (None when suppressed or none)


@dataclass(frozen=True)
class SurveyResult:
    """One question of a survey of children in care or care leavers in one period: each answer's count."""

    survey: str  # in words: "Children in care survey"
    period: str  # as the survey names it: "2026 autumn"
    question: str
    respondents: Count
    answers: tuple[tuple[str, Count], ...]


def audit_summary(
    cursor: duckdb.DuckDBPyConnection,
    as_at: date,
    *,
    months: int = 12,
    indicator: Indicator | None = None,
    threshold: int = 0,
) -> AuditSummary | None:
    """Audits completed in the ``months`` to ``as_at``; with ``indicator``, only those whose themes bear on it.
    None when there are none."""
    return None


def survey_results(
    cursor: duckdb.DuckDBPyConnection, as_at: date, *, months: int = 12, threshold: int = 0
) -> list[SurveyResult]:
    """Every survey question answered in the ``months`` to ``as_at``, by period, with each answer's count."""
    return []
