"""Caseloads on a date: per worker and per team, cases, FTE and cases per FTE against the threshold.

Counted by the library's own indicators (``caseload_per_worker`` for cases and FTE,
``unallocated_cases`` for children open to social care with no allocated worker), through
``Calculator.children``, so the page agrees with the indicator figures. A worker is over the
threshold as ``caseload_over_threshold`` counts it: more cases than the threshold times their FTE.
A manager sees only their own teams (and the teams of their service areas).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from childhub.codes import words_for
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, link
from childhub.web.measures import calculator

ROLES = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["caseloads"], dependencies=[Depends(require(*ROLES))])


def _counted(request: Request, as_at: date) -> dict[str, Any]:
    """Every worker's and team's caseload, and the unallocated children, on ``as_at`` (cached per snapshot)."""
    snapshot = context(request).served.current()

    def count() -> dict[str, Any]:
        calc = calculator(snapshot, request)
        cases = calc.children("caseload_per_worker", as_at, part="numerator")
        holders = calc.children("caseload_per_worker", as_at, part="denominator")
        unallocated = calc.children("unallocated_cases", as_at)
        cursor = snapshot.cursor()
        teams = {
            team_id: (name, area)
            for team_id, name, area in cursor.execute(
                "SELECT team_id, team_name, service_area FROM fact_team"
            ).fetchall()
        }
        names = dict(cursor.execute("SELECT worker_id, worker_name FROM fact_worker").fetchall())
        return {
            "cases": cases,
            "holders": holders,
            "unallocated": unallocated,
            "teams": teams,
            "worker_names": names,
            "threshold": calc.authority.caseload_threshold,
        }

    return snapshot.memo(("caseloads", as_at), count)


def _visible(request: Request, signed: Signed, keys: list[str]) -> set[str]:
    """Which of ``keys`` the person may see (the same rule as every other list of children)."""
    from childhub.web.scope import child_filter

    if not keys:
        return set()
    predicate, values = child_filter(signed, "k")
    cursor = context(request).served.current().cursor()
    rows = cursor.execute(f"SELECT k FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE {predicate}", [keys, *values])
    return {row[0] for row in rows.fetchall()}


def _in_scope(signed: Signed, team_id: str | None, teams: dict[str, tuple[str, str]]) -> bool:
    account = signed.account
    if account.role in ("admin", "analyst"):
        return True
    area = teams.get(team_id or "", (None, None))[1]
    return team_id in account.teams or (area is not None and area in account.service_areas)


def caseloads(request: Request, signed: Signed, as_at: date) -> dict[str, Any]:
    """The caseloads ``signed`` may see: workers, teams and unallocated children in their teams; audited."""
    shown = _caseloads(request, signed, as_at)
    audit(
        request,
        signed,
        "view_caseloads",
        child_count=len(shown["unallocated"]),
        children=[row["child_key"] for row in shown["unallocated"]],
        as_at=as_at.isoformat(),
        workers=len(shown["workers"]),
    )
    return shown


def _caseloads(request: Request, signed: Signed, as_at: date) -> dict[str, Any]:
    counted = _counted(request, as_at)
    teams, threshold = counted["teams"], counted["threshold"]
    workers: dict[str, dict[str, Any]] = {}
    for holder in counted["holders"]:
        if not _in_scope(signed, holder["team"], teams):
            continue
        workers[holder["worker"]] = {
            "worker_id": holder["worker"],
            "worker_name": counted["worker_names"].get(holder["worker"]) or holder["worker"],
            "team_id": holder["team"],
            "team_name": teams.get(holder["team"], (holder["team"], None))[0],
            "cases": 0,
            "fte": float(holder["denominator"]),
        }
    for case in counted["cases"]:
        if case["worker"] in workers:
            workers[case["worker"]]["cases"] += 1
    team_rows: dict[str, dict[str, Any]] = {}
    for worker in workers.values():
        worker["cases_per_fte"] = worker["cases"] / worker["fte"] if worker["fte"] else None
        worker["over_threshold"] = worker["cases"] > threshold * worker["fte"]
        team = team_rows.setdefault(
            worker["team_id"],
            {
                "team_id": worker["team_id"],
                "team_name": worker["team_name"],
                "service_area": teams.get(worker["team_id"], (None, None))[1],
                "service_area_label": words_for("service_area", teams.get(worker["team_id"], (None, None))[1]),
                "workers": 0,
                "cases": 0,
                "fte": 0.0,
                "workers_over_threshold": 0,
                "unallocated": 0,
            },
        )
        team["workers"] += 1
        team["cases"] += worker["cases"]
        team["fte"] += worker["fte"]
        team["workers_over_threshold"] += worker["over_threshold"]
    unallocated = []
    visible = _visible(request, signed, [row["child_key"] for row in counted["unallocated"]])
    for row in counted["unallocated"]:
        team_id = None if row["team"] == "unallocated" else row["team"]
        if not _in_scope(signed, team_id, teams) or row["child_key"] not in visible:
            continue
        unallocated.append(
            {
                "child_key": row["child_key"],
                "child_id": row["child_id"],
                "la_child_id": row["la_child_id"],
                "age_band": row["age_band"],
                "team_id": team_id,
                "team_name": teams.get(team_id or "", (team_id or "no team", None))[0],
            }
        )
        if team_id in team_rows:
            team_rows[team_id]["unallocated"] += 1
        elif team_id is not None:
            name, area = teams.get(team_id, (team_id, None))
            team_rows[team_id] = {
                "team_id": team_id,
                "team_name": name,
                "service_area": area,
                "workers": 0,
                "cases": 0,
                "fte": 0.0,
                "workers_over_threshold": 0,
                "unallocated": 1,
            }
    for team in team_rows.values():
        team["fte"] = round(team["fte"], 2)
        team["cases_per_fte"] = team["cases"] / team["fte"] if team["fte"] else None
        team["over_threshold"] = team["cases_per_fte"] is not None and team["cases_per_fte"] > threshold
    worker_list = sorted(workers.values(), key=lambda w: (-(w["cases_per_fte"] or 0), w["worker_id"]))
    return {
        "as_at": as_at.isoformat(),
        "caseload_threshold": threshold,
        "workers": worker_list,
        "teams": sorted(team_rows.values(), key=lambda t: t["team_id"] or ""),
        "unallocated": sorted(unallocated, key=lambda u: (u["team_id"] or "", str(u["child_id"]))),
        "scoped": signed.role == "manager",
    }


@router.get("/caseloads", response_class=HTMLResponse)
def caseloads_page(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """Cases, FTE and cases per FTE per worker and team, against the threshold, and unallocated children."""
    day = as_at or date.today()
    shown = caseloads(request, signed, day)
    query = f"as_at={day.isoformat()}"
    return render(
        request,
        "caseloads.html",
        signed,
        **{**shown, "as_at": day},
        unallocated_csv=link("/caseloads/unallocated", "csv", query),
        unallocated_xlsx=link("/caseloads/unallocated", "xlsx", query),
    )


@router.get("/caseloads/unallocated")
def unallocated_download(
    request: Request,
    format: Literal["csv", "xlsx"] = "csv",
    as_at: date | None = None,
    signed: Signed = Depends(signed_in),
) -> Response:
    """The unallocated children the person may see, as CSV or Excel (with names), audited with the row count."""
    from childhub.indicators import indicator

    day = as_at or date.today()
    shown = _caseloads(request, signed, day)
    listing = ChildList(
        title="Unallocated cases" + (" in your teams" if shown["scoped"] else ""),
        definition=indicator("unallocated_cases").definition,
        columns=[Column("LA child ID", "la_child_id"), Column("Team", "team_name"), Column("Age band", "age_band")],
        rows=[dict(row) for row in shown["unallocated"]],
        as_at=day,
        name="unallocated-cases",
    )
    return child_list_download(request, signed, format, listing)


@api_router.get("/caseloads", summary="Caseloads per worker and team, and unallocated cases")
def caseloads_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """Caseloads per worker and team on a date, and the children open to social care with no worker."""
    return caseloads(request, signed, as_at or date.today())
