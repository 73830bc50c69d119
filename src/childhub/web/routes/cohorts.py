"""The cohort builder: a population over a period, filtered and counted by one or two groupings.

Every choice is a GET parameter, so a cohort is a link. The page shows the counts as a table and a
bar chart, links to the list of the cohort's children, and downloads either as CSV or Excel. Every
count, list and download is audited. For admins and analysts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from childhub.cohorts import (
    FILTERS,
    GROUPINGS,
    PERIODS,
    POPULATIONS,
    CohortChildren,
    CohortQuery,
    cohort_children,
    count_cohort,
    definitions,
    filter_choices,
)
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, download

ROLES = ("admin", "analyst")
CHILDREN_SHOWN = 500  # the children listed on a page; the download has them all
CHILDREN_DOWNLOADED = 1_000_000
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["cohorts"], dependencies=[Depends(require(*ROLES))])
Cohort = Annotated[CohortQuery, Query()]


def _count(request: Request, query: CohortQuery):
    # Not cached: a count takes well under a second even on a large authority, and cohorts are many.
    return count_cohort(context(request).served.current().cursor(), query)


def _child_keys(listed: CohortChildren) -> list[str]:
    """The child keys of a cohort's listed children (their ``child_key`` column)."""
    position = list(definitions().child_columns).index("child_key")
    return [row[position] for row in listed.rows]


def _link(path: str, query: CohortQuery, **extra: str) -> str:
    return f"{path}?{urlencode({**query.parameters(), **extra})}"


@router.get("/cohorts", response_class=HTMLResponse)
def cohorts(request: Request, query: Cohort, signed: Signed = Depends(signed_in)):
    snapshot = context(request).served.current()
    result = _count(request, query)
    audit(request, signed, "cohort", subject=query.describe(), child_count=result.children, cohort=query.parameters())
    choices = snapshot.memo("cohort_filter_choices", lambda: filter_choices(snapshot.cursor()))
    columns, rows = result.table(codes=False)  # the page shows the groups in words; downloads add the codes
    chart_rows = [[" / ".join(row.shown) or "All", row.children, result.share(row)] for row in result.rows]
    return render(
        request,
        "cohorts.html",
        signed,
        query=query,
        result=result,
        columns=columns,
        rows=rows,
        chart_rows=chart_rows,
        populations=POPULATIONS,
        periods=PERIODS,
        filters=FILTERS,
        groupings=GROUPINGS,
        choices=choices,
        children_link=_link("/cohorts/children", query),
        csv_link=_link("/cohorts/export", query, format="csv"),
        xlsx_link=_link("/cohorts/export", query, format="xlsx"),
        children_csv_link=_link("/cohorts/export", query, format="csv", rows="children"),
        children_xlsx_link=_link("/cohorts/export", query, format="xlsx", rows="children"),
    )


@router.get("/cohorts/children", response_class=HTMLResponse)
def children(request: Request, query: Cohort, signed: Signed = Depends(signed_in)):
    listed = cohort_children(context(request).served.current().cursor(), query, CHILDREN_SHOWN)
    audit(
        request,
        signed,
        "view_children",
        subject=query.describe(),
        child_count=len(listed.rows),
        children=_child_keys(listed),
        cohort=query.parameters(),
        cohort_size=listed.total,
    )
    return render(
        request,
        "cohorts.html",
        signed,
        query=query,
        listed=listed,
        listed_on_page=listed.on_page(),
        shown=CHILDREN_SHOWN,
        back_link=_link("/cohorts", query),
        children_csv_link=_link("/cohorts/export", query, format="csv", rows="children"),
        children_xlsx_link=_link("/cohorts/export", query, format="xlsx", rows="children"),
    )


@router.get("/cohorts/export")
def export(
    request: Request,
    query: Cohort,
    format: Literal["csv", "xlsx"] = "csv",
    rows: Literal["table", "children"] = "table",
    signed: Signed = Depends(signed_in),
) -> Response:
    """The cohort's counts (``rows=table``) or its children (``rows=children``, through ``child_list_download``:
    names, the cohort's rules on the About sheet, audited as ``download_list``) as CSV or Excel."""
    if rows == "children":
        return _children_download(request, signed, query, format)
    result = _count(request, query)
    columns, lines = result.table()
    child_count, keys = None, []
    audit(
        request,
        signed,
        "export_cohort",
        subject=query.describe(),
        child_count=child_count,
        children=keys,
        cohort=query.parameters(),
        format=format,
        rows=rows,
    )
    name = f"cohort-{query.population}-{query.as_at.isoformat()}{'-children' if rows == 'children' else ''}"
    return download(format, name, columns, lines)


def _children_download(request: Request, signed: Signed, query: CohortQuery, fmt: str) -> Response:
    """Every child of the cohort (an analyst's or admin's: every child in scope), with the cohort's rules in words."""
    declared = definitions()
    listed = cohort_children(context(request).served.current().cursor(), query, CHILDREN_DOWNLOADED)
    population = declared.populations[query.population]
    # every column as the download gives it: a coded column's code, then its words beside it
    keys = [key for name in declared.child_columns for key in _download_keys(name, declared.child_words)]
    listing = ChildList(
        title=f"Cohort: {query.describe()}",
        definition=f"{population.label}: {population.definition} Chosen: {query.describe()}.",
        columns=[Column(heading, key) for key, heading in zip(keys, listed.columns, strict=True)],
        rows=[dict(zip(keys, row, strict=True)) for row in listed.rows],
        as_at=query.as_at,
        name=f"cohort-{query.population}-children",
        notes=[("Period", query.span.label), ("Link", _link("/cohorts/children", query))],
        audited={"cohort": query.parameters()},
    )
    return child_list_download(request, signed, fmt, listing)


def _download_keys(name: str, coded: Mapping[str, str]) -> tuple[str, ...]:
    """The keys of a child column in the download's rows: a coded column's code, then its words."""
    return (f"{name}_code", name) if name in coded else (name,)


@api_router.get("/cohorts", summary="Count a cohort")
def cohorts_json(request: Request, query: Cohort, signed: Signed = Depends(signed_in)) -> dict:
    """A cohort's counts by its groupings (the same parameters as the cohort builder page), as JSON."""
    result = _count(request, query)
    audit(request, signed, "cohort", subject=query.describe(), child_count=result.children, cohort=query.parameters())
    return result.as_dict()
