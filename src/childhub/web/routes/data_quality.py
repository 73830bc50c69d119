"""Data quality: the findings of the DfE's return rules and childhub's checks across systems, per rule, system,
team and worker, with their trend (open errors each day, new since yesterday, fixed in the last week); each
finding opens on the child and names the source system and record to fix; fix lists download as CSV or Excel;
a finding can be accepted with a reason (audited) until its record changes.

The findings are those ``childhub dq`` (or the check after every ingest) recorded, read from the published
snapshot through ``childhub.web.pages.quality``. Open to admins, analysts and managers; a manager sees the
findings about the children they may see (``childhub.web.scope``). Every view and download names its children
in the audit log; a download also records how many rows it held.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from childhub.errors import ChildhubError, StoreError
from childhub.web.deps import Conflict, NotFound, Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download
from childhub.web.pages import quality
from childhub.web.scope import child_filter

ROLES = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["data quality"], dependencies=[Depends(require(*ROLES))])
PER_PAGE = 50  # findings listed on one page; the fix list holds them all
GROUPS_SHOWN = 25  # rows of each "by rule / system / team / worker" table
SHOW = {"all": "Every open finding", "open": "Not accepted", "accepted": "Accepted"}
FIX_COLUMNS = (
    "rule",
    "return",
    "severity",
    "collection year",
    "what is wrong",
    "system",
    "record to fix",
    "fields",
    "the values",
    "child",
    "child's name",
    "team",
    "worker",
    "first seen",
    "accepted by",
    "why accepted",
    "finding",
)


def _filters(
    kind: str | None = None,
    rule: str | None = None,
    system: str | None = None,
    team: str | None = None,
    worker: str | None = None,
    year: str | None = None,
    show: str | None = None,
) -> dict[str, Any]:
    """The filters asked for, blanks dropped; a year that is not a year is refused in words."""
    year = (year or "").strip()
    if year and not (year.isdigit() and len(year) == 4):
        raise ChildhubError(
            f"the collection year is four digits, the year of its 31 March (2026 for 2025-26), not {year!r}"
        )
    if show and show not in SHOW:
        raise ChildhubError(f"show is one of {', '.join(SHOW)}, not {show!r}")
    rule = (rule or "").strip()
    if " " in rule:  # "ssda903 202": the rule of one return (codes repeat between returns)
        kind, rule = rule.split(" ", 1)
    values = {"kind": kind, "rule": rule, "system": system, "team": team, "worker": worker, "year": year, "show": show}
    return {name: value.strip() for name, value in values.items() if value and value.strip() and value != "all"}


def _query(filters: dict[str, Any], **more: Any) -> str:
    return urlencode({**filters, **more})


def _scope(signed: Signed) -> quality.Scope:
    predicate, values = child_filter(signed, "f.child_key")
    return predicate, values


def _subject(filters: dict[str, Any]) -> str:
    return " ".join(f"{name}={value}" for name, value in filters.items()) or "every finding"


def _children(found: list[dict[str, Any]]) -> list[str]:
    return sorted({f["child_key"] for f in found if f["child_key"]})


def _lines(found: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            f["rule"],
            f["return_name"],
            f["severity"],
            f["year_label"],
            f["message"],
            f["system_name"],
            f["source_record"],
            f["fields"],
            f["detail"],
            f["child_key"] or f["child_id"],
            f["child_name"],
            f["team_label"],
            f["worker_label"],
            f["first_seen"].date(),
            f["accepted_by"] if f["accepted"] else None,
            f["accepted_reason"] if f["accepted"] else None,
            f["finding_key"],
        ]
        for f in found
    ]


def _trend_chart(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Open errors and open queries at the end of each day, as a Plotly figure."""
    days = [p["day"].isoformat() for p in points]
    # one day so far: a week either side, so the axis reads in days, not hours
    span = (
        {
            "range": [
                (points[0]["day"] - timedelta(days=7)).isoformat(),
                (points[0]["day"] + timedelta(days=7)).isoformat(),
            ]
        }
        if len(points) == 1
        else {}
    )
    return {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": "Open errors", "x": days,
             "y": [p["errors"] for p in points], "line": {"color": "#1d70b8", "width": 3}},
            {"type": "scatter", "mode": "lines+markers", "name": "Open queries", "x": days,
             "y": [p["queries"] for p in points], "line": {"color": "#505a5f", "width": 2, "dash": "dot"}},
        ],
        "layout": {
            "xaxis": {"title": {"text": "Day"}, "automargin": True, "type": "date", "tickformat": "%d %b %Y", **span},
            "yaxis": {"title": {"text": "Open findings"}, "automargin": True, "rangemode": "tozero"},
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.25},
            "height": 320,
        },
    }  # fmt: skip


def _summary(request: Request, signed: Signed) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page's counts and trend for ``signed``'s scope, counted once per snapshot."""
    snapshot = context(request).served.current()
    scope = _scope(signed)
    key = ("data_quality", scope[0], repr(scope[1]))
    return snapshot.memo(
        key, lambda: (quality.summary(snapshot.cursor(), scope), quality.trend(snapshot.cursor(), scope))
    )


@router.get("/data-quality", response_class=HTMLResponse)
def data_quality_page(
    request: Request,
    filters: dict[str, Any] = Depends(_filters),
    page: int = 1,
    accepted: str | None = None,
    signed: Signed = Depends(signed_in),
):
    """The data-quality page: totals and trend, findings per rule, system, team and worker, and the list."""
    totals, points = _summary(request, signed)
    page = max(page, 1)
    found, total = quality.open_findings(
        context(request).served.current().cursor(),
        filters,
        _scope(signed),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    audit(
        request,
        signed,
        "view_data_quality",
        subject=_subject(filters),
        child_count=len(_children(found)),
        children=_children(found),
        rows=len(found),
        page=page,
    )
    return render(
        request,
        "data_quality.html",
        signed,
        totals=totals,
        trend=points,
        chart=_trend_chart(points),
        chart_rows=[[p["day"].strftime("%d/%m/%Y"), f"{p['errors']:,}", f"{p['queries']:,}"] for p in reversed(points)],
        found=found,
        total_found=total,
        first_shown=(page - 1) * PER_PAGE + 1,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        filters=filters,
        query=_query(filters),
        page_query=lambda number: _query(filters, page=number),
        show_options=SHOW,
        groups_shown=GROUPS_SHOWN,
        scoped=signed.role == "manager",
        accepted=accepted,
    )


def _listed(
    request: Request, signed: Signed, action: str, filters: dict[str, Any], **details: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every open finding the filters choose in the person's scope, and how many, audited with their children."""
    found, total = quality.open_findings(context(request).served.current().cursor(), filters, _scope(signed))
    children = _children(found)
    audit(
        request, signed, action, subject=_subject(filters), child_count=len(children), children=children,
        rows=total, **details,
    )  # fmt: skip
    return found, total


@router.get("/data-quality/fix-list")
def fix_list(
    request: Request,
    filters: dict[str, Any] = Depends(_filters),
    format: Literal["csv", "xlsx"] = "xlsx",
    signed: Signed = Depends(signed_in),
) -> Response:
    """The open findings of a rule, system, team or worker (or all), each with the record to fix and the child's name,
    as CSV or Excel (through ``child_list_download``: audited as ``download_list`` with its row count)."""
    found, _ = quality.open_findings(context(request).served.current().cursor(), filters, _scope(signed))
    parts = [
        re.sub(r"[^A-Za-z0-9_-]+", "_", str(filters[name])).strip("_")  # a file name from what was typed: safe
        for name in ("kind", "rule", "system", "team", "worker", "year")
        if name in filters
    ]
    columns = [heading for heading in FIX_COLUMNS if heading != "child's name"]  # the list's own Name column
    rows = [
        {**dict(zip(FIX_COLUMNS, line, strict=True)), "child_key": f["child_key"], "child_name": f["child_name"]}
        for f, line in zip(found, _lines(found), strict=True)
    ]
    listing = ChildList(
        title="Data-quality fix list" + (f": {_subject(filters)}" if filters else ""),
        definition=(
            "The open findings of the DfE's validation rules for the SSDA903 and CIN census returns and of childhub's "
            "checks across systems, each naming the source system and the record to fix there"
            + (f"; chosen: {_subject(filters)}" if filters else "")
            + ". A finding closes when the record is fixed and loaded again, or when it is accepted with a reason."
        ),
        columns=[Column(heading, heading) for heading in columns],
        rows=rows,
        as_at=date.today(),
        name="-".join(["fix-list", *parts]) if parts else "fix-list-all",
        audited={"filters": filters},
    )
    return child_list_download(request, signed, format, listing)


def accept_one(request: Request, signed: Signed, key: str, reason: str) -> dict:
    """Accept an open finding about a child ``signed`` may see, through ``childhub.hub`` (which publishes);
    audited with the reason."""
    from childhub.hub import accept_finding

    reason = (reason or "").strip()
    if not reason:
        raise ChildhubError("say why the finding is accepted: a reason is required")
    ctx = context(request)
    found, _ = quality.open_findings(ctx.served.current().cursor(), {"finding_key": key}, _scope(signed))
    if not found:
        raise NotFound(f"there is no open finding {key}, or not one you may see")
    try:
        accepted = accept_finding(ctx.store, key, reason, signed.account.username)
    except StoreError as busy:
        raise Conflict(str(busy)) from busy
    child = found[0]["child_key"]
    audit(
        request,
        signed,
        "accept_dq_finding",
        subject=key,
        child_count=1 if child else 0,
        children=[child] if child else [],
        reason=reason,
        rule=f"{found[0]['kind']} {found[0]['rule']}",
    )
    ctx.served.look_now()
    return {**accepted, "child_key": child}


def _back(query: str) -> dict[str, str]:
    """The page's filters from the query string the form came from (anything else dropped)."""
    return {name: value for name, value in parse_qsl(query or "") if name in (*quality.FILTERS, "show", "page")}


@router.post("/data-quality/{key}/accept")
def accept_page(
    request: Request,
    key: str,
    reason: str = Form(""),
    back: str = Form(""),
    signed: Signed = Depends(csrf_protected),
):
    """Accept a finding with a reason; back to the list it was accepted from, the finding in view."""
    accept_one(request, signed, key, reason)
    return RedirectResponse(f"/data-quality?{_query(_back(back), accepted=key)}#finding-{key}", status_code=303)


@api_router.get("/data-quality", summary="Data quality: totals, trend and findings per rule, system, team, worker")
def data_quality_json(request: Request, signed: Signed = Depends(signed_in)) -> dict:
    """The totals, the daily trend of open findings, and the open findings grouped (no children named)."""
    totals, points = _summary(request, signed)
    return {"summary": totals, "trend": points}


@api_router.get("/data-quality/findings", summary="Open data-quality findings, each naming the record to fix")
def findings_json(
    request: Request,
    filters: dict[str, Any] = Depends(_filters),
    signed: Signed = Depends(signed_in),
) -> dict:
    """The open findings (filtered), each with its rule, child, source system and record, and the values behind it."""
    found, total = _listed(request, signed, "view_dq_findings", filters)
    return {"count": total, "findings": found}
