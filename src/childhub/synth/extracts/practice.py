"""The quality behind the numbers: the quality assurance tool's case file audits and the children's surveys.

Both are drawn from random streams of their own (``{seed}:case-audits`` and ``{seed}:surveys``) and read the
authority without changing it, so adding them left every other extract as it was for a seed.

- ``practice/case_audits.csv``: each month of the last two years to the as-at date, a sample of the children open to
  social care that month (an open child in need episode or a period of care) has their file audited: an auditor,
  an overall grade with a spread near what authorities report (about half good or better), and three to five
  themes, each graded near the overall grade. Read by ``synth/mappings/synthetic_case_audits.yml``.
- ``practice/surveys.csv``: each autumn, the children in care survey (children aged 4 to 17 in care on its closing
  day) and the care leavers survey (care leavers aged 18 to 21), anonymous, one row per answer. Read by
  ``synth/mappings/synthetic_surveys.yml``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from childhub.calendar import age_on
from childhub.synth.extracts.registry import iso, write_csv
from childhub.synth.extracts.social_care_system import SocialCareSystem
from childhub.synth.model import Child

AUDIT_MONTHS = 24
AUDIT_SHARE = 0.05  # of the children open in a month whose files are audited that month
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
GRADE_WEIGHTS = (0.06, 0.46, 0.37, 0.11)
THEMES = {  # column prefix -> who the theme applies to
    "assessment": "any",
    "planning": "any",
    "visits": "any",
    "voice_of_the_child": "any",
    "management_oversight": "any",
    "permanence": "in care",
}
THEME_WORDS = {
    "assessment": "Assessment",
    "planning": "Planning",
    "visits": "Visits",
    "voice_of_the_child": "Voice of the child",
    "management_oversight": "Management oversight",
    "permanence": "Permanence",
}
AUDIT_COLUMNS = [
    "audit_id", "person_id", "audit_date", "auditor", "overall_grade", "themes", *(f"{t}_grade" for t in THEMES),
]  # fmt: skip

SURVEY_COLUMNS = ["response_id", "survey", "round", "completed_on", "respondent", "age_band", "question", "answer"]
SURVEY_ROUNDS = 2  # the last two autumns
RESPONSE_RATE = 0.45
SKIPPED = 0.04  # a question left unanswered
CHILDREN_IN_CARE = "Children in care survey"
CARE_LEAVERS = "Care leavers survey"
# question -> (answers, their weights)
QUESTIONS = {
    CHILDREN_IN_CARE: {
        "Do you feel safe where you live?": (("Yes", "Sometimes", "No"), (0.83, 0.12, 0.05)),
        "Do you know who your social worker is?": (("Yes", "No", "Not sure"), (0.86, 0.06, 0.08)),
        "Do you get to see your family as much as you want?": (("Yes", "Sometimes", "No"), (0.48, 0.30, 0.22)),
        "Do you trust the adults you live with?": (("Yes", "Sometimes", "No"), (0.80, 0.14, 0.06)),
    },
    CARE_LEAVERS: {
        "Do you feel safe where you live?": (("Yes", "Sometimes", "No"), (0.76, 0.16, 0.08)),
        "Do you know who your personal adviser is?": (("Yes", "No", "Not sure"), (0.88, 0.05, 0.07)),
        "Do you feel settled where you live?": (("Yes", "Sometimes", "No"), (0.62, 0.24, 0.14)),
    },
}


def write_practice(system: SocialCareSystem, folder: Path, seed: int) -> dict[str, int]:
    """Write the case file audits and the surveys into ``folder``; the rows written, by file name."""
    audits = _audit_rows(system, random.Random(f"{seed}:case-audits"))
    surveys = _survey_rows(system, random.Random(f"{seed}:surveys"))
    return {
        "case_audits.csv": write_csv(folder / "case_audits.csv", AUDIT_COLUMNS, audits),
        "surveys.csv": write_csv(folder / "surveys.csv", SURVEY_COLUMNS, surveys),
    }


def _months(as_at: date, count: int) -> list[tuple[date, date]]:
    """The first and last day of each of the ``count`` months to ``as_at`` (the last cut at ``as_at``), oldest first."""
    months = []
    first = as_at.replace(day=1)
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        months.append((first, min(following - timedelta(days=1), as_at)))
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def _in_care_during(child: Child, first: date, last: date) -> bool:
    return any(p.start <= last and (p.end is None or p.end >= first) for p in child.care_periods)


def _open_during(child: Child, first: date, last: date) -> bool:
    in_need = any(not r.nfa and r.date <= last and (r.closure is None or r.closure >= first) for r in child.referrals)
    return in_need or _in_care_during(child, first, last)


def _audit_rows(system: SocialCareSystem, rng: random.Random):
    authority = system.authority
    auditors = sorted(w.name for w in authority.workers if w.role == "social worker")
    auditors = rng.sample(auditors, min(6, len(auditors))) if auditors else ["Quality assurance team"]
    number = 0
    for first, last in _months(authority.as_at, AUDIT_MONTHS):
        open_children = [c for c in system.children if c.dob <= last and _open_during(c, first, last)]
        if not open_children:
            continue
        sample = rng.sample(open_children, max(1, round(len(open_children) * AUDIT_SHARE)))
        for child in sorted(sample, key=lambda c: int(system.person_id(c))):
            number += 1
            overall = rng.choices(range(len(GRADES)), GRADE_WEIGHTS)[0]
            in_care = _in_care_during(child, first, last)
            themes = [t for t, who in THEMES.items() if who == "any" or in_care]
            looked_at = set(rng.sample(themes, rng.randint(3, min(5, len(themes)))))
            grades = []
            for theme in THEMES:
                if theme not in looked_at:
                    grades.append("")
                    continue
                step = rng.choices((-1, 0, 1), (0.2, 0.6, 0.2))[0]
                grades.append(GRADES[min(len(GRADES) - 1, max(0, overall + step))])
            yield [
                f"QA{number:06d}",
                system.person_id(child),
                iso(first + timedelta(days=rng.randint(0, (last - first).days))),
                rng.choice(auditors),
                GRADES[overall],
                "; ".join(THEME_WORDS[t] for t in THEMES if t in looked_at),
                *grades,
            ]


def _survey_rows(system: SocialCareSystem, rng: random.Random):
    as_at = system.authority.as_at
    closing_days = []
    for year in range(as_at.year, as_at.year - 5, -1):
        if date(year, 11, 30) <= as_at:
            closing_days.append(date(year, 11, 30))
    for closing in sorted(closing_days[:SURVEY_ROUNDS]):
        opening = closing - timedelta(days=29)
        round_name = f"{closing.year} autumn"
        groups = {
            CHILDREN_IN_CARE: [
                c
                for c in system.children
                if c.dob <= closing and 4 <= age_on(c.dob, closing) <= 17 and _in_care_during(c, closing, closing)
            ],
            CARE_LEAVERS: [
                c
                for c in system.children
                if c.leaving_care is not None and c.dob <= closing and 18 <= age_on(c.dob, closing) <= 21
            ],
        }
        for survey, children in groups.items():
            prefix = "CIC" if survey == CHILDREN_IN_CARE else "CL"
            respondents = [c for c in children if rng.random() < RESPONSE_RATE]
            rng.shuffle(respondents)  # anonymous: nothing of the child orders the responses
            for index, child in enumerate(respondents, start=1):
                age = age_on(child.dob, closing)
                if survey == CARE_LEAVERS:
                    group, band = "Care leaver", "18-21"
                else:
                    group, band = "Child in care", "4-7" if age <= 7 else "8-10" if age <= 10 else "11-17"
                completed = opening + timedelta(days=rng.randint(0, 29))
                for question, (answers, weights) in QUESTIONS[survey].items():
                    answer = "" if rng.random() < SKIPPED else rng.choices(answers, weights)[0]
                    response_id = f"{prefix}-{closing.year}-{index:04d}"
                    yield [response_id, survey, round_name, iso(completed), group, band, question, answer]
