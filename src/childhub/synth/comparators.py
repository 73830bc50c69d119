"""Synthetic comparators for the demo: made-up DfE files in their real layouts, every name marked "(synthetic)".

Two open-data CSV files in the explore-education-statistics layout (children looked after per 10,000, as the DfE's
"CLA numbers and rates per 10,000" data set; development assessments of children under 5 in care, as its "conviction
and health outcomes" data set) and a statistical-neighbour list for the synthetic authority and ten made-up
neighbours. Nothing in them is a real figure or a real authority: England and the region are marked too. The
figures come from their own random stream, so the rest of the generator's output is untouched by them.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from childhub.exports import private_file, private_folder, write_csv

SYNTHETIC_ONS_CODE = "E06000990"  # no real authority has it (unitary codes run to E06000066)
SYNTHETIC_REGION = ("E12000990", "Middle Marches (synthetic)")
ENGLAND = ("E92000001", "England (synthetic)")
NEIGHBOURS = (
    ("E06000991", "981", "Brackenford (synthetic)"),
    ("E06000992", "982", "Coldwater Vale (synthetic)"),
    ("E06000993", "983", "Dunmere (synthetic)"),
    ("E06000994", "984", "Eastholm (synthetic)"),
    ("E06000995", "985", "Fallowfield Borough (synthetic)"),
    ("E06000996", "986", "Greystone (synthetic)"),
    ("E06000997", "987", "Hartwell (synthetic)"),
    ("E06000998", "988", "Ivybridge Marsh (synthetic)"),
    ("E06000999", "989", "Juniper Bay (synthetic)"),
    ("E06000989", "979", "Kestrel Downs (synthetic)"),
)
PLACE_COLUMNS = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "la_name",
    "new_la_code",
)
CLA_RATES_FILE = "synthetic_cla_rates_per_10000_la.csv"
HEALTH_FILE = "synthetic_cla_health_outcomes_la.csv"
NEIGHBOURS_FILE = "synthetic_statistical_neighbours.csv"


def _places(authority_name: str, la_number: str) -> list[tuple[str, str, str, str, str, str]]:
    """(level, region code, region name, old code, LA name, new code) for England, the region and each LA."""
    region_code, region_name = SYNTHETIC_REGION
    las = [(SYNTHETIC_ONS_CODE, la_number, authority_name), *NEIGHBOURS]
    return [
        ("National", "", "", "", "", ""),
        ("Regional", region_code, region_name, "", "", ""),
        *(("Local authority", region_code, region_name, old, name, code) for code, old, name in las),
    ]


def _years(as_at: date) -> list[int]:
    """The two latest reporting years (to 31 March) published by ``as_at`` (each published the following autumn)."""
    latest = as_at.year - 1 if as_at < date(as_at.year, 11, 1) else as_at.year
    return [latest - 1, latest]


def write_synthetic_comparators(
    folder: Path, authority_name: str, as_at: date, seed: int = 1, la_number: str = "001"
) -> list[Path]:
    """Write the synthetic comparator files into ``folder`` (owner-only) and return their paths, in the order to
    load them (the figures first: the neighbour list names the authorities they hold)."""
    rng = random.Random(f"{seed}:comparators")
    private_folder(folder)
    country_code, country_name = ENGLAND
    years = _years(as_at)
    places = _places(authority_name, la_number)

    cla_rows, health_rows = [], []
    for year in years:
        for level, region_code, region_name, old, name, code in places:
            place = [str(year), "Reporting year", level, country_code, country_name, region_code, region_name, old,
                     name, code]  # fmt: skip
            population = rng.randint(30_000, 90_000) * (1 if level == "Local authority" else 40)
            rate = round(rng.uniform(45, 110), 0)
            for population_type, share in (
                ("Children looked after on 31 March each year", 1.0),
                ("Children starting to be looked after each year", 0.38),
                ("Children ceasing to be looked after each year", 0.36),
            ):
                count = round(population * rate * share / 10_000)
                cla_rows.append([*place, population_type, population, count, round(rate * share)])
            total = rng.randint(15, 60) * (1 if level == "Local authority" else 40)
            up_to_date = round(total * rng.uniform(0.72, 0.95))
            percent = str(round(100 * up_to_date / total))
            if name.startswith("Dunmere") and year == years[-1]:
                up_to_date, percent = "c", "c"  # a small number the DfE would suppress
            health_rows.append(
                [
                    *place,
                    "Development assessments: Children looked after ages 0 to 4 years",
                    "Development assessments up to date",
                    up_to_date,
                    percent,
                ]  # fmt: skip
            )
            health_rows.append(
                [
                    *place,
                    "Development assessments: Children looked after ages 0 to 4 years",
                    "Total ages 0 to 4 years",
                    total,
                    100,
                ]  # fmt: skip
            )
    paths = [
        _write(
            folder / CLA_RATES_FILE,
            [*PLACE_COLUMNS, "population_type", "population_estimate", "children_count", "rate_per_10000"],
            cla_rows,
        ),  # fmt: skip
        _write(
            folder / HEALTH_FILE,
            [*PLACE_COLUMNS, "characteristic", "breakdown", "children_count", "children_percent"],
            health_rows,
        ),  # fmt: skip
    ]
    las = [(SYNTHETIC_ONS_CODE, la_number, authority_name), *NEIGHBOURS]
    neighbour_rows = []
    for code, old, name in las:
        others = [other for other in las if other[0] != code]
        rng.shuffle(others)
        neighbour_rows.append([code, old, name, *(other[2] for other in others[:10])])
    header = ["new_la_code", "old_la_code", "la_name", *(f"SN{rank}" for rank in range(1, 11))]
    paths.append(_write(folder / NEIGHBOURS_FILE, header, neighbour_rows))
    return paths


def _write(path: Path, columns: list[str], rows: list[list]) -> Path:
    private_file(path)
    write_csv(path, columns, rows)
    private_file(path)
    return path
