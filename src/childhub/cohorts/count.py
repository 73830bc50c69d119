"""Counting a cohort on a cursor with the facts prepared: the counts per group, the list of its children,
and the choices its filters offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from childhub.cohorts.compile import compile_children, compile_cohort
from childhub.cohorts.definitions import definitions
from childhub.cohorts.model import CohortQuery

if TYPE_CHECKING:
    import duckdb


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
        return [definitions().groupings[name].label for name in self.query.groupings]

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
        layout["xaxis"] = {"title": {"text": definitions().groupings[groupings[0]].label}, "type": "category"}
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
        layout["legend"] = {"title": {"text": definitions().groupings[groupings[1]].label}}
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
    orders = [{value: n for n, value in enumerate(definitions().groupings[name].order)} for name in groupings]

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
    return CohortChildren(tuple(definitions().child_columns.values()), tuple(row[:-1] for row in rows), total)


def filter_choices(cursor: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each filter's choices: declared ones, or the values found in the data (ethnicity, area, team)."""
    choices = {name: declared.choices for name, declared in definitions().filters.items() if declared.choices}
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
