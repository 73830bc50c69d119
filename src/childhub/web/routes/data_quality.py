"""Data quality: the findings of the DfE's return rules and childhub's checks across systems, per rule, system,
team and worker, with their trend (new since yesterday, fixed in the last week); each finding opens on the child
and names the source system and record to fix; fix lists download as CSV or Excel; a finding can be accepted
with a reason (audited) until its record changes.

The findings are those ``childhub dq`` (or the check after every ingest) recorded, read from the published
snapshot. Open to admins, analysts and managers; every view and download names its children in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from childhub.dq import RETURN_NAMES, findings, summary, trend
from childhub.errors import StoreError
from childhub.web.charts import sparkline_svg
from childhub.web.deps import Conflict, NotFound, Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.exports import download

ROLES = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["data quality"], dependencies=[Depends(require(*ROLES))])
SHOWN = 500  # findings listed on the page; the download holds them all
FIX_COLUMNS = (
    "rule",
    "severity",
    "return",
    "collection year",
    "system",
    "record to fix",
    "child",
    "fields",
    "what is wrong",
    "the values",
    "first seen",
    "team",
    "worker",
    "accepted",
    "finding",
)


def _filters(rule: str | None, system: str | None, team: str | None, worker: str | None, year: int | None) -> dict:
    return {
        "rules": [rule] if rule else None,
        "system": system or None,
        "team": team or None,
        "worker": worker or None,
        "year": year,
    }


def _found(request: Request, **filters: Any) -> list[dict[str, Any]]:
    return findings(context(request).served.current().cursor(), **filters)


def _year_label(year: int | None) -> str:
    return f"{year - 1}-{str(year)[2:]}" if year else ""


def _lines(found: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            f["rule"],
            f["severity"],
            RETURN_NAMES[f["kind"]],
            _year_label(f["year"]),
            f["source_system"],
            f["source_record"],
            f["child_key"] or f["child_id"],
            f["fields"],
            f["message"],
            f["detail"],
            f["first_seen"].date(),
            f["team_id"],
            f["worker_id"],
            f"yes: {f['accepted_reason']}" if f["accepted"] else "",
            f["finding_key"],
        ]
        for f in found
    ]


def _children(found: list[dict[str, Any]]) -> list[str]:
    return sorted({f["child_key"] for f in found if f["child_key"]})


@router.get("/data-quality", response_class=HTMLResponse)
def data_quality_page(
    request: Request,
    rule: str | None = None,
    system: str | None = None,
    team: str | None = None,
    worker: str | None = None,
    year: int | None = None,
    accepted: str | None = None,
    signed: Signed = Depends(signed_in),
):
    """The data-quality page: totals and trend, findings per rule, system, team and worker, and a filtered list."""
    cursor = context(request).served.current().cursor()
    filters = _filters(rule, system, team, worker, year)
    totals = summary(cursor)
    points = trend(cursor)
    found = findings(cursor, **filters) if any(filters.values()) else []
    audit(
        request,
        signed,
        "view_data_quality",
        subject=rule or system or team or worker or "summary",
        child_count=len(_children(found)),
        children=_children(found),
        **{k: v for k, v in filters.items() if v},
    )
    return render(
        request,
        "data_quality.html",
        signed,
        totals=totals,
        trend=points,
        sparkline=sparkline_svg([p["errors"] for p in points], "Open data-quality errors, daily") if points else "",
        found=found[:SHOWN],
        total_found=len(found),
        filters={
            "rule": rule or "",
            "system": system or "",
            "team": team or "",
            "worker": worker or "",
            "year": year or "",
        },
        filtered=any(filters.values()),
        returns=RETURN_NAMES,
        year_label=_year_label,
        accepted=accepted,
    )


@router.get("/data-quality/fix-list")
def fix_list(
    request: Request,
    rule: str | None = None,
    system: str | None = None,
    team: str | None = None,
    worker: str | None = None,
    year: int | None = None,
    format: Literal["csv", "xlsx"] = "xlsx",
    signed: Signed = Depends(signed_in),
) -> Response:
    """The open findings of a rule, system, team or worker (or all), each with the record to fix, as CSV or Excel."""
    found = _found(request, **_filters(rule, system, team, worker, year))
    audit(
        request,
        signed,
        "export_dq_fix_list",
        subject=rule or system or team or worker or "every finding",
        child_count=len(_children(found)),
        children=_children(found),
        rows=len(found),
        format=format,
    )
    name = "fix-list-" + "-".join(filter(None, (rule, system, team, worker, str(year or "")))) or "fix-list-all"
    return download(format, f"{name}-{date.today().isoformat()}", FIX_COLUMNS, _lines(found))


def accept_one(request: Request, signed: Signed, key: str, reason: str) -> dict:
    """Accept a finding through ``childhub.hub`` (which publishes); audited."""
    from childhub.hub import accept_finding
    from childhub.store import Store

    ctx = context(request)
    if not findings(ctx.served.current().cursor(), include_accepted=True, finding_key=key):
        raise NotFound(f"there is no open finding {key}")
    try:
        accepted = accept_finding(Store(ctx.data_dir), key, reason, signed.account.username)
    except StoreError as busy:
        raise Conflict(str(busy)) from busy
    audit(
        request,
        signed,
        "accept_dq_finding",
        subject=key,
        child_count=1 if accepted["child_key"] else 0,
        children=[accepted["child_key"]] if accepted["child_key"] else [],
        reason=reason,
        rule=accepted["rule"],
    )
    ctx.served.look_now()
    return accepted


@router.post("/data-quality/{key}/accept")
def accept_page(request: Request, key: str, reason: str = Form(""), signed: Signed = Depends(csrf_protected)):
    """Accept a finding with a reason; back to the page it was accepted from."""
    accepted = accept_one(request, signed, key, reason)
    return RedirectResponse(f"/data-quality?rule={accepted['rule']}&accepted={key}#findings", status_code=303)


@api_router.get("/data-quality", summary="Data quality: totals, trend and findings per rule, system, team, worker")
def data_quality_json(request: Request, signed: Signed = Depends(signed_in)) -> dict:
    """The totals, the daily trend of open findings, and the open findings grouped (no children named)."""
    cursor = context(request).served.current().cursor()
    return {"summary": summary(cursor), "trend": trend(cursor)}


@api_router.get("/data-quality/findings", summary="Open data-quality findings, each naming the record to fix")
def findings_json(
    request: Request,
    rule: str | None = None,
    system: str | None = None,
    team: str | None = None,
    worker: str | None = None,
    year: int | None = None,
    signed: Signed = Depends(signed_in),
) -> dict:
    """The open findings (filtered), each with its rule, child, source system and record, and the values behind it."""
    found = _found(request, **_filters(rule, system, team, worker, year))
    audit(
        request,
        signed,
        "view_dq_findings",
        subject=rule or system or team or worker or "every finding",
        child_count=len(_children(found)),
        children=_children(found),
    )
    return {"count": len(found), "findings": found}
