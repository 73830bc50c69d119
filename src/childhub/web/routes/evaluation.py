"""Self-evaluation (FOUNDATION STUB for issue 16: a helper builds this page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import Signed, render, require, signed_in

ROLES = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["self-evaluation"], dependencies=[Depends(require(*ROLES))])


@router.get("/self-evaluation", response_class=HTMLResponse)
def page(request: Request, signed: Signed = Depends(signed_in)):
    """Self-evaluation."""
    return render(request, "placeholder.html", signed, heading="Self-evaluation")
