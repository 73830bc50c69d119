"""The front door and demand, and a transparent projection of children in care (docs/demand.md).

**The front door** (``front_door``), over a window of whole months (the 12 complete months to a date by default):
contacts by source and what became of them, police domestic-abuse notifications and how many became referrals,
children contacted again and again without a referral, step-up from early help into social care and step-down
from social care into early help, and by team how often contacts become referrals and referrals end in no
further action after assessment, each team judged against funnel limits. Every rule is written once below
(``OUTCOME_RULES`` and the day windows) and said in words on the page. Each number keeps the rows behind it
(``FrontDoor.lists``), so the web can give the children behind it to those who may see them.

**The projection** (``care_projection``): month-end counts of children in care, entries and exits per month over
the 12 complete months, then N(t+1) = N(t) + entries - exit rate x N(t) month by month for 12 months, with 80% and
95% bands from 1,000 simulated paths (a fixed seed), and beside it the projection made the same way 12 months
earlier against the counts that have arrived since.

``published_front_door`` and ``published_projection`` give either as a viewer under a small-number threshold may
see it (``childhub.disclosure``): small counts ``[c]``, breakdowns protected, monthly counts rounded, no teams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from childhub.disclosure import (
    NO_THRESHOLD,
    SUPPRESSED,
    is_small,
    protect_breakdown,
    round_count,
    suppress,
)

if TYPE_CHECKING:
    import duckdb

# --- the rules, each written once -----------------------------------------------------------------

WINDOW_MONTHS = 12  # the window: the 12 complete months to the date
REFERRAL_AFTER_CONTACT_DAYS = 7  # a contact with no outcome recorded became a referral dated within this many days
EARLY_HELP_AFTER_CONTACT_DAYS = 7  # ... or early help, an episode started within this many days
REFERRAL_AFTER_NOTIFICATION_DAYS = 28  # a police notification became a referral dated within this many days
REPEAT_CONTACTS = 3  # children with this many contacts or more in the window and no referral in it
STEP_UP_DAYS = 28  # a referral while an early help episode was open, or within this many days of its end
STEP_DOWN_DAYS = 28  # an early help episode starting within this many days of a social care closure
PROJECTION_MONTHS = 12
PROJECTION_PATHS = 1000
PROJECTION_SEED = 16

# What became of a contact, the first rule that holds (docs/demand.md): the recorded outcome first, as the
# indicator contacts_to_referral reads it; with no outcome recorded, what followed it.
OUTCOMES = ("referral", "early_help", "no_further_action", "other")
OUTCOME_WORDS = {
    "referral": "Referral to children's social care",
    "early_help": "Early help",
    "no_further_action": "No further action (information and advice)",
    "other": "Other or not recorded",
}
OUTCOME_RULES = {
    "referral": (
        "the contact's recorded outcome names a referral (as the indicator Contacts that led to a referral reads "
        f"it), or no outcome is recorded and a referral for the child is dated on the contact's day or in the "
        f"{REFERRAL_AFTER_CONTACT_DAYS} days after it"
    ),
    "early_help": (
        "otherwise, the recorded outcome mentions early help, or no outcome is recorded and an early help episode "
        f"for the child started on the contact's day or in the {EARLY_HELP_AFTER_CONTACT_DAYS} days after it"
    ),
    "no_further_action": ("otherwise, the recorded outcome says no further action (NFA) or information and advice"),
    "other": "anything else: signposting to another service, or no outcome recorded and nothing followed",
}
_EARLY_HELP_OUTCOME = r"(?i)early\s*help"
_NFA_OUTCOME = r"(?i)(no further action|\bnfa\b|information and advice|advice and information|advice (only|given))"
_STEP_UP_REASON = r"(?i)(social care|step(ped)?[\s-]*up|escalat)"
NO_TEAM = "none"  # the key of "no team": a contact about a child no team was working with
OPEN_CASE = "open"  # the key of contacts about children with a children-in-need case open: no new referral is due
Z95, Z998 = 1.959964, 3.090232  # funnel limits: 95% and 99.8% two-sided normal quantiles
FUNNEL_LEVELS = ((Z95, "95% limits"), (Z998, "99.8% limits"))  # the funnel chart's limits: z and their name
# Every rule above, for the pages to say in words.
RULES = {
    "referral_after_contact_days": REFERRAL_AFTER_CONTACT_DAYS,
    "early_help_after_contact_days": EARLY_HELP_AFTER_CONTACT_DAYS,
    "referral_after_notification_days": REFERRAL_AFTER_NOTIFICATION_DAYS,
    "repeat_contacts": REPEAT_CONTACTS,
    "step_up_days": STEP_UP_DAYS,
    "step_down_days": STEP_DOWN_DAYS,
    "outcomes": OUTCOMES,
    "outcome_words": OUTCOME_WORDS,
    "outcome_rules": OUTCOME_RULES,
    "projection_paths": PROJECTION_PATHS,
    "projection_seed": PROJECTION_SEED,
}

Count = int | str  # a count, or "[c]" where it is small under a threshold


def window_for(as_at: date, months: int = WINDOW_MONTHS) -> tuple[date, date]:
    """The first and last day of the ``months`` complete months to ``as_at`` (a month ending on ``as_at`` is
    complete): as at 5 December 2026, 1 December 2025 to 30 November 2026."""
    end = as_at if (as_at + timedelta(days=1)).day == 1 else as_at.replace(day=1) - timedelta(days=1)
    return _month_start(end, months - 1), end


def month_ends(last: date, count: int) -> list[date]:
    """The ``count`` month ends up to and including ``last`` (a month end), oldest first."""
    return [_month_end(_month_start(last, back)) for back in range(count - 1, -1, -1)]


def _month_start(month_end: date, back: int) -> date:
    """The first day of the month ``back`` months before the month of ``month_end``."""
    index = month_end.year * 12 + month_end.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _month_start(first, -1) - timedelta(days=1)


# --- the front door ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamThreshold:
    """One team's use of the thresholds: its contacts and how many became referrals, its referrals and how
    many ended in no further action after assessment, each share judged against funnel limits."""

    team_id: str
    team_name: str
    contacts: int
    contacts_to_referral: int
    referrals: int
    nfa_after_assessment: int
    contact_judgement: str  # in words: "within the limits", "above the 99.8% limit", ...
    nfa_judgement: str

    @property
    def contact_share(self) -> float | None:
        return 100 * self.contacts_to_referral / self.contacts if self.contacts else None

    @property
    def nfa_share(self) -> float | None:
        return 100 * self.nfa_after_assessment / self.referrals if self.referrals else None


@dataclass(frozen=True)
class FrontDoorMonth:
    """One month of the front door's trend."""

    month_end: date
    contacts: int
    outcomes: dict[str, int]  # by OUTCOMES
    notifications: int
    notifications_to_referral: int
    step_ups: int
    step_downs: int


@dataclass(frozen=True)
class FrontDoor:
    """The front door over a window of whole months, with the rows behind every number (``lists``)."""

    start: date
    end: date
    contacts: int
    by_source: tuple[tuple[str, int, int], ...]  # (source code, contacts, of which became referrals), most first
    by_outcome: tuple[tuple[str, int], ...]  # (outcome, contacts), in OUTCOMES' order
    notifications: int
    notifications_to_referral: int
    repeat_children: int
    step_ups: int
    step_downs: int
    referrals: int
    nfa_after_assessment: int
    # the contacts teams are judged on (about children with no children-in-need case open), of which referrals
    judged_contacts: int
    judged_contacts_to_referral: int
    teams: tuple[TeamThreshold, ...]
    months: tuple[FrontDoorMonth, ...]
    lists: dict[str, list[dict[str, Any]]] = field(repr=False, default_factory=dict)

    @property
    def contact_share(self) -> float | None:
        """Percent of contacts that became referrals, over every team."""
        referrals = dict(self.by_outcome).get("referral", 0)
        return 100 * referrals / self.contacts if self.contacts else None

    @property
    def nfa_share(self) -> float | None:
        return 100 * self.nfa_after_assessment / self.referrals if self.referrals else None

    @property
    def judged_contact_share(self) -> float | None:
        """Percent of the contacts teams are judged on that became referrals."""
        if not self.judged_contacts:
            return None
        return 100 * self.judged_contacts_to_referral / self.judged_contacts


_CONTACTS_SQL = """
SELECT c.contact_id, c.child_key, c.contact_date, coalesce(c.contact_source, 'unknown') AS contact_source,
       CASE
           WHEN c.led_to_referral THEN 'referral'
           WHEN nullif(trim(c.outcome), '') IS NULL AND EXISTS (
               SELECT 1 FROM fact_referral r WHERE r.child_key = c.child_key
               AND r.referral_date BETWEEN c.contact_date AND c.contact_date + $referral_days) THEN 'referral'
           WHEN regexp_matches(coalesce(c.outcome, ''), $early_help_outcome) THEN 'early_help'
           WHEN nullif(trim(c.outcome), '') IS NULL AND EXISTS (
               SELECT 1 FROM fact_early_help e WHERE e.child_key = c.child_key
               AND e.start_date BETWEEN c.contact_date AND c.contact_date + $early_help_days) THEN 'early_help'
           WHEN regexp_matches(coalesce(c.outcome, ''), $nfa_outcome) THEN 'no_further_action'
           ELSE 'other'
       END AS outcome,
       -- the team already working with the child the day before (a case open in it), if any
       (SELECT arg_max(a.team_id, a.start_date) FROM fact_allocation a
        WHERE a.child_key = c.child_key AND a.team_id IS NOT NULL
          AND open_on(a.start_date, a.end_date, c.contact_date - 1)) AS team_id,
       -- a children-in-need case open the day before: the contact is about a child social care already holds
       EXISTS (SELECT 1 FROM fact_referral r WHERE r.child_key = c.child_key
               AND cin_open_on(r, c.contact_date - 1)) AS open_case
FROM fact_contact c
WHERE c.contact_date BETWEEN $start AND $end
ORDER BY c.contact_date, c.contact_id
"""

_REFERRALS_SQL = """
SELECT r.referral_id, r.child_key, r.referral_date,
       -- the referral's own team; else its assessment's; else the team that took the case last in its first week
       coalesce(r.team_id,
                (SELECT arg_min(a.team_id, a.start_date) FROM fact_assessment a
                 WHERE a.referral_id = r.referral_id AND a.child_key = r.child_key AND a.team_id IS NOT NULL),
                (SELECT arg_max(l.team_id, l.start_date) FROM fact_allocation l
                 WHERE l.child_key = r.child_key AND l.team_id IS NOT NULL
                   AND l.start_date BETWEEN r.referral_date AND r.referral_date + 7)) AS team_id,
       coalesce(r.close_reason = 'RC8', false) OR EXISTS (
           SELECT 1 FROM fact_assessment a WHERE a.referral_id = r.referral_id AND a.child_key = r.child_key
           AND a.outcome_nfa IN ('Y', 'YES', '1', 'TRUE')) AS nfa_after_assessment
FROM fact_referral r
WHERE r.referral_date BETWEEN $start AND $end
ORDER BY r.referral_date, r.referral_id
"""

_NOTIFICATIONS_SQL = """
SELECT n.child_key, coalesce(n.notification_date, n.incident_date) AS notified,
       (SELECT min(r.referral_date) FROM fact_referral r WHERE r.child_key = n.child_key
        AND r.referral_date BETWEEN coalesce(n.notification_date, n.incident_date)
                                AND coalesce(n.notification_date, n.incident_date) + $days) AS referred
FROM fact_police_notification n
WHERE coalesce(n.notification_date, n.incident_date) BETWEEN $start AND $end
ORDER BY notified, n.child_key
"""

_STEP_UP_SQL = """
WITH stepped AS (
    SELECT e.early_help_id, e.child_key, e.start_date, e.end_date, e.end_reason,
           (SELECT min(r.referral_date) FROM fact_referral r WHERE r.child_key = e.child_key
            AND r.referral_date >= e.start_date
            AND (e.end_date IS NULL OR r.referral_date <= e.end_date + $days)) AS referred,
           CASE WHEN regexp_matches(coalesce(e.end_reason, ''), $step_up_reason) THEN e.end_date END AS ended_up
    FROM fact_early_help e
)
SELECT early_help_id, child_key, coalesce(referred, ended_up) AS stepped_on, referred IS NOT NULL AS by_referral
FROM stepped
WHERE coalesce(referred, ended_up) BETWEEN $start AND $end
ORDER BY stepped_on, early_help_id
"""

_STEP_DOWN_SQL = """
SELECT r.referral_id, r.child_key, r.close_date, coalesce(r.close_reason = 'RC9', false) AS by_reason,
       (SELECT min(e.start_date) FROM fact_early_help e WHERE e.child_key = r.child_key
        AND e.start_date BETWEEN r.close_date - 7 AND r.close_date + $days) AS early_help_from
FROM fact_referral r
WHERE r.close_date BETWEEN $start AND $end
  AND (r.close_reason = 'RC9' OR EXISTS (
      SELECT 1 FROM fact_early_help e WHERE e.child_key = r.child_key
      AND e.start_date BETWEEN r.close_date - 7 AND r.close_date + $days))
ORDER BY r.close_date, r.referral_id
"""


def front_door(cursor: duckdb.DuckDBPyConnection, as_at: date, *, months: int = WINDOW_MONTHS) -> FrontDoor:
    """The front door over the ``months`` complete months to ``as_at`` (``window_for``), read from the facts."""
    start, end = window_for(as_at, months)
    window = {"start": start, "end": end}
    teams = dict(cursor.execute("SELECT team_id, team_name FROM fact_team").fetchall())

    def team_name(team_id: str | None, none: str) -> str:
        return none if team_id is None else teams.get(team_id) or f"Team {team_id}"

    lists: dict[str, list[dict[str, Any]]] = {}

    def listed(key: str, child_key: str | None, day: date | None, detail: str, team: str = "") -> None:
        lists.setdefault(key, []).append({"child_key": child_key, "date": day, "detail": detail, "team_name": team})

    ends = month_ends(end, months)
    month_of = {}  # (year, month) -> index in ends
    for index, month_end in enumerate(ends):
        month_of[(month_end.year, month_end.month)] = index
    tally = [
        {
            "contacts": 0,
            "outcomes": dict.fromkeys(OUTCOMES, 0),
            "notifications": 0,
            "to_referral": 0,
            "up": 0,
            "down": 0,
        }
        for _ in ends
    ]

    def month(day: date) -> dict[str, Any]:
        return tally[month_of[(day.year, day.month)]]

    from childhub.codes import words_for

    contacts = cursor.execute(
        _CONTACTS_SQL,
        {
            **window,
            "referral_days": REFERRAL_AFTER_CONTACT_DAYS,
            "early_help_days": EARLY_HELP_AFTER_CONTACT_DAYS,
            "early_help_outcome": _EARLY_HELP_OUTCOME,
            "nfa_outcome": _NFA_OUTCOME,
        },
    ).fetchall()
    by_source: dict[str, list[int]] = {}
    by_outcome = dict.fromkeys(OUTCOMES, 0)
    team_contacts: dict[str, list[int]] = {}
    for _contact_id, child_key, day, source, outcome, team_id, open_case in contacts:
        by_source.setdefault(source, [0, 0])
        by_source[source][0] += 1
        by_source[source][1] += outcome == "referral"
        by_outcome[outcome] += 1
        key = OPEN_CASE if open_case else team_id or NO_TEAM
        team_contacts.setdefault(key, [0, 0])
        team_contacts[key][0] += 1
        team_contacts[key][1] += outcome == "referral"
        tally_month = month(day)
        tally_month["contacts"] += 1
        tally_month["outcomes"][outcome] += 1
        team = team_name(team_id, "No team working with the child")
        detail = f"Contact from {words_for('contact_source', source) or 'an unknown source'}: {OUTCOME_WORDS[outcome]}"
        listed("contacts", child_key, day, detail, team)
        listed(f"outcome:{outcome}", child_key, day, detail, team)
        listed(f"source:{source}", child_key, day, detail, team)
        listed(f"team_contacts:{key}", child_key, day, detail, team)
        if outcome == "referral":
            listed(f"team_contacts_referral:{key}", child_key, day, detail, team)

    team_referrals: dict[str, list[int]] = {}
    referral_rows = cursor.execute(_REFERRALS_SQL, window).fetchall()
    for _referral_id, child_key, day, team_id, nfa in referral_rows:
        key = team_id or NO_TEAM
        team_referrals.setdefault(key, [0, 0])
        team_referrals[key][0] += 1
        team_referrals[key][1] += bool(nfa)
        team = team_name(team_id, "Team not recorded")
        detail = "Referral: no further action after assessment" if nfa else "Referral"
        listed(f"team_referrals:{key}", child_key, day, detail, team)
        if nfa:
            listed(f"team_nfa:{key}", child_key, day, detail, team)
            listed("nfa", child_key, day, detail, team)

    notifications = cursor.execute(_NOTIFICATIONS_SQL, {**window, "days": REFERRAL_AFTER_NOTIFICATION_DAYS}).fetchall()
    to_referral = 0
    for child_key, day, referred in notifications:
        month(day)["notifications"] += 1
        detail = "Police domestic-abuse notification"
        listed("police", child_key, day, detail)
        if referred is not None:
            to_referral += 1
            month(day)["to_referral"] += 1
            listed("police_referral", child_key, day, f"{detail}, referral on {referred.isoformat()}")

    # children with REPEAT_CONTACTS or more contacts, none of which became a referral, and no referral dated in the
    # window (the contacts' own outcomes, as classified above)
    referred_children = {child_key for _, child_key, _, _, _ in referral_rows}
    by_child: dict[str, list[tuple[date, str]]] = {}
    for _contact_id, child_key, day, _source, outcome, _team_id, _open in contacts:
        by_child.setdefault(child_key, []).append((day, outcome))
    repeat = [
        (child_key, sorted(day for day, _ in held))
        for child_key, held in sorted(by_child.items())
        if len(held) >= REPEAT_CONTACTS
        and child_key not in referred_children
        and all(outcome != "referral" for _, outcome in held)
    ]
    for child_key, days in repeat:
        first, last = days[0].isoformat(), days[-1].isoformat()
        listed("repeat", child_key, days[-1], f"{len(days)} contacts from {first} to {last}, no referral")

    step_ups = cursor.execute(_STEP_UP_SQL, {**window, "days": STEP_UP_DAYS, "step_up_reason": _STEP_UP_REASON})
    step_up_count = 0
    for _episode, child_key, day, by_referral in step_ups.fetchall():
        step_up_count += 1
        month(day)["up"] += 1
        how = "a referral to social care" if by_referral else "an early help episode closed as stepped up"
        listed("step_up", child_key, day, f"Step-up from early help: {how}")

    step_downs = cursor.execute(_STEP_DOWN_SQL, {**window, "days": STEP_DOWN_DAYS}).fetchall()
    for _referral_id, child_key, day, by_reason, early_help_from in step_downs:
        month(day)["down"] += 1
        how = "closed as referred to early help" if by_reason else "closed"
        if early_help_from is not None:
            how += f", early help from {early_help_from.isoformat()}"
        listed("step_down", child_key, day, f"Step-down from social care: {how}")

    total_contacts = len(contacts)
    # teams are judged on the contacts about children social care did not already hold
    judged = [counts for key, counts in team_contacts.items() if key != OPEN_CASE]
    judged_contacts, judged_referrals = sum(n for n, _ in judged), sum(r for _, r in judged)
    contact_share = judged_referrals / judged_contacts if judged_contacts else None
    referrals = len(referral_rows)
    nfa_total = sum(nfa for _, _, _, _, nfa in referral_rows)
    nfa_share = nfa_total / referrals if referrals else None
    team_rows = []
    names = {NO_TEAM: "No team (new to the front door, or not recorded)", OPEN_CASE: "Already open to social care"}
    order = sorted(
        set(team_contacts) | set(team_referrals), key=lambda k: (k == OPEN_CASE, k == NO_TEAM, team_name(k, ""))
    )
    for key in order:
        contacted, became = team_contacts.get(key, [0, 0])
        referred, nfa = team_referrals.get(key, [0, 0])
        team_rows.append(
            TeamThreshold(
                team_id=key,
                team_name=names.get(key) or team_name(key, ""),
                contacts=contacted,
                contacts_to_referral=became,
                referrals=referred,
                nfa_after_assessment=nfa,
                contact_judgement="not judged: a case is already open, so no new referral is due"
                if key == OPEN_CASE
                else funnel_judgement(became, contacted, contact_share),
                nfa_judgement=funnel_judgement(nfa, referred, nfa_share),
            )
        )
    return FrontDoor(
        start=start,
        end=end,
        contacts=total_contacts,
        judged_contacts=judged_contacts,
        judged_contacts_to_referral=judged_referrals,
        by_source=tuple(
            (code, counts[0], counts[1]) for code, counts in sorted(by_source.items(), key=lambda i: (-i[1][0], i[0]))
        ),
        by_outcome=tuple((outcome, by_outcome[outcome]) for outcome in OUTCOMES),
        notifications=len(notifications),
        notifications_to_referral=to_referral,
        repeat_children=len(repeat),
        step_ups=step_up_count,
        step_downs=len(step_downs),
        referrals=referrals,
        nfa_after_assessment=nfa_total,
        teams=tuple(team_rows),
        months=tuple(
            FrontDoorMonth(
                month_end=month_end,
                contacts=t["contacts"],
                outcomes=t["outcomes"],
                notifications=t["notifications"],
                notifications_to_referral=t["to_referral"],
                step_ups=t["up"],
                step_downs=t["down"],
            )
            for month_end, t in zip(ends, tally, strict=True)
        ),
        lists=lists,
    )


def funnel_limits(share: float, size: int, z: float) -> tuple[float, float]:
    """The funnel limits (as fractions) around an overall ``share`` for a team of ``size``: share plus or minus
    ``z`` standard errors of a proportion, sqrt(share x (1 - share) / size), kept within 0 and 1."""
    spread = z * math.sqrt(share * (1 - share) / size)
    return max(0.0, share - spread), min(1.0, share + spread)


def funnel_judgement(count: int, size: int, share: float | None) -> str:
    """A team's share ``count`` / ``size`` against the overall ``share``, in words: outside the 99.8% limits is
    unlikely to be chance (about 1 in 500), outside the 95% limits worth a look (1 in 20), else within them."""
    if not size or share is None:
        return "no cases to judge"
    own = count / size
    low, high = funnel_limits(share, size, Z998)
    if own > high:
        return "well above the others: beyond the 99.8% limit"
    if own < low:
        return "well below the others: beyond the 99.8% limit"
    low, high = funnel_limits(share, size, Z95)
    if own > high:
        return "above the others: beyond the 95% limit"
    if own < low:
        return "below the others: beyond the 95% limit"
    return "within the limits"


def published_front_door(door: FrontDoor, threshold: int) -> dict[str, Any]:
    """The front door as a viewer under ``threshold`` sees it (``NO_THRESHOLD``: everything): small counts
    ``[c]``, the breakdowns by source and by outcome protected against differencing, monthly counts rounded to
    ``disclosure.ROUNDING_BASE`` after primary suppression, and no teams (never published by team)."""
    hidden = threshold > NO_THRESHOLD

    def count(value: int) -> Count:
        return suppress(value, threshold) if hidden else value

    def monthly(value: int) -> Count:
        if not hidden:
            return value
        return SUPPRESSED if is_small(value, threshold) else round_count(value)

    def breakdown(rows: list[tuple[str, int]], total: int) -> tuple[list[dict[str, Any]], str | None]:
        shown = [{"key": key, "count": value} for key, value in rows]
        if not hidden:
            return shown, None
        guard = protect_breakdown(
            {"numerator": total, "denominator": None}, [{"numerator": v} for _, v in rows], threshold
        )
        if guard.withheld:
            return [], guard.withheld
        for index, row in enumerate(shown):
            if index in guard.hidden:
                row["count"] = SUPPRESSED
        return shown, None

    from childhub.codes import words_for

    sources, sources_withheld = breakdown([(code, n) for code, n, _ in door.by_source], door.contacts)
    for row, (_, n, referred) in zip(sources, door.by_source, strict=False):
        row["label"] = words_for("contact_source", row["key"]) if row["key"] != "unknown" else "Not recorded"
        row["referrals"] = referred if not hidden else None
        row["share"] = 100 * referred / n if n and not hidden else None
    outcomes, outcomes_withheld = breakdown(list(door.by_outcome), door.contacts)
    for row in outcomes:
        row["label"] = OUTCOME_WORDS[row["key"]]
        row["rule"] = OUTCOME_RULES[row["key"]]
        counted = dict(door.by_outcome)[row["key"]]
        row["share"] = None if row["count"] == SUPPRESSED or not door.contacts else 100 * counted / door.contacts
    police_hidden = hidden and (
        is_small(door.notifications, threshold) or is_small(door.notifications_to_referral, threshold)
    )
    return {
        "start": door.start.isoformat(),
        "end": door.end.isoformat(),
        "threshold": threshold,
        "contacts": count(door.contacts),
        "by_source": sources,
        "by_source_withheld": sources_withheld,
        "by_outcome": outcomes,
        "by_outcome_withheld": outcomes_withheld,
        "police": {
            "notifications": count(door.notifications),
            "became_referrals": SUPPRESSED if police_hidden else door.notifications_to_referral,
            "share": None
            if police_hidden or not door.notifications
            else 100 * door.notifications_to_referral / door.notifications,
        },
        "repeat_children": count(door.repeat_children),
        "step_ups": count(door.step_ups),
        "step_downs": count(door.step_downs),
        "referrals": count(door.referrals),
        "nfa_after_assessment": count(door.nfa_after_assessment),
        # the share with the referrals' count hidden would give that count back
        "contact_share": None
        if hidden and not any(o["key"] == "referral" and o["count"] != SUPPRESSED for o in outcomes)
        else door.contact_share,
        "nfa_share": None
        if hidden and (is_small(door.referrals, threshold) or is_small(door.nfa_after_assessment, threshold))
        else door.nfa_share,
        "judged_contact_share": None if hidden else door.judged_contact_share,
        "teams": None
        if hidden
        else [
            {
                "team_id": t.team_id,
                "team_name": t.team_name,
                "contacts": t.contacts,
                "contacts_to_referral": t.contacts_to_referral,
                "contact_share": t.contact_share,
                "contact_judgement": t.contact_judgement,
                "referrals": t.referrals,
                "nfa_after_assessment": t.nfa_after_assessment,
                "nfa_share": t.nfa_share,
                "nfa_judgement": t.nfa_judgement,
            }
            for t in door.teams
        ],
        "months": [
            {
                "month_end": m.month_end.isoformat(),
                "contacts": monthly(m.contacts),
                **{outcome: monthly(m.outcomes[outcome]) for outcome in OUTCOMES},
                "notifications": monthly(m.notifications),
                "notifications_to_referral": monthly(m.notifications_to_referral),
                "step_ups": monthly(m.step_ups),
                "step_downs": monthly(m.step_downs),
            }
            for m in door.months
        ],
    }


# --- the projection of children in care ------------------------------------------------------------------


@dataclass(frozen=True)
class CareMonth:
    """One month of children in care: the count at its end, and the periods of care that began and ended in it."""

    month_end: date
    in_care: int
    entries: int
    exits: int


@dataclass(frozen=True)
class ProjectedMonth:
    """One month ahead: the central path and the 80% and 95% bands of the simulated paths."""

    month_end: date
    central: float
    low80: float
    high80: float
    low95: float
    high95: float


@dataclass(frozen=True)
class Projection:
    """A projection from a month end: what it started from, the rates it used, and the months ahead."""

    base_date: date
    base_count: int
    entries: int  # periods of care that began in the 12 months to the base date
    exits: int  # ... and that ended in them
    exposure: int  # child-months in care: the counts at the start of each of those months, added up
    months: tuple[ProjectedMonth, ...]

    @property
    def entries_per_month(self) -> float:
        return self.entries / WINDOW_MONTHS

    @property
    def exit_rate(self) -> float:
        """Exits per child in care per month."""
        return self.exits / self.exposure if self.exposure else 0.0


@dataclass(frozen=True)
class CareProjection:
    """The projection ahead from the last complete month, the one made 12 months before it, and the month-end
    counts of the 24 months to the last complete month (the actual figures it is judged against)."""

    history: tuple[CareMonth, ...]
    ahead: Projection
    year_ago: Projection

    def actual_since_year_ago(self) -> list[tuple[ProjectedMonth, int]]:
        """Each month the projection made 12 months ago covered, with the count that arrived."""
        counts = {m.month_end: m.in_care for m in self.history}
        return [(month, counts[month.month_end]) for month in self.year_ago.months if month.month_end in counts]


_CARE_SQL = """
WITH month AS (SELECT unnest(CAST($ends AS DATE[])) AS month_end),
spells AS (
    SELECT p.child_key, p.care_spans[1].start_date AS entered, p.start_on_record,
           CASE WHEN p.end_date IS NOT NULL THEN p.care_spans[len(p.care_spans)].ceased END AS left_on
    FROM fact_cla_period p
    WHERE len(p.care_spans) > 0
)
SELECT m.month_end,
       (SELECT count(DISTINCT p.child_key) FROM fact_cla_period p WHERE care_period_on(p, m.month_end)) AS in_care,
       (SELECT count(*) FROM spells s WHERE s.start_on_record
        AND s.entered BETWEEN date_trunc('month', m.month_end) AND m.month_end) AS entries,
       (SELECT count(*) FROM spells s WHERE s.left_on BETWEEN date_trunc('month', m.month_end) AND m.month_end) AS exits
FROM month m
ORDER BY m.month_end
"""


def care_months(cursor: duckdb.DuckDBPyConnection, ends: list[date]) -> list[CareMonth]:
    """Children in care at each month end in ``ends``, and the periods of care that began (a first day of care
    on record, short breaks aside) and ended (their last day of care) in each of those months."""
    rows = cursor.execute(_CARE_SQL, {"ends": ends}).fetchall()
    return [CareMonth(month_end, in_care, entries, exits) for month_end, in_care, entries, exits in rows]


def project(
    base_count: int,
    entries_per_month: float,
    exit_rate: float,
    base_date: date,
    *,
    months: int = PROJECTION_MONTHS,
    paths: int = PROJECTION_PATHS,
    seed: int = PROJECTION_SEED,
    observed: tuple[int, int, int] | None = None,
) -> tuple[ProjectedMonth, ...]:
    """``months`` month ends after ``base_date``: the central path N(t+1) = N(t) + entries - rate x N(t), and the
    80% and 95% bands of ``paths`` simulated paths (numpy's generator seeded ``seed``: the same every time).

    Each path draws its month's entries from a Poisson distribution with the path's mean and its exits from a
    binomial distribution (each child in care leaves in a month with the path's rate). With ``observed`` (entries,
    exits, child-months behind the rates), each path first draws its own mean and rate from what those counts can
    tell (a gamma and a beta distribution around them), so the bands hold the uncertainty of the rates too."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if observed is not None:
        entries, exits, exposure = observed
        means = rng.gamma(entries + 0.5, 1 / WINDOW_MONTHS, paths)
        rates = rng.beta(exits + 0.5, exposure - exits + 0.5, paths) if exposure else np.zeros(paths)
    else:
        means = np.full(paths, entries_per_month)
        rates = np.full(paths, exit_rate)
    simulated = np.full(paths, base_count, dtype=np.int64)
    central = float(base_count)
    ahead = []
    first = base_date.replace(day=1)
    for step in range(1, months + 1):
        simulated = simulated - rng.binomial(simulated, rates) + rng.poisson(means)
        central = central + entries_per_month - exit_rate * central
        # whole children: the lower bounds rounded down among the paths, the upper ones up
        low95, low80 = np.percentile(simulated, [2.5, 10], method="lower")
        high80, high95 = np.percentile(simulated, [90, 97.5], method="higher")
        ahead.append(
            ProjectedMonth(
                month_end=_month_end(_month_start(first, -step)),
                central=central,
                low80=float(low80),
                high80=float(high80),
                low95=float(low95),
                high95=float(high95),
            )
        )
    return tuple(ahead)


def _projection_from(history: list[CareMonth], base_index: int, *, paths: int, seed: int) -> Projection:
    """The projection from ``history[base_index]``'s month end, with the rates of the 12 months to it."""
    window = history[base_index - WINDOW_MONTHS + 1 : base_index + 1]
    starts = history[base_index - WINDOW_MONTHS : base_index]  # the count at the start of each month
    entries = sum(m.entries for m in window)
    exits = sum(m.exits for m in window)
    exposure = sum(m.in_care for m in starts)
    base = history[base_index]
    rate = exits / exposure if exposure else 0.0
    return Projection(
        base_date=base.month_end,
        base_count=base.in_care,
        entries=entries,
        exits=exits,
        exposure=exposure,
        months=project(
            base.in_care,
            entries / WINDOW_MONTHS,
            rate,
            base.month_end,
            paths=paths,
            seed=seed,
            observed=(entries, exits, exposure),
        ),
    )


def care_projection(
    cursor: duckdb.DuckDBPyConnection, as_at: date, *, paths: int = PROJECTION_PATHS, seed: int = PROJECTION_SEED
) -> CareProjection:
    """The 12-month projection of children in care from the last complete month to ``as_at``, and the one made
    12 months earlier (from the record as it stands now), with the month-end counts since."""
    _, last = window_for(as_at)
    # 25 month ends: the one before the year-ago projection's 12 months of rates (its first month's starting
    # count), those 12 (the last is its base), and the 12 since (the last is today's base).
    ends = month_ends(last, 2 * WINDOW_MONTHS + 1)
    history = care_months(cursor, ends)
    return CareProjection(
        history=tuple(history[1:]),
        ahead=_projection_from(history, len(history) - 1, paths=paths, seed=seed),
        year_ago=_projection_from(history, len(history) - 1 - WINDOW_MONTHS, paths=paths, seed=seed),
    )


def published_projection(projection: CareProjection, threshold: int) -> dict[str, Any]:
    """The projection as a viewer under ``threshold`` sees it: month-end counts, entries and exits rounded to
    ``disclosure.ROUNDING_BASE`` (a small one ``[c]``), the projected figures rounded the same way, and the rates
    hidden when the counts they come from are small."""
    hidden = threshold > NO_THRESHOLD

    def count(value: int) -> Count:
        if not hidden:
            return value
        return SUPPRESSED if is_small(value, threshold) else round_count(value)

    def figure(value: float) -> float | int:
        return round_count(round(value)) if hidden else round(value, 1)

    def plan(p: Projection) -> dict[str, Any]:
        entries_small = hidden and is_small(p.entries, threshold)
        exits_small = hidden and (is_small(p.exits, threshold) or is_small(p.exposure, threshold))
        # under a threshold the rates are made from the rounded counts, so they give no exact count back
        entries = round_count(p.entries) if hidden else p.entries
        exits, exposure = (round_count(p.exits), round_count(p.exposure)) if hidden else (p.exits, p.exposure)
        per_month = entries / WINDOW_MONTHS
        rate = exits / exposure if exposure else 0.0
        return {
            "base_date": p.base_date.isoformat(),
            "base_count": count(p.base_count),
            "entries": count(p.entries),
            "exits": count(p.exits),
            "entries_per_month": None if entries_small else round(per_month, 1),
            "exit_rate_percent": None if exits_small else round(100 * rate, 2),
            # where the central line levels off: entries and exits balance when N = entries / rate
            "balance": None if entries_small or exits_small or not rate else figure(per_month / rate),
            "months": [
                {
                    "month_end": m.month_end.isoformat(),
                    "central": figure(m.central),
                    "low80": figure(m.low80),
                    "high80": figure(m.high80),
                    "low95": figure(m.low95),
                    "high95": figure(m.high95),
                }
                for m in p.months
            ],
        }

    recent = projection.history[-WINDOW_MONTHS:]
    return {
        "threshold": threshold,
        "history": [
            {
                "month_end": m.month_end.isoformat(),
                "in_care": count(m.in_care),
                "entries": count(m.entries),
                "exits": count(m.exits),
            }
            for m in projection.history
        ],  # fmt: skip
        "recent": [m.month_end.isoformat() for m in recent],
        "ahead": plan(projection.ahead),
        "year_ago": plan(projection.year_ago),
        "paths": PROJECTION_PATHS,
        "seed": PROJECTION_SEED,
    }
