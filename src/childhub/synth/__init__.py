"""The synthetic local authority: realistic children's data with known truth.

``generate(...)`` builds an authority (households, children, service histories),
then writes each source system's extract in its real format, and ``truth.csv``
which says which source records belong to the same person and household. The same
seed, size, date and noise always give the same files. The output folder holds:

    extracts/       what the authority's systems send: the folder to ingest
    mappings/       how to read the extracts that have no national format (``mapping_files()``)
    truth.csv       which records are the same child, for evaluating linkage; never ingested
    manifest.json   how the authority was made, and the rows in each file
    dq_errors.csv   the data-quality errors planted on purpose (with ``dq_errors``)

so ``childhub ingest OUT/extracts --mapping OUT/mappings`` loads it.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from childhub.calendar import age_on
from childhub.errors import SynthError
from childhub.synth.comparators import SYNTHETIC_ONS_CODE, write_synthetic_comparators  # issue 16: benchmarking

SIZES = {"tiny": 2_000, "small": 20_000, "medium": 80_000, "large": 300_000}
AUTHORITY_NAME = "Ashmere Borough Council (synthetic)"
# DfE's pseudo LA code 001 keeps UPNs well-formed without posing as a real authority.
LA_NUMBER = 1
DEFAULT_NOISE = 0.05
# A synthetic region's movers (``generate_region``): ONS counted about 2.85 million people moving between local
# authorities in England and Wales in the year to June 2015, about 5% of residents; young adults (students) lift the
# all-age rate and children move less, so a child's household moves to another authority in about 4% of years
# (docs/synthetic-authority.md, "A synthetic region").
DEFAULT_MOVERS = 0.04
GENERATOR_VERSION = 1
EXTRACTS, MAPPINGS = "extracts", "mappings"  # folders of the output


class Progress(Protocol):
    """Told what a long job is doing: a step, and how far through it (when that is known)."""

    def __call__(self, step: str, done: int | None = None, total: int | None = None) -> None: ...


def _quiet(step: str, done: int | None = None, total: int | None = None) -> None:
    return None


@dataclass
class SynthResult:
    """What ``generate`` wrote: where, for which authority, and the rows in each file."""

    out: Path
    size: str
    seed: int
    as_at: date
    children_0_17: int
    files: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def extracts(self) -> Path:
        """The folder of source-system extracts: the one to ingest."""
        return self.out / EXTRACTS

    @property
    def mappings(self) -> Path:
        """A copy of ``mapping_files()``, beside the extracts."""
        return self.out / MAPPINGS


def mapping_files() -> list[Path]:
    """The mapping files that read the synthetic authority's own layouts (case management and
    the partner systems' CSVs), to pass to ingest as an authority passes its own."""
    return sorted(Path(__file__).with_name(MAPPINGS).glob("*.yml"))


def history_start_for(as_at: date) -> date:
    """1 April three full reporting years before the last 31 March on or before ``as_at``."""
    last_march = date(as_at.year if as_at >= date(as_at.year, 3, 31) else as_at.year - 1, 3, 31)
    return date(last_march.year - 3, 4, 1)


def build_authority(
    size: str | int,
    seed: int,
    as_at: date,
    progress: Progress | None = None,
    *,
    name: str = AUTHORITY_NAME,
    la_number: int = LA_NUMBER,
):
    """The in-memory authority (ground truth), before any extract is written. ``name`` and ``la_number`` (the DfE's
    three-digit code, in every UPN) tell a region's authorities apart (``childhub.synth.region``)."""
    from childhub.synth.model import Authority
    from childhub.synth.population import build_households
    from childhub.synth.services import Schools, ServicesSimulator
    from childhub.synth.social_care import (
        UASC_ARRIVALS_PER_10K_CHILDREN_YEAR,
        SocialCareSimulator,
        Workforce,
        unaccompanied_arrival,
    )

    children_target = SIZES[size] if isinstance(size, str) else int(size)
    history_start = history_start_for(as_at)
    builder, households = build_households(
        random.Random(f"{seed}:population"), children_target, as_at, la_number, history_start
    )
    workforce = Workforce(random.Random(f"{seed}:workforce"), children_target)
    simulator = SocialCareSimulator(random.Random(f"{seed}:social-care"), as_at, history_start, workforce)
    simulator.population = builder
    simulator.households_by_id = {h.household_id: h for h in households}
    say = progress or _quiet
    for done, household in enumerate(households):
        simulator.simulate(household)
        if done % 2000 == 0:
            say("simulating social care", done, len(households))
    # unaccompanied asylum-seeking children arrive alone over the simulated years
    arrivals_rng = random.Random(f"{seed}:uasc")
    years = (as_at - simulator.sim_start).days / 365.25
    expected = UASC_ARRIVALS_PER_10K_CHILDREN_YEAR * children_target / 10_000 * years
    for _ in range(round(expected)):
        day = simulator.sim_start + timedelta(days=arrivals_rng.randint(0, (as_at - simulator.sim_start).days))
        household = builder.unaccompanied_child(day)
        simulator.households_by_id[household.household_id] = household
        households.append(household)
        unaccompanied_arrival(simulator, household.children[0], day)
    schools = Schools(random.Random(f"{seed}:schools"), la_number, children_target)
    services = ServicesSimulator(random.Random(f"{seed}:services"), as_at, history_start, schools)
    for done, household in enumerate(households):
        services.simulate(household)
        if done % 2000 == 0:
            say("simulating schools and partner services", done, len(households))
    return Authority(
        name=name,
        la_number=la_number,
        as_at=as_at,
        history_start=history_start,
        households=households,
        teams=workforce.teams,
        workers=workforce.workers,
        schools=schools.all,
    )


def generate(
    size: str | int,
    seed: int,
    as_at: date,
    out: Path,
    *,
    noise: float = DEFAULT_NOISE,
    dq_errors: int = 0,
    progress: Progress | None = None,
) -> SynthResult:
    """Generate an authority: every source system's extract into ``out/extracts``, and beside it
    the mappings, ``truth.csv``, ``manifest.json`` and (with ``dq_errors``) ``dq_errors.csv``."""
    import time

    check_parameters(size, noise, as_at)
    started = time.perf_counter()
    say = progress or _quiet
    out = Path(out)
    _prepare_folder(out)
    say("building households and service histories")
    authority = build_authority(size, seed, as_at, progress)
    result, _ = write_authority(authority, str(size), seed, out, noise=noise, dq_errors=dq_errors, progress=progress)
    result.seconds = time.perf_counter() - started
    return result


def check_parameters(size: str | int, noise: float, as_at: date) -> None:
    """Refuse a size, noise rate or as-at date the generator cannot make (one line each)."""
    if isinstance(size, str) and size not in SIZES:
        raise SynthError(f"unknown size {size!r}: choose one of {', '.join(SIZES)}")
    if not 0 <= noise <= 0.5:
        raise SynthError(f"noise must be between 0 and 0.5, not {noise}")
    if as_at < date(2018, 3, 31):
        raise SynthError(
            "the as-at date must be on or after 31 March 2018 (SSDA903 and CIN formats before that are not generated)"
        )


def _prepare_folder(out: Path) -> None:
    """An empty folder to write into (a synthetic authority written there before is replaced)."""
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").exists():
            raise SynthError(f"{out} is not empty and is not a childhub synthetic authority; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def write_authority(
    authority,
    size: str,
    seed: int,
    out: Path,
    *,
    noise: float = DEFAULT_NOISE,
    dq_errors: int = 0,
    progress: Progress | None = None,
    children_0_17: int | None = None,
    manifest_extra: dict | None = None,
) -> tuple[SynthResult, list[tuple[str, str, str, str]]]:
    """Write a built authority into the empty folder ``out`` (what ``generate`` writes), and its truth rows
    (source, source_record_id, person_id, household_id). ``children_0_17`` overrides the count of the
    authority's children (a region's authority leaves out the families that moved away); ``manifest_extra``
    adds keys to manifest.json."""
    import time

    from childhub.synth.extracts.case_management import write_case_management
    from childhub.synth.extracts.cin_census import write_cin_census
    from childhub.synth.extracts.partners import (
        write_education,
        write_neet,
        write_police,
        write_sen,
        write_youth_justice,
    )
    from childhub.synth.extracts.practice import write_practice
    from childhub.synth.extracts.registry import SourceRegistry
    from childhub.synth.extracts.social_care_system import SocialCareSystem, collection_years
    from childhub.synth.extracts.ssd import FOLDER as SSD_FOLDER
    from childhub.synth.extracts.ssd import write_ssd
    from childhub.synth.extracts.ssda903 import write_ssda903

    started = time.perf_counter()
    say = progress or _quiet
    as_at = authority.as_at
    extracts = out / EXTRACTS
    (out / MAPPINGS).mkdir()
    for mapping in mapping_files():
        shutil.copyfile(mapping, out / MAPPINGS / mapping.name)

    registry = SourceRegistry(authority, seed, noise)
    files: dict[str, int] = {}

    def record(folder: str, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            files[f"{EXTRACTS}/{folder}/{name}"] = count

    say("writing social-care extracts")
    social = SocialCareSystem(authority, registry, random.Random(f"{seed}:social-care-extracts"))
    record("social_care/case_management", write_case_management(social, extracts / "social_care" / "case_management"))
    for year in collection_years(authority.history_start, as_at):
        ssda903 = f"social_care/ssda903/{year}"
        record(ssda903, write_ssda903(social, extracts / ssda903, year))
        name = f"social_care/cin_census/CIN_Census_{year}.xml"
        files[f"{EXTRACTS}/{name}"] = write_cin_census(social, extracts / name, year)
    record(SSD_FOLDER, write_ssd(social, extracts / SSD_FOLDER))
    say("writing case file audits and surveys")
    record("practice", write_practice(social, extracts / "practice", seed))
    say("writing partner extracts")
    record("education", write_education(authority, registry, extracts / "education"))
    record("sen", write_sen(authority, registry, extracts / "sen"))
    record("youth_justice", write_youth_justice(authority, registry, extracts / "youth_justice"))
    record("police", write_police(authority, registry, extracts / "police"))
    record("neet", write_neet(authority, registry, extracts / "neet"))
    if dq_errors:
        from childhub.synth.dq_errors import inject_dq_errors

        say("injecting data-quality errors")
        latest_year = as_at.year if as_at >= date(as_at.year, 3, 31) else as_at.year - 1
        files["dq_errors.csv"] = inject_dq_errors(out, extracts, dq_errors, latest_year, random.Random(f"{seed}:dq"))
    registry.write_truth(out / "truth.csv")
    files["truth.csv"] = len(registry.truth)
    if children_0_17 is None:
        children_0_17 = sum(1 for c in authority.children() if c.dob <= as_at and age_on(c.dob, as_at) <= 17)
    result = SynthResult(
        out=out,
        size=str(size),
        seed=seed,
        as_at=as_at,
        children_0_17=children_0_17,
        files=files,
        seconds=time.perf_counter() - started,
    )
    manifest = {
        "generator": "childhub synth",
        "generator_version": GENERATOR_VERSION,
        "authority": authority.name,
        "la_number": authority.la_number,
        "size": str(size),
        "seed": seed,
        "as_at": as_at.isoformat(),
        "history_start": authority.history_start.isoformat(),
        "noise": noise,
        "dq_errors": dq_errors,
        "children_0_17": children_0_17,
        "files": files,
        **(manifest_extra or {}),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return result, registry.truth


__all__ = [
    "DEFAULT_MOVERS",
    "DEFAULT_NOISE",
    "EXTRACTS",
    "GENERATOR_VERSION",
    "MAPPINGS",
    "SIZES",
    "SYNTHETIC_ONS_CODE",
    "Progress",
    "SynthResult",
    "build_authority",
    "generate_region",
    "generate",
    "history_start_for",
    "mapping_files",
    "measure_realism",
    "write_synthetic_comparators",
]


def measure_realism(authority):
    """The authority's rates beside England's published figures (``childhub synth --report``)."""
    from childhub.synth.realism import measure

    return measure(authority)


def generate_region(out: Path, authorities: int, size: str, seed: int, as_at: date, **options):
    """A synthetic region: ``authorities`` synthetic authorities sharing the families who moved between them, with
    ``region_truth.csv`` and ``region.json`` (``childhub.synth.region.generate_region``; options ``movers``,
    ``noise``, ``progress``)."""
    from childhub.synth.region import generate_region as write_region

    return write_region(out, authorities, size, seed, as_at, **options)
