"""A family as linkage groups it: its children, how they are related, and the services each is known to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.pages.family import family
from childhub.web.scope import child_filter

ROLES = ("admin", "analyst", "manager", "practitioner")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["families"], dependencies=[Depends(require(*ROLES))])
NOT_FOUND = "there is no such family, or not one you may see"


def family_for(request: Request, signed: Signed, family_id: int) -> dict[str, Any]:
    """The family if ``signed`` may see at least one of its children (404 otherwise); audited."""
    cursor = context(request).served.current().cursor()
    found = family(cursor, family_id, child_filter(signed, "('C' || m.child_id)"))
    if found is None or not found["visible"]:
        raise NotFound(NOT_FOUND)
    audit(
        request,
        signed,
        "view_family",
        subject=str(family_id),
        child_count=found["visible"],
        children=[member["child_key"] for member in found["members"]],
    )
    return found


@router.get("/families/{family_id}", response_class=HTMLResponse)
def family_page(request: Request, family_id: int, signed: Signed = Depends(signed_in)):
    return render(request, "family.html", signed, family=family_for(request, signed, family_id))


@api_router.get("/families/{family_id}")
def family_json(request: Request, family_id: int, signed: Signed = Depends(signed_in)) -> dict:
    """A family: members (named only where you may see them), parents and carers, relationships, services."""
    return family_for(request, signed, family_id)
