"""Lists of people from outside the store: reading them, and linking them with each other.

A list (a free-school-meals list, a police list, a partner agency's caseload) is a CSV file or an Excel
workbook (its first sheet) read through a small column mapping. ``childhub link-lists FILE... --mapping
MAP.yml --out OUT.csv`` links the rows of lists with the same comparisons and constraints as ``childhub
link`` (in memory: no store is touched) and writes every input row back with the ID of the group it belongs
to and how sure the link is; ``childhub match-list`` (``childhub.link.match_list``) matches the rows of one
list against the children the store knows.

    columns:
      first_name: Forename          # or full_name: Name (first word: first name, last: surname)
      surname: Surname
      date_of_birth: DOB
      sex: Gender
      postcode: Postcode
      upn: UPN                       # identifiers: upn, nhs_number (any you have)
      address_line_1: Address 1      # or address: Address; address_line_1 to address_line_4, town
    identifiers: {police_id: Nominal} # any further identifier the list has, compared exactly
    date_formats: ["%d/%m/%Y"]
    sex_codes: {Male: M, Female: F}

**Learning from the list.** From ``LEARN_FROM`` rows, link-lists trains a model on the lists themselves
with Splink (u probabilities by random sampling, m probabilities by expectation maximisation on blocks of
date of birth and of surname with first initial), and compares the address and every further identifier
too (a row is compared with every row sharing one of its further identifiers, beside linkage's own blocking
rules). Smaller lists are too small to train on and are scored with childhub's reference model, on the
declared comparisons alone.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.errors import ChildhubError, MappingError
from childhub.exports import write_csv
from childhub.identifiers import is_valid_nhs_number, is_valid_upn, normalise_postcode
from childhub.ingest import inspect_file
from childhub.link.cluster import DEFAULT_THRESHOLD, Record, cluster
from childhub.link.comparisons import Comparison, Level

ADDRESS_LINES = ("address", "address_line_1", "address_line_2", "address_line_3", "address_line_4", "town")
FIELDS = ("first_name", "surname", "full_name", "date_of_birth", "sex", "postcode", "upn", "nhs_number", *ADDRESS_LINES)
# The rule for learning: a list (or lists) of at least this many rows trains its own model.
LEARN_FROM = 1000
IDENTIFIER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ListMapping(Frozen):
    """Which column of a list holds each field (``FIELDS``), its further identifiers, how it writes dates and sex."""

    columns: dict[str, str]
    identifiers: dict[str, str] = Field(default_factory=dict)  # a further identifier's name: its column
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    sex_codes: dict[str, str] = Field(default_factory=dict)
    # A date of birth in none of the formats: refused (one line naming file, row and field), or read as blank.
    unreadable_dates: Literal["refuse", "blank"] = "refuse"

    @model_validator(mode="after")
    def _known_fields(self):
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown fields {unknown}: use {', '.join(FIELDS)}")
        if "date_of_birth" not in self.columns:
            raise ValueError("columns.date_of_birth is needed to link people")
        if not ({"first_name", "surname"} <= set(self.columns) or "full_name" in self.columns):
            raise ValueError("give first_name and surname, or full_name")
        badly_named = sorted(name for name in self.identifiers if not IDENTIFIER_NAME.match(name))
        if badly_named:
            raise ValueError(f"an identifier's name is lower-case letters, digits and _: not {badly_named}")
        return self

    @property
    def has_address(self) -> bool:
        return any(line in self.columns for line in ADDRESS_LINES)

    def extra_comparisons(self) -> tuple[Comparison, ...]:
        """The comparisons a learned model adds for this list: its address, and each further identifier."""
        extra = [identifier_comparison(f"id_{name}") for name in sorted(self.identifiers)]
        if self.has_address:
            extra.insert(0, ADDRESS_COMPARISON)
        return tuple(extra)


ADDRESS_COMPARISON = Comparison(
    "address",
    (
        Level("exact", "Exact match on address"),
        Level("jaro_winkler", "Jaro-Winkler distance of address >= 0.9", 0.9),
        Level("jaro_winkler", "Jaro-Winkler distance of address >= 0.7", 0.7),
        Level("else", "All other comparisons"),
    ),
)


def identifier_comparison(field: str) -> Comparison:
    """A further identifier a list has, compared exactly (its disagreement learnt, not fixed)."""
    return Comparison(field, (Level("exact", f"Exact match on {field}"), Level("else", "All other comparisons")))


@dataclass
class ListRow:
    """One row of a list: where it came from, its cells as read, and the person they describe."""

    file: str
    number: int  # the row's line in a CSV, or row in the sheet (the header is row 1)
    raw: list[str]
    person: dict


@dataclass
class ReadList:
    """A list as read: its header, and every row with the person it describes."""

    header: list[str]
    rows: list[ListRow]


def load_list_mapping(path: Path) -> ListMapping:
    """The list mapping in the YAML file ``path``; every problem in it is one ``MappingError`` naming the file."""
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


def _cell(value) -> str:
    """A cell as text: a date as ISO, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and numbered rows of a CSV file or a workbook's first sheet."""
    facts = inspect_file(path)
    if facts.format == "xlsx":
        from childhub.ingest import open_workbook

        workbook = open_workbook(path)
        try:
            sheet = workbook.worksheets[0]
            lines = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
        numbered = list(enumerate(lines, start=1))
    elif facts.format == "csv":
        with path.open(newline="", encoding=facts.encoding or "utf-8") as handle:
            reader = csv.reader(handle)
            try:
                numbered = [(number, row) for number, row in enumerate(reader, start=1)]
            except csv.Error as error:  # a field longer than the csv module's limit, say
                raise ChildhubError(f"{name} line {reader.line_num}: cannot be read as CSV ({error})") from None
    else:
        raise ChildhubError(f"{name}: a list is a CSV file or an Excel workbook, not {facts.format.upper()}")
    numbered = [(number, row) for number, row in numbered if any(cell.strip() for cell in row)]
    if not numbered:
        raise ChildhubError(f"{name}: the file is empty (no header and no rows)")
    (_first, header), *rows = numbered
    return [cell.strip() for cell in header], rows


def read_list(path: Path, mapping: ListMapping, *, name: str | None = None) -> ReadList:
    """Every row of the list at ``path`` (CSV or Excel) with the person it describes; a column the mapping
    names but the file lacks, a date of birth that is not a date or an empty list is one line naming the
    file, the row and the field."""
    path = Path(path)
    name = name or path.name
    header, lines = read_table(path, name)
    wanted = {**mapping.columns, **{f"id_{key}": column for key, column in mapping.identifiers.items()}}
    missing = [f"{column!r} (for {field})" for field, column in wanted.items() if column not in header]
    if missing:
        raise ChildhubError(
            f"{name}: has no column {', '.join(missing)}; its columns are {', '.join(map(repr, header))}"
        )
    if not lines:
        raise ChildhubError(f"{name}: the list has a header but no rows")
    index = {field: header.index(column) for field, column in wanted.items()}
    rows = []
    for number, raw in lines:
        value = {f: (raw[i].strip() if i < len(raw) else "") for f, i in index.items()}
        born = value.get("date_of_birth", "")
        person = _person(value, mapping)
        if born and person["date_of_birth"] is None and mapping.unreadable_dates == "refuse":
            raise ChildhubError(
                f"{name} row {number}, {mapping.columns['date_of_birth']}: {born!r} is not a date "
                f"(the mapping reads {' or '.join(mapping.date_formats)})"
            )
        rows.append(ListRow(name, number, raw + [""] * (len(header) - len(raw)), person))
    return ReadList(header, rows)


def link_lists(
    files: list[Path],
    mapping_path: Path,
    out: Path,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    learn: bool | None = None,
) -> tuple[int, int]:
    """Link the rows of ``files``; write them to ``out`` with group IDs. Returns (rows, groups).

    ``learn``: train a model on the lists (True), score with the reference model (False), or decide by the
    rule (None: from ``LEARN_FROM`` rows)."""
    from childhub.link.model import reference_model, score_pairs
    from childhub.store import scratch_connection

    mapping = load_list_mapping(mapping_path)
    rows: list[ListRow] = []
    headers: list[str] = []
    for path in files:
        read = read_list(Path(path), mapping)
        headers = headers or read.header
        rows.extend(read.rows)
    records = [(f"{row.file}:{row.number}", row.person) for row in rows]
    learn = len(records) >= LEARN_FROM if learn is None else learn
    extra = mapping.extra_comparisons() if learn else ()
    with scratch_connection() as conn:
        create_people_table(conn, "list_people", records, extra)
        scored = score_pairs(
            conn,
            records_sql="SELECT * FROM {catalog}.main.list_people",
            model=None if learn else reference_model(),
            extra=extra,
            extra_blocking=tuple((c.field.removeprefix("id_"), (c.field,)) for c in extra if c.field.startswith("id_")),
            train=train_on_list,
        )
    people = {
        uid: Record(
            uid,
            p["forename"],
            p["date_of_birth"],
            p["upn"],
            None,
            p["nhs_number"],
            frozenset(f"{key}:{p[key]}" for key in p if key.startswith("id_") and p[key]),
        )
        for uid, p in records
    }
    grouping = cluster(people, [(a, b, p) for a, b, p, *_ in scored.pairs], threshold)
    best: dict[str, float] = {}
    for left, right, probability, *_ in scored.pairs:
        if grouping.cluster_of.get(left) == grouping.cluster_of.get(right):
            for uid in (left, right):
                best[uid] = max(best.get(uid, 0.0), probability)
    members: dict[str, list[str]] = {}
    for uid in people:
        members.setdefault(grouping.cluster_of[uid], []).append(uid)
    for uid, person in records:
        if uid in best:
            continue
        if any(
            other != uid
            and (
                (person["upn"] and people[other].upn == person["upn"])
                or (person["nhs_number"] and people[other].nhs_number == person["nhs_number"])
            )
            for other in members[grouping.cluster_of[uid]]
        ):
            best[uid] = 1.0
    group_ids: dict[str, int] = {}

    def linked_rows():
        for row, (uid, _p) in zip(rows, records, strict=True):
            group = group_ids.setdefault(grouping.cluster_of[uid], len(group_ids) + 1)
            probability = best.get(uid)
            yield [row.file, row.number, *row.raw, group, "" if probability is None else f"{probability:.4f}"]

    write_csv(Path(out), ["source_file", "source_row", *headers, "cluster_id", "match_probability"], linked_rows())
    return len(rows), len(group_ids)


def create_people_table(conn, table: str, records: list[tuple[str, dict]], extra=()) -> None:
    """The table ``table`` of people to compare: (unique ID, person) pairs, with a column per ``extra``."""
    from childhub.store import quote_identifier

    columns = ["forename", "surname", "date_of_birth", "sex", "postcode", "upn", "nhs_number"]
    more = [comparison.field for comparison in extra]
    conn.execute(
        f"CREATE TABLE {quote_identifier(table)} (unique_id VARCHAR, "
        + ", ".join(f"{quote_identifier(c)} {'DATE' if c == 'date_of_birth' else 'VARCHAR'}" for c in columns + more)
        + ")"
    )
    if records:
        marks = ", ".join("?" for _ in range(1 + len(columns) + len(more)))
        conn.executemany(
            f"INSERT INTO {quote_identifier(table)} VALUES ({marks})",
            [[uid, *(p[c] for c in columns), *(p.get(c) for c in more)] for uid, p in records],
        )


def train_on_list(table, settings, block_on):
    """A model trained on a list's own rows, or None when they cannot train one.

    Lists rarely share UPNs or NHS numbers, so the chance that two rows are one person is estimated from
    rows with the same names and date of birth; u comes from random sampling, and m from expectation
    maximisation on blocks of date of birth (which trains the names, sex, postcode, address and further
    identifiers) and of surname and first initial (which trains the date of birth).
    """
    from splink import Linker

    # Splink 5.0.0 exports no exceptions (as childhub.link.model._trained says).
    from splink.internals.exceptions import EMTrainingException

    linker = Linker(table, settings, log_level=logging.ERROR)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("first_name", "surname", "dob")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
        for rule in (block_on("dob"), block_on("surname", "substr(first_name, 1, 1)")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=None, record_sample_proportion=1.0
            )
    except (EMTrainingException, ValueError, ZeroDivisionError):
        return None
    return linker


def _postcode(text: str | None) -> str | None:
    """A UK postcode as childhub writes it; a postcode of another form (a list from abroad) as written, upper case."""
    return normalise_postcode(text) or (" ".join((text or "").upper().split()) or None)


def _address(value: dict[str, str]) -> str | None:
    """The address lines as one text: lower case, punctuation dropped, spaces single."""
    text = " ".join(value.get(line, "") for line in ADDRESS_LINES if value.get(line))
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower())
    return " ".join(text.split()) or None


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
        "postcode": _postcode(value.get("postcode")),
        "upn": upn if is_valid_upn(upn) else None,
        "nhs_number": nhs if is_valid_nhs_number(nhs) else None,
        "address": _address(value),
        **{f"id_{key}": (value.get(f"id_{key}") or "").strip().upper() or None for key in mapping.identifiers},
    }
