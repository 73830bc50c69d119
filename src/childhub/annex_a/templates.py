"""Ofsted's Annex A templates, one per version, loaded from YAML into frozen models.

The data lives beside this module in ``templates/``:

- ``annex_a_YYYY.yml``: one file per template version, listing Lists 1 to 11 with their sheet
  names and, in order, each column's stable id and Ofsted's exact header for that version;
- ``columns.yml``: what each column id holds (type, code set, header aliases), shared by all
  versions;
- ``checks.yml``: what each list is checked against before it leaves (``childhub annex-a --check``):
  the ages its rows may have, its mandatory columns, the column that ends a row's episode and the
  dates an SSDA903 return may have written as a collection year's end.

The code sets (code -> label, with Ofsted's drop-down text and the spellings authorities use)
are those of the code registry, ``childhub.codes``, which ingest, the web and the generator
read too; the registry checks its own codes when it loads.

Everything is checked when it loads: a missing list, a duplicate column, an unknown column or
code set id, two columns that could not be told apart. Every problem found is
reported at once, in one ``AnnexATemplateError`` naming the file and the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from childhub.codes import CodeSet, compact_key, registry
from childhub.declared import Frozen, Problems, declared_files, raise_if_any, read_yaml, validate
from childhub.errors import ChildhubError

TEMPLATE_DIR = Path(__file__).parent / "templates"
COLUMNS_FILE = "columns.yml"
CHECKS_FILE = "checks.yml"
LIST_NUMBERS = tuple(range(1, 12))

ColumnType = Literal["text", "date", "integer", "code", "yes_no"]


class AnnexATemplateError(ChildhubError):
    """The Annex A template data is broken, or a version or date has no template."""


# --- matching keys -------------------------------------------------------------------------


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def reduced_key(text: str) -> str:
    """Like ``compact_key`` with bracketed parts dropped: "Age of Child (Years)" -> "ageofchild"."""
    return compact_key(_BRACKETED.sub(" ", text))


def spaced_key(text: str) -> str:
    """Case and punctuation gone but word breaks kept, for fuzzy comparison."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return " ".join("".join(char if char.isalnum() else " " for char in text).split())


# --- models --------------------------------------------------------------------------------


class AnnexAColumn(Frozen):
    """One column of one list in one template version."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    header: str = Field(min_length=1)  # Ofsted's exact header text in this version
    type: ColumnType
    code_set: str | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()

    def header_spellings(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


class AnnexAListChecks(Frozen):
    """What a list is checked against before it leaves: ages, mandatory columns, proxy dates."""

    ages: tuple[int, int] | None = None  # youngest and oldest age (whole years, -1 unborn) a row may have
    event_date: str | None = None  # the date column of the event a row is (age is judged on that day)
    ended_by: str | None = None  # the date column that ends a row's episode (age is then judged the day before)
    mandatory: tuple[str, ...] = ()
    mandatory_when: dict[str, str] = Field(default_factory=dict)  # column -> the column that makes it mandatory
    proxy_dates: tuple[str, ...] = ()  # SSDA903-fed dates where 31 March may stand for "in the year"


class AnnexAList(Frozen):
    """One of Lists 1 to 11 in one template version."""

    number: int = Field(ge=1, le=11)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    sheet_name: str
    columns: tuple[AnnexAColumn, ...] = Field(min_length=1)
    checks: AnnexAListChecks = AnnexAListChecks()

    @property
    def column_ids(self) -> tuple[str, ...]:
        return tuple(column.id for column in self.columns)

    def column(self, column_id: str) -> AnnexAColumn:
        for column in self.columns:
            if column.id == column_id:
                return column
        raise KeyError(f"List {self.number} has no column {column_id!r}")


class AnnexATemplate(Frozen):
    """One version of Ofsted's Annex A template."""

    version: str
    title: str
    applies_from: date
    lists: tuple[AnnexAList, ...]
    code_sets: dict[str, CodeSet]

    def get_list(self, number: int) -> AnnexAList:
        for annex_list in self.lists:
            if annex_list.number == number:
                return annex_list
        raise KeyError(f"Annex A {self.version} has no List {number}")

    def code_set(self, code_set_id: str) -> CodeSet:
        return self.code_sets[code_set_id]


# --- the files as written ------------------------------------------------------------------


class _ColumnDefinition(Frozen):
    type: ColumnType
    code_set: str | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()


class _ColumnEntry(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    header: str = Field(min_length=1)


class _ListEntry(Frozen):
    number: int = Field(ge=1, le=11)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    sheet_name: str
    columns: tuple[_ColumnEntry, ...] = Field(min_length=1)


class _ChecksFile(Frozen):
    identity: tuple[str, ...] = ()
    lists: dict[int, AnnexAListChecks]


class _TemplateFile(Frozen):
    version: str = Field(pattern=r"^\d{4}$")
    title: str
    applies_from: date
    lists: tuple[_ListEntry, ...]


# --- loading -------------------------------------------------------------------------------


def _load_columns(path: Path, code_sets: dict[str, CodeSet], problems: Problems) -> dict[str, _ColumnDefinition]:
    data = read_yaml(path, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.add(path.name, "", "should map column ids to column definitions")
        return {}
    columns: dict[str, _ColumnDefinition] = {}
    for column_id, body in data.items():
        column_id = str(column_id)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", column_id):
            problems.add(path.name, column_id, "a column id should be snake_case")
        definition = validate(body, _ColumnDefinition, path.name, problems, prefix=column_id)
        if definition is None:
            continue
        if definition.type == "code":
            if definition.code_set is None:
                problems.add(path.name, f"{column_id}.code_set", "a code column needs a code set")
            elif definition.code_set not in code_sets:
                problems.add(path.name, f"{column_id}.code_set", f"unknown code set id {definition.code_set!r}")
        elif definition.code_set is not None:
            problems.add(
                path.name, f"{column_id}.code_set", f"only a code column has a code set, not {definition.type}"
            )
        columns[column_id] = definition
    return columns


def _load_checks(path: Path, columns: dict[str, _ColumnDefinition], problems: Problems) -> _ChecksFile | None:
    data = read_yaml(path, problems)
    parsed = None if data is None else validate(data, _ChecksFile, path.name, problems)
    if parsed is None:
        return None
    for column_id in parsed.identity:
        if column_id not in columns:
            problems.add(path.name, "identity", f"unknown column id {column_id!r} (not in {COLUMNS_FILE})")
    for number, checks in parsed.lists.items():
        if number not in LIST_NUMBERS:
            problems.add(path.name, f"lists.{number}", "there is no such list")
        named = [*checks.mandatory, *checks.mandatory_when, *checks.mandatory_when.values(), *checks.proxy_dates]
        dated = [column for column in (checks.event_date, checks.ended_by) if column]
        for column_id in [*named, *dated]:
            if column_id not in columns:
                problems.add(path.name, f"lists.{number}", f"unknown column id {column_id!r} (not in {COLUMNS_FILE})")
        for column_id in [*checks.proxy_dates, *dated]:
            if column_id in columns and columns[column_id].type != "date":
                problems.add(path.name, f"lists.{number}", f"{column_id!r} is not a date column")
        if checks.ages is not None and checks.ages[0] > checks.ages[1]:
            problems.add(path.name, f"lists.{number}.ages", "the youngest age is above the oldest")
    return parsed


def _list_checks(checks: _ChecksFile | None, number: int, column_ids: set[str]) -> AnnexAListChecks:
    """The list's checks narrowed to the columns this version has (identity columns made mandatory)."""
    if checks is None:
        return AnnexAListChecks()
    declared = checks.lists.get(number, AnnexAListChecks())
    identity = [column_id for column_id in checks.identity if number <= 10]
    return AnnexAListChecks(
        ages=declared.ages,
        event_date=declared.event_date if declared.event_date in column_ids else None,
        ended_by=declared.ended_by if declared.ended_by in column_ids else None,
        mandatory=tuple(c for c in dict.fromkeys([*identity, *declared.mandatory]) if c in column_ids),
        mandatory_when={
            column: other
            for column, other in declared.mandatory_when.items()
            if column in column_ids and other in column_ids
        },
        proxy_dates=tuple(c for c in declared.proxy_dates if c in column_ids),
    )


def _load_template(
    path: Path,
    columns: dict[str, _ColumnDefinition],
    code_sets: dict[str, CodeSet],
    problems: Problems,
    checks: _ChecksFile | None = None,
) -> AnnexATemplate | None:
    data = read_yaml(path, problems)
    if data is None:
        return None
    parsed = validate(data, _TemplateFile, path.name, problems)
    if parsed is None:
        return None

    ok = True
    numbers = [entry.number for entry in parsed.lists]
    for number in LIST_NUMBERS:
        if number not in numbers:
            problems.add(path.name, "lists", f"List {number} is missing")
            ok = False
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.add(path.name, "lists", f"List {number} appears more than once")
        ok = False

    lists: list[AnnexAList] = []
    for position, entry in enumerate(parsed.lists):
        built: list[AnnexAColumn] = []
        seen: set[str] = set()
        for column_position, column in enumerate(entry.columns):
            field = f"lists.{position}.columns.{column_position}.id"
            if column.id in seen:
                problems.add(path.name, field, f"duplicate column id {column.id!r} in List {entry.number}")
                ok = False
                continue
            seen.add(column.id)
            definition = columns.get(column.id)
            if definition is None:
                problems.add(path.name, field, f"unknown column id {column.id!r} (not in {COLUMNS_FILE})")
                ok = False
                continue
            built.append(
                AnnexAColumn(
                    id=column.id,
                    header=column.header,
                    type=definition.type,
                    code_set=definition.code_set,
                    required=definition.required,
                    aliases=definition.aliases,
                )
            )
        if built:
            lists.append(
                AnnexAList(
                    number=entry.number,
                    id=entry.id,
                    title=entry.title,
                    sheet_name=entry.sheet_name,
                    columns=tuple(built),
                    checks=_list_checks(checks, entry.number, {column.id for column in built}),
                )
            )
    if not ok:
        return None
    lists.sort(key=lambda annex_list: annex_list.number)
    return AnnexATemplate(
        version=parsed.version,
        title=parsed.title,
        applies_from=parsed.applies_from,
        lists=tuple(lists),
        code_sets=code_sets,
    )


def _check_headers_distinct(templates: list[AnnexATemplate], problems: Problems) -> None:
    """Within each list, no header or alias of any version may point at two columns."""
    for number in LIST_NUMBERS:
        owner: dict[str, tuple[str, str, str]] = {}  # key -> (column id, spelling, version)
        for template in templates:
            annex_list = next((item for item in template.lists if item.number == number), None)
            if annex_list is None:
                continue
            for column in annex_list.columns:
                for spelling in column.header_spellings():
                    for key in {compact_key(spelling), reduced_key(spelling)} - {""}:
                        other = owner.setdefault(key, (column.id, spelling, template.version))
                        if other[0] != column.id:
                            problems.add(
                                f"annex_a_{template.version}.yml",
                                f"List {number}.{column.id}",
                                f"header {spelling!r} cannot be told apart from {other[1]!r} "
                                f"of column {other[0]!r} (annex_a_{other[2]}.yml)",
                            )


def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, AnnexATemplate]:
    """Every template version in ``directory``, checked; raises one error listing every problem."""
    problems = Problems()
    code_sets = registry()
    columns = _load_columns(directory / COLUMNS_FILE, code_sets, problems)
    checks = _load_checks(directory / CHECKS_FILE, columns, problems)
    templates: list[AnnexATemplate] = []
    for path in declared_files(directory, "annex_a_*.yml", "template", problems):
        template = _load_template(path, columns, code_sets, problems, checks)
        if template is None:
            continue
        expected = path.stem.removeprefix("annex_a_")
        if template.version != expected:
            problems.add(path.name, "version", f"is {template.version!r}, but the file name says {expected!r}")
        templates.append(template)
    for first, second in zip(templates, templates[1:], strict=False):
        if second.applies_from <= first.applies_from:
            problems.add(
                f"annex_a_{second.version}.yml",
                "applies_from",
                f"should be later than {first.version}'s {first.applies_from.isoformat()}",
            )
    _check_headers_distinct(templates, problems)
    raise_if_any(problems, f"The Annex A templates in {directory}", AnnexATemplateError)
    return {template.version: template for template in templates}


@cache
def _templates() -> dict[str, AnnexATemplate]:
    return load_templates()


# --- the public surface --------------------------------------------------------------------


def versions() -> list[str]:
    """The template versions, oldest first."""
    return sorted(_templates())


def template(version: str | None = None) -> AnnexATemplate:
    """The template of ``version`` ("2020", "2023", "2026"), or the latest."""
    templates = _templates()
    if version is None:
        return templates[max(templates)]
    try:
        return templates[str(version)]
    except KeyError:
        known = ", ".join(sorted(templates))
        raise AnnexATemplateError(f"There is no Annex A template {version!r}; the versions are {known}.") from None


def version_for(on: date) -> str:
    """The version of the template that applies on the date ``on``."""
    applicable = [item for item in _templates().values() if item.applies_from <= on]
    if not applicable:
        earliest = min(_templates().values(), key=lambda item: item.applies_from)
        raise AnnexATemplateError(
            f"No Annex A template is modelled for {on.isoformat()}; "
            f"the earliest applies from {earliest.applies_from.isoformat()}."
        )
    return max(applicable, key=lambda item: item.applies_from).version
