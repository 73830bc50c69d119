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
    return {name: Figure(name, round(value, 2), *ENGLAND[name]) for name, value in values.items()}
