"""What leaders and councillors read: the scrutiny pack, commentary, comparators (England, region, statistical
neighbours), the self-evaluation, case file audits and children's surveys, clusters and the most vulnerable
children, and the front door's demand with a projection of children in care.

A reader of the facts, beside the indicators. What people write here (commentary, the self-evaluation's narrative)
and what an authority loads that is not about a child (published comparators) is kept in the hub database
(``childhub.store.hub``) with its history; case file audits and survey responses are source data, ingested through
a mapping like any other, and read from their facts.
"""

from childhub.leaders.clusters import (
    MEASURES,
    NO_CLUSTER,
    ClusterError,
    ClusterReport,
    Clusters,
    Placed,
    Reason,
    Rules,
    VulnerableChild,
    authority_attendance,
    child_clusters,
    cluster_figures,
    cluster_report,
    clusters_for,
    clusters_path,
    count_clusters,
    facts_read,
    load_clusters,
    month_ends,
    read_clusters,
    read_rules,
    rule_findings,
    rules_for,
    vulnerable_children,
)
from childhub.leaders.commentary import Comment, comment_history, current_comment, period_of, write_comment
from childhub.leaders.comparators import Comparison, Neighbour, comparison_for
from childhub.leaders.demand import (
    FUNNEL_LEVELS,
    NO_TEAM,
    OPEN_CASE,
    RULES,
    CareProjection,
    FrontDoor,
    care_projection,
    front_door,
    funnel_limits,
    project,
    published_front_door,
    published_projection,
    window_for,
)
from childhub.leaders.practice import AuditSummary, SurveyResult, audit_summary, survey_results

__all__ = [
    # the front door and the projection of children in care (leaders.demand)
    "FUNNEL_LEVELS",
    "NO_TEAM",
    "OPEN_CASE",
    "RULES",
    "CareProjection",
    "FrontDoor",
    "care_projection",
    "front_door",
    "funnel_limits",
    "project",
    "published_front_door",
    "published_projection",
    "window_for",
    "AuditSummary",
    "Comment",
    "Comparison",
    "Neighbour",
    "SurveyResult",
    "audit_summary",
    "comment_history",
    "comparison_for",
    "current_comment",
    "period_of",
    "survey_results",
    "write_comment",
    # clusters and the most vulnerable children
    "MEASURES",
    "NO_CLUSTER",
    "ClusterError",
    "ClusterReport",
    "Clusters",
    "Placed",
    "Reason",
    "Rules",
    "VulnerableChild",
    "authority_attendance",
    "child_clusters",
    "cluster_figures",
    "cluster_report",
    "clusters_for",
    "clusters_path",
    "count_clusters",
    "facts_read",
    "load_clusters",
    "month_ends",
    "read_clusters",
    "read_rules",
    "rule_findings",
    "rules_for",
    "vulnerable_children",
]
