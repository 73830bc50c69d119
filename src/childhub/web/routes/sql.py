"""The SQL console: one read-only SELECT over the published snapshot, time- and row-limited.

The query runs through ``childhub.store.run_query``: in a process of its own, on a read-only
connection to the snapshot that is cut off from files, the network and extensions, killed at the
time limit, and sending back at most the row and byte limits. Anything but a single SELECT
(``COPY``, ``ATTACH``, ``INSTALL``, writes, several statements) is refused, and so is reading a file
or a setting. The result is shown as a table and can be downloaded as CSV or Excel. Every query,
refused or not, is audited with its SQL. For admins and analysts only.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from childhub.errors import QueryError
from childhub.store import QueryResult, run_query
from childhub.web.deps import Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.exports import cell_text, download

ROLES = ("admin", "analyst")
MAX_SQL_CHARACTERS = 20_000
EXAMPLE = "SELECT sex, count(*) AS children\nFROM fact_child\nGROUP BY sex\nORDER BY sex"
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["sql"], dependencies=[Depends(require(*ROLES))])


def _run(request: Request, signed: Signed, sql: str, fmt: str = "table") -> QueryResult:
    """Run ``sql`` over the snapshot, with the facts prepared, in a process of its own; audit it, refused or not."""
    from childhub.facts import prepare

    settings = context(request).settings
    try:
        if not sql.strip():
            raise QueryError("query refused: write a SELECT first")
        if len(sql) > MAX_SQL_CHARACTERS:
            raise QueryError(f"query refused: it is longer than {MAX_SQL_CHARACTERS:,} characters")
        result = run_query(
            context(request).served.current().path,
            sql,
            timeout_seconds=settings.query_timeout_seconds,
            row_limit=settings.query_row_limit,
            byte_limit=settings.query_byte_limit,
            memory_mb=settings.query_memory_mb,
            data_dir=settings.data_dir,
            prepare=prepare,
        )
    except QueryError as error:
        audit(request, signed, "query", sql=sql, refused=str(error), format=fmt)
        raise
    audit(request, signed, "query", sql=sql, rows=len(result.rows), truncated=result.truncated, format=fmt)
    return result


def _tables(request: Request) -> dict[str, list]:
    """The facts (with what a row is) and the snapshot's canonical tables, cached per snapshot."""
    from childhub.facts import describe

    snapshot = context(request).served.current()

    def compute() -> dict[str, list]:
        rows = (
            snapshot.cursor()
            .execute(
                "SELECT table_name, count(*) FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_catalog = current_database() GROUP BY table_name ORDER BY 1"
            )
            .fetchall()
        )
        return {"facts": sorted(describe().items()), "tables": rows}

    return snapshot.memo("sql_console_tables", compute)


def _page(request: Request, signed: Signed, sql: str, result: QueryResult | None = None, error: str | None = None):
    settings = context(request).settings
    return render(
        request,
        "sql.html",
        signed,
        status_code=400 if error else 200,
        sql=sql,
        result=result,
        cells=[[cell_text(value) for value in row] for row in result.rows] if result else [],
        error=error,
        listing=_tables(request),
        timeout=settings.query_timeout_seconds,
        row_limit=settings.query_row_limit,
        result_mb=settings.query_result_mb,
    )


@router.get("/sql", response_class=HTMLResponse)
def console(request: Request, signed: Signed = Depends(signed_in)):
    return _page(request, signed, EXAMPLE)


@router.post("/sql", response_class=HTMLResponse)
def run(
    request: Request,
    sql: str = Form(""),
    action: Literal["run", "csv", "xlsx"] = Form("run"),
    signed: Signed = Depends(csrf_protected),
) -> Response:
    try:
        result = _run(request, signed, sql, action if action != "run" else "table")
    except QueryError as error:
        return _page(request, signed, sql, error=str(error))
    if action == "run":
        return _page(request, signed, sql, result=result)
    return download(action, "query", result.columns, result.rows)


class SqlRequest(BaseModel):
    sql: str = Field(description="One read-only SELECT over the facts and canonical tables")


@api_router.post("/sql", summary="Run one read-only SELECT")
def run_json(request: Request, body: SqlRequest, signed: Signed = Depends(csrf_protected)) -> dict:
    """Run one SELECT on the published snapshot (time- and row-limited); refused statements answer 400."""
    result = _run(request, signed, body.sql, "json")
    records = json.loads(result.to_text("json"))
    return {
        "columns": list(result.columns),
        "rows": [[record[column] for column in result.columns] for record in records],
        "row_count": len(result.rows),
        "truncated": result.truncated,
        "truncated_by": result.truncated_by,
    }
