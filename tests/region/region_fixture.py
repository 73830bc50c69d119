"""A small region for the region link's tests and benchmark: a few authorities' children, some of whom moved
between them, each record drawn with the slips systems make (typos, a changed surname, a mistyped date of birth,
a missing identifier), with the truth of who is who.

The pooled exports are written with ``childhub.region.encoding`` (the encoder ``childhub export pooled`` uses:
keyed hashes of valid identifiers, 512-bit Bloom filters of names' bigrams and of dates of birth's tokens), the
manifest as ``childhub export pooled`` writes it; the clear children table
(``clear_table``) has the same columns with clear values, for linkage on the clear data as a comparison: it
exists only here, never as an export.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from childhub.identifiers import make_upn, nhs_check_digit
from childhub.region import encode_dates_of_birth, encode_names, key_check
from childhub.region.encoding import encoding_settings, nhs_hash, upn_hash
from childhub.region.encoding import pooled_id as encoded_pooled_id
from childhub.synth.names import name_bank
from childhub.synth.noise import mistyped_date, typo

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
WORDS = 8
AUTHORITIES = (
    ("E06000901", "Northmere"),
    ("E06000902", "Southmere"),
    ("E06000903", "Eastmere"),
    ("E06000904", "Westmere"),
    ("E06000905", "Upper Dale"),
    ("E06000906", "Lower Dale"),
    ("E06000907", "Highfold"),
    ("E06000908", "Lowfold"),
)
DISTRICTS = {code: [f"Q{'ABCDEFGH'[i]}{n}" for n in range(1, 9)] for i, (code, _) in enumerate(AUTHORITIES)}


@dataclass(frozen=True)
class Person:
    person: int
    first_name: str
    last_name: str
    dob: date
    sex: str
    nhs: str
    upn: str


@dataclass(frozen=True)
class Record:
    authority_code: str
    child_id: int
    person: int
    first_name: str
    last_name: str
    dob: date
    sex: str
    nhs: str | None
    upn: str | None
    postcode_district: str


def _person(rng: random.Random, number: int) -> Person:
    bank = name_bank()
    sex = rng.choice("MF")
    dob = date(2007, 1, 1) + timedelta(days=rng.randrange(17 * 365))
    return Person(
        number,
        bank.first[sex].draw(rng),
        bank.surname.draw(rng),
        dob,
        sex,
        _nhs_number(number),
        make_upn(901, number // 1000, 2015, number % 1000),
    )


def _nhs_number(number: int) -> str:
    """A valid NHS number (its modulus-11 check digit right), one for each ``number``."""
    for last in range(10):
        first_nine = f"{400_000_000 + 10 * number + last:09d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
    raise AssertionError("no valid NHS number")


def _recorded(rng: random.Random, person: Person, authority: str, child_id: int) -> Record:
    """How one authority holds a child: mostly right, sometimes with a slip."""
    first, last, dob, sex = person.first_name, person.last_name, person.dob, person.sex
    if rng.random() < 0.08:
        first = typo(rng, first)
    if rng.random() < 0.04:
        last = typo(rng, last)
    elif rng.random() < 0.03:
        last = name_bank().surname.draw(rng)  # a changed surname
    if rng.random() < 0.04:
        dob = mistyped_date(rng, dob)
    if rng.random() < 0.005:
        sex = "F" if sex == "M" else "M"
    return Record(
        authority,
        child_id,
        person.person,
        first,
        last,
        dob,
        sex,
        person.nhs if rng.random() < 0.6 else None,
        person.upn if rng.random() < 0.5 else None,
        rng.choice(DISTRICTS[authority]),
    )


def draw_region(seed: int, *, children: int = 1500, authorities: int = 3, moved: float = 0.15) -> list[Record]:
    """About ``children`` records in each of ``authorities`` authorities; ``moved`` of each authority's children
    are held by a second authority too (a few by a third); some children are twins (same surname, date of birth
    and district, a different first name), who move together."""
    rng = random.Random(seed)
    codes = [code for code, _ in AUTHORITIES[:authorities]]
    people: list[Person] = []
    held: dict[str, list[Person]] = {code: [] for code in codes}
    for code in codes:
        while len(held[code]) < children:
            person = _person(rng, len(people))
            people.append(person)
            family = [person]
            if rng.random() < 0.03:  # a twin: another first name, the rest shared
                twin = replace(_person(rng, len(people)), last_name=person.last_name, dob=person.dob)
                people.append(twin)
                family.append(twin)
            held[code].extend(family)
    for code in codes:
        others = [other for other in codes if other != code]
        for person in list(held[code][:children]):
            if rng.random() < moved:
                destinations = rng.sample(others, 2 if rng.random() < 0.1 and len(others) > 1 else 1)
                for other in destinations:
                    held[other].append(person)
    records: list[Record] = []
    for code in codes:
        seen: set[int] = set()
        for child_id, person in enumerate(held[code], start=1):
            if person.person not in seen:  # a child moved back is still one child in one authority
                seen.add(person.person)
                records.append(_recorded(rng, person, code, child_id))
    return records


def pooled_id(key: bytes, record: Record) -> str:
    return encoded_pooled_id(key, record.authority_code, record.child_id)


def _name(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalpha())


def encoded_rows(key: bytes, records: list[Record]) -> list[dict]:
    """The rows of children.parquet for ``records``, encoded as ``childhub export pooled`` encodes them."""
    encoded = {
        "first_name": encode_names(key, "first_name", [record.first_name for record in records]),
        "last_name": encode_names(key, "last_name", [record.last_name for record in records]),
        "dob": encode_dates_of_birth(key, [record.dob for record in records]),
    }
    rows = []
    for i, record in enumerate(records):
        row = {
            "pooled_id": pooled_id(key, record),
            "authority_code": record.authority_code,
            "nhs_hash": nhs_hash(key, record.nhs),
            "upn_hash": upn_hash(key, record.upn),
        }
        for field, (words, bits) in encoded.items():
            row.update({f"{field}_bf{w}": int(words[i, w]) for w in range(WORDS)})
            row[f"{field}_bits"] = int(bits[i])
        row.update(birth_month=record.dob.strftime("%Y-%m"), sex=record.sex, postcode_district=record.postcode_district)
        rows.append(row)
    return rows


ENCODED_SCHEMA = pa.schema(
    [
        ("pooled_id", pa.string()),
        ("authority_code", pa.string()),
        ("nhs_hash", pa.string()),
        ("upn_hash", pa.string()),
        *(
            column
            for field in ("first_name", "last_name", "dob")
            for column in (
                *((f"{field}_bf{w}", pa.int64()) for w in range(WORDS)),
                (f"{field}_bits", pa.int32()),
            )
        ),
        ("birth_month", pa.string()),
        ("sex", pa.string()),
        ("postcode_district", pa.string()),
    ]
)


def clear_table(key: bytes, records: list[Record]) -> pa.Table:
    """The same children with clear values under the same column names the linker reads (names, the full date of
    birth as YYYY-MM-DD, identifiers in clear): for linkage on the clear data, a comparison only."""
    return pa.Table.from_pylist(
        [
            {
                "pooled_id": pooled_id(key, record),
                "authority_code": record.authority_code,
                "nhs_hash": record.nhs,
                "upn_hash": record.upn,
                "first_name": _name(record.first_name),
                "last_name": _name(record.last_name),
                "dob": record.dob.isoformat(),
                "birth_month": record.dob.strftime("%Y-%m"),
                "sex": record.sex,
                "postcode_district": record.postcode_district,
            }
            for record in records
        ]
    )


def truth(key: bytes, records: list[Record]) -> dict[str, int]:
    """pooled_id -> the person it is."""
    return {pooled_id(key, record): record.person for record in records}


def write_pooled_export(folder: Path, key: bytes, records: list[Record], authority_code: str) -> Path:
    """One authority's pooled export as docs/region.md describes it (children.parquet, then manifest.json)."""
    folder.mkdir(parents=True)
    mine = [record for record in records if record.authority_code == authority_code]
    table = pa.Table.from_pylist(encoded_rows(key, mine), schema=ENCODED_SCHEMA)
    pq.write_table(table, folder / "children.parquet")
    manifest = {
        "format": "childhub-pooled",
        "version": 1,
        "authority_code": authority_code,
        "authority_name": dict(AUTHORITIES)[authority_code],
        "exported_at": "2026-12-05T09:00:00+00:00",
        "as_at": "2026-11-30",
        "key_check": key_check(key),
        "encoding": encoding_settings(),
        "files": {
            "children.parquet": {
                "rows": table.num_rows,
                "sha256": hashlib.sha256((folder / "children.parquet").read_bytes()).hexdigest(),
            }
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def write_region(root: Path, seed: int, key: bytes = KEY, **draw) -> tuple[list[Path], list[Record]]:
    """Every authority's pooled export of one drawn region, under ``root``; the folders and the records."""
    records = draw_region(seed, **draw)
    codes = sorted({record.authority_code for record in records})
    return [write_pooled_export(root / code, key, records, code) for code in codes], records
