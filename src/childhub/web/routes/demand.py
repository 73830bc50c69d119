"""The front door and demand (``/front-door``) and the projection of children in care (``/care-projection``).

Both read ``childhub.leaders`` (its ``leaders.demand``, where the rules are, and docs/demand.md), counted once per
snapshot, and show it as the viewer may see it (``published_front_door``, ``published_projection``): scrutiny under the
small-number threshold, with no teams; analysts, managers and admins with the teams and, behind each number, the
children they may see (``/front-door/children``: scope-filtered, audited by ``child_list_download``).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from childhub.calendar import long_date
from childhub.indicators import suppression_threshold
from childhub.web.charts import BLUE, GREEN, GREY, RED
from childhub.web.deps import NotFound, Signed, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download

ROLES = ("admin", "analyst", "manager", "scrutiny")
SEES_CHILDREN = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["demand"], dependencies=[Depends(require(*ROLES))])
children_pages = APIRouter(dependencies=[Depends(require(*SEES_CHILDREN))])

FRONT_DOOR_READS = ("contact", "referral", "police_notification", "early_help", "allocation", "assessment", "team")
PROJECTION_READS = ("cla_period",)
LIGHT_BLUE = "rgba(29, 112, 184, 0.15)"
LIGHTER_BLUE = "rgba(29, 112, 184, 0.30)"


def _threshold(request: Request, signed: Signed) -> int:
    return suppression_threshold(signed.role, context(request).small_number)


def _door(request: Request, as_at: date):
    """The front door over the 12 complete months to ``as_at``, counted once per snapshot and window (every day of
    a month asks for the same months)."""
    from childhub.leaders import front_door, window_for

    snapshot = context(request).served.current()
    end = window_for(as_at)[1]
    return snapshot.memo(("front_door", end), lambda: front_door(snapshot.cursor(), end), reads=FRONT_DOOR_READS)


def _projection(request: Request, as_at: date):
    """The projection from the last complete month to ``as_at``, once per snapshot and month."""
    from childhub.leaders import care_projection, window_for

    snapshot = context(request).served.current()
    end = window_for(as_at)[1]
    return snapshot.memo(
        ("care_projection", end), lambda: care_projection(snapshot.cursor(), end), reads=PROJECTION_READS
    )


def front_door_view(request: Request, signed: Signed, as_at: date) -> dict[str, Any]:
    """The front door as ``signed`` may see it (the page's and the API's figures)."""
    from childhub.leaders import published_front_door

    return published_front_door(_door(request, as_at), _threshold(request, signed))


def projection_view(request: Request, signed: Signed, as_at: date) -> dict[str, Any]:
    """The projection of children in care as ``signed`` may see it."""
    from childhub.leaders import published_projection

    return published_projection(_projection(request, as_at), _threshold(request, signed))


# --- charts -------------------------------------------------------------------------------------------


def _layout(x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"},
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.25},
        "height": 380,
        **extra,
    }


def _number(value: Any) -> float | None:
    """A count for drawing (a suppressed one is a gap)."""
    return value if isinstance(value, int | float) else None


def monthly_figure(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Contacts each month and what became of them."""
    from childhub.leaders import RULES

    x = [m["month_end"] for m in months]
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": "Contacts", "x": x,
         "y": [_number(m["contacts"]) for m in months], "line": {"color": BLUE, "width": 3}},
    ]  # fmt: skip
    for outcome, colour in (("referral", RED), ("early_help", GREEN), ("no_further_action", GREY)):
        data.append(
            {"type": "scatter", "mode": "lines+markers", "name": RULES["outcome_words"][outcome], "x": x,
             "y": [_number(m[outcome]) for m in months], "line": {"color": colour, "width": 2}}
        )  # fmt: skip
    return {"data": data, "layout": _layout("Month ending", "Contacts")}


def funnel_figure(teams: list[dict[str, Any]], size_key: str, share_key: str, overall: float | None, y_title: str):
    """A funnel chart: each team's share against its size, with the overall share and its 95% and 99.8% limits,
    which narrow as teams grow (a small team's share varies more by chance)."""
    from childhub.leaders import FUNNEL_LEVELS, funnel_limits

    shown = [t for t in teams if t[size_key]]
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "markers+text", "name": "Teams", "x": [t[size_key] for t in shown],
         "y": [round(t[share_key], 1) for t in shown], "text": [t["team_name"] for t in shown],
         "textposition": "top center", "marker": {"color": BLUE, "size": 10}},
    ]  # fmt: skip
    if overall is not None and shown:
        largest = max(t[size_key] for t in shown)
        sizes = sorted({max(1, round(math.exp(math.log(largest * 1.1) * i / 40))) for i in range(41)})
        share = overall / 100
        data.append(
            {"type": "scatter", "mode": "lines", "name": "Every team together", "x": [sizes[0], sizes[-1]],
             "y": [round(overall, 1)] * 2, "line": {"color": GREY, "width": 1.5}}
        )  # fmt: skip
        for (z, name), dash in zip(FUNNEL_LEVELS, ("dot", "dash"), strict=True):
            for side, label in ((1, name), (0, None)):
                data.append(
                    {"type": "scatter", "mode": "lines", "name": label or name, "showlegend": label is not None,
                     "x": sizes, "y": [round(100 * funnel_limits(share, n, z)[side], 2) for n in sizes],
                     "line": {"color": RED, "dash": dash, "width": 1.5}, "hoverinfo": "name+y"}
                )  # fmt: skip
    return {"data": data, "layout": _layout("Number of cases (team size)", y_title)}


def projection_figure(view: dict[str, Any]) -> dict[str, Any]:
    """The last 12 month-end counts, then the central projection with its 80% and 95% bands."""
    recent = [m for m in view["history"] if m["month_end"] in set(view["recent"])]
    ahead = view["ahead"]
    x = [ahead["base_date"]] + [m["month_end"] for m in ahead["months"]]
    base = _number(ahead["base_count"])

    def band(low: str, high: str, name: str, colour: str) -> list[dict[str, Any]]:
        return [
            {"type": "scatter", "mode": "lines", "name": f"{name} (low)", "x": x,
             "y": [base] + [m[low] for m in ahead["months"]], "line": {"width": 0}, "showlegend": False,
             "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": [base] + [m[high] for m in ahead["months"]],
             "fill": "tonexty", "fillcolor": colour, "line": {"width": 0}},
        ]  # fmt: skip

    data = [
        *band("low95", "high95", "95% of simulated paths", LIGHT_BLUE),
        *band("low80", "high80", "80% of simulated paths", LIGHTER_BLUE),
        {"type": "scatter", "mode": "lines", "name": "Projection (central)", "x": x,
         "y": [base] + [m["central"] for m in ahead["months"]], "line": {"color": BLUE, "dash": "dash", "width": 2}},
        {"type": "scatter", "mode": "lines+markers", "name": "Children in care at the month end",
         "x": [m["month_end"] for m in recent], "y": [_number(m["in_care"]) for m in recent],
         "line": {"color": GREY, "width": 3}},
    ]  # fmt: skip
    return {"data": data, "layout": _layout("Month ending", "Children in care")}


def back_test_figure(view: dict[str, Any]) -> dict[str, Any]:
    """The projection made 12 months ago, with its bands, and the month-end counts that arrived since."""
    year_ago = view["year_ago"]
    counts = {m["month_end"]: m["in_care"] for m in view["history"]}
    x = [m["month_end"] for m in year_ago["months"]]
    data = [
        {"type": "scatter", "mode": "lines", "name": "95% band (low)", "x": x,
         "y": [m["low95"] for m in year_ago["months"]], "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "name": "95% of simulated paths", "x": x,
         "y": [m["high95"] for m in year_ago["months"]], "fill": "tonexty", "fillcolor": LIGHT_BLUE,
         "line": {"width": 0}},
        {"type": "scatter", "mode": "lines", "name": "Projected 12 months ago (central)", "x": x,
         "y": [m["central"] for m in year_ago["months"]], "line": {"color": BLUE, "dash": "dash", "width": 2}},
        {"type": "scatter", "mode": "lines+markers", "name": "Actual at the month end", "x": x,
         "y": [_number(counts.get(day)) for day in x], "line": {"color": GREY, "width": 3}},
    ]  # fmt: skip
    return {"data": data, "layout": _layout("Month ending", "Children in care")}


# --- pages ---------------------------------------------------------------------------------------------


def _children_links(as_at: date) -> Any:
    def link(measure: str, fmt: str = "csv") -> str:
        return f"/front-door/children?as_at={as_at.isoformat()}&measure={measure}&format={fmt}"

    return link


@router.get("/front-door", response_class=HTMLResponse)
def page(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """The front door: contacts by source and what became of them, police notifications, repeat contacts,
    step-up and step-down, and how consistently teams apply thresholds."""
    from childhub.leaders import OPEN_CASE, RULES

    day = as_at or date.today()
    view = front_door_view(request, signed, day)
    teams = view["teams"] or []
    judged = [t for t in teams if t["team_id"] != OPEN_CASE]  # contacts about open cases are not judged
    months = view["months"]
    return render(
        request,
        "front_door.html",
        signed,
        as_at=day,
        door=view,
        start=date.fromisoformat(view["start"]),
        end=date.fromisoformat(view["end"]),
        sees_children=signed.role in SEES_CHILDREN,
        children_link=_children_links(day),
        rules=RULES,
        monthly=monthly_figure(months),
        monthly_rows=[
            [
                long_date(date.fromisoformat(m["month_end"])),
                m["contacts"],
                m["referral"],
                m["early_help"],
                m["no_further_action"],
                m["other"],
                m["notifications"],
                m["step_ups"],
                m["step_downs"],
            ]
            for m in months
        ],  # fmt: skip
        contact_funnel=funnel_figure(
            judged, "contacts", "contact_share", view["judged_contact_share"], "Contacts that became referrals (%)"
        )
        if teams
        else None,
        nfa_funnel=funnel_figure(
            teams, "referrals", "nfa_share", view["nfa_share"], "Referrals ending in no further action (%)"
        )
        if teams
        else None,
        contact_funnel_rows=[
            [t["team_name"], t["contacts"], t["contact_share"], t["contact_judgement"]] for t in judged if t["contacts"]
        ],
        nfa_funnel_rows=[
            [t["team_name"], t["referrals"], t["nfa_share"], t["nfa_judgement"]] for t in teams if t["referrals"]
        ],
    )


@router.get("/care-projection", response_class=HTMLResponse)
def projection_page(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """Children in care: a 12-month projection from recent entries and exits, with its uncertainty, beside the
    projection made 12 months ago and the actual figures since."""
    from childhub.leaders import RULES

    day = as_at or date.today()
    view = projection_view(request, signed, day)
    counts = {m["month_end"]: m["in_care"] for m in view["history"]}
    return render(
        request,
        "care_projection.html",
        signed,
        as_at=day,
        view=view,
        iso=date.fromisoformat,
        rules=RULES,
        ahead_figure=projection_figure(view),
        ahead_rows=[
            [
                long_date(date.fromisoformat(m["month_end"])),
                m["central"],
                m["low80"],
                m["high80"],
                m["low95"],
                m["high95"],
            ]
            for m in view["ahead"]["months"]
        ],  # fmt: skip
        back_figure=back_test_figure(view),
        back_rows=[
            [
                long_date(date.fromisoformat(m["month_end"])),
                m["central"],
                m["low95"],
                m["high95"],
                counts.get(m["month_end"]),
            ]
            for m in view["year_ago"]["months"]
        ],  # fmt: skip
    )


# --- the children behind each number --------------------------------------------------------------------

MEASURES = {
    "contacts": "Contacts",
    "outcome": "Contacts with the outcome",
    "source": "Contacts from",
    "police": "Police domestic-abuse notifications",
    "police_referral": "Police domestic-abuse notifications that became referrals",
    "repeat": "Children with repeat contacts and no referral",
    "step_up": "Step-up from early help",
    "step_down": "Step-down to early help",
    "nfa": "Referrals ending in no further action after assessment",
    "team_contacts": "Contacts about children worked with by",
    "team_contacts_referral": "Contacts that became referrals, children worked with by",
    "team_referrals": "Referrals taken by",
    "team_nfa": "Referrals ending in no further action after assessment, taken by",
}


def _title(measure: str, rows: list[dict[str, Any]]) -> str:
    """The list's title in words: "Contacts from Schools", "Referrals taken by Assessment Team"."""
    from childhub.codes import words_for
    from childhub.leaders import NO_TEAM, OPEN_CASE, RULES

    kind, _, key = measure.partition(":")
    title = MEASURES[kind]
    if kind == "outcome":
        return f"{title}: {RULES['outcome_words'].get(key, key)}"
    if kind == "source":
        return f"{title} {words_for('contact_source', key) or 'an unknown source'}"
    if kind.startswith("team_"):
        about = {OPEN_CASE: "children already open to social care", NO_TEAM: "children no team was working with"}
        if kind.startswith("team_contacts") and key in about:
            became = "Contacts that became referrals, about " if kind == "team_contacts_referral" else "Contacts about "
            return became + about[key]
        if key == NO_TEAM:
            return f"{title} no team recorded"
        return f"{title} {rows[0]['team_name'] if rows else 'team ' + key}"
    return title


def _visible(request: Request, signed: Signed, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows about children ``signed`` may see (the same rule as every other list of children)."""
    from childhub.web.scope import child_filter

    keys = sorted({row["child_key"] for row in rows if row.get("child_key")})
    if not keys:
        return []
    predicate, values = child_filter(signed, "k")
    cursor = context(request).served.current().cursor()
    found = cursor.execute(f"SELECT k FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE {predicate}", [keys, *values])
    visible = {row[0] for row in found.fetchall()}
    return [dict(row) for row in rows if row.get("child_key") in visible]


@children_pages.get("/front-door/children")
def children_download(
    request: Request,
    measure: str,
    format: Literal["csv", "xlsx"] = "csv",
    as_at: date | None = None,
    signed: Signed = Depends(signed_in),
) -> Response:
    """The children behind one number of the front door that the person may see, as CSV or Excel (audited)."""
    from childhub.leaders import window_for

    day = as_at or date.today()
    kind = measure.partition(":")[0]
    lists = _door(request, day).lists
    if kind not in MEASURES:
        raise NotFound(f"the front door has no figure {measure!r}")
    start, end = window_for(day)
    rows = lists.get(measure, [])
    listing = ChildList(
        title=_title(measure, rows) + (" (children in your teams)" if signed.role == "manager" else ""),
        definition=f"From {long_date(start)} to {long_date(end)}: see docs/demand.md for how each figure is counted.",
        columns=[Column("Date", "date"), Column("What", "detail"), Column("Team", "team_name")],
        rows=_visible(request, signed, rows),
        as_at=end,
        name=f"front-door-{kind.replace('_', '-')}",
        audited={"measure": measure},
    )
    return child_list_download(request, signed, format, listing)


router.include_router(children_pages)


# --- the API -------------------------------------------------------------------------------------------------


@api_router.get("/front-door", summary="The front door: contacts, outcomes, police notifications, thresholds")
def front_door_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """The front door over the 12 complete months to ``as_at`` (default today), as the person may see it."""
    return front_door_view(request, signed, as_at or date.today())


@api_router.get("/care-projection", summary="A 12-month projection of children in care, and last year's")
def care_projection_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """The projection from the last complete month to ``as_at`` (default today), with its bands, and the one made
    12 months earlier beside the month-end counts since, as the person may see them."""
    return projection_view(request, signed, as_at or date.today())
