"""How close a synthetic authority is to England's published figures.

``measure(authority)`` computes, from the generator's own truth, the figures the
tests hold within tolerances and that ``childhub synth --report`` prints beside
England's values (``reference/indicators.md`` and ``reference/population.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from childhub.calendar import age_on, working_days_between
from childhub.synth.model import Authority

# name -> (England value, unit, source)
ENGLAND = {
    "referrals_per_10k": (520.0, "per 10,000", "CIN 2025 (derived)"),
    "re_referral_pct": (22.6, "%", "CIN 2025"),
    "referral_nfa_pct": (6.5, "%", "CIN 2025"),
    "assessments_within_45_pct": (85.7, "%", "CIN 2025 (derived)"),
    "assessment_median_working_days": (33.0, "days", "CIN 2025"),
    "icpc_within_15_pct": (81.4, "%", "CIN 2025 (derived)"),
    "s47_per_10k": (189.0, "per 10,000", "CIN 2025 (derived: 230,590 / 12.2m)"),
    "cin_at_31_march_per_10k": (330.0, "per 10,000", "CIN 2025"),
    "cp_plans_at_31_march_per_10k": (40.0, "per 10,000", "CIN 2025 (derived)"),
    "cp_plans_2_years_plus_pct": (4.4, "%", "CIN 2025"),
    "looked_after_at_31_march_per_10k": (67.0, "per 10,000", "CLA 2025"),
    "looked_after_uasc_pct": (8.0, "%", "CLA 2025"),
    "persistent_absence_pct": (20.0, "%", "school absence 2023/24"),
    "persistent_absence_children_in_need_pct": (44.0, "%", "school absence 2022/23"),
    "ehc_plan_pct": (5.3, "%", "SEN January 2025"),
    "sen_support_pct": (14.2, "%", "SEN January 2025"),
    "twins_per_1000_maternities": (15.0, "per 1,000", "ONS"),
    "children_per_household": (1.7, "children", "ONS (dependent children per family)"),
    # the statutory record (issue 12); "plausible" where the reference gives no national figure
    "starts_under_1_pct": (20.0, "%", "CLA: about a fifth of starts (brief)"),
    "looked_after_under_1_pct": (5.0, "%", "CLA 2022 (age at 31 March)"),
    "re_entries_within_12m_pct": (10.0, "%", "plausible: about 1 in 10 starts"),
    "cp_visits_within_10wd_pct": (88.0, "%", "plausible: Working Together, every 10 working days"),
    "cp_last_visit_seen_alone_pct": (60.0, "%", "plausible (none under 4)"),
    "cla_visits_on_time_pct": (95.0, "%", "plausible: Care Planning Regulations intervals"),
    "cla_with_permanence_plan_pct": (85.0, "%", "plausible: plan by the second review"),
    "health_assessment_pct": (90.0, "%", "plausible (CLA 12 months at 31 March)"),
    "dental_check_pct": (82.0, "%", "plausible (CLA 12 months at 31 March)"),
    "development_assessment_under5_pct": (88.0, "%", "CLA 2025"),
    "persistent_absence_looked_after_pct": (19.0, "%", "school absence 2021/22 (CLA 12 months)"),
    "caseload_per_fte": (15.4, "children", "workforce 2024 (at 30 September)"),
    "teams_holding_no_cases": (0.0, "teams", "every team holds cases"),
    "care_leavers_with_adviser_pct": (100.0, "%", "Children (Leaving Care) Act 2000"),
}


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    england: float
    unit: str
    source: str


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else float("nan")


def measure(authority: Authority) -> dict[str, Figure]:
    as_at = authority.as_at
    year_end = date(as_at.year if as_at >= date(as_at.year, 3, 31) else as_at.year - 1, 3, 31)
    year_start = date(year_end.year - 1, 4, 1)
    children = list(authority.children())
    population = sum(1 for c in children if c.dob <= year_end and age_on(c.dob, year_end) < 18)
    per_10k = 10_000 / population

    referrals = [(c, r) for c in children for r in c.referrals if year_start <= r.date <= year_end]
    re_referrals = 0
    for child, referral in referrals:
        earlier = [r.date for r in child.referrals if r.date < referral.date]
        if earlier and (referral.date - max(earlier)).days <= 365:
            re_referrals += 1
    assessments = [
        a
        for c in children
        for r in c.referrals
        for a in r.assessments
        if a.authorised and year_start <= a.authorised <= year_end
    ]
    durations = sorted(working_days_between(a.start, a.authorised) for a in assessments)
    icpcs = [
        s
        for c in children
        for r in c.referrals
        for s in r.section47s
        if s.icpc_date and year_start <= s.icpc_date <= year_end
    ]
    s47s = [s for c in children for r in c.referrals for s in r.section47s if year_start <= s.start <= year_end]

    def open_on(start, end, day):
        return start <= day and (end is None or end > day)

    cin_open = sum(
        1
        for c in children
        if any(open_on(r.date, r.closure, year_end) and not r.nfa for r in c.referrals) and age_on(c.dob, year_end) < 18
    )
    cp_open = sum(
        1 for c in children if any(open_on(p.start, p.end, year_end) for r in c.referrals for p in r.cp_plans)
    )
    cp_ended = [
        p for c in children for r in c.referrals for p in r.cp_plans if p.end and year_start <= p.end <= year_end
    ]
    looked_after = [c for c in children if any(open_on(p.start, p.end, year_end) for p in c.care_periods)]

    pupils_terms: dict[str, list[int]] = {}
    academic = f"{year_end.year - 1}/{year_end.year % 100:02d}"
    for child in children:
        terms = [t for t in child.attendance if t.academic_year == academic]
        if terms:
            possible = sum(t.possible for t in terms)
            missed = sum(t.authorised + t.unauthorised for t in terms)
            pupils_terms[child.person_id] = [possible, missed]
    persistent = {pid for pid, (possible, missed) in pupils_terms.items() if missed >= 0.1 * possible}
    in_need_ids = {
        c.person_id
        for c in children
        if any(r.date <= year_end and (r.closure is None or r.closure >= year_start) and not r.nfa for r in c.referrals)
    }
    in_need_pupils = in_need_ids & set(pupils_terms)
    pupils_on_census = [
        c
        for c in children
        if c.enrolments
        and any(e.entry <= year_end and (e.leaving is None or e.leaving >= year_end) for e in c.enrolments)
    ]
    ehc = sum(1 for c in pupils_on_census if any(s.provision == "E" and s.start <= year_end for s in c.sen))
    support = sum(
        1
        for c in pupils_on_census
        if any(s.provision == "K" and s.start <= year_end and (s.end is None or s.end >= year_end) for s in c.sen)
    )
    births = [c for c in children if not c.uasc]
    twin_maternities = sum(1 for c in births if c.twin_of and c.person_id < c.twin_of)
    maternities = len(births) - twin_maternities
    households = [h for h in authority.households if not h.children[0].uasc]

    values = {
        "referrals_per_10k": len(referrals) * per_10k,
        "re_referral_pct": _pct(re_referrals, len(referrals)),
        "referral_nfa_pct": _pct(sum(1 for _, r in referrals if r.nfa), len(referrals)),
        "assessments_within_45_pct": _pct(sum(1 for d in durations if d <= 45), len(durations)),
        "assessment_median_working_days": float(durations[len(durations) // 2]) if durations else float("nan"),
        "icpc_within_15_pct": _pct(
            sum(1 for s in icpcs if working_days_between(s.start, s.icpc_date) <= 15), len(icpcs)
        ),
        "s47_per_10k": len(s47s) * per_10k,
        "cin_at_31_march_per_10k": cin_open * per_10k,
        "cp_plans_at_31_march_per_10k": cp_open * per_10k,
        "cp_plans_2_years_plus_pct": _pct(sum(1 for p in cp_ended if (p.end - p.start).days >= 730), len(cp_ended)),
        "looked_after_at_31_march_per_10k": len(looked_after) * per_10k,
        "looked_after_uasc_pct": _pct(sum(1 for c in looked_after if c.uasc), len(looked_after)),
        "persistent_absence_pct": _pct(len(persistent), len(pupils_terms)),
        "persistent_absence_children_in_need_pct": _pct(len(persistent & in_need_pupils), len(in_need_pupils)),
        "ehc_plan_pct": _pct(ehc, len(pupils_on_census)),
        "sen_support_pct": _pct(support, len(pupils_on_census)),
        "twins_per_1000_maternities": 1000.0 * twin_maternities / maternities if maternities else float("nan"),
        "children_per_household": sum(len(h.children) for h in households) / len(households),
    }
    values.update(_statutory_record(authority, year_start, year_end, pupils_terms, persistent))
    return {name: Figure(name, round(value, 2), *ENGLAND[name]) for name, value in values.items()}


def _open_on(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or end > day)


def _statutory_record(
    authority: Authority, year_start: date, year_end: date, pupils_terms: dict, persistent: set
) -> dict[str, float]:
    """Starts, visits, plans, health, workforce and care leavers, as the reporting year's returns count them."""
    children = list(authority.children())
    starts = [(c, p) for c in children for p in c.care_periods if year_start <= p.start <= year_end]
    re_entries = 0
    for child, period in starts:
        left = [p.end for p in child.care_periods if p.end is not None and p.end <= period.start]
        re_entries += bool(left) and (period.start - max(left)).days <= 365
    looked_after = [(c, p) for c in children for p in c.care_periods if _open_on(p.start, p.end, year_end)]
    long_term = [(c, p) for c, p in looked_after if p.start <= date(year_end.year - 1, 3, 31)]
    under_five = [(c, p) for c, p in long_term if age_on(c.dob, year_end) < 5]

    def checked(period, dates) -> bool:
        return any(year_start <= d <= year_end for d in dates)

    cp_visits, cp_on_time, cp_alone, cp_open = 0, 0, 0, 0
    for child in children:
        for plan in (p for r in child.referrals for p in r.cp_plans):
            previous = plan.start
            for visit in plan.visits:
                if year_start <= visit.date <= year_end:
                    cp_visits += 1
                    cp_on_time += working_days_between(previous, visit.date) <= 10
                previous = visit.date
            before = [v for v in plan.visits if v.date <= year_end]
            if _open_on(plan.start, plan.end, year_end) and before:
                cp_open += 1
                cp_alone += before[-1].seen_alone
    cla_on_time = 0
    for _child, period in looked_after:
        visits = [v.date for v in period.visits if v.date <= year_end]
        placed = max(e.start for e in period.episodes if e.start <= year_end and e.reason_new != "L")
        allowed = 7 if not [d for d in visits if d >= placed] else 42 if (year_end - placed).days < 365 else 91
        cla_on_time += (year_end - max(visits + [placed])).days <= allowed
    planned = sum(any(_open_on(cp.start, cp.end, year_end) for cp in p.care_plans) for _c, p in looked_after)
    leavers = [c for c in children if c.leaving_care and c.leaving_care.now]
    with_adviser = sum(any(_open_on(a.start, a.end, year_end) for a in c.leaving_care.advisers) for c in leavers)
    long_term_pupils = {c.person_id for c, _p in long_term} & set(pupils_terms)
    caseload, teams_idle = caseloads(authority, year_end)
    return {
        "starts_under_1_pct": _pct(sum(age_on(c.dob, p.start) < 1 for c, p in starts), len(starts)),
        "looked_after_under_1_pct": _pct(sum(age_on(c.dob, year_end) < 1 for c, _p in looked_after), len(looked_after)),
        "re_entries_within_12m_pct": _pct(re_entries, len(starts)),
        "cp_visits_within_10wd_pct": _pct(cp_on_time, cp_visits),
        "cp_last_visit_seen_alone_pct": _pct(cp_alone, cp_open),
        "cla_visits_on_time_pct": _pct(cla_on_time, len(looked_after)),
        "cla_with_permanence_plan_pct": _pct(planned, len(looked_after)),
        "health_assessment_pct": _pct(sum(checked(p, p.health_checks) for _c, p in long_term), len(long_term)),
        "dental_check_pct": _pct(sum(checked(p, p.dental_checks) for _c, p in long_term), len(long_term)),
        "development_assessment_under5_pct": _pct(
            sum(checked(p, p.development_checks) for _c, p in under_five), len(under_five)
        ),
        "persistent_absence_looked_after_pct": _pct(len(persistent & long_term_pupils), len(long_term_pupils)),
        "caseload_per_fte": caseload,
        "teams_holding_no_cases": float(teams_idle),
        "care_leavers_with_adviser_pct": _pct(with_adviser, len(leavers)) if leavers else 100.0,
    }


def caseloads(authority: Authority, day: date) -> tuple[float, int]:
    """Children allocated to a worker on ``day`` per FTE of the workers holding any, and the teams holding none."""
    held: dict[str, set[str]] = {}
    for child in authority.children():
        allocations = [a for r in child.referrals for a in r.allocations]
        allocations += [a for p in child.care_periods for a in p.social_workers]
        allocations += [a for e in child.early_help for a in e.allocations]
        allocations += child.leaving_care.advisers if child.leaving_care else []
        for allocation in allocations:
            if allocation.worker_id and _open_on(allocation.start, allocation.end, day):
                held.setdefault(allocation.worker_id, set()).add(child.person_id)
    holders = [w for w in authority.workers if w.worker_id in held]
    fte = sum(w.fte for w in holders)
    teams_holding = {w.team_id for w in holders}
    cases = sum(len(held[w.worker_id]) for w in holders)
    return (cases / fte if fte else float("nan")), sum(t.team_id not in teams_holding for t in authority.teams)
