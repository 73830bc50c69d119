"""Children's social care histories: contacts to care leaving, event by event.

Each household carries a risk drawn from a skewed mixture so that a small share of
families hold most of the work, as in real authorities. Referrals arise as family
events (siblings referred together) and as events of one teenager, at rates tuned so
that the authority's figures land near England's (``reference/indicators.md``):
about 520 referrals per 10,000 children a year, 22-23% re-referrals within 12 months,
6.5% no further action, about 86% of assessments within 45 working days, S47s,
ICPCs and CP plans in England's proportions, and about 67 children looked after per
10,000 on 31 March.
"""

from __future__ import annotations

import heapq
import random
from datetime import date, timedelta

from childhub.calendar import add_working_days, add_years, age_on, next_working_day
from childhub.synth.events import event_dates
from childhub.synth.model import (
    Adoption,
    Allocation,
    Assessment,
    CareLeaverStatus,
    Child,
    ChildProtectionPlan,
    CinPlan,
    Contact,
    EarlyHelp,
    Episode,
    Household,
    LookedAfterPeriod,
    Missing,
    Referral,
    Section47,
    Team,
    Visit,
    Worker,
)
from childhub.synth.names import WeightedChoice

# Referral sources (CIN census codes) with 2025-shaped shares.
REFERRAL_SOURCE = WeightedChoice(
    [
        "1A",
        "1B",
        "1C",
        "1D",
        "2A",
        "2B",
        "3A",
        "3B",
        "3C",
        "3D",
        "3E",
        "3F",
        "4",
        "5A",
        "5B",
        "5C",
        "5D",
        "6",
        "7",
        "8",
        "9",
        "10",
    ],
    [
        4.5,
        1.2,
        1.4,
        1.0,
        21,
        2.1,
        2.5,
        3.5,
        1.5,
        2.0,
        3.0,
        2.5,
        1.3,
        5.0,
        4.0,
        2.0,
        3.1,
        28,
        3.9,
        4.9,
        2.1,
        1.4,
    ],
)
PRIMARY_NEED = WeightedChoice(
    ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"], [50.6, 6.0, 4.0, 9.0, 17.4, 3.5, 0.6, 2.4, 6.5]
)
# Factors at assessment (CIN census codes, 2021 onwards), shaped by the 2016 shares: domestic
# abuse (3B), parental mental health (4B), drugs (2B), emotional abuse (17A), alcohol (1B),
# neglect (16A), physical abuse (18B by an adult, 18C by a child), sexual abuse (19B, 19C),
# self-harm, CSE, missing, gangs, criminal exploitation (24A).
ASSESSMENT_FACTORS = WeightedChoice(
    [
        "3B",
        "4B",
        "2B",
        "17A",
        "1B",
        "16A",
        "18B",
        "18C",
        "19B",
        "19C",
        "15A",
        "11A",
        "10A",
        "13A",
        "24A",
        "6B",
        "5B",
        "4A",
        "3A",
    ],
    [49.6, 36.6, 19.3, 19.3, 18.4, 17.5, 12.0, 2.0, 5.4, 1.0, 4.3, 3.9, 2.7, 1.2, 3.0, 3.0, 2.0, 5.0, 4.0],
)
CP_CATEGORY = WeightedChoice(["NEG", "EMO", "PHY", "SAB", "MUL"], [50.5, 35.7, 7.4, 3.8, 2.6])
# CP plan lengths of plans ending (2025): bins in days with their shares.
CP_PLAN_DAYS = WeightedChoice([(30, 91), (92, 182), (183, 365), (366, 730), (731, 1200)], [15.9, 11.0, 43.5, 25.2, 7.0])
CIN_PLAN_DAYS = WeightedChoice([(20, 91), (92, 182), (183, 365), (366, 730), (731, 1100)], [22, 28, 30, 15, 5])
EARLY_HELP_REASONS = [
    "Parenting",
    "School attendance",
    "Domestic abuse",
    "Mental health",
    "Behaviour",
    "Housing",
    "Financial hardship",
    "Substance misuse",
]
EARLY_HELP_TEAM = "Local authority early help team"
EARLY_HELP_ORGANISATIONS = WeightedChoice(
    [
        EARLY_HELP_TEAM,
        "School",
        "Health visiting service",
        "Family hub",
        "Voluntary sector partner",
    ],
    [45, 25, 10, 12, 8],
)

# Rates, tuned against the realism report on several seeds.
FAMILY_REFERRAL_RATE = 0.077  # per household-year at risk 1
TEEN_REFERRAL_RATE = 0.022  # per child-year aged 11-17 at risk 1
RE_REFERRAL_PROBABILITY = 0.16
CONTACT_ONLY_RATE = 0.07  # contacts that did not become referrals, per household-year
EARLY_HELP_RATE = 0.05  # per household-year at risk 1
NFA_SHARE = 0.065
S47_SHARE = 0.38
NOT_IN_NEED_SHARE = 0.33
ICPC_SHARE = 0.313
PLAN_AFTER_ICPC = 0.858
LAC_FROM_FAMILY_EVENT = 0.016
LAC_FROM_TEEN_EVENT = 0.08
LAC_AFTER_CP_PLAN = 0.12
UASC_ARRIVALS_PER_10K_CHILDREN_YEAR = 1.9
UNBORN_DAYS = 120  # a referral this long before birth can bring a baby into care at birth
UNDER_ONE_CARE_FACTOR = 10.0
# Returns home (E4A) and to a parent's care (E13) that break down: about a tenth of starts re-enter care
# within 12 months of leaving (a plausible figure; none is in the reference).
RETURNS_HOME = {"E4A", "E13"}
RE_ENTRY_AFTER_RETURN_HOME = 0.28
BURN_IN_YEARS = 9


def household_risk(rng: random.Random) -> float:
    """A skewed family risk: most families near zero, a few very high."""
    tier = rng.random()
    if tier < 0.80:
        return rng.uniform(0.02, 0.25)
    if tier < 0.95:
        return rng.uniform(0.5, 2.5)
    return rng.uniform(4.0, 14.0)


def _uniform_days(rng: random.Random, bounds: tuple[int, int]) -> timedelta:
    return timedelta(days=rng.randint(*bounds))


# Visits: (the longest gap in working days, the share of gaps within it, the share of children old enough
# who are seen alone). CP plans: at least every 10 working days (Working Together 2023); CIN plans have no
# statutory interval, so a common local standard of about six weeks (30 working days); both plausible
# figures, no national one is published.
CP_VISITS = (10, 0.88, 0.8)
CIN_VISITS = (30, 0.85, 0.6)
SEEN_ON_VISIT = 0.95


def statutory_visits(
    rng: random.Random, start: date, last: date, dob: date, standard: tuple[int, float, float]
) -> list[Visit]:
    """Visits from soon after ``start`` until before ``last``, most within the standard's interval, some late.

    A child is seen on most visits (never before birth), and seen alone from about four years old.
    """
    longest, on_time, alone = standard
    visits = []
    visit = add_working_days(start, rng.randint(1, min(5, longest)))
    while visit < last:
        seen = visit >= dob and rng.random() < SEEN_ON_VISIT
        visits.append(Visit(visit, seen, seen and age_on(dob, visit) >= 4 and rng.random() < alone))
        if rng.random() < on_time:
            gap = rng.randint(longest * 3 // 5, longest)
        else:
            gap = rng.randint(longest + 1, longest * 3 // 2 + 1)
        visit = next_working_day(visit + timedelta(days=gap * 7 // 5))  # a working week is seven days
    return visits


def assessment_working_days(rng: random.Random) -> int:
    """Start-to-authorisation working days: median about 33, about 86% within 45."""
    if rng.random() < 0.86:
        return max(1, min(45, round(rng.triangular(2, 46, 40))))
    return rng.randint(46, 95)


def icpc_working_days(rng: random.Random) -> int:
    """S47 start to ICPC: about 81% within 15 working days."""
    if rng.random() < 0.81:
        return rng.randint(4, 15)
    return rng.randint(16, 30)


class Workforce:
    """Teams and workers, and the choice of who is allocated a new case."""

    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        # (service, team name, workers per 20,000 children, workers per team): sized so that caseloads
        # average about 16 children per FTE, as in England (15.4 in 2024), with every team holding cases
        plan = [
            ("front_door", "Front Door (MASH)", 3, 8),
            ("assessment", "Assessment Team", 8, 8),
            ("safeguarding", "Safeguarding and Family Support", 24, 8),
            ("children_in_care", "Children in Care", 10, 8),
            ("leaving_care", "Leaving Care", 5, 8),
            ("disabled_children", "Disabled Children's Team", 2, 8),
            ("early_help", "Early Help", 12, 8),
        ]
        self.teams: list[Team] = []
        self.workers: list[Worker] = []
        self.by_service: dict[str, list[Worker]] = {}
        worker_number = 0
        role = {"leaving_care": "personal adviser", "early_help": "early help worker"}
        for service, label, per_20k, per_team in plan:
            workers = max(2, round(per_20k * size / 20_000))
            team_count = -(-workers // per_team)
            for team_index in range(team_count):
                team_id = f"T{len(self.teams) + 1:03d}"
                name = label if team_count == 1 else f"{label} {team_index + 1}"
                self.teams.append(Team(team_id=team_id, name=name, service=service))
                for _ in range(workers // team_count + (team_index < workers % team_count)):
                    worker_number += 1
                    worker = Worker(
                        worker_id=f"SW{worker_number:04d}",
                        name=f"Worker {worker_number:04d}",
                        team_id=team_id,
                        role=role.get(service, "social worker"),
                        fte=rng.choice([1.0, 1.0, 1.0, 0.8, 0.6]),
                        agency=rng.random() < 0.18,
                    )
                    self.workers.append(worker)
                    self.by_service.setdefault(service, []).append(worker)

    def allocate(self, service: str, start: date, end: date | None, *, may_wait: bool = True) -> list[Allocation]:
        """Allocations covering ``start``-``end``: sometimes a wait unallocated, sometimes a change."""
        rng = self.rng
        workers = self.by_service[service]
        allocations: list[Allocation] = []
        moment = start
        team_id = rng.choice(workers).team_id
        if may_wait and rng.random() < 0.06:
            wait = moment + timedelta(days=rng.randint(3, 45))
            if end is not None and wait >= end:
                return [Allocation(worker_id=None, team_id=team_id, start=start, end=end)]
            allocations.append(Allocation(worker_id=None, team_id=team_id, start=moment, end=wait))
            moment = wait
        worker = None
        while True:
            previous = worker
            while worker is previous:  # a change of worker is a change to another worker
                worker = rng.choice(workers)
            change = moment + timedelta(days=round(rng.expovariate(1 / 300)) + 30)
            if end is not None and change >= end:
                allocations.append(Allocation(worker.worker_id, worker.team_id, moment, end))
                return allocations
            allocations.append(Allocation(worker.worker_id, worker.team_id, moment, change))
            moment = change
            if end is None and moment > self.horizon:
                allocations[-1].end = None
                return allocations

    def screening(self, day: date) -> list[Allocation]:
        """The front door's screening of a referral: its decision within a working day, then multi-agency checks
        and the handover, held by one of its workers for two to five working days in all."""
        worker = self.rng.choice(self.by_service["front_door"])
        end = add_working_days(day, self.rng.randint(2, 5))
        return [Allocation(worker.worker_id, worker.team_id, day, end if end <= self.horizon else None)]

    horizon = date.max


class SocialCareSimulator:
    """Simulates every household's social-care and early-help history up to ``as_at``."""

    def __init__(self, rng: random.Random, as_at: date, history_start: date, workforce: Workforce):
        self.rng = rng
        self.as_at = as_at
        self.history_start = history_start
        self.sim_start = add_years(history_start, -BURN_IN_YEARS)
        self.workforce = workforce
        workforce.horizon = as_at

    # helpers ---------------------------------------------------------------------
    def _exp_dates(self, rate_per_year: float, start: date, end: date) -> list[date]:
        return event_dates(self.rng, rate_per_year, start, end)

    def _closed(self, day: date | None) -> date | None:
        """A date, or None when it falls after the as-at date (still open)."""
        return day if day is not None and day <= self.as_at else None

    # households ------------------------------------------------------------------
    def simulate(self, household: Household) -> None:
        rng = self.rng
        household.risk = household_risk(rng)
        for child in household.children:
            child.risk = household.risk
        start = max(self.sim_start, min(c.dob for c in household.children) - timedelta(days=150))
        events: list[tuple[date, int, str, tuple[Child, ...]]] = []
        counter = 0
        for day in self._exp_dates(FAMILY_REFERRAL_RATE * household.risk, start, self.as_at):
            counter += 1
            events.append((day, counter, "family", tuple(household.children)))
        for child in household.children:
            teen_from = max(start, add_years(child.dob, 11))
            teen_to = min(self.as_at, add_years(child.dob, 18) - timedelta(days=1))
            for day in self._exp_dates(TEEN_REFERRAL_RATE * household.risk, teen_from, teen_to):
                counter += 1
                events.append((day, counter, "teen", (child,)))
        heapq.heapify(events)
        open_until: dict[str, date] = {}
        while events:
            day, _, kind, candidates = heapq.heappop(events)
            day = next_working_day(day)
            if day > self.as_at:
                continue
            involved = [
                child
                for child in candidates
                if self._can_be_referred(child, day, open_until) and (kind == "teen" or rng.random() < 0.8)
            ]
            if not involved:
                continue
            for child, closure in self._referral(involved, day, kind):
                open_until[child.person_id] = closure or date.max
                if closure is not None and rng.random() < RE_REFERRAL_PROBABILITY:
                    again = day + timedelta(days=rng.randint(20, 380))
                    again = max(again, closure + timedelta(days=7))
                    counter += 1
                    heapq.heappush(events, (again, counter, "teen" if kind == "teen" else "repeat", (child,)))
        self._contacts_only(household, start)
        self._early_help(household, start, open_until)

    def _can_be_referred(self, child: Child, day: date, open_until: dict[str, date]) -> bool:
        if child.dob > day + timedelta(days=120):  # not yet conceived or too early in pregnancy
            return False
        if age_on(child.dob, day) >= 18 or child.dob > day and self.rng.random() > 0.5:
            return False
        if child.care_periods and child.care_periods[-1].end is None:
            return False
        return open_until.get(child.person_id, date.min) < day

    # a referral and its pathway ------------------------------------------------------
    def _referral(self, children: list[Child], day: date, kind: str):
        rng = self.rng
        source = REFERRAL_SOURCE.draw(rng)
        need = PRIMARY_NEED.draw(rng)
        nfa = rng.random() < NFA_SHARE
        roll = rng.random()
        if roll < S47_SHARE:
            route = "s47"
        elif roll < S47_SHARE + NOT_IN_NEED_SHARE:
            route = "not_in_need"
        else:
            route = "cin_plan"
        icpc = rng.random() < ICPC_SHARE
        plan_after_icpc = rng.random() < PLAN_AFTER_ICPC
        lac_rate = LAC_FROM_TEEN_EVENT if kind == "teen" else LAC_FROM_FAMILY_EVENT
        if any(-UNBORN_DAYS <= (day - c.dob).days < 365 for c in children):
            lac_rate *= UNDER_ONE_CARE_FACTOR  # babies, many removed at birth, are about a fifth of starts
        into_care = rng.random() < lac_rate
        assessment_start = add_working_days(day, rng.choice([0, 0, 1, 1, 1, 2, 3]))
        working_days = assessment_working_days(rng)
        s47_delay = rng.choice([0, 0, 1, 2, 3, 5, 8])
        icpc_delay = icpc_working_days(rng)
        factors = tuple(sorted({ASSESSMENT_FACTORS.draw(rng) for _ in range(rng.choice([1, 2, 2, 3, 4]))}))
        results = []
        for child in children:
            child_need = "N2" if child.disabilities and rng.random() < 0.5 else need
            referral = Referral(date=day, source=source, primary_need=child_need, nfa=nfa)
            child.contacts.append(Contact(date=day, source=source, became_referral=True))
            child.referrals.append(referral)
            if nfa:
                referral.closure = day
                referral.closure_reason = "RC7"  # RC8/RC9 are for cases closed after an assessment
                referral.allocations = self.workforce.screening(day)
                results.append((child, day))
                continue
            closure = self._assessed(
                child,
                referral,
                route,
                assessment_start,
                working_days,
                s47_delay,
                icpc,
                icpc_delay,
                plan_after_icpc,
                into_care,
                factors,
            )
            results.append((child, self._settle_closure(referral) if closure else closure))
        return results

    @staticmethod
    def _settle_closure(referral: Referral) -> date | None:
        """An episode closes no earlier than its last activity, and not while any is open."""
        spans = [(a.start, a.authorised) for a in referral.assessments]
        spans += [(s.start, s.icpc_date or s.end) for s in referral.section47s]
        spans += [(p.start, p.end) for p in referral.cp_plans + referral.cin_plans]
        if any(end is None for _start, end in spans):
            referral.closure = referral.closure_reason = None
            return None
        last = max((end for _start, end in spans), default=referral.date)
        if referral.closure is not None and last > referral.closure:
            referral.closure = last
        return referral.closure

    def _assessed(
        self,
        child,
        referral,
        route,
        a_start,
        working_days,
        s47_delay,
        icpc,
        icpc_delay,
        plan_after_icpc,
        into_care,
        factors,
    ) -> date | None:
        rng = self.rng
        as_at = self.as_at
        authorised = add_working_days(a_start, working_days)
        in_need = route != "not_in_need"
        assessment = Assessment(
            start=a_start,
            authorised=self._closed(authorised),
            child_seen=child.dob <= a_start and rng.random() < 0.97,
            factors=factors,
            in_need=in_need,
        )
        referral.assessments.append(assessment)
        referral.allocations = self.workforce.screening(referral.date)
        referral.allocations += self.workforce.allocate("assessment", referral.date, self._closed(authorised))
        if a_start > as_at:
            return None
        plan_start: date | None = None  # when the child's ongoing support starts
        cp_plan: ChildProtectionPlan | None = None
        if route == "s47":
            s47_start = add_working_days(referral.date, s47_delay)
            target = add_working_days(s47_start, 15)
            if icpc:
                icpc_date = add_working_days(s47_start, icpc_delay)
                s47 = Section47(
                    start=s47_start,
                    end=self._closed(icpc_date),
                    icpc_target=target,
                    icpc_date=self._closed(icpc_date),
                    icpc_not_required=False,
                    icpc_led_to_plan=plan_after_icpc,
                )
                referral.section47s.append(s47)
                if icpc_date > as_at:
                    return None
                if plan_after_icpc:
                    cp_plan = self._cp_plan(child, icpc_date)
                    referral.cp_plans.append(cp_plan)
                else:
                    plan_start = max(icpc_date, authorised)
            else:
                s47_end = add_working_days(s47_start, rng.randint(3, 15))
                referral.section47s.append(
                    Section47(
                        start=s47_start,
                        end=self._closed(s47_end),
                        icpc_target=target,
                        icpc_date=None,
                        icpc_not_required=True,
                        icpc_led_to_plan=False,
                    )
                )
                if rng.random() < 0.5:
                    plan_start = max(authorised, s47_end)
                else:  # closed after the enquiry: RC8/RC9 cannot follow a section 47
                    in_need = False
                    assessment.in_need = False
                    closure = max(authorised, s47_end)
                    if closure > as_at:
                        return None
                    referral.closure = closure
                    referral.closure_reason = "RC7"
                    return closure
        elif route == "cin_plan":
            plan_start = authorised

        if into_care and child.dob > referral.date:  # a pre-birth referral: looked after from birth
            entry = child.dob + timedelta(days=rng.randint(0, 6))
            if cp_plan is not None:
                entry = max(entry, cp_plan.start + timedelta(days=1))
                self._end_cp_plan(cp_plan, entry, child.dob)
            return self._enter_care(child, referral, entry, kind_from="birth")
        if into_care:
            entry = referral.date + timedelta(days=rng.randint(0, 20))
            if cp_plan is not None:
                entry = max(entry, cp_plan.start + timedelta(days=1))
                self._end_cp_plan(cp_plan, entry, child.dob)
            return self._enter_care(child, referral, max(entry, referral.date), kind_from="referral")

        if cp_plan is not None:
            return self._after_cp_plan(child, referral, cp_plan)
        if plan_start is not None:
            return self._cin_plan(child, referral, plan_start, from_cp=False)
        # assessed as not in need: close when authorised; some families go to early help
        if authorised > as_at:
            return None
        referral.closure = authorised
        if rng.random() < 0.3:
            referral.closure_reason = "RC9"
            self._add_early_help(child, authorised + timedelta(days=rng.randint(1, 20)), "Step-down from social care")
        else:
            referral.closure_reason = "RC8"
        return authorised

    def _cp_plan(self, child: Child, start: date) -> ChildProtectionPlan:
        rng = self.rng
        category = CP_CATEGORY.draw(rng)
        latest = category if rng.random() < 0.85 else CP_CATEGORY.draw(rng)
        length = _uniform_days(rng, CP_PLAN_DAYS.draw(rng))
        plan = ChildProtectionPlan(
            start=start,
            end=self._closed(min(start + length, max(add_years(child.dob, 18), start + timedelta(days=1)))),
            initial_category=category,
            latest_category=latest,
        )
        self._cp_plan_activity(plan, child.dob)
        return plan

    def _cp_plan_activity(self, plan: ChildProtectionPlan, dob: date) -> None:
        """Review conferences at three months then six-monthly; visits at least every ten working days."""
        rng = self.rng
        last = plan.end or self.as_at
        plan.reviews.clear()
        plan.visits.clear()
        review = plan.start + timedelta(days=rng.randint(75, 92))
        while review < last:
            plan.reviews.append(review)
            review = review + timedelta(days=rng.randint(160, 185))
        plan.visits.extend(statutory_visits(rng, plan.start, last, dob, CP_VISITS))

    def _end_cp_plan(self, plan: ChildProtectionPlan, end: date, dob: date) -> None:
        plan.end = self._closed(end)
        self._cp_plan_activity(plan, dob)

    def _after_cp_plan(self, child: Child, referral: Referral, plan: ChildProtectionPlan) -> date | None:
        rng = self.rng
        referral.allocations += self.workforce.allocate("safeguarding", plan.start, plan.end)
        if plan.end is None:
            return None
        roll = rng.random()
        if roll < LAC_AFTER_CP_PLAN:
            return self._enter_care(child, referral, plan.end, kind_from="cp_plan")
        if roll < LAC_AFTER_CP_PLAN + 0.55:
            return self._cin_plan(child, referral, plan.end, from_cp=True)
        referral.closure = plan.end
        referral.closure_reason = "RC7"
        return plan.end

    def _cin_plan(self, child: Child, referral: Referral, start: date, *, from_cp: bool) -> date | None:
        rng = self.rng
        eighteen = add_years(child.dob, 18)
        if start > self.as_at:
            return None
        if start >= eighteen - timedelta(days=2):
            referral.closure = start
            referral.closure_reason = "RC7"
            return start
        length = _uniform_days(rng, CIN_PLAN_DAYS.draw(rng))
        if from_cp:
            length = length * 2 // 3
        end = start + length
        eighteen = add_years(child.dob, 18)
        end = min(end, eighteen - timedelta(days=1))
        plan = CinPlan(start=start, end=self._closed(end))
        referral.cin_plans.append(plan)
        service = "disabled_children" if referral.primary_need == "N2" else "safeguarding"
        referral.allocations += self.workforce.allocate(service, start, plan.end)
        referral.visits.extend(statutory_visits(rng, start, plan.end or self.as_at, child.dob, CIN_VISITS))
        if plan.end is None:
            return None
        referral.closure = plan.end
        referral.closure_reason = "RC7" if rng.random() < 0.93 else rng.choice(["RC3", "RC5", "RC6"])
        if end == eighteen - timedelta(days=1):
            referral.closure_reason = "RC6" if child.disabilities else "RC7"
        return plan.end

    # looked after --------------------------------------------------------------------
    def _enter_care(self, child: Child, referral: Referral, entry: date, kind_from: str) -> date | None:
        from childhub.synth.looked_after import simulate_care_period

        adopted = any(p.end and p.episodes[-1].reason_ceased in ("E11", "E12") for p in child.care_periods)
        if entry > self.as_at or age_on(child.dob, entry) >= 18 or adopted:  # an adopted child has a new record
            if entry > self.as_at:
                return None
            referral.closure = entry
            referral.closure_reason = "RC7"
            return entry
        period = simulate_care_period(self, child, entry, referral.primary_need)
        child.care_periods.append(period)
        end = period.end
        if end is None:
            return None
        if period.episodes[-1].reason_ceased in RETURNS_HOME and self.rng.random() < RE_ENTRY_AFTER_RETURN_HOME:
            again = end + timedelta(days=self.rng.randint(20, 330))  # back in care within the year
            if again <= self.as_at and age_on(child.dob, again) < 17:
                return self._enter_care(child, referral, again, kind_from="re-entry")
        referral.closure = end
        reason = period.episodes[-1].reason_ceased
        referral.closure_reason = {
            "E11": "RC1",
            "E12": "RC1",
            "E2": "RC2",
            "E41": "RC3",
            "E45": "RC4",
            "E46": "RC4",
            "E3": "RC5",
        }.get(reason or "", "RC7")
        return end

    # contacts that went no further, and early help ------------------------------------
    def _contacts_only(self, household: Household, start: date) -> None:
        rng = self.rng
        rate = CONTACT_ONLY_RATE * (0.3 + household.risk)
        for day in self._exp_dates(rate, start, self.as_at):
            day = next_working_day(day)
            if day > self.as_at:
                continue
            source = REFERRAL_SOURCE.draw(rng)
            for child in household.children:
                if child.dob <= day and age_on(child.dob, day) < 18 and rng.random() < 0.7:
                    child.contacts.append(Contact(date=day, source=source, became_referral=False))

    def _early_help(self, household: Household, start: date, open_until: dict[str, date]) -> None:
        rng = self.rng
        for day in self._exp_dates(EARLY_HELP_RATE * (0.2 + household.risk), start, self.as_at):
            reason = rng.choice(EARLY_HELP_REASONS)
            for child in household.children:
                if child.dob <= day and age_on(child.dob, day) < 18 and open_until.get(child.person_id, date.min) < day:
                    self._add_early_help(child, day, reason)

    def _add_early_help(self, child: Child, start: date, reason: str) -> None:
        rng = self.rng
        if start > self.as_at or age_on(child.dob, start) >= 18:
            return
        if child.early_help and (child.early_help[-1].end is None or child.early_help[-1].end >= start):
            return
        end = start + timedelta(days=rng.randint(60, 300))
        assessed = start + timedelta(days=rng.randint(5, 40))
        organisation = EARLY_HELP_ORGANISATIONS.draw(rng)
        child.early_help.append(
            EarlyHelp(
                start=start,
                end=self._closed(end),
                reason=reason,
                end_reason=(
                    rng.choice(
                        [
                            "Needs met",
                            "Needs met",
                            "Family disengaged",
                            "Stepped up to social care",
                            "Moved away",
                        ]
                    )
                    if end <= self.as_at
                    else None
                ),
                organisation=organisation,
                assessment_completed=self._closed(assessed),
            )
        )
        if organisation == EARLY_HELP_TEAM:  # the authority's own early help workers hold these
            child.early_help[-1].allocations = self.workforce.allocate(
                "early_help", start, self._closed(end), may_wait=False
            )


__all__ = [
    "SocialCareSimulator",
    "Workforce",
    "household_risk",
    "CareLeaverStatus",
    "Adoption",
    "Episode",
    "LookedAfterPeriod",
    "Missing",
]


def unaccompanied_arrival(sim: SocialCareSimulator, child: Child, day: date) -> None:
    """An unaccompanied asylum-seeking child: referred on arrival and looked after at once."""
    day = next_working_day(day)
    referral = Referral(date=day, source=sim.rng.choice(["5C", "6", "8"]), primary_need="N8", nfa=False)
    authorised = add_working_days(day, sim.rng.randint(5, 30))
    referral.assessments.append(
        Assessment(
            start=day,
            authorised=sim._closed(authorised),
            child_seen=True,
            factors=("9A",),
            in_need=True,
        )
    )
    child.contacts.append(Contact(date=day, source=referral.source, became_referral=True))
    child.referrals.append(referral)
    referral.allocations = sim.workforce.allocate("children_in_care", day, None)
    sim._enter_care(child, referral, day, kind_from="uasc")
    if referral.closure is not None:
        for allocation in referral.allocations:
            if allocation.end is None or allocation.end > referral.closure:
                allocation.end = referral.closure
        referral.allocations = [a for a in referral.allocations if a.start <= referral.closure]
