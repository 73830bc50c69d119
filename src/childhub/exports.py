"""What every spreadsheet childhub writes shares: text cells that cannot run as formulas.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and tab or carriage return can smuggle one in), so a team named ``=HYPERLINK(...)`` in a
source system would become a live link in an inspector's copy of the data. Every text cell an
export writes passes ``neutralise`` first, which puts an apostrophe before such text; numbers
and dates are not text and pass untouched (a negative number stays a number).
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = TypeVar("Value")


def neutralise(value: Value) -> Value | str:
    """``value`` with a leading apostrophe if it is text a spreadsheet could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
