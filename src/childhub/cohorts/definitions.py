"""The cohort declarations (``definitions.yml``) loaded into frozen models and checked as a whole.

Every problem is reported at once, naming the file and the field: a malformed entry, a filter or
grouping naming an attribute that is not declared, an attribute reading an undeclared relation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from childhub.errors import ChildhubError

DEFINITIONS_FILE = Path(__file__).with_name("definitions.yml")


class CohortError(ChildhubError):
    """A cohort asks for something not declared, or the declarations themselves are broken."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Population(_Frozen):
    """Who is counted: ``sql`` selects ``child_key`` for the period from ``$start`` to ``$end``."""

    label: str
    definition: str
    sql: str


class Attribute(_Frozen):
    """What describes each child as at the end of the period: an expression, and the relations it reads."""

    sql: str
    reads: tuple[str, ...] = ()


class Source(_Frozen):
    """A relation some attributes read: its WITH clause (over the population only) and how it is joined."""

    with_: str = Field(alias="with")
    join: str


class Filter(_Frozen):
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


class Grouping(_Frozen):
    """A column of the cohort's attributes to count by, and the order its values are shown in."""

    label: str
    column: str
    order: tuple[str, ...] = ()


class Definitions(_Frozen):
    """Every cohort declaration."""

    populations: dict[str, Population]
    periods: dict[str, str]
    attributes: dict[str, Attribute]
    sources: dict[str, Source]
    filters: dict[str, Filter]
    groupings: dict[str, Grouping]
    child_columns: dict[str, str]  # attribute: heading, for the list of a cohort's children

    def problems(self) -> list[str]:
        """What refers to something not declared."""
        found = [
            f"groupings.{name}.column: no attribute {g.column}"
            for name, g in self.groupings.items()
            if g.column not in self.attributes
        ]
        found += [
            f"filters.{name}.uses: no attribute {used}"
            for name, f in self.filters.items()
            for used in f.uses
            if used not in self.attributes
        ]
        found += [
            f"attributes.{name}.reads: no source {source}"
            for name, attribute in self.attributes.items()
            for source in attribute.reads
            if source not in self.sources
        ]
        found += [
            f"child_columns.{name}: no attribute {name}" for name in self.child_columns if name not in self.attributes
        ]
        return found


def load_definitions(path: Path = DEFINITIONS_FILE) -> Definitions:
    """The declarations in ``path``, checked; one CohortError lists every problem found."""
    problems: list[str] = []
    definitions = None
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read as YAML ({error})")
        data = None
    else:
        if not isinstance(data, dict):
            problems.append(f"{path.name}: should be a mapping of the declarations")
            data = None
    if data is not None:
        try:
            definitions = Definitions.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                field = ".".join(str(part) for part in item["loc"]) or "(declarations)"
                problems.append(f"{path.name}: {field}: {item['msg'].removeprefix('Value error, ')}")
        else:
            problems += [f"{path.name}: {problem}" for problem in definitions.problems()]
    if problems:
        raise CohortError(
            f"The cohort declarations in {path} have {len(problems)} problem(s):\n- " + "\n- ".join(problems)
        )
    assert definitions is not None
    return definitions


@cache
def definitions() -> Definitions:
    """The built-in declarations (``definitions.yml``), loaded once."""
    return load_definitions()
