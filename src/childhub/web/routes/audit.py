"""The audit log: who saw, searched, exported or queried what, newest first; for admins only.

Filters by actor, action, channel, child (its child key: "who looked at C2964?") and dates (UTC),
fifty events a page, and a CSV download of every matching event. Reading the log, on the page, in
the API or as a download, is itself recorded in the log.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from childhub.audit import AuditEvent, events
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.exports import download

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # the most events one CSV download holds
COLUMNS = (
    "event_id",
    "occurred_at",
    "actor",
    "role",
    "channel",
    "action",
    "subject",
    "child_count",
    "details",
    "children",
)
ROLES = ("admin",)
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["audit"], dependencies=[Depends(require(*ROLES))])


class AuditFilter(BaseModel):
    """Which events to show (GET parameters); blank means any."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    actor: str | None = Field(None, description="Only this account (or command-line user)")
    action: str | None = Field(None, description="Only this action: view_child, search, query, export_cohort...")
    channel: Literal["web", "api", "cli"] | None = Field(None, description="Only this channel")
    child: str | None = Field(None, max_length=64, description="Only events concerning this child key, e.g. C2964")
    date_from: date | None = Field(None, description="Only events on or after this day (UTC)")
    date_to: date | None = Field(None, description="Only events on or before this day (UTC)")
    page: int = Field(1, ge=1, le=10_000, description="The page, fifty events each, newest first")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    def parameters(self, **changes: Any) -> str:
        values = {**self.model_dump(exclude_none=True), **changes}
        return urlencode({key: str(value) for key, value in values.items()})


Filters = Annotated[AuditFilter, Query()]


def _matching(request: Request, filters: AuditFilter, limit: int, offset: int = 0) -> list[AuditEvent]:
    """Up to ``limit`` of the newest events the filters keep, after skipping ``offset``."""
    return events(
        context(request).data_dir,
        limit=limit,
        offset=offset,
        actor=filters.actor,
        action=filters.action,
        channel=filters.channel,
        child=filters.child,
        since=filters.date_from,
        until=filters.date_to,
    )


def _page(request: Request, signed: Signed, filters: AuditFilter) -> tuple[list[AuditEvent], bool]:
    """The page's events, and whether there is a next page; the reading recorded in the log."""
    found = _matching(request, filters, PAGE_SIZE + 1, (filters.page - 1) * PAGE_SIZE)
    shown = found[:PAGE_SIZE]
    _audit_reading(request, signed, "view_audit", filters, len(shown))
    return shown, len(found) > PAGE_SIZE


def _audit_reading(request: Request, signed: Signed, action: str, filters: AuditFilter, rows: int) -> None:
    audit(
        request,
        signed,
        action,
        subject=filters.child,
        filters=filters.model_dump(mode="json", exclude_none=True),
        rows=rows,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, filters: Filters, signed: Signed = Depends(signed_in)):
    shown, more = _page(request, signed, filters)
    return render(
        request,
        "audit.html",
        signed,
        filters=filters,
        shown=shown,
        previous_link=f"/audit?{filters.parameters(page=filters.page - 1)}" if filters.page > 1 else None,
        next_link=f"/audit?{filters.parameters(page=filters.page + 1)}" if more else None,
        export_link=f"/audit/export?{filters.parameters(page=1)}",
    )


@router.get("/audit/export")
def export(request: Request, filters: Filters, signed: Signed = Depends(signed_in)) -> Response:
    """Every matching event (the newest 100,000 at most) as CSV."""
    found = _matching(request, filters, EXPORT_LIMIT)
    _audit_reading(request, signed, "export_audit", filters, len(found))
    rows = [
        (
            e.event_id,
            e.occurred_at,
            e.actor,
            e.role,
            e.channel,
            e.action,
            e.subject,
            e.child_count,
            e.details,
            e.children,
        )
        for e in found
    ]
    return download("csv", f"audit-log-{date.today().isoformat()}", COLUMNS, rows)


@api_router.get("/audit", summary="Read the audit log")
def audit_json(request: Request, filters: Filters, signed: Signed = Depends(signed_in)) -> dict:
    """The newest audit events matching the filters, fifty a page."""
    shown, more = _page(request, signed, filters)
    return {"page": filters.page, "more": more, "events": [asdict(event) for event in shown]}
