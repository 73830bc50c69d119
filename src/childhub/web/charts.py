"""What the pages draw: figures as people may see them, Plotly figure dicts, and inline SVG sparklines.

Charts are data: each builder returns the JSON figure ``/static/childhub.js`` hands to Plotly
(placed in the page by the ``ui.chart`` macro, always beside a table of the same numbers).
Sparklines are drawn on the server as a small inline SVG, so the overview needs no script.

What scrutiny may see of a figure (``figure_view``, ``trend_points``) is decided in
``childhub.indicators.published``, before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

BLUE = "#1d70b8"
GREY = "#505a5f"
RED = "#d4351c"
GREEN = "#00703c"

# --- sparklines ----------------------------------------------------------------------------


def sparkline_svg(
    values: Sequence[float | None],
    label: str,
    width: int = 160,
    height: int = 36,
    formatted: Sequence[str] = (),
    partial: Sequence[bool] = (),
) -> Markup:
    """A small inline SVG line of ``values`` (gaps where None), labelled with the first and last value. A point
    marked ``partial`` (a month still under way) is left out of the line and drawn as a hollow circle, so a
    part month never looks like a fall."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        description = f"{label}: no values to draw"
        return Markup(
            f'<svg class="sparkline" role="img" aria-label="{escape(description)}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}"><title>{escape(description)}</title></svg>'
        )
    unfinished = [bool(flag) for flag in partial] if len(partial) == len(values) else [False] * len(values)
    text = list(formatted) if len(formatted) == len(values) else [f"{v:g}" if v is not None else "" for v in values]
    drawn = [(i, v) for i, v in known if not unfinished[i]] or known
    first_index, _ = drawn[0]
    last_index, _ = drawn[-1]
    description = (
        f"{label}: {text[first_index]} at the first point, {text[last_index]} at the last, {len(values)} points"
    )
    after = [i for i, v in known if unfinished[i] and i > last_index]
    if after:
        description += f"; then {text[after[-1]]} so far in a period not yet over (not joined to the line)"
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    span = (high - low) or 1.0
    pad = 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def x(i: int) -> float:
        return pad + i * step

    def y(v: float) -> float:
        return height - pad - (v - low) / span * (height - 2 * pad) if high != low else height / 2

    segments: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None or (unfinished[i] and (i, v) not in drawn):
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{x(i):.1f},{y(v):.1f}")
    lines = "".join(
        f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="{" ".join(s)}"/>' for s in segments if s
    )
    last_value = values[last_index]
    dot = f'<circle cx="{x(last_index):.1f}" cy="{y(last_value):.1f}" r="3" fill="{BLUE}"/>'
    hollow = "".join(
        f'<circle class="sparkline__partial" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="white" '
        f'stroke="{GREY}" stroke-width="1.5"/>'
        for i, v in known
        if unfinished[i] and (i, v) not in drawn
    )
    return Markup(
        f'<svg class="sparkline" role="img" aria-label="{escape(description)}" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none" width="{width}" height="{height}"><title>{escape(description)}</title>'
        f"{lines}{dot}{hollow}</svg>"
    )


# --- Plotly figures ------------------------------------------------------------------------


def _layout(x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"},
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.25},
        "height": 360,
        **extra,
    }


def trend_figure(
    points: list[dict[str, Any]], limits: dict[str, float] | None, y_title: str, target: float | None = None
) -> dict[str, Any]:
    """An indicator's trend: the points, the XmR centre line and control limits, and the target. A point whose
    period is not over (``partial``: the month so far) is its own hollow marker, off the line."""
    dates = [point["as_at"] for point in points]
    # Every point of a daily or weekly trend of monthly counts is a month so far: then they are the line.
    whole = [point for point in points if not point.get("partial")] or points
    unfinished = [point for point in points if point not in whole]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Value",
            "x": [point["as_at"] for point in whole],
            "y": [point["value"] for point in whole],
            "line": {"color": BLUE, "width": 3},
        }
    ]
    if limits is not None and dates:
        for name, key, dash, colour in (
            ("Centre line (mean)", "centre", "solid", GREY),
            ("Upper control limit", "upper", "dash", RED),
            ("Lower control limit", "lower", "dash", RED),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": [dates[0], dates[-1]],
                    "y": [limits[key], limits[key]],
                    "line": {"color": colour, "dash": dash, "width": 1.5},
                    "hoverinfo": "name+y",
                }
            )
    if target is not None and dates:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target",
                "x": [dates[0], dates[-1]],
                "y": [target, target],
                "line": {"color": GREEN, "dash": "dot", "width": 2},
            }
        )
    if unfinished:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "So far (period not over, not judged)",
                "x": [point["as_at"] for point in unfinished],
                "y": [point["value"] for point in unfinished],
                "marker": {"color": "white", "size": 9, "line": {"color": BLUE, "width": 2}},
            }
        )
    return {"data": data, "layout": _layout("As at", y_title)}


def bar_figure(labels: Sequence[str], values: Sequence[float | None], x_title: str, y_title: str) -> dict[str, Any]:
    """A bar chart of ``values`` by ``labels``."""
    return {
        "data": [
            {"type": "bar", "name": y_title, "x": list(labels), "y": list(values), "marker": {"color": BLUE}},
        ],
        "layout": _layout(x_title, y_title, showlegend=False),
    }
