"""Reconciliation: children a source system holds two or more records for (to merge there), and a DfE return's
count of children beside childhub's, with each child the return counts under two or more LA child IDs.

The lists come from ``childhub.link.duplicate_records`` and ``reconcile_return`` (as ``childhub reconcile`` gives
them); downloads go through ``childhub.exports``. Every view and download names its children in the audit log.
For admins and analysts only.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from childhub.link import RETURNS, ReconcileError, duplicate_records, reconcile_return
from childhub.web.deps import NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.exports import download
from childhub.web.pages.shared import service_name

ROLES = ("admin", "analyst")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["reconciliation"], dependencies=[Depends(require(*ROLES))])
ReturnKey = Literal["cin_census", "ssda903"]
DUPLICATE_COLUMNS = ("system", "child", "name", "records", "record IDs", "as each record holds it")
RETURN_COLUMNS = ("child", "name", "LA child IDs")


def _duplicates(request: Request, system: str | None = None) -> list[dict[str, Any]]:
    return duplicate_records(context(request).served.current().cursor(), system)


def _reconciled(request: Request, key: str, as_at: date):
    return reconcile_return(context(request).served.current().cursor(), key, as_at)


def _by_system(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    systems: dict[str, dict[str, Any]] = {}
    for row in found:
        system = systems.setdefault(
            row["source_system"],
            {"source_system": row["source_system"], "service": service_name(row["source_system"]), "children": []},
        )
        system["children"].append(row)
    return list(systems.values())


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    dfe_return: ReturnKey = "cin_census",
    as_at: date | None = None,
    signed: Signed = Depends(signed_in),
):
    """Duplicate records per source system, and the chosen return reconciled with childhub's count."""
    day = as_at or date.today()
    found = _duplicates(request)
    try:
        reconciled, problem = _reconciled(request, dfe_return, day), None
    except ReconcileError as error:
        reconciled, problem = None, str(error)
    merged = [row["child_key"] for row in reconciled.merged] if reconciled else []
    keys = sorted({row["child_key"] for row in found} | set(merged))
    audit(
        request,
        signed,
        "view_reconciliation",
        subject=f"{dfe_return}:{day.isoformat()}",
        child_count=len(keys),
        children=keys,
        dfe_return=dfe_return,
        as_at=day.isoformat(),
        duplicates=len(found),
        merged=len(merged),
    )
    return render(
        request,
        "reconciliation.html",
        signed,
        systems=_by_system(found),
        duplicates=len(found),
        reconciled=reconciled,
        problem=problem,
        returns=RETURNS,
        dfe_return=dfe_return,
        as_at=day,
    )


def _duplicate_lines(found: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            row["source_system"],
            row["child_key"],
            row["name"],
            row["records"],
            "; ".join(row["record_ids"]),
            "; ".join(row["held"]),
        ]
        for row in found
    ]


def _listed_duplicates(request: Request, signed: Signed, action: str, system: str | None, **details: Any):
    """The duplicate records of ``system`` (or every system), the view or download audited with their children."""
    found = _duplicates(request, system)
    keys = [row["child_key"] for row in found]
    audit(request, signed, action, subject=system or "every system", child_count=len(keys), children=keys, **details)
    return found


def _listed_return(request: Request, signed: Signed, action: str, dfe_return: str, as_at: date, **details: Any):
    """The return reconciled (404 when it is not loaded for the year), audited with the children counted twice."""
    try:
        reconciled = _reconciled(request, dfe_return, as_at)
    except ReconcileError as error:
        raise NotFound(str(error)) from None
    keys = [row["child_key"] for row in reconciled.merged]
    subject = f"{dfe_return}:{reconciled.year}"
    audit(
        request,
        signed,
        action,
        subject=subject,
        child_count=len(keys),
        children=keys,
        as_at=as_at.isoformat(),
        **details,
    )
    return reconciled


@router.get("/reconciliation/duplicates")
def duplicates_download(
    request: Request,
    system: str | None = None,
    format: Literal["csv", "xlsx"] = "csv",
    signed: Signed = Depends(signed_in),
) -> Response:
    """The children a source system (or every system) holds two or more records for, as CSV or Excel."""
    found = _listed_duplicates(request, signed, "export_duplicate_records", system, format=format)
    name = f"duplicate-records-{system or 'every-system'}-{date.today().isoformat()}"
    return download(format, name, DUPLICATE_COLUMNS, _duplicate_lines(found))


@router.get("/reconciliation/return")
def return_download(
    request: Request,
    dfe_return: ReturnKey = "cin_census",
    as_at: date | None = None,
    format: Literal["csv", "xlsx"] = "csv",
    signed: Signed = Depends(signed_in),
) -> Response:
    """The children a return counts under two or more LA child IDs (childhub once), as CSV or Excel."""
    day = as_at or date.today()
    reconciled = _listed_return(request, signed, "export_return_reconciliation", dfe_return, day, format=format)
    lines = [[row["child_key"], row["name"], "; ".join(row["la_child_ids"])] for row in reconciled.merged]
    return download(format, f"{dfe_return}-{reconciled.year}-held-under-two-ids", RETURN_COLUMNS, lines)


@api_router.get("/reconciliation/duplicates", summary="Children a source system holds two or more records for")
def duplicates_json(request: Request, system: str | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """Each child a source system holds two or more records for, with the records, for the system to merge."""
    return {"system": system, "children": _listed_duplicates(request, signed, "view_duplicate_records", system)}


@api_router.get("/reconciliation/return", summary="A DfE return's count beside childhub's")
def return_json(
    request: Request,
    dfe_return: ReturnKey = "cin_census",
    as_at: date | None = None,
    signed: Signed = Depends(signed_in),
) -> dict:
    """The return's count of LA child IDs, childhub's count of children, and each child counted more than once."""
    day = as_at or date.today()
    return _listed_return(request, signed, "view_return_reconciliation", dfe_return, day).as_dict()
