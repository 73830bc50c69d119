"""The code registry: every code set childhub reads, writes or shows, loaded from ``sets/*.yml``.

Each file maps a code set id to its title and codes; each code has its label (the words people
see), the collection years it is valid in and, for codes that only some returns use, which::

    cin_reason_for_closure:
      title: Reason for closure of a CIN episode (CIN census)
      codes:
        - {code: RC8, label: "Case closed after assessment, no further action"}
        - {code: RC9, label: "Case closed after assessment, referred to early help", from: 2023}

``from`` and ``until`` are collection years (the year of the 31 March a return ends on), both
inclusive; without them a code is valid in every year. ``returns`` limits a code to the returns
named (``cin_census``, ``ssda903``, ``sen2``, ...). ``template_value`` is the text of Ofsted's
Annex A drop-down for the code, and ``aliases`` other spellings authorities send; matching
ignores case, spacing and punctuation.

Everything is checked when the registry loads: an unknown field, a year range that runs
backwards, a code given twice, two spellings that could not be told apart, a set id used in
two files. Every problem is reported at once, naming the file and the field.
"""

from __future__ import annotations

import unicodedata
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from childhub.declared import Frozen, Problems, declared_files, raise_if_any, read_yaml, validate
from childhub.errors import ChildhubError

SETS_DIR = Path(__file__).parent / "sets"
# The returns a code's ``returns`` may name, in words.
RETURN_NAMES = {"cin_census": "CIN census", "ssda903": "SSDA903", "sen2": "SEN2"}


class CodeRegistryError(ChildhubError):
    """The code registry is broken, or a code set was asked for that it does not have."""


def compact_key(text: str) -> str:
    """``text`` with case, spacing and punctuation gone: "Referral NFA?" -> "referralnfa"."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", "and")
    return "".join(char for char in text if char.isalnum())


class Code(Frozen):
    """One code of a code set, with its label and the years and returns it is valid in."""

    code: str = Field(min_length=1)
    label: str = Field(min_length=1)
    from_year: int | None = Field(default=None, alias="from", ge=1990, le=2100)
    until: int | None = Field(default=None, ge=1990, le=2100)
    returns: tuple[str, ...] = ()
    template_value: str | None = None  # the text of Ofsted's Annex A drop-down, where known
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _years_in_order(self) -> Code:
        if self.from_year is not None and self.until is not None and self.until < self.from_year:
            raise ValueError(f"the years run backwards: from {self.from_year} until {self.until}")
        return self

    def valid_in(self, year: int | None = None, within: str | None = None) -> bool:
        """Valid in collection ``year`` (any year when None) and in the return ``within`` (any when None)."""
        in_years = year is None or (
            (self.from_year is None or self.from_year <= year) and (self.until is None or year <= self.until)
        )
        return in_years and (within is None or not self.returns or within in self.returns)

    @property
    def years(self) -> str:
        """When the code is used, in words: "from 2023", "until 2020", "2021 to 2024"."""
        if self.from_year is None:
            return f"until {self.until}" if self.until is not None else "in every year"
        return f"from {self.from_year}" if self.until is None else f"{self.from_year} to {self.until}"

    def spellings(self) -> tuple[str, ...]:
        """Every way of writing this code that a reader accepts outright."""
        extra = (self.template_value,) if self.template_value else ()
        return (self.code, self.label, *extra, *self.aliases)


class CodeSet(Frozen):
    """A set of codes, code -> label, with the years and returns each is valid in."""

    id: str
    title: str
    codes: tuple[Code, ...] = Field(min_length=1)

    @cached_property
    def labels(self) -> dict[str, str]:
        return {code.code: code.label for code in self.codes}

    @cached_property
    def _valid(self) -> dict[tuple[int | None, str | None], frozenset[str]]:
        return {}  # (year, within) -> the codes valid then, filled as they are asked for

    @cached_property
    def _by_code(self) -> dict[str, Code]:
        return {code.code: code for code in self.codes}

    @cached_property
    def _index(self) -> dict[str, str]:
        return {compact_key(text): code.code for code in self.codes for text in code.spellings()}

    def lookup(self, text: str) -> str | None:
        """The code ``text`` names (as a code, label, drop-down text or alias), or None."""
        return self._index.get(compact_key(text))

    def label(self, code: str) -> str | None:
        return self.labels.get(code)

    def valid_codes(self, year: int | None = None, within: str | None = None) -> frozenset[str]:
        """The codes valid in collection ``year`` and return ``within`` (every year, every return when None)."""
        key = (year, within)
        if key not in self._valid:
            self._valid[key] = frozenset(code.code for code in self.codes if code.valid_in(year, within))
        return self._valid[key]

    def check(self, code: str, year: int, item: str, within: str | None = None) -> str | None:
        """None when ``code`` is valid in collection ``year`` (and return ``within``); otherwise why not."""
        known = self._by_code.get(code)
        name = RETURN_NAMES.get(within or "", "registry")
        if known is None or not known.valid_in(None, within):
            return f"not one of the {name}'s {item} codes"
        if known.valid_in(year, within):
            return None
        return f"not one of the {year} {name}'s {item} codes (it is used {known.years})"


class _CodeSetEntry(Frozen):
    title: str = Field(min_length=1)
    codes: tuple[dict[str, Any], ...] = Field(min_length=1)  # each checked as a Code on its own


def _years_overlap(first: Code, second: Code) -> bool:
    start = max(first.from_year or 0, second.from_year or 0)
    end = min(first.until or 9999, second.until or 9999)
    return start <= end


def _check_codes(file: str, set_id: str, codes: dict[int, Code], problems: Problems) -> None:
    """No code twice; no spelling shared by two codes valid in the same year."""
    seen: set[str] = set()
    owners: dict[str, list[tuple[Code, str]]] = {}  # spelling key -> (code, spelling) using it
    for position, code in codes.items():
        field = f"{set_id}.codes.{position}"
        if code.code in seen:
            problems.add(file, f"{field}.code", f"duplicate code {code.code!r}")
        seen.add(code.code)
        for spelling in code.spellings():
            key = compact_key(spelling)
            if not key:
                problems.add(file, field, f"spelling {spelling!r} has no letters or digits")
                continue
            clash = next(
                (
                    (other, text)
                    for other, text in owners.get(key, [])
                    if other.code != code.code and _years_overlap(other, code)
                ),
                None,
            )
            if clash:
                problems.add(
                    file, field, f"{spelling!r} cannot be told apart from {clash[1]!r} of code {clash[0].code!r}"
                )
            owners.setdefault(key, []).append((code, spelling))


def load_registry(directory: Path = SETS_DIR) -> dict[str, CodeSet]:
    """Every code set in ``directory``'s ``*.yml``, checked; one CodeRegistryError lists every problem."""
    problems = Problems()
    found: dict[str, tuple[CodeSet, str]] = {}
    for path in declared_files(directory, "*.yml", "code sets", problems):
        data = read_yaml(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.add(path.name, "", "should map code set ids to code sets")
            continue
        for set_id, body in data.items():
            entry = validate(body, _CodeSetEntry, path.name, problems, prefix=str(set_id))
            if entry is None:
                continue
            codes = {
                position: code
                for position, body in enumerate(entry.codes)
                if (code := validate(body, Code, path.name, problems, prefix=f"{set_id}.codes.{position}"))
            }
            _check_codes(path.name, str(set_id), codes, problems)
            if not codes:
                continue
            code_set = CodeSet(id=str(set_id), title=entry.title, codes=tuple(codes.values()))
            if code_set.id in found:
                problems.add(path.name, code_set.id, f"code set id already used in {found[code_set.id][1]}")
                continue
            found[code_set.id] = (code_set, path.name)
    raise_if_any(problems, f"The code registry in {directory}", CodeRegistryError)
    return {set_id: code_set for set_id, (code_set, _) in sorted(found.items())}


@cache
def registry() -> dict[str, CodeSet]:
    """The code sets childhub ships, by id."""
    return load_registry()


def code_set(set_id: str) -> CodeSet:
    """One code set by id; CodeRegistryError if there is none."""
    sets = registry()
    if set_id not in sets:
        raise CodeRegistryError(f"there is no code set {set_id!r} in the code registry")
    return sets[set_id]


def label(set_id: str, code: str | None) -> str | None:
    """The label of ``code`` in the set (None for no code or one the set does not have)."""
    return None if code is None else code_set(set_id).label(code)


@cache  # the generator asks for the same few sets per record: a dict look-up, not a model hashed each time
def valid_codes(set_id: str, year: int | None = None, within: str | None = None) -> frozenset[str]:
    """The codes of the set valid in collection ``year`` and return ``within`` (None: any)."""
    return code_set(set_id).valid_codes(year, within)
