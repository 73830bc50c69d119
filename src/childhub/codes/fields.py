"""Which code set each field a person reads uses (``fields.yml``), and the words for a field's code.

Pages, breakdowns, cohorts, Annex A charts, the API's ``*_label`` fields and exports all ask
``words_for(field, code)``, so a code reads the same everywhere::

    >>> words_for("legal_status", "C2")
    'Full care order'
    >>> words_for("legal_status", "Q9")
    'Unknown code Q9'

A field no set covers (a worker's name, a date) is not looked up: its value is shown as it is.
Everything is checked when the file loads: a set id that is not in the registry, a column not
written as ``fact_<name>.<column>``, a breakdown naming a field that is not declared.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field

from childhub.codes.registry import CodeRegistryError, registry
from childhub.declared import Frozen, Problems, load_yaml, raise_if_any

FIELDS_FILE = Path(__file__).with_name("fields.yml")


class CodedField(Frozen):
    """A field holding codes of one set, and the fact columns holding it."""

    set: str = Field(min_length=1)
    also: tuple[str, ...] = ()  # further sets asked, in order, for a code ``set`` does not know
    columns: tuple[str, ...] = ()
    as_given: bool = False  # a value the set does not know is the source's own words, shown as they are


class FieldMap(Frozen):
    """Every coded field, the breakdowns that are not the field of their name, and the column headings."""

    fields: dict[str, CodedField]
    breakdowns: dict[str, str | None] = {}
    headings: dict[str, str] = {}


def load_fields(path: Path = FIELDS_FILE) -> FieldMap:
    """The field map in ``path``, checked against the code registry; one CodeRegistryError lists every problem."""
    problems = Problems()
    found = load_yaml(path, FieldMap, problems)
    if found is not None:
        sets = registry()
        for name, field in found.fields.items():
            if field.set not in sets:
                problems.add(path.name, f"fields.{name}.set", f"there is no code set {field.set!r} in the registry")
            for position, other in enumerate(field.also):
                if other not in sets:
                    problems.add(path.name, f"fields.{name}.also.{position}", f"there is no code set {other!r}")
            for position, column in enumerate(field.columns):
                fact, _, name_of_column = column.partition(".")
                if not fact.startswith("fact_") or not name_of_column:
                    problems.add(
                        path.name, f"fields.{name}.columns.{position}", f"{column!r} is not fact_<name>.<column>"
                    )
        for key, name in found.breakdowns.items():
            if "." not in key:
                problems.add(path.name, f"breakdowns.{key}", "should be <indicator id>.<breakdown>")
            if name is not None and name not in found.fields:
                problems.add(path.name, f"breakdowns.{key}", f"there is no field {name!r}")
    raise_if_any(problems, f"The field map in {path}", CodeRegistryError)
    assert found is not None
    return found


@cache
def field_map() -> FieldMap:
    """The field map childhub ships."""
    return load_fields()


def is_coded(field: str | None) -> bool:
    """Whether ``field`` holds codes of a set (and so has words to look up)."""
    return field is not None and field in field_map().fields


def words_for(field: str | None, code: Any) -> str | None:
    """The words for ``code`` in ``field``: the set's label, found by the code or any of its spellings.

    None for no code. A code the set does not know is "Unknown code X" (the value itself, for a field whose
    source's own words may stand in for a code); a field that is not coded gives the value as text.
    """
    if code is None or code == "":
        return None
    text = str(code)
    if not is_coded(field):
        return text
    declared = field_map().fields[field]
    for set_id in (declared.set, *declared.also):
        codes = registry()[set_id]
        known = codes.label(text)
        if known is None:
            spelled = codes.lookup(text)
            known = codes.label(spelled) if spelled is not None else None
        if known is not None:
            return known
    return text if declared.as_given else f"Unknown code {text}"


def breakdown_field(indicator_id: str, by: str) -> str | None:
    """The field an indicator's breakdown ``by`` holds: the declared exception, else the field of that name."""
    exceptions = field_map().breakdowns
    key = f"{indicator_id}.{by}"
    if key in exceptions:
        return exceptions[key]
    return by if is_coded(by) else None


def heading(column: str) -> str:
    """The words a table heading shows for ``column``: "la_child_id" is "LA child ID"; a column of a code's words,
    ``<column>_label``, is headed as its code's column is."""
    if column.endswith("_label") and column != "_label":
        return heading(column.removesuffix("_label"))
    named = field_map().headings.get(column)
    return named if named is not None else column.replace("_", " ").capitalize()


def with_labels(row: dict[str, Any], fields: dict[str, str | None] | None = None) -> dict[str, Any]:
    """``row`` with ``<column>_label`` after each coded column (the code kept: other systems read it).

    ``fields`` names the field a column holds where it is not the field of the column's own name."""
    fields = fields or {}
    labelled: dict[str, Any] = {}
    for column, value in row.items():
        labelled[column] = value
        field = fields.get(column, column)
        if is_coded(field) and f"{column}_label" not in row:
            labelled[f"{column}_label"] = words_for(field, value)
    return labelled
