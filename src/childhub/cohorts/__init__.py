"""Cohorts: a population of children, filtered, counted by one or two groupings, over a period.

A cohort is declared, not written: ``CohortQuery`` names a population, a period ending on an as-at
date, filters and groupings, each from the declarations in ``definitions.yml`` (``POPULATIONS``,
``FILTERS``, ``GROUPINGS``), loaded and checked by ``definitions``. ``compile_cohort`` turns one into
SQL over the facts: the population's SQL gives the children's ``child_key``; every child then gets
the same attributes as at the end of the period (age band, sex, ethnicity, area, allocated team, the
services known during the period); the filters are predicates over those attributes and the
groupings are their columns. Column names come only from the declarations, and every value is bound
as a parameter.

A period is a day (``snapshot``: as at the date) or the month, quarter, year (from 1 April) or 12
months ending on it (``childhub.indicators.periods.period_ending``). A child is in a population
over a period if the spell that puts them there overlapped it: it started on or before the last
day and had not ended on or before the first (so as at a date, it started on or before the date
and had not ended on or before it, as the indicators count). The rules and the age bands are the
facts' macros (``facts/sql/_macros.sql``: ``open_during``, ``allocation_on``, ``cohort_age_band``).
"""

from childhub.cohorts.compile import compile_children, compile_cohort
from childhub.cohorts.count import (
    CohortChildren,
    CohortResult,
    CohortRow,
    cohort_children,
    count_cohort,
    filter_choices,
)
from childhub.cohorts.definitions import (
    CohortError,
    Definitions,
    Filter,
    Grouping,
    Population,
    definitions,
    load_definitions,
)
from childhub.cohorts.model import CohortQuery, cohort_query

POPULATIONS = definitions().populations
PERIODS = definitions().periods
FILTERS = definitions().filters
GROUPINGS = definitions().groupings

__all__ = [
    "FILTERS",
    "GROUPINGS",
    "PERIODS",
    "POPULATIONS",
    "CohortChildren",
    "CohortError",
    "CohortQuery",
    "CohortResult",
    "CohortRow",
    "Definitions",
    "Filter",
    "Grouping",
    "Population",
    "cohort_children",
    "cohort_query",
    "compile_children",
    "compile_cohort",
    "count_cohort",
    "definitions",
    "filter_choices",
    "load_definitions",
]
