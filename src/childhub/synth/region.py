"""A synthetic region: several synthetic authorities that share the children who moved between them, with truth.

``generate_region`` writes N authorities, each a folder exactly as ``childhub synth`` writes one (``extracts/``,
``mappings/``, ``truth.csv``, ``manifest.json``) with an ``authority.yml`` beside them (its name, population, ONS
code and DfE LA number), and at the top ``region_truth.csv`` (every source record of every authority with one
region-wide person ID) and ``region.json`` (the authorities, their seeds, and every move).

How a region is made (docs/synthetic-authority.md, "A synthetic region"):

- Authority ``i`` (1..N) is an ordinary synthetic authority built from its own seed (``seed * 1000 + i``), with its
  own name, its own DfE LA number (``i``: in its UPNs; the DfE's real numbers start at 201), its own ONS-style code
  ``E0999990i`` (no real authority's) and its own fictional postcode area (``QX`` for the first, then ``QA``, ``QB``,
  ...; no real postcode area starts with Q).
- Movers: each household of an authority moves to another authority of the region with the yearly rate ``movers``
  over the three-year window (at most once), on a day drawn from the window, chosen from a random stream of the
  region's own (``{seed}:region-moves:{i}``), so who exists in each authority, and everything the generator drew
  for it, stays what its seed makes. The household (adults and children) arrives in the new authority with the
  same names, dates of birth, sexes, NHS numbers and UPNs (a UPN is for life), a new address there and, for one
  family in twenty, a new surname (a new partner's); from the move on, the new authority's systems hold the
  children's records, each system with its own keys and noise.
- What stays behind: the first authority's records end at the move, as when a family moves away: an open child in
  need case closes on the day (CIN census reason RC5, "transferred to services of another local authority"), an
  open early help episode ends "Moved away", the school enrolment and SEN provision end, and later events happen
  in the new authority. The first authority's systems keep the old address. A family with a child looked after on
  or after the day does not move: a looked-after child stays the responsibility of the authority that looks after
  them, wherever they live, so the region's movers are the families a region most needs to link: children in need,
  in early help, at school.

Without a region nothing here runs: ``childhub synth`` writes what it always wrote for a seed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from childhub.calendar import age_on
from childhub.errors import SynthError
from childhub.synth import (
    DEFAULT_MOVERS,
    DEFAULT_NOISE,
    Progress,
    _quiet,
    build_authority,
    check_parameters,
    write_authority,
)
from childhub.synth.model import (
    Adult,
    Authority,
    Child,
    Enrolment,
    Household,
    Referral,
    Residence,
    SenProvision,
)
from childhub.synth.services import TERMS

MAX_AUTHORITIES = 20
SURNAME_CHANGE_AT_MOVE = 0.05  # a family that takes a new partner's surname when it moves
REGION_VERSION = 1
NAMES = (
    "Ashmere Borough Council",
    "Brackwater District Council",
    "Calder Heath Council",
    "Dunstowe Borough Council",
    "Elmsford City Council",
    "Fenwold County Council",
    "Greyhallow Borough Council",
    "Harrowdene Council",
    "Ivelmouth City Council",
    "Juniper Vale Council",
)
POSTCODE_AREAS = ("QX", "QA", "QB", "QC", "QD", "QE", "QF", "QG", "QH", "QJ",
                  "QK", "QL", "QM", "QN", "QP", "QR", "QS", "QT", "QU", "QW")  # fmt: skip
HOME_AREA = "QX"  # the generator's own postcode area (QY: its neighbours, outside the region)
MOVE_NOTICE_DAYS = 14  # no move in the last fortnight before the as-at date


@dataclass(frozen=True, slots=True)
class RegionAuthority:
    """One authority of a synthetic region: where it is written and how it was made."""

    index: int
    code: str
    name: str
    seed: int
    la_number: int
    postcode_area: str

    @property
    def folder(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Move:
    """A household that moved from one authority of the region to another on ``day``."""

    origin: str
    destination: str
    household_id: str
    day: date
    person_ids: tuple[str, ...]  # the children's region-wide IDs
    surname_changed: bool


@dataclass
class RegionResult:
    """What ``generate_region`` wrote."""

    out: Path
    authorities: list[RegionAuthority]
    moves: list[Move]
    children_0_17: dict[str, int] = field(default_factory=dict)
    records: int = 0
    seconds: float = 0.0


def authority_code(index: int) -> str:
    """The ONS-style code of the region's authority ``index`` (1-based): E0999990i, no real authority's."""
    return f"E0999{9900 + index:04d}"


def region_authorities(count: int, seed: int) -> list[RegionAuthority]:
    """The region's ``count`` authorities: codes, names, seeds, LA numbers and postcode areas."""
    if not 2 <= count <= MAX_AUTHORITIES:
        raise SynthError(f"a region has 2 to {MAX_AUTHORITIES} authorities, not {count}")
    return [
        RegionAuthority(
            index=i,
            code=authority_code(i),
            name=f"{NAMES[i - 1] if i <= len(NAMES) else f'Authority {i} Council'} (synthetic)",
            seed=seed * 1000 + i,
            la_number=i,
            postcode_area=POSTCODE_AREAS[i - 1],
        )
        for i in range(1, count + 1)
    ]


def region_person_id(code: str, person_id: str) -> str:
    """A person's region-wide ID: the authority they were first generated in, and their ID there."""
    return f"{code}-{person_id}"


def generate_region(
    out: Path,
    authorities: int,
    size: str,
    seed: int,
    as_at: date,
    *,
    movers: float = DEFAULT_MOVERS,
    noise: float = DEFAULT_NOISE,
    progress: Progress | None = None,
) -> RegionResult:
    """Write a synthetic region of ``authorities`` authorities into ``out`` (see the module's notes), all or nothing:
    it is written beside ``out`` and moved into place at the end."""
    check_parameters(size, noise, as_at)
    if not isinstance(size, str):
        raise SynthError("a region's size is one of the named sizes")
    if not 0 <= movers <= 0.5:
        raise SynthError(f"the movers rate must be between 0 and 0.5 a year, not {movers}")
    region = region_authorities(authorities, seed)
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "region.json").exists():
        raise SynthError(f"{out} is not empty and is not a childhub synthetic region; choose another --out")
    started = time.perf_counter()
    say = progress or _quiet
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    if partial.exists():
        shutil.rmtree(partial)
    try:
        result = _write_region(partial, region, size, seed, as_at, movers, noise, say)
        _replace(partial, out)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    result.out = out
    result.seconds = time.perf_counter() - started
    return result


def _replace(partial: Path, out: Path) -> None:
    if out.exists():
        stale = out.parent / f".{out.name}.replaced-{os.getpid()}"
        out.rename(stale)
        partial.rename(out)
        shutil.rmtree(stale)
    else:
        partial.rename(out)


def _write_region(
    folder: Path,
    region: list[RegionAuthority],
    size: str,
    seed: int,
    as_at: date,
    movers: float,
    noise: float,
    say: Progress,
) -> RegionResult:
    from childhub.exports import make_private, private_file, private_folder, write_csv

    private_folder(folder)
    # first pass: who moves where, and the families as they arrive (each authority built, then let go, so that
    # a region of medium authorities never holds them all at once)
    arrivals: dict[str, list[Household]] = {a.code: [] for a in region}
    moves: list[Move] = []
    for authority_of in region:
        say(f"choosing who moves from {authority_of.name}")
        authority = _build(authority_of, size, as_at)
        for move, household in _moves(authority, authority_of, region, seed, movers):
            moves.append(move)
            arrivals[move.destination].append(_arrival(household, move, region, seed))
        del authority
    # second pass: each authority again, its movers leaving and others arriving, written as childhub synth would
    result = RegionResult(out=folder, authorities=region, moves=moves)
    truth_rows: list[tuple[str, str, str, str, str]] = []
    for authority_of in region:
        say(f"writing {authority_of.name}")
        authority = _build(authority_of, size, as_at)
        leaving = {m.household_id: m for m in moves if m.origin == authority_of.code}
        for household in authority.households:
            if household.household_id in leaving:
                _leave(household, leaving[household.household_id].day)
        _move_postcodes(authority, authority_of.postcode_area)
        residents = [h for h in authority.households if h.household_id not in leaving]
        for household in arrivals[authority_of.code]:
            _settle(household, authority)
            authority.households.append(household)
            residents.append(household)
        children_0_17 = sum(1 for h in residents for c in h.children if c.dob <= as_at and age_on(c.dob, as_at) <= 17)
        target = folder / authority_of.folder
        target.mkdir()
        _, truth = write_authority(
            authority,
            size,
            authority_of.seed,
            target,
            noise=noise,
            children_0_17=children_0_17,
            manifest_extra={"authority_code": authority_of.code, "region": "../region.json"},
        )
        result.children_0_17[authority_of.code] = children_0_17
        _write_authority_file(target / "authority.yml", authority_of, children_0_17)
        for source, record_id, person_id, _household_id in sorted(truth):
            region_id = person_id if "-" in person_id else region_person_id(authority_of.code, person_id)
            truth_rows.append((authority_of.code, source, record_id, person_id, region_id))
        del authority
    result.records = write_csv(
        folder / "region_truth.csv",
        ["authority_code", "source", "source_record_id", "person_id", "region_person_id"],
        truth_rows,
    )
    manifest = {
        "generator": "childhub synth-region",
        "version": REGION_VERSION,
        "size": size,
        "seed": seed,
        "as_at": as_at.isoformat(),
        "movers_rate": movers,
        "noise": noise,
        "authorities": [
            {
                "code": a.code,
                "name": a.name,
                "folder": a.folder,
                "seed": a.seed,
                "la_number": f"{a.la_number:03d}",
                "postcode_area": a.postcode_area,
                "children_0_17": result.children_0_17[a.code],
                "moved_out": sum(1 for m in moves if m.origin == a.code),
                "moved_in": sum(1 for m in moves if m.destination == a.code),
            }
            for a in region
        ],
        "moves": [
            {
                "origin": m.origin,
                "destination": m.destination,
                "household_id": m.household_id,
                "move_date": m.day.isoformat(),
                "children": list(m.person_ids),
                "surname_changed": m.surname_changed,
            }
            for m in moves
        ],
    }
    private_file(folder / "region.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    make_private(folder)
    return result


def _build(authority_of: RegionAuthority, size: str, as_at: date) -> Authority:
    return build_authority(size, authority_of.seed, as_at, name=authority_of.name, la_number=authority_of.la_number)


def _write_authority_file(path: Path, authority_of: RegionAuthority, children_0_17: int) -> None:
    import yaml

    settings = {
        "name": authority_of.name,
        "population_0_17": children_0_17,
        "ons_code": authority_of.code,
        "la_number": f"{authority_of.la_number:03d}",
    }
    header = "# A synthetic region's authority (childhub synth-region): the settings its store reads.\n"
    path.write_text(header + yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


# ---- who moves ----------------------------------------------------------------------------------------------------


def _moves(authority: Authority, authority_of: RegionAuthority, region: list[RegionAuthority], seed: int, rate: float):
    """The households of ``authority`` that move to another authority of the region, with their moves: every
    draw from the region's own stream, the same draws for every household whether it may move or not."""
    rng = random.Random(f"{seed}:region-moves:{authority_of.index}")
    others = [a for a in region if a.code != authority_of.code]
    window = (authority.as_at - timedelta(days=MOVE_NOTICE_DAYS) - authority.history_start).days
    chance = 1 - (1 - rate) ** (window / 365.25)
    for household in list(authority.households):
        moves = rng.random() < chance
        day = authority.history_start + timedelta(days=rng.randint(0, window))
        destination = others[rng.randrange(len(others))]
        surname_changed = rng.random() < SURNAME_CHANGE_AT_MOVE
        if not moves or not _may_move(household, day):
            continue
        person_ids = tuple(region_person_id(authority_of.code, c.person_id) for c in household.children)
        move = Move(authority_of.code, destination.code, household.household_id, day, person_ids, surname_changed)
        yield move, household


def _may_move(household: Household, day: date) -> bool:
    """A family with a child aged 0-17 on the day and no child looked after (or leaving care) from then on."""
    if not household.adults:  # an unaccompanied child: looked after from arrival
        return False
    if not any(c.dob <= day and age_on(c.dob, day) <= 17 for c in household.children):
        return False
    for child in household.children:
        if child.leaving_care is not None or child.care_leaver:
            return False
        if any(period.end is None or period.end >= day for period in child.care_periods):
            return False
    return True


# ---- leaving: the first authority's records end at the move --------------------------------------------------------


def _leave(household: Household, day: date) -> None:
    """End the household's life in the authority it leaves on ``day`` (in place)."""
    household.residences = [r for r in household.residences if r.start < day] or household.residences[:1]
    for child in household.children:
        child.contacts = [c for c in child.contacts if c.date < day]
        child.referrals = [_close_referral(r, day) for r in child.referrals if r.date < day]
        child.early_help = [e for e in child.early_help if e.start < day]
        for episode in child.early_help:
            if episode.end is None or episode.end > day:
                episode.end, episode.end_reason = day, "Moved away"
            if episode.assessment_completed is not None and episode.assessment_completed > day:
                episode.assessment_completed = None
            episode.allocations = _allocations_before(episode.allocations, day)
        child.enrolments = [e for e in child.enrolments if e.entry < day]
        for enrolment in child.enrolments:
            if enrolment.leaving is None or enrolment.leaving > day:
                enrolment.leaving = day
        child.attendance = [a for a in child.attendance if _term_start(a.academic_year, a.term) < day]
        child.exclusions = [e for e in child.exclusions if e.start < day]
        child.sen = [s for s in child.sen if s.start < day]
        for provision in child.sen:
            if provision.end is None or provision.end > day:
                provision.end = day
        child.youth_justice = [y for y in child.youth_justice if y.outcome_date < day]
        child.police = [p for p in child.police if p.notified < day]
        child.neet = [n for n in child.neet if n.month_end < day]


def _close_referral(referral: Referral, day: date) -> Referral:
    """A child in need episode as it stands when the family moves away: what happened before the day, closed on
    it (RC5: transferred to services of another local authority) if it was still open."""
    referral.assessments = [a for a in referral.assessments if a.start < day]
    for assessment in referral.assessments:
        if assessment.authorised is None or assessment.authorised > day:
            assessment.authorised = day
    referral.section47s = [s for s in referral.section47s if s.start < day]
    for enquiry in referral.section47s:
        if enquiry.end is None or enquiry.end > day:
            enquiry.end = day
        if enquiry.icpc_date is not None and enquiry.icpc_date > day:
            enquiry.icpc_date, enquiry.icpc_led_to_plan = None, False
    referral.cp_plans = [p for p in referral.cp_plans if p.start < day]
    for plan in referral.cp_plans:
        plan.end = day if plan.end is None or plan.end > day else plan.end
        plan.reviews = [d for d in plan.reviews if d < day]
        plan.visits = [v for v in plan.visits if v.date < day]
    referral.cin_plans = [p for p in referral.cin_plans if p.start < day]
    for plan in referral.cin_plans:
        plan.end = day if plan.end is None or plan.end > day else plan.end
    referral.visits = [v for v in referral.visits if v.date < day]
    referral.allocations = _allocations_before(referral.allocations, day)
    if referral.closure is None or referral.closure > day:
        referral.closure, referral.closure_reason = day, "RC5"
    return referral


def _allocations_before(allocations, day: date):
    kept = [a for a in allocations if a.start < day]
    for allocation in kept:
        if allocation.end is None or allocation.end > day:
            allocation.end = day
    return kept


def _term_start(academic_year: str, term: str) -> date:
    first = int(academic_year[:4])
    for name, month, day, _sessions in TERMS:
        if name == term:
            return date(first + (1 if month < 9 else 0), month, day)
    raise ValueError(f"unknown term {term!r}")


# ---- arriving: the same people in the new authority's systems ------------------------------------------------------


def _arrival(household: Household, move: Move, region: list[RegionAuthority], seed: int) -> Household:
    """The household as it arrives in ``move.destination`` on ``move.day``: the same people (IDs that say where they
    came from), a new address there, what happened to them from the day on."""
    from childhub.synth.population import PopulationBuilder

    day = move.day
    destination = next(a for a in region if a.code == move.destination)
    rng = random.Random(f"{seed}:region-arrival:{move.origin}:{move.household_id}")
    builder = PopulationBuilder(rng, day, destination.la_number, day)
    address = builder.address()
    address.postcode = _in_area(address.postcode, destination.postcode_area)
    new_surname = builder.surname() if move.surname_changed else None
    ids = {c.person_id: region_person_id(move.origin, c.person_id) for c in household.children}
    adults = [
        Adult(
            person_id=region_person_id(move.origin, adult.person_id),
            forename=adult.forename,
            surname=new_surname if new_surname and adult.role == "mother" else adult.surname,
            sex=adult.sex,
            dob=adult.dob,
            role=adult.role,
        )
        for adult in household.adults
    ]
    children = [_arriving_child(child, day, ids, new_surname, move) for child in household.children]
    return Household(
        household_id=region_person_id(move.origin, household.household_id),
        surname=new_surname or household.surname,
        ethnicity=household.ethnicity,
        residences=[Residence(start=day, address=address)],
        adults=adults,
        children=children,
        risk=household.risk,
        lone_parent=household.lone_parent,
        stepfamily=household.stepfamily,
    )


def _arriving_child(child: Child, day: date, ids: dict[str, str], new_surname: str | None, move: Move) -> Child:
    enrolments = []
    for enrolment in child.enrolments:
        if enrolment.entry >= day:
            enrolments.append(enrolment)
        elif enrolment.leaving is None or enrolment.leaving > day:  # on roll on the day: a new school from then
            enrolments.append(
                Enrolment(enrolment.school_urn, enrolment.laestab, enrolment.phase, day, enrolment.leaving)
            )
    sen = []
    for provision in child.sen:
        if provision.start >= day:
            sen.append(provision)
        elif provision.end is None or provision.end > day:  # the plan or support goes with the child
            sen.append(SenProvision(provision.provision, day, provision.end, provision.primary_need))
    referrals = [r for r in child.referrals if r.date >= day]
    for referral in referrals:
        referral.record_id = None
    return Child(
        person_id=ids[child.person_id],
        household_id=region_person_id(move.origin, child.household_id),
        forename=child.forename,
        middle_name=child.middle_name,
        surname=new_surname or child.surname,
        sex=child.sex,
        dob=child.dob,
        ethnicity=child.ethnicity,
        nhs_number=child.nhs_number,
        upn=child.upn,
        former_upn=child.former_upn,
        disabilities=child.disabilities,
        uasc=child.uasc,
        twin_of=ids.get(child.twin_of) if child.twin_of else None,
        risk=child.risk,
        contacts=[c for c in child.contacts if c.date >= day],
        referrals=referrals,
        early_help=[e for e in child.early_help if e.start >= day],
        enrolments=enrolments,
        attendance=[a for a in child.attendance if _term_start(a.academic_year, a.term) >= day],
        exclusions=[e for e in child.exclusions if e.start >= day],
        sen=sen,
        fsm=child.fsm,
        youth_justice=[y for y in child.youth_justice if y.outcome_date >= day],
        police=[p for p in child.police if p.notified >= day],
        neet=[n for n in child.neet if n.month_end >= day],
    )


def _settle(household: Household, authority: Authority) -> None:
    """Point an arriving household's schools and workers at the new authority's own (a region's authorities are
    of one size, so their schools' URNs and workers' IDs line up; the LA number in each school's code differs)."""
    schools = {urn: (laestab, phase) for urn, laestab, _name, phase in authority.schools}
    by_phase: dict[str, list[str]] = {}
    for urn, _laestab, _name, phase in authority.schools:
        by_phase.setdefault(phase, []).append(urn)
    teams = {team.team_id for team in authority.teams}
    workers = {worker.worker_id for worker in authority.workers}

    def school(urn: str, phase: str | None = None) -> str:
        if urn in schools:
            return urn
        choices = by_phase.get(phase or "", []) or [s[0] for s in authority.schools]
        return choices[sum(map(ord, urn)) % len(choices)]

    for child in household.children:
        for enrolment in child.enrolments:
            enrolment.school_urn = school(enrolment.school_urn, enrolment.phase)
            enrolment.laestab = schools[enrolment.school_urn][0]
        for term in child.attendance:
            term.school_urn = school(term.school_urn)
        for exclusion in child.exclusions:
            exclusion.school_urn = school(exclusion.school_urn)
        held = [a for r in child.referrals for a in r.allocations]
        held += [a for e in child.early_help for a in e.allocations]
        for allocation in held:
            if allocation.team_id not in teams:
                allocation.team_id = authority.teams[0].team_id
            if allocation.worker_id is not None and allocation.worker_id not in workers:
                allocation.worker_id = None


def _move_postcodes(authority: Authority, area: str) -> None:
    """The authority's own addresses in its own postcode area (the generator writes every authority in QX)."""
    if area == HOME_AREA:
        return
    seen: set[int] = set()
    for household in authority.households:
        for residence in household.residences:
            if id(residence.address) not in seen:
                seen.add(id(residence.address))
                residence.address.postcode = _in_area(residence.address.postcode, area)
        for child in household.children:
            for period in child.care_periods:
                for episode in period.episodes:
                    episode.placement_postcode = _in_area(episode.placement_postcode, area)
                    episode.home_postcode = _in_area(episode.home_postcode, area)


def _in_area(postcode: str | None, area: str) -> str | None:
    if postcode is None or not postcode.startswith(HOME_AREA):
        return postcode
    return area + postcode[len(HOME_AREA) :]


__all__ = [
    "DEFAULT_MOVERS",
    "MAX_AUTHORITIES",
    "Move",
    "RegionAuthority",
    "RegionResult",
    "authority_code",
    "generate_region",
    "region_authorities",
    "region_person_id",
]
