"""One child's record across services: the linked record, its source records, timeline, status, worker, flags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.pages.child import child_record
from childhub.web.pages.shared import service_name
from childhub.web.scope import can_see

ROLES = ("admin", "analyst", "manager", "practitioner")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["children"], dependencies=[Depends(require(*ROLES))])
NOT_FOUND = "there is no such child, or not one you may see"


def child_for(request: Request, signed: Signed, child_key: str) -> dict[str, Any]:
    """The child's record if ``signed`` may see it (404 alike for no such child and one out of scope); audited."""
    cursor = context(request).served.current().cursor()
    if not can_see(cursor, signed, child_key):
        raise NotFound(NOT_FOUND)
    record = child_record(cursor, child_key)
    if record is None:
        raise NotFound(NOT_FOUND)
    audit(request, signed, "view_child", subject=child_key, child_count=1)
    return record


@router.get("/children/{child_key}", response_class=HTMLResponse)
def child_page(request: Request, child_key: str, signed: Signed = Depends(signed_in)):
    record = child_for(request, signed, child_key)
    return render(request, "child.html", signed, record=record, service_name=service_name)


@api_router.get("/children/{child_key}")
def child_json(request: Request, child_key: str, signed: Signed = Depends(signed_in)) -> dict:
    """A child's record: the linked record, source records, timeline, current status, allocation, flags."""
    return child_for(request, signed, child_key)
