"""Disclosure control: what aggregates a viewer under a small-number threshold (scrutiny) may see.

The rules follow the Government Statistical Service's guidance on disclosure control of tables
(docs/security/disclosure.md says which, and why):

- **Threshold and primary suppression.** A count from 1 to ``threshold - 1`` is shown as ``[c]``;
  zero is shown. A figure, or a breakdown's group, with a small numerator *or* denominator is hidden
  whole (value, numerator, denominator, children): a rate and one of its counts give the other.
- **Secondary suppression, by column.** In every breakdown, for each column (numerator,
  denominator, children), the cells hidden must not be recoverable from the figure's total minus
  the cells shown: never one hidden cell alone, never hidden cells adding up to a small number,
  never a hidden sum equal to the number of hidden cells (each would be 1) or, when all are small,
  to that number times ``threshold - 1`` (each would be the largest small number), never hidden
  numerators equal to their hidden denominators (each group would be 100%).
  More cells are hidden until that holds, the smallest first; a breakdown that cannot be protected
  so (every cell hidden already) is withheld whole, its groups not even named.
- **Attribute disclosure.** Under a suppressed figure no breakdown is shown, not even its zeros:
  "M [c], F 0" says which group the few children are in.
- **Differencing over time.** Figures are shown as at fixed reference dates, month ends
  (``reference_date``), not any day, so two days' figures cannot be subtracted; counts in a trend are
  rounded to the nearest ``ROUNDING_BASE`` (after primary suppression) and the values recomputed from
  the rounded counts, so consecutive points never differ by 1 to 4.
- **Units too small to publish.** Breakdowns by worker or team are never shown.

This module is pure: plain numbers in, what to hide out. The web's views (``indicators.published.figure_view``,
``indicators.published.trend_points``, the indicator page's breakdowns) call it; nothing else decides what is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

SUPPRESSED = "[c]"  # the convention for a suppressed count: confidential
ROUNDING_BASE = 5  # counts in trends shown under a threshold are rounded to a multiple of this
NOT_PUBLISHED_BY = frozenset({"team", "worker"})  # breakdowns never shown under a threshold
NO_THRESHOLD = 0  # a threshold that hides nothing (roles that may see children)

# A group's columns hidden together: a value and its two counts (one gives the other), and the children
# counted, hidden with them (and also alone, when only the children are few).
COUNTS = ("numerator", "denominator")
CHILDREN = ("children",)

Count = float | int | None


def is_small(count: Count, threshold: int) -> bool:
    """Whether ``count`` is a small number under ``threshold``: from 1 to ``threshold - 1`` (zero is not)."""
    return count is not None and 0 < count < threshold


def suppress(count: Count, threshold: int) -> str | float | int | None:
    """A count as shown under ``threshold``: ``[c]`` if small, else the count itself."""
    return SUPPRESSED if is_small(count, threshold) else count


def counts_are_small(numerator: Count, denominator: Count, threshold: int) -> bool:
    """Whether a figure or group made of these counts is hidden whole (primary suppression)."""
    return is_small(numerator, threshold) or is_small(denominator, threshold)


def round_count(count: Count, base: int = ROUNDING_BASE) -> int | None:
    """``count`` rounded to the nearest multiple of ``base`` (halves up: 2.5 -> 5 with base 5)."""
    if count is None:
        return None
    return int((count + base / 2) // base * base)


def rounded_value(value: float | None, numerator: Count, denominator: Count, shown_numerator, shown_denominator):
    """A value recomputed for rounded counts: counts and rates scale with the numerator, percentages and ratios
    with numerator over denominator. (Medians and means are not counts: callers keep them.)"""
    if value is None or not numerator:
        return value
    scaled = value * shown_numerator / numerator
    if denominator:
        if not shown_denominator:
            return None
        scaled = scaled * denominator / shown_denominator
    return scaled


@dataclass(frozen=True)
class Protection:
    """What a breakdown may show: the groups whose counts are hidden, those whose children are hidden, or
    ``withheld`` (why the breakdown is not shown at all)."""

    hidden: frozenset[int]
    children_hidden: frozenset[int]
    withheld: str | None = None


def _exposed(values: Sequence[Count], threshold: int) -> bool:
    """Whether hidden cells holding ``values`` (of one column) could be worked out from their sum, which
    the figure's total minus the cells shown gives away."""
    known = [v or 0 for v in values]
    total = sum(known)
    if total == 0:
        return False  # nothing but zeros hidden in this column
    if len(known) == 1 or total < threshold:
        return True  # total minus the shown cells is this cell, or the hidden cells add up to a small number
    if total == len(known):
        return True  # each hidden cell holds at least 1 (zeros are shown), so each would be 1
    # each would be the largest small number, for someone who takes every hidden cell to be small
    return total == len(known) * (threshold - 1) and max(known) < threshold


def _all_groups_full(rows: Sequence[Mapping[str, Count]], hidden: set[int]) -> bool:
    """Whether the hidden groups' numerators add up to their denominators (each group would be 100%)."""
    numerators = sum(rows[i].get("numerator") or 0 for i in hidden)
    denominators = [rows[i].get("denominator") for i in hidden]
    return numerators > 0 and None not in denominators and numerators == sum(denominators)


def _violated(rows: Sequence[Mapping[str, Count]], hidden: set[int], columns: Sequence[str], threshold: int):
    """The first column whose hidden cells are exposed, or None."""
    for column in columns:
        if _exposed([rows[i].get(column) for i in sorted(hidden)], threshold):
            return column
    if columns == COUNTS and hidden and _all_groups_full(rows, hidden):
        return "numerator"
    return None


def _next_smallest(rows: Sequence[Mapping[str, Count]], hidden: set[int], column: str) -> int | None:
    """The group to hide next: the one with the smallest non-zero count in ``column``, else a zero one."""
    candidates = [i for i in range(len(rows)) if i not in hidden]
    if not candidates:
        return None
    return min(candidates, key=lambda i: ((rows[i].get(column) or 0) == 0, rows[i].get(column) or 0, i))


def protect_breakdown(total: Mapping[str, Count], rows: Sequence[Mapping[str, Count]], threshold: int) -> Protection:
    """Which groups of a breakdown to hide so that no small number in it can be worked out.

    ``total`` is the figure the groups add up to, ``rows`` the groups, each a mapping with ``numerator``,
    ``denominator`` (None where the indicator has none) and ``children``. See the module's rules.
    """
    if threshold <= NO_THRESHOLD:
        return Protection(frozenset(), frozenset())
    if counts_are_small(total.get("numerator"), total.get("denominator"), threshold):
        return Protection(frozenset(), frozenset(), "the figure itself is suppressed")
    hidden = {
        i for i, row in enumerate(rows) if counts_are_small(row.get("numerator"), row.get("denominator"), threshold)
    }
    children_hidden = hidden | {i for i, row in enumerate(rows) if is_small(row.get("children"), threshold)}
    while True:
        column = _violated(rows, hidden, COUNTS, threshold)
        if column is not None:
            extra = _next_smallest(rows, hidden, column)
            if extra is None:
                return Protection(frozenset(), frozenset(), "every group would be hidden and the total gives them away")
            hidden.add(extra)
            children_hidden.add(extra)
            continue
        if _violated(rows, children_hidden, CHILDREN, threshold) is None:
            return Protection(frozenset(hidden), frozenset(children_hidden))
        extra = _next_smallest(rows, children_hidden, "children")
        if extra is None:
            return Protection(frozenset(), frozenset(), "every group would be hidden and the total gives them away")
        children_hidden.add(extra)


def reference_date(as_at: date, threshold: int) -> date:
    """The date figures are shown as at: under a threshold, the last month end on or before ``as_at``
    (fixed reference dates, so figures on consecutive days cannot be subtracted); otherwise ``as_at``."""
    if threshold <= NO_THRESHOLD or (as_at + timedelta(days=1)).day == 1:
        return as_at
    return as_at.replace(day=1) - timedelta(days=1)


def published_breakdowns(breakdowns: Sequence[str], threshold: int) -> list[str]:
    """The breakdowns a viewer under ``threshold`` may see: none by worker or team."""
    if threshold <= NO_THRESHOLD:
        return list(breakdowns)
    return [by for by in breakdowns if by not in NOT_PUBLISHED_BY]
