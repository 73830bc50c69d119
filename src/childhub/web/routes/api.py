"""The REST API under /api/v1/: what the pages show, as JSON, for other systems (token or session)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request

from childhub.web.deps import Signed, context, require, signed_in
from childhub.web.measures import figures_on

ALL_ROLES = ("admin", "analyst", "manager", "practitioner", "scrutiny")
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require(*ALL_ROLES))])


@router.get("/indicators")
def indicators(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """Every indicator on a date (default today): value, counts, England comparator, target, RAG."""
    day = as_at or date.today()
    snapshot = context(request).served.current()
    return {"as_at": day.isoformat(), "indicators": [f.as_dict() for f in figures_on(snapshot, request, day)]}
