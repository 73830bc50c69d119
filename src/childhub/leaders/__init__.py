"""What leaders and councillors read: the scrutiny pack, commentary, comparators (England, region, statistical
neighbours), the self-evaluation, case file audits and children's surveys, clusters and the most vulnerable
children, and the front door's demand with a projection of children in care.

A reader of the facts, beside the indicators. What people write here (commentary, the self-evaluation's narrative)
and what an authority loads that is not about a child (published comparators) is kept in the hub database
(``childhub.store.hub``) with its history; case file audits and survey responses are source data, ingested through
a mapping like any other, and read from their facts.
"""

from childhub.leaders.commentary import (
    Change,
    Comment,
    CommentaryError,
    changes,
    check_period,
    comment_history,
    current_comment,
    period_of,
    with_changes,
    write_comment,
)
from childhub.leaders.comparators import Comparison, Neighbour, comparison_for
from childhub.leaders.evaluation import (
    QUESTIONS,
    Evidence,
    Narrative,
    SelfEvaluationError,
    ServiceEvidence,
    check_section,
    gather_evidence,
    narrative,
    narrative_history,
    restore_narrative,
    self_evaluation_document,
    service_evidence,
    write_narrative,
)
from childhub.leaders.practice import AuditSummary, SurveyResult, audit_summary, survey_results

__all__ = [
    "AuditSummary",
    "Change",
    "Comment",
    "CommentaryError",
    "Comparison",
    "Neighbour",
    "SurveyResult",
    "audit_summary",
    "changes",
    "check_period",
    "comment_history",
    "with_changes",
    "comparison_for",
    "current_comment",
    "period_of",
    "survey_results",
    "write_comment",
    # the self-evaluation
    "QUESTIONS",
    "Evidence",
    "Narrative",
    "SelfEvaluationError",
    "ServiceEvidence",
    "check_section",
    "gather_evidence",
    "narrative",
    "narrative_history",
    "restore_narrative",
    "self_evaluation_document",
    "service_evidence",
    "write_narrative",
]
