"""Clusters: what each of the authority's clusters needs, and the most vulnerable children in each.

``/clusters`` (and ``GET /api/v1/clusters``): per cluster, the children and families known to two or more services,
school attendance and persistent absence, NEET, and the need for care, each with its 12-month trend
(``childhub.leaders.clusters``). Scrutiny sees them as at the last month end under disclosure control; everyone else
as at the day. Counted once per snapshot and clusters file; what is hidden is decided per viewer.

``/clusters/{cluster}/children`` (and its API): the most vulnerable children in a cluster by the declared rules, with
every reason in words, for admins, analysts and managers only (a manager sees the children of their teams' cases);
never scrutiny. Each list shown or downloaded is written to the audit log with its children.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.calendar import long_date
from childhub.disclosure import reference_date
from childhub.indicators import suppression_threshold
from childhub.leaders import (
    MEASURES,
    NO_CLUSTER,
    ClusterReport,
    Clusters,
    Rules,
    VulnerableChild,
    authority_attendance,
    child_clusters,
    cluster_figures,
    clusters_for,
    count_clusters,
    facts_read,
    month_ends,
    rule_findings,
    rules_for,
    vulnerable_children,
)
from childhub.web.charts import sparkline_svg
from childhub.web.deps import NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, link

ROLES = ("admin", "analyst", "manager", "scrutiny")
LIST_ROLES = ("admin", "analyst", "manager")  # who may see the children: never scrutiny
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["clusters"], dependencies=[Depends(require(*ROLES))])
# The lists of children: a second pair of routers for the narrower roles, included in the two above at the end.
children_router = APIRouter(dependencies=[Depends(require(*LIST_ROLES))])
children_api_router = APIRouter(tags=["clusters"], dependencies=[Depends(require(*LIST_ROLES))])


def _snapshot(request: Request):
    return context(request).served.current()


def _report(request: Request, signed: Signed, as_at: date | None) -> tuple[ClusterReport, Clusters]:
    """The figures per cluster as ``signed`` may see them (counted once per snapshot, date and clusters file)."""
    ctx = context(request)
    threshold = suppression_threshold(signed.role, ctx.small_number)
    day = reference_date(as_at or date.today(), threshold)
    clusters = clusters_for(ctx.data_dir)
    snapshot = _snapshot(request)
    days = [*month_ends(day), day]

    def count() -> tuple[Any, Any]:
        cursor = snapshot.cursor()
        return count_clusters(cursor, days, clusters), authority_attendance(cursor, days)

    counted, attendance = snapshot.memo(("clusters", day, clusters), count, reads=facts_read())
    report = cluster_figures(counted, day, clusters, threshold=threshold, attendance_totals=attendance)
    return report, clusters


def _findings(request: Request, day: date, clusters: Clusters, rules: Rules):
    """What every rule finds on ``day`` and every child's cluster (once per snapshot)."""
    snapshot = _snapshot(request)

    def find():
        cursor = snapshot.cursor()
        return rule_findings(cursor, day, rules), child_clusters(cursor, clusters)

    return snapshot.memo(("vulnerable", day, clusters, rules), find, reads=facts_read(rules))


def _visible(request: Request, signed: Signed, keys: list[str]) -> set[str]:
    """Which of ``keys`` ``signed`` may see (``web.scope.child_filter``, as every list of children)."""
    from childhub.web.scope import child_filter

    predicate, values = child_filter(signed, "k")
    if not keys or predicate in ("TRUE", "FALSE"):
        return set(keys) if predicate == "TRUE" else set()
    rows = (
        _snapshot(request)
        .cursor()
        .execute(f"SELECT k FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE {predicate}", [keys, *values])
    )
    return {row[0] for row in rows.fetchall()}


def _listed(request: Request, signed: Signed, day: date, cluster: str | None) -> tuple[list[VulnerableChild], Rules]:
    """The most vulnerable children ``signed`` may see (in ``cluster``, or in every cluster)."""
    ctx = context(request)
    clusters = clusters_for(ctx.data_dir)
    rules = rules_for(ctx.data_dir)
    findings, placed = _findings(request, day, clusters, rules)
    listed = vulnerable_children(findings, placed, rules, cluster=cluster)
    visible = _visible(request, signed, [child.child_key for child in listed])
    return [child for child in listed if child.child_key in visible], rules


def _cluster_named(request: Request, cluster: str) -> str:
    names = (*clusters_for(context(request).data_dir).names, NO_CLUSTER)
    if cluster not in names:
        raise NotFound(f"there is no cluster {cluster!r}; the clusters are {', '.join(names)}")
    return cluster


def _may_list(signed: Signed) -> bool:
    return signed.role in LIST_ROLES


def _page_rows(report: ClusterReport) -> list[dict[str, Any]]:
    """Each measure with, per cluster and for the authority, its figure now and a sparkline of its trend."""
    sections = []
    for figures in report.measures:
        rows = []
        for figure in (*figures.clusters, figures.authority):
            label = figure.cluster or "The authority"
            values = [point.value for _day, point in figure.trend]
            rows.append(
                {
                    "cluster": figure.cluster,
                    "label": label,
                    "now": figure.now,
                    "sparkline": sparkline_svg(values, f"{figures.measure.name}, {label}, monthly"),
                }
            )
        sections.append({"measure": figures.measure, "rows": rows})
    return sections


@router.get("/clusters", response_class=HTMLResponse)
def clusters_page(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """Each cluster's children and families known to two or more services, attendance, NEET and the need for care,
    with their trends; and, for those who may see children, how many each cluster's list of the most vulnerable
    holds."""
    report, clusters = _report(request, signed, as_at)
    listed_counts: dict[str, int] | None = None
    rules = None
    if _may_list(signed):
        listed, rules = _listed(request, signed, report.as_at, None)
        listed_counts = {}
        for child in listed:
            listed_counts[child.cluster] = listed_counts.get(child.cluster, 0) + 1
    return render(
        request,
        "clusters.html",
        signed,
        report=report,
        loaded=bool(clusters.names),
        sectors=len(clusters.sectors),
        schools=len(clusters.schools),
        sections=_page_rows(report),
        measures=MEASURES,
        trend_from=long_date(month_ends(report.as_at)[0]),
        listed_counts=listed_counts,
        rules=rules,
        scoped=signed.role == "manager",
        long_date=long_date,
    )


@api_router.get("/clusters", summary="Per cluster: services, attendance, NEET and the need for care, with trends")
def clusters_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """Every measure per cluster as at a date (scrutiny: the last month end, small numbers suppressed)."""
    report, clusters = _report(request, signed, as_at)
    shown = report.as_dict()
    shown["loaded"] = bool(clusters.names)
    return shown


def _children_view(request: Request, signed: Signed, cluster: str, as_at: date | None) -> dict[str, Any]:
    from childhub.web.exports import add_names

    name = _cluster_named(request, cluster)
    day = as_at or date.today()
    listed, rules = _listed(request, signed, day, name)
    rows = [
        {
            "child_key": child.child_key,
            "child_id": child.child_id,
            "reason_count": len(child.reasons),
            "reasons": [reason.detail for reason in child.reasons],
            "reasons_text": "; ".join(reason.detail for reason in child.reasons),
            "rules": [reason.rule for reason in child.reasons],
        }
        for child in listed
    ]
    add_names(_snapshot(request).cursor(), rows)
    return {"cluster": name, "as_at": day, "rules": rules, "rows": rows}


def _definition(rules: Rules) -> str:
    listed = "; ".join(f"{rule.words} ({rule.id})" for rule in rules.rules)
    return (
        f"Children under 18 found by at least {rules.min_reasons} of the declared rules in {rules.source}, most "
        f"reasons first (no score, no weight): {listed}."
    )


@children_router.get("/clusters/{cluster}/children", response_class=HTMLResponse)
def cluster_children(
    request: Request,
    cluster: str,
    as_at: date | None = None,
    format: Literal["csv", "xlsx"] | None = None,
    signed: Signed = Depends(signed_in),
):
    """The most vulnerable children in a cluster, each with every reason in words, by the declared rules; audited
    (``format``: the list as CSV or Excel, with names)."""
    view = _children_view(request, signed, cluster, as_at)
    rules: Rules = view["rules"]
    title = f"The most vulnerable children in {view['cluster']}" + (
        " (your teams' cases)" if signed.role == "manager" else ""
    )
    if format is not None:
        listing = ChildList(
            title=title,
            definition=_definition(rules),
            columns=[Column("Reasons", "reason_count"), Column("What the rules found", "reasons_text")],
            rows=view["rows"],
            as_at=view["as_at"],
            name="most-vulnerable-children",
            audited={"cluster": view["cluster"]},
        )
        return child_list_download(request, signed, format, listing)
    _audit_viewed(request, signed, view)
    path = request.url.path
    query = f"as_at={view['as_at'].isoformat()}"
    return render(
        request,
        "clusters_children.html",
        signed,
        **view,
        title=title,
        scoped=signed.role == "manager",
        csv_link=link(path, "csv", query),
        xlsx_link=link(path, "xlsx", query),
        long_date=long_date,
    )


def _audit_viewed(request: Request, signed: Signed, view: dict) -> None:
    """One ``view_vulnerable_children`` entry with the children shown (the page and the API alike)."""
    audit(
        request,
        signed,
        "view_vulnerable_children",
        subject=view["cluster"],
        child_count=len(view["rows"]),
        children=[row["child_key"] for row in view["rows"]],
        as_at=view["as_at"].isoformat(),
    )


@children_api_router.get(
    "/clusters/{cluster}/children", summary="The most vulnerable children in a cluster, with the reasons"
)
def cluster_children_json(
    request: Request, cluster: str, as_at: date | None = None, signed: Signed = Depends(signed_in)
) -> dict:
    """The most vulnerable children in a cluster by the declared rules (the children the account may see); audited."""
    view = _children_view(request, signed, cluster, as_at)
    _audit_viewed(request, signed, view)
    rules: Rules = view["rules"]
    return {
        "cluster": view["cluster"],
        "as_at": view["as_at"].isoformat(),
        "min_reasons": rules.min_reasons,
        "rules": [{"id": rule.id, "words": rule.words} for rule in rules.rules],
        "rules_file": rules.source,
        "children": [
            {
                "child_key": row["child_key"],
                "child_id": row["child_id"],
                "name": row.get("child_name"),
                "date_of_birth": row["date_of_birth"].isoformat() if row.get("date_of_birth") else None,
                "reasons": [
                    {"rule": rule_id, "detail": detail}
                    for rule_id, detail in zip(row["rules"], row["reasons"], strict=True)
                ],
            }
            for row in view["rows"]
        ],
    }


router.include_router(children_router)
api_router.include_router(children_api_router)
