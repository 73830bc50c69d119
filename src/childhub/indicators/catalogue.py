"""The indicator catalogue: docs/indicator-catalogue.md, written from the library so it cannot drift.

``.venv/bin/python scripts/indicator_catalogue.py`` rewrites the page; a test fails when the page
and the library disagree.
"""

from __future__ import annotations

from childhub.indicators.definitions import GROUPS, library
from childhub.indicators.periods import PERIOD_LABELS

UNITS = {
    "percent": "%",
    "rate_per_10k": "per 10,000 children",
    "count": "count",
    "median": "median",
    "mean": "mean",
    "ratio": "ratio",
}
POLARITY = {"higher_is_better": "higher is better", "lower_is_better": "lower is better", "neutral": "neutral"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def catalogue_markdown() -> str:
    """The catalogue page: every indicator by group, with its definition, period, source and comparator."""
    indicators = list(library().values())
    lines = [
        "# Indicator catalogue",
        "",
        "Written from `src/childhub/indicators/library/` by `scripts/indicator_catalogue.py`; do not edit by",
        "hand. How indicators are counted, and how to write one: [indicators.md](indicators.md).",
        "",
        f"{len(indicators)} indicators.",
    ]
    for group, title in GROUPS.items():
        members = [ind for ind in indicators if ind.group == group]
        if not members:
            continue
        lines += ["", f"## {title}", "", "| indicator | definition | unit | period | England | source | owner |"]
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for ind in members:
            unit = UNITS[ind.unit] + (f" ({ind.value_label})" if ind.value_label else "")
            period = PERIOD_LABELS[ind.period]
            others = [p for p in ind.allowed_periods if p != ind.period]
            if others:
                period += "; also " + ", ".join(others)
            england = ""
            if ind.comparator is not None:
                basis = "" if ind.comparator.basis == "published" else f", {ind.comparator.basis}"
                england = f"{ind.comparator.value:g} ({ind.comparator.year}{basis}; {_cell(ind.comparator.source)})"
            lines.append(
                f"| **{_cell(ind.name)}** `{ind.id}` | {_cell(ind.definition)} | {unit}, {POLARITY[ind.polarity]} "
                f"| {period} | {england} | {_cell(ind.source)} | {_cell(ind.owner)} |"
            )
    return "\n".join(lines) + "\n"
