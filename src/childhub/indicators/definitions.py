"""The indicator library: one YAML file per indicator in ``library/``, loaded into frozen models.

A definition says what the indicator is in plain English and how it is counted, in SQL over
the facts (``childhub.facts``) and a relation ``period`` (``period_id``, ``start_date``,
``end_date``: one row per period being calculated); the one-row relation ``authority``
(``caseload_threshold``, ``population_0_17``) holds the authority's settings. The SQL returns one row per thing counted
(a referral, a child, a plan, a worker) and period:

=================  ===========================================================================
``period_id``      the period the row counts in (required)
``child_key``      the child the row is about (required; NULL for a row that is not a child)
``item_id``        what the row is (a referral ID, a plan ID); optional, defaults to the child
``event_date``     the date that put the row in the period; optional
``numerator``      BOOLEAN or a number: the row's part of the numerator (required)
``denominator``    BOOLEAN or a number: its part of the denominator (required for ``percent``
                   and ``ratio``)
``value``          a number, for ``median`` and ``mean`` (taken over numerator rows)
``team_id``,       the team and worker the row belongs to; without them, the child's allocation
``worker_id``      at the period's end is used
any other column   named in ``breakdowns``, for breakdowns of the indicator's own
=================  ===========================================================================

Everything is checked when the library loads, and every problem reported at once, naming the
file and the field.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from childhub.declared import Frozen, Problems, declared_files, load_yaml, raise_if_any
from childhub.errors import ChildhubError

LIBRARY_DIR = Path(__file__).parent / "library"

Unit = Literal["percent", "rate_per_10k", "count", "median", "mean", "ratio"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
PeriodType = Literal["snapshot", "month", "quarter", "year", "rolling_6", "rolling_12"]
EVENT_PERIODS: tuple[PeriodType, ...] = ("month", "quarter", "year", "rolling_6", "rolling_12")
STANDARD_BREAKDOWNS = ("age_band", "sex", "ethnicity", "team", "worker", "area", "service_area")
GROUPS = {
    "front_door": "Contacts and referrals",
    "assessment": "Assessments",
    "child_protection": "Section 47 and child protection",
    "children_in_need": "Children in need",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "adoption": "Adoption",
    "workforce": "Workforce and caseloads",
    "early_help": "Early help",
    "cross_service": "Across services",
}
# Ofsted's ILACS judgements (the framework as updated in January 2023, with care leavers judged on their own): the
# scrutiny pack and the self-evaluation group the indicators under them, each group under one judgement.
JUDGEMENT_AREAS = {
    "help_and_protection": "The experiences and progress of children who need help and protection",
    "children_in_care": "The experiences and progress of children in care",
    "care_leavers": "The experiences and progress of care leavers",
    "leadership": "The impact of leaders on social work practice with children and families",
}
GROUP_JUDGEMENT = {
    "front_door": "help_and_protection",
    "assessment": "help_and_protection",
    "child_protection": "help_and_protection",
    "children_in_need": "help_and_protection",
    "early_help": "help_and_protection",
    "cross_service": "help_and_protection",
    "children_in_care": "children_in_care",
    "adoption": "children_in_care",
    "care_leavers": "care_leavers",
    "workforce": "leadership",
}
_ID = r"^[a-z][a-z0-9_]*$"


class IndicatorError(ChildhubError):
    """The indicator library is broken, or an indicator, period or date was asked for that it has not."""


class Comparator(Frozen):
    """The England figure shown beside the authority's own, with its year and where it came from."""

    value: float
    year: str = Field(min_length=4)
    source: str = Field(min_length=3)
    basis: Literal["published", "derived", "unverified"] = "published"
    note: str | None = None

    @property
    def label(self) -> str:
        tag = "" if self.basis == "published" else f" ({self.basis})"
        return f"England {self.year}{tag}"


class Indicator(Frozen):
    """One indicator, as declared in its file."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=3)
    definition: str = Field(min_length=20)
    group: str
    unit: Unit
    polarity: Polarity
    period: PeriodType
    periods: tuple[PeriodType, ...] = ()
    counts: str = Field(min_length=3, description="what one row of the numerator is, plural: 'referrals'")
    breakdowns: tuple[str, ...] = STANDARD_BREAKDOWNS
    owner: str = Field(min_length=3)
    source: str = Field(min_length=3)
    comparator: Comparator | None = None
    value_label: str | None = Field(default=None, description="what a median, mean or ratio is in: 'working days'")
    decimals: int = Field(default=1, ge=0, le=3)
    sql: str = Field(min_length=20)
    file: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.group not in GROUPS:
            raise ValueError(f"group {self.group!r} is not one of {', '.join(GROUPS)}")
        allowed = self.allowed_periods
        if self.period not in allowed:
            raise ValueError(f"period {self.period!r} is not among the allowed periods {list(allowed)}")
        if self.period == "snapshot" and any(p != "snapshot" for p in self.periods):
            raise ValueError("a snapshot indicator is counted on a date; it cannot also have periods")
        if not re.search(r"\bperiod\b", self.sql):
            raise ValueError("sql must read the relation 'period' (period_id, start_date, end_date)")
        for column in ("period_id", "child_key", "numerator"):
            if not re.search(rf"\b{column}\b", self.sql):
                raise ValueError(f"sql must return a column {column}")
        if self.unit in ("percent", "ratio") and not re.search(r"\bdenominator\b", self.sql):
            raise ValueError(f"a {self.unit} needs a denominator column in its sql")
        if self.unit in ("median", "mean") and not re.search(r"\bvalue\b", self.sql):
            raise ValueError(f"a {self.unit} needs a value column in its sql")
        for breakdown in self.breakdowns:
            if not re.fullmatch(_ID[1:-1], breakdown):
                raise ValueError(f"breakdown {breakdown!r} should be snake_case")
            if breakdown not in STANDARD_BREAKDOWNS and not re.search(rf"\b{breakdown}\b", self.sql):
                raise ValueError(f"breakdown {breakdown!r} is neither standard nor a column of the sql")
        return self

    @property
    def allowed_periods(self) -> tuple[PeriodType, ...]:
        if self.periods:
            return self.periods
        return ("snapshot",) if self.period == "snapshot" else EVENT_PERIODS

    @property
    def has_denominator_children(self) -> bool:
        """A rate's denominator is the population setting, not children in the data."""
        return self.unit in ("percent", "ratio")


def _load_file(path: Path, problems: Problems) -> Indicator | None:
    indicator = load_yaml(path, Indicator, problems, file=path.name)
    if indicator is not None and indicator.id != path.stem:
        problems.add(path.name, "id", f"is {indicator.id!r}, but the file name says {path.stem!r}")
    return indicator


def load_library(directory: Path = LIBRARY_DIR) -> dict[str, Indicator]:
    """Every indicator in ``directory``, checked; one IndicatorError lists every problem found."""
    from childhub.facts import fact_names

    problems = Problems()
    indicators: dict[str, Indicator] = {}
    known_facts = set(fact_names())
    for path in declared_files(directory, "*.yml", "indicator", problems):
        indicator = _load_file(path, problems)
        if indicator is None:
            continue
        for fact in sorted(set(re.findall(r"\bfact_([a-z][a-z0-9_]*)\b", indicator.sql)) - known_facts):
            problems.add(path.name, "sql", f"reads fact_{fact}, which childhub.facts does not have")
        indicators[indicator.id] = indicator
    raise_if_any(problems, f"The indicator library in {directory}", IndicatorError)
    return dict(sorted(indicators.items(), key=lambda item: (list(GROUPS).index(item[1].group), item[0])))


@cache
def library() -> dict[str, Indicator]:
    """The indicator library childhub ships, in group order."""
    return load_library()


def indicator(indicator_id: str) -> Indicator:
    """One indicator by ID; IndicatorError naming the near misses if there is none."""
    indicators = library()
    if indicator_id in indicators:
        return indicators[indicator_id]
    import difflib

    close = difflib.get_close_matches(indicator_id, list(indicators), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; childhub indicators lists them"
    raise IndicatorError(f"there is no indicator {indicator_id!r}{hint}")
