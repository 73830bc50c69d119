"""The comparison levels, declared once, mean the same in Splink's SQL and in childhub's Python.

Splink scores a set of records (hand-made tricky pairs, and pairs made with the synthetic
generator's own noise) with the settings built from ``childhub.link.comparisons``; every pair it
compares must be at the same level in Python (``childhub.link.instant.comparison_level``) as in
Splink's ``gamma_`` columns. Changing a threshold on either side alone must break that.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date, timedelta

import pytest

from childhub.link import comparison_level
from childhub.link.comparisons import COMPARISON, COMPARISONS, FIELDS, KINDS

# One field differs between the two records of each pair; the rest are BASE's.
BASE = {
    "first_name": "ava",
    "surname": "khan",
    "dob": date(2015, 6, 1),
    "sex": "F",
    "postcode": "QX1 1AA",
    "upn": None,
    "nhs_number": None,
}
TRICKY = [
    ("first_name", "william", "bill"),  # a nickname, both ways
    ("first_name", "bill", "william"),
    ("first_name", "wilkinson", "wilkibson"),  # DuckDB counts transpositions in whole pairs: 0.93, not 0.918
    ("first_name", "florence", "florrnce"),  # the same: 0.921, not 0.907
    ("first_name", "begum", "begun"),  # exactly 0.92
    ("first_name", "isabel", "isobel"),  # 0.911: between 0.90 and 0.92
    ("first_name", "aiden", "aidan"),  # 0.907
    ("first_name", "stephen", "steven"),  # 0.894
    ("first_name", "aab", "abbbb"),  # Jaro below 0.7: no prefix bonus
    ("first_name", "ab", "ba"),
    ("first_name", "jo", "joe"),
    ("first_name", None, "ava"),
    ("surname", "smith-jones", "jones"),  # a shared hyphenated part
    ("surname", "smith", "smith-jones"),
    ("surname", "smith-", "-jones"),  # an empty part is a part
    ("surname", "o'neil", "oneil"),
    ("surname", "mohammed", "muhammad"),  # 0.85: between 0.80 and 0.92
    ("surname", "robinson", "robertson"),  # 0.864
    ("surname", "ali", "aly"),  # 0.822
    ("surname", "ryan", "brian"),  # 0.783: below 0.80
    ("surname", "khan", None),
    ("dob", date(2015, 3, 12), date(2015, 3, 21)),  # two digits swapped: two edits for Levenshtein
    ("dob", date(2015, 1, 2), date(2015, 2, 1)),  # day and month swapped
    ("dob", date(2015, 12, 1), date(2015, 1, 12)),
    ("dob", date(2015, 3, 2), date(2015, 3, 3)),  # one digit
    ("dob", date(2015, 1, 1), date(2016, 1, 1)),  # one digit, though a year apart
    ("dob", date(2015, 6, 1), date(2016, 5, 31)),  # 365 days
    ("dob", date(2016, 2, 28), date(2017, 2, 28)),  # 366 days: more than 365.25
    ("dob", date(2019, 12, 31), date(2020, 12, 31)),
    ("dob", date(2015, 6, 1), date(2017, 1, 1)),  # between one and two years
    ("dob", None, date(2015, 1, 1)),
    ("sex", "M", "F"),
    ("sex", "M", None),
    ("postcode", "QX1 1AA", "QX1 2BB"),  # the same district
    ("postcode", "QX12 1AA", "QX1 2AB"),  # QX12 is not QX1
    ("postcode", "QX1A 1AA", "QX1A 2BB"),
    ("postcode", "q1 1aa", "q1 2bb"),  # neither has a district: alike on both sides
    ("postcode", "QX1 1AA", "not known"),
    ("postcode", None, "QX1 1AA"),
    ("upn", "A801200100001", "B801200100002"),
    ("nhs_number", "9434765919", "9434765870"),  # compared all the same: every BASE record has one birthday
]
SCORED_COLUMNS = ("unique_id", "first_name", "surname", "dob", "sex", "postcode", "upn", "nhs_number")


def tricky_people() -> list[dict]:
    """Each tricky pair as two records sharing an NHS number (so Splink compares them, whatever differs)."""
    people = []
    for n, (field, left, right) in enumerate(TRICKY):
        for side, value in (("a", left), ("b", right)):
            people.append({**BASE, "nhs_number": f"T{n}", field: value, "unique_id": f"tricky{n}{side}"})
    return people


def generated_people(count: int = 300, seed: int = 7) -> list[dict]:
    """Children from the generator's name bank, each with a copy another system might hold:
    a nickname or a typo in the first name, a typo, a hyphenated or another surname, a mistyped
    date of birth, another postcode in the district, no sex. Pairs share a UPN or an NHS number."""
    from childhub.synth.names import name_bank
    from childhub.synth.noise import mistyped_date, nicknames_of, typo

    rng = random.Random(seed)
    bank = name_bank()
    people = []
    for n in range(count):
        sex = rng.choice("MF")
        first, surname = bank.first[sex].draw(rng).lower(), bank.surname.draw(rng).lower()
        born = date(2005, 1, 1) + timedelta(days=rng.randrange(5500))
        district = rng.choice(bank.home_localities)[1]
        child = {
            "first_name": first,
            "surname": surname,
            "dob": born,
            "sex": sex,
            "postcode": f"{district} {rng.randint(1, 9)}{rng.choice('ABD')}{rng.choice('EFG')}",
            "upn": None,
            "nhs_number": None,
        }
        copy = dict(child)
        roll, nicknames = rng.random(), nicknames_of(first)
        if roll < 0.3 and nicknames:
            copy["first_name"] = rng.choice(nicknames).lower()
        elif roll < 0.7:
            copy["first_name"] = typo(rng, first)
        roll = rng.random()
        if roll < 0.4:
            copy["surname"] = typo(rng, surname)
        elif roll < 0.55:
            copy["surname"] = f"{surname}-{bank.surname.draw(rng).lower()}"
        elif roll < 0.65:
            copy["surname"] = bank.surname.draw(rng).lower()
        if rng.random() < 0.5:
            copy["dob"] = mistyped_date(rng, born)
        if rng.random() < 0.3:
            copy["postcode"] = f"{district} {rng.randint(1, 9)}AA"
        if rng.random() < 0.1:
            copy["sex"] = None
        identifier = "upn" if n % 2 else "nhs_number"
        child[identifier] = copy[identifier] = f"G{n}"
        people += [{**child, "unique_id": f"generated{n}a"}, {**copy, "unique_id": f"generated{n}b"}]
    return people


def splink_levels(people: list[dict]) -> list[tuple[str, str, dict[str, int]]]:
    """Every pair Splink compares under the declared settings, with its ``gamma_`` value per field."""
    from childhub.link.model import linkage_settings, score_pairs
    from childhub.store import scratch_connection

    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE people (unique_id VARCHAR, forename VARCHAR, surname VARCHAR, date_of_birth DATE, "
            "sex VARCHAR, postcode VARCHAR, upn VARCHAR, nhs_number VARCHAR)"
        )
        conn.executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[person[column] for column in SCORED_COLUMNS] for person in people],
        )
        scored = score_pairs(
            conn,
            threshold=0.0,
            records_sql="SELECT * FROM {catalog}.main.people",
            model=linkage_settings().create_settings_dict("duckdb"),  # untrained: only the levels matter
        )
    return [
        (left, right, {field: found["level"] for field, found in json.loads(evidence).items()})
        for left, right, _probability, _weight, evidence in scored.pairs
    ]


def disagreements(compared, people: list[dict]) -> list[tuple]:
    """(field, left value, right value, Splink's gamma, Python's gamma) wherever the two differ."""
    by_id = {person["unique_id"]: person for person in people}
    found = []
    for left, right, gammas in compared:
        for field in FIELDS:
            a, b = by_id[left][field], by_id[right][field]
            python = COMPARISON[field].gamma(comparison_level(field, a, b))
            if gammas[field] != python:
                found.append((field, a, b, gammas[field], python))
    return found


@pytest.fixture(scope="module")
def compared():
    people = tricky_people() + generated_people()
    return people, splink_levels(people)


def test_python_levels_equal_splinks_on_tricky_and_generated_pairs(compared):
    people, pairs = compared
    assert disagreements(pairs, people) == []
    compared_ids = {frozenset((left, right)) for left, right, _ in pairs}
    assert all(frozenset((f"tricky{n}a", f"tricky{n}b")) in compared_ids for n in range(len(TRICKY)))
    seen = {(field, gammas[field]) for _, _, gammas in pairs for field in FIELDS}
    every = {(c.field, gamma) for c in COMPARISONS for gamma in range(-1, len(c.levels))}
    assert every <= seen  # every level of every comparison is met


def _moved(field: str, kind: str, parameter) -> dict:
    """COMPARISON with the first ``kind`` level of ``field`` given another parameter."""
    comparison = COMPARISON[field]
    index = next(i for i, level in enumerate(comparison.levels) if level.kind == kind)
    levels = list(comparison.levels)
    levels[index] = dataclasses.replace(levels[index], parameter=parameter)
    return {**COMPARISON, field: dataclasses.replace(comparison, levels=tuple(levels))}


MOVES = [
    ("first_name", "jaro_winkler", 0.90),
    ("surname", "jaro_winkler", 0.85),
    ("dob", "digits_different", 2),
    ("dob", "within_years", 2),
]


@pytest.mark.parametrize(("field", "kind", "parameter"), MOVES)
def test_a_threshold_changed_in_python_alone_is_caught(compared, monkeypatch, field, kind, parameter):
    people, pairs = compared
    monkeypatch.setattr("childhub.link.instant.COMPARISON", _moved(field, kind, parameter))
    assert any(found[0] == field for found in disagreements(pairs, people))


def test_a_threshold_changed_in_splink_alone_is_caught(monkeypatch):
    people = tricky_people()
    moved = _moved("first_name", "jaro_winkler", 0.90)
    monkeypatch.setattr("childhub.link.model.COMPARISONS", tuple(moved.values()))
    assert any(found[0] == "first_name" for found in disagreements(splink_levels(people), people))


def test_the_reference_model_has_the_declared_levels():
    """link-lists and the instant matcher before any run score with the reference model's saved levels."""
    from childhub.link.model import linkage_settings, reference_model

    def levels(model: dict) -> dict:
        return {
            comparison["output_column_name"]: [
                (
                    level.get("label_for_charts"),
                    level["sql_condition"],
                    bool(level.get("is_null_level")),
                    bool(level.get("fix_m_probability")),
                    level.get("tf_adjustment_column"),
                )
                for level in comparison["comparison_levels"]
            ]
            for comparison in model["comparisons"]
        }

    assert levels(reference_model()) == levels(linkage_settings().create_settings_dict("duckdb"))
    assert {level.kind for comparison in COMPARISONS for level in comparison.levels} == set(KINDS)


def test_jaro_winkler_and_levenshtein_equal_duckdbs():
    from childhub.link.cluster import edit_distance, jaro_winkler
    from childhub.store import scratch_connection

    rng = random.Random(3)
    alphabets = ("abcde", "ab", "abcdefghijklmnopqrstuvwxyz'-")
    pairs = [
        tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(2))
        for alphabet in (rng.choice(alphabets) for _ in range(5000))
    ]
    with scratch_connection() as conn:
        conn.execute("CREATE TABLE pairs (a VARCHAR, b VARCHAR)")
        conn.executemany("INSERT INTO pairs VALUES (?, ?)", pairs)
        rows = conn.execute("SELECT a, b, jaro_winkler_similarity(a, b), levenshtein(a, b) FROM pairs").fetchall()
    assert [(a, b) for a, b, similarity, _ in rows if jaro_winkler(a, b) != pytest.approx(similarity, abs=1e-12)] == []
    assert [(a, b) for a, b, _, distance in rows if edit_distance(a, b, swaps=False) != distance] == []


def test_splink_exceptions_are_where_childhub_imports_them_from():
    """Splink 5.0.0 exports no exceptions; link/model.py imports this one from its internals."""
    from splink.internals.exceptions import EMTrainingException

    assert issubclass(EMTrainingException, Exception)
