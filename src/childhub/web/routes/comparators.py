"""Comparators (FOUNDATION STUB for issue 16: a helper builds this page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.indicators import Indicator
from childhub.web.deps import Signed, render, require, signed_in

ROLES = ("admin", "analyst", "manager", "scrutiny")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["comparators"], dependencies=[Depends(require(*ROLES))])


@router.get("/comparators", response_class=HTMLResponse)
def page(request: Request, signed: Signed = Depends(signed_in)):
    """Comparators."""
    return render(request, "placeholder.html", signed, heading="Comparators")


def comparison_view(
    request: Request, signed: Signed, ind: Indicator, as_at: date, value: float | None
) -> dict[str, Any] | None:
    """Where the figure stands beside England, the region and the statistical neighbours,
    as the indicator page and its API show it (None: nothing to show)."""
    return None
