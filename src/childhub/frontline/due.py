"""What is due for every child open today: statutory visits, reviews, assessments, health assessments and pathway
plan reviews, counted set-wise in one query over the facts (no query per child), by the ``Timescales`` settings.

Each item is due a number of days, working days or months after the event it runs from (``basis``): the last
visit or review, or, where none is recorded yet, the start of what requires it (the plan, the placement, the
period of care). Working days are the facts' own ``add_working_days`` (childhub.calendar's England and Wales bank
holidays); months are calendar months, the same day of the month or the month's last day where it is shorter
(DuckDB's month arithmetic: 31 August + 6 months = 28 February, 29 February in a leap year). Days until due are
calendar days from the date asked about (negative: overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.calendar import long_date
from childhub.frontline.timescales import Timescales

if TYPE_CHECKING:
    import duckdb

# The facts the due items read: a cached result is kept against their versions (web/served.py).
READS = (
    "assessment",
    "care_leaver",
    "child",
    "cin_plan",
    "cin_visit",
    "cla_period",
    "cla_placement",
    "cla_review",
    "cla_visit",
    "cp_plan",
    "cp_review",
    "cp_visit",
    "health_check",
    "referral",
)

# kind -> (what is due, in words; whether it is a visit, a review or other work, as My team counts the overdue)
KINDS: dict[str, tuple[str, str]] = {
    "cp_visit": ("Child protection visit", "visit"),
    "cp_review": ("Child protection review conference", "review"),
    "cla_visit": ("Looked-after child visit", "visit"),
    "cla_review": ("Looked-after review", "review"),
    "cin_visit": ("Child in need visit", "visit"),
    "assessment": ("Assessment to complete", "other"),
    "health_assessment": ("Health assessment", "other"),
    "pathway_review": ("Pathway plan review", "review"),
}

_SQL = """
WITH
cp AS (  -- each child's child protection plan open on the day (the latest, where records disagree)
    SELECT child_key, cp_plan_id, start_date FROM fact_cp_plan p
    WHERE cp_plan_on(p, $as_at) AND child_key IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY child_key ORDER BY start_date DESC, cp_plan_id) = 1
),
care AS (  -- each child's period of care under way on the day, and its placement now
    SELECT p.child_key, p.start_date AS care_start, pl.start_date AS placement_start, pl.placement_type
    FROM fact_cla_period p
    LEFT JOIN fact_cla_placement pl
      ON pl.person_id = p.person_id AND pl.period_number = p.period_number AND NOT pl.short_break
     AND open_on(pl.start_date, pl.end_date, $as_at)
    WHERE care_period_on(p, $as_at) AND p.child_key IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY p.child_key ORDER BY p.start_date DESC, pl.start_date DESC NULLS LAST) = 1
),
cin AS (  -- a child-in-need plan open on the day, for a child neither on a plan nor looked after
    SELECT child_key, min(start_date) AS start_date FROM fact_cin_plan
    WHERE open_on(start_date, end_date, $as_at) AND child_key IS NOT NULL
      AND child_key NOT IN (SELECT child_key FROM cp) AND child_key NOT IN (SELECT child_key FROM care)
    GROUP BY child_key
),
seen AS (  -- visits at which the child was seen (a visit recorded as not seeing the child does not count)
    SELECT 'cp' AS service, child_key, visit_date FROM fact_cp_visit WHERE coalesce(seen, 'Y') NOT IN ('N', 'NO')
    UNION ALL
    SELECT 'cla', child_key, visit_date FROM fact_cla_visit WHERE coalesce(seen, 'Y') NOT IN ('N', 'NO')
    UNION ALL
    SELECT 'cin', child_key, visit_date FROM fact_cin_visit WHERE coalesce(seen, 'Y') NOT IN ('N', 'NO')
),
cp_visit AS (
    SELECT cp.child_key, cp.start_date, max(v.visit_date) AS last_visit
    FROM cp LEFT JOIN seen v
      ON v.service = 'cp' AND v.child_key = cp.child_key AND v.visit_date BETWEEN cp.start_date AND $as_at
    GROUP BY cp.child_key, cp.start_date
),
cp_review AS (
    SELECT cp.child_key, cp.start_date, max(r.review_date) AS last_review
    FROM cp LEFT JOIN fact_cp_review r
      ON r.child_key = cp.child_key AND r.review_date > cp.start_date AND r.review_date <= $as_at
    GROUP BY cp.child_key, cp.start_date
),
cla_visit AS (
    SELECT c.child_key, c.placement_start, c.placement_type, max(v.visit_date) AS last_visit
    FROM care c LEFT JOIN seen v
      ON v.service = 'cla' AND v.child_key = c.child_key AND v.visit_date BETWEEN c.placement_start AND $as_at
    WHERE c.placement_start IS NOT NULL
    GROUP BY c.child_key, c.placement_start, c.placement_type
),
cla_review AS (
    SELECT c.child_key, c.care_start, count(r.review_date) AS reviews, max(r.review_date) AS last_review
    FROM care c LEFT JOIN fact_cla_review r
      ON r.child_key = c.child_key AND r.review_date BETWEEN c.care_start AND $as_at
    GROUP BY c.child_key, c.care_start
),
cin_visit AS (
    SELECT cin.child_key, cin.start_date, max(v.visit_date) AS last_visit
    FROM cin LEFT JOIN seen v
      ON v.service = 'cin' AND v.child_key = cin.child_key AND v.visit_date BETWEEN cin.start_date AND $as_at
    GROUP BY cin.child_key, cin.start_date
),
assessment AS (  -- open assessments (not authorised) in a CIN episode still open on the day
    SELECT a.child_key, min(a.start_date) AS start_date
    FROM fact_assessment a
    LEFT JOIN fact_referral r ON r.referral_id = a.referral_id AND r.child_key = a.child_key
    WHERE a.authorised_date IS NULL AND a.start_date <= $as_at AND a.child_key IS NOT NULL
      AND (r.referral_id IS NULL OR r.close_date IS NULL OR r.close_date > $as_at)
    GROUP BY a.child_key, a.start_date
),
health AS (  -- health assessments done in the period of care (a collection year's proxy date: from the year's start)
    SELECT c.child_key, c.care_start, ch.date_of_birth,
           max(CASE WHEN h.date_is_proxy THEN greatest(known_from(h.check_date, true), c.care_start)
                    ELSE h.check_date END) AS last_check
    FROM care c
    LEFT JOIN fact_child ch ON ch.child_key = c.child_key
    LEFT JOIN fact_health_check h
      ON h.child_key = c.child_key AND h.check_type = 'health_assessment' AND h.done
     AND h.check_date >= c.care_start AND known_from(h.check_date, h.date_is_proxy) <= $as_at
    GROUP BY c.child_key, c.care_start, ch.date_of_birth
),
leaver AS (  -- care leavers aged 16 to 25 not looked after today: their last pathway plan review, or leaving care
    SELECT l.child_key, max(l.pathway_plan_review_date) FILTER (WHERE l.pathway_plan_review_date <= $as_at)
               AS last_review,
           (SELECT max(p.end_date) FROM fact_cla_period p WHERE p.child_key = l.child_key AND p.end_date <= $as_at)
               AS left_care
    FROM fact_care_leaver l
    JOIN fact_child ch ON ch.child_key = l.child_key
    WHERE l.child_key IS NOT NULL AND l.child_key NOT IN (SELECT child_key FROM care)
      AND age_on(ch.date_of_birth, $as_at) BETWEEN 16 AND 25
    GROUP BY l.child_key
)
SELECT child_key, 'cp_visit' AS kind, add_working_days(coalesce(last_visit, start_date), $cp_visit_working_days),
       CASE WHEN last_visit IS NULL THEN 'plan_start' ELSE 'last_visit' END, coalesce(last_visit, start_date)
FROM cp_visit
UNION ALL
SELECT child_key, 'cp_review',
       CAST(CASE WHEN last_review IS NULL THEN start_date + to_months($cp_first_review_months)
                 ELSE last_review + to_months($cp_review_months) END AS DATE),
       CASE WHEN last_review IS NULL THEN 'initial_conference' ELSE 'last_review' END,
       coalesce(last_review, start_date)
FROM cp_review
UNION ALL
SELECT child_key, 'cla_visit',
       CAST(CASE WHEN last_visit IS NULL THEN placement_start + to_days($cla_first_visit_days)
                 WHEN last_visit < placement_start + to_months(12)
                      OR NOT list_contains($long_term_placement_types, placement_type)
                 THEN last_visit + to_days(7 * $cla_visit_weeks)
                 ELSE last_visit + to_months($cla_long_term_visit_months) END AS DATE),
       CASE WHEN last_visit IS NULL THEN 'placement_start'
            WHEN last_visit < placement_start + to_months(12) THEN 'last_visit_first_year'
            WHEN list_contains($long_term_placement_types, placement_type) THEN 'last_visit_long_term'
            ELSE 'last_visit' END,
       coalesce(last_visit, placement_start)
FROM cla_visit
UNION ALL
SELECT child_key, 'cla_review',
       CASE WHEN reviews = 0 THEN add_working_days(care_start, $cla_first_review_working_days)
            WHEN reviews = 1 THEN CAST(last_review + to_months($cla_second_review_months) AS DATE)
            ELSE CAST(last_review + to_months($cla_review_months) AS DATE) END,
       CASE WHEN reviews = 0 THEN 'care_start' WHEN reviews = 1 THEN 'first_review' ELSE 'last_review' END,
       coalesce(last_review, care_start)
FROM cla_review
UNION ALL
SELECT child_key, 'cin_visit', add_working_days(coalesce(last_visit, start_date), $cin_visit_working_days),
       CASE WHEN last_visit IS NULL THEN 'plan_start' ELSE 'last_visit' END, coalesce(last_visit, start_date)
FROM cin_visit
UNION ALL
SELECT child_key, 'assessment', add_working_days(start_date, $assessment_working_days), 'assessment_start', start_date
FROM assessment
WHERE working_days_between(start_date, $as_at) >= $assessment_working_days - $assessment_warning_working_days
UNION ALL
SELECT child_key, 'health_assessment',
       CASE WHEN last_check IS NULL THEN add_working_days(care_start, $health_first_working_days)
            WHEN coalesce(age_on(date_of_birth, last_check) < 5, true)
            THEN CAST(last_check + to_months($health_review_months_under_5) AS DATE)
            ELSE CAST(last_check + to_months($health_review_months_from_5) AS DATE) END,
       CASE WHEN last_check IS NULL THEN 'care_start'
            WHEN coalesce(age_on(date_of_birth, last_check) < 5, true) THEN 'last_check_under_5'
            ELSE 'last_check_from_5' END,
       coalesce(last_check, care_start)
FROM health
UNION ALL
SELECT child_key, 'pathway_review', CAST(coalesce(last_review, left_care) + to_months($pathway_review_months) AS DATE),
       CASE WHEN last_review IS NULL THEN 'left_care' ELSE 'last_review' END, coalesce(last_review, left_care)
FROM leaver
WHERE coalesce(last_review, left_care) IS NOT NULL
"""


@dataclass(frozen=True)
class DueItem:
    """One thing due for a child: what (``kind``), when (``due_date``), counted from ``basis_date`` (``basis``
    says which event that is), and how many calendar days from the day asked about (negative: overdue)."""

    child_key: str
    kind: str
    due_date: date
    basis: str
    basis_date: date
    days_until: int

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def group(self) -> str:
        """visit, review or other (My team counts overdue visits and reviews by worker)."""
        return KINDS[self.kind][1]

    @property
    def overdue(self) -> bool:
        return self.days_until < 0

    def when(self) -> str:
        """ "Overdue by 12 days", "Due today", "Due in 1 day": calendar days, in words (never colour alone)."""
        days = abs(self.days_until)
        unit = "day" if days == 1 else "days"
        if self.days_until < 0:
            return f"Overdue by {days} {unit}"
        return "Due today" if days == 0 else f"Due in {days} {unit}"

    def rule(self, timescales: Timescales) -> str:
        """The rule it is due by, in words, with the event it runs from."""
        return rule_text(self.kind, self.basis, self.basis_date, timescales)


def rule_text(kind: str, basis: str, basis_date: date, t: Timescales) -> str:
    """Why an item falls due when it does, in words."""
    since = long_date(basis_date)
    texts = {
        ("cp_visit", "plan_start"): f"Visited at least every {t.cp_visit_working_days} working days on a child "
        f"protection plan; no visit recorded since the plan started on {since}",
        ("cp_visit", "last_visit"): f"Visited at least every {t.cp_visit_working_days} working days on a child "
        f"protection plan; last seen on {since}",
        ("cp_review", "initial_conference"): f"First review conference within {t.cp_first_review_months} months of "
        f"the initial conference on {since}",
        ("cp_review", "last_review"): f"Review conference every {t.cp_review_months} months; last on {since}",
        ("cla_visit", "placement_start"): f"Visit within {t.cla_first_visit_days} days of a placement starting; "
        f"this placement started on {since}",
        ("cla_visit", "last_visit_first_year"): f"Visits every {t.cla_visit_weeks} weeks in a placement's first "
        f"year; last seen on {since}",
        ("cla_visit", "last_visit_long_term"): f"Visits every {t.cla_long_term_visit_months} months in a long-term "
        f"placement after its first year; last seen on {since}",
        ("cla_visit", "last_visit"): f"Visits every {t.cla_visit_weeks} weeks; last seen on {since}",
        ("cla_review", "care_start"): f"First review within {t.cla_first_review_working_days} working days of "
        f"coming into care on {since}",
        ("cla_review", "first_review"): f"Second review within {t.cla_second_review_months} months of the first, "
        f"on {since}",
        ("cla_review", "last_review"): f"Reviews every {t.cla_review_months} months; last on {since}",
        ("cin_visit", "plan_start"): f"Visited every {t.cin_visit_working_days} working days on a child in need "
        f"plan (the authority's standard); no visit recorded since the plan started on {since}",
        ("cin_visit", "last_visit"): f"Visited every {t.cin_visit_working_days} working days on a child in need "
        f"plan (the authority's standard); last seen on {since}",
        ("assessment", "assessment_start"): f"Assessment completed within {t.assessment_working_days} working "
        f"days; started on {since}",
        ("health_assessment", "care_start"): f"Initial health assessment within {t.health_first_working_days} "
        f"working days of coming into care on {since}",
        ("health_assessment", "last_check_under_5"): f"Health assessment every {t.health_review_months_under_5} "
        f"months under 5; last on {since}",
        ("health_assessment", "last_check_from_5"): f"Health assessment every {t.health_review_months_from_5} "
        f"months from 5; last on {since}",
        ("pathway_review", "left_care"): f"Pathway plan reviewed every {t.pathway_review_months} months; no review "
        f"recorded since leaving care on {since}",
        ("pathway_review", "last_review"): f"Pathway plan reviewed every {t.pathway_review_months} months; last on "
        f"{since}",
    }
    return texts[(kind, basis)]


def due_items(cursor: duckdb.DuckDBPyConnection, as_at: date, timescales: Timescales) -> list[DueItem]:
    """Everything due for every child open on ``as_at``, soonest first (one query over the prepared facts)."""
    values: dict[str, Any] = timescales.model_dump()
    values["long_term_placement_types"] = list(timescales.long_term_placement_types)
    values["as_at"] = as_at
    rows = cursor.execute(_SQL, values).fetchall()
    items = [
        DueItem(key, kind, due, basis, basis_date, (due - as_at).days)
        for key, kind, due, basis, basis_date in rows
        if due is not None
    ]
    items.sort(key=lambda item: (item.due_date, item.child_key, item.kind))
    return items
