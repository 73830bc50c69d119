"""The overview: every indicator with its value, target, RAG and England comparator."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import Signed, context, render, require, signed_in
from childhub.web.measures import figures_on

router = APIRouter(dependencies=[Depends(require("admin", "analyst", "manager", "practitioner", "scrutiny"))])


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, signed: Signed = Depends(signed_in)):
    as_at = date.today()
    snapshot = context(request).served.current()
    return render(request, "overview.html", signed, as_at=as_at, figures=figures_on(snapshot, request, as_at))
