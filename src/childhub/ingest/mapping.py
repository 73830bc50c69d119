"""Mapping files: how the columns of a CSV or spreadsheet become canonical rows.

A mapping is declared in YAML, loaded into frozen typed models and checked when loaded:
every problem in the file is reported at once, naming the file and the field. childhub's
own readers for national CSV formats (SSDA903 tables, Annex A lists) are mappings shipped in
``ingest/mappings/``; an authority writes its own for any other CSV or Excel file and passes
them to ingest. The format is documented in ``docs/mapping-files.md``.

    kind: fsm_list                      # a name for this kind of file
    description: Free school meals eligibility list from the schools system
    source_system: education            # which system the rows come from
    mode: snapshot                      # snapshot (replaces the last file) or changes (upserts by key)
    detect:
      columns: [Pupil ID, UPN, Surname] # headers that identify the file (case and spacing ignored)
    key: [Pupil ID]                     # columns that make a row's source key
    tables:
      person:                           # a canonical table (docs/data-model.md)
        one_per: [Pupil ID]             # optional: keep one row per key value
        columns:
          pers_person_id: {from: Pupil ID, required: true}
          pers_upn: {from: UPN, type: upn}
          pers_dob: {from: DOB, type: date, formats: ["%d/%m/%Y", "%Y-%m-%d"]}
          pers_sex: {from: Gender, type: code, codes: sex, translate: {"1": M, "2": F}}
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, model_validator

from childhub.codes import registry
from childhub.declared import Frozen, Problems, parse_yaml, raise_if_any, validate
from childhub.errors import MappingError

ColumnType = Literal[
    "text",
    "date",
    "integer",
    "decimal",
    "boolean",
    "code",
    "upn",
    "upn_or_reason",
    "upn_reason",
    "nhs_number",
    "postcode",
]
# Pseudo-columns a rule may take its value from: the row's source key, and its row number.
PSEUDO_COLUMNS = frozenset({"_key", "_row"})
PROVENANCE_COLUMNS = frozenset({"source_system", "batch_id", "source_record_key"})


class ColumnRule(Frozen):
    """Where one canonical column comes from, and what a good value looks like."""

    source: str | None = Field(default=None, alias="from")
    value: str | None = None  # a constant instead of a source column; "{collection_year_end}" allowed
    type: ColumnType = "text"
    required: bool = False
    formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    codes: str | None = None  # a code set of the code registry (childhub.codes)
    translate: dict[str, str] = Field(default_factory=dict)
    # checks against another column of the same table (by canonical name), or "today"
    not_before: str | None = None
    not_after: str | None = None
    at_most: str | None = None

    @model_validator(mode="after")
    def _one_origin(self):
        if self.value is not None:
            try:
                self.value.format(collection_year_end="2000-03-31")
            except (KeyError, IndexError, ValueError):
                raise ValueError(
                    "a constant may only use {collection_year_end}; write other braces as {{ and }}"
                ) from None
        for fmt in self.formats:
            if re.sub(r"%[dmYHMSf]|[-/ .:T]", "", fmt):
                raise ValueError(f"date format {fmt!r}: use only %d %m %Y %H %M %S %f and - / . : T or spaces")
        if (self.source is None) == (self.value is None):
            raise ValueError("give exactly one of 'from' (a source column) or 'value' (a constant)")
        if self.type == "code" and not self.codes:
            raise ValueError("a code column needs 'codes': the name of a code set")
        if self.codes and self.type != "code":
            raise ValueError("'codes' only goes with type: code")
        return self


class Split(Frozen):
    """One row per item of a list in one cell (e.g. disability codes "AUT;BEH")."""

    column: str
    separator: str = Field(min_length=1, max_length=3)


class TableRule(Frozen):
    columns: dict[str, ColumnRule]
    one_per: tuple[str, ...] = ()
    when: str | None = None  # a source column that must be non-empty for the row to apply
    split: Split | None = None


class Detect(Frozen):
    columns: tuple[str, ...] = Field(min_length=1)
    exact: bool = False  # the header must be exactly these columns, no more


class Mapping(Frozen):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    source_system: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: str | None = None  # files of one return (e.g. ssda903) share their collection year
    mode: Literal["snapshot", "changes"] = "snapshot"
    scope_by: Literal["none", "collection_year"] = "none"
    extract_date_from: tuple[str, ...] = ()  # the latest date in these columns dates the extract
    yearly: bool = False  # rows are observations of one collection year: the year joins the key
    detect: Detect
    key: tuple[str, ...] = Field(min_length=1)
    tables: dict[str, TableRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _target_names(self):
        for target in self.tables:
            if not re.fullmatch(r"[a-z][a-z0-9_]*(@[a-z0-9_]+)?", target):
                raise ValueError(f"table {target!r}: a canonical table name, optionally with @label")
        return self

    def source_columns(self) -> set[str]:
        used = set(self.key)
        for table in self.tables.values():
            used.update(table.one_per)
            if table.when:
                used.add(table.when)
            if table.split:
                used.add(table.split.column)
            used.update(rule.source for rule in table.columns.values() if rule.source)
        return used - PSEUDO_COLUMNS


def canonical_table(target: str) -> str:
    """The table a target names: ``cla_health@dental`` is a second set of rows for cla_health."""
    return target.split("@", 1)[0]


def normalise_header(text: str) -> str:
    """Headers compare without case, spaces, underscores or punctuation."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@lru_cache(maxsize=1)
def code_sets() -> dict[str, frozenset[str]]:
    """Every code set of the code registry (childhub.codes), as the codes a mapped column may hold."""
    return {set_id: code_set.valid_codes() for set_id, code_set in registry().items()}


def load_mapping(path: Path, *, known_tables: dict[str, dict[str, str]] | None = None) -> Mapping:
    """Load and check a mapping file; raise MappingError listing every problem in it."""
    name = path.name
    try:
        data = parse_yaml(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{name}: cannot read the mapping file ({error})") from None
    except yaml.YAMLError as error:
        raise MappingError(f"{name}: not valid YAML ({str(error).splitlines()[0]})") from None
    return mapping_from_data(data, name, known_tables=known_tables)


def load_mappings(paths: list[Path], *, known_tables: dict[str, dict[str, str]] | None = None) -> tuple[Mapping, ...]:
    """Load mapping files, each given as a file or as a folder of ``*.yml`` files (read in name order)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.yml") if p.is_file()))
        else:
            files.append(path)
    return tuple(load_mapping(file, known_tables=known_tables) for file in files)


def mapping_from_data(data, name: str, *, known_tables: dict[str, dict[str, str]] | None = None) -> Mapping:
    """Check a mapping's fields, code sets and (given the schema, as {table: {column: type}}) its
    tables and columns, including that every NOT NULL column gets a value; every problem at once."""
    problems = Problems()
    if not isinstance(data, dict):
        raise MappingError(f"{name}: a mapping file must be a YAML mapping of fields, not {type(data).__name__}")
    mapping = validate(data, Mapping, name, problems)
    if mapping is not None:
        _check_tables(mapping, name, problems, known_tables)
    raise_if_any(problems, name, MappingError, one_line=True)
    assert mapping is not None
    return mapping


def _check_tables(
    mapping: Mapping, name: str, problems: Problems, known_tables: dict[str, dict[str, str]] | None
) -> None:
    sets = code_sets()
    for target, table in mapping.tables.items():
        table_name = canonical_table(target)
        if known_tables is not None and table_name not in known_tables:
            problems.add(name, f"tables.{target}", "no such canonical table")
            continue
        for column, rule in table.columns.items():
            where = f"tables.{target}.columns.{column}"
            if known_tables is not None and column not in known_tables[table_name]:
                problems.add(name, where, f"{table_name} has no column {column}")
            if rule.codes and rule.codes not in sets:
                problems.add(name, where, f"unknown code set {rule.codes!r}")
            for check in ("not_before", "not_after", "at_most"):
                other = getattr(rule, check)
                if other and other not in table.columns and not (check == "not_after" and other == "today"):
                    problems.add(name, f"{where}.{check}", f"{other!r} is not a column of this table's rule")
        if known_tables is not None:
            for column, column_type in known_tables[table_name].items():
                fed = table.columns.get(column)
                if (
                    column_type.endswith("NOT NULL")
                    and column not in PROVENANCE_COLUMNS
                    and (fed is None or not (fed.required or fed.value or fed.source in PSEUDO_COLUMNS))
                ):
                    problems.add(
                        name,
                        f"tables.{target}.columns.{column}",
                        f"{table_name}.{column} may not be empty, so map it with required: true (or a constant)",
                    )
    detected = {normalise_header(c) for c in mapping.detect.columns}
    for column in sorted(mapping.source_columns()):
        if normalise_header(column) not in detected:
            problems.add(name, "", f"{column!r} is used but not listed in detect.columns")


@lru_cache(maxsize=1)
def builtin_mappings() -> tuple[Mapping, ...]:
    folder = resources.files("childhub.ingest").joinpath("mappings")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yml"):
            found.append(mapping_from_data(parse_yaml(entry.read_text("utf-8")), entry.name))
    return tuple(found)
