"""The REST API: its documentation page (``/api``), and the indicators as JSON under /api/v1/.

Each resource's own JSON lives beside its pages, in its module's ``api_router``; the app serves the
OpenAPI schema of all of them at ``/api/v1/openapi.json``. Other systems authenticate with an API
token (``childhub users token NAME``) sent as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.disclosure import reference_date
from childhub.indicators import figure_view, suppression_threshold
from childhub.web.deps import EVERY_ROLE, Signed, context, render, require, signed_in
from childhub.web.measures import figures_on

ROLES = EVERY_ROLE
METHODS = ("get", "post", "put", "patch", "delete")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["indicators"], dependencies=[Depends(require(*ROLES))])


def endpoints(schema: dict) -> list[dict]:
    """Every operation under /api/ in an OpenAPI schema: method, path, summary, description, parameters."""
    found = []
    for path, operations in sorted(schema.get("paths", {}).items()):
        if not path.startswith("/api/"):
            continue
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"],
                    "body": "requestBody" in operation,
                }
            )
    return found


@router.get("/api", response_class=HTMLResponse)
def documentation(request: Request, signed: Signed = Depends(signed_in)):
    return render(request, "api.html", signed, endpoints=endpoints(request.app.openapi()))


@api_router.get("/indicators", summary="Every indicator on a date")
def indicators(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """Every indicator on a date (default today): value, counts, England comparator, target, RAG."""
    snapshot = context(request).served.current()
    threshold = suppression_threshold(signed.role, context(request).small_number)
    day = reference_date(as_at or date.today(), threshold)
    figures = figures_on(snapshot, request, day)
    return {"as_at": day.isoformat(), "indicators": [figure_view(f, threshold) for f in figures]}


@api_router.get("/", summary="The API's endpoints")
def index(request: Request, signed: Signed = Depends(signed_in)) -> dict:
    """Every endpoint of the API: method, path, summary and query parameters (the schema is at openapi.json)."""
    return {"schema": "/api/v1/openapi.json", "documentation": "/api", "endpoints": endpoints(request.app.openapi())}
