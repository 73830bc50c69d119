"""Comparators: where the authority stands beside England, its region and its statistical neighbours.

FOUNDATION STUB (issue 16): the comparators helper replaces the body of ``comparison_for`` and adds the loader
(``childhub comparators load FILE``: the DfE's open-data CSV layout and its statistical-neighbour list), kept in
the hub database. The signature and the ``Comparison`` fields are the contract the indicator page, the scrutiny
pack and the self-evaluation read; add fields, do not rename them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings, Indicator
    from childhub.store import HubDatabase


@dataclass(frozen=True)
class Neighbour:
    """One statistical neighbour's published figure (``value`` None where it published none)."""

    name: str
    value: float | None


@dataclass(frozen=True)
class Comparison:
    """An indicator's published comparators for one year, and the authority's place among its neighbours."""

    indicator_id: str
    year: str  # the published period, as the DfE names it ("2024-25", "2025")
    england: float | None
    region: float | None
    region_name: str | None
    neighbours: tuple[Neighbour, ...]
    neighbours_average: float | None
    own_published: float | None  # the authority's own figure in the same publication
    position: int | None  # 1 = best (by the indicator's polarity) among the authority and its neighbours
    of: int | None  # how many were ranked
    source: str  # which loaded file(s) the figures came from
    synthetic: bool  # the demo's made-up comparators: every page and the pack say so


def comparison_for(
    hub: HubDatabase, ind: Indicator, authority: AuthoritySettings, value: float | None
) -> Comparison | None:
    """The published comparators of ``ind`` for ``authority`` (its ONS code names it and its neighbours), with
    ``value`` (the authority's figure now) placed among its neighbours; None when none is loaded."""
    return None
