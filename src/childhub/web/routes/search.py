"""Find a child: by name (typos and nicknames tolerated, as linkage compares names), date of birth or identifier."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from childhub.link import latest_scorer, parse_query, search
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.pages.shared import service_name
from childhub.web.scope import child_filter

ROLES = ("admin", "analyst", "manager", "practitioner")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["search"], dependencies=[Depends(require(*ROLES))])
MAX_QUERY = 200


def search_for(request: Request, signed: Signed, q: str) -> dict[str, Any]:
    """The children in ``signed``'s scope matching ``q``, best first; audited with the query text."""
    query = parse_query(q)
    if not query.text:
        return {"query": "", "results": [], "problems": []}
    snapshot = context(request).served.current()
    cursor = snapshot.cursor()
    scorer = snapshot.memo(("search", "scorer"), lambda: latest_scorer(cursor))
    results = search(cursor, scorer, query, child_filter(signed, "p.child_key"), system_name=service_name)
    audit(
        request,
        signed,
        "search",
        child_count=len(results),
        children=[result["child_key"] for result in results],
        query=query.text,
    )
    return {"query": query.text, "results": results, "problems": query.problems}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=MAX_QUERY), signed: Signed = Depends(signed_in)):
    return render(request, "search.html", signed, **search_for(request, signed, q))


@api_router.get("/search")
def search_json(
    request: Request, q: str = Query(..., max_length=MAX_QUERY), signed: Signed = Depends(signed_in)
) -> dict:
    """Children matching a name, a date of birth (2015-03-02 or 02/03/2015) or an identifier, best first."""
    return search_for(request, signed, q)
