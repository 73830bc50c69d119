"""Comparators: where the authority stands beside England, its region and its statistical neighbours.

The DfE publishes local-authority statistics as open-data CSV files (explore-education-statistics: ``time_period``,
``geographic_level``, ``new_la_code``, ... then filter and measure columns) and a list of each authority's
statistical neighbours. An authority downloads them and loads them (``childhub comparators load FILE``): which
column of which file stands for which indicator is declared in ``comparators.yml`` beside this module (an authority
adds its own with ``--measure`` or a ``comparators.yml`` in its data folder). What was loaded is kept in the hub
database (hub migration 0006), a later file of the same indicator and year replacing the earlier one in one
transaction. ``comparison_for`` reads it back for the indicator page, the scrutiny pack and the self-evaluation.
docs/benchmarking.md says where the files come from and how the position is worked.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings, Indicator
    from childhub.store import HubDatabase

SHIPPED_MEASURES = Path(__file__).with_name("comparators.yml")
MEASURES_FILE = "comparators.yml"  # an authority's own declarations, in its data folder
NEIGHBOURS_PUBLICATION = "Children's services statistical neighbours"
# The symbols the DfE publishes instead of a figure (the Government Statistical Service's conventions, and the
# older ones still in back series): confidential, not available, not applicable, rounds to zero, low reliability.
MARKERS = frozenset({"c", "x", "z", "low", "u", "k", ":", "..", "~", "-", ""})
LEVELS = {"national": "national", "regional": "regional", "local authority": "local_authority"}
LEVEL_WORDS = {"national": "National", "regional": "Regional", "local_authority": "Local authority"}
SYNTHETIC_MARK = "(synthetic)"
Kind = Literal["open_data", "neighbours"]

_NEIGHBOUR_COLUMN = re.compile(r"^(?:sn|statistical_neighbour|neighbour|stat_neighbour)_?(\d{1,2})$")
_SUBJECT_CODE = ("new_la_code", "la_code", "local_authority_code", "ons_code", "code")
_SUBJECT_OLD = ("old_la_code", "la_number", "la_no", "dfe_la_code")
_SUBJECT_NAME = ("la_name", "local_authority", "local_authority_name", "la", "name", "authority")
_NEW_CODE = re.compile(r"^E\d{8}$")
_OLD_CODE = re.compile(r"^\d{3}$")


class ComparatorError(ChildhubError):
    """A comparator file or declaration that cannot be loaded (it names the file, row and field)."""


# --- what each indicator is published as -----------------------------------------------------------------------


class Measure(Frozen):
    """Which column of which DfE open-data file stands for one indicator."""

    publication: str = Field(min_length=3)
    data_set: str | None = None
    column: str = Field(min_length=1)
    filters: dict[str, str] = {}
    unit: Literal["percent", "rate_per_10k", "count", "median", "mean", "ratio"]
    multiply: float = Field(
        default=1.0, gt=0
    )  # to the indicator's unit: 1 where the DfE publishes it as childhub counts it
    file: str | None = None  # a pattern the file's name must match (where two data sets share columns)

    def describe(self) -> str:
        where = " and ".join(f"{column} = {value!r}" for column, value in self.filters.items())
        return self.column + (f" where {where}" if where else "")


class _MeasureFile(Frozen):
    measures: dict[str, Measure] = {}


def load_measures(extra: Sequence[Path] = (), data_dir: Path | None = None) -> dict[str, Measure]:
    """The declared measures: the shipped ones, then ``comparators.yml`` in ``data_dir``, then each of ``extra``
    (a later file's entry for an indicator replaces an earlier one). Each is checked against the indicator library
    (the indicator exists; the unit is the indicator's); every problem is reported at once."""
    from childhub.indicators import library

    problems = Problems()
    files = [SHIPPED_MEASURES]
    if data_dir is not None and (Path(data_dir) / MEASURES_FILE).is_file():
        files.append(Path(data_dir) / MEASURES_FILE)
    for path in extra:
        if not Path(path).is_file():
            problems.add(str(path), "", "no such file")
            continue
        files.append(Path(path))
    indicators = library()
    measures: dict[str, Measure] = {}
    for path in files:
        declared = load_yaml(path, _MeasureFile, problems)
        if declared is None:
            continue
        for indicator_id, measure in declared.measures.items():
            field = f"measures.{indicator_id}"
            if indicator_id not in indicators:
                problems.add(path.name, field, "no indicator is called that (childhub indicators lists them)")
            elif measure.unit != indicators[indicator_id].unit:
                problems.add(
                    path.name,
                    f"{field}.unit",
                    f"is {measure.unit}, but the indicator is {indicators[indicator_id].unit}",
                )
            else:
                measures[indicator_id] = measure
    raise_if_any(problems, "The comparator declarations", ComparatorError, one_line=True)
    return measures


# --- reading a file --------------------------------------------------------------------------------------------


def _column_name(text: object) -> str:
    """A header as the loader compares it: trimmed, lower case, runs of anything else than letters and digits as _."""
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def kind_of(header: Sequence[str]) -> Kind | None:
    """Which of the DfE's files a header is: its open-data layout, a statistical-neighbour list, or neither."""
    names = {_column_name(name) for name in header}
    if {"time_period", "geographic_level"} <= names:
        return "open_data"
    has_subject = any(name in names for name in (*_SUBJECT_CODE, *_SUBJECT_OLD, *_SUBJECT_NAME))
    if has_subject and any(_NEIGHBOUR_COLUMN.match(name) for name in names):
        return "neighbours"
    return None


def file_kind(path: Path) -> Kind | None:
    """Which of the DfE's files ``path`` is by its header ("open_data", "neighbours"), or None (also for a file
    that cannot be read: ``load_file`` says what is wrong with it)."""
    try:
        header, _, _ = _rows(Path(path))
    except ComparatorError:
        return None
    return kind_of(header)


MAX_WORKBOOK_ROWS = 5_000  # rows read from a workbook's sheet (a neighbour list: one per authority, 153)
MAX_WORKBOOK_BYTES = 64 * 1024**2  # what a workbook may expand to (the DfE tool: a few MiB)


def _rows(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    """The header of ``path`` (CSV, or the first sheet of an Excel workbook with a header childhub knows in its
    first 30 rows), its row number, and the rows after it, each with its row number in the file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook_rows(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ComparatorError(f"{path.name}: is not UTF-8 text (byte {error.start}); save it as CSV UTF-8") from None
    except OSError as error:
        raise ComparatorError(f"{path.name}: cannot be read ({error.strerror or error})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ComparatorError(f"{path.name}: row 1: is not CSV ({error})") from None
    if header is None or not any(cell.strip() for cell in header):
        raise ComparatorError(f"{path.name}: is empty")

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as error:
            raise ComparatorError(f"{path.name}: row {reader.line_num}: is not CSV ({error})") from None

    return header, 1, rows()


def _workbook_rows(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    import zipfile
    from itertools import islice

    from childhub.errors import IngestError
    from childhub.ingest import open_workbook

    try:  # a neighbour list's own bound on what the zip expands to, read from its directory alone
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        expanded = 0  # not a zip: the guard below says what it is
    if expanded > MAX_WORKBOOK_BYTES:
        raise ComparatorError(
            f"{path.name}: looks like a zip bomb: its contents would expand to {expanded / 1024**2:,.0f} MiB, more "
            f"than the {MAX_WORKBOOK_BYTES / 1024**2:,.0f} MiB a statistical-neighbour list may"
        )
    try:  # the guard every ingested workbook passes
        workbook = open_workbook(path)
    except IngestError as error:
        raise ComparatorError(str(error)) from None

    def text_of(row: tuple) -> list[str]:
        return ["" if cell is None else str(cell).strip() for cell in row]

    for sheet in workbook.worksheets:
        read = iter(sheet.iter_rows(values_only=True))
        for index, row in enumerate(text_of(row) for row in islice(read, 30)):
            if kind_of(row) is not None:
                return row, index + 1, _bounded(path, read, index + 2)
    raise ComparatorError(
        f"{path.name}: no sheet has a header childhub knows (the DfE's open-data layout, or an LA and its "
        "statistical neighbours SN1 to SN10) in its first 30 rows"
    )


def _bounded(path: Path, read: Iterator[tuple], first: int) -> Iterator[tuple[int, list[str]]]:
    """A sheet's rows after its header, read one at a time and refused past ``MAX_WORKBOOK_ROWS`` (an Excel bomb
    of millions of rows would otherwise be read whole, for minutes)."""
    for number, row in enumerate(read, start=first):
        if number > MAX_WORKBOOK_ROWS:
            raise ComparatorError(
                f"{path.name}: the sheet has more than {MAX_WORKBOOK_ROWS:,} rows; a statistical-neighbour list has "
                "one row per local authority"
            )
        yield number, ["" if cell is None else str(cell).strip() for cell in row]


def figure_of(text: str) -> tuple[float | None, str | None]:
    """A published figure: ``(value, None)``, or ``(None, marker)`` for one of the DfE's symbols; ValueError for
    anything else. Thousands separators are allowed ("41,630")."""
    cleaned = text.strip()
    if cleaned.lower() in MARKERS:
        return None, cleaned.lower()
    number = float(cleaned.replace(",", ""))  # ValueError for "12.3.4", "abc"
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(cleaned)
    return number, None


def year_label(time_period: str) -> str:
    """The DfE's ``time_period`` as it names the year: 202425 -> "2024-25", 2025 -> "2025"; ValueError otherwise."""
    text = time_period.strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    if re.fullmatch(r"\d{6}", text) and (int(text[:4]) + 1) % 100 == int(text[4:]):
        return f"{text[:4]}-{text[4:]}"
    raise ValueError(text)


# --- loading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One file as it was loaded."""

    load_id: int
    kind: str
    publication: str
    years: str
    file_name: str
    sha256: str
    loaded_at: str
    loaded_by: str
    rows_read: int
    rows_kept: int
    synthetic: bool

    @property
    def what(self) -> str:
        return "Statistical neighbours" if self.kind == "neighbours" else "Published figures"


@dataclass(frozen=True)
class LoadReport:
    """What ``load_file`` did."""

    load: Load
    indicators: tuple[str, ...]  # the indicators it holds figures for (none for a neighbour list)
    skipped: int  # rows at other geographic levels, or for no declared measure
    replaced: tuple[str, ...]  # earlier files whose every figure this one replaced

    def line(self) -> str:
        load = self.load
        tag = " (synthetic)" if load.synthetic else ""
        if load.kind == "neighbours":
            said = f"Loaded the statistical-neighbour list{tag} {load.file_name}: {load.rows_kept:,} neighbours"
        else:
            said = (
                f"Loaded {load.file_name}{tag} ({load.publication}, {load.years}): {load.rows_kept:,} figures for "
                f"{', '.join(self.indicators)} from {load.rows_read:,} rows ({self.skipped:,} for nothing declared)"
            )
        return said + (f"; replaced {', '.join(self.replaced)}." if self.replaced else ".")


@dataclass(frozen=True)
class _Value:
    publication: str
    indicator_id: str
    year: str
    level: str
    area_code: str
    area_name: str
    region_code: str | None
    old_la_code: str | None
    value: float | None
    marker: str | None


def load_file(
    hub: HubDatabase, path: Path, *, measures: dict[str, Measure] | None = None, loaded_by: str
) -> LoadReport:
    """Load one DfE file into the hub database: its open-data layout (the figures of the declared ``measures``) or a
    statistical-neighbour list, told apart by the header. A bad file is one ComparatorError naming file, row and
    field, and leaves the hub database as it was."""
    path = Path(path)
    if not path.is_file():
        raise ComparatorError(f"{path}: no such file")
    header, header_row, rows = _rows(path)
    kind = kind_of(header)
    if kind is None:
        raise ComparatorError(
            f"{path.name}: row {header_row}: header: is neither the DfE's open-data layout (time_period, "
            "geographic_level, new_la_code, la_name, ...) nor a statistical-neighbour list (an LA and its "
            "neighbours SN1 to SN10)"
        )
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    if kind == "open_data":
        return _load_open_data(hub, path, header, rows, measures or load_measures(), loaded_by, sha256)
    return _load_neighbours(hub, path, header, rows, loaded_by, sha256)


def _load_open_data(
    hub: HubDatabase,
    path: Path,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    measures: dict[str, Measure],
    loaded_by: str,
    sha256: str,
) -> LoadReport:
    name = path.name
    columns = {_column_name(column): index for index, column in enumerate(header)}
    matched = {
        indicator_id: measure
        for indicator_id, measure in measures.items()
        if _column_name(measure.column) in columns
        and all(_column_name(column) in columns for column in measure.filters)
        and (measure.file is None or fnmatch.fnmatch(name.lower(), measure.file.lower()))
    }
    if not matched:
        declared = "; ".join(f"{key}: {measure.describe()}" for key, measure in measures.items())
        raise ComparatorError(
            f"{name}: row 1: header: no declared measure's columns are in it (declared: {declared}); "
            "declare its columns with --measure (docs/benchmarking.md)"
        )

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    values: dict[tuple[str, str, str, str], tuple[int, _Value]] = {}
    rows_read = skipped = 0
    synthetic = False
    for number, row in rows:
        if not any(text.strip() for text in row):
            continue
        rows_read += 1
        level = LEVELS.get(cell(row, "geographic_level").lower())
        if level is None:
            skipped += 1
            continue
        try:
            year = year_label(cell(row, "time_period"))
        except ValueError:
            raise ComparatorError(
                f"{name}: row {number}: time_period: {cell(row, 'time_period')!r} is not a year (2025) or an "
                "academic or financial year (202425)"
            ) from None
        area_code, area_name, region_code, old_code = _area(name, number, level, row, cell)
        synthetic = synthetic or SYNTHETIC_MARK in area_name.lower() or SYNTHETIC_MARK in cell(row, "country_name")
        kept = False
        for indicator_id, measure in matched.items():
            if any(cell(row, _column_name(c)).casefold() != v.strip().casefold() for c, v in measure.filters.items()):
                continue
            column = _column_name(measure.column)
            try:
                value, marker = figure_of(cell(row, column))
            except ValueError:
                raise ComparatorError(
                    f"{name}: row {number}: {measure.column}: {cell(row, column)!r} is neither a number nor one of "
                    "the DfE's symbols (c, x, z, low, u, k, :)"
                ) from None
            key = (indicator_id, year, level, area_code)
            if key in values:
                raise ComparatorError(
                    f"{name}: row {number}: {measure.column}: a second figure for {indicator_id}, {year}, "
                    f"{area_name} (the first is on row {values[key][0]}); its filters should tell them apart"
                )
            figure = None if value is None else value * measure.multiply
            values[key] = (
                number,
                _Value(
                    measure.publication,
                    indicator_id,
                    year,
                    level,
                    area_code,
                    area_name,
                    region_code,
                    old_code,
                    figure,
                    marker,
                ),
            )
            kept = True
        skipped += 0 if kept else 1
    if rows_read == 0:
        raise ComparatorError(f"{name}: has a header but no rows")
    if not values:
        wanted = "; ".join(f"{key}: {measure.describe()}" for key, measure in matched.items())
        raise ComparatorError(f"{name}: no row is for a declared measure ({wanted})")
    kept_values = [value for _, value in values.values()]
    publications = sorted({value.publication for value in kept_values})
    years = sorted({value.year for value in kept_values})
    with hub.connect() as conn:
        load_id = _insert_load(
            conn,
            "open_data",
            "; ".join(publications),
            ", ".join(years),
            name,
            sha256,
            loaded_by,
            rows_read,
            len(kept_values),
            synthetic,
        )
        earlier = {
            row[0]
            for indicator_id, year in {(value.indicator_id, value.year) for value in kept_values}
            for row in conn.execute(
                "SELECT DISTINCT load_id FROM comparator_value WHERE indicator_id = ? AND year = ?",
                [indicator_id, year],
            )
        }
        for indicator_id, year in {(value.indicator_id, value.year) for value in kept_values}:
            conn.execute("DELETE FROM comparator_value WHERE indicator_id = ? AND year = ?", [indicator_id, year])
        conn.executemany(
            "INSERT INTO comparator_value (load_id, publication, indicator_id, year, level, area_code, area_name, "
            "region_code, old_la_code, value, marker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    load_id,
                    v.publication,
                    v.indicator_id,
                    v.year,
                    v.level,
                    v.area_code,
                    v.area_name,
                    v.region_code,
                    v.old_la_code,
                    v.value,
                    v.marker,
                )
                for v in kept_values
            ],
        )
        replaced = _drop_emptied(conn, earlier)
        load = _load_row(conn, load_id)
    indicators = tuple(sorted({value.indicator_id for value in kept_values}))
    return LoadReport(load, indicators, skipped, replaced)


def _area(name: str, number: int, level: str, row: list[str], cell) -> tuple[str, str, str | None, str | None]:
    """The area a row is about: (code, name, its region's code, its old LA code), or an error naming the field."""
    if level == "national":
        fields = ("country_code", "country_name")
        code, area_name = cell(row, "country_code"), cell(row, "country_name")
        region, old = None, None
    elif level == "regional":
        fields = ("region_code", "region_name")
        code, area_name = cell(row, "region_code"), cell(row, "region_name")
        region, old = code, None
    else:
        fields = ("new_la_code", "la_name")
        old = cell(row, "old_la_code") or None
        code, area_name = cell(row, "new_la_code") or (old or ""), cell(row, "la_name")
        region = cell(row, "region_code") or None
    for field, text in zip(fields, (code, area_name), strict=True):
        if not text:
            raise ComparatorError(f"{name}: row {number}: {field}: is empty on a {LEVEL_WORDS[level]} row")
    return code, area_name, region, old


def _insert_load(conn, kind, publication, years, file_name, sha256, loaded_by, rows_read, rows_kept, synthetic) -> int:
    from childhub.store import utc_now

    cursor = conn.execute(
        "INSERT INTO comparator_load (kind, publication, years, file_name, sha256, loaded_at, loaded_by, rows_read, "
        "rows_kept, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [kind, publication, years, file_name, sha256, utc_now(), loaded_by, rows_read, rows_kept, int(synthetic)],
    )
    return int(cursor.lastrowid)


def _drop_emptied(conn, load_ids: set[int]) -> tuple[str, ...]:
    """Remove the earlier open-data loads left with no figure; their file names."""
    dropped = []
    for load_id in sorted(load_ids):
        if conn.execute("SELECT 1 FROM comparator_value WHERE load_id = ? LIMIT 1", [load_id]).fetchone() is None:
            row = conn.execute("SELECT file_name FROM comparator_load WHERE load_id = ?", [load_id]).fetchone()
            conn.execute("DELETE FROM comparator_load WHERE load_id = ?", [load_id])
            dropped.append(row[0])
    return tuple(dropped)


def _load_row(conn, load_id: int) -> Load:
    row = conn.execute("SELECT * FROM comparator_load WHERE load_id = ?", [load_id]).fetchone()
    return _as_load(row)


def _as_load(row) -> Load:
    return Load(
        load_id=row["load_id"],
        kind=row["kind"],
        publication=row["publication"],
        years=row["years"],
        file_name=row["file_name"],
        sha256=row["sha256"],
        loaded_at=row["loaded_at"],
        loaded_by=row["loaded_by"],
        rows_read=row["rows_read"],
        rows_kept=row["rows_kept"],
        synthetic=bool(row["synthetic"]),
    )


@dataclass(frozen=True)
class _LA:
    code: str | None
    old_code: str | None
    name: str


class _Authorities:
    """The local authorities a neighbour may be named by: by new code, old code or name (case aside)."""

    def __init__(self) -> None:
        self.by_key: dict[str, _LA] = {}

    def add(self, la: _LA) -> None:
        """Know ``la`` by each of its keys; what is already known of it (by any key) is kept and completed."""
        keys = [key for key in (la.code, la.old_code, la.name.casefold()) if key]
        known = next((self.by_key[key] for key in keys if key in self.by_key), None)
        if known is not None:
            named = known.name if known.name not in (known.code, known.old_code) else la.name
            la = _LA(known.code or la.code, known.old_code or la.old_code, named)
            keys = [key for key in (la.code, la.old_code, la.name.casefold()) if key]
        for key in keys:
            self.by_key[key] = la

    def find(self, text: str) -> _LA | None:
        text = text.strip()
        return self.by_key.get(text.upper() if _NEW_CODE.match(text.upper()) else text.casefold())


def _load_neighbours(
    hub: HubDatabase, path: Path, header: list[str], rows: Iterator[tuple[int, list[str]]], loaded_by: str, sha256: str
) -> LoadReport:
    name = path.name
    names = [_column_name(column) for column in header]

    def first(candidates: tuple[str, ...]) -> int | None:
        return next((names.index(c) for c in candidates if c in names), None)

    code_at, old_at, name_at = first(_SUBJECT_CODE), first(_SUBJECT_OLD), first(_SUBJECT_NAME)
    ranked = sorted(
        (int(match.group(1)), index, header[index])
        for index, column in enumerate(names)
        if (match := _NEIGHBOUR_COLUMN.match(column))
    )
    if [rank for rank, _, _ in ranked] != list(range(1, len(ranked) + 1)):
        raise ComparatorError(
            f"{name}: row 1: header: the neighbour columns should be numbered 1 to {len(ranked)}, once each "
            f"(found {', '.join(column for _, _, column in ranked)})"
        )

    def at(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    subjects: list[tuple[int, _LA, list[tuple[int, str, str]]]] = []
    known = _Authorities()
    rows_read = 0
    for number, row in rows:
        if not any(str(text).strip() for text in row):
            continue
        rows_read += 1
        code, old, la_name = at(row, code_at), at(row, old_at), at(row, name_at)
        if not (code or old or la_name):
            field = header[name_at if name_at is not None else code_at if code_at is not None else old_at]
            raise ComparatorError(f"{name}: row {number}: {field}: names no local authority")
        code = code.upper() if _NEW_CODE.match(code.upper()) else code
        la = _LA(code or None, old or None, la_name or code or old)
        if known.find(la.name) is not None and la_name:
            raise ComparatorError(f"{name}: row {number}: {header[name_at]}: {la_name} is listed twice")
        known.add(la)
        subjects.append((number, la, [(rank, header[index], at(row, index)) for rank, index, _ in ranked]))
    if rows_read == 0:
        raise ComparatorError(f"{name}: has a header but no rows")
    with hub.connect() as conn:
        for row in conn.execute(
            "SELECT DISTINCT area_code, old_la_code, area_name FROM comparator_value WHERE level = 'local_authority'"
        ):
            code = row[0] if _NEW_CODE.match(row[0] or "") else None
            known.add(_LA(code, row[1], row[2]))
        pairs = []
        for number, la, cells in subjects:
            subject = known.find(la.code or la.old_code or la.name) or la
            for rank, column, text in cells:
                if not text:
                    continue
                neighbour = known.find(text)
                if neighbour is None:
                    raise ComparatorError(
                        f"{name}: row {number}: {column}: {text!r} is not a local authority this list or a loaded "
                        "file names"
                    )
                pairs.append((subject, rank, neighbour))
        if not pairs:
            raise ComparatorError(f"{name}: names no neighbours")
        synthetic = any(SYNTHETIC_MARK in la.name.lower() for la in (*(p[0] for p in pairs), *(p[2] for p in pairs)))
        earlier = [row[0] for row in conn.execute("SELECT file_name FROM comparator_load WHERE kind = 'neighbours'")]
        conn.execute("DELETE FROM comparator_load WHERE kind = 'neighbours'")
        load_id = _insert_load(
            conn,
            "neighbours",
            NEIGHBOURS_PUBLICATION,
            "current",
            name,
            sha256,
            loaded_by,
            rows_read,
            len(pairs),
            synthetic,
        )
        conn.executemany(
            "INSERT INTO comparator_neighbour (load_id, la_code, la_old_code, la_name, rank, neighbour_code, "
            "neighbour_old_code, neighbour_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(load_id, s.code, s.old_code, s.name, rank, n.code, n.old_code, n.name) for s, rank, n in pairs],
        )
        load = _load_row(conn, load_id)
    return LoadReport(load, (), 0, tuple(earlier))


def loads(hub: HubDatabase) -> list[Load]:
    """Every file loaded and still in use, newest first."""
    with hub.connect(write=False) as conn:
        return [_as_load(row) for row in conn.execute("SELECT * FROM comparator_load ORDER BY load_id DESC")]


def loaded_indicators(hub: HubDatabase) -> list[tuple[str, str]]:
    """Each indicator with figures loaded, and the latest year of them."""
    with hub.connect(write=False) as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(
                "SELECT indicator_id, max(year) FROM comparator_value GROUP BY indicator_id ORDER BY indicator_id"
            )
        ]


# --- the comparison an indicator page shows --------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    """One statistical neighbour's published figure (``value`` None where it published none)."""

    name: str
    value: float | None
    marker: str | None = None  # the DfE's symbol where it published no figure ("c": suppressed)


@dataclass(frozen=True)
class Comparison:
    """An indicator's published comparators for one year, and the authority's place among its neighbours."""

    indicator_id: str
    year: str  # the published period, as the DfE names it ("2024-25", "2025")
    england: float | None
    region: float | None
    region_name: str | None
    neighbours: tuple[Neighbour, ...]
    neighbours_average: float | None
    own_published: float | None  # the authority's own figure in the same publication
    position: int | None  # 1 = best (by the indicator's polarity) among the authority and its neighbours
    of: int | None  # how many were ranked
    source: str  # which loaded file(s) the figures came from
    synthetic: bool  # the demo's made-up comparators: every page and the pack say so
    ranked_on: Literal["published", "current"] | None = None  # which of the authority's figures was ranked
    note: str | None = None  # why there is no position, or what is missing, in words

    def ranking(self, authority_name: str) -> str:
        """The position in words: "Ashmere ranks 3rd of 11 among its statistical neighbours (...)"; else the note."""
        if self.position is None or self.of is None:
            return self.note or "No position among statistical neighbours."
        basis = "its published figure" if self.ranked_on == "published" else "its figure now"
        return (
            f"{authority_name} ranks {ordinal(self.position)} of {self.of} among its statistical neighbours "
            f"(1st is best; ranked on {basis} for {self.year})."
        )


def ordinal(number: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def position_among(own: float, others: Sequence[float | None], polarity: str) -> tuple[int, int]:
    """``own``'s position among itself and ``others`` (those with a figure): 1 + how many are strictly better, so
    ties share a position; and how many were ranked."""
    figures = [value for value in others if value is not None]
    better = sum(1 for value in figures if (value > own if polarity == "higher_is_better" else value < own))
    return 1 + better, len(figures) + 1


def comparison_for(
    hub: HubDatabase, ind: Indicator, authority: AuthoritySettings, value: float | None
) -> Comparison | None:
    """The published comparators of ``ind`` for ``authority`` (its ONS code names it and its neighbours), with
    ``value`` (the authority's figure now) placed among its neighbours; None when none is loaded.

    The latest year loaded for the indicator is shown. The authority is found among the loaded local authorities by
    its ``ons_code`` (``new_la_code``), else its ``la_number`` (``old_la_code``), else its name. Its position is
    worked on its own published figure for that year where the file has one (like with like), else on ``value``."""
    with hub.connect(write=False) as conn:
        latest = conn.execute(
            "SELECT year FROM comparator_value WHERE indicator_id = ? ORDER BY year DESC LIMIT 1", [ind.id]
        ).fetchone()
        if latest is None:
            return None
        year = latest[0]
        rows = conn.execute(
            "SELECT v.*, l.file_name, l.synthetic FROM comparator_value AS v JOIN comparator_load AS l USING (load_id) "
            "WHERE v.indicator_id = ? AND v.year = ?",
            [ind.id, year],
        ).fetchall()
        neighbour_rows = conn.execute(
            "SELECT n.*, l.file_name, l.synthetic FROM comparator_neighbour AS n JOIN comparator_load AS l "
            "USING (load_id) ORDER BY n.rank"
        ).fetchall()
    national = next((row for row in rows if row["level"] == "national"), None)
    local = [row for row in rows if row["level"] == "local_authority"]
    own = _find_la(local, authority.ons_code, authority.la_number, authority.name)
    region = None
    if own is not None and own["region_code"]:
        region = next((r for r in rows if r["level"] == "regional" and r["area_code"] == own["region_code"]), None)
    names = {authority.name.casefold()} | ({own["area_name"].casefold()} if own is not None else set())
    codes = {code for code in (authority.ons_code, own["area_code"] if own is not None else None) if code}
    olds = {code for code in (authority.la_number, own["old_la_code"] if own is not None else None) if code}
    listed = [
        row
        for row in neighbour_rows
        if (row["la_code"] and row["la_code"] in codes)
        or (row["la_old_code"] and row["la_old_code"] in olds)
        or row["la_name"].casefold() in names
    ]
    neighbours, used = [], [row for row in (national, own, region) if row is not None]
    for row in listed:
        found = _find_la(local, row["neighbour_code"], row["neighbour_old_code"], row["neighbour_name"])
        if found is not None:
            used.append(found)
        neighbours.append(
            Neighbour(
                name=found["area_name"] if found is not None else row["neighbour_name"],
                value=None if found is None else found["value"],
                marker=None if found is None else found["marker"],
            )
        )
    figures = [n.value for n in neighbours if n.value is not None]
    own_published = None if own is None else own["value"]
    ranked = own_published if own_published is not None else value
    position = of = None
    notes = []
    if own is None:
        notes.append(
            f"{authority.name} is not among the local authorities in the loaded file (set ons_code in authority.yml)"
        )
    if not listed:
        notes.append("no statistical-neighbour list names this authority, so there is no position among neighbours")
    elif ind.polarity == "neutral":
        notes.append("neither higher nor lower is better for this indicator, so no position is given")
    elif ranked is None:
        notes.append("the authority has no figure to rank")
    else:
        position, of = position_among(ranked, figures, ind.polarity)
    sources = sorted({f"{row['publication']}, {row['year']} ({row['file_name']})" for row in used})
    sources += [f"statistical neighbours ({row['file_name']})" for row in listed[:1]]
    return Comparison(
        indicator_id=ind.id,
        year=year,
        england=None if national is None else national["value"],
        region=None if region is None else region["value"],
        region_name=None if region is None else region["area_name"],
        neighbours=tuple(neighbours),
        neighbours_average=sum(figures) / len(figures) if figures else None,
        own_published=own_published,
        position=position,
        of=of,
        source="; ".join(sources),
        synthetic=any(bool(row["synthetic"]) for row in (*used, *listed)),
        ranked_on=None if position is None else ("published" if own_published is not None else "current"),
        note=_sentence(notes),
    )


def _sentence(parts: list[str]) -> str | None:
    """Parts of a note as one sentence: its first letter capital, a full stop at the end."""
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _find_la(rows, code: str | None, old_code: str | None, name: str | None):
    """The local authority's row among ``rows``: by new code, else old code, else name."""
    for field, wanted in (("area_code", code), ("old_la_code", old_code)):
        if wanted:
            found = next((row for row in rows if row[field] == wanted), None)
            if found is not None:
                return found
    if name:
        return next((row for row in rows if row["area_name"].casefold() == name.casefold()), None)
    return None
