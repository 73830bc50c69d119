"""Periods of care: episodes, placements, legal statuses, reviews, missing, adoption, leaving care.

Codes are the SSDA903 ones in force for 2025/26 (placement codes changed in 2023/24:
supported accommodation K3 replaced H5 and P2), shaped by published figures: care
orders the commonest legal status, foster care about 70% of placements, a tenth of
children with three or more placements in a year, about a tenth going missing with
about seven incidents each, adoption and special guardianship for the youngest,
and the 18th birthday the commonest way out.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from childhub.calendar import add_years, age_on
from childhub.synth.events import event_dates
from childhub.synth.model import (
    Adoption,
    CareLeaverStatus,
    CarePlan,
    Child,
    Episode,
    LeavingCare,
    LookedAfterPeriod,
    Missing,
    Visit,
)
from childhub.synth.names import WeightedChoice
from childhub.synth.social_care import SEEN_ON_VISIT

if TYPE_CHECKING:
    from childhub.synth.social_care import SocialCareSimulator

SUPPORTED_ACCOMMODATION_FROM = date(2023, 10, 28)
CHANGE_REASONS = WeightedChoice(
    ["CARPL", "CREQB", "CREQO", "CHILD", "LAREQ", "ALLEG", "STAND", "CLOSE", "OTHER"],
    [40, 15, 10, 8, 10, 3, 4, 4, 6],
)
# A short-term foster placement confirmed as long-term with the same carers when the full care order is made
# (SSDA903 RNE U: legal status and placement change, carers stay): other foster carers U6 -> U4, relatives or
# friends U3 -> U1, for this share of the children in such a placement then.
LONG_TERM_WITH_SAME_CARERS = {"U6": "U4", "U3": "U1"}
SAME_CARERS_RATE = 0.4
PARTICIPATION = WeightedChoice(["PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"], [40, 6, 14, 20, 8, 8, 4])
# Reasons a child's social worker changed (FCONTA, first contact, only opens the first episode).
SW_REASONS = WeightedChoice(["MANAGE", "LEFTRL", "ORGRST", "CHCHAN", "PCCHAN", "OTHERS"], [20, 35, 10, 10, 10, 10])
ACTIVITY = WeightedChoice(
    ["F1", "F2", "F4", "F5", "P1", "P2", "P4", "P5", "G4", "G5", "G6"],
    [7, 22, 14, 2, 2, 3, 4, 1, 8, 31, 6],
)
ACCOMMODATION_SUITABLE = WeightedChoice(
    ["B1", "C1", "D1", "E1", "K1", "T1", "U1", "V1", "Y1", "Z1"], [12, 3, 22, 8, 2, 4, 30, 2, 3, 14]
)


def _placement(rng: random.Random, age: int, on: date, uasc: bool, legal: str = "C2") -> tuple[str, str]:
    """A placement code and provider for a child of ``age`` starting a placement on ``on``."""
    supported = "K3" if on >= SUPPORTED_ACCOMMODATION_FROM else "U6"
    if age < 10:
        place = WeightedChoice(["U6", "U4", "U3", "U1", "P1", "R3"], [50, 12, 18, 8, 10, 2]).draw(rng)
    elif age < 16:
        place = WeightedChoice(["U6", "U4", "U3", "K2", "P1", "S1"], [45, 12, 14, 22, 4, 3]).draw(rng)
    else:
        place = WeightedChoice(["U6", "U3", "K2", supported], [35, 8, 17, 40]).draw(rng)
    if uasc and age >= 16:
        place = supported if rng.random() < 0.7 else "U6"
    if place == "P1" and legal not in ("C1", "C2"):  # placed with parents needs a care order
        place = "U6"
    if place.startswith("U"):
        provider = "PR1" if place in ("U1", "U3") or rng.random() < 0.6 else "PR4"
    elif place == "P1":
        provider = "PR0"
    elif place in ("K2", "K3", "H5", "S1"):
        provider = "PR4" if rng.random() < 0.85 else "PR1"
    else:
        provider = "PR3"
    return place, provider


URN_PLACEMENTS = {"K1", "K2", "K3", "R3", "S1"}  # Ofsted-registered: a URN is required


def simulate_care_period(sim: SocialCareSimulator, child: Child, entry: date, need: str) -> LookedAfterPeriod:
    rng = sim.rng
    as_at = sim.as_at
    eighteen = add_years(child.dob, 18)
    age = age_on(child.dob, entry)
    category = need if need in {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"} else "N1"
    if child.uasc:
        category = "N8"

    # legal route and how the period ends
    if child.uasc:
        statuses = [("V2", 0)]
    elif age < 10 and rng.random() < 0.8 or age >= 10 and rng.random() < 0.5:
        to_full = rng.randint(150, 330)
        statuses = [("C1", 0), ("C2", to_full)]
        if rng.random() < 0.08:
            statuses.insert(0, ("L1" if rng.random() < 0.6 else "L2", 0))
            statuses[1] = ("C1", rng.randint(1, 2))  # police protection lasts at most 72 hours
    else:
        statuses = [("V2", 0)]
        if rng.random() < 0.25:
            statuses.append(("C1", rng.randint(30, 200)))
            statuses.append(("C2", statuses[-1][1] + rng.randint(150, 300)))
    adoption: Adoption | None = None
    if child.uasc:
        exit_after, exit_reason = (eighteen - entry).days, "E17"
    elif age < 5 and statuses[-1][0] == "C2" and rng.random() < 0.45:
        decision = statuses[-1][1] - rng.randint(0, 60)
        placement_order = statuses[-1][1] + rng.randint(0, 30)
        matched = placement_order + rng.randint(60, 200)
        placed = matched + rng.randint(14, 60)
        adopted = placed + rng.randint(120, 300)
        foster_carer = rng.random() < 0.15
        if foster_carer:
            # placed for adoption with the current (early permanence) carers, A5, when the placement order is made
            matched = statuses[-1][1] + rng.randint(20, 120)
            placement_order = placed = matched + rng.randint(1, 30)
        adoption = Adoption(
            decision=entry + timedelta(days=decision),
            placement_order=entry + timedelta(days=placement_order),
            matched=entry + timedelta(days=matched),
            placed=entry + timedelta(days=placed),
            adopted=entry + timedelta(days=adopted),
            adopters=2 if rng.random() < 0.85 else 1,
            foster_carer=foster_carer,
        )
        if foster_carer:
            # early permanence: the agency decision makes the plan fostering for adoption (or concurrent
            # planning) at once, and the child moves to those carers half way to the match
            adoption.ffa_decision = adoption.decision
            adoption.ffa_placed = entry + timedelta(days=(decision + matched) // 2)
        adoption.adopter_sex = (
            rng.choice(["MF", "MF", "MF", "MF", "MM", "FF"])
            if adoption.adopters == 2
            else rng.choice(["F1", "F1", "M1"])
        )
        if adoption.adopters == 1:
            adoption.adopter_legal_status = "L0"
        elif adoption.adopter_sex == "MF":
            adoption.adopter_legal_status = rng.choice(["L11", "L11", "L2"])
        else:
            adoption.adopter_legal_status = rng.choice(["L12", "L12", "L2"])
        statuses.append(("E1", placement_order))
        if rng.random() < 0.08:  # decision reversed
            reversal = matched - rng.randint(10, 40)
            adoption.reversed = entry + timedelta(days=reversal)
            statuses.append(("C2", reversal))  # the placement order is revoked
            adoption.reversed_reason = rng.choice(["RD1", "RD2", "RD3", "RD4"])
            adoption.matched = adoption.placed = adoption.adopted = adoption.ffa_placed = None
            exit_after, exit_reason = (
                matched + rng.randint(100, 300),
                rng.choice(["E45", "E46", "E41"]),
            )
        else:
            exit_after, exit_reason = adopted, rng.choice(["E11", "E12"])
    else:
        roll = rng.random()
        if age >= 15 or roll < 0.35:
            exit_after, exit_reason = (eighteen - entry).days, None
        elif roll < 0.50:
            exit_after, exit_reason = rng.randint(300, 900), rng.choice(["E45", "E46"])
        elif roll < 0.53:
            exit_after, exit_reason = rng.randint(60, 700), "E41"
        else:
            exit_after, exit_reason = round(rng.lognormvariate(5.4, 0.8)) + 7, "E4A"
    end = entry + timedelta(days=exit_after)
    if end >= eighteen or exit_reason is None:
        end = eighteen
        exit_reason = rng.choice(["E17", "E5", "E5", "E6", "E8"]) if not child.uasc else "E5"
        if exit_reason == "E17" and not child.uasc:
            exit_reason = "E17"
    statuses = [(code, offset) for code, offset in statuses if entry + timedelta(days=offset) < end]

    # placement changes
    move_rate = 0.35 if age < 10 else 0.7
    changes: list[tuple[int, str]] = []
    day = 0
    while True:
        day += max(14, round(rng.expovariate(move_rate) * 365.25))
        if entry + timedelta(days=day) >= end:
            break
        changes.append((day, CHANGE_REASONS.draw(rng)))
    if adoption and adoption.placed and adoption.placed < end:
        stays_from = adoption.ffa_placed or adoption.placed  # with the carers who adopt from then on
        changes = [(d, r) for d, r in changes if entry + timedelta(days=d) < stays_from]
        if adoption.ffa_placed:
            changes.append(((adoption.ffa_placed - entry).days, "CARPL"))
        changes.append(((adoption.placed - entry).days, "CARPL"))

    # merge legal status changes and placement changes into episodes
    boundaries: dict[int, set[str]] = {0: {"S"}}
    for _code, offset in statuses[1:]:
        boundaries.setdefault(offset, set()).add("L")
    for offset, _reason in changes:
        boundaries.setdefault(offset, set()).add("P")
    reasons = dict(changes)
    status_at = sorted(statuses, key=lambda pair: pair[1])
    home = child_home_postcode(sim, child, entry)
    episodes: list[Episode] = []
    place = provider = postcode = urn = ""
    for offset in sorted(boundaries):
        start = entry + timedelta(days=offset)
        if start > as_at:
            break
        legal = [code for code, at in status_at if at <= offset][-1]
        legal_changed = bool(episodes) and legal != episodes[-1].legal_status
        moved = offset == 0 or "P" in boundaries[offset]
        if not legal_changed and not moved:
            continue
        same_carers = (
            legal_changed
            and not moved
            and legal == "C2"
            and episodes[-1].placement in LONG_TERM_WITH_SAME_CARERS
            and rng.random() < SAME_CARERS_RATE
        )
        if same_carers:  # the placement becomes long-term: same carers, same home
            place = LONG_TERM_WITH_SAME_CARERS[episodes[-1].placement]
            moved, reasons[offset] = True, "PLACE"
        elif moved:
            previous = (episodes[-1].placement, episodes[-1].placement_postcode) if episodes else None
            while True:  # a move is to another placement somewhere else
                if adoption and adoption.placed == start:
                    place, provider = ("A5" if adoption.foster_carer else "A6"), "PR1"
                elif adoption and adoption.ffa_placed == start:
                    place, provider = "U5", "PR1"
                else:
                    place, provider = _placement(rng, age_on(child.dob, start), start, child.uasc, legal)
                postcode = placement_postcode(sim, child, place, provider, start)
                if (place, postcode) != previous and not (previous and place == previous[0] == "P1"):
                    break
            urn = placement_urn(rng, place)
        elif place == "P1" and legal not in ("C1", "C2"):
            continue  # a legal status that cannot go with being placed with parents waits for a move
        if offset == 0:
            rne = "S"
        elif legal_changed and moved:
            rne = "U" if place == "A5" or same_carers else "T"  # U: legal status and placement change, same carers
        elif legal_changed:
            rne = "L"
        else:
            rne = "P"
        if episodes:
            episodes[-1].end = start
            episodes[-1].reason_ceased = "X1"
            if moved and not episodes[-1].placement.startswith("T"):
                episodes[-1].reason_place_change = reasons.get(offset, "CARPL")
        episodes.append(
            Episode(
                start=start,
                reason_new=rne,
                legal_status=legal,
                category_of_need=category,
                placement=place,
                provider=provider,
                placement_postcode=postcode,
                home_postcode=home,
                urn=urn,
            )
        )
    if end <= as_at:
        if exit_reason in ("E45", "E46") and not episodes[-1].placement.startswith("U"):
            exit_reason = "E41"  # special guardianship by former foster carers needs a foster placement
        episodes[-1].end = end
        episodes[-1].reason_ceased = exit_reason
        if adoption and exit_reason not in ("E11", "E12") and adoption.reversed is None and adoption.decision < end:
            adoption.reversed, adoption.reversed_reason = end, "RD1"  # left care some other way

    period = LookedAfterPeriod(episodes=episodes, adoption=adoption)
    period.previous_permanence = "Z1"  # no earlier permanence order is modelled
    _period_activity(sim, child, period, end, exit_reason)
    return period


def child_home_postcode(sim: SocialCareSimulator, child: Child, on: date) -> str | None:
    household = sim.households_by_id.get(child.household_id)
    return household.address_on(on).postcode if household else None


def placement_postcode(sim: SocialCareSimulator, child: Child, place: str, provider: str, on: date) -> str | None:
    if place == "P1":
        return child_home_postcode(sim, child, on)
    # about a fifth of placements are outside the authority, never the authority's own provision
    outside = provider != "PR1" and sim.rng.random() < 0.25
    home = child_home_postcode(sim, child, on)
    while True:
        postcode = sim.population.address(neighbouring=outside).postcode
        if postcode != home:  # only a child placed with parents is placed at home
            return postcode


def placement_urn(rng: random.Random, place: str) -> str:
    """Ofsted URN for regulated homes and schools; XXXXXXX for foster and adoptive placements."""
    if place in URN_PLACEMENTS:
        return f"SC{rng.randint(100000, 999999)}"
    if place[0] in "AU":
        return "XXXXXXX"
    return ""


def _period_activity(
    sim: SocialCareSimulator, child: Child, period: LookedAfterPeriod, planned_end: date, exit_reason: str
) -> None:
    """Reviews, visits, IRO contacts, care plans and health checks over the period, then leaving care.

    ``planned_end`` and ``exit_reason`` say how the period ends, even when that is after the as-at date.
    Visits, IRO contacts, care plans and checks draw from the child's own random stream, so adding them
    changed nothing else the generator draws.
    """
    rng = sim.rng
    start = period.start
    last = period.end or sim.as_at
    # reviews: within 20 working days, then 3 months, then every 6 months
    review = start + timedelta(days=rng.randint(14, 27))
    gaps = [rng.randint(70, 90)] + [rng.randint(150, 180) for _ in range(40)]
    for gap in gaps:
        if review >= last:
            break
        code = "PN0" if age_on(child.dob, review) < 4 else PARTICIPATION.draw(rng)
        period.reviews.append((review, code))
        review = review + timedelta(days=gap)
    own = random.Random(f"{child.person_id}:{start}:care")
    period.visits = _placement_visits(own, child, period, last)
    period.iro_contacts = _iro_contacts(own, period, start, last)
    period.care_plans = _care_plans(own, child, period, planned_end, exit_reason, last)
    _health_checks(own, child, period, start, last)
    _missing_episodes(sim, child, period, start, last)
    period.social_workers = sim.workforce.allocate("children_in_care", start, period.end, may_wait=False)
    _care_leaver(sim, child, period)
    _leaving_care_service(sim, own, child, period, planned_end)


# Looked-after visits (Care Planning Regulations 2010, reg. 28): within a week of a placement starting, then
# at most six weeks apart in its first year, then at most three months apart; (days, share on time).
FIRST_VISIT, FIRST_YEAR_VISITS, LATER_VISITS = (7, 0.9), (42, 0.88), (91, 0.9)


def _placement_visits(rng: random.Random, child: Child, period: LookedAfterPeriod, last: date) -> list[Visit]:
    visits = []
    placements = [e.start for e in period.episodes if e.reason_new != "L"]
    for index, placed in enumerate(placements):
        until = min(placements[index + 1], last) if index + 1 < len(placements) else last
        visit = placed + timedelta(days=_within(rng, *FIRST_VISIT, least=1))
        while visit < until:
            seen = rng.random() < SEEN_ON_VISIT
            alone = seen and age_on(child.dob, visit) >= 4 and rng.random() < 0.65
            visits.append(Visit(visit, seen, alone))
            longest = FIRST_YEAR_VISITS if (visit - placed).days < 365 else LATER_VISITS
            visit = visit + timedelta(days=_within(rng, *longest))
    return visits


def _within(rng: random.Random, longest: int, on_time: float, least: int | None = None) -> int:
    """Days to the next event: within ``longest`` at the ``on_time`` share, otherwise up to half as long again."""
    if rng.random() < on_time:
        return rng.randint(least or longest * 3 // 5, longest)
    return rng.randint(longest + 1, longest * 3 // 2 + 1)


def _iro_contacts(rng: random.Random, period: LookedAfterPeriod, start: date, last: date) -> list[date]:
    """The independent reviewing officer meets the child before each review and chairs it."""
    contacts = []
    for review, _code in period.reviews:
        before = review - timedelta(days=rng.randint(3, 21))
        contacts += [day for day in (before, review) if start <= day < last]
    return contacts


def _care_plans(
    rng: random.Random, child: Child, period: LookedAfterPeriod, planned_end: date, exit_reason: str, last: date
) -> list[CarePlan]:
    """The permanence plan agreed at the second review (none before), and a change when adoption is reversed."""
    if len(period.reviews) < 2:
        return []
    agreed = period.reviews[1][0]
    adoption = period.adoption
    age = age_on(child.dob, agreed)
    if adoption and adoption.decision <= agreed + timedelta(days=60):
        plan = "ADOPTION"
    elif exit_reason == "E4A" or exit_reason == "E13":
        plan = "RETURN6M" if (planned_end - agreed).days < 200 else "RETURNEV"
    elif exit_reason in ("E41", "E45", "E46"):
        plan = "LTRELFR"
    elif child.uasc or age >= 16:
        plan = "SUPPLIV" if rng.random() < 0.6 else "LTFOST18"
    else:
        placement = next((e.placement for e in reversed(period.episodes) if e.start <= agreed), "U6")
        plan = "RESPLMT" if placement in ("K2", "S1") else "LTRELFR" if placement in ("U1", "U2", "U3") else "LTFOST18"
    plans = [CarePlan(agreed, None, plan)]
    if adoption and adoption.reversed and agreed < adoption.reversed < last and plan == "ADOPTION":
        plans[0].end = adoption.reversed
        plans.append(CarePlan(adoption.reversed, None, "LTFOST18"))
    if period.end is not None:
        plans[-1].end = period.end
    return plans


# Health checks of children looked after 12 months: about 90% with an annual health assessment and about 80%
# with a dental check (plausible figures; the reference gives none), 88% of under-5s with a development
# assessment (CLA 2025). Under-5s are assessed six-monthly (a development assessment at most of them), others
# yearly; a check is sometimes late.
HEALTH_ON_TIME, DENTAL_SHARE, DEVELOPMENT_SHARE = 0.8, 0.8, 0.75


def _health_checks(rng: random.Random, child: Child, period: LookedAfterPeriod, start: date, last: date) -> None:
    check = start + timedelta(days=rng.randint(10, 28))
    while check < last:
        period.health_checks.append(check)
        under_five = age_on(child.dob, check) < 5
        if under_five and rng.random() < DEVELOPMENT_SHARE:
            period.development_checks.append(check)
        if rng.random() < DENTAL_SHARE:
            dental = check + timedelta(days=rng.randint(-30, 60))
            period.dental_checks.append(max(start, min(dental, last - timedelta(days=1))))
        interval = 182 if under_five else 365
        check = check + timedelta(days=_within(rng, interval, HEALTH_ON_TIME))


def _missing_episodes(sim: SocialCareSimulator, child: Child, period: LookedAfterPeriod, start: date, last: date):
    """Missing from care: a few teenagers account for most incidents."""
    rng = sim.rng
    teenager = age_on(child.dob, start) >= 11 or (period.end is None and age_on(child.dob, sim.as_at) >= 12)
    if not teenager or rng.random() >= 0.22:
        return
    rate = rng.uniform(3, 11)
    moment = max(start, add_years(child.dob, 11))
    while True:
        upcoming = event_dates(rng, rate, moment, last - timedelta(days=1), min_gap_days=2)
        if not upcoming:
            return
        moment = upcoming[0]
        # a child is found before the placement they went missing from ends
        episode_end = next(
            (e.end for e in period.episodes if e.start <= moment and (e.end is None or e.end > moment)), None
        )
        # and back before the day care ends (SSDA903 rule 580: missing on leaving care means REC E8)
        found_by = max(moment, (episode_end or last) - timedelta(days=1))
        back = min(moment + timedelta(days=rng.choice([0, 1, 1, 1, 2, 2, 3, 5, 8])), found_by)
        offered = rng.random() < 0.8
        period.missing.append(
            Missing(
                start=moment,
                end=back,
                kind="M",
                return_interview_offered=offered,
                return_interview_accepted=offered and rng.random() < 0.6,
            )
        )
        moment = back


def _activity_and_accommodation(rng: random.Random, in_touch: str, unknown: str) -> tuple[str, str, bool]:
    """A care leaver's activity, accommodation and its suitability; ``unknown`` for all when not in touch."""
    if in_touch != "YES":
        return unknown, unknown, False
    activity = ACTIVITY.draw(rng)
    accommodation = ACCOMMODATION_SUITABLE.draw(rng)
    suitable = rng.random() < 0.88
    if not suitable:
        accommodation = accommodation[0] + "2"
    return activity, accommodation, suitable


def _care_leaver(sim: SocialCareSimulator, child: Child, period: LookedAfterPeriod) -> None:
    """Statuses around the 17th-21st birthdays of a child who left care at 18."""
    rng = sim.rng
    end = period.end
    eighteen = add_years(child.dob, 18)
    if end is None or end != eighteen:
        return
    fourteen = add_years(child.dob, 14)
    if (end - max(period.start, fourteen)).days < 91:
        return
    for years in (19, 20, 21):
        birthday = add_years(child.dob, years)
        if birthday > sim.as_at:
            break
        in_touch = WeightedChoice(["YES", "NO", "REFU", "NREQ"], [91, 5, 2, 2]).draw(rng)
        activity, accommodation, suitable = _activity_and_accommodation(rng, in_touch, "0")
        child.care_leaver.append(
            CareLeaverStatus(
                on=birthday,
                in_touch=in_touch,
                activity=activity,
                accommodation=accommodation,
                suitable=suitable,
                pathway_plan_review=birthday - timedelta(days=rng.randint(10, 170)),
                latest_contact=birthday - timedelta(days=rng.randint(1, 60)) if in_touch == "YES" else None,
            )
        )


# Personal advisers meet care leavers at least every eight weeks; pathway plans are reviewed at least every
# six months (Children (Leaving Care) Act 2000 regulations); about 91% of care leavers are in touch.
PA_CONTACT_DAYS, PATHWAY_REVIEW_DAYS = 56, 182
ELIGIBLE_AFTER_DAYS = 91  # 13 weeks looked after since the 14th birthday


def _leaving_care_service(
    sim: SocialCareSimulator, rng: random.Random, child: Child, period: LookedAfterPeriod, planned_end: date
) -> None:
    """A personal adviser from 16 (or once eligible) to 21 for a young person who leaves care at 18, and where
    the service stands on the as-at date: eligibility, contact, pathway plan review, activity, accommodation."""
    eighteen, sixteen, twenty_one = (add_years(child.dob, years) for years in (18, 16, 21))
    if planned_end != eighteen:
        return
    if (planned_end - max(period.start, add_years(child.dob, 14))).days < ELIGIBLE_AFTER_DAYS:
        return
    as_at = sim.as_at
    first = max(sixteen, period.start + timedelta(days=ELIGIBLE_AFTER_DAYS))
    if first > as_at:
        return
    until = twenty_one if twenty_one <= as_at else None
    service = LeavingCare(advisers=sim.workforce.allocate("leaving_care", first, until, may_wait=False))
    child.leaving_care = service
    if until is not None:
        return
    in_care = as_at < eighteen
    reviews = [first + timedelta(days=rng.randint(20, 90))]
    while reviews[-1] + timedelta(days=PATHWAY_REVIEW_DAYS) <= as_at:
        reviews.append(reviews[-1] + timedelta(days=_within(rng, PATHWAY_REVIEW_DAYS, 0.85)))
    reviews = [day for day in reviews if day <= as_at]
    in_touch = "YES" if in_care else WeightedChoice(["YES", "NO", "REFU"], [91, 6, 3]).draw(rng)
    if in_touch == "YES":
        contact = as_at - timedelta(days=rng.randint(0, PA_CONTACT_DAYS if rng.random() < 0.85 else 120))
    else:  # the adviser's last contact, before the young person stopped answering
        contact = as_at - timedelta(days=rng.randint(60, 200))
    activity, accommodation, suitable = _activity_and_accommodation(rng, in_touch, "")
    service.now = CareLeaverStatus(
        on=as_at,
        in_touch=in_touch,
        activity=activity,
        accommodation="" if in_care else accommodation,
        suitable=suitable and not in_care,
        pathway_plan_review=reviews[-1] if reviews else None,
        latest_contact=max(contact, first),
        eligibility="Eligible" if in_care else "Former relevant",
    )
