"""Random event dates: a Poisson process over a stretch of days."""

from __future__ import annotations

import random
from datetime import date, timedelta


def event_dates(rng: random.Random, rate_per_year: float, start: date, end: date, min_gap_days: int = 1) -> list[date]:
    """Dates after ``start`` up to ``end`` of events happening ``rate_per_year`` times a year."""
    if rate_per_year <= 0 or end <= start:
        return []
    remaining = (end - start).days
    elapsed = 0
    dates = []
    while True:
        gap = rng.expovariate(rate_per_year) * 365.25
        if gap > remaining:  # also keeps huge gaps from overflowing a date
            return dates
        elapsed += max(min_gap_days, round(gap))
        if elapsed > remaining:
            return dates
        dates.append(start + timedelta(days=elapsed))
