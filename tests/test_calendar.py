"""Working days with England and Wales bank holidays, ages and reporting years."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.calendar import (
    add_working_days,
    add_years,
    age_on,
    is_working_day,
    next_working_day,
    reporting_year_end,
    working_days_between,
)


@pytest.mark.parametrize(
    "start, end, expected, why",
    [
        (date(2025, 1, 6), date(2025, 1, 6), 0, "same day is 0"),
        (date(2025, 1, 6), date(2025, 1, 7), 1, "next working day is 1"),
        (date(2025, 1, 10), date(2025, 1, 13), 1, "Friday to Monday"),
        # Christmas 2024: Wed 25 and Thu 26 December are bank holidays
        (date(2024, 12, 24), date(2024, 12, 27), 1, "over Christmas: only Friday 27th counts"),
        # Christmas 2021 fell on a Saturday: the holidays moved to Mon 27 and Tue 28
        (date(2021, 12, 24), date(2021, 12, 29), 1, "substitute days for a weekend Christmas"),
        # Easter 2025: Good Friday 18 April, Easter Monday 21 April
        (date(2025, 4, 17), date(2025, 4, 22), 1, "over Easter"),
        # The late Queen's funeral, Monday 19 September 2022, a one-off bank holiday
        (date(2022, 9, 16), date(2022, 9, 20), 1, "one-off bank holiday"),
        # Coronation, Monday 8 May 2023, and the early May holiday on 1 May
        (date(2023, 4, 28), date(2023, 5, 9), 5, "two May bank holidays"),
        (date(2024, 2, 28), date(2024, 3, 1), 2, "leap day is a working day"),
        (date(2025, 1, 7), date(2025, 1, 6), -1, "end before start counts back"),
    ],
)
def test_working_days_between(start, end, expected, why):
    assert working_days_between(start, end) == expected, why


def test_45_working_days_from_a_referral():
    # 1 Sept 2025 (Mon) + 45 working days: 9 weeks exactly, no bank holidays in between
    assert add_working_days(date(2025, 9, 1), 45) == date(2025, 11, 3)
    assert working_days_between(date(2025, 9, 1), date(2025, 11, 3)) == 45


def test_add_working_days_skips_holidays():
    assert add_working_days(date(2024, 12, 24), 1) == date(2024, 12, 27)
    assert next_working_day(date(2024, 12, 25)) == date(2024, 12, 27)
    assert not is_working_day(date(2025, 8, 25))  # summer bank holiday
    assert is_working_day(date(2025, 8, 26))


def test_ages_and_leap_day_birthdays():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert add_years(date(2008, 2, 29), 18) == date(2026, 2, 28)
    assert age_on(date(2010, 5, 1), date(2026, 4, 30)) == 15


@pytest.mark.parametrize(
    "day, end",
    [
        (date(2026, 3, 31), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2027, 3, 31)),
        (date(2026, 1, 15), date(2026, 3, 31)),
    ],
)
def test_reporting_year_end(day, end):
    assert reporting_year_end(day) == end


def test_a_collection_year_is_named_as_people_write_it():
    from childhub.calendar import collection_year_label

    assert collection_year_label(2026) == "2025-26"
    assert collection_year_label(2000) == "1999-00"  # two digits, the century's turn included
    assert collection_year_label(None) == ""
