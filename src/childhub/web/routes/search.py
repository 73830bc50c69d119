"""Find a child: by name (typos and nicknames tolerated, as linkage compares names), date or year of birth,
identifier or postcode; best match first, with the true total and pages of 25."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from childhub.codes import label
from childhub.link import SEARCH_PAGE_SIZE, latest_scorer, parse_query, search
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.pages.shared import service_name
from childhub.web.scope import child_filter

ROLES = ("admin", "analyst", "manager", "practitioner")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["search"], dependencies=[Depends(require(*ROLES))])
MAX_QUERY = 200
MAX_PAGE = 10_000


def search_for(request: Request, signed: Signed, q: str, page: int = 1) -> dict[str, Any]:
    """Page ``page`` of the children in ``signed``'s scope matching ``q``, best first, with the total of them
    in scope; audited with the query text and the children shown."""
    query = parse_query(q)
    if not query.text:
        empty = {"total": 0, "page": 1, "pages": 0, "page_size": SEARCH_PAGE_SIZE, "results": [], "problems": []}
        return {"query": "", "read_as": [], **empty}
    snapshot = context(request).served.current()
    cursor = snapshot.cursor()
    scorer = snapshot.memo(("search", "scorer"), lambda: latest_scorer(cursor))
    found = search(
        cursor, scorer, query, child_filter(signed, "p.child_key"), page, SEARCH_PAGE_SIZE, system_name=service_name
    )
    for result in found.results:
        result["sex_label"] = label("person_sex", result["sex"]) or result["sex"]
    audit(
        request,
        signed,
        "search",
        child_count=len(found.results),
        children=[result["child_key"] for result in found.results],
        query=query.text,
        total=found.total,
        page=found.page,
    )
    return {
        "query": query.text,
        "read_as": query.parts(),
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "page_size": found.page_size,
        "first": found.first,
        "last": found.last,
        "results": found.results,
        "problems": found.problems,
    }


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = Query("", max_length=MAX_QUERY),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    signed: Signed = Depends(signed_in),
):
    return render(request, "search.html", signed, **search_for(request, signed, q, page))


@api_router.get("/search", summary="Find children by name, date of birth, identifier or postcode")
def search_json(
    request: Request,
    q: str = Query(..., max_length=MAX_QUERY),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    signed: Signed = Depends(signed_in),
) -> dict:
    """Children you may see matching a name, a date of birth (2015-03-02, 02/03/2015 or 2 March 2015), a year of
    birth typed with a name, an identifier or a postcode, best match first: `total` counts them all, `results`
    holds page `page` of `pages` (25 a page), each with why it matched."""
    found = search_for(request, signed, q, page)
    return {key: value for key, value in found.items() if key not in ("first", "last")}
