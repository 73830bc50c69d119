"""Indicators as the web app counts them: once per snapshot and date, shared by pages and the API."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import Request

from childhub.disclosure import reference_date
from childhub.indicators import AuthoritySettings, Calculator, Figure, Indicator, Trend
from childhub.web.deps import context

if TYPE_CHECKING:
    from childhub.web.served import Snapshot


_AUTHORITY = ("authority",)  # the memo key of the authority settings a warm-up counts with


def calculator(snapshot: Snapshot, request: Request | None = None) -> Calculator:
    """A Calculator on this thread's cursor of the snapshot, with the authority settings the app started
    with (``WebContext.authority``, found by ``indicators.authority_for``); while warming, before any
    request, the ones ``warm`` was given."""
    authority = context(request).authority if request is not None else snapshot.memo(_AUTHORITY, _not_warming, reads=())
    return Calculator(snapshot.cursor(), authority)


def _not_warming() -> AuthoritySettings:
    raise RuntimeError("counting without a request needs warm(snapshot, authority) first")


def warm(snapshot: Snapshot, authority: AuthoritySettings, *, breakdowns: bool = True) -> None:
    """Count what the overview and each indicator's page show today, before the snapshot serves:
    every figure, monthly trend and breakdown (not the breakdowns with ``breakdowns`` False: after each write
    to a held store, where only what the write changed is counted again, and the indicator page counts its own),
    with the app's ``authority`` settings; and the overview as at the last month end, which is what scrutiny sees
    (``disclosure.reference_date``)."""
    snapshot.memo(_AUTHORITY, lambda: authority, reads=())
    today = date.today()
    for figure in figures_on(snapshot, None, today):
        trend_of(snapshot, None, figure.indicator.id, today, "monthly")
        figure_of(snapshot, None, figure.indicator, today)
        if breakdowns:
            breakdowns_of(snapshot, None, figure.indicator, today)
    month_end = reference_date(today, threshold=1)
    if month_end != today:
        for figure in figures_on(snapshot, None, month_end):
            trend_of(snapshot, None, figure.indicator.id, month_end, "monthly")


# Facts every breakdown and list of children may read beside the indicator's own (indicators.compute).
_BESIDE = ("child", "allocation", "team", "worker")


def reads(ind: Indicator) -> tuple[str, ...]:
    """The facts a figure of ``ind`` depends on (its SQL's, and those its breakdowns join): what a live view's
    cached figure is kept against, so a write that changed none of them leaves it counted."""
    from childhub.facts import referenced_facts

    return tuple(sorted({*referenced_facts(ind.sql), *_BESIDE}))


def figure_of(snapshot: Snapshot, request: Request | None, ind: Indicator, as_at: date) -> Figure:
    """One indicator on ``as_at`` over its own period (cached per snapshot, or per state of what it reads)."""
    return snapshot.memo(
        ("figure", ind.id, as_at),
        lambda: calculator(snapshot, request).figures(as_at, [ind.id])[0],
        reads=reads(ind),
    )


def breakdowns_of(
    snapshot: Snapshot, request: Request | None, ind: Indicator, as_at: date
) -> dict[str, list[dict[str, Any]]]:
    """Every breakdown of one indicator on ``as_at`` (cached per snapshot)."""

    def count() -> dict[str, list[dict[str, Any]]]:
        calc = calculator(snapshot, request)
        return {by: calc.breakdown(ind.id, as_at, by) for by in ind.breakdowns}

    return snapshot.memo(("breakdowns", ind.id, as_at), count, reads=reads(ind))


def figures_on(snapshot: Snapshot, request: Request | None, as_at: date) -> list[Figure]:
    """Every indicator on ``as_at``, over its own period (counted once per snapshot; on a live view each figure
    is kept against what it reads, so a write counts again only the figures it touched)."""
    from childhub.indicators import library

    return [figure_of(snapshot, request, ind, as_at) for ind in library().values()]


def trend_of(
    snapshot: Snapshot,
    request: Request | None,
    indicator_id: str,
    as_at: date,
    frequency: str = "monthly",
    points: int | None = None,
) -> Trend:
    """One indicator's trend (counted once per snapshot, indicator, date and frequency)."""
    from childhub.indicators import indicator

    key = ("trend", indicator_id, as_at, frequency, points)
    count = lambda: calculator(snapshot, request).trend(indicator_id, as_at, frequency, points)  # noqa: E731
    return snapshot.memo(key, count, reads=reads(indicator(indicator_id)))
