"""Periods an indicator is counted over, and the series of dates a trend is drawn at.

A period always ends on its as-at date:

- ``snapshot``: the as-at date alone (who was on a plan, in care, allocated, on that day);
- ``month``: from the first of the as-at date's month; ``quarter``: from the first day of its
  financial quarter (April, July, October, January);
- ``year``: the reporting year to date, from 1 April;
- ``rolling_6`` and ``rolling_12``: the 6 or 12 months up to and including the as-at date
  (31 March back to 1 October or 1 April).

A month, quarter or year whose as-at date falls before its last day is **incomplete** (1 to 4
December is a part month): a trend marks such a point partial and early warnings never judge it.
A period shorter than a year (a part year, a month, a quarter, 6 months) is **part of a year**:
its figure is compared like with like (``childhub.indicators.compute.LikeForLike``).
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

    @property
    def days(self) -> int:
        """Days in the period, both ends counted (1 April to 4 December: 248)."""
        return (self.end - self.start).days + 1

    @property
    def complete(self) -> bool:
        """Whether the period has run its whole course: a month to its last day, a quarter to its last,
        a reporting year to 31 March. A snapshot and a rolling period are always whole."""
        if self.type in ("month", "quarter", "year"):
            return self.end == full_period_end(self.type, self.start)
        return True

    @property
    def year_days(self) -> int:
        """Days in the year that starts on the period's first day (365, or 366 across a 29 February)."""
        return (add_months(self.start, 12) - self.start).days

    @property
    def part_of_year(self) -> bool:
        """Whether the period counts events over less than a year (a year to date before 31 March,
        a month, a quarter, 6 months): its counts are not comparable with a full year's as they are."""
        return self.type != "snapshot" and self.days < self.year_days

    def a_year_earlier(self) -> Period:
        """The same days a year before (1 April to 4 December 2025 for 1 April to 4 December 2026;
        29 February's twin is 28 February)."""
        return Period(self.type, add_months(self.start, -12), add_months(self.end, -12))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def full_period_end(period_type: PeriodType, start: date) -> date:
    """The last day of the month, quarter or reporting year that starts on ``start``."""
    months = {"month": 1, "quarter": 3, "year": 12}[period_type]
    return add_months(start.replace(day=1), months) - timedelta(days=1)


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
