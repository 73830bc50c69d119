"""Person search: a name, a date of birth or an identifier as typed, to the children it most likely means.

A query is read into name parts, dates of birth and identifiers (``parse_query``). Candidates are
blocked in SQL (the same date of birth, a similar surname with the same first letter, the first name
or one of its nicknames, an identifier equal), then scored in Python with linkage's own comparison
levels (``childhub.link.comparisons``, evaluated by ``childhub.link.instant.comparison_level``) and
the latest model's weights, so search tolerates the typos and nicknames linkage does. Each level
search counts says why in words (``Level.search_text``).

``search`` reads a published snapshot (or the store): ``source_record`` and the ``fact_person`` and
``fact_child`` tables the facts build, so results are children by ``child_key``, limited by the
caller's scope predicate on ``p.child_key``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from childhub.link.comparisons import COMPARISON, nickname_pairs
from childhub.link.instant import Scorer, comparison_level

DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
NAME = re.compile(r"^[^\W\d_][\w'’-]*$")
CANDIDATE_LIMIT = 2000
# Candidate blocking. A surname is a candidate from the loosest spelling level search counts; with a
# first name (or its nickname) already agreeing, from a looser similarity; a single name, from a stricter one.
SURNAME_SIMILARITY = min(
    level.parameter for level in COMPARISON["surname"].levels if level.kind == "jaro_winkler" and level.search_text
)
SURNAME_SIMILARITY_WITH_FIRST_NAME = 0.7
ONE_NAME_SIMILARITY = 0.85


@dataclass
class Query:
    """A search as typed, understood: name parts, dates of birth and identifiers."""

    text: str
    names: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_query(text: str) -> Query:
    """Names (lower case), dates (2015-03-02 or 02/03/2015) and identifiers, in the order typed."""
    query = Query(text.strip())
    compact = re.sub(r"\s+", "", query.text)
    if re.fullmatch(r"\d{10}", compact) and " " in query.text:  # an NHS number written 943 476 5919
        query.identifiers.append(compact)
        return query
    for token in query.text.split():
        iso, uk = DATE_ISO.match(token), DATE_UK.match(token)
        if iso or uk:
            year, month, day = (int(g) for g in iso.groups()) if iso else (int(uk[3]), int(uk[2]), int(uk[1]))
            try:
                query.dates.append(date(year, month, day))
            except ValueError:
                query.problems.append(f"{token} is not a date")
        elif NAME.match(token) and not any(ch.isdigit() for ch in token):
            query.names.append(token.lower().replace("’", "'"))
        else:
            query.identifiers.append(token.strip(",;"))
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


def search(
    cursor,
    scorer: Scorer,
    query: Query,
    scope: tuple[str, list[Any]],
    limit: int = 50,
    system_name: Callable[[str], str] = str,
) -> list[dict[str, Any]]:
    """Children matching ``query`` within ``scope``, best first, one row per child, with why each matched.

    ``scope`` is a SQL predicate on ``p.child_key`` (``fact_person``) and its parameters;
    ``system_name`` names a source system in the results (its code by default).
    """
    clauses, params = [], []
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
            "OR lower(p.child_key) = lower(?) OR CAST(p.child_id AS VARCHAR) = ?)"
        )
        params += [upper, upper, digits or upper, identifier, identifier, identifier.lstrip("Cc")]
    if not clauses:
        return []
    predicate, scope_values = scope
    rows = cursor.execute(
        f"""
        SELECT p.child_key, p.child_id, s.source_system, s.source_record_id, s.forename, s.surname, s.date_of_birth,
               s.upn, s.former_upn, s.nhs_number
        FROM source_record s
        JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id
        WHERE ({" OR ".join(clauses)}) AND {predicate}
        LIMIT {CANDIDATE_LIMIT}
        """,
        [*params, *scope_values],
    ).fetchall()
    weights = scorer.weights
    best: dict[str, tuple[float, list[str]]] = {}
    for child_key, child_id, system, record_id, forename, surname, born, upn, former_upn, nhs in rows:
        score, why, ok = 0.0, [], True
        if last:
            for field_name, wanted, got, label in (
                ("first_name", first, forename, "first name"),
                ("surname", last, surname, "surname"),
            ):
                level = comparison_level(field_name, wanted, got)
                said = _said(field_name, level)
                if said is not None:
                    score += weights[field_name][level]
                    why.append(f"{label} {got} ({said.format(wanted=wanted)})")
                elif not query.identifiers:
                    ok = False
        elif first:
            options = []
            for field_name, got, label in (("first_name", forename, "first name"), ("surname", surname, "surname")):
                level = comparison_level(field_name, first, got)
                said = _said(field_name, level)
                if said is not None:
                    options.append((weights[field_name][level], f"{label} {got} ({said.format(wanted=first)})"))
            if options:
                weight, reason = max(options)
                score += weight
                why.append(reason)
            elif not query.identifiers and not query.dates:
                ok = False
        for day in query.dates:
            level = comparison_level("dob", day, born)
            said = _said("dob", level)
            if said is not None:
                score += weights["dob"][level]
                why.append(f"date of birth {born.isoformat()} ({said})")
            else:
                ok = False
        for identifier in query.identifiers:
            upper, digits = identifier.upper(), re.sub(r"[^0-9]", "", identifier)
            matched = [
                label
                for label, value, wanted in (
                    ("UPN", upn, upper),
                    ("former UPN", former_upn, upper),
                    ("NHS number", nhs, digits or upper),
                    (f"{system_name(system)} ID", record_id, identifier),
                    ("childhub child ID", child_key, upper),
                    ("childhub child ID", str(child_id) if child_id is not None else None, identifier.lstrip("Cc")),
                )
                if value is not None and value == wanted
            ]
            if matched:
                score += weights["upn"][1]
                why.append(f"{matched[0]} {identifier}")
            else:
                ok = False
        if ok and why and (child_key not in best or score > best[child_key][0]):
            best[child_key] = (score, why)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:limit]
    if not ranked:
        return []
    found = cursor.execute(
        """
        SELECT c.child_key, c.child_id, c.sex, c.date_of_birth, c.area, c.source_systems, c.forename, c.surname
        FROM fact_child c
        WHERE list_contains(?, c.child_key)
        """,
        [[key for key, _ in ranked]],
    )
    columns = [d[0] for d in found.description]
    about = {row[0]: dict(zip(columns, row, strict=True)) for row in found.fetchall()}
    results = []
    for key, (score, why) in ranked:
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
                "score": round(score, 2),
                "why": why,
            }
        )
    return results


__all__ = ["Query", "parse_query", "search"]
