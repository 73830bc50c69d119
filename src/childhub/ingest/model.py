"""What every reader produces: canonical rows with provenance, and problems with their place.

A reader turns one source file into a ``ReadResult``: rows for canonical tables (column
names as in ``docs/data-model.md``), each carrying its ``source_record_key``, and a list of
``Problem``s naming file, row, column and value. Rows with an error-level problem are not
loaded: they are quarantined, with their raw values, so that nothing is lost.

A code outside its code set is the same in every reader (``unknown_code``): a warning, and the
row is loaded with that value unknown (stored empty). Quarantining the row would do more harm
than the code: a later return's version of an episode would be dropped and an older one would
stand. Only a code the row cannot exist without (a disability record's own code) stays an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Severity = Literal["error", "warning"]
Mode = Literal["snapshot", "changes"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one place in a file."""

    file: str
    row: str | None  # a spreadsheet-style row number ("12"), or a place in XML ("LAchildID 123, line 40")
    column: str | None
    value: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        place = ", ".join(
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row else None,
                f"column {self.column}" if self.column else None,
            )
            if part
        )
        shown = "" if self.value is None else f" (value {_shorten(self.value)!r})"
        return f"{place}: {self.message}{shown}"


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


UNKNOWN_CODE_SEVERITY: Severity = "warning"


def unknown_code(why: str) -> str:
    """The message for a value that is not a code of its set (``why`` says which set): the one
    wording every reader gives, saying what became of it (loaded as unknown, with severity
    ``UNKNOWN_CODE_SEVERITY``)."""
    return f"{why}: loaded as unknown"


@dataclass(slots=True)
class CanonicalRow:
    """One row for a canonical table, with the raw source values it came from."""

    table: str
    values: dict[str, Any]
    source_record_key: str
    row: str  # where it came from, as a Problem names it
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ReadResult:
    """Everything one reader made of one file."""

    kind: str  # e.g. "ssda903_episodes", "cin_census"
    source_system: str  # e.g. "social_care", "education"
    mode: Mode  # snapshot: supersedes the previous file of its scope; changes: upserts by key
    scope: str  # what a snapshot replaces: kind plus, say, the collection year ("cin_census:2026")
    extract_date: date | None
    rows: list[CanonicalRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
