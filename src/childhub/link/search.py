"""Person search: a name, a date of birth or an identifier as typed, to the children it most likely means.

A query is read into parts (``parse_query``): names, dates of birth (2007-03-04, 4/3/2007 or 4 March
2007), a year of birth (a four-digit number from 1900 to 2100 typed with a name: "Billy Ali 2007"),
identifiers (a childhub child ID such as C2007, a UPN, an NHS number, an LA child ID or any system's own
ID; a bare number is read as a childhub child ID only when it is the whole query) and postcodes.

Candidates are blocked in SQL (the same date of birth, a similar surname with the same first letter, the
first name or one of its nicknames, an identifier equal; a year of birth and a postcode must hold), then
scored in Python with linkage's own comparison levels (``childhub.link.comparisons``, evaluated by
``childhub.link.instant.comparison_level``) and the latest model's weights, so search tolerates the typos
and nicknames linkage does. Every part typed must match (names may differ when an identifier matched).

**The order.** Each matched part has a closeness: 3 for an exact match (and for an identifier, a year of
birth or a postcode), 2 for the level after it (a nickname, a shared part of a hyphenated surname, a date
with day and month swapped), 1 for the next (a name spelt almost alike, a date one digit different), 0
for a name only spelt alike. Children come in order of the closeness of their parts added up, then of
the model's match weight for those parts added up (the ``score``), then by child ID; a child with several
source records is placed by the best of them. So an exact name and date of birth come before a misspelt
name, and "Bob" finds the Roberts before a surname spelt almost like it. Each part matched says why in
words (``Level.search_text``).

``search`` reads a published snapshot (or the store): ``source_record`` and the ``fact_person`` and
``fact_child`` tables the facts build, so results are children by ``child_key``, limited by the caller's
scope predicate on ``p.child_key``; the total counts only the children in scope.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from childhub.calendar import long_date
from childhub.link.comparisons import COMPARISON, nickname_pairs
from childhub.link.instant import Scorer, comparison_level

SEARCH_PAGE_SIZE = 25
# Source records gathered for one query at most; a query that gathers more is told to say more.
CANDIDATE_LIMIT = 50_000
DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# "4 March 2007", "4th Mar 2007", "4 March, 2007"
DATE_WORDS = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?,?\s+(\d{4})\b",
    re.IGNORECASE,
)
# A full UK postcode, with or without its space: "QX12 4AB", "qx124ab".
POSTCODE = re.compile(r"\b([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})\b")
YEAR = re.compile(r"^(19\d\d|20\d\d|2100)$")
NAME = re.compile(r"^[^\W\d_][\w'’-]*$")
# Candidate blocking. A surname is a candidate from the loosest spelling level search counts; with a
# first name (or its nickname) already agreeing, from a looser similarity; a single name, from a stricter one.
SURNAME_SIMILARITY = min(
    level.parameter for level in COMPARISON["surname"].levels if level.kind == "jaro_winkler" and level.search_text
)
SURNAME_SIMILARITY_WITH_FIRST_NAME = 0.7
ONE_NAME_SIMILARITY = 0.85
EXACT = 3  # the closeness of an exact match, an identifier, a year of birth or a postcode


@dataclass
class Query:
    """A search as typed, understood: name parts, dates and years of birth, identifiers and postcodes."""

    text: str
    names: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)  # without spaces, upper case
    problems: list[str] = field(default_factory=list)

    @property
    def number_alone(self) -> bool:
        """The whole query is one bare number (read as a childhub child ID among the other identifiers)."""
        return bool(re.fullmatch(r"\d+", self.text))

    def parts(self) -> list[str]:
        """What was read, in words, for the page: "names Billy Ali; born in 2007"."""
        said = []
        if self.names:
            said.append("name " + " ".join(name.title() for name in self.names))
        said += [f"born on {long_date(day)}" for day in self.dates]
        said += [f"born in {year}" for year in self.years]
        said += [f"identifier {identifier}" for identifier in self.identifiers]
        said += [f"postcode {postcode[:-3]} {postcode[-3:]}" for postcode in self.postcodes]
        return said


def _date(year: int, month: int, day: int, token: str, query: Query) -> None:
    try:
        query.dates.append(date(year, month, day))
    except ValueError:
        query.problems.append(f"{token} is not a date")


def parse_query(text: str) -> Query:
    """Names (lower case), dates (2015-03-02, 02/03/2015 or 2 March 2015), years of birth, identifiers and
    postcodes, in the order typed.

    A four-digit number from 1900 to 2100 typed with a name is a year of birth; alone, or with no name, it is
    an identifier (a childhub child ID, an LA child ID ...).
    """
    query = Query(text.strip())
    compact = re.sub(r"\s+", "", query.text)
    if re.fullmatch(r"\d{10}", compact) and " " in query.text:  # an NHS number written 943 476 5919
        query.identifiers.append(compact)
        return query
    rest = query.text
    for found in DATE_WORDS.finditer(rest):
        day, month, year = int(found[1]), MONTHS[found[2].lower()], int(found[3])
        _date(year, month, day, found[0], query)
    rest = DATE_WORDS.sub(" ", rest)
    for found in POSTCODE.finditer(rest):
        query.postcodes.append((found[1] + found[2]).upper())
    rest = POSTCODE.sub(" ", rest)
    numbers = []
    for token in rest.split():
        token = token.strip(",;")
        iso, uk = DATE_ISO.match(token), DATE_UK.match(token)
        if iso:
            _date(int(iso[1]), int(iso[2]), int(iso[3]), token, query)
        elif uk:
            _date(int(uk[3]), int(uk[2]), int(uk[1]), token, query)
        elif NAME.match(token) and not any(ch.isdigit() for ch in token):
            query.names.append(token.lower().replace("’", "'"))
        elif YEAR.match(token):
            numbers.append(token)
        elif token:
            query.identifiers.append(token)
    for number in numbers:  # a year of birth beside a name; otherwise an identifier
        if query.names:
            query.years.append(int(number))
        else:
            query.identifiers.append(number)
    return query


@lru_cache(maxsize=1)
def _nicknames() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for a, b in nickname_pairs():
        found.setdefault(a, set()).add(b)
    return {name: frozenset(others) for name, others in found.items()}


def _said(field_name: str, level: int) -> str | None:
    """What search says of a match at this level of a comparison, or None when it does not count it."""
    return COMPARISON[field_name].levels[level - 1].search_text if level else None


@lru_cache(maxsize=100_000)
def _name_level(field_name: str, wanted: str, got: str | None) -> int:
    """``comparison_level`` of two names, kept: a common surname is compared with the same query many times."""
    return comparison_level(field_name, wanted, got)


def _closeness(level: int) -> int:
    """3 for a comparison's first (exact) level, 2 for the next, 1, then 0."""
    return max(0, EXACT + 1 - level)


@dataclass(frozen=True)
class Part:
    """One part of a query a record matched: how closely, the model's weight for it, and why in words."""

    closeness: int
    weight: float
    why: str


@dataclass
class Found:
    """One page of the children a query matched, best first, with the true total."""

    total: int
    page: int
    pages: int
    page_size: int
    results: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    @property
    def first(self) -> int:
        """The position of the page's first child (1-based; 0 on an empty page)."""
        return (self.page - 1) * self.page_size + 1 if self.results else 0

    @property
    def last(self) -> int:
        return self.first + len(self.results) - 1 if self.results else 0


def _blocking(query: Query) -> tuple[list[str], list[Any], list[str], list[Any]]:
    """SQL that gathers candidate records: clauses any of which makes a candidate, and conditions all must hold."""
    clauses, params, required, required_params = [], [], [], []
    names = query.names
    first = names[0] if names else None
    last = names[-1] if len(names) > 1 else None
    for day in query.dates:
        clauses.append("s.date_of_birth = ?")
        params.append(day)
    if last:
        clauses.append(
            f"(substr(s.surname, 1, 1) = ? AND jaro_winkler_similarity(s.surname, ?) >= {SURNAME_SIMILARITY})"
        )
        params += [last[0], last]
        forenames = sorted({first, *_nicknames().get(first, ())})
        clauses.append(
            "(list_contains(?, s.forename) "
            f"AND jaro_winkler_similarity(s.surname, ?) >= {SURNAME_SIMILARITY_WITH_FIRST_NAME})"
        )
        params += [forenames, last]
    elif first:  # one name: a first name (or its nickname) or a surname
        forenames = sorted({first, *_nicknames().get(first, ())})
        clauses.append("list_contains(?, s.forename)")
        params.append(forenames)
        for column in ("s.forename", "s.surname"):
            clauses.append(
                f"(substr({column}, 1, 1) = ? AND jaro_winkler_similarity({column}, ?) >= {ONE_NAME_SIMILARITY})"
            )
            params += [first[0], first]
    for identifier in query.identifiers:
        upper = identifier.upper()
        digits = re.sub(r"[^0-9]", "", identifier)
        clauses.append(
            "(s.upn = ? OR s.former_upn = ? OR s.nhs_number = ? OR s.source_record_id = ? "
            "OR lower(p.child_key) = lower(?) OR (? AND CAST(p.child_id AS VARCHAR) = ?))"
        )
        params += [upper, upper, digits or upper, identifier, identifier, query.number_alone, identifier]
    for year in query.years:
        required.append("year(s.date_of_birth) = ?")
        required_params.append(year)
    for postcode in query.postcodes:
        required.append("replace(upper(s.postcode), ' ', '') = ?")
        required_params.append(postcode)
    if not clauses and required:  # a postcode alone: the condition gathers the candidates
        clauses = ["TRUE"]
    return clauses, params, required, required_params


def _name_parts(query: Query, forename, surname, weights) -> list[Part] | None:
    """The name parts a record matched; None when a name typed matches neither of its names."""
    names = query.names
    if not names:
        return []
    first = names[0]
    last = names[-1] if len(names) > 1 else None
    if last:
        parts = []
        for field_name, wanted, got, label in (
            ("first_name", first, forename, "first name"),
            ("surname", last, surname, "surname"),
        ):
            level = _name_level(field_name, wanted, got)
            said = _said(field_name, level)
            if said is not None:
                parts.append(
                    Part(_closeness(level), weights[field_name][level], f"{label} {got} ({said.format(wanted=wanted)})")
                )
            elif not query.identifiers:
                return None
        return parts
    options = []
    for field_name, got, label in (("first_name", forename, "first name"), ("surname", surname, "surname")):
        level = _name_level(field_name, first, got)
        said = _said(field_name, level)
        if said is not None:
            options.append(
                Part(_closeness(level), weights[field_name][level], f"{label} {got} ({said.format(wanted=first)})")
            )
    if options:
        return [max(options, key=lambda part: (part.closeness, part.weight))]
    return [] if query.identifiers or query.dates else None


def _identifier_part(identifier: str, query: Query, row: tuple, system_name: Callable[[str], str], weight: float):
    child_key, child_id, system, record_id, _f, _s, _b, upn, former_upn, nhs, _postcode = row
    upper, digits = identifier.upper(), re.sub(r"[^0-9]", "", identifier)
    candidates = [
        ("UPN", upn, upper),
        ("former UPN", former_upn, upper),
        ("NHS number", nhs, digits or upper),
        (f"{system_name(system)} ID", record_id, identifier),
        ("childhub child ID", child_key.upper() if child_key else None, upper),
    ]
    if query.number_alone:
        candidates.append(("childhub child ID", str(child_id) if child_id is not None else None, identifier))
    for label, value, wanted in candidates:
        if value is not None and value == wanted:
            return Part(EXACT, weight, f"{label} {identifier}")
    return None


def _parts(query: Query, row: tuple, weights, system_name: Callable[[str], str]) -> list[Part] | None:
    """Every part of ``query`` the record ``row`` matched, or None when a part it must match does not."""
    _key, _id, _system, _record, forename, surname, born, _upn, _former, _nhs, postcode = row
    parts = _name_parts(query, forename, surname, weights)
    if parts is None:
        return None
    for day in query.dates:
        level = comparison_level("dob", day, born)
        said = _said("dob", level)
        if said is None:
            return None
        parts.append(Part(_closeness(level), weights["dob"][level], f"date of birth {long_date(born)} ({said})"))
    for year in query.years:
        if born is None or born.year != year:
            return None
        # the model's weight for an exact date of birth, less what the day and month of it bring
        parts.append(Part(EXACT, weights["dob"][1] - math.log2(365.25), f"born in {year}"))
    for identifier in query.identifiers:
        part = _identifier_part(identifier, query, row, system_name, weights["upn"][1])
        if part is None:
            return None
        parts.append(part)
    for wanted in query.postcodes:
        if postcode is None or postcode.replace(" ", "").upper() != wanted:
            return None
        parts.append(Part(EXACT, weights["postcode"][1], f"postcode {postcode}"))
    return parts


def search(
    cursor,
    scorer: Scorer,
    query: Query,
    scope: tuple[str, list[Any]],
    page: int = 1,
    page_size: int = SEARCH_PAGE_SIZE,
    system_name: Callable[[str], str] = str,
) -> Found:
    """Page ``page`` of the children matching ``query`` within ``scope``, best first (see the module's order),
    one row per child with why each matched, and how many children match in all.

    ``scope`` is a SQL predicate on ``p.child_key`` (``fact_person``) and its parameters;
    ``system_name`` names a source system in the results (its code by default).
    """
    page = max(1, page)
    clauses, params, required, required_params = _blocking(query)
    if not clauses:
        return Found(0, 1, 0, page_size, [], list(query.problems))
    predicate, scope_values = scope
    conditions = " AND ".join([f"({' OR '.join(clauses)})", *required, predicate])
    rows = cursor.execute(
        f"""
        SELECT p.child_key, p.child_id, s.source_system, s.source_record_id, s.forename, s.surname, s.date_of_birth,
               s.upn, s.former_upn, s.nhs_number, s.postcode
        FROM source_record s
        JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id
        WHERE {conditions}
        LIMIT {CANDIDATE_LIMIT + 1}
        """,
        [*params, *required_params, *scope_values],
    ).fetchall()
    problems = list(query.problems)
    if len(rows) > CANDIDATE_LIMIT:
        rows = rows[:CANDIDATE_LIMIT]
        problems.append(
            f"More than {CANDIDATE_LIMIT:,} records match “{query.text}”, so only the first {CANDIDATE_LIMIT:,} "
            "are counted: add a first name, a date of birth or a postcode."
        )
    best: dict[str, tuple[tuple[int, float], list[Part], int | None]] = {}  # child_key -> rank, parts, child ID
    for row in rows:
        parts = _parts(query, row, scorer.weights, system_name)
        if not parts:
            continue
        child_key, child_id = row[0], row[1]
        rank = (sum(p.closeness for p in parts), sum(p.weight for p in parts))
        if child_key not in best or rank > best[child_key][0]:
            best[child_key] = (rank, parts, child_id)
    ranked = sorted(
        best.items(), key=lambda item: (-item[1][0][0], -item[1][0][1], item[1][2] is None, item[1][2] or 0, item[0])
    )
    total = len(ranked)
    pages = math.ceil(total / page_size)
    shown = ranked[(page - 1) * page_size : page * page_size]
    return Found(total, page, pages, page_size, _described(cursor, shown, system_name), problems)


def _described(cursor, shown: list, system_name: Callable[[str], str]) -> list[dict[str, Any]]:
    """The children of one page as ``fact_child`` shows them, with the score and why each matched."""
    if not shown:
        return []
    found = cursor.execute(
        """
        SELECT c.child_key, c.child_id, c.sex, c.date_of_birth, c.area, c.source_systems, c.forename, c.surname
        FROM fact_child c
        WHERE list_contains(?, c.child_key)
        """,
        [[key for key, _ in shown]],
    )
    columns = [d[0] for d in found.description]
    about = {row[0]: dict(zip(columns, row, strict=True)) for row in found.fetchall()}
    results = []
    for key, ((closeness, weight), parts, _child_id) in shown:
        row = about.get(key)
        if row is None:
            continue
        results.append(
            {
                "child_key": key,
                "child_id": row["child_id"],
                "name": " ".join(p for p in (row["forename"], row["surname"]) if p) or "(no name recorded)",
                "date_of_birth": row["date_of_birth"],
                "sex": row["sex"],
                "area": row["area"],
                "services": [system_name(s) for s in row["source_systems"] or []],
                "closeness": closeness,
                "score": round(weight, 2),
                "why": [part.why for part in parts],
            }
        )
    return results


__all__ = ["SEARCH_PAGE_SIZE", "Found", "Query", "parse_query", "search"]
