"""Commentary: what the service says about a figure, per indicator and period, kept with its history.

FOUNDATION STUB (issue 16): the commentary helper implements these over the hub database (who wrote what, when,
and every earlier version). The names and signatures are the contract the indicator page and the scrutiny pack
read; add, do not rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from childhub.store import HubDatabase


@dataclass(frozen=True)
class Comment:
    """One version of the commentary on an indicator for a period."""

    indicator_id: str
    period: str  # the month the figure is as at: "2026-11"
    text: str
    written_by: str
    written_at: str  # UTC, ISO 8601
    version: int  # 1 for the first text written for this indicator and period


def period_of(as_at: date) -> str:
    """The commentary period of a figure as at ``as_at``: its month, "2026-11"."""
    return f"{as_at.year:04d}-{as_at.month:02d}"


def current_comment(hub: HubDatabase, indicator_id: str, period: str) -> Comment | None:
    """The latest version of the commentary on ``indicator_id`` for ``period``, if any."""
    return None


def comment_history(hub: HubDatabase, indicator_id: str, period: str | None = None) -> list[Comment]:
    """Every version written on ``indicator_id`` (for ``period``, or every period), newest first."""
    return []


def write_comment(hub: HubDatabase, indicator_id: str, period: str, text: str, written_by: str) -> Comment:
    """Keep a new version of the commentary (the earlier ones stay); returns it."""
    raise NotImplementedError("commentary is not built yet")
