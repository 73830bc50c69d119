"""Practice quality (FOUNDATION STUB for issue 16: a helper builds this page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.indicators import Indicator
from childhub.web.deps import Signed, render, require, signed_in

ROLES = ("admin", "analyst", "manager", "scrutiny")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["practice"], dependencies=[Depends(require(*ROLES))])


@router.get("/practice-quality", response_class=HTMLResponse)
def page(request: Request, signed: Signed = Depends(signed_in)):
    """Practice quality."""
    return render(request, "placeholder.html", signed, heading="Practice quality")


def audits_view(
    request: Request, signed: Signed, ind: Indicator, as_at: date, value: float | None
) -> dict[str, Any] | None:
    """What case file audits say about the practice behind this indicator,
    as the indicator page and its API show it (None: nothing to show)."""
    return None
