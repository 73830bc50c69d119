"""The overview: every indicator by group, with value, target, RAG, England, a sparkline and warnings.

A figure over part of a year shows its annualised value (a count or rate) and the same days last year, and
England's full-year figure is set beside those; a sparkline's part month is a hollow point, off the line,
and no warning comes from it (``childhub.indicators.compute``).

Counted once per snapshot and date (``Snapshot.memo``), so many people opening the overview do
not count again; suppression for scrutiny is applied to the cached figures as each page is drawn.
Also says what each source's data are as at and whether its feed is late ("Data as at", every role: dates and
states, no child; ``childhub.web.routes.feeds.feed_freshness``), when each source was last refreshed, from the
snapshot's ``ingest_batch``, and shows data quality as a
measure for every role (``childhub.web.pages.quality.measure``: open errors and queries, their daily trend, new
since yesterday, fixed in the last week; counts of findings, no child named), with a link to the data-quality
page for the roles that may open it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from childhub.disclosure import SUPPRESSED, reference_date
from childhub.indicators import figure_view, suppression_threshold, trend_points
from childhub.web.charts import sparkline_svg
from childhub.web.deps import EVERY_ROLE, Signed, context, render, require, signed_in
from childhub.web.measures import figures_on, trend_of
from childhub.web.pages.quality import measure
from childhub.web.routes.data_quality import ROLES as DATA_QUALITY_ROLES
from childhub.web.routes.feeds import feed_freshness

if TYPE_CHECKING:
    from childhub.web.served import Snapshot

ROLES = EVERY_ROLE
SPARKLINE_POINTS = 24  # monthly points drawn (the trend's own length, at most this)
router = APIRouter(dependencies=[Depends(require(*ROLES))])


def source_refreshes(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Per source system and kind: the latest loaded batch's finish time and extract date."""

    def count() -> list[dict[str, Any]]:
        rows = (
            snapshot.cursor()
            .execute(
                "SELECT source_system, source_kind, arg_max(finished_at, (finished_at, batch_id)), "
                "arg_max(extract_date, (finished_at, batch_id)), count(*) "
                "FROM ingest_batch WHERE status = ? AND finished_at IS NOT NULL "
                "GROUP BY source_system, source_kind ORDER BY source_system, source_kind",
                ["loaded"],
            )
            .fetchall()
        )
        return [
            {"source_system": s, "source_kind": k, "finished_at": f, "extract_date": e, "batches": n}
            for s, k, f, e, n in rows
        ]

    return snapshot.memo(("source_refreshes",), count)


def data_quality(snapshot: Snapshot) -> dict[str, Any]:
    """The data-quality measure for the whole authority, with a sparkline of open errors each day."""

    def count() -> dict[str, Any]:
        shown = measure(snapshot.cursor())
        points = shown["trend"]
        shown["sparkline"] = sparkline_svg([p["errors"] for p in points], "Open data-quality errors, daily")
        shown["sparkline_from"] = points[0]["day"] if points else None
        return shown

    return snapshot.memo(("data_quality_measure",), count)


def overview_figures(snapshot: Snapshot, request: Request, as_at: date) -> list[tuple[Any, Any]]:
    """Each indicator's figure on ``as_at`` with its monthly trend (both cached per snapshot)."""

    def count() -> list[tuple[Any, Any]]:
        return [
            (figure, trend_of(snapshot, request, figure.indicator.id, as_at, "monthly"))
            for figure in figures_on(snapshot, request, as_at)
        ]

    return snapshot.memo(("overview", as_at), count)


def overview_groups(snapshot: Snapshot, request: Request, as_at: date, threshold: int) -> list[dict[str, Any]]:
    """The overview's groups, each with its indicators as shown to someone under ``threshold``."""
    from childhub.indicators import GROUPS

    def build() -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = {key: [] for key in GROUPS}
        for figure, trend in overview_figures(snapshot, request, as_at):
            shown = figure_view(figure, threshold)
            points = trend_points(trend, threshold)[-SPARKLINE_POINTS:]
            shown["sparkline"] = sparkline_svg(
                [point["value"] for point in points],
                f"{figure.indicator.name}, monthly",
                formatted=[point["formatted"] for point in points],
                partial=[point["partial"] for point in points],
            )
            shown["sparkline_from"] = points[0]["as_at"] if points else None
            shown["sparkline_partial"] = next((point for point in points if point["partial"]), None)
            # Warnings come from every value of the trend, which a scrutiny viewer may not see in part.
            suppressed_points = any(point["formatted"] == SUPPRESSED for point in trend_points(trend, threshold))
            shown["warnings"] = [] if suppressed_points else list(trend.warnings)
            groups[figure.indicator.group].append(shown)
        return [{"key": key, "name": GROUPS[key], "indicators": items} for key, items in groups.items() if items]

    return snapshot.memo(("overview_groups", as_at, threshold), build)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """Every indicator on the date (default today), grouped, with when each source was refreshed."""
    ctx = context(request)
    snapshot = ctx.served.current()
    threshold = suppression_threshold(signed.role, ctx.small_number)
    day = reference_date(as_at or date.today(), threshold)
    return render(
        request,
        "overview.html",
        signed,
        as_at=day,
        groups=overview_groups(snapshot, request, day, threshold),
        refreshes=source_refreshes(snapshot),
        freshness=feed_freshness(request),
        quality=data_quality(snapshot),
        may_open_data_quality=signed.role in DATA_QUALITY_ROLES,
        suppressing=bool(threshold),
    )
