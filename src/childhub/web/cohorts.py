"""Cohorts: a population of children, filtered, counted by one or two groupings, over a period.

A cohort is declared, not written: ``CohortQuery`` names a population, a period ending on an as-at
date, filters and groupings, each from the declared sets below (``POPULATIONS``, ``FILTERS``,
``GROUPINGS``). ``compile_cohort`` turns one into SQL over the facts: the population's SQL fragment
gives the children's ``child_key``; every child then gets the same attributes as at the end of the
period (age band, sex, ethnicity, area, allocated team, the services known during the period); the
filters are predicates over those attributes and the groupings are their columns. Column names
come only from these declarations, and every value is bound as a parameter.

A period is a day (``snapshot``: as at the date) or the month, quarter, year (from 1 April) or 12
months ending on it (``childhub.indicators.periods.period_ending``). A child is in a population
over a period if the spell that puts them there overlapped it: it started on or before the last
day and had not ended on or before the first (so as at a date, it started on or before the date
and had not ended on or before it, as the indicators count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from childhub.errors import ChildhubError
from childhub.indicators.periods import Period, period_ending

if TYPE_CHECKING:
    import duckdb


class CohortError(ChildhubError):
    """A cohort asks for something not declared (an unknown population, filter value or grouping)."""


@dataclass(frozen=True)
class Population:
    """Who is counted: ``sql`` selects ``child_key`` for the period from ``$start`` to ``$end``."""

    label: str
    definition: str
    sql: str


@dataclass(frozen=True)
class Filter:
    """A predicate over the cohort's attributes, with its value bound as ``$<name>``."""

    label: str
    sql: str
    uses: tuple[str, ...]  # the attributes (of ATTRIBUTES) the predicate reads
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); empty: the values found in the data


@dataclass(frozen=True)
class Grouping:
    """A column of the cohort's attributes to count by, and the order its values are shown in."""

    label: str
    column: str
    order: tuple[str, ...] = ()


def _overlaps(start: str, end: str) -> str:
    """A spell from ``start`` until ``end`` (not included; NULL while it lasts) overlapping the period."""
    return f"{start} <= $end AND ({end} IS NULL OR {end} > $start)"


POPULATIONS: dict[str, Population] = {
    "all": Population(
        "All children",
        "Every child the hub knows (one per linked child), born on or before the end of the period and under 18 at "
        "its start; children with no date of birth are kept.",
        "SELECT child_key FROM fact_child "
        "WHERE date_of_birth IS NULL OR (date_of_birth <= $end AND age_on(date_of_birth, $start) < 18)",
    ),
    "children_in_need": Population(
        "Children in need",
        "An open children-in-need episode in the period: a referral dated on or before its end, not NFA, that had "
        "not closed on or before its start (children on a plan or looked after count while their episode is open).",
        "SELECT DISTINCT child_key FROM fact_referral WHERE nfa IS NOT TRUE AND "
        + _overlaps("referral_date", "close_date"),
    ),
    "child_protection": Population(
        "On a child protection plan",
        "A child protection plan that started on or before the end of the period and had not ended on or before "
        "its start.",
        "SELECT DISTINCT child_key FROM fact_cp_plan WHERE " + _overlaps("start_date", "end_date"),
    ),
    "looked_after": Population(
        "Looked after",
        "An episode of care (not a short break, legal status V3 or V4) that started on or before the end of the "
        "period and had not ceased on or before its start.",
        "SELECT DISTINCT child_key FROM fact_cla_episode WHERE NOT short_break AND "
        + _overlaps("start_date", "ceased"),
    ),
    "care_leavers": Population(
        "Care leavers",
        "Young people with a care leaver record dated on or before the end of the period (or undated), aged 16 to "
        "25 on that day.",
        "SELECT DISTINCT c.child_key FROM fact_care_leaver c JOIN fact_child ch ON ch.child_key = c.child_key "
        "WHERE (c.latest_contact IS NULL OR c.latest_contact <= $end) "
        "AND age_on(ch.date_of_birth, $end) BETWEEN 16 AND 25",
    ),
    "pupils": Population(
        "Pupils",
        "Children with school attendance recorded for an academic year (1 September to 31 August) that overlaps "
        "the period.",
        "SELECT DISTINCT child_key FROM fact_attendance WHERE child_key IS NOT NULL AND academic_year_start <= $end "
        "AND CAST(academic_year_start + INTERVAL 1 YEAR AS DATE) > $start",
    ),
    "early_help": Population(
        "Known to early help",
        "An early help episode that started on or before the end of the period and had not ended on or before its "
        "start.",
        "SELECT DISTINCT child_key FROM fact_service_known WHERE service = 'early_help' AND "
        + _overlaps("from_date", "until_date"),
    ),
    "two_or_more_services": Population(
        "Known to two or more services",
        "Children known to two or more services during the period (the services of fact_service_known: social "
        "care, early help, SEN, persistent absence, youth justice, NEET, police notifications), under 18 at its "
        "start (or with no date of birth), as the cross-service indicator counts them.",
        "SELECT k.child_key FROM fact_service_known k LEFT JOIN fact_child ch ON ch.child_key = k.child_key "
        "WHERE (ch.date_of_birth IS NULL OR age_on(ch.date_of_birth, $start) < 18) AND "
        + _overlaps("k.from_date", "k.until_date")
        + " GROUP BY k.child_key HAVING count(DISTINCT k.service) >= 2",
    ),
}

AGE_BANDS = ("unborn", "under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17", "18 and over", "unknown")
SEXES = (("F", "Female"), ("M", "Male"), ("U", "Not known"))
SERVICES = (
    ("social_care", "Children's social care"),
    ("early_help", "Early help"),
    ("sen", "SEN support or EHC plan"),
    ("persistent_absence", "Persistent absence"),
    ("youth_justice", "Youth justice"),
    ("neet", "NEET"),
    ("police_notification", "Police notification"),
)
SEN_CHOICES = (
    ("any", "SEN support or EHC plan"),
    ("ehc_plan", "EHC plan"),
    ("sen_support", "SEN support"),
    ("none", "Neither"),
)
YES_NO = (("yes", "Yes"), ("no", "No"))

FILTERS: dict[str, Filter] = {
    "age_band": Filter("Age band", "age_band = $age_band", ("age_band",), tuple((band, band) for band in AGE_BANDS)),
    "sex": Filter("Sex", "sex = $sex", ("sex",), SEXES),
    "ethnicity": Filter("Ethnicity", "ethnicity = $ethnicity", ("ethnicity",)),
    "area": Filter("Area", "area = $area", ("area",)),
    "team": Filter("Allocated team", "team = $team", ("team",)),
    "known_to": Filter("Known to", "list_contains(services, $known_to)", ("services",), SERVICES),
    "sen": Filter("SEN", "(sen = $sen OR ($sen = 'any' AND sen <> 'none'))", ("sen",), SEN_CHOICES),
    "persistent_absence": Filter(
        "Persistent absence", "persistent_absence = ($persistent_absence = 'yes')", ("persistent_absence",), YES_NO
    ),
}

GROUPINGS: dict[str, Grouping] = {
    "age_band": Grouping("Age band", "age_band", AGE_BANDS),
    "sex": Grouping("Sex", "sex", ("F", "M", "U")),
    "ethnicity": Grouping("Ethnicity", "ethnicity"),
    "area": Grouping("Area", "area"),
    "team": Grouping("Allocated team", "team"),
    "service_area": Grouping("Service area", "service_area"),
    "service_count": Grouping("Services known to", "service_count_band", ("0", "1", "2", "3", "4 or more")),
    "sen": Grouping("SEN", "sen", ("ehc_plan", "sen_support", "none")),
    "persistent_absence": Grouping("Persistent absence", "persistent_absence_label", ("yes", "no")),
    "disability": Grouping("Disability", "disability_label", ("yes", "not recorded")),
}

PERIODS: dict[str, str] = {
    "snapshot": "As at the date",
    "month": "During the month to the date",
    "quarter": "During the quarter to the date",
    "year": "During the year to the date (from 1 April)",
    "rolling_12": "During the 12 months to the date",
}

# What each child in the population is described by, as at the end of the period: an expression and the
# relations it reads beyond fact_child (``ch``). Only the attributes a cohort uses are computed.
_AGE = "age_on(ch.date_of_birth, $end)"
_UNBORN = "ch.date_of_birth IS NULL OR ch.date_of_birth > $end"
ATTRIBUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "child_key": ("p.child_key", ()),
    "child_id": ("ch.child_id", ()),
    "la_child_id": ("ch.la_child_id", ()),
    "age": (f"CASE WHEN {_UNBORN} THEN NULL ELSE {_AGE} END", ()),
    "age_band": (
        f"CASE WHEN {_UNBORN} THEN CASE WHEN ch.expected_date_of_birth IS NOT NULL THEN 'unborn' ELSE 'unknown' END "
        f"WHEN {_AGE} < 1 THEN 'under 1' WHEN {_AGE} < 5 THEN '1 to 4' WHEN {_AGE} < 10 THEN '5 to 9' "
        f"WHEN {_AGE} < 16 THEN '10 to 15' WHEN {_AGE} < 18 THEN '16 to 17' ELSE '18 and over' END",
        (),
    ),
    "sex": ("coalesce(ch.sex, 'U')", ()),
    "ethnicity": ("coalesce(ch.ethnicity, 'NOBT')", ()),
    "area": ("coalesce(ch.area, 'unknown')", ()),
    "disability_label": ("CASE WHEN ch.disability = 'Y' THEN 'yes' ELSE 'not recorded' END", ()),
    "team": ("coalesce(a.team_id, 'unallocated')", ("allocated",)),
    "service_area": ("coalesce(t.service_area, 'unallocated')", ("allocated",)),
    "services": ("coalesce(k.services, [])", ("known",)),
    "service_count_band": (
        "CASE WHEN coalesce(k.service_count, 0) >= 4 THEN '4 or more' "
        "ELSE CAST(coalesce(k.service_count, 0) AS VARCHAR) END",
        ("known",),
    ),
    "sen": ("CASE WHEN k.ehc_plan THEN 'ehc_plan' WHEN k.sen_support THEN 'sen_support' ELSE 'none' END", ("known",)),
    "persistent_absence": ("coalesce(list_contains(k.services, 'persistent_absence'), false)", ("known",)),
    "persistent_absence_label": (
        "CASE WHEN list_contains(k.services, 'persistent_absence') THEN 'yes' ELSE 'no' END",
        ("known",),
    ),
}
# The relations attributes read: a WITH clause (over the population only) and how it is joined.
_SOURCES: dict[str, tuple[str, str]] = {
    "known": (
        "known AS (SELECT child_key, list(DISTINCT service ORDER BY service) AS services, "
        "count(DISTINCT service) AS service_count, bool_or(record = 'ehc_plan') AS ehc_plan, "
        "bool_or(record = 'sen_support') AS sen_support FROM fact_service_known "
        "WHERE child_key IN (SELECT child_key FROM population) AND from_date <= $end "
        "AND (until_date IS NULL OR until_date > $start) GROUP BY child_key)",
        "LEFT JOIN known k ON k.child_key = p.child_key",
    ),
    "allocated": (
        "allocated AS (SELECT child_key, arg_max(team_id, start_date) AS team_id FROM fact_allocation "
        "WHERE child_key IN (SELECT child_key FROM population) AND start_date <= $end "
        "AND (end_date IS NULL OR end_date > $end) GROUP BY child_key)",
        "LEFT JOIN allocated a ON a.child_key = p.child_key LEFT JOIN fact_team t ON t.team_id = a.team_id",
    ),
}

CHILD_COLUMNS = (
    ("child_key", "Child key"),
    ("child_id", "Child ID"),
    ("la_child_id", "LA child ID"),
    ("age", "Age"),
    ("age_band", "Age band"),
    ("sex", "Sex"),
    ("ethnicity", "Ethnicity"),
    ("area", "Area"),
    ("team", "Allocated team"),
    ("services", "Services known to"),
)


class CohortQuery(BaseModel):
    """One cohort: a population over a period ending on ``as_at``, filtered and grouped (GET parameters)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    population: str = Field("all", description="One of: " + ", ".join(POPULATIONS))
    as_at: date = Field(default_factory=date.today, description="The last day of the period (default today)")
    period: str = Field("snapshot", description="One of: " + ", ".join(PERIODS))
    age_band: str | None = Field(None, description="Only this age band on the as-at date")
    sex: str | None = Field(None, description="Only this sex (F, M, U)")
    ethnicity: str | None = Field(None, description="Only this ethnicity code")
    area: str | None = Field(None, description="Only this area")
    team: str | None = Field(None, description="Only children allocated to this team on the as-at date")
    known_to: str | None = Field(None, description="Only children known to this service during the period")
    sen: str | None = Field(None, description="any, ehc_plan, sen_support or none")
    persistent_absence: str | None = Field(None, description="yes or no")
    group_by: str | None = Field("age_band", description="One of: " + ", ".join(GROUPINGS))
    then_by: str | None = Field(None, description="A second grouping")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _declared(self) -> CohortQuery:
        problems = []
        if self.population not in POPULATIONS:
            problems.append(f"there is no population {self.population!r} (choose from {', '.join(POPULATIONS)})")
        if self.period not in PERIODS:
            problems.append(f"there is no period {self.period!r} (choose from {', '.join(PERIODS)})")
        for name in ("group_by", "then_by"):
            value = getattr(self, name)
            if value is not None and value not in GROUPINGS:
                problems.append(f"{name}: there is no grouping {value!r} (choose from {', '.join(GROUPINGS)})")
        if self.then_by is not None and self.then_by == self.group_by:
            problems.append("then_by: choose a second grouping different from the first")
        for name, declared in FILTERS.items():
            value = getattr(self, name)
            if value is not None and declared.choices and value not in dict(declared.choices):
                allowed = ", ".join(choice for choice, _ in declared.choices)
                problems.append(f"{name}: {value!r} is not one of {allowed}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def groupings(self) -> list[str]:
        return [name for name in (self.group_by, self.then_by) if name is not None]

    @property
    def filters(self) -> dict[str, str]:
        """The filters in use: name to value."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name) is not None}

    @property
    def span(self) -> Period:
        return period_ending(self.period, self.as_at)  # type: ignore[arg-type]

    def parameters(self) -> dict[str, str]:
        """This cohort as GET parameters (what a link to it carries), leaving out what is blank."""
        values = self.model_dump(exclude_none=True)
        values["as_at"] = self.as_at.isoformat()
        values.setdefault("group_by", "")
        return values

    def describe(self) -> str:
        """The cohort in words, for captions and the audit log."""
        words = [POPULATIONS[self.population].label, self.span.label]
        for name, value in self.filters.items():
            declared = FILTERS[name]
            words.append(f"{declared.label.lower()}: {dict(declared.choices).get(value, value)}")
        return ", ".join(words)


def cohort_query(values: dict[str, Any]) -> CohortQuery:
    """A ``CohortQuery`` from plain values (GET parameters); CohortError naming every problem."""
    from pydantic import ValidationError

    try:
        return CohortQuery.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            item["msg"].removeprefix("Value error, ")
            if not item["loc"]
            else f"{'.'.join(map(str, item['loc']))}: {item['msg']}"
            for item in error.errors()
        )
        raise CohortError(f"that cohort cannot be counted: {problems}") from None


def _relation(query: CohortQuery, attributes: list[str]) -> tuple[str, dict[str, Any], str]:
    """The WITH clauses defining ``cohort`` (with ``attributes`` and those the filters read), their parameters,
    and the filters' WHERE predicate."""
    span = query.span
    params: dict[str, Any] = {"start": span.start, "end": span.end}
    predicates = []
    wanted = dict.fromkeys(["child_key", *attributes])
    for name, value in query.filters.items():
        predicates.append(FILTERS[name].sql)
        wanted.update(dict.fromkeys(FILTERS[name].uses))
        params[name] = value
    sources = dict.fromkeys(source for name in wanted for source in ATTRIBUTES[name][1])
    clauses = [f"population AS ({POPULATIONS[query.population].sql})", *(_SOURCES[s][0] for s in sources)]
    columns = ", ".join(f"{ATTRIBUTES[name][0]} AS {name}" for name in wanted)
    joins = " ".join(_SOURCES[s][1] for s in sources)
    clauses.append(
        f"cohort AS (SELECT {columns} FROM population p LEFT JOIN fact_child ch ON ch.child_key = p.child_key {joins})"
    )
    return "WITH " + ",\n".join(clauses), params, " AND ".join(predicates) or "TRUE"


def _bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters ``sql`` names (DuckDB refuses any it does not)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}


def compile_cohort(query: CohortQuery) -> tuple[str, dict[str, Any]]:
    """SQL giving one row per group: the groups' values, the children in the cohort and in the population."""
    columns = [GROUPINGS[name].column for name in query.groupings]
    relation, params, where = _relation(query, columns)
    selected = "".join(f"{column}, " for column in columns)
    group = "GROUP BY ALL" if columns else ""
    sql = (
        f"{relation}\nSELECT {selected}count(*) FILTER (WHERE {where}) AS children, count(*) AS population "
        f"FROM cohort {group}"
    )
    return sql, _bound(sql, params)


def compile_children(query: CohortQuery, limit: int) -> tuple[str, dict[str, Any]]:
    """SQL listing the cohort's children (at most ``limit``) with their attributes, and the cohort's size."""
    relation, params, where = _relation(query, [name for name, _ in CHILD_COLUMNS])
    columns = ", ".join(name for name, _ in CHILD_COLUMNS)
    params["limit"] = limit
    sql = (
        f"{relation}\nSELECT {columns}, count(*) OVER () AS cohort_size FROM cohort WHERE {where} "
        "ORDER BY child_key LIMIT $limit"
    )
    return sql, _bound(sql, params)


@dataclass(frozen=True)
class CohortRow:
    groups: tuple[str, ...]
    children: int
    population: int


@dataclass(frozen=True)
class CohortResult:
    """A counted cohort: a row per group, the cohort's size and its population's (before the filters)."""

    query: CohortQuery
    rows: tuple[CohortRow, ...]
    children: int
    population: int

    @property
    def headers(self) -> list[str]:
        return [GROUPINGS[name].label for name in self.query.groupings]

    def share(self, row: CohortRow) -> float | None:
        """The row's children as a percentage of the cohort."""
        return round(100 * row.children / self.children, 1) if self.children else None

    def of_population(self, row: CohortRow) -> float | None:
        """The row's children as a percentage of the population in the same group."""
        return round(100 * row.children / row.population, 1) if row.population else None

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The result as columns and rows, as exports and the API give it."""
        columns = [*self.headers, "Children", "% of the cohort", "Population in the group", "% of the population"]
        rows = [
            [*row.groups, row.children, self.share(row), row.population, self.of_population(row)] for row in self.rows
        ]
        return columns, rows

    def figure(self) -> dict[str, Any]:
        """A Plotly bar chart of the counts: one bar per group, or bars of the second grouping side by side."""
        groupings = self.query.groupings
        layout: dict[str, Any] = {"yaxis": {"title": {"text": "Children"}}, "barmode": "group"}
        if not groupings:
            return {"data": [{"type": "bar", "x": ["All"], "y": [self.children]}], "layout": layout}
        layout["xaxis"] = {"title": {"text": GROUPINGS[groupings[0]].label}, "type": "category"}
        if len(groupings) == 1:
            data = [{"type": "bar", "x": [r.groups[0] for r in self.rows], "y": [r.children for r in self.rows]}]
            return {"data": data, "layout": layout}
        firsts = list(dict.fromkeys(r.groups[0] for r in self.rows))
        seconds = list(dict.fromkeys(r.groups[1] for r in self.rows))
        counts = {r.groups: r.children for r in self.rows}
        data = [
            {"type": "bar", "name": second, "x": firsts, "y": [counts.get((first, second), 0) for first in firsts]}
            for second in seconds
        ]
        layout["legend"] = {"title": {"text": GROUPINGS[groupings[1]].label}}
        return {"data": data, "layout": layout}

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.query.parameters(),
            "description": self.query.describe(),
            "period": {"start": self.query.span.start.isoformat(), "end": self.query.span.end.isoformat()},
            "children": self.children,
            "population": self.population,
            "groups": [
                {
                    **dict(zip(self.query.groupings, row.groups, strict=True)),
                    "children": row.children,
                    "percent_of_cohort": self.share(row),
                    "population": row.population,
                    "percent_of_population": self.of_population(row),
                }
                for row in self.rows
            ],
        }


def _sort_key(groupings: list[str]):
    orders = [{value: n for n, value in enumerate(GROUPINGS[name].order)} for name in groupings]

    def key(row: CohortRow) -> tuple:
        return tuple((order.get(value, len(order)), value) for order, value in zip(orders, row.groups, strict=True))

    return key


def count_cohort(cursor: duckdb.DuckDBPyConnection, query: CohortQuery) -> CohortResult:
    """Count ``query`` on a cursor with the facts prepared."""
    sql, params = compile_cohort(query)
    width = len(query.groupings)
    rows = [
        CohortRow(tuple(str(value) for value in row[:width]), int(row[width]), int(row[width + 1]))
        for row in cursor.execute(sql, params).fetchall()
    ]
    if width:
        rows = [row for row in rows if row.children or row.population]
        rows.sort(key=_sort_key(query.groupings))
    children = sum(row.children for row in rows)
    population = sum(row.population for row in rows)
    return CohortResult(query, tuple(rows), children, population)


@dataclass(frozen=True)
class CohortChildren:
    """The first children of a cohort, and how many it has in all."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int


def cohort_children(cursor: duckdb.DuckDBPyConnection, query: CohortQuery, limit: int) -> CohortChildren:
    """The cohort's children, at most ``limit`` of them, ordered by child key."""
    sql, params = compile_children(query, limit)
    rows = cursor.execute(sql, params).fetchall()
    total = rows[0][-1] if rows else 0
    return CohortChildren(tuple(label for _, label in CHILD_COLUMNS), tuple(row[:-1] for row in rows), total)


def filter_choices(cursor: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each filter's choices: declared ones, or the values found in the data (ethnicity, area, team)."""
    choices = {name: declared.choices for name, declared in FILTERS.items() if declared.choices}
    choices["ethnicity"] = tuple(
        (value, value)
        for (value,) in cursor.execute(
            "SELECT DISTINCT ethnicity FROM fact_child WHERE ethnicity IS NOT NULL ORDER BY 1"
        ).fetchall()
    )
    choices["area"] = tuple(
        (value, value)
        for (value,) in cursor.execute(
            "SELECT DISTINCT area FROM fact_child WHERE area IS NOT NULL ORDER BY 1"
        ).fetchall()
    )
    choices["team"] = tuple(
        (team_id, f"{team_id} {name}" if name else team_id)
        for team_id, name in cursor.execute(
            "SELECT team_id, any_value(team_name) FROM fact_team GROUP BY team_id ORDER BY team_id"
        ).fetchall()
    )
    return choices


def _check_declarations() -> None:
    """Every grouping and filter names attributes that exist, and every attribute reads known relations."""
    problems = [
        f"grouping {name}: no attribute {g.column}" for name, g in GROUPINGS.items() if g.column not in ATTRIBUTES
    ]
    problems += [
        f"filter {name}: no attribute {used}"
        for name, f in FILTERS.items()
        for used in f.uses
        if used not in ATTRIBUTES
    ]
    problems += [
        f"attribute {name}: no relation {source}"
        for name, (_, sources) in ATTRIBUTES.items()
        for source in sources
        if source not in _SOURCES
    ]
    problems += [f"child column {name}: no attribute" for name, _ in CHILD_COLUMNS if name not in ATTRIBUTES]
    if problems:
        raise CohortError("the cohort declarations are broken:\n- " + "\n- ".join(problems))


_check_declarations()
