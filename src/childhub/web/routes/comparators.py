"""Comparators: the authority beside England, its region and its statistical neighbours (docs/benchmarking.md).

``comparison_view`` is what the indicator page and its API show under the figure: the published figures of the
latest year loaded, a bar chart beside its table, and the authority's position among its neighbours in words.
``/comparators`` (and ``GET /api/v1/comparators``) lists what is loaded. Comparators are published figures about
authorities, never about a child; the authority's own figure now is ranked only where the viewer may see it (not
when it is suppressed for them).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.calendar import long_date
from childhub.indicators import NO_SUPPRESSION, Indicator, figure_view, format_value, suppression_threshold
from childhub.leaders import Comparison, Load, comparison_for, loaded_indicators, loads
from childhub.web.charts import bar_figure
from childhub.web.deps import Signed, context, render, require, signed_in
from childhub.web.measures import figure_of

ROLES = ("admin", "analyst", "manager", "scrutiny")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["comparators"], dependencies=[Depends(require(*ROLES))])

SYNTHETIC_LABEL = "Synthetic comparators (demo)"
# What the DfE's symbols say, where it published no figure.
MARKER_WORDS = {
    "c": "[c] suppressed by the DfE",
    "x": "not available",
    ":": "not available",
    "..": "not available",
    "": "not published",
    "-": "not published",
    "z": "not applicable",
    "low": "below 0.5",
    "k": "below 0.5",
    "~": "below 0.5",
    "u": "low reliability",
}


def _loaded(request: Request) -> dict[str, Any]:
    hub = context(request).accounts.db
    return {"loads": loads(hub), "indicators": loaded_indicators(hub)}


def _load_view(load: Load) -> dict[str, Any]:
    shown = asdict(load)
    at = datetime.fromisoformat(load.loaded_at)
    shown["loaded_at_words"] = f"{long_date(at.date())} at {at:%H:%M} (UTC)"
    shown["what"] = load.what
    return shown


@router.get("/comparators", response_class=HTMLResponse)
def page(request: Request, signed: Signed = Depends(signed_in)):
    """What comparators are loaded: each file with its publication, years, when and by whom; the indicators they
    give comparators for."""
    from childhub.indicators import library

    loaded = _loaded(request)
    indicators = library()
    return render(
        request,
        "comparators.html",
        signed,
        loads=[_load_view(load) for load in loaded["loads"]],
        indicators=[
            {"id": key, "name": indicators[key].name if key in indicators else key, "year": year}
            for key, year in loaded["indicators"]
        ],
        synthetic=any(load.synthetic for load in loaded["loads"]),
        synthetic_label=SYNTHETIC_LABEL,
    )


@api_router.get("/comparators", summary="The comparator files loaded, and the indicators they give comparators for")
def comparators_json(request: Request, signed: Signed = Depends(signed_in)) -> dict:
    """Each loaded file (publication, years, file, sha256, when, by whom, synthetic) and each indicator with the
    latest year loaded for it."""
    loaded = _loaded(request)
    return {
        "loads": [asdict(load) for load in loaded["loads"]],
        "indicators": [{"indicator_id": key, "year": year} for key, year in loaded["indicators"]],
    }


def comparison_view(
    request: Request, signed: Signed, ind: Indicator, as_at: date, value: float | None
) -> dict[str, Any] | None:
    """Where the figure stands beside England, the region and the statistical neighbours,
    as the indicator page and its API show it (None: nothing to show)."""
    ctx = context(request)
    threshold = suppression_threshold(signed.role, ctx.small_number)
    if value is not None and threshold > NO_SUPPRESSION:
        figure = figure_of(ctx.served.current(), request, ind, as_at)
        if figure_view(figure, threshold)["suppressed"]:
            value = None  # a figure hidden from this viewer is not ranked for them either
    comparison = comparison_for(ctx.accounts.db, ind, ctx.authority, value)
    if comparison is None:
        return None
    return comparison_dict(comparison, ind, ctx.authority_name)


def comparison_dict(comparison: Comparison, ind: Indicator, authority_name: str) -> dict[str, Any]:
    """A comparison as the page and the API show it: its fields, each figure formatted, the table's rows, the
    position in words and the bar chart's figure."""

    def shown(value: float | None, marker: str | None = None) -> str:
        if value is not None:
            return format_value(ind, value)
        return MARKER_WORDS.get(marker or "", "not published")

    rows = [
        ("authority", f"{authority_name}, published", comparison.own_published, None),
        ("england", "England", comparison.england, None),
    ]
    if comparison.region_name:
        rows.append(("region", comparison.region_name, comparison.region, None))
    if comparison.neighbours:
        rows.append(("average", "Statistical neighbours' average", comparison.neighbours_average, None))
    rows += [("neighbour", n.name, n.value, n.marker) for n in comparison.neighbours]
    table = [
        {"kind": kind, "area": area, "value": value, "formatted": shown(value, marker)}
        for kind, area, value, marker in rows
    ]
    charted = [row for row in table if row["value"] is not None]
    view = asdict(comparison)
    view.update(
        label=SYNTHETIC_LABEL if comparison.synthetic else None,
        ranking=comparison.ranking(authority_name),
        rows=table,
        chart_rows=[[row["area"], row["formatted"]] for row in charted],
        chart=bar_figure(
            [row["area"] for row in charted],
            [row["value"] for row in charted],
            "",
            ind.value_label or ind.unit.replace("_", " "),
        ),
    )
    return view
