"""Working days, reporting years and ages, as children's services count them.

Working days are Monday to Friday except England and Wales bank holidays (the
``holidays`` package, subdivision ENG). ``working_days_between(start, end)`` counts
the working days after ``start`` up to and including ``end``: a same-day event is 0,
and an event on the next working day is 1. This is the DfE convention for the
45-working-day assessment and 15-working-day ICPC timescales.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``."""
    return _bank_holidays(year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=64)
def _working_days_of_year(year: int) -> tuple[date, ...]:
    first = date(year, 1, 1)
    days = (first + timedelta(days=offset) for offset in range(366))
    return tuple(day for day in days if day.year == year and is_working_day(day))


@lru_cache(maxsize=256)
def _working_days_before_year(year: int) -> int:
    """Working days from 1 January 1990 to the end of the year before ``year``."""
    if year <= 1990:
        return 0
    return _working_days_before_year(year - 1) + len(_working_days_of_year(year - 1))


def _working_days_up_to(day: date) -> int:
    """Working days from 1 January 1990 up to and including ``day``."""
    return _working_days_before_year(day.year) + bisect_right(_working_days_of_year(day.year), day)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    return _working_days_up_to(end) - _working_days_up_to(start)


def add_working_days(start: date, count: int) -> date:
    """The date ``count`` working days after ``start`` (``count`` >= 0)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a date (a 29 February birthday turns on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def reporting_year_end(on: date) -> date:
    """The 31 March that ends the reporting year (1 April - 31 March) containing ``on``."""
    return date(on.year if on.month <= 3 else on.year + 1, 3, 31)


def long_date(day: date | None) -> str:
    """A date as people read it: "5 December 2026" (empty for none; ISO dates are for files)."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def collection_year_label(year: int | None) -> str:
    """A collection year, named by the year of its 31 March, as people write it: 2026 is "2025-26" ("" for none)."""
    return f"{year - 1}-{year % 100:02d}" if year else ""


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
