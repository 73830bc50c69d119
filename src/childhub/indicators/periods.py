"""Periods an indicator is counted over, and the series of dates a trend is drawn at.

A period always ends on its as-at date:

- ``snapshot``: the as-at date alone (who was on a plan, in care, allocated, on that day);
- ``month``: from the first of the as-at date's month; ``quarter``: from the first day of its
  financial quarter (April, July, October, January);
- ``year``: the reporting year to date, from 1 April;
- ``rolling_6`` and ``rolling_12``: the 6 or 12 months up to and including the as-at date
  (31 March back to 1 October or 1 April).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from childhub.indicators.definitions import IndicatorError, PeriodType

Frequency = Literal["daily", "weekly", "monthly"]
PERIOD_LABELS = {
    "snapshot": "on the date",
    "month": "month to date",
    "quarter": "quarter to date",
    "year": "year to date (from 1 April)",
    "rolling_6": "6 months to date",
    "rolling_12": "12 months to date",
}


@dataclass(frozen=True)
class Period:
    """One period: its type, first and last day (both counted)."""

    type: PeriodType
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.type == "snapshot":
            return f"on {self.end.isoformat()}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_ending(period_type: PeriodType, end: date) -> Period:
    """The period of ``period_type`` that ends on ``end``."""
    if period_type == "snapshot":
        start = end
    elif period_type == "month":
        start = end.replace(day=1)
    elif period_type == "quarter":
        start = date(end.year, (end.month - 1) // 3 * 3 + 1, 1)  # financial quarters are calendar quarters
    elif period_type == "year":
        start = date(end.year if end.month >= 4 else end.year - 1, 4, 1)
    elif period_type in ("rolling_6", "rolling_12"):
        months = 6 if period_type == "rolling_6" else 12
        start = add_months(end, -months) + timedelta(days=1)
    else:
        raise IndicatorError(f"there is no period type {period_type!r}")
    return Period(period_type, start, end)


def series_ends(end: date, frequency: Frequency, points: int) -> list[date]:
    """``points`` as-at dates ending on ``end``, oldest first: days, weeks, or month ends (then ``end``)."""
    if points < 1:
        raise IndicatorError("a trend needs at least one point")
    if frequency == "daily":
        ends = [end - timedelta(days=n) for n in range(points)]
    elif frequency == "weekly":
        ends = [end - timedelta(days=7 * n) for n in range(points)]
    elif frequency == "monthly":
        ends = [end]
        month_end = end.replace(day=1) - timedelta(days=1)
        while len(ends) < points:
            ends.append(month_end)
            month_end = month_end.replace(day=1) - timedelta(days=1)
    else:
        raise IndicatorError(f"a trend is daily, weekly or monthly, not {frequency!r}")
    return sorted(ends)
