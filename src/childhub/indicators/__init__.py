"""Indicators: DfE and Ofsted measures declared as data, counted for any date and period.

Public surface: ``library`` and ``indicator`` (the definitions), ``calculator`` (a
``Calculator`` on a read-only connection: ``figures``, ``trend``, ``children``,
``breakdown``), ``period_ending`` and ``series_ends`` (periods and trend dates),
``load_authority`` (the authority settings file: population, targets, early warnings).
"""

from childhub.indicators.compute import Calculator, Figure, Trend, authority_settings, calculator, format_value
from childhub.indicators.definitions import Indicator, IndicatorError, indicator, library, load_library
from childhub.indicators.periods import Period, period_ending, series_ends
from childhub.indicators.targets import AuthoritySettings, Target, load_authority

__all__ = [
    "AuthoritySettings",
    "Calculator",
    "Figure",
    "Indicator",
    "IndicatorError",
    "Period",
    "Target",
    "Trend",
    "authority_settings",
    "calculator",
    "format_value",
    "indicator",
    "library",
    "load_authority",
    "load_library",
    "period_ending",
    "series_ends",
]
