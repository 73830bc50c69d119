"""Annex A checked before it leaves: what an inspector would find wrong in the lists, child by child.

``AnnexAChecker`` reads each list's rows as they are written (the cells exactly as the sheets hold
them) and finds, per list and column:

- a blank mandatory cell (``checks.yml`` says which columns each list must fill);
- an age outside the list's range (a child in Lists 1 to 8 aged 18 or more with the episode still
  open, a care leaver outside 16 to 25); a row whose episode ended is judged on the day before it ended;
- a date after the inspection (as-at) date;
- a date that is a proxy: 31 March, the end of an SSDA903 collection year, in a column the return
  feeds (the return gives "done in the year", not the day);
- a value that is not one of the template's drop-down choices (or not a date, or not a number);
- a child whose lists contradict each other: a different date of birth, sex or ethnicity in two lists,
  looked after on the date in List 8 but a relevant or former relevant care leaver in List 9, or a
  List 6 case status that Lists 7 and 8 do not bear out;
- a row that repeats another row of the same list.

Each finding names the list, the column, the child (the Child Unique ID) and the row on the sheet;
``finish(conn)`` adds the source records behind each child (source system and its record ID) so
whoever fixes it knows where. ``AnnexACheckReport`` groups the findings per list, column and check
for people, and gives every finding as CSV rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from childhub.annex_a.templates import AnnexAList, AnnexATemplate
from childhub.calendar import age_on

if TYPE_CHECKING:
    import duckdb

# The checks, in the order people read them: id -> what it finds, in words.
CHECKS = {
    "blank_mandatory": "Mandatory cell left blank",
    "age_outside_range": "Age outside the list's range",
    "date_after_inspection": "Date after the inspection date",
    "proxy_date": "Date known only by its collection year",
    "not_in_drop_down": "Value not in the template's drop-down list",
    "contradiction": "Facts contradicting another list",
    "duplicate_row": "Duplicate row",
    "left_out": "Record left out of the list",
}
CHECK_CSV_HEADERS = (
    "List",
    "Sheet",
    "Sheet row",
    "Column",
    "Check",
    "Child Unique ID",
    "Value",
    "What is wrong",
    "Source records to fix",
)
IDENTITY_COLUMNS = ("date_of_birth", "gender", "ethnicity")  # what two lists must agree on for one child
FIRST_CHILDREN = 5  # children named per group where the findings are summarised


@dataclass(frozen=True)
class AnnexAFinding:
    """One thing wrong in one row of a list, in words, with the child and the records to fix."""

    list_number: int
    sheet_name: str
    row: int | None  # the row on the sheet (the header is row 1); None for a record the list leaves out
    column_id: str  # "" for a whole row
    header: str
    check: str  # a key of CHECKS
    child_id: str | None
    value: Any
    message: str
    source_records: str = ""  # "system record; ..." filled by AnnexAChecker.finish

    def as_row(self) -> tuple[Any, ...]:
        """The finding as a row under CHECK_CSV_HEADERS."""
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return (
            self.list_number,
            self.sheet_name,
            self.row,
            self.header,
            CHECKS[self.check],
            self.child_id,
            value,
            self.message,
            self.source_records,
        )


@dataclass(frozen=True)
class AnnexAFindingGroup:
    """The findings of one check on one column of one list: how many, and the first children to fix."""

    list_number: int
    sheet_name: str
    header: str
    check: str
    count: int
    children: tuple[str, ...]  # every child named, in sheet order
    example: str  # the first finding's words

    @property
    def check_words(self) -> str:
        return CHECKS[self.check]

    def first_children(self, how_many: int = FIRST_CHILDREN) -> str:
        shown = ", ".join(self.children[:how_many])
        more = len(self.children) - how_many
        return shown + (f" and {more:,} more" if more > 0 else "")


@dataclass(frozen=True)
class AnnexACheckReport:
    """Every finding of Annex A's check for an inspection date, and the same grouped for people."""

    as_at: date
    version: str
    findings: tuple[AnnexAFinding, ...]
    child_keys: frozenset[str] = frozenset()  # the children's keys, for the audit log (given a connection)

    def groups(self) -> list[AnnexAFindingGroup]:
        """Per list, column and check (in list, then sheet column, then check order)."""
        grouped: dict[tuple[int, str, str], list[AnnexAFinding]] = {}
        for finding in self.findings:
            grouped.setdefault((finding.list_number, finding.header, finding.check), []).append(finding)
        order = list(CHECKS)
        groups = []
        for (number, header, check), found in grouped.items():
            children = tuple(dict.fromkeys(f.child_id for f in found if f.child_id is not None))
            groups.append(
                AnnexAFindingGroup(number, found[0].sheet_name, header, check, len(found), children, found[0].message)
            )
        return sorted(groups, key=lambda g: (g.list_number, order.index(g.check), g.header))

    @property
    def children(self) -> frozenset[str]:
        """Every child a finding names."""
        return frozenset(f.child_id for f in self.findings if f.child_id is not None)

    def counts(self) -> dict[int, int]:
        """Findings per list number."""
        counted: dict[int, int] = defaultdict(int)
        for finding in self.findings:
            counted[finding.list_number] += 1
        return dict(counted)

    def csv_rows(self) -> Iterable[tuple[Any, ...]]:
        """Every finding as a row under CHECK_CSV_HEADERS, in list and sheet-row order."""
        for finding in sorted(self.findings, key=lambda f: (f.list_number, f.row or 0, f.header, f.check)):
            yield finding.as_row()


def is_proxy_date(value: Any) -> bool:
    """A date an SSDA903 return wrote as its collection year's end (31 March) for "some time in the year".

    The one place the rule lives: when the facts flag proxy dates, a list can carry the flag and this
    test gives way to it (see ``AnnexAChecker._proxies``)."""
    return isinstance(value, date) and (value.month, value.day) == (3, 31)


def _proxy_message(header: str, value: Any) -> str:
    """Why a date known only by its collection year is a finding, in words."""
    if isinstance(value, date):
        return (
            f"{header} {value:%d/%m/%Y} is the end of an SSDA903 collection year, "
            "which stands for 'in the year', not the day it happened"
        )
    return (
        f"{header} is known only from the SSDA903 return ({value}): "
        "no source holds the day; record it in the case-management system"
    )


def _written(annex: AnnexATemplate, code_set_id: str, code: str) -> str:
    """The drop-down text the template writes for ``code``."""
    found = annex.code_set(code_set_id).lookup(code)
    entry = next(item for item in annex.code_set(code_set_id).codes if item.code == found)
    return entry.template_value or entry.code


class _ListChecks:
    """One list's checks, compiled to column positions once."""

    def __init__(self, annex: AnnexATemplate, annex_list: AnnexAList, as_at: date):
        self.annex_list = annex_list
        self.as_at = as_at
        columns = annex_list.columns
        position = {column.id: index for index, column in enumerate(columns)}
        checks = annex_list.checks
        self.position = position
        self.child = position.get("child_unique_id")
        self.age = position.get("age_of_child")
        self.birth = position.get("date_of_birth")
        self.ended_by = position.get(checks.ended_by) if checks.ended_by else None
        self.event_date = position.get(checks.event_date) if checks.event_date else None
        self.ages = checks.ages
        self.mandatory = [position[c] for c in checks.mandatory]
        self.mandatory_when = [(position[c], position[other]) for c, other in checks.mandatory_when.items()]
        self.dates = [index for index, c in enumerate(columns) if c.type == "date" and c.id != "date_of_birth"]
        self.proxy_dates = [position[c] for c in checks.proxy_dates]
        self.allowed: list[tuple[int, frozenset[str] | None, str]] = []  # position, choices, what it must be
        for index, column in enumerate(columns):
            if column.type == "code":
                code_set = annex.code_set(column.code_set)
                choices = frozenset(code.template_value or code.code for code in code_set.codes)
                self.allowed.append((index, choices, "one of the template's choices"))
            elif column.type == "yes_no":
                self.allowed.append((index, frozenset({"Y", "N"}), "Y or N"))
            elif column.type == "date":
                self.allowed.append((index, None, "a date"))
            elif column.type == "integer":
                self.allowed.append((index, None, "a whole number"))
        self.types = [column.type for column in columns]


class AnnexAChecker:
    """Checks Annex A's lists as their rows go by; ``finish`` adds what needs every list, and the records."""

    def __init__(self, annex: AnnexATemplate, as_at: date):
        self.annex = annex
        self.as_at = as_at
        self._found: list[tuple] = []  # (list checks, sheet row, column, check, child, value, words, record)
        self._lists: dict[int, _ListChecks] = {}
        self._rows_seen: dict[int, int] = defaultdict(int)
        self._distinct: dict[int, dict[tuple, int]] = defaultdict(dict)
        # what the cross-list checks need: per list, each child's identity cells (with a sheet row), open episodes
        self._identity: dict[int, dict[Any, tuple]] = defaultdict(dict)
        self._open: dict[int, set[str]] = defaultdict(set)  # list 7 and 8: children whose episode is open
        self._list_6: list[tuple[int, str, Any]] = []  # (sheet row, child, case status) of open CIN episodes
        self._list_9: list[tuple[int, str, Any]] = []  # (sheet row, child, eligibility)

    def _compiled(self, annex_list: AnnexAList) -> _ListChecks:
        compiled = self._lists.get(annex_list.number)
        if compiled is None:
            compiled = self._lists[annex_list.number] = _ListChecks(self.annex, annex_list, self.as_at)
        return compiled

    def _add(
        self, checks: _ListChecks, row: int, column: int | None, check: str, child, value, message: str, record=None
    ) -> None:
        self._found.append((checks, row, column, check, child, value, message, record))

    @staticmethod
    def _finding(found: tuple, records: dict[str, tuple[str, str]]) -> AnnexAFinding:
        checks, row, column, check, child, value, message, record = found
        annex_list = checks.annex_list
        header = annex_list.columns[column].header if column is not None else "(whole row)"
        column_id = annex_list.columns[column].id if column is not None else ""
        child_records = records.get(child, ("", ""))[1] if child is not None else ""
        source = "; ".join(part for part in (str(record) if record else "", child_records) if part)
        return AnnexAFinding(
            annex_list.number, annex_list.sheet_name, row, column_id, header, check, child, value, message, source
        )

    def check_rows(
        self,
        annex_list: AnnexAList,
        rows: Sequence[tuple[Any, ...]],
        columns: Sequence[Sequence[Any]] | None = None,
        hidden: dict[str, Sequence[Any]] | None = None,
    ) -> None:
        """Check a batch of one list's rows (in sheet order, cells as written); call again for the next batch.
        ``columns``, if the caller has them, are the same cells column by column; ``hidden`` the list query's
        hidden columns for the same rows: "_source_record" (named in each finding on the row) and
        "_proxy_<column id>" (true where that date is a proxy, instead of the 31 March rule).

        Each check runs down a column of the batch at a time, so a large list costs a few passes over
        its columns rather than a Python loop per cell."""
        if not rows:
            return
        checks = self._compiled(annex_list)
        number = annex_list.number
        first = self._rows_seen[number] + 2  # the header is row 1
        self._rows_seen[number] += len(rows)
        if columns is None:
            columns = list(zip(*rows, strict=True))
        children = columns[checks.child] if checks.child is not None else (None,) * len(rows)
        headers = [column.header for column in annex_list.columns]
        hidden = hidden or {}
        row_records = hidden.get("_source_record")

        def add(at: int, column: int | None, check: str, value: Any, message: str) -> None:
            child = children[at]
            record = row_records[at] if row_records is not None else None
            self._add(checks, first + at, column, check, None if child is None else str(child), value, message, record)

        for index in checks.mandatory:
            for at in [at for at, value in enumerate(columns[index]) if value is None]:
                add(at, index, "blank_mandatory", None, f"{headers[index]} is blank")
        for index, other in checks.mandatory_when:
            pairs = zip(columns[index], columns[other], strict=True)
            for at in [at for at, (value, given) in enumerate(pairs) if value is None and given is not None]:
                add(
                    at, index, "blank_mandatory", None, f"{headers[index]} is blank although {headers[other]} is filled"
                )
        proxies = {index: self._proxies(checks, columns, index, hidden) for index in checks.proxy_dates}
        for index, choices, what in checks.allowed:
            kind = checks.types[index]
            if choices is not None:
                wrong = [at for at, value in enumerate(columns[index]) if value is not None and value not in choices]
            elif kind == "date":
                known_by_year = set(proxies.get(index, ()))  # written as its year on purpose: reported below
                wrong = [
                    at
                    for at, value in enumerate(columns[index])
                    if value is not None and not isinstance(value, date) and at not in known_by_year
                ]
            else:
                wrong = [at for at, value in enumerate(columns[index]) if value is not None and type(value) is not int]
            for at in wrong:
                value = columns[index][at]
                add(at, index, "not_in_drop_down", value, f"{value!r} is not {what} for {headers[index]}")
        as_at = self.as_at
        for index in checks.dates:
            for at in [at for at, value in enumerate(columns[index]) if isinstance(value, date) and value > as_at]:
                value = columns[index][at]
                add(
                    at,
                    index,
                    "date_after_inspection",
                    value,
                    f"{headers[index]} {value:%d/%m/%Y} is after the inspection date {as_at:%d/%m/%Y}",
                )
        for index, found in proxies.items():
            for at in found:
                value = columns[index][at]
                add(at, index, "proxy_date", value, _proxy_message(headers[index], value))
        if checks.ages is not None and checks.age is not None:
            youngest, oldest = checks.ages
            ages = columns[checks.age]
            for at in [at for at, age in enumerate(ages) if type(age) is int and not youngest <= age <= oldest]:
                message = self._age_message(checks, rows[at])
                if message:
                    add(at, checks.age, "age_outside_range", ages[at], message)
        distinct = self._distinct[number]
        for at, row in enumerate(rows):
            seen = distinct.setdefault(row, first + at)
            if seen != first + at:
                add(at, None, "duplicate_row", None, f"this row repeats sheet row {seen} cell for cell")
        self._remember(checks, first, columns, children)

    def _proxies(
        self, checks: _ListChecks, columns: Sequence[Sequence[Any]], index: int, hidden: dict[str, Sequence[Any]]
    ) -> list[int]:
        """The rows whose date in column ``index`` is a proxy: where the list query gives the facts' flag as the
        hidden column "_proxy_<column id>", the flag; else a collection year's end (``is_proxy_date``)."""
        flags = hidden.get(f"_proxy_{checks.annex_list.columns[index].id}")
        if flags is not None:
            return [at for at, (value, flag) in enumerate(zip(columns[index], flags, strict=True)) if value and flag]
        return [at for at, value in enumerate(columns[index]) if is_proxy_date(value)]

    def _age_message(self, checks: _ListChecks, row: tuple[Any, ...]) -> str | None:
        """Why a row's age is outside the list's range, or None when its episode ended before that mattered."""
        ages = checks.ages
        age = row[checks.age]
        ended = row[checks.ended_by] if checks.ended_by is not None else None
        event = row[checks.event_date] if checks.event_date is not None else None
        birth = row[checks.birth] if checks.birth is not None else None
        if isinstance(event, date) and event <= self.as_at and isinstance(birth, date):
            age_then = age_on(birth, event)
            if ages[0] <= age_then <= ages[1]:
                return None
            event_header = checks.annex_list.columns[checks.event_date].header
            shown = "unborn" if age_then < 0 else f"aged {age_then}"
            return f"{shown} on the {event_header} ({event:%d/%m/%Y}); this list is for ages {self._range(ages)}"
        if isinstance(ended, date) and ended <= self.as_at and isinstance(birth, date) and age >= 0:
            day_before = ended - timedelta(days=1)
            age_then = age_on(birth, day_before)
            if age_then <= ages[1]:
                return None
            ended_header = checks.annex_list.columns[checks.ended_by].header
            return (
                f"aged {age_then} on {day_before:%d/%m/%Y}, the day before the {ended_header} "
                f"({ended:%d/%m/%Y}); this list is for ages {self._range(ages)}"
            )
        still = " with the episode still open" if checks.ended_by is not None else ""
        shown = "unborn" if age < 0 else f"aged {age}"
        header = checks.annex_list.columns[checks.age].header
        return f"{shown} on the inspection date{still}; this list is for ages {self._range(ages)} ({header})"

    @staticmethod
    def _range(ages: tuple[int, int]) -> str:
        youngest, oldest = ages
        return f"{'unborn' if youngest < 0 else youngest} to {oldest}"

    def _remember(self, checks: _ListChecks, first: int, columns: Sequence[Sequence[Any]], children) -> None:
        """What the checks across lists need from this batch: identity cells, open episodes, statuses."""
        number = checks.annex_list.number
        position = checks.position
        identity = [position.get(column_id) for column_id in IDENTITY_COLUMNS]
        cells = [columns[index] if index is not None else (None,) * len(children) for index in identity]
        known = self._identity[number]
        for child, *values in zip(children, range(first, first + len(children)), *cells, strict=True):
            if child is not None and child not in known:
                known[child] = tuple(values)
        if number in (7, 8) and checks.ended_by is not None:
            self._open[number].update(
                str(child) for child, ended in zip(children, columns[checks.ended_by], strict=True) if ended is None
            )
        if number == 6 and "case_status" in position and "cin_closure_date" in position:
            statuses = zip(
                children, columns[position["case_status"]], columns[position["cin_closure_date"]], strict=True
            )
            self._list_6.extend(
                (first + at, str(child), status)
                for at, (child, status, closed) in enumerate(statuses)
                if child is not None and closed is None
            )
        if number == 9 and "eligibility_category" in position:
            self._list_9.extend(
                (first + at, str(child), eligibility)
                for at, (child, eligibility) in enumerate(
                    zip(children, columns[position["eligibility_category"]], strict=True)
                )
                if child is not None
            )

    # --- across lists ----------------------------------------------------------------------

    def _cross_list(self) -> None:
        first_seen: dict[Any, tuple[int, tuple]] = {}  # child -> (list, (sheet row, identity cells)) where first met
        for number in sorted(self._identity):
            known = self._identity[number]
            for child in known.keys() & first_seen.keys():
                first_list, (_, *first_values) = first_seen[child]
                sheet_row, *values = known[child]
                for column_id, value, first_value in zip(IDENTITY_COLUMNS, values, first_values, strict=True):
                    if value is not None and first_value is not None and value != first_value:
                        checks = self._lists[number]
                        self._add(
                            checks,
                            sheet_row,
                            checks.position[column_id],
                            "contradiction",
                            str(child),
                            value,
                            f"{_shown(value)} here but {_shown(first_value)} in List {first_list}",
                        )
            first_seen.update({child: (number, known[child]) for child in known.keys() - first_seen.keys()})
        eligible = _written(self.annex, "eligibility_category", "d")
        if 9 in self._lists:
            checks = self._lists[9]
            for sheet_row, child, eligibility in self._list_9:
                if child in self._open[8] and eligibility is not None and eligibility != eligible:
                    self._add(
                        checks,
                        sheet_row,
                        checks.position["eligibility_category"],
                        "contradiction",
                        child,
                        eligibility,
                        f"{eligibility} here, but looked after on the inspection date in List 8 (an eligible child)",
                    )
        if 6 in self._lists:
            self._case_status_contradictions(self._lists[6])

    def _case_status_contradictions(self, checks: _ListChecks) -> None:
        looked_after = _written(self.annex, "case_status", "a")
        protection = _written(self.annex, "case_status", "b")
        closed = _written(self.annex, "case_status", "e")
        column = checks.position["case_status"]
        for sheet_row, child, status in self._list_6:
            if status is None or status == closed:
                continue
            if child in self._open[8] and status != looked_after:
                message = f"{status} here, but looked after on the inspection date in List 8"
            elif child not in self._open[8] and status == looked_after:
                message = f"{status} here, but not looked after on the inspection date in List 8"
            elif child not in self._open[8] and child in self._open[7] and status != protection:
                message = f"{status} here, but on an open child protection plan in List 7"
            elif child not in self._open[7] and status == protection:
                message = f"{status} here, but no open child protection plan in List 7"
            else:
                continue
            self._add(checks, sheet_row, column, "contradiction", child, status, message)

    def finish(self, conn: duckdb.DuckDBPyConnection | None = None) -> AnnexACheckReport:
        """The report: the cross-list checks run, and (given a connection) each child's source records named."""
        self._cross_list()
        if conn is not None:
            self._left_out(conn)
        records: dict[str, tuple[str, str]] = {}
        if conn is not None and self._found:
            records = source_records(conn, {found[4] for found in self._found if found[4] is not None})
        findings = tuple(self._finding(found, records) for found in self._found)
        keys = frozenset(key for key, _ in records.values())
        return AnnexACheckReport(self.as_at, self.annex.version, findings, keys)

    def _left_out(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Records the data says belong in a list but which the list rightly leaves out, named so the source is
        fixed: a CP plan recorded open past the child's 18th birthday (it ended in law at 18)."""
        from childhub.facts import prepare, referenced_facts

        annex_list = next((item for item in self.annex.lists if item.number == 7), None)
        if annex_list is None:
            return
        prepare(conn, referenced_facts(LEFT_OUT_CP_PLANS_SQL))
        checks = self._compiled(annex_list)
        column = next((at for at, item in enumerate(annex_list.columns) if item.id == "cp_plan_end_date"), None)
        for child, plan_id, start, birthday in conn.execute(LEFT_OUT_CP_PLANS_SQL, {"as_at": self.as_at}).fetchall():
            message = (
                f"CP plan {plan_id} (started {start:%d/%m/%Y}) is recorded open past the child's 18th birthday "
                f"({birthday:%d/%m/%Y}); a plan ends in law at 18, so List 7 leaves it out: record its end"
            )
            self._add(checks, None, column, "left_out", str(child), None, message, f"cp_plan {plan_id}")


# A CP plan List 7 would hold (open on the date, or ended in the 6 months before) but for being open past 18.
LEFT_OUT_CP_PLANS_SQL = """
SELECT coalesce(c.la_child_id, p.person_id) AS child_unique_id, p.cp_plan_id, p.start_date,
       CAST(p.date_of_birth + INTERVAL 18 YEAR AS DATE) AS eighteenth
FROM fact_cp_plan p
LEFT JOIN fact_child c ON c.child_key = p.child_key
WHERE p.start_date <= $as_at
  AND (p.end_date IS NULL OR p.end_date >= CAST($as_at - INTERVAL 6 MONTH AS DATE))
  AND cp_plan_open_past_18(p, $as_at)
ORDER BY p.start_date, child_unique_id
"""


def _shown(value: Any) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


# A Child Unique ID is the child's social care ID, else the list record's own person ID (the lists' common
# columns). Plain joins on each, not on an expression, so the look-up stays quick.
SOURCE_RECORDS_SQL = """
WITH wanted AS (SELECT DISTINCT child_unique_id FROM _annex_a_wanted),
keyed AS (
    SELECT w.child_unique_id, c.child_key
    FROM wanted w
    JOIN fact_child c ON c.la_child_id = w.child_unique_id
    UNION
    SELECT w.child_unique_id, p.child_key
    FROM wanted w
    JOIN fact_person p ON p.person_id = w.child_unique_id
    JOIN fact_child c ON c.child_key = p.child_key AND c.la_child_id IS NULL
)
SELECT k.child_unique_id, any_value(k.child_key),
       array_to_string(list_sort(list_distinct(list(p.source_system || ' ' || p.person_id))), '; ')
FROM keyed k
JOIN fact_person p ON p.child_key = k.child_key
GROUP BY k.child_unique_id
"""


def source_records(conn: duckdb.DuckDBPyConnection, children: set[str]) -> dict[str, tuple[str, str]]:
    """Per Child Unique ID, the child's key and the source records behind it ("source_system record_id; ...")."""
    from childhub.facts import prepare, referenced_facts

    if not children:
        return {}
    from childhub.engines import values_relation

    prepare(conn, referenced_facts(SOURCE_RECORDS_SQL))
    # the children as a relation joined to (on either engine), not a list bound and unnested
    with values_relation(conn, "_annex_a_wanted", {"child_unique_id": sorted(children)}):
        rows = conn.execute(SOURCE_RECORDS_SQL).fetchall()
    return {str(child): (str(key), records) for child, key, records in rows}


def check_lists(
    annex: AnnexATemplate,
    as_at: date,
    lists: Iterable[tuple],
    conn: duckdb.DuckDBPyConnection | None = None,
) -> AnnexACheckReport:
    """Check lists already in hand: (list, rows) or (list, rows, hidden columns) as ``annex_a_rows`` gives them."""
    checker = AnnexAChecker(annex, as_at)
    for annex_list, rows, *hidden in lists:
        checker.check_rows(annex_list, rows, None, hidden[0] if hidden else None)
    return checker.finish(conn)
