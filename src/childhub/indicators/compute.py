"""Counting: an indicator's SQL run for one or many periods, its figures, trend, breakdowns and children.

Every figure is computed from the event history in the store as it stands, for any as-at date:
the periods are passed to the indicator's SQL as the relation ``period``, so 24 monthly points
are one query, not 24, and the children behind a figure come from the same rows as the figure.

Three rules keep what is shown honest (docs/indicators.md, "Comparing like with like"):

- A figure counted over part of a year (a year to date, a month, a quarter) carries the same
  figure for the same days a year earlier, and a count or rate is also annualised (scaled by the
  year's days over the days counted); England's full-year comparator and the RAG are set beside
  the annualised figure, never the part-year one.
- A trend's incomplete point (the current part month) is marked partial and is not judged by the
  control limits or the run rule.
- RAG is judged on the value as it is shown (rounded to the indicator's decimals), so 84.98
  shown as 85.0% is green against a target of 85.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.indicators.definitions import (
    STANDARD_BREAKDOWNS,
    Comparator,
    Indicator,
    IndicatorError,
    PeriodType,
    indicator,
    library,
)
from childhub.indicators.periods import Frequency, Period, period_ending, series_ends
from childhub.indicators.targets import (
    AuthoritySettings,
    ControlLimits,
    Rag,
    Target,
    early_warnings,
    rag_status,
    xmr_limits,
)

if TYPE_CHECKING:
    import duckdb

    from childhub.store import Store

# The labels of the facts macro dfe_age_band (facts/sql/_macros.sql), in the order they are shown.
DFE_AGE_BANDS = ("unborn", "under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over", "unknown")


ANNUALISED_UNITS = ("count", "rate_per_10k")  # volumes: they grow with the days counted


@dataclass(frozen=True)
class LikeForLike:
    """A figure counted over part of a year, made comparable with figures for whole years: the same
    figure for the same days a year earlier, and (for a count or a rate) the figure annualised."""

    days: int  # the days counted (1 April to 4 December: 248)
    year_days: int  # the days in the year they are part of (365, or 366)
    annualised: float | None  # value x year_days / days, for a count or a rate; None for shares and averages
    last_year: float | None  # the figure for the same days a year earlier
    last_year_period: Period
    last_year_numerator: float
    last_year_denominator: float | None

    @property
    def basis(self) -> str:
        """How the figure is compared, in words: which part of the year, and what it is set beside."""
        part = f"{self.days} of {self.year_days} days"
        if self.annualised is not None:
            return f"{part}, annualised (x {self.year_days}/{self.days}); also the same days last year"
        return f"{part}; compared with the same days last year"


def shown_value(ind: Indicator, value: float | None) -> float | None:
    """``value`` rounded as it is displayed (a count to a whole number, others to the indicator's
    decimals): what RAG is judged on, so the colour always agrees with the number people read."""
    if value is None:
        return None
    decimals = 0 if ind.unit == "count" else ind.decimals
    return float(f"{value:.{decimals}f}")


@dataclass(frozen=True)
class Figure:
    """One indicator's value for one period, with what it is compared against."""

    indicator: Indicator
    period: Period
    value: float | None
    numerator: float
    denominator: float | None
    children: int  # distinct children in the numerator
    target: Target | None = None
    rag: Rag | None = None
    note: str | None = None  # why there is no value, if there is none
    warnings: tuple[str, ...] = ()
    like_for_like: LikeForLike | None = None  # for a period that is part of a year

    @property
    def comparator(self) -> Comparator | None:
        return self.indicator.comparator

    @property
    def partial(self) -> bool:
        """The period has not run its course (1 to 4 December of a month): not a point to judge."""
        return not self.period.complete

    @property
    def comparable_value(self) -> float | None:
        """The value set beside England's full-year figure and judged for RAG: the annualised value
        for a count or rate over part of a year, otherwise the value itself."""
        if self.like_for_like is not None and self.like_for_like.annualised is not None:
            return self.like_for_like.annualised
        return self.value

    @property
    def rag_basis(self) -> str | None:
        """What the RAG was judged on, in words (None without a RAG)."""
        if self.rag is None:
            return None
        shown = format_value(self.indicator, self.comparable_value)
        if self.like_for_like is not None and self.like_for_like.annualised is not None:
            return f"the annualised figure as shown, {shown}"
        return f"the value as shown, {shown}"

    def formatted(self) -> str:
        """The value as a person reads it: '22.6%', '512.3 per 10,000', '33 working days'."""
        return format_value(self.indicator, self.value)

    def as_dict(self) -> dict[str, Any]:
        ind = self.indicator
        like = self.like_for_like
        return {
            "id": ind.id,
            "name": ind.name,
            "group": ind.group,
            "unit": ind.unit,
            "polarity": ind.polarity,
            "period_type": self.period.type,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "value": _rounded(ind, self.value),
            "formatted": self.formatted(),
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "children": self.children,
            "complete": self.period.complete,
            "part_of_year": self.period.part_of_year,
            "days_counted": None if like is None else like.days,
            "days_in_year": None if like is None else like.year_days,
            "compared_as": None if like is None else like.basis,
            "annualised": None if like is None else _rounded(ind, like.annualised),
            "annualised_formatted": None
            if like is None or like.annualised is None
            else format_value(ind, like.annualised),
            "last_year_period_start": None if like is None else like.last_year_period.start.isoformat(),
            "last_year_period_end": None if like is None else like.last_year_period.end.isoformat(),
            "last_year_value": None if like is None else _rounded(ind, like.last_year),
            "last_year_formatted": None if like is None else format_value(ind, like.last_year),
            "england": None if ind.comparator is None else ind.comparator.value,
            "england_label": None if ind.comparator is None else ind.comparator.label,
            "england_formatted": None if ind.comparator is None else format_value(ind, ind.comparator.value),
            "england_source": None if ind.comparator is None else ind.comparator.source,
            "target": None if self.target is None else self.target.target,
            "tolerance": None if self.target is None else self.target.tolerance,
            "rag": self.rag,
            "rag_value": None if self.rag is None else shown_value(ind, self.comparable_value),
            "rag_basis": self.rag_basis,
            "warnings": list(self.warnings),
            "note": self.note,
        }


def _rounded(ind: Indicator, value: float | None) -> float | None:
    """A value for JSON and CSV: one decimal more than is shown."""
    return None if value is None else round(value, ind.decimals + 1)


def _number(count: float | None) -> float | int | None:
    """A count as a whole number where it is one (3, not 3.0); a sum of FTEs stays a fraction, without the
    float's noise (20.8, not 20.800000000000004)."""
    if not isinstance(count, float):
        return count
    return int(count) if count.is_integer() else round(count, 6)


@dataclass(frozen=True)
class Trend:
    """An indicator's figures at a series of dates, with control limits and early warnings."""

    indicator: Indicator
    frequency: str
    figures: tuple[Figure, ...]
    limits: ControlLimits | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def partial_note(self) -> str | None:
        """Why the last point is not judged, in words (None when every point is complete)."""
        partial = [figure for figure in self.figures if figure.partial]
        if not partial:
            return None
        if len(partial) == 1:
            (figure,) = partial
            return (
                f"{figure.period.label} is a part {figure.period.type} ({figure.period.days} days so far): "
                "shown as partial, not judged by the control limits"
            )
        return f"{len(partial)} points count part of a {partial[-1].period.type}: shown as partial, not judged"


def format_value(ind: Indicator, value: float | None) -> str:
    """A figure as people read it: its decimals, with % or "per 10,000" by unit; "-" where there is none."""
    if value is None:
        return "-"
    number = f"{value:,.{ind.decimals}f}"
    if ind.unit == "percent":
        return f"{number}%"
    if ind.unit == "rate_per_10k":
        return f"{number} per 10,000"
    if ind.unit == "count":
        return f"{value:,.0f}"
    return f"{number} {ind.value_label}" if ind.value_label else number


def _periods_cte(periods: list[Period]) -> str:
    rows = ", ".join(
        f"({index}, DATE '{period.start.isoformat()}', DATE '{period.end.isoformat()}')"
        for index, period in enumerate(periods)
    )
    return f"period AS (SELECT * FROM (VALUES {rows}) AS p(period_id, start_date, end_date))"


def figure_value(
    ind: Indicator, numerator: float, denominator: float | None, measured: float | None, population: int | None
) -> tuple[float | None, str | None]:
    """An indicator's value from its sums (numerator, denominator, the median or mean measured), with the note saying
    why there is none; ``population`` the children aged 0-17 a rate is per 10,000 of (a region's: the sum of its
    authorities')."""
    if ind.unit == "count":
        return numerator, None
    if ind.unit == "rate_per_10k":
        if population is None:
            return None, "set population_0_17 in the authority settings to get a rate"
        return numerator / population * 10_000, None
    if ind.unit in ("median", "mean"):
        return measured, None if measured is not None else "nothing to measure in the period"
    if not denominator:
        return None, "the denominator is zero in the period"
    scale = 100.0 if ind.unit == "percent" else 1.0
    return scale * numerator / denominator, None


class Calculator:
    """Indicators counted on one connection to the store, for the authority's settings."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, authority: AuthoritySettings) -> None:
        self.conn = conn
        self.authority = authority
        self._columns: dict[str, tuple[str, ...]] = {}

    # --- the SQL --------------------------------------------------------------------------

    def _prepare(self, ind: Indicator) -> None:
        from childhub.facts import prepare, referenced_facts

        prepare(self.conn, [*referenced_facts(ind.sql), "child", "allocation", "team", "worker"])

    def _counted_sql(self, ind: Indicator, periods: list[Period]) -> str:
        authority = self.authority
        population = "NULL" if authority.population_0_17 is None else str(int(authority.population_0_17))
        settings = (
            f"authority AS (SELECT CAST({float(authority.caseload_threshold)!r} AS DOUBLE) AS caseload_threshold, "
            f"CAST({population} AS BIGINT) AS population_0_17)"
        )
        return f"WITH {_periods_cte(periods)}, {settings}, counted AS (SELECT * FROM ({ind.sql}))"

    def _run(self, ind: Indicator, sql: str) -> list[tuple]:
        import duckdb

        try:
            return self.conn.execute(sql).fetchall()
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise IndicatorError(f"indicator {ind.id} ({ind.file}) could not be counted: {message}") from error

    def columns(self, ind: Indicator) -> tuple[str, ...]:
        """The columns the indicator's SQL returns."""
        if ind.id not in self._columns:
            self._prepare(ind)
            sql = (
                f"{self._counted_sql(ind, [period_ending('snapshot', date(2000, 1, 1))])} SELECT * FROM counted LIMIT 0"
            )
            import duckdb

            try:
                description = self.conn.execute(sql).description
            except duckdb.Error as error:
                message = str(error).splitlines()[0]
                raise IndicatorError(f"indicator {ind.id} ({ind.file}) could not be compiled: {message}") from error
            self._columns[ind.id] = tuple(column[0] for column in description)
        return self._columns[ind.id]

    def _with_attributes(self, ind: Indicator, periods: list[Period]) -> str:
        """The counted rows with the child's breakdown attributes at the period's end."""
        columns = self.columns(ind)
        replaced = (*STANDARD_BREAKDOWNS, "child_id", "la_child_id", "age", "team_name", "worker_name")
        own = ", ".join(f"counted.{c}" for c in columns if c not in replaced)
        team = "coalesce(counted.team_id, alloc.team_id)" if "team_id" in columns else "alloc.team_id"
        worker = "coalesce(counted.worker_id, alloc.worker_id)" if "worker_id" in columns else "alloc.worker_id"
        return f"""{self._counted_sql(ind, periods)},
        alloc AS (
            SELECT p.period_id, a.child_key, arg_max(a.team_id, a.start_date) AS team_id,
                   arg_max(a.worker_id, a.start_date) AS worker_id
            FROM period p JOIN fact_allocation a ON allocation_on(a, p.end_date)
            GROUP BY ALL
        ),
        attributed AS (
            SELECT {own},
                   dfe_age_band(ch.date_of_birth, ch.expected_date_of_birth, p.end_date) AS age_band,
                   CASE WHEN ch.date_of_birth IS NULL OR ch.date_of_birth > p.end_date THEN NULL
                        ELSE age_on(ch.date_of_birth, p.end_date) END AS age,
                   coalesce(ch.sex, 'U') AS sex, coalesce(ch.ethnicity, 'NOBT') AS ethnicity,
                   coalesce(ch.area, 'unknown') AS area, ch.child_id, ch.la_child_id,
                   coalesce({team}, 'unallocated') AS team,
                   coalesce({worker}, 'unallocated') AS worker,
                   coalesce(t.team_name, {team}, 'unallocated') AS team_name,
                   coalesce(w.worker_name, {worker}, 'unallocated') AS worker_name,
                   coalesce(t.service_area, 'unallocated') AS service_area
            FROM counted
            JOIN period p USING (period_id)
            LEFT JOIN fact_child ch ON ch.child_key = counted.child_key
            LEFT JOIN alloc ON alloc.period_id = counted.period_id AND alloc.child_key = counted.child_key
            LEFT JOIN fact_team t ON t.team_id = {team}
            LEFT JOIN fact_worker w ON w.worker_id = {worker}
        )"""

    def _aggregates(self, ind: Indicator) -> str:
        columns = self.columns(ind)
        numerator = "CAST(numerator AS DOUBLE)"
        denominator = "sum(CAST(denominator AS DOUBLE))" if "denominator" in columns else "CAST(NULL AS DOUBLE)"
        if ind.unit == "median":
            value = f"median(CAST(value AS DOUBLE)) FILTER (WHERE {numerator} > 0)"
        elif ind.unit == "mean":
            value = f"avg(CAST(value AS DOUBLE)) FILTER (WHERE {numerator} > 0)"
        else:
            value = "CAST(NULL AS DOUBLE)"
        children = f"count(DISTINCT child_key) FILTER (WHERE {numerator} > 0)"
        return f"coalesce(sum({numerator}), 0), {denominator}, {value}, {children}"

    # --- figures --------------------------------------------------------------------------

    def _figure(self, ind: Indicator, period: Period, row: tuple | None, last_year: tuple | None = None) -> Figure:
        numerator, denominator, measured, children = row if row is not None else (0.0, None, None, 0)
        value, note = self._value(ind, numerator, denominator, measured)
        like = None if last_year is None else self._like_for_like(ind, period, value, last_year)
        target = self.authority.targets.get(ind.id)
        figure = Figure(
            indicator=ind,
            period=period,
            value=value,
            numerator=numerator,
            denominator=denominator,
            children=children,
            target=target,
            note=note,
            like_for_like=like,
        )
        rag = rag_status(shown_value(ind, figure.comparable_value), target, ind.polarity)
        return replace(figure, rag=rag)

    def _like_for_like(self, ind: Indicator, period: Period, value: float | None, last_year: tuple) -> LikeForLike:
        """The part-year figure made comparable: annualised (a count or rate) and the same days last year."""
        numerator, denominator, measured, _ = last_year
        before, _ = self._value(ind, numerator, denominator, measured)
        annualised = None
        if ind.unit in ANNUALISED_UNITS and value is not None:
            annualised = value * period.year_days / period.days
        return LikeForLike(
            days=period.days,
            year_days=period.year_days,
            annualised=annualised,
            last_year=before,
            last_year_period=period.a_year_earlier(),
            last_year_numerator=numerator,
            last_year_denominator=denominator,
        )

    def _value(self, ind: Indicator, numerator: float, denominator: float | None, measured: float | None):
        return figure_value(ind, numerator, denominator, measured, self.authority.population_0_17)

    def _counted(self, ind: Indicator, periods: list[Period]) -> list[tuple]:
        """The aggregate row (numerator, denominator, measured value, children) of each period, in order."""
        for period in periods:
            if period.type not in ind.allowed_periods:
                allowed = ", ".join(ind.allowed_periods)
                raise IndicatorError(f"{ind.id} is counted {allowed}, not by {period.type}")
        self._prepare(ind)
        sql = (
            f"{self._counted_sql(ind, periods)} SELECT period_id, {self._aggregates(ind)} "
            "FROM counted GROUP BY period_id"
        )
        by_period = {row[0]: row[1:] for row in self._run(ind, sql)}
        return [by_period.get(index, (0.0, None, None, 0)) for index in range(len(periods))]

    def counted_rows(self, ind: Indicator, periods: list[Period]) -> list[tuple]:
        """The rows a figure is counted from, for each period: (period index, child_key, item_id, numerator,
        denominator, value), item_id, denominator and value None where the indicator has none (a region pools these:
        childhub.region)."""
        self._prepare(ind)
        columns = self.columns(ind)
        item = "CAST(item_id AS VARCHAR)" if "item_id" in columns else "CAST(NULL AS VARCHAR)"
        denominator = "CAST(denominator AS DOUBLE)" if "denominator" in columns else "CAST(NULL AS DOUBLE)"
        value = "CAST(value AS DOUBLE)" if "value" in columns else "CAST(NULL AS DOUBLE)"
        sql = (
            f"{self._counted_sql(ind, periods)} SELECT period_id, CAST(child_key AS VARCHAR), {item}, "
            f"CAST(numerator AS DOUBLE), {denominator}, {value} FROM counted ORDER BY ALL"
        )
        return self._run(ind, sql)

    def calculate(self, ind: Indicator, periods: list[Period]) -> list[Figure]:
        """The indicator for each period, in the order given (a trend's points: no like-for-like figures)."""
        if not periods:
            return []
        rows = self._counted(ind, periods)
        return [self._figure(ind, period, row) for period, row in zip(periods, rows, strict=True)]

    def figure(self, ind: Indicator, period: Period) -> Figure:
        """The indicator over ``period``; over part of a year, with the same days a year earlier (counted in
        the same query) and, for a count or rate, annualised: what a table or a card shows."""
        if not period.part_of_year:
            return self.calculate(ind, [period])[0]
        row, last_year = self._counted(ind, [period, period.a_year_earlier()])
        return self._figure(ind, period, row, last_year)

    def figures(self, as_at: date, ids: list[str] | None = None, period: PeriodType | None = None) -> list[Figure]:
        """Every indicator (or those named) on ``as_at``, over its own period or ``period`` where allowed."""
        chosen = [indicator(i) for i in ids] if ids else list(library().values())
        figures = []
        for ind in chosen:
            period_type = period if period in ind.allowed_periods else ind.period
            figures.append(self.figure(ind, period_ending(period_type, as_at)))
        return figures

    def trend(
        self,
        indicator_id: str,
        as_at: date,
        frequency: Frequency = "monthly",
        points: int | None = None,
        period: PeriodType | None = None,
    ) -> Trend:
        """The indicator at ``points`` dates ending ``as_at``, with XmR limits and early warnings.

        Each point is counted over ``period`` (default: the month for event indicators, so the
        points do not overlap; the date itself for snapshots).
        """
        ind = indicator(indicator_id)
        points = points or self.authority.early_warning.points
        if period is None:
            period = "snapshot" if ind.period == "snapshot" else "month"
            if period not in ind.allowed_periods:
                period = ind.period
        ends = series_ends(as_at, frequency, points)
        figures = self.calculate(ind, [period_ending(period, end) for end in ends])
        # Only complete points are judged: a part month is still filling up (docs/indicators.md).
        values = [figure.value for figure in figures if not figure.partial]
        limits = xmr_limits([value for value in values if value is not None])
        warnings = early_warnings(
            values, ind.polarity, self.authority.early_warning.run_length, lambda value: format_value(ind, value)
        )
        return Trend(ind, frequency, tuple(figures), limits, tuple(warnings))

    # --- behind the figure ----------------------------------------------------------------

    def children(
        self, indicator_id: str, as_at: date, period: PeriodType | None = None, part: str = "numerator"
    ) -> list[dict[str, Any]]:
        """The rows behind a figure: each thing counted in the numerator (or denominator), with its child."""
        ind = indicator(indicator_id)
        if part not in ("numerator", "denominator"):
            raise IndicatorError("part is numerator or denominator")
        if part == "denominator" and not ind.has_denominator_children:
            raise IndicatorError(
                f"{ind.id} is a {ind.unit.replace('_', ' ')}: its denominator is not children in the data"
            )
        chosen = period_ending(period or ind.period, as_at)
        if chosen.type not in ind.allowed_periods:
            raise IndicatorError(f"{ind.id} is counted {', '.join(ind.allowed_periods)}, not by {chosen.type}")
        self._prepare(ind)
        columns = self.columns(ind)
        extra = [c for c in ("item_id", "event_date", "value") if c in columns]
        own = [b for b in ind.breakdowns if b not in STANDARD_BREAKDOWNS]
        shown = ["child_key", "child_id", "la_child_id", *extra, "numerator"]
        if "denominator" in columns:
            shown.append("denominator")
        shown += ["age", "age_band", "sex", "ethnicity", "area", "team", "team_name", "worker", "worker_name", *own]
        sql = (
            f"{self._with_attributes(ind, [chosen])} SELECT {', '.join(shown)} FROM attributed "
            f"WHERE CAST({part} AS DOUBLE) > 0 ORDER BY {'event_date, ' if 'event_date' in columns else ''}child_key"
        )
        return [dict(zip(shown, row, strict=True)) for row in self._run(ind, sql)]

    def breakdown(
        self, indicator_id: str, as_at: date, by: str, period: PeriodType | None = None
    ) -> list[dict[str, Any]]:
        """The figure split by ``by`` (age band, sex, ethnicity, team, worker, area, or the indicator's own)."""
        ind = indicator(indicator_id)
        if by not in ind.breakdowns:
            raise IndicatorError(f"{ind.id} breaks down by {', '.join(ind.breakdowns)}, not by {by}")
        chosen = period_ending(period or ind.period, as_at)
        self._prepare(ind)
        label = {"team": "team_name", "worker": "worker_name"}.get(by, by)
        sql = (
            f"{self._with_attributes(ind, [chosen])} SELECT {by} AS grp, any_value({label}) AS label, "
            f"{self._aggregates(ind)} FROM attributed GROUP BY grp ORDER BY grp"
        )
        rows = []
        for group, name, numerator, denominator, measured, children in self._run(ind, sql):
            if ind.unit == "rate_per_10k":  # no population per group: show the count
                value, note = None, "no population for the group; see the count"
            else:
                value, note = self._value(ind, numerator, denominator, measured)
            rows.append(
                {
                    by: group,
                    "label": name,  # the team's or worker's name where the case system gives one
                    "value": value,
                    "formatted": format_value(ind, value),
                    "numerator": numerator,
                    "denominator": denominator,
                    "children": children,
                    "note": note,
                }
            )
        if by == "age_band":
            order = {band: i for i, band in enumerate(DFE_AGE_BANDS)}
            rows.sort(key=lambda row: order.get(row[by], 99))
        return rows


@contextmanager
def calculator(store: Store, authority: AuthoritySettings) -> Iterator[Calculator]:
    """A Calculator on a read-only connection to ``store``, with the authority's settings
    (``childhub.indicators.authority_for`` finds them)."""
    with store.reader() as conn:
        yield Calculator(conn, authority)
