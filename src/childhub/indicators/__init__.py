"""Indicators: DfE and Ofsted measures declared as data, counted for any date and period.

Public surface: ``library`` and ``indicator`` (the definitions), ``calculator`` (a
``Calculator`` on a read-only connection: ``figures``, ``trend``, ``children``,
``breakdown``; a figure over part of a year carries ``like_for_like``: annualised and the same
days last year), ``period_ending`` and ``series_ends`` (periods and trend dates),
``authority_for`` (the authority settings a hub runs with: ``CHILDHUB_AUTHORITY_FILE`` or the data
folder's ``authority.yml``) and ``load_authority`` (one such file: population, targets, early warnings);
``xmr_limits`` and ``early_warnings`` (the SPC rules, for any series: My team's weekly trend reads them).
"""

from childhub.indicators.compute import Calculator, Figure, Trend, calculator, figure_value, format_value
from childhub.indicators.definitions import (
    GROUP_JUDGEMENT,
    GROUPS,
    JUDGEMENT_AREAS,
    Indicator,
    IndicatorError,
    indicator,
    library,
    load_library,
)
from childhub.indicators.periods import Period, period_ending, series_ends
from childhub.indicators.published import (
    NO_SUPPRESSION,
    figure_view,
    limits_view,
    suppression_threshold,
    trend_points,
)
from childhub.indicators.targets import (
    AuthoritySettings,
    ControlLimits,
    Target,
    authority_for,
    authority_path,
    early_warnings,
    load_authority,
    xmr_limits,
)

__all__ = [
    "NO_SUPPRESSION",
    "figure_view",
    "limits_view",
    "suppression_threshold",
    "trend_points",
    "GROUPS",
    "GROUP_JUDGEMENT",
    "JUDGEMENT_AREAS",
    "AuthoritySettings",
    "Calculator",
    "ControlLimits",
    "Figure",
    "Indicator",
    "IndicatorError",
    "Period",
    "Target",
    "Trend",
    "authority_for",
    "authority_path",
    "calculator",
    "early_warnings",
    "figure_value",
    "format_value",
    "indicator",
    "library",
    "load_authority",
    "load_library",
    "period_ending",
    "series_ends",
    "xmr_limits",
]
