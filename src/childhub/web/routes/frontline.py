"""My cases (a practitioner's children and what is due for each) and My team (a manager's workers, their
caseloads, the unallocated and the overdue), from ``childhub.frontline``.

What is due is counted for every child once per state of the facts it reads (``snapshot.memo`` with ``reads``)
and filtered per worker, so a page costs a dictionary look-up and a query for the names of the worker's children.
Caseloads come from the caseloads page's own count (``routes.caseloads``: the caseload indicators), so the figures
agree. A practitioner opens only their own cases; a manager any worker of their teams (and their service areas'
teams); an admin any worker. Every view and download that lists children is audited with the children.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from childhub.web.deps import Forbidden, NotFound, Signed, audit, context, render, require, signed_in

ROLES = ("admin", "manager", "practitioner")
TEAM_ROLES = ("admin", "manager")
TREND_WEEKS = 26
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["frontline"], dependencies=[Depends(require(*ROLES))])
Format = Literal["csv", "xlsx"]


# --- counted once per state of the facts -------------------------------------------------------------------


def warm(snapshot: Any, authority: Any) -> None:
    """Count what My cases and My team read today before the snapshot serves (``web.app`` runs it after the
    overview's warm-up), so the first practitioner after an ingest does not wait for every child's due items."""
    today = date.today()
    due_by_child(snapshot, authority.timescales, today)
    cases_counted(snapshot, today)
    weekly_counted(snapshot, today)


def _due_by_child(request: Request, as_at: date) -> dict[str, list[Any]]:
    return due_by_child(context(request).served.current(), context(request).authority.timescales, as_at)


def due_by_child(snapshot: Any, timescales: Any, as_at: date) -> dict[str, list[Any]]:
    """Every child's due items on ``as_at``, soonest first (counted once per state of the facts they read)."""
    from childhub.frontline import READS, due_items

    def count() -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = defaultdict(list)
        for item in due_items(snapshot.cursor(), as_at, timescales):
            found[item.child_key].append(item)
        return dict(found)

    return snapshot.memo(("frontline_due", as_at, timescales), count, reads=READS)


def _cases(request: Request, as_at: date) -> dict[str, Any]:
    return cases_counted(context(request).served.current(), as_at)


def cases_counted(snapshot: Any, as_at: date) -> dict[str, Any]:
    """Each worker's children, each child's status in words, and the workers' and teams' names."""
    from childhub.frontline import CASE_READS, cases_by_worker, statuses

    def count() -> dict[str, Any]:
        cursor = snapshot.cursor()
        workers = {
            worker_id: {"worker_name": name, "team_id": team_id, "fte": fte}
            for worker_id, name, team_id, fte in cursor.execute(
                "SELECT worker_id, worker_name, team_id, fte FROM fact_worker"
            ).fetchall()
        }
        teams = {
            team_id: {"team_name": name, "service_area": area}
            for team_id, name, area in cursor.execute(
                "SELECT team_id, team_name, service_area FROM fact_team"
            ).fetchall()
        }
        return {
            "held": cases_by_worker(cursor, as_at),
            "statuses": statuses(cursor, as_at),
            "workers": workers,
            "teams": teams,
        }

    return snapshot.memo(("frontline_cases", as_at), count, reads=CASE_READS)


def _open_since(
    request: Request, as_at: date, unallocated: list[dict[str, Any]]
) -> tuple[dict[str, date], dict[str, date]]:
    """When each unallocated child became open to social care, and when they began waiting for a worker (the later
    of that and the end of their last worker's allocation), counted once per state of the facts."""
    from childhub.frontline import CASE_READS, open_since, waiting_since

    snapshot = context(request).served.current()
    keys = sorted({row["child_key"] for row in unallocated})

    def count() -> tuple[dict[str, date], dict[str, date]]:
        cursor = snapshot.cursor()
        return open_since(cursor, keys, as_at), waiting_since(cursor, keys, as_at)

    return snapshot.memo(("frontline_open_since", as_at), count, reads=CASE_READS)


def _weekly(request: Request, as_at: date) -> tuple[list[date], dict]:
    return weekly_counted(context(request).served.current(), as_at)


def weekly_counted(snapshot: Any, as_at: date) -> tuple[list[date], dict]:
    """Cases and unallocated children by team at the end of each of the last 26 complete weeks."""
    from childhub.frontline import CASE_READS, complete_weeks, weekly_by_team

    ends = complete_weeks(as_at, TREND_WEEKS)
    found = snapshot.memo(
        ("frontline_weekly", ends[-1]), lambda: weekly_by_team(snapshot.cursor(), ends), reads=CASE_READS
    )
    return ends, found


# --- who may open whom ------------------------------------------------------------------------------------


def _team_in_scope(signed: Signed, team_id: str | None, teams: dict[str, dict[str, Any]]) -> bool:
    account = signed.account
    if account.role == "admin":
        return True
    if account.role != "manager" or team_id is None:
        return False
    area = teams.get(team_id, {}).get("service_area")
    return team_id in account.teams or (area is not None and area in account.service_areas)


def _worker_team(cases: dict[str, Any], worker_id: str) -> str | None:
    held = cases["held"].get(worker_id)
    if held is not None:
        return held["team_id"]
    return cases["workers"].get(worker_id, {}).get("team_id")


def _workers_in_scope(signed: Signed, cases: dict[str, Any], team: str | None = None) -> list[dict[str, Any]]:
    """The workers ``signed`` may open (case-holders and every worker on record), by name."""
    ids = set(cases["held"]) | set(cases["workers"])
    shown = []
    for worker_id in ids:
        team_id = _worker_team(cases, worker_id)
        if not _team_in_scope(signed, team_id, cases["teams"]) or (team is not None and team_id != team):
            continue
        held = cases["held"].get(worker_id, {"children": {}})
        shown.append(
            {
                "worker_id": worker_id,
                "worker_name": cases["workers"].get(worker_id, {}).get("worker_name") or worker_id,
                "team_id": team_id,
                "team_name": cases["teams"].get(team_id or "", {}).get("team_name") or team_id or "no team",
                "cases": len(held["children"]),
            }
        )
    return sorted(shown, key=lambda w: (w["team_name"], w["worker_name"], w["worker_id"]))


def _chosen_worker(signed: Signed, cases: dict[str, Any], worker: str | None) -> str | None:
    """The worker whose cases are shown: a practitioner's own; for a manager or admin the one asked for (None:
    they choose). Forbidden for a worker they may not open; NotFound for one the hub does not know."""
    if signed.role == "practitioner":
        own = signed.account.worker_id
        if not own:
            raise Forbidden("your account has no worker ID, so it has no cases: ask an admin to set one")
        if worker is not None and worker != own:
            raise Forbidden("a practitioner may open only their own cases")
        return own
    if worker is None:
        return None
    if worker not in cases["held"] and worker not in cases["workers"]:
        raise NotFound(f"there is no worker {worker}")
    if not _team_in_scope(signed, _worker_team(cases, worker), cases["teams"]):
        raise Forbidden("that worker is not in one of your teams")
    return worker


def _visible(request: Request, signed: Signed, keys: list[str]) -> set[str]:
    """Which of ``keys`` ``signed`` may see (``scope.child_filter``, as every list of children)."""
    from childhub.web.scope import child_filter

    if not keys:
        return set()
    predicate, values = child_filter(signed, "k")
    if predicate == "TRUE":
        return set(keys)
    cursor = context(request).served.current().cursor()
    rows = cursor.execute(f"SELECT k FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE {predicate}", [keys, *values])
    return {row[0] for row in rows.fetchall()}


# --- My cases ---------------------------------------------------------------------------------------------


def _item_view(item: Any, timescales: Any) -> dict[str, Any]:
    from childhub.frontline import long_date

    return {
        "kind": item.kind,
        "what": item.label,
        "due_date": item.due_date.isoformat(),
        "due": long_date(item.due_date),
        "days_until_due": item.days_until,
        "overdue": item.overdue,
        "when": item.when(),
        "rule": item.rule(timescales),
    }


def my_cases(request: Request, signed: Signed, worker: str | None, as_at: date) -> dict[str, Any]:
    """The children allocated to the worker, with their status in each service and what is due, soonest first."""
    from childhub.frontline import long_date
    from childhub.web.exports import add_names

    cases = _cases(request, as_at)
    chosen = _chosen_worker(signed, cases, worker)
    base: dict[str, Any] = {"as_at": as_at.isoformat(), "as_at_words": long_date(as_at), "worker": None, "children": []}
    if chosen is None:
        return {**base, "choose_from": _workers_in_scope(signed, cases)}
    held = cases["held"].get(chosen, {"children": {}, "team_id": _worker_team(cases, chosen)})
    keys = sorted(held["children"])
    # A practitioner's own children are those allocated to them today: their scope by definition (scope.py).
    visible = set(keys) if signed.role == "practitioner" else _visible(request, signed, keys)
    due = _due_by_child(request, as_at)
    timescales = context(request).authority.timescales
    children = []
    for key in keys:
        if key not in visible:
            continue
        items = [_item_view(item, timescales) for item in due.get(key, [])]
        children.append(
            {
                "child_key": key,
                "status": cases["statuses"].get(key) or ["Allocated; no open plan, period of care or referral"],
                "allocated_since": long_date(held["children"][key]),
                "due": items,
                "overdue": sum(item["overdue"] for item in items),
            }
        )
    add_names(context(request).served.current().cursor(), children)
    children.sort(key=lambda c: (c["due"][0]["due_date"] if c["due"] else "9999", str(c.get("child_name") or "")))
    team_id = held["team_id"]
    worker_row = {
        "worker_id": chosen,
        "worker_name": cases["workers"].get(chosen, {}).get("worker_name") or chosen,
        "team_id": team_id,
        "team_name": cases["teams"].get(team_id or "", {}).get("team_name") or team_id,
    }
    audit(request, signed, "view_my_cases", subject=chosen, child_count=len(children),
          children=[c["child_key"] for c in children], as_at=as_at.isoformat())  # fmt: skip
    for child in children:
        born = child.get("date_of_birth")
        child["born"] = long_date(born) if born else None
        child["date_of_birth"] = born.isoformat() if born else None
    return {**base, "worker": worker_row, "children": children, "own": signed.account.worker_id == chosen}


def _my_cases_download(request: Request, signed: Signed, shown: dict[str, Any], fmt: str) -> Response:
    from childhub.web.exports import ChildList, Column, child_list_download

    worker = shown["worker"]
    rows = []
    for child in shown["children"]:
        first = child["due"][0] if child["due"] else None
        rows.append(
            {
                "child_key": child["child_key"],
                "status": "; ".join(child["status"]),
                "next_due": first["what"] if first else None,
                "due_date": date.fromisoformat(first["due_date"]) if first else None,
                "days_until_due": first["days_until_due"] if first else None,
                "overdue_items": child["overdue"],
                "everything_due": "; ".join(f"{i['what']}: {i['due']} ({i['when']})" for i in child["due"]),
            }
        )
    listing = ChildList(
        title=f"Cases of {worker['worker_name']}",
        definition=(
            "Children allocated to the worker on the date (an allocation started on or before it and not ended on or "
            "before it), with their status in each service and what is due by the authority's timescales; days until "
            "due are calendar days, negative when overdue (docs/frontline.md)."
        ),
        columns=[
            Column("Status", "status"),
            Column("Next due", "next_due"),
            Column("Due date", "due_date"),
            Column("Days until due (calendar days; negative: overdue)", "days_until_due"),
            Column("Items overdue", "overdue_items"),
            Column("Everything due", "everything_due"),
        ],
        rows=rows,
        as_at=date.fromisoformat(shown["as_at"]),
        name=f"cases-{worker['worker_id']}",
    )
    return child_list_download(request, signed, fmt, listing)


@router.get("/my-cases", response_class=HTMLResponse)
def my_cases_page(
    request: Request, worker: str | None = None, format: Format | None = None, signed: Signed = Depends(signed_in)
):
    """The children allocated to me (or to a worker a manager or admin opens), and what is due for each."""
    shown = my_cases(request, signed, worker or None, date.today())
    if format is not None and shown["worker"] is not None:
        return _my_cases_download(request, signed, shown, format)
    return render(request, "my_cases.html", signed, **shown)


@api_router.get("/my-cases", summary="A worker's children and what is due for each")
def my_cases_json(
    request: Request, worker: str | None = None, format: Format | None = None, signed: Signed = Depends(signed_in)
):
    """The children allocated to the worker (a practitioner's own; ``worker`` for a manager or admin), each with
    their status in each service and what is due, soonest first (days until due in calendar days)."""
    shown = my_cases(request, signed, worker or None, date.today())
    if format is not None and shown["worker"] is not None:
        return _my_cases_download(request, signed, shown, format)
    return shown


# --- My team ----------------------------------------------------------------------------------------------


def my_team(request: Request, signed: Signed, team: str | None, as_at: date) -> dict[str, Any]:
    """The workers of the manager's teams against the caseload threshold, the unallocated children, the overdue
    visits and reviews by worker, and the weekly trend of caseloads and unallocated work with its early warnings."""
    from childhub.frontline import long_date
    from childhub.indicators import early_warnings, xmr_limits
    from childhub.web.charts import sparkline_svg
    from childhub.web.exports import add_names
    from childhub.web.routes.caseloads import _counted

    cases = _cases(request, as_at)
    teams = cases["teams"]
    counted = _counted(request, as_at)  # the caseloads page's own count: the caseload indicators
    threshold = counted["threshold"]
    team_ids = {holder["team"] for holder in counted["holders"]} | set(teams)
    in_scope = sorted(
        (t for t in team_ids if t and _team_in_scope(signed, t, teams)),
        key=lambda t: teams.get(t, {}).get("team_name") or t,
    )
    if team is not None and team not in in_scope:
        raise Forbidden("that team is not one of yours") if team in team_ids else NotFound(f"there is no team {team}")
    chosen = [team] if team is not None else in_scope
    chosen_set = set(chosen)

    due = _due_by_child(request, as_at)
    workers = []
    overdue_rows = []
    for holder in counted["holders"]:
        if holder["team"] not in chosen_set:
            continue
        worker_id, fte = holder["worker"], float(holder["denominator"])
        children = cases["held"].get(worker_id, {"children": {}})["children"]  # caseload_per_worker's own rule
        overdue = {"visit": 0, "review": 0, "other": 0}
        for key in children:
            for item in due.get(key, []):
                if item.overdue:
                    overdue[item.group] += 1
                    overdue_rows.append((worker_id, item))
        workers.append(
            {
                "worker_id": worker_id,
                "worker_name": counted["worker_names"].get(worker_id) or worker_id,
                "team_id": holder["team"],
                "team_name": teams.get(holder["team"], {}).get("team_name") or holder["team"],
                "cases": len(children),
                "fte": fte,
                "threshold": round(threshold * fte, 1),
                "over_threshold": len(children) > threshold * fte,
                "overdue_visits": overdue["visit"],
                "overdue_reviews": overdue["review"],
                "overdue_other": overdue["other"],
            }
        )
    workers.sort(key=lambda w: (-(w["cases"] / w["fte"] if w["fte"] else 0), w["worker_name"]))

    unallocated_rows = [
        row for row in counted["unallocated"] if (None if row["team"] == "unallocated" else row["team"]) in chosen_set
        or (signed.role == "admin" and team is None and row["team"] in (None, "unallocated"))
    ]  # fmt: skip
    keys = {row["child_key"] for row in unallocated_rows} | {item.child_key for _worker, item in overdue_rows}
    visible = _visible(request, signed, sorted(keys))
    since, waiting = _open_since(request, as_at, counted["unallocated"])
    unallocated = []
    for row in unallocated_rows:
        if row["child_key"] not in visible:
            continue
        opened, waited = since.get(row["child_key"]), waiting.get(row["child_key"])
        team_id = None if row["team"] == "unallocated" else row["team"]
        unallocated.append(
            {
                "child_key": row["child_key"],
                "team_id": team_id,
                "team_name": teams.get(team_id or "", {}).get("team_name") or team_id or "no team",
                "open_since_date": opened.isoformat() if opened else None,
                "open_since": long_date(opened) if opened else "not known",
                "waiting_since_date": waited.isoformat() if waited else None,
                "waiting_since": long_date(waited) if waited else "not known",
                "days_waiting": (as_at - waited).days if waited else None,
            }
        )
    unallocated.sort(key=lambda u: (-(u["days_waiting"] or 0), u["child_key"]))

    timescales = context(request).authority.timescales
    overdue = []
    names = {w["worker_id"]: w["worker_name"] for w in workers}
    for worker_id, item in overdue_rows:
        if item.child_key in visible:
            overdue.append(
                {"child_key": item.child_key, "worker_id": worker_id, "worker_name": names.get(worker_id, worker_id),
                 **_item_view(item, timescales)}
            )  # fmt: skip
    overdue.sort(key=lambda o: (o["days_until_due"], o["worker_name"], o["child_key"]))
    add_names(context(request).served.current().cursor(), unallocated + overdue)
    for row in unallocated + overdue:
        born = row.get("date_of_birth")
        row["born"] = long_date(born) if born else None
        row["date_of_birth"] = born.isoformat() if born else None

    ends, weekly = _weekly(request, as_at)
    run_length = context(request).authority.early_warning.run_length
    trend = []
    for measure, title in (("cases", "Cases held by the team's workers"), ("unallocated", "Unallocated children")):
        values = [float(sum(weekly.get(t, {}).get(end, {}).get(measure, 0) for t in chosen)) for end in ends]
        limits = xmr_limits(values)
        warnings = early_warnings(values, "lower_is_better", run_length, lambda v: f"{v:,.1f}".removesuffix(".0"))
        trend.append(
            {
                "measure": measure,
                "title": title,
                "weeks": [
                    {"week_ending": e.isoformat(), "week": long_date(e), "value": int(v)}
                    for e, v in zip(ends, values, strict=True)
                ],
                "limits": None if limits is None else {
                    "centre": round(limits.centre, 2), "lower": round(limits.lower, 2), "upper": round(limits.upper, 2)
                },
                "warnings": warnings,
                "sparkline": sparkline_svg(values, f"{title}, week by week", width=260, height=48,
                                           formatted=[f"{v:,.0f}" for v in values]),
            }
        )  # fmt: skip
    audit(
        request,
        signed,
        "view_my_team",
        subject=team or ",".join(chosen),
        child_count=len({r["child_key"] for r in unallocated + overdue}),
        children=[r["child_key"] for r in unallocated + overdue],
        as_at=as_at.isoformat(),
        workers=len(workers),
    )
    return {
        "as_at": as_at.isoformat(),
        "as_at_words": long_date(as_at),
        "caseload_threshold": threshold,
        "team": team,
        "teams": [{"team_id": t, "team_name": teams.get(t, {}).get("team_name") or t} for t in in_scope],
        "workers": workers,
        "unallocated": unallocated,
        "overdue": overdue,
        "trend": trend,
        "trend_from": long_date(ends[0] - timedelta(days=6)),
        "trend_to": long_date(ends[-1]),
        "run_length": run_length,
    }


def _my_team_download(request: Request, signed: Signed, shown: dict[str, Any], which: str, fmt: str) -> Response:
    from childhub.web.exports import ChildList, Column, child_list_download

    as_at = date.fromisoformat(shown["as_at"])
    scope = next((t["team_name"] for t in shown["teams"] if t["team_id"] == shown["team"]), None) or "my teams"
    if which == "unallocated":
        listing = ChildList(
            title=f"Unallocated children, {scope}",
            definition=(
                "Children open to social care on the date (an open CIN episode, a child protection plan or looked "
                "after) with no allocation to a named worker, as the indicator unallocated_cases counts them; open "
                "since: the start of the earliest spell open to social care on the date; days waiting: calendar "
                "days since then, or since their last worker's allocation ended if that is later."
            ),
            columns=[
                Column("Team", "team_name"),
                Column("Open to social care since", "open_since_date"),
                Column("Waiting for a worker since", "waiting_since_date"),
                Column("Days waiting", "days_waiting"),
            ],
            rows=[
                {
                    **row,
                    "open_since_date": row["open_since_date"] and date.fromisoformat(row["open_since_date"]),
                    "waiting_since_date": row["waiting_since_date"] and date.fromisoformat(row["waiting_since_date"]),
                }
                for row in shown["unallocated"]
            ],  # fmt: skip
            as_at=as_at,
            name="unallocated",
        )
    else:
        listing = ChildList(
            title=f"Overdue visits, reviews and assessments, {scope}",
            definition=(
                "What is overdue on the date for the children allocated to the team's workers, by the authority's "
                "timescales (docs/frontline.md); days overdue are calendar days after the due date."
            ),
            columns=[
                Column("Worker", "worker_name"),
                Column("What is due", "what"),
                Column("Due date", "due_date"),
                Column("Days overdue", "days_overdue"),
                Column("Rule", "rule"),
            ],
            rows=[
                {**row, "due_date": date.fromisoformat(row["due_date"]), "days_overdue": -row["days_until_due"]}
                for row in shown["overdue"]
            ],  # fmt: skip
            as_at=as_at,
            name="overdue",
        )
    return child_list_download(request, signed, fmt, listing)


team_dependencies = [Depends(require(*TEAM_ROLES))]


@router.get("/my-team", response_class=HTMLResponse, dependencies=team_dependencies)
def my_team_page(
    request: Request,
    team: str | None = None,
    which: Literal["unallocated", "overdue"] = Query("unallocated", alias="list"),
    format: Format | None = None,
    signed: Signed = Depends(signed_in),
):
    """My teams' workers against the caseload threshold, the unallocated, the overdue, and the weekly trend."""
    shown = my_team(request, signed, team or None, date.today())
    if format is not None:
        return _my_team_download(request, signed, shown, which, format)
    return render(request, "my_team.html", signed, **shown)


@api_router.get("/my-team", summary="My teams: caseloads, unallocated children, overdue work, weekly trend",
                dependencies=team_dependencies)  # fmt: skip
def my_team_json(
    request: Request,
    team: str | None = None,
    which: Literal["unallocated", "overdue"] = Query("unallocated", alias="list"),
    format: Format | None = None,
    signed: Signed = Depends(signed_in),
):
    """The workers of my teams with their caseloads against the threshold and overdue visits and reviews; the
    unallocated children with the date they became open and days waiting; caseloads and unallocated work by week
    over the last 26 complete weeks with XmR limits and early warnings."""
    shown = my_team(request, signed, team or None, date.today())
    if format is not None:
        return _my_team_download(request, signed, shown, which, format)
    return {**shown, "trend": [{k: v for k, v in t.items() if k != "sparkline"} for t in shown["trend"]]}
