"""Indicators as the web app counts them: once per snapshot and date, shared by pages and the API."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fastapi import Request

from childhub.indicators import Calculator, Figure, Trend, load_authority
from childhub.indicators.targets import AUTHORITY_FILE
from childhub.web.deps import context

if TYPE_CHECKING:
    from childhub.web.served import Snapshot


def calculator(snapshot: Snapshot, request: Request) -> Calculator:
    """A Calculator on this thread's cursor of the snapshot, with the authority's settings."""
    authority = snapshot.memo(("authority",), lambda: load_authority(context(request).data_dir / AUTHORITY_FILE))
    return Calculator(snapshot.cursor(), authority)


def figures_on(snapshot: Snapshot, request: Request, as_at: date) -> list[Figure]:
    """Every indicator on ``as_at``, over its own period (counted once per snapshot)."""
    return snapshot.memo(("figures", as_at), lambda: calculator(snapshot, request).figures(as_at))


def trend_of(
    snapshot: Snapshot,
    request: Request,
    indicator_id: str,
    as_at: date,
    frequency: str = "monthly",
    points: int | None = None,
) -> Trend:
    """One indicator's trend (counted once per snapshot, indicator, date and frequency)."""
    key = ("trend", indicator_id, as_at, frequency, points)
    return snapshot.memo(key, lambda: calculator(snapshot, request).trend(indicator_id, as_at, frequency, points))
