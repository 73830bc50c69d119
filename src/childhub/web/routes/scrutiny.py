"""Scrutiny pack (FOUNDATION STUB for issue 16: a helper builds this page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import Signed, render, require, signed_in

ROLES = ("admin", "analyst", "manager", "scrutiny")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["scrutiny"], dependencies=[Depends(require(*ROLES))])


@router.get("/scrutiny", response_class=HTMLResponse)
def page(request: Request, signed: Signed = Depends(signed_in)):
    """Scrutiny pack."""
    return render(request, "placeholder.html", signed, heading="Scrutiny pack")
