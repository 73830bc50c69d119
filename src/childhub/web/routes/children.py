"""One child's record across services: the linked record, its source records, timeline, status, worker, flags; and
the child's chronology (the timeline oldest first, chosen by service and date) to print or download."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

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


# --- the child's chronology ------------------------------------------------------------------------------


def chronology_for(
    request: Request, signed: Signed, child_key: str, services: list[str], date_from: str | None, date_to: str | None
) -> dict[str, Any]:
    """The child's chronology as chosen, if ``signed`` may see the child (404 alike otherwise); not yet audited."""
    from childhub.web.pages.chronology import choice, chronology

    chosen = choice(services, date_from, date_to)
    cursor = context(request).served.current().cursor()
    if not can_see(cursor, signed, child_key):
        raise NotFound(NOT_FOUND)
    found = chronology(cursor, child_key, chosen, date.today())
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def _viewed(request: Request, signed: Signed, found: dict[str, Any]) -> None:
    audit(
        request,
        signed,
        "view_chronology",
        subject=found["child"]["child_key"],
        child_count=1,
        children=[found["child"]["child_key"]],
        events=len(found["events"]),
        **found["choice"].audited(),
    )


def _chronology_download(request: Request, signed: Signed, found: dict[str, Any], fmt: str) -> Response:
    """The chronology as a spreadsheet (one row an event), audited as a download of a list (``download_list``)."""
    from childhub.web.exports import ChildList, child_list_download, long_date
    from childhub.web.pages.chronology import COLUMNS, identifiers

    child, chosen = found["child"], found["choice"]
    rows = [{**event, "child_key": child["child_key"]} for event in found["events"]]
    born = long_date(child["date_of_birth"]) or "not recorded"
    listing = ChildList(
        title=f"Chronology of {child['name']} (born {born})",
        definition=(
            "Every event in the child's record in each service that childhub holds, oldest first, in each service's "
            "own words; an event that lasts (a plan, a placement, an episode) is in a date range if it was going on "
            f"at any time in it. Chosen: {chosen.describe()}."
        ),
        columns=COLUMNS,
        rows=rows,
        as_at=date.today(),
        name=f"chronology-{child['child_key']}",
        notes=[("Child", child["name"]), ("Date of birth", born), *identifiers(child), ("Chosen", chosen.describe())],
        name_columns=False,
        audited=chosen.audited(),
    )
    return child_list_download(request, signed, fmt, listing)


@router.get("/children/{child_key}/chronology", response_class=HTMLResponse)
def chronology_page(
    request: Request,
    child_key: str,
    service: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies a default list for each request)
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    format: Literal["html", "csv", "xlsx"] = "html",
    signed: Signed = Depends(signed_in),
):
    """The child's chronology across services, to read, print or download (``format=csv|xlsx``); audited."""
    from childhub.web.exports import link, long_date
    from childhub.web.pages.chronology import SERVICES, identifiers

    found = chronology_for(request, signed, child_key, service, date_from, date_to)
    if format != "html":
        return _chronology_download(request, signed, found, format)
    _viewed(request, signed, found)
    path = f"/children/{child_key}/chronology"
    query = found["choice"].query()
    return render(
        request,
        "chronology.html",
        signed,
        **found,
        identifiers=identifiers(found["child"]),
        services=[(code, service_name(code)) for code in SERVICES],
        long_date=long_date,
        today=date.today(),
        csv_link=link(path, "csv", query),
        xlsx_link=link(path, "xlsx", query),
    )


@api_router.get("/children/{child_key}/chronology", summary="A child's chronology across services (audited)")
def chronology_json(
    request: Request,
    child_key: str,
    service: Annotated[list[str], Query()] = [],  # noqa: B006
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    signed: Signed = Depends(signed_in),
) -> dict:
    """The child's events across services, oldest first, chosen by service (repeat ``service``) and dates."""
    from childhub.exports import jsonable

    found = chronology_for(request, signed, child_key, service, date_from, date_to)
    _viewed(request, signed, found)
    child = found["child"]
    return {
        "child": {name: jsonable(child[name]) for name in ("child_key", "child_id", "la_child_id", "name",
                                                          "date_of_birth", "upns", "nhs_numbers")},
        "chosen": found["choice"].audited(),
        "events": [
            {name: jsonable(event[name]) for name in ("date", "year", "end", "service", "service_name", "kind",
                                                      "summary", "record")}
            for event in found["events"]
        ],
    }  # fmt: skip
