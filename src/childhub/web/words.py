"""Numbers as numbers and codes as words on every page: the Jinja filters the templates print with.

``number``: a count, rate, FTE or percentage as people read it: whole numbers without ".0" and with
thousands separators ("1,234"), anything else at ``places`` decimal places (1 unless a template says
otherwise) with the trailing zeros kept only when ``places`` is fixed, and no float noise (0.1 + 0.2 is
"0.3"). Text (a suppressed "[c]") passes through; None is ""; true and false are "Yes" and "No".
``words``: a field's code in words (``childhub.codes.words_for``); ``heading``: a column name in words.
``long_date``: a date as "5 December 2026" (``childhub.calendar.long_date``); ``when``: a moment as "5 December
2026 at 14:03". Templates print dates through these two, never with their own ``strftime``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from childhub.calendar import long_date
from childhub.codes import heading, words_for
from childhub.web.pages.shared import service_name

PLACES = 1  # decimal places a rate, FTE or percentage is shown to unless a template asks for others


def number(value: Any, places: int | None = None) -> str:
    """``value`` as a person reads a number: "43" (not "43.0"), "1,234", "12.5", "0.3".

    ``places`` fixes the decimal places ("12.50" with 2); without it a whole number has none and any
    other is rounded half up to ``PLACES`` and loses trailing zeros.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if not isinstance(value, int | float | Decimal):
        return str(value)
    try:
        exact = Decimal(str(value))  # str() of a float is its shortest repr: 0.1 + 0.2 is 0.30000000000000004
    except InvalidOperation:
        return str(value)
    if not exact.is_finite():
        return str(value)
    wanted = PLACES if places is None else places
    rounded = exact.quantize(Decimal(1).scaleb(-wanted), rounding=ROUND_HALF_UP)
    if places is None:
        rounded = rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded.normalize()
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    shown = f"{rounded:,f}"
    return shown


def percent(value: Any, places: int | None = None) -> str:
    """``number`` followed by "%" ("" for None)."""
    shown = number(value, places)
    return f"{shown}%" if shown and shown[-1].isdigit() else shown


def register(env: Any) -> None:
    """Give the Jinja environment ``env`` the filters every template prints numbers, codes and headings with."""
    env.filters["number"] = number
    env.filters["percent"] = percent
    env.filters["words"] = lambda code, field: words_for(field, code) or ""
    env.filters["heading"] = heading
    env.filters["service"] = service_name
    env.filters["long_date"] = long_date
    env.filters["when"] = when


def when(moment: Any) -> str:
    """A date and time as people read it: "5 December 2026 at 14:03" (a date alone as ``long_date``; "" for none)."""
    if moment is None:
        return ""
    if not hasattr(moment, "hour"):
        return long_date(moment)
    return f"{long_date(moment.date())} at {moment:%H:%M}"
