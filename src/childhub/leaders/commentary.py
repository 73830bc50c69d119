"""Commentary: what the service says about a figure, per indicator and period, kept with its history.

Analysts, managers and admins write a short commentary on an indicator for a period (the month the figure is as
at, ``period_of``); every role that sees the indicator reads it, beside the figure on its page and in the scrutiny
pack. Nothing is overwritten: each save is a new version (who, when, the text) in the hub database's
``indicator_comment`` (hub migration 0005, whose triggers refuse an update or a delete), and ``changes`` shows what
one version changed from the one before it, word by word.

The text is checked before it is kept (``check_text``): not empty, at most ``MAX_COMMENT`` characters, and no
control characters (a line break or a tab is fine; a line ending CR LF from a browser is kept as LF). Councillors
read it: the form says not to name a child, and nothing here can tell.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import sqlite3

    from childhub.store import HubDatabase

MAX_COMMENT = 2_000  # characters in one commentary
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Characters that change how text reads without being seen: the bidirectional overrides and isolates.
_INVISIBLE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class CommentaryError(ChildhubError):
    """A commentary that cannot be kept as it is (empty, too long, a control character, an unknown indicator or
    period); the message says which, in one line."""


@dataclass(frozen=True)
class Comment:
    """One version of the commentary on an indicator for a period."""

    indicator_id: str
    period: str  # the month the figure is as at: "2026-11"
    text: str
    written_by: str
    written_at: str  # UTC, ISO 8601
    version: int  # 1 for the first text written for this indicator and period


@dataclass(frozen=True)
class Change:
    """One run of words in the difference between two texts: kept, added or removed."""

    kind: str  # "same", "added" or "removed"
    text: str


def period_of(as_at: date) -> str:
    """The commentary period of a figure as at ``as_at``: its month, "2026-11"."""
    return f"{as_at.year:04d}-{as_at.month:02d}"


def check_period(period: str) -> str:
    """``period`` if it is a month written YYYY-MM; otherwise one CommentaryError saying how to write it."""
    text = (period or "").strip()
    if not _PERIOD.match(text):
        raise CommentaryError(f"the period is a month written YYYY-MM (2026-11), not {period!r}")
    if text < "1900-01":  # a month that cannot be written in words (the year 0) would break every history read
        raise CommentaryError(f"the period {text} is before January 1900")
    this_month = period_of(date.today())
    if text > this_month:
        raise CommentaryError(f"the period {text} is after this month ({this_month}): there is no figure yet")
    return text


def check_text(text: str, *, limit: int = MAX_COMMENT, what: str = "the commentary") -> str:
    """``text`` as it will be kept (line endings made LF, spaces trimmed at its ends), or one CommentaryError: empty,
    longer than ``limit`` characters, or holding a control character (a line break or a tab is allowed)."""
    kept = (text or "").replace("\r\n", "\n").strip()
    if not kept:
        raise CommentaryError(f"{what} is empty: write something")
    if len(kept) > limit:
        raise CommentaryError(f"{what} is {len(kept):,} characters long; at most {limit:,} are kept")
    for position, character in enumerate(kept, start=1):
        if character in "\n\t":
            continue
        if unicodedata.category(character) == "Cc" or character in _INVISIBLE:
            raise CommentaryError(
                f"{what} holds a control character (U+{ord(character):04X}) at character {position:,}; "
                "remove it and save again"
            )
    return kept


def _known_indicator(indicator_id: str) -> str:
    from childhub.indicators import IndicatorError, indicator

    try:
        return indicator(indicator_id).id
    except IndicatorError as error:
        raise CommentaryError(str(error)) from None


def _comment(row: sqlite3.Row) -> Comment:
    return Comment(
        indicator_id=row["indicator_id"],
        period=row["period"],
        text=row["text"],
        written_by=row["written_by"],
        written_at=row["written_at"],
        version=row["version"],
    )


_COLUMNS = "indicator_id, period, text, written_by, written_at, version"


def current_comment(hub: HubDatabase, indicator_id: str, period: str) -> Comment | None:
    """The latest version of the commentary on ``indicator_id`` for ``period``, if any."""
    with hub.connect(write=False) as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM indicator_comment WHERE indicator_id = ? AND period = ? "
            "ORDER BY version DESC LIMIT 1",
            [indicator_id, period],
        ).fetchone()
    return None if row is None else _comment(row)


def comment_history(hub: HubDatabase, indicator_id: str, period: str | None = None) -> list[Comment]:
    """Every version written on ``indicator_id`` (for ``period``, or every period), newest first."""
    where, values = "indicator_id = ?", [indicator_id]
    if period is not None:
        where, values = where + " AND period = ?", [*values, period]
    with hub.connect(write=False) as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM indicator_comment WHERE {where} ORDER BY period DESC, version DESC", values
        ).fetchall()
    return [_comment(row) for row in rows]


def write_comment(hub: HubDatabase, indicator_id: str, period: str, text: str, written_by: str) -> Comment:
    """Keep a new version of the commentary (the earlier ones stay); returns it. The same text as the latest
    version is not kept twice: the latest is returned."""
    from childhub.store import utc_now

    indicator_id = _known_indicator(indicator_id)
    period = check_period(period)
    kept = check_text(text)
    with hub.connect() as conn:
        latest = conn.execute(
            f"SELECT {_COLUMNS} FROM indicator_comment WHERE indicator_id = ? AND period = ? "
            "ORDER BY version DESC LIMIT 1",
            [indicator_id, period],
        ).fetchone()
        if latest is not None and latest["text"] == kept:
            return _comment(latest)
        written = Comment(
            indicator_id, period, kept, written_by, utc_now(), 1 if latest is None else latest["version"] + 1
        )
        conn.execute(
            "INSERT INTO indicator_comment (indicator_id, period, version, text, written_by, written_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [indicator_id, period, written.version, kept, written_by, written.written_at],
        )
    return written


def changes(before: str | None, after: str) -> list[Change]:
    """What changed from ``before`` to ``after``, word by word (line breaks kept as words): runs of words kept,
    added and removed, in reading order. With no ``before``, all of ``after`` is added."""
    old, new = _words(before or ""), _words(after)
    found: list[Change] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            found.append(Change("same", "".join(new[b_start:b_end])))
            continue
        if operation in ("delete", "replace"):
            found.append(Change("removed", "".join(old[a_start:a_end])))
        if operation in ("insert", "replace"):
            found.append(Change("added", "".join(new[b_start:b_end])))
    return [change for change in found if change.text]


def _words(text: str) -> list[str]:
    """``text`` cut into words, each with the space after it, so joining them gives the text back."""
    return re.findall(r"\S+\s*|\s+", text)


def with_changes(versions: list[Comment]) -> list[tuple[Comment, list[Change]]]:
    """Each version of a history (newest first, as ``comment_history`` gives it) with what it changed from the
    version before it on the same indicator and period."""
    shown = []
    for position, comment in enumerate(versions):
        earlier = next(
            (
                other
                for other in versions[position + 1 :]
                if (other.indicator_id, other.period) == (comment.indicator_id, comment.period)
            ),
            None,
        )
        shown.append((comment, changes(earlier.text if earlier else None, comment.text)))
    return shown
