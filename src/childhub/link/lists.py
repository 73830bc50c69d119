"""Linking any lists of people (a free-school-meals list, a partner agency's caseload).

``childhub link-lists FILE... --mapping MAP.yml --out OUT.csv`` reads CSV files through a
small column mapping, links their rows with the same model and constraints as ``childhub
link`` (in memory: no store is touched), and writes every input row back with the ID of the
group it belongs to and how sure the link is.

    columns:
      first_name: Forename          # or full_name: Name (first word: first name, last: surname)
      surname: Surname
      date_of_birth: DOB
      sex: Gender
      postcode: Postcode
      upn: UPN                       # identifiers: upn, nhs_number (any you have)
    date_formats: ["%d/%m/%Y"]
    sex_codes: {Male: M, Female: F}
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from pydantic import Field, model_validator

from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.errors import ChildhubError, MappingError
from childhub.exports import write_csv
from childhub.identifiers import is_valid_nhs_number, is_valid_upn, normalise_postcode
from childhub.ingest import inspect_file
from childhub.link.cluster import DEFAULT_THRESHOLD, Record, cluster
from childhub.link.model import reference_model, score_pairs

FIELDS = ("first_name", "surname", "full_name", "date_of_birth", "sex", "postcode", "upn", "nhs_number")


class ListMapping(Frozen):
    columns: dict[str, str]
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    sex_codes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_fields(self):
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown fields {unknown}: use {', '.join(FIELDS)}")
        if "date_of_birth" not in self.columns:
            raise ValueError("columns.date_of_birth is needed to link people")
        if not ({"first_name", "surname"} <= set(self.columns) or "full_name" in self.columns):
            raise ValueError("give first_name and surname, or full_name")
        return self


def load_list_mapping(path: Path) -> ListMapping:
    problems = Problems()
    mapping = load_yaml(Path(path), ListMapping, problems)
    raise_if_any(problems, Path(path).name, MappingError, one_line=True)
    assert mapping is not None
    return mapping


def _date(text: str, formats) -> date | None:
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2100:
            return parsed
    return None


def link_lists(
    files: list[Path], mapping_path: Path, out: Path, threshold: float = DEFAULT_THRESHOLD
) -> tuple[int, int]:
    """Link the rows of ``files``; write them to ``out`` with group IDs. Returns (rows, groups)."""
    from childhub.store import scratch_connection

    mapping = load_list_mapping(mapping_path)
    rows: list[tuple[str, str, list[str], dict]] = []  # (file, row number, raw row, person)
    headers: list[str] = []
    for path in files:
        facts = inspect_file(Path(path))
        if facts.format != "csv":
            raise ChildhubError(f"{Path(path).name}: link-lists reads CSV files")
        with Path(path).open(newline="", encoding=facts.encoding or "utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            missing = [c for c in mapping.columns.values() if c not in header]
            if missing:
                raise ChildhubError(f"{Path(path).name}: has no column {', '.join(map(repr, missing))}")
            index = {field: header.index(column) for field, column in mapping.columns.items()}
            headers = headers or header
            for number, raw in enumerate(reader, start=2):
                if not raw:
                    continue
                value = {f: (raw[i].strip() if i < len(raw) else "") for f, i in index.items()}
                rows.append((Path(path).name, str(number), raw, _person(value, mapping)))
    records = [(f"{file}:{number}", person) for file, number, _raw, person in rows]
    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE list_people (unique_id VARCHAR, forename VARCHAR, surname VARCHAR, date_of_birth DATE, "
            "sex VARCHAR, postcode VARCHAR, upn VARCHAR, nhs_number VARCHAR)"
        )
        if records:
            conn.executemany(
                "INSERT INTO list_people VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        uid,
                        p["forename"],
                        p["surname"],
                        p["date_of_birth"],
                        p["sex"],
                        p["postcode"],
                        p["upn"],
                        p["nhs_number"],
                    ]
                    for uid, p in records
                ],
            )
        scored = score_pairs(conn, records_sql="SELECT * FROM {catalog}.main.list_people", model=reference_model())
    people = {
        uid: Record(uid, p["forename"], p["date_of_birth"], p["upn"], None, p["nhs_number"]) for uid, p in records
    }
    grouping = cluster(people, [(a, b, p) for a, b, p, *_ in scored.pairs], threshold)
    best: dict[str, float] = {}
    for left, right, probability, *_ in scored.pairs:
        if grouping.cluster_of.get(left) == grouping.cluster_of.get(right):
            for uid in (left, right):
                best[uid] = max(best.get(uid, 0.0), probability)
    for uid, person in records:
        shares_id = (
            any(
                other != uid
                and grouping.cluster_of[other] == grouping.cluster_of[uid]
                and (
                    (person["upn"] and people[other].upn == person["upn"])
                    or (person["nhs_number"] and people[other].nhs_number == person["nhs_number"])
                )
                for other in people
            )
            if uid not in best
            else False
        )
        if shares_id:
            best[uid] = 1.0
    group_ids: dict[str, int] = {}

    def linked_rows():
        for (file, number, raw, _person_value), (uid, _p) in zip(rows, records, strict=True):
            group = group_ids.setdefault(grouping.cluster_of[uid], len(group_ids) + 1)
            probability = best.get(uid)
            yield [file, number, *raw, group, "" if probability is None else f"{probability:.4f}"]

    write_csv(Path(out), ["source_file", "source_row", *headers, "cluster_id", "match_probability"], linked_rows())
    return len(rows), len(group_ids)


def _person(value: dict[str, str], mapping: ListMapping) -> dict:
    forename, surname = value.get("first_name") or None, value.get("surname") or None
    if "full_name" in value and value["full_name"]:
        words = value["full_name"].replace(",", " ").split()
        if words:
            forename, surname = forename or words[0], surname or words[-1]
    sex = mapping.sex_codes.get(value.get("sex", ""), value.get("sex", "")).upper()[:1] or None
    upn = (value.get("upn") or "").upper().replace(" ", "") or None
    nhs = (value.get("nhs_number") or "").replace(" ", "") or None
    return {
        "forename": forename.lower() if forename else None,
        "surname": surname.lower() if surname else None,
        "date_of_birth": _date(value.get("date_of_birth", ""), mapping.date_formats),
        "sex": sex if sex in ("M", "F") else None,
        "postcode": normalise_postcode(value.get("postcode")),
        "upn": upn if is_valid_upn(upn) else None,
        "nhs_number": nhs if is_valid_nhs_number(nhs) else None,
    }
