"""The data-quality rule library: one YAML file per rule in ``library/<return>/``, loaded into frozen models.

A rule is the DfE's validation rule (or one of childhub's own checks across systems) written as
data::

    code: "103"
    return: ssda903            # ssda903 | cin | hub
    severity: error            # error | query
    message: The ethnicity code is either not valid or has not been entered.
    fields: [header.ETHNIC]    # table.COLUMN the finding points at
    years: 2023-               # collection years (the year of the 31 March the return ends on):
                               # "all", "2023-", "-2024", "2023-2025" or "2024"
    sql: |
      select _rid from header where ETHNIC is null or ETHNIC not in (select code from _codes
        where code_set = 'ethnicity')

A rule whose wording or test changed between years lists ``versions`` instead of ``years``,
``sql`` (and optionally ``message``, ``fields``, ``severity``), each with its own ``years``.

The SQL runs over one collection year's return tables (``childhub.dq.tables``: every column
text as it stands in the return, plus ``_rid``, the row's identity) and last year's (named
``<table>_last``), with the macros of ``childhub.dq.engine``. It returns one row per failing
record with the column ``_rid`` (NULL for a finding about the return as a whole). A rule that
reads a table the run does not have (last year's return, say) is skipped, as the peer validators
skip it, unless the rule lists the table under ``optional`` (then it reads the table empty).
Everything is checked when the library loads, every problem reported at once.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from childhub.declared import Frozen, Problems, declared_files, load_yaml, raise_if_any
from childhub.errors import ChildhubError

LIBRARY_DIR = Path(__file__).parent / "library"
Return = Literal["ssda903", "cin", "hub"]
Severity = Literal["error", "query"]
RETURN_NAMES = {"ssda903": "SSDA903", "cin": "CIN census", "hub": "Across systems"}
_YEARS = re.compile(r"^(all|(\d{4})?-(\d{4})?|\d{4})$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$")
EARLIEST, LATEST = 1900, 9999


class RuleError(ChildhubError):
    """The rule library (or a rule asked for) is not valid."""


def year_span(text: str) -> tuple[int, int]:
    """``"2023-"`` -> (2023, 9999); ``"all"`` -> (1900, 9999); ``"2024"`` -> (2024, 2024)."""
    if text == "all":
        return EARLIEST, LATEST
    if "-" not in text:
        return int(text), int(text)
    first, last = text.split("-")
    return int(first or EARLIEST), int(last or LATEST)


class Version(Frozen):
    """One wording and test of a rule, for the collection years it applies to."""

    years: str = "all"
    sql: str
    message: str | None = None
    fields: tuple[str, ...] | None = None
    severity: Severity | None = None

    @field_validator("years", mode="before")
    @classmethod
    def _years_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("years")
    @classmethod
    def _years(cls, value: str) -> str:
        if not _YEARS.match(value):
            raise ValueError(f"{value!r} is not a span of collection years (all, 2023-, -2024, 2023-2025, 2024)")
        first, last = year_span(value)
        if first > last:
            raise ValueError(f"the years run backwards: {value}")
        return value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for field in value or ():
            if not _FIELD.match(field):
                raise ValueError(f"{field!r} should be table.COLUMN (for example header.ETHNIC)")
        return value

    def applies(self, year: int) -> bool:
        first, last = year_span(self.years)
        return first <= year <= last


class Rule(Frozen):
    """A data-quality rule as declared; ``version(year)`` gives the one that applies in a year."""

    code: str
    return_: Return = Field(alias="return")
    severity: Severity
    message: str
    fields: tuple[str, ...] = ()
    years: str | None = None
    sql: str | None = None
    versions: tuple[Version, ...] = ()
    optional: tuple[str, ...] = ()  # tables the rule reads when given and runs without (last year's, say)
    source: str = "DfE validation rules"  # where the rule comes from, for the catalogue
    note: str | None = None  # how childhub reads the rule, where the DfE's wording leaves room
    file: str = ""

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        if self.versions and (self.sql or self.years):
            raise ValueError("give either sql and years, or versions, not both")
        if not self.versions and not self.sql:
            raise ValueError("needs sql (or versions, each with its sql)")
        Version(years=self.years or "all", sql=self.sql or "-", fields=self.fields)  # same checks
        spans = sorted(year_span(v.years) for v in self.versions)
        for (_, last), (first, _) in zip(spans, spans[1:], strict=False):
            if first <= last:
                raise ValueError("two versions cover the same collection year")
        return self

    def version(self, year: int) -> Version | None:
        """The version of the rule for a collection year, or None when it does not apply then."""
        if not self.versions:
            whole = Version(years=self.years or "all", sql=self.sql or "", message=self.message, fields=self.fields)
            return whole if whole.applies(year) else None
        for version in self.versions:
            if version.applies(year):
                return version
        return None

    def message_in(self, year: int) -> str:
        version = self.version(year)
        return (version and version.message) or self.message

    def fields_in(self, year: int) -> tuple[str, ...]:
        version = self.version(year)
        return (version and version.fields) or self.fields

    def severity_in(self, year: int) -> Severity:
        version = self.version(year)
        return (version and version.severity) or self.severity


def _sort_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


@cache
def load_rules(directory: Path = LIBRARY_DIR) -> dict[str, dict[str, Rule]]:
    """Every rule, by return then code, in code order; one RuleError listing every problem."""
    problems = Problems()
    rules: dict[str, dict[str, Rule]] = {name: {} for name in RETURN_NAMES}
    for kind in RETURN_NAMES:
        folder = directory / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yml")):
            rule = load_yaml(path, Rule, problems, file=f"{kind}/{path.name}")
            if rule is None:
                continue
            if rule.return_ != kind:
                problems.add(path.name, "return", f"is {rule.return_} but the file is in {kind}/")
            elif path.stem != _file_stem(rule.code):
                problems.add(path.name, "code", f"{rule.code!r} should be in {_file_stem(rule.code)}.yml")
            elif rule.code in rules[kind]:
                problems.add(path.name, "code", f"{rule.code!r} is declared twice")
            else:
                rules[kind][rule.code] = rule
    if not any(rules.values()):
        declared_files(directory, "*/*.yml", "data-quality rules", problems)
    raise_if_any(problems, "data-quality rules", RuleError)
    return {kind: dict(sorted(found.items(), key=lambda kv: _sort_key(kv[0]))) for kind, found in rules.items()}


def _file_stem(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", code)
