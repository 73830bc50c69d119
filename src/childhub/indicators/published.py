"""Figures as a viewer may see them: a figure, its trend and its control limits under disclosure control.

Scrutiny (and anything published: the scrutiny pack) sees aggregates only, under a ``threshold`` (the small-number
setting): ``figure_view`` and ``trend_points`` apply ``childhub.disclosure``'s rules (a small count is ``[c]`` and
its figure has no value; a trend's counts are rounded). The web pages, the API and the scrutiny pack all read
figures through here, so a number is hidden the same way wherever it is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from childhub.disclosure import (
    NO_THRESHOLD,
    SUPPRESSED,
    counts_are_small,
    is_small,
    round_count,
    rounded_value,
    suppress,
)

if TYPE_CHECKING:
    from childhub.indicators import ControlLimits, Figure, Trend

NO_SUPPRESSION = NO_THRESHOLD  # a threshold that suppresses nothing (roles that may see children)


def suppression_threshold(role: str, small_number: int) -> int:
    """Below which count a figure is suppressed for ``role``: scrutiny sees no small numbers."""
    return small_number if role == "scrutiny" else NO_SUPPRESSION


def _count(count: float | None, threshold: int) -> Any:
    shown = suppress(count, threshold)
    if isinstance(shown, float) and shown.is_integer():
        return int(shown)
    return shown


LIKE_FOR_LIKE = ("annualised", "annualised_formatted", "rag_value", "rag_basis")
LAST_YEAR = ("last_year_value", "last_year_formatted")


def figure_view(figure: Figure, threshold: int = NO_SUPPRESSION) -> dict[str, Any]:
    """A figure as a page or the API shows it (``figure.as_dict()``), with small counts suppressed: a hidden
    figure hides its annualised value too (it gives the count back), and last year's is hidden when its own
    counts are small."""
    shown = figure.as_dict()
    shown["period_label"] = figure.period.label
    shown["suppressed"] = counts_are_small(figure.numerator, figure.denominator, threshold)
    shown["numerator"] = _count(figure.numerator, threshold)
    shown["denominator"] = _count(figure.denominator, threshold)
    shown["children"] = _count(figure.children, threshold)
    if shown["suppressed"]:
        shown.update(value=None, formatted=SUPPRESSED, rag=None, note="suppressed: a count in it is small")
        shown.update(dict.fromkeys(LIKE_FOR_LIKE))
    like = figure.like_for_like
    if like is not None and counts_are_small(like.last_year_numerator, like.last_year_denominator, threshold):
        shown.update(last_year_value=None, last_year_formatted=SUPPRESSED)
    return shown


def trend_points(trend: Trend, threshold: int = NO_SUPPRESSION) -> list[dict[str, Any]]:
    """Each point of a trend: its date, value and counts (a suppressed point has no value). Under a
    ``threshold`` the counts are rounded and the value recomputed from them, so no two points can be
    differenced into a small number."""
    points = []
    for figure in trend.figures:
        shown = figure_view(figure, threshold)
        if threshold > NO_SUPPRESSION:
            shown.update(_rounded(figure, threshold))
        points.append(
            {
                "as_at": figure.period.end.isoformat(),
                "period_start": figure.period.start.isoformat(),
                "value": shown["value"],
                "formatted": shown["formatted"],
                "numerator": shown["numerator"],
                "denominator": shown["denominator"],
                # A period not yet over (the current part month): drawn apart, never judged.
                "partial": figure.partial,
                "days": figure.period.days,
            }
        )
    return points


def _rounded(figure: Figure, threshold: int) -> dict[str, Any]:
    """A figure's counts rounded (``disclosure.round_count``; a small one stays ``[c]``) and its value made
    from them (none when a count is small); a median or a mean is not a count and stays as it is."""
    from childhub.indicators import format_value

    ind = figure.indicator
    numerator, denominator = round_count(figure.numerator), round_count(figure.denominator)
    if counts_are_small(figure.numerator, figure.denominator, threshold):
        return {
            "numerator": SUPPRESSED if is_small(figure.numerator, threshold) else numerator,
            "denominator": SUPPRESSED if is_small(figure.denominator, threshold) else denominator,
        }
    value = figure.value
    if ind.unit not in ("median", "mean"):
        value = rounded_value(value, figure.numerator, figure.denominator, numerator, denominator)
    return {
        "value": None if value is None else round(value, ind.decimals + 1),
        "formatted": format_value(ind, value),
        "numerator": numerator,
        "denominator": denominator,
    }


def limits_view(limits: ControlLimits | None) -> dict[str, float] | None:
    """Control limits as numbers rounded for showing (none where there are none)."""
    if limits is None:
        return None
    return {"centre": round(limits.centre, 3), "lower": round(limits.lower, 3), "upper": round(limits.upper, 3)}
