"""Reading the Annex A workbooks authorities already produce, whatever their shape.

``read_annex_a`` takes a workbook the caller has already opened safely (openpyxl, read-only,
cached formula values) and, sheet by sheet:

1. decides which list it is: from the sheet's name ("List 3", "list_3", "L3 Referrals") or,
   failing that, from its headers;
2. finds the header row, which may sit below a few title rows;
3. matches each header to a column of that list in any template version (2020, 2023, 2026):
   ignoring case, spacing, punctuation and bracketed parts, through the aliases kept in the
   template data, and as a last resort by a close match (difflib ratio >= 0.85), reported;
4. reads each row's values into canonical form: dates as ``date``, whole numbers as ``int``,
   codes as the template's code ("WBRI - White British" -> "WBRI"), yes/no as ``bool``.

Nothing in a cell makes it fail: a value it cannot read becomes None and a ``Problem`` naming
the file, the sheet row, the header as found and the value. Headers it cannot place, columns
the list should have and sheets it cannot recognise are warnings, and so is a code it cannot
place (the row is loaded with that value unknown, as every reader does: ``ingest.model.unknown_code``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from difflib import SequenceMatcher
from functools import cache
from itertools import chain, islice
from pathlib import Path
from typing import Any

from childhub.annex_a import AnnexAColumn, AnnexATemplate, CodeSet, template, versions
from childhub.annex_a.templates import compact_key, reduced_key, spaced_key
from childhub.ingest.guard import worksheet_rows
from childhub.ingest.model import UNKNOWN_CODE_SEVERITY, Problem, unknown_code

HEADER_SCAN_ROWS = 10  # title rows allowed above the header row, plus the header row itself
FUZZY_RATIO = 0.85  # difflib ratio at which an unknown header is taken as a template header
MAX_FUZZY_HEADER_LENGTH = 300
MAX_WHOLE_NUMBER = 10**9  # counts and ages; anything larger is a mistake, not a count
MAX_CODE_TEXT_LENGTH = 200  # longer text is no code, label or "code - label"; not worth parsing
YES_NO_CODE_SET = "yes_no_unknown"  # the code set a yes_no column's answers are read through
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


# --- what a read produces ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnexARow:
    """One row of a list: its sheet row number and {column id: value or None}."""

    row: int
    values: dict[str, Any]


@dataclass(slots=True)
class AnnexAListRead:
    """Everything read from one sheet recognised as one of Lists 1 to 11."""

    number: int
    list_id: str  # "referrals"
    sheet_name: str  # as in the workbook
    version: str  # the template version whose columns the sheet fits best
    header_row: int
    headers: dict[str, str]  # column id -> the header text as found
    unmatched_headers: list[str]
    missing_columns: list[str]  # column ids the template's list has and the sheet lacks
    rows: list[AnnexARow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class AnnexARead:
    """Everything read from one Annex A workbook."""

    file: str
    lists: list[AnnexAListRead] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # about the workbook, not one list

    def get(self, number: int) -> AnnexAListRead | None:
        """The first sheet read as List ``number``, if any."""
        return next((item for item in self.lists if item.number == number), None)

    @property
    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(problem for item in self.lists for problem in item.problems)]


# --- the template data, arranged for matching ----------------------------------------------


@dataclass(frozen=True)
class _ListCatalogue:
    """One list number across every template version."""

    number: int
    list_id: str
    columns: dict[str, AnnexAColumn]  # column id -> its definition, newest version's header
    keys: dict[str, str]  # compact or reduced header key -> column id
    fuzzy: tuple[tuple[str, str], ...]  # (spaced header form, column id)
    by_version: dict[str, tuple[AnnexAColumn, ...]]  # version -> its columns in order


@dataclass(frozen=True)
class _Catalogue:
    lists: dict[int, _ListCatalogue]
    weights: dict[str, float]  # column id -> 1 / the number of lists that have it
    code_sets: dict[str, CodeSet]
    latest: str


@cache
def _catalogue() -> _Catalogue:
    templates: list[AnnexATemplate] = [template(version) for version in versions()]
    latest = templates[-1]
    lists: dict[int, _ListCatalogue] = {}
    lists_having: dict[str, set[int]] = {}
    for annex_list in latest.lists:
        number = annex_list.number
        columns: dict[str, AnnexAColumn] = {}
        keys: dict[str, str] = {}
        fuzzy: dict[tuple[str, str], None] = {}
        by_version: dict[str, tuple[AnnexAColumn, ...]] = {}
        for version_template in reversed(templates):  # newest first, so its headers win
            version_list = version_template.get_list(number)
            by_version[version_template.version] = version_list.columns
            for column in version_list.columns:
                columns.setdefault(column.id, column)
                lists_having.setdefault(column.id, set()).add(number)
                for spelling in column.header_spellings():
                    for key in (compact_key(spelling), reduced_key(spelling)):
                        if key:
                            keys.setdefault(key, column.id)
                    for form in {spaced_key(spelling), spaced_key(re.sub(r"\([^()]*\)", " ", spelling))}:
                        if form:
                            fuzzy[(form, column.id)] = None
        lists[number] = _ListCatalogue(
            number=number,
            list_id=annex_list.id,
            columns=columns,
            keys=keys,
            fuzzy=tuple(fuzzy),
            by_version=by_version,
        )
    weights = {column_id: 1 / len(numbers) for column_id, numbers in lists_having.items()}
    return _Catalogue(lists=lists, weights=weights, code_sets=latest.code_sets, latest=latest.version)


# --- reading a workbook --------------------------------------------------------------------


def read_annex_a(path: Path, workbook: Any) -> AnnexARead:
    """Every sheet of ``workbook`` (already opened by the caller) that is an Annex A list."""
    catalogue = _catalogue()
    result = AnnexARead(file=Path(path).name)
    for worksheet in workbook.worksheets:
        sheet_name = str(worksheet.title)
        rows = worksheet_rows(result.file, worksheet)
        head = list(islice(rows, HEADER_SCAN_ROWS))
        found = _recognise(sheet_name, head, catalogue)
        if found is None:
            result.problems.append(
                Problem(
                    file=result.file,
                    row=None,
                    column=None,
                    value=sheet_name,
                    message=f"sheet {sheet_name!r} is not recognisable as an Annex A list; skipped",
                    severity="warning",
                )
            )
            continue
        number, header_index, note = found
        list_read = _read_list(
            result.file,
            sheet_name,
            catalogue.lists[number],
            catalogue,
            header_row=header_index + 1,
            header_cells=head[header_index],
            data_rows=chain(
                enumerate(head[header_index + 1 :], start=header_index + 2), _numbered(rows, len(head) + 1)
            ),
        )
        if note:
            list_read.problems.insert(0, Problem(result.file, None, None, sheet_name, note, "warning"))
        result.lists.append(list_read)
    return result


def _numbered(rows: Iterator[tuple[Any, ...]], start: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    return enumerate(rows, start=start)


_SHEET_NUMBER = re.compile(r"(?<![a-z])(?:list|l)[\s_\-.:#]*0?(\d{1,2})(?!\d)", re.IGNORECASE)


def _list_number_from_name(sheet_name: str) -> int | None:
    match = _SHEET_NUMBER.search(sheet_name)
    if match and 1 <= int(match.group(1)) <= 11:
        return int(match.group(1))
    return None


def _row_keys(cells: Iterable[Any]) -> list[tuple[str, str]]:
    """(compact key, reduced key) of every non-empty cell of a candidate header row."""
    keys = []
    for cell in cells:
        text = _header_text(cell)
        if text:
            keys.append((compact_key(text), reduced_key(text)))
    return keys


def _exact_matches(row_keys: list[tuple[str, str]], annex_list: _ListCatalogue) -> set[str]:
    matched: set[str] = set()
    for compact, reduced in row_keys:
        column_id = annex_list.keys.get(compact) or annex_list.keys.get(reduced)
        if column_id:
            matched.add(column_id)
    return matched


def _recognise(
    sheet_name: str, head: list[tuple[Any, ...]], catalogue: _Catalogue
) -> tuple[int, int, str | None] | None:
    """(list number, index of the header row in ``head``, a note) or None if unrecognisable."""
    head_keys = [_row_keys(cells) for cells in head]
    named = _list_number_from_name(sheet_name)
    if named is not None:
        counts = [len(_exact_matches(row_keys, catalogue.lists[named])) for row_keys in head_keys]
        if counts and max(counts) >= 2:
            return named, counts.index(max(counts)), None

    best: tuple[float, int, int] | None = None  # (score, list number, row index)
    tied = False
    for index, row_keys in enumerate(head_keys):
        for number, annex_list in catalogue.lists.items():
            matched = _exact_matches(row_keys, annex_list)
            if len(matched) < 2:
                continue
            score = sum(catalogue.weights[column_id] for column_id in matched)
            if best is None or score > best[0] + 1e-9:
                best, tied = (score, number, index), False
            elif abs(score - best[0]) <= 1e-9 and number != best[1]:
                tied = True
    if best is None or best[0] < 1.0 or tied:
        return None
    score, number, index = best
    note = None
    if named is not None and named != number:
        note = f"sheet {sheet_name!r} is named like List {named}, but its headers are List {number}'s; read as such"
    return number, index, note


# --- headers -------------------------------------------------------------------------------


def _header_text(cell: Any) -> str | None:
    if cell is None:
        return None
    text = cell.isoformat() if isinstance(cell, date | datetime | time) else str(cell)
    text = text.strip()
    return text or None


@dataclass
class _HeaderMatch:
    columns: dict[int, str]  # cell index -> column id
    found: dict[str, str]  # column id -> header text as found
    unmatched: list[str]
    problems: list[Problem]


def _match_headers(
    file: str, sheet_name: str, header_row: int, cells: tuple[Any, ...], annex_list: _ListCatalogue
) -> _HeaderMatch:
    match = _HeaderMatch(columns={}, found={}, unmatched=[], problems=[])
    pending: list[tuple[int, str]] = []
    on_sheet = f"on sheet {sheet_name!r}"
    for index, cell in enumerate(cells):
        text = _header_text(cell)
        if text is None:
            continue
        column_id = annex_list.keys.get(compact_key(text)) or annex_list.keys.get(reduced_key(text))
        if column_id is None:
            pending.append((index, text))
        elif column_id in match.found:
            match.unmatched.append(text)
            match.problems.append(
                Problem(
                    file,
                    str(header_row),
                    text,
                    None,
                    f"a second column for {annex_list.columns[column_id].header!r} {on_sheet}; ignored",
                    "warning",
                )
            )
        else:
            match.columns[index], match.found[column_id] = column_id, text

    for index, text in pending:
        column_id, ratio = _closest(text, annex_list, taken=set(match.found))
        if column_id is None:
            match.unmatched.append(text)
            match.problems.append(
                Problem(
                    file,
                    str(header_row),
                    text,
                    None,
                    f"header not recognised as a List {annex_list.number} column {on_sheet}",
                    "warning",
                )
            )
            continue
        match.columns[index], match.found[column_id] = column_id, text
        match.problems.append(
            Problem(
                file,
                str(header_row),
                text,
                None,
                f"read as {annex_list.columns[column_id].header!r} (a close match, {ratio:.2f}) {on_sheet}",
                "warning",
            )
        )
    return match


def _closest(text: str, annex_list: _ListCatalogue, taken: set[str]) -> tuple[str | None, float]:
    """The column whose header ``text`` most resembles, if close enough and not ambiguous."""
    forms = {spaced_key(text), spaced_key(re.sub(r"\([^()]*\)", " ", text))} - {""}
    if not forms or max(len(form) for form in forms) > MAX_FUZZY_HEADER_LENGTH:
        return None, 0.0
    best: dict[str, float] = {}
    for form in forms:
        for candidate, column_id in annex_list.fuzzy:
            if column_id in taken:
                continue
            matcher = SequenceMatcher(None, form, candidate)
            if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_RATIO and ratio > best.get(column_id, 0.0):
                best[column_id] = ratio
    if not best:
        return None, 0.0
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 0.02:
        return None, 0.0  # two columns fit about equally well: guess neither
    return ranked[0]


def _choose_version(found: dict[str, str], annex_list: _ListCatalogue) -> str:
    """The version whose columns and exact headers the sheet fits best; the newest on a tie."""
    scores: list[tuple[int, str]] = []
    for version, columns in annex_list.by_version.items():
        ids = {column.id for column in columns}
        exact = sum(
            1
            for column in columns
            if column.id in found and compact_key(found[column.id]) == compact_key(column.header)
        )
        missing = len(ids - set(found))
        extra = len(set(found) - ids)
        scores.append((exact - missing - extra, version))
    best = max(score for score, _ in scores)
    return max(version for score, version in scores if score == best)


# --- one list ------------------------------------------------------------------------------


def _read_list(
    file: str,
    sheet_name: str,
    annex_list: _ListCatalogue,
    catalogue: _Catalogue,
    header_row: int,
    header_cells: tuple[Any, ...],
    data_rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> AnnexAListRead:
    on_sheet = f"on sheet {sheet_name!r}"
    headers = _match_headers(file, sheet_name, header_row, header_cells, annex_list)
    version = _choose_version(headers.found, annex_list)
    expected = annex_list.by_version[version]
    missing = [column.id for column in expected if column.id not in headers.found]
    problems = list(headers.problems)
    for column in expected:
        if column.id not in missing:
            continue
        if column.required:
            problems.append(
                Problem(
                    file,
                    str(header_row),
                    None,
                    None,
                    f"no {column.header!r} column {on_sheet}, so its rows cannot be loaded",
                )
            )
        else:
            problems.append(
                Problem(file, str(header_row), column.header, None, f"expected column missing {on_sheet}", "warning")
            )

    output_ids = [column.id for column in expected]
    output_ids += [column_id for column_id in headers.found if column_id not in output_ids]
    list_read = AnnexAListRead(
        number=annex_list.number,
        list_id=annex_list.list_id,
        sheet_name=sheet_name,
        version=version,
        header_row=header_row,
        headers=dict(headers.found),
        unmatched_headers=list(headers.unmatched),
        missing_columns=missing,
        problems=problems,
    )
    for row_number, cells in data_rows:
        present = [(index, cells[index]) for index in headers.columns if index < len(cells)]
        if all(_is_blank(value) for _, value in present):
            continue
        values: dict[str, Any] = dict.fromkeys(output_ids)
        for index, raw in present:
            column_id = headers.columns[index]
            column = annex_list.columns[column_id]
            value, message = _read_value(raw, column, catalogue.code_sets)
            values[column_id] = value
            if message is not None and column.type == "code":  # loaded as unknown, as by every reader
                list_read.problems.append(
                    Problem(
                        file,
                        str(row_number),
                        headers.found[column_id],
                        _shown(raw),
                        unknown_code(f"{message} {on_sheet}"),
                        UNKNOWN_CODE_SEVERITY,
                    )
                )
            elif message is not None:
                list_read.problems.append(
                    Problem(file, str(row_number), headers.found[column_id], _shown(raw), f"{message} {on_sheet}")
                )
            elif value is None and column.required:
                missing_message = f"{column.header} is missing {on_sheet}"
                list_read.problems.append(
                    Problem(file, str(row_number), headers.found[column_id], None, missing_message)
                )
        list_read.rows.append(AnnexARow(row=row_number, values=values))
    return list_read


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat()
    if isinstance(raw, date | time):
        return raw.isoformat()
    return str(raw)


# --- values --------------------------------------------------------------------------------


def _read_value(raw: Any, column: AnnexAColumn, code_sets: dict[str, CodeSet]) -> tuple[Any, str | None]:
    """(the value in canonical form or None, a message if the cell could not be read)."""
    if _is_blank(raw):
        return None, None
    if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
        return None, "an Excel error value, not data"
    if isinstance(raw, str) and raw.startswith("="):
        return None, "a formula with no saved value"
    if column.type == "date":
        return _read_date(raw)
    if column.type == "integer":
        return _read_integer(raw)
    if column.type == "yes_no":
        return _read_yes_no(raw, code_sets[YES_NO_CODE_SET])
    if column.type == "code":
        return _read_code(raw, code_sets[column.code_set or ""])
    return _text(raw), None


def _text(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date | time):
        return _shown(raw)
    text = str(raw).strip()
    return text or None


_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_TEXT_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d %b %y", "%d-%b-%y")
_LAST_EXCEL_SERIAL = 2958465  # 31 December 9999


def _read_date(raw: Any) -> tuple[date | None, str | None]:
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, bool | time):
        return None, "not a date"
    if isinstance(raw, int | float):
        return _from_excel_serial(raw)
    text = str(raw).strip()
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_DMY_DATE, (3, 2, 1))):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(match.group(position)) for position in order)
            try:
                return date(year, month, day), None
            except ValueError:
                return None, "not a real date"
    for date_format in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).date(), None
        except ValueError:
            continue
    return None, "not a recognisable date (dd/mm/yyyy, yyyy-mm-dd or an Excel date)"


def _from_excel_serial(number: float) -> tuple[date | None, str | None]:
    from openpyxl.utils.datetime import from_excel

    if not 1 <= number <= _LAST_EXCEL_SERIAL:  # also false for NaN
        return None, "not a date"
    try:
        converted = from_excel(number)
    except (ValueError, OverflowError, TypeError):
        return None, "not a date"
    return (converted.date() if isinstance(converted, datetime) else converted), None


_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,12}(?:\.0*)?")


def _read_integer(raw: Any) -> tuple[int | None, str | None]:
    number: int | None = None
    if isinstance(raw, bool):
        number = None
    elif isinstance(raw, int):
        number = raw
    elif isinstance(raw, float):
        number = int(raw) if raw.is_integer() and abs(raw) <= MAX_WHOLE_NUMBER else None
    else:
        text = str(raw).strip().replace(",", "")
        if _WHOLE_NUMBER.fullmatch(text):
            number = int(text.split(".")[0])
    if number is None or abs(number) > MAX_WHOLE_NUMBER:
        return None, "not a whole number"
    return number, None


def _read_yes_no(raw: Any, answers: CodeSet) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    code, _ = _resolve_code(_text(raw) or "", answers)
    if code == "Y":
        return True, None
    if code == "N":
        return False, None
    if code is not None:  # "unknown" is an answer: there is no yes or no to record
        return None, None
    return None, "not yes or no"


def _read_code(raw: Any, code_set: CodeSet) -> tuple[str | None, str | None]:
    code, conflict = _resolve_code(_text(raw) or "", code_set)
    if code is not None:
        return code, None
    noun = code_set.id.replace("_", " ")
    if conflict:
        return None, f"names more than one {noun} code ({', '.join(sorted(conflict))})"
    return None, f"unknown {noun} code"


# "a) Male", "1A: Individual", "1 - Male", "N1 - Abuse or neglect", "p1) 5D: LA services"
_LEADING_CODE = re.compile(r"([A-Za-z0-9]{1,6})\s*(?:\)|:|=|-|–|—|\.)\s*(.+)")
# "(RD1) The child's needs changed", "[WBRI] White British"
_BRACKETED_LEADING = re.compile(r"[(\[]\s*([^()\[\]]+?)\s*[)\]]\s*(.+)")
# "White British (WBRI)", "Other accommodation [Y]"
_BRACKETED_TRAILING = re.compile(r"(.+?)\s*[(\[]\s*([^()\[\]]+?)\s*[)\]]")
# "White - British", "Police: 6"
_SEPARATED = re.compile(r"(.+?)\s+(?:-|–|—|:)\s+(.+)")
_CODE_PATTERNS = (_LEADING_CODE, _BRACKETED_LEADING, _BRACKETED_TRAILING, _SEPARATED)


def _resolve_code(text: str, code_set: CodeSet, depth: int = 0) -> tuple[str | None, set[str]]:
    """(the code ``text`` names, or None; the codes it names at once if more than one)."""
    text = text.strip()
    if not text or len(text) > MAX_CODE_TEXT_LENGTH:
        return None, set()
    code = code_set.lookup(text)
    if code is not None or depth >= 2:
        return code, set()
    for pattern in _CODE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        named = {found for part in match.groups() if (found := _resolve_code(part, code_set, depth + 1)[0])}
        if len(named) == 1:
            return named.pop(), set()
        if len(named) > 1:
            return None, named
    return None, set()
