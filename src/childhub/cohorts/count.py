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
    groups: tuple[str, ...]  # each grouping's value, as the facts hold it (a code, a team ID)
    children: int
    population: int
    words: tuple[str, ...] = ()  # each grouping's value in words (``Grouping.field`` or ``names``)

    @property
    def shown(self) -> tuple[str, ...]:
        """The groups as a page shows them: in words."""
        return self.words or self.groups


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

    def table(self, codes: bool = True) -> tuple[list[str], list[list[Any]]]:
        """The result as columns and rows: with ``codes`` (as exports give it) each grouping's code and, beside it,
        its words; without (as the page shows it) the words only."""
        counts = ["Children", "% of the cohort", "Population in the group", "% of the population"]
        if codes:
            headers = [text for header in self.headers for text in (f"{header} (code)", header)]
        else:
            headers = list(self.headers)
        rows = []
        for row in self.rows:
            groups = [v for pair in zip(row.groups, row.shown, strict=True) for v in pair] if codes else row.shown
            rows.append([*groups, row.children, self.share(row), row.population, self.of_population(row)])
        return [*headers, *counts], rows

    def figure(self) -> dict[str, Any]:
        """A Plotly bar chart of the counts: one bar per group, or bars of the second grouping side by side."""
        groupings = self.query.groupings
        layout: dict[str, Any] = {"yaxis": {"title": {"text": "Children"}}, "barmode": "group"}
        if not groupings:
            return {"data": [{"type": "bar", "x": ["All"], "y": [self.children]}], "layout": layout}
        layout["xaxis"] = {"title": {"text": definitions().groupings[groupings[0]].label}, "type": "category"}
        if len(groupings) == 1:
            data = [{"type": "bar", "x": [r.shown[0] for r in self.rows], "y": [r.children for r in self.rows]}]
            return {"data": data, "layout": layout}
        firsts = list(dict.fromkeys(r.shown[0] for r in self.rows))
        seconds = list(dict.fromkeys(r.shown[1] for r in self.rows))
        counts = {r.shown: r.children for r in self.rows}
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
                    **{f"{name}_label": words for name, words in zip(self.query.groupings, row.shown, strict=True)},
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
    if width:
        words = [_words_of(cursor, name) for name in query.groupings]
        rows = [
            CohortRow(
                row.groups, row.children, row.population, tuple(w(v) for w, v in zip(words, row.groups, strict=True))
            )
            for row in rows
        ]
    children = sum(row.children for row in rows)
    population = sum(row.population for row in rows)
    return CohortResult(query, tuple(rows), children, population)


def _words_of(cursor: duckdb.DuckDBPyConnection, grouping: str):
    """How a grouping's values read in words: by its field's code set, or by the names its SQL gives."""
    from childhub.codes import words_for

    declared = definitions().groupings[grouping]
    names: dict[str, str] = {}
    if declared.names:
        names = {str(value): str(name) for value, name in cursor.execute(declared.names).fetchall()}

    def words(value: str) -> str:
        if value in names:
            return names[value]
        return (words_for(declared.field, value) or value) if declared.field else value

    return words


@dataclass(frozen=True)
class CohortChildren:
    """The first children of a cohort, and how many it has in all. A column with words (``child_words``) is
    followed by a column of its words; ``codes`` are the positions of the code columns so followed (a download
    keeps them, the page shows the words)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int
    codes: frozenset[int] = frozenset()

    def on_page(self) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """The columns and rows as the page shows them: the words, not the codes."""
        keep = [n for n in range(len(self.columns)) if n not in self.codes]
        return tuple(self.columns[n] for n in keep), [tuple(row[n] for n in keep) for row in self.rows]


def cohort_children(cursor: duckdb.DuckDBPyConnection, query: CohortQuery, limit: int) -> CohortChildren:
    """The cohort's children, at most ``limit`` of them, ordered by child key."""
    sql, params = compile_children(query, limit)
    rows = cursor.execute(sql, params).fetchall()
    total = rows[0][-1] if rows else 0
    declared = definitions()
    team_names = dict(cursor.execute("SELECT team_id, any_value(team_name) FROM fact_team GROUP BY 1").fetchall())
    columns: list[str] = []
    codes: set[int] = set()
    for name, heading in declared.child_columns.items():
        if name in declared.child_words:
            codes.add(len(columns))
            columns.append(f"{heading} (code)")
        columns.append(heading)
    listed = []
    for row in rows:
        cells: list[Any] = []
        for (name, _), value in zip(declared.child_columns.items(), row[:-1], strict=True):
            field = declared.child_words.get(name)
            if field is not None:
                cells.append(value)
                cells.append(_child_words(field, value, team_names))
            else:
                cells.append(value)
        listed.append(tuple(cells))
    return CohortChildren(tuple(columns), tuple(listed), total, frozenset(codes))


def _child_words(field: str, value: Any, team_names: dict[str, str]) -> str | None:
    from childhub.codes import words_for

    if field != "team":
        return words_for(field, value)
    if value in (None, "unallocated"):
        return "Not allocated"
    return team_names.get(value) or "A team whose name is not recorded"


def filter_choices(cursor: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each filter's choices: declared ones, or the values found in the data (ethnicity, area, team)."""
    choices = {name: declared.choices for name, declared in definitions().filters.items() if declared.choices}
    from childhub.codes import words_for

    choices["ethnicity"] = tuple(
        (value, words_for("ethnicity", value) or value)
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
        (team_id, name or f"A team whose name is not recorded ({team_id})")
        for team_id, name in cursor.execute(
            "SELECT team_id, any_value(team_name) FROM fact_team GROUP BY team_id ORDER BY team_id"
        ).fetchall()
    )
    return choices
