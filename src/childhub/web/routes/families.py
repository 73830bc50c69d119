"""A family as linkage groups it: its children, how they are related, and the services each is known to."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.web.deps import NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, link
from childhub.web.pages.family import family
from childhub.web.scope import child_filter

ROLES = ("admin", "analyst", "manager", "practitioner")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["families"], dependencies=[Depends(require(*ROLES))])
NOT_FOUND = "there is no such family, or not one you may see"


def _family(request: Request, signed: Signed, family_id: int) -> dict[str, Any]:
    """The family if ``signed`` may see at least one of its children (404 otherwise); not audited."""
    cursor = context(request).served.current().cursor()
    found = family(cursor, family_id, child_filter(signed, "('C' || m.child_id)"))
    if found is None or not found["visible"]:
        raise NotFound(NOT_FOUND)
    return found


def family_for(request: Request, signed: Signed, family_id: int) -> dict[str, Any]:
    """The family if ``signed`` may see at least one of its children (404 otherwise); audited."""
    found = _family(request, signed, family_id)
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
def family_page(
    request: Request,
    family_id: int,
    format: Literal["html", "csv", "xlsx"] = "html",
    signed: Signed = Depends(signed_in),
):
    """The family's children, relationships and carers (``format=csv|xlsx``: the children you may see, downloaded)."""
    if format != "html":
        return _members_download(request, signed, family_id, format)
    path = f"/families/{family_id}"
    return render(
        request,
        "family.html",
        signed,
        family=family_for(request, signed, family_id),
        csv_link=link(path, "csv"),
        xlsx_link=link(path, "xlsx"),
    )


def _members_download(request: Request, signed: Signed, family_id: int, fmt: str):
    """The family's children that ``signed`` may see (with names), as CSV or Excel, audited with the row count."""
    found = _family(request, signed, family_id)
    members = [member for member in found["members"] if member["visible"]]
    hidden = len(found["members"]) - len(members)
    listing = ChildList(
        title=f"Family {family_id}: its children",
        definition=(
            "The children linkage groups into one family (homes over time and parents in common), each with the "
            "services they are known to and those open today"
            + (f"; {hidden} more child{'ren' if hidden != 1 else ''} you may not see are left out" if hidden else "")
            + "."
        ),
        columns=[Column("Role", "role"), Column("Known to", "services"), Column("Open now", "open_services")],
        rows=[dict(member) for member in members],
        as_at=date.today(),
        name=f"family-{family_id}-children",
        audited={"family": family_id, "hidden": hidden},
    )
    return child_list_download(request, signed, fmt, listing)


@api_router.get("/families/{family_id}")
def family_json(request: Request, family_id: int, signed: Signed = Depends(signed_in)) -> dict:
    """A family: members (named only where you may see them), parents and carers, relationships, services."""
    return family_for(request, signed, family_id)
