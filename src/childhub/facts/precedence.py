"""The declared precedence (``precedence.yml``) by which ``fact_child`` chooses a child's name, date of birth and sex.

Each field lists how the source systems rank, whether the newest record counts before the ranking, and the
values that mean "not known". ``precedence_macros`` compiles the declaration into three SQL macros that
``facts/sql/child.sql`` orders candidates by, so the rule lives in one file and the SQL only applies it:

- ``precedence_rank(field, source_system)``: the system's place in the field's list (1 first; unlisted last);
- ``precedence_recency_days(field)``: how much newer (in days) a value's newest record must be than another's to
  win a tie in agreement (NULL: recency does not count for the field);
- ``precedence_unknown(field, value)``: whether the value is one that never beats a known one.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.errors import ChildhubError

PRECEDENCE_FILE = Path(__file__).parent / "precedence.yml"
CHOSEN_FIELDS = ("name", "date_of_birth", "sex")  # the fields fact_child chooses by the declaration
_SYSTEM = r"^[a-z][a-z0-9_]*$"
_CODE = r"^[A-Za-z0-9]+$"


class PrecedenceError(ChildhubError):
    """The declared precedence is broken; the message names the file and field."""


class FieldPrecedence(Frozen):
    """How one field's value is chosen: the systems most reliable first, recency, and the unknown values.

    ``recency_days``: a value whose newest record is more than this many days newer than another's wins a tie in
    agreement (extracts of one round, taken weeks apart, do not outrank each other); None: recency does not count.
    """

    systems: tuple[str, ...] = Field(min_length=1)
    recency_days: int | None = Field(default=None, ge=0)
    unknown: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _names(self) -> FieldPrecedence:
        bad = [s for s in self.systems if not re.match(_SYSTEM, s)] + [
            v for v in self.unknown if not re.match(_CODE, v)
        ]
        if bad:
            raise ValueError(f"not a system name or code: {', '.join(map(repr, bad))}")
        if len(set(self.systems)) != len(self.systems):
            raise ValueError("a system is listed twice")
        return self


class Precedence(Frozen):
    """The whole declaration: one ``FieldPrecedence`` per chosen field."""

    fields: dict[str, FieldPrecedence]

    @model_validator(mode="after")
    def _every_field(self) -> Precedence:
        missing, unknown = set(CHOSEN_FIELDS) - set(self.fields), set(self.fields) - set(CHOSEN_FIELDS)
        if missing or unknown:
            raise ValueError(
                f"declare exactly {', '.join(CHOSEN_FIELDS)}"
                + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                + (f"; unknown {', '.join(sorted(unknown))}" if unknown else "")
            )
        return self


def load_precedence(path: Path = PRECEDENCE_FILE) -> Precedence:
    """The declaration in ``path``, checked; a ``PrecedenceError`` naming every problem otherwise."""
    problems = Problems()
    precedence = load_yaml(path, Precedence, problems)
    raise_if_any(problems, path.name, PrecedenceError)
    assert precedence is not None
    return precedence


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _case(precedence: Precedence, value_of) -> str:
    whens = " ".join(f"WHEN {_text(name)} THEN {value_of(field)}" for name, field in precedence.fields.items())
    return f"CASE field {whens} END"


@cache
def precedence_macros(path: Path = PRECEDENCE_FILE) -> tuple[str, ...]:
    """The declaration as SQL macros (created on a connection before the facts are built)."""
    precedence = load_precedence(path)

    def listed(values: tuple[str, ...]) -> str:
        return "[" + ", ".join(_text(v) for v in values) + "]::VARCHAR[]"

    rank = _case(
        precedence,
        lambda field: (
            f"coalesce(nullif(list_position({listed(field.systems)}, source_system), 0), {len(field.systems) + 1})"
        ),
    )
    recency = _case(precedence, lambda field: "NULL" if field.recency_days is None else str(field.recency_days))
    unknown = _case(precedence, lambda field: f"list_contains({listed(field.unknown)}, value)")
    return (
        f"CREATE OR REPLACE TEMP MACRO precedence_rank(field, source_system) AS {rank}",
        f"CREATE OR REPLACE TEMP MACRO precedence_recency_days(field) AS CAST({recency} AS INTEGER)",
        f"CREATE OR REPLACE TEMP MACRO precedence_unknown(field, value) AS coalesce({unknown}, FALSE)",
    )
