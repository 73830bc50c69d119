"""The synthetic authority's ground truth: people, households and what happened to them.

These objects are the generator's own record of the truth. Extract writers read
them to produce each source system's files (with that system's identifiers and
noise); the realism checks and the tests read them to know what the files should
say. The product itself never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Address:
    line1: str
    locality: str
    postcode: str


@dataclass(slots=True)
class Residence:
    """An address a household lived at from ``start`` (until the next residence)."""

    start: date
    address: Address


@dataclass(slots=True)
class Adult:
    person_id: str
    forename: str
    surname: str
    sex: str  # "M" or "F"
    dob: date
    role: str  # mother, father, stepfather, stepmother


@dataclass(slots=True)
class Worker:
    worker_id: str
    name: str
    team_id: str
    role: str  # social worker, personal adviser, early help worker
    fte: float
    agency: bool


@dataclass(slots=True)
class Team:
    team_id: str
    name: str
    service: str  # front door, assessment, safeguarding, children in care, ...


@dataclass(slots=True)
class Allocation:
    worker_id: str | None  # None: the case was open but unallocated
    team_id: str
    start: date
    end: date | None


@dataclass(slots=True)
class Visit:
    """A social worker's visit to a child: whether the child was seen, and seen alone."""

    date: date
    seen: bool
    seen_alone: bool


@dataclass(slots=True)
class CarePlan:
    """A looked-after child's care (permanence) plan from ``start``: an SSD care-plan code."""

    start: date
    end: date | None
    plan: str  # RETURN1M, RETURN6M, RETURNEV, LTRELFR, LTFOST18, RESPLMT, SUPPLIV, ADOPTION, OTHERPLN


@dataclass(slots=True)
class Assessment:
    start: date
    authorised: date | None
    child_seen: bool
    factors: tuple[str, ...]
    in_need: bool


@dataclass(slots=True)
class Section47:
    start: date
    end: date | None
    icpc_target: date
    icpc_date: date | None
    icpc_not_required: bool
    icpc_led_to_plan: bool


@dataclass(slots=True)
class ChildProtectionPlan:
    start: date
    end: date | None
    initial_category: str
    latest_category: str
    reviews: list[date] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


@dataclass(slots=True)
class CinPlan:
    start: date
    end: date | None


@dataclass(slots=True)
class Contact:
    date: date
    source: str
    became_referral: bool


@dataclass(slots=True)
class Referral:
    """A CIN episode: a referral and everything that followed until closure."""

    date: date
    source: str
    primary_need: str
    nfa: bool
    closure: date | None = None
    closure_reason: str | None = None
    assessments: list[Assessment] = field(default_factory=list)
    section47s: list[Section47] = field(default_factory=list)
    cp_plans: list[ChildProtectionPlan] = field(default_factory=list)
    cin_plans: list[CinPlan] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)  # CIN visits
    allocations: list[Allocation] = field(default_factory=list)
    record_id: str | None = None  # social-care person ID it was recorded under, if not the usual


@dataclass(slots=True)
class Episode:
    """One SSDA903 episode: a stretch with one legal status and one placement."""

    start: date
    reason_new: str  # RNE: S, L, P, T, U, B
    legal_status: str
    category_of_need: str
    placement: str
    provider: str
    placement_postcode: str | None
    home_postcode: str | None
    urn: str
    end: date | None = None
    reason_ceased: str | None = None  # REC
    reason_place_change: str | None = None


@dataclass(slots=True)
class Missing:
    start: date
    end: date | None
    kind: str  # M missing, A away
    return_interview_offered: bool
    return_interview_accepted: bool


@dataclass(slots=True)
class Adoption:
    decision: date  # decision that the child should be placed for adoption
    placement_order: date | None
    matched: date | None
    placed: date | None
    adopted: date | None
    reversed: date | None = None
    reversed_reason: str | None = None
    adopters: int = 2
    adopter_sex: str = "MF"
    adopter_legal_status: str = "L0"
    foster_carer: bool = False  # adopted by the carers they were placed with under early permanence
    ffa_decision: date | None = None  # decision to place under fostering for adoption or concurrent planning
    ffa_placed: date | None = None  # placed with those carers (U5), before the placement order


@dataclass(slots=True)
class LookedAfterPeriod:
    """A period of care: one or more contiguous episodes."""

    episodes: list[Episode] = field(default_factory=list)
    reviews: list[tuple[date, str]] = field(default_factory=list)  # (date, participation code)
    visits: list[Visit] = field(default_factory=list)
    iro_contacts: list[date] = field(default_factory=list)  # the independent reviewing officer's
    care_plans: list[CarePlan] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    health_checks: list[date] = field(default_factory=list)
    dental_checks: list[date] = field(default_factory=list)
    development_checks: list[date] = field(default_factory=list)  # under-5s' development assessments
    adoption: Adoption | None = None
    previous_permanence: str = "Z1"
    social_workers: list[Allocation] = field(default_factory=list)

    @property
    def start(self) -> date:
        return self.episodes[0].start

    @property
    def end(self) -> date | None:
        return self.episodes[-1].end


@dataclass(slots=True)
class CareLeaverStatus:
    on: date  # the birthday (17th to 21st) the status is recorded around
    in_touch: str
    activity: str
    accommodation: str
    suitable: bool
    pathway_plan_review: date | None
    latest_contact: date | None
    eligibility: str = "Former relevant"  # Eligible, Relevant or Former relevant (SSD care leaver code set)


@dataclass(slots=True)
class LeavingCare:
    """A young person's leaving-care service: their personal advisers, and where they stand on the as-at date."""

    advisers: list[Allocation] = field(default_factory=list)
    now: CareLeaverStatus | None = None  # as on the as-at date (None: no longer a care leaver then)


@dataclass(slots=True)
class EarlyHelp:
    start: date
    end: date | None
    reason: str
    end_reason: str | None
    organisation: str
    assessment_completed: date | None
    allocations: list[Allocation] = field(default_factory=list)  # the authority's early help workers


@dataclass(slots=True)
class Enrolment:
    school_urn: str
    laestab: str
    phase: str
    entry: date
    leaving: date | None


@dataclass(slots=True)
class TermAttendance:
    academic_year: str  # "2024/25"
    term: str  # AUT, SPR, SUM
    possible: int
    authorised: int
    unauthorised: int
    school_urn: str


@dataclass(slots=True)
class Exclusion:
    start: date
    category: str  # SUSP or PERM
    reason: str
    sessions: int
    school_urn: str


@dataclass(slots=True)
class SenProvision:
    provision: str  # K (SEN support) or E (EHC plan)
    start: date
    end: date | None
    primary_need: str
    ehc_request: date | None = None


@dataclass(slots=True)
class YouthJusticeOutcome:
    offence_date: date
    outcome_date: date
    outcome: str
    tier: str
    first_time_entrant: bool


@dataclass(slots=True)
class PoliceNotification:
    incident: date
    notified: date
    reference: str


@dataclass(slots=True)
class NeetRecord:
    month_end: date
    activity: str  # EET, NEET, UNKNOWN
    code: str


@dataclass(slots=True)
class Child:
    person_id: str
    household_id: str
    forename: str
    middle_name: str | None
    surname: str
    sex: str  # "M" or "F"
    dob: date
    ethnicity: str
    nhs_number: str
    upn: str | None = None
    former_upn: str | None = None
    disabilities: tuple[str, ...] = ()
    uasc: bool = False
    twin_of: str | None = None
    risk: float = 0.0
    contacts: list[Contact] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    care_periods: list[LookedAfterPeriod] = field(default_factory=list)
    care_leaver: list[CareLeaverStatus] = field(default_factory=list)
    leaving_care: LeavingCare | None = None
    early_help: list[EarlyHelp] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    attendance: list[TermAttendance] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    sen: list[SenProvision] = field(default_factory=list)
    fsm: bool = False
    youth_justice: list[YouthJusticeOutcome] = field(default_factory=list)
    police: list[PoliceNotification] = field(default_factory=list)
    neet: list[NeetRecord] = field(default_factory=list)

    @property
    def known_to_social_care(self) -> bool:
        return bool(self.referrals or self.care_periods or self.contacts or self.early_help)


@dataclass(slots=True)
class Household:
    household_id: str
    surname: str
    ethnicity: str
    residences: list[Residence]
    adults: list[Adult]
    children: list[Child]
    risk: float
    lone_parent: bool
    stepfamily: bool

    def address_on(self, day: date) -> Address:
        """Where the household lived on ``day`` (the first address before it moved in)."""
        current = self.residences[0].address
        for residence in self.residences:
            if residence.start <= day:
                current = residence.address
            else:
                break
        return current

    @property
    def mother(self) -> Adult | None:
        return next((adult for adult in self.adults if adult.role == "mother"), None)


@dataclass(slots=True)
class Authority:
    """The whole synthetic authority: its people, workforce and reporting window."""

    name: str
    la_number: int
    as_at: date
    history_start: date
    households: list[Household]
    teams: list[Team]
    workers: list[Worker]
    schools: list[tuple[str, str, str, str]]  # (urn, laestab, name, phase)

    def children(self):
        for household in self.households:
            yield from household.children
