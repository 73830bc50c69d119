"""The cohort declarations (``definitions.yml``) loaded into frozen models and checked as a whole.

Every problem is reported at once, naming the file and the field: a malformed entry, a filter or
grouping naming an attribute that is not declared, an attribute reading an undeclared relation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, field_validator

from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.errors import ChildhubError

DEFINITIONS_FILE = Path(__file__).with_name("definitions.yml")


class CohortError(ChildhubError):
    """A cohort asks for something not declared, or the declarations themselves are broken."""


class Population(Frozen):
    """Who is counted: ``sql`` selects ``child_key`` for the period from ``$start`` to ``$end``."""

    label: str
    definition: str
    sql: str


class Attribute(Frozen):
    """What describes each child as at the end of the period: an expression, and the relations it reads."""

    sql: str
    reads: tuple[str, ...] = ()


class Source(Frozen):
    """A relation some attributes read: its WITH clause (over the population only) and how it is joined."""

    with_: str = Field(alias="with")
    join: str


class Filter(Frozen):
    """A predicate over the cohort's attributes, with its value bound as ``$<name>``."""

    label: str
    sql: str
    uses: tuple[str, ...]  # the attributes the predicate reads
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); empty: the values found in the data

    @field_validator("choices", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        """A mapping of value to label, or a list of values labelled as themselves."""
        if isinstance(value, dict):
            return tuple((str(k), str(v)) for k, v in value.items())
        if isinstance(value, list):
            return tuple((str(v), str(v)) for v in value)
        return value


class Grouping(Frozen):
    """A column of the cohort's attributes to count by, the order its values are shown in, and where the words for
    its values come from: ``field``, the code set's field (``childhub.codes.words_for``), or ``names``, SQL giving
    each value and its name (a team's); a value neither knows is shown as it is."""

    label: str
    column: str
    order: tuple[str, ...] = ()
    field: str | None = None
    names: str | None = None


class Definitions(Frozen):
    """Every cohort declaration."""

    populations: dict[str, Population]
    periods: dict[str, str]
    attributes: dict[str, Attribute]
    sources: dict[str, Source]
    filters: dict[str, Filter]
    groupings: dict[str, Grouping]
    child_columns: dict[str, str]  # attribute: heading, for the list of a cohort's children
    # attribute of the list of children: the field its codes are words of, or "team" for a team's name
    child_words: dict[str, str] = {}

    def problems(self) -> list[tuple[str, str]]:
        """What refers to something not declared, as (field, message)."""
        found = [
            (f"groupings.{name}.column", f"no attribute {g.column}")
            for name, g in self.groupings.items()
            if g.column not in self.attributes
        ]
        found += [
            (f"filters.{name}.uses", f"no attribute {used}")
            for name, f in self.filters.items()
            for used in f.uses
            if used not in self.attributes
        ]
        found += [
            (f"attributes.{name}.reads", f"no source {source}")
            for name, attribute in self.attributes.items()
            for source in attribute.reads
            if source not in self.sources
        ]
        found += [
            (f"child_columns.{name}", f"no attribute {name}")
            for name in self.child_columns
            if name not in self.attributes
        ]
        from childhub.codes import is_coded

        found += [
            (f"groupings.{name}.field", f"no field {g.field} in the code registry's field map")
            for name, g in self.groupings.items()
            if g.field is not None and not is_coded(g.field)
        ]
        found += [
            (f"child_words.{name}", f"no field {field} in the code registry's field map")
            for name, field in self.child_words.items()
            if field != "team" and not is_coded(field)
        ]
        return found


def load_definitions(path: Path = DEFINITIONS_FILE) -> Definitions:
    """The declarations in ``path``, checked; one CohortError lists every problem found."""
    problems = Problems()
    definitions = load_yaml(path, Definitions, problems)
    if definitions is not None:
        for field, message in definitions.problems():
            problems.add(path.name, field, message)
    raise_if_any(problems, "The cohort declarations", CohortError)
    assert definitions is not None
    return definitions


@cache
def definitions() -> Definitions:
    """The built-in declarations (``definitions.yml``), loaded once."""
    return load_definitions()
