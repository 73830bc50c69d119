"""Weighted draws from the generator's hand-written name and place lists (``data/``)."""

from __future__ import annotations

import csv
import random
from bisect import bisect_right
from functools import lru_cache
from importlib import resources
from itertools import accumulate


class WeightedChoice:
    """Draw items with probability proportional to their weights, quickly."""

    __slots__ = ("items", "_cumulative", "_total")

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self._cumulative = list(accumulate(weights))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect_right(self._cumulative, rng.random() * self._total)]


def _rows(file_name: str) -> list[dict[str, str]]:
    text = resources.files("childhub.synth").joinpath("data", file_name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


class NameBank:
    """First names by sex, surnames, streets and localities."""

    def __init__(self) -> None:
        first = _rows("first_names.csv")
        self.first = {
            sex: WeightedChoice(
                [row["name"] for row in first if row["sex"] == sex],
                [float(row["weight"]) for row in first if row["sex"] == sex],
            )
            for sex in ("M", "F")
        }
        surnames = _rows("surnames.csv")
        self.surname = WeightedChoice([row["name"] for row in surnames], [float(row["weight"]) for row in surnames])
        self.streets = [f"{row['name']} {row['suffix']}" for row in _rows("streets.csv")]
        localities = _rows("localities.csv")
        self.home_localities = [
            (row["locality"], row["postcode_district"])
            for row in localities
            if row["postcode_district"].startswith("QX")
        ]
        self.neighbour_localities = [
            (row["locality"], row["postcode_district"])
            for row in localities
            if row["postcode_district"].startswith("QY")
        ]


@lru_cache(maxsize=1)
def name_bank() -> NameBank:
    return NameBank()
