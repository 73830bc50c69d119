"""What leaders and councillors read: the scrutiny pack, commentary, comparators (England, region, statistical
neighbours), the self-evaluation, case file audits and children's surveys, clusters and the most vulnerable
children, and the front door's demand with a projection of children in care.

A reader of the facts, beside the indicators. What people write here (commentary, the self-evaluation's narrative)
and what an authority loads that is not about a child (published comparators) is kept in the hub database
(``childhub.store.hub``) with its history; case file audits and survey responses are source data, ingested through
a mapping like any other, and read from their facts.
"""

from childhub.leaders.commentary import Comment, comment_history, current_comment, period_of, write_comment
from childhub.leaders.comparators import Comparison, Neighbour, comparison_for
from childhub.leaders.practice import (
    AuditMonth,
    AuditSummary,
    SurveyResult,
    audit_summary,
    audited_children,
    audits_by_month,
    practice_window,
    survey_results,
    themes_for,
)

__all__ = [
    "AuditMonth",
    "AuditSummary",
    "Comment",
    "Comparison",
    "Neighbour",
    "SurveyResult",
    "audit_summary",
    "audited_children",
    "audits_by_month",
    "comment_history",
    "comparison_for",
    "current_comment",
    "period_of",
    "practice_window",
    "survey_results",
    "themes_for",
    "write_comment",
]
