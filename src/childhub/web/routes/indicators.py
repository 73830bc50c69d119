"""One indicator: its definition, figure, trend with control limits, breakdowns, and the children behind it.

Every role sees the aggregates (scrutiny with small numbers suppressed). The children behind the
number are for roles that may see children, limited to those in the user's scope; each such view
is written to the audit log. Every role also sees what the sources the figure is counted from are as at, with a
notice when one of them is late (``feeds_behind``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.codes import breakdown_field, with_labels, words_for
from childhub.disclosure import SUPPRESSED, protect_breakdown, published_breakdowns, reference_date, suppress
from childhub.indicators import figure_view, limits_view, suppression_threshold, trend_points
from childhub.web.charts import trend_figure
from childhub.web.deps import EVERY_ROLE, NotFound, Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, link, long_date
from childhub.web.measures import breakdowns_of, calculator, figure_of, trend_of
from childhub.web.routes.commentary import commentary_view
from childhub.web.routes.comparators import comparison_view
from childhub.web.routes.feeds import feed_freshness
from childhub.web.routes.practice import audits_view
from childhub.web.scope import child_filter

if TYPE_CHECKING:
    from childhub.indicators import Indicator

ROLES = EVERY_ROLE
SEES_CHILDREN = ("admin", "analyst", "manager", "practitioner")
NAMED_GROUPS = ("team", "worker")  # breakdowns whose groups the calculator names (fact_team, fact_worker)
ROWS_SHOWN = 2000  # children listed on the page at most (the API gives them all)
Frequency = Literal["daily", "weekly", "monthly"]
Part = Literal["numerator", "denominator"]

router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["indicators"], dependencies=[Depends(require(*ROLES))])
# The children behind a figure: not for scrutiny (included into the routers above, below).
children_pages = APIRouter(dependencies=[Depends(require(*SEES_CHILDREN))])
children_api = APIRouter(dependencies=[Depends(require(*SEES_CHILDREN))])


def known_indicator(indicator_id: str) -> Indicator:
    """The indicator, or NotFound (an unknown ID is a missing page, not a bad request)."""
    from childhub.indicators import IndicatorError, indicator

    try:
        return indicator(indicator_id)
    except IndicatorError as error:
        raise NotFound(str(error)) from None


def _breakdown_view(
    rows: list[dict[str, Any]],
    by: str,
    threshold: int,
    total: dict[str, Any] | None = None,
    field: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A breakdown as ``threshold`` allows, and why it is withheld if it is: the groups
    ``disclosure.protect_breakdown`` hides for the figure ``total`` (its numerator, denominator and
    children) are ``[c]``, every other count is shown. Each group keeps its code (``group``) and is labelled
    in words: the team's or worker's name, or the code's words in ``field`` (``childhub.codes.words_for``)."""
    total = total if total is not None else _sum_of(rows)
    protection = protect_breakdown(total, rows, threshold)
    if protection.withheld:
        return [], protection.withheld
    shown = []
    for position, row in enumerate(rows):
        suppressed = position in protection.hidden
        children_hidden = position in protection.children_hidden
        shown.append(
            {
                "group": row[by],
                # a team's or worker's name as the facts give it; any other group's code in words
                "label": (row.get("label") if by in NAMED_GROUPS else words_for(field, row[by])) or "Not recorded",
                "value": None if suppressed else row["value"],
                "formatted": SUPPRESSED if suppressed else row["formatted"],
                "numerator": SUPPRESSED if suppressed else suppress(row["numerator"], threshold),
                "denominator": SUPPRESSED if suppressed else suppress(row["denominator"], threshold),
                "children": SUPPRESSED if children_hidden else suppress(row["children"], threshold),
                "note": None if suppressed else row["note"],
            }
        )
    return shown, None


def _sum_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The total of a breakdown's groups (the figure they add up to)."""
    denominators = [row["denominator"] for row in rows]
    return {
        "numerator": sum(row["numerator"] or 0 for row in rows),
        "denominator": None if None in denominators else sum(denominators),
        "children": sum(row["children"] or 0 for row in rows),
    }


def feeds_behind(request: Request, ind: Indicator) -> dict[str, Any]:
    """The feeds whose batches fill the tables the indicator's facts read (``childhub.feeds.bearing_on``), each as
    fresh as it is now; those of them late, overdue or never delivered; and what is wrong with feeds.yml, if any."""
    from childhub.facts import referenced_facts, tables_read
    from childhub.feeds import bearing_on

    judged = feed_freshness(request)
    feeds = bearing_on(judged.feeds, tables_read(referenced_facts(ind.sql)))
    return {
        "feeds": feeds,
        "late": [feed for feed in feeds if feed.flag is not None],
        "problem": judged.problem,
    }


def indicator_report(
    request: Request, signed: Signed, indicator_id: str, as_at: date, frequency: str
) -> tuple[Indicator, dict[str, Any]]:
    """What the page and the API show about one indicator, as ``signed`` may see it."""
    ind = known_indicator(indicator_id)
    ctx = context(request)
    snapshot = ctx.served.current()
    threshold = suppression_threshold(signed.role, ctx.small_number)
    as_at = reference_date(as_at, threshold)
    trend = trend_of(snapshot, request, ind.id, as_at, frequency)
    points = trend_points(trend, threshold)
    any_suppressed = any(point["formatted"] == SUPPRESSED for point in points)
    figure = figure_of(snapshot, request, ind, as_at)
    published = published_breakdowns(ind.breakdowns, threshold)
    breakdowns, withheld = {}, {}
    counted = breakdowns_of(snapshot, request, ind, as_at)
    total = {"numerator": figure.numerator, "denominator": figure.denominator, "children": figure.children}
    for by in published:
        breakdowns[by], reason = _breakdown_view(counted[by], by, threshold, total, breakdown_field(ind.id, by))
        if reason:
            withheld[by] = reason
    report = {
        "indicator": {
            "id": ind.id,
            "name": ind.name,
            "definition": ind.definition,
            "group": ind.group,
            "unit": ind.unit,
            "polarity": ind.polarity,
            "period": ind.period,
            "counts": ind.counts,
            "owner": ind.owner,
            "source": ind.source,
            "breakdowns": published,
            "comparator": None if ind.comparator is None else ind.comparator.model_dump(),
        },
        "as_at": as_at.isoformat(),
        "figure": figure_view(figure, threshold),
        "trend": {
            "frequency": frequency,
            "points": points,
            # Limits and warnings are drawn from every point's value: not given when some are suppressed.
            "limits": None if any_suppressed else limits_view(trend.limits),
            "warnings": [] if any_suppressed else list(trend.warnings),
            # Points whose period is not over (marked "partial") are shown but never judged.
            "partial_note": trend.partial_note,
        },
        "breakdowns": breakdowns,
        "withheld": withheld,
        # what leaders read beside the figure (issue 16): comparators, the service's commentary, case file audits
        "comparison": comparison_view(request, signed, ind, as_at, figure.value),
        "commentary": commentary_view(request, signed, ind, as_at),
        "audits": audits_view(request, signed, ind, as_at, figure.value),
        # the as-at of each feed the figure reads, and whether it is late (no child in it: every role sees it)
        "data_as_at": [
            {"feed": f.name, "as_at": f.as_at.isoformat() if f.as_at else None, "state": f.state, "summary": f.summary}
            for f in feeds_behind(request, ind)["feeds"]
        ],
    }
    return ind, report


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    indicator_id: str,
    as_at: date | None = None,
    frequency: Frequency = "monthly",
    signed: Signed = Depends(signed_in),
):
    """The indicator's definition, figure, trend chart (with control limits) and breakdowns."""
    ind, report = indicator_report(request, signed, indicator_id, as_at or date.today(), frequency)
    day = date.fromisoformat(report["as_at"])  # a month end for scrutiny (disclosure.reference_date)
    points = report["trend"]["points"]
    figure = report["figure"]
    chart = trend_figure(
        points, report["trend"]["limits"], ind.value_label or ind.unit.replace("_", " "), figure["target"]
    )
    return render(
        request,
        "indicator.html",
        signed,
        ind=ind,
        report=report,
        figure=figure,
        as_at=day,
        frequency=frequency,
        chart=chart,
        chart_rows=[
            (
                p["as_at"] + (" (so far: not over)" if p["partial"] else ""),
                p["formatted"],
                p["numerator"],
                p["denominator"],
            )
            for p in points
        ],
        behind=feeds_behind(request, ind),
        sees_children=signed.account.sees_children,
        suppressing=bool(suppression_threshold(signed.role, context(request).small_number)),
    )


@api_router.get("/indicators/{indicator_id}", summary="One indicator: figure, trend, limits, breakdowns")
def indicator_json(
    request: Request,
    indicator_id: str,
    as_at: date | None = None,
    frequency: Frequency = "monthly",
    signed: Signed = Depends(signed_in),
) -> dict:
    """One indicator on a date: its figure, trend points, control limits, warnings and breakdowns."""
    _, report = indicator_report(request, signed, indicator_id, as_at or date.today(), frequency)
    return report


# --- the children behind the number ---------------------------------------------------------


def children_behind(
    request: Request, signed: Signed, indicator_id: str, as_at: date, part: str, shown: int | None = None
) -> dict[str, Any]:
    """The rows behind a figure that ``signed`` may see, how many are hidden, audited as a view of children
    (naming the children of the first ``shown`` rows, or of every row)."""
    found = _behind(request, signed, indicator_id, as_at, part)
    audit(
        request,
        signed,
        "view_children",
        subject=found["indicator"].id,
        child_count=found["children"],
        children=[row["child_key"] for row in found["rows"][:shown]],
        part=part,
        as_at=as_at.isoformat(),
        rows=len(found["rows"]),
        hidden=found["hidden"],
    )
    return found


def _behind(request: Request, signed: Signed, indicator_id: str, as_at: date, part: str) -> dict[str, Any]:
    """The rows behind a figure that ``signed`` may see, and how many are hidden (not audited: the caller does)."""
    ind = known_indicator(indicator_id)
    snapshot = context(request).served.current()
    rows = snapshot.memo(
        ("children", ind.id, as_at, part), lambda: calculator(snapshot, request).children(ind.id, as_at, part=part)
    )
    predicate, values = child_filter(signed, "child_key")
    if predicate == "TRUE":
        visible = rows
    else:
        keys = {row["child_key"] for row in rows if row["child_key"] is not None}
        allowed: set[str] = set()
        if keys:
            found = (
                snapshot.cursor()
                .execute(
                    f"SELECT child_key FROM unnest(?) AS k(child_key) WHERE {predicate}",
                    [sorted(keys), *values],
                )
                .fetchall()
            )
            allowed = {key for (key,) in found}
        visible = [row for row in rows if row["child_key"] in allowed]
    # each coded column keeps its code and gains its words beside it, <column>_label (the page, API and downloads)
    fields = _fields_of(ind.id, rows[0]) if rows else {}
    visible = [with_labels(row, fields) for row in visible]
    children = len({row["child_key"] for row in visible if row["child_key"] is not None})
    return {
        "indicator": ind,
        "as_at": as_at,
        "part": part,
        "rows": visible,
        "children": children,
        "hidden": len(rows) - len(visible),
        "total": len(rows),
    }


@children_pages.get("/indicators/{indicator_id}/children", response_class=HTMLResponse)
def children_page(
    request: Request,
    indicator_id: str,
    part: Part = "numerator",
    as_at: date | None = None,
    format: Literal["html", "csv", "xlsx"] = "html",
    signed: Signed = Depends(signed_in),
):
    """The children behind the figure, in the user's scope, each linking to their record (``format=csv|xlsx``: every
    one of them as a download, audited with its row count)."""
    if format != "html":
        return _children_download(request, signed, indicator_id, as_at or date.today(), part, format)
    found = children_behind(request, signed, indicator_id, as_at or date.today(), part, ROWS_SHOWN)
    # the team's and worker's names are shown, not their IDs, and each code's words, not the code (the API and
    # downloads keep both)
    first = found["rows"][0] if found["rows"] else {}
    hidden = {"child_key", "child_id", "team", "worker"} | {c for c in first if f"{c}_label" in first}
    columns = [c for c in first if c not in hidden]
    return render(
        request,
        "indicator_children.html",
        signed,
        **found,
        columns=columns,
        shown=found["rows"][:ROWS_SHOWN],
        rows_shown=ROWS_SHOWN,
        csv_link=link(request.url.path, "csv", urlencode({"part": part, "as_at": found["as_at"].isoformat()})),
        xlsx_link=link(request.url.path, "xlsx", urlencode({"part": part, "as_at": found["as_at"].isoformat()})),
    )


PERIODS = {
    "snapshot": "On",
    "month": "The month to",
    "quarter": "The quarter to",
    "year": "The year to",
    "rolling_6": "The 6 months to",
    "rolling_12": "The 12 months to",
}
PARTS = {
    "numerator": "the numerator: the rows the figure counts",
    "denominator": "the denominator: the rows the figure is a share of",
}


def _children_download(request: Request, signed: Signed, indicator_id: str, as_at: date, part: str, fmt: str):
    """Every row behind the figure that ``signed`` may see, as CSV or Excel with the indicator's definition."""
    found = _behind(request, signed, indicator_id, as_at, part)
    ind = found["indicator"]
    keys = [key for key in (found["rows"][0] if found["rows"] else {}) if key not in ("child_key", "child_id")]
    listing = ChildList(
        title=f"Children behind {ind.name} ({part})",
        definition=ind.definition,
        columns=[Column(key.replace("_", " ").capitalize(), key) for key in keys],
        rows=[dict(row) for row in found["rows"]],
        as_at=as_at,
        name=f"children-behind-{ind.id}-{part}",
        notes=[
            ("Indicator", f"{ind.name} ({ind.id})"),
            ("Period", f"{PERIODS.get(ind.period, ind.period)} {long_date(as_at)}"),
            ("Part", PARTS[part]),
            ("Counts", ind.counts),
            ("Outside your scope", f"{found['hidden']:,} more rows are counted in the figure and not listed here"),
        ],
        audited={"indicator": ind.id, "part": part, "hidden": found["hidden"]},
    )
    return child_list_download(request, signed, fmt, listing)


@children_api.get("/indicators/{indicator_id}/children", summary="The children behind a figure (audited)")
def children_json(
    request: Request,
    indicator_id: str,
    part: Part = "numerator",
    as_at: date | None = None,
    signed: Signed = Depends(signed_in),
) -> dict:
    """The rows behind a figure in the caller's scope (audited), and how many are outside it."""
    found = children_behind(request, signed, indicator_id, as_at or date.today(), part)
    return {
        "indicator": found["indicator"].id,
        "as_at": found["as_at"].isoformat(),
        "part": part,
        "children": found["children"],
        "hidden": found["hidden"],
        "rows": found["rows"],
    }


def _fields_of(indicator_id: str, row: dict[str, Any]) -> dict[str, str | None]:
    """The field each column of a row behind an indicator holds (an indicator's own breakdown may differ)."""
    return {column: breakdown_field(indicator_id, column) for column in row}


router.include_router(children_pages)
api_router.include_router(children_api)
