"""The case-management system's Standard Safeguarding Dataset (SSD) export: the statutory record the DfE
returns do not carry, as ``ssd_<table>.csv`` files with the SSD's own column names.

It holds what the SSDA903 and CIN census returns leave out, and nothing they count: visits to children
on child protection plans, children in need and looked-after children (seen, seen alone); looked-after
children's care (permanence) plans; health assessments, dental checks and development assessments on
their real dates; care leavers' eligibility, latest contact, pathway plan review and personal adviser;
assessments with their outcome and whether the child was seen; and each SSDA903 episode again with the
date of the child's latest contact with their independent reviewing officer (the SSD keeps it on the
episode); each missing episode again with its return interview; and each adoption decision with its
early-permanence (fostering for adoption, concurrent planning) decision and placement. The tables the
returns also fill are restated with the same facts, so nothing counts twice: the facts keep one assessment,
one episode and one missing episode per child and start date, from the feed that sent it last (a missing
episode's return interview from the feed that has it), and read one adoption pathway per child and decision.

Rows use the person IDs of the other social-care extracts, and identifiers built as the CIN census
reader builds its own (``<person>:<referral date>:cp_plan:<start>``), so a visit names its plan. The
export covers what the returns cover: referrals and periods of care open at some time since the first
collection year, as the system stands on the as-at date; an assessment or an episode only when it was
open at some time in that window, as in the returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from childhub.synth.extracts.registry import iso, write_csv
from childhub.synth.extracts.social_care_system import SocialCareSystem, as_of, overlaps
from childhub.synth.model import Assessment, Child, LookedAfterPeriod, Referral, Visit

FOLDER = "social_care/ssd"
CARE_PLANS = ("REMAINSUP", "RETURN1M", "RETURN6M", "RETURNEV", "LTRELFR", "LTFOST18", "RESPLMT", "SUPPLIV",
              "ADOPTION", "OTHERPLN")  # fmt: skip
OUTCOMES = ("NFA_FLAG", "NFA_S47_END_FLAG", "STRATEGY_DISCUSSION_FLAG", "CLA_REQUEST_FLAG", "PRIVATE_FOSTERING_FLAG",
            "LEGAL_ACTION_FLAG", "PROV_OF_SERVICES_FLAG", "PROV_OF_SB_CARE_FLAG", "SPECIALIST_ASSESSMENT_FLAG",
            "REFERRAL_TO_OTHER_AGENCY_FLAG", "OTHER_ACTIONS_FLAG", "OTHER_OUTCOMES_EXIST_FLAG")  # fmt: skip
HEALTH_CHECK_TYPES = {"health": "Health assessment", "dental": "Dental check", "development": "Development assessment"}
COLUMNS: dict[str, tuple[str, ...]] = {
    "ssd_cp_visits.csv": (
        "cppv_cp_visit_id", "cppv_person_id", "cppv_cp_plan_id", "cppv_cp_visit_date", "cppv_cp_visit_seen",
        "cppv_cp_visit_seen_alone",
    ),
    "ssd_cin_visits.csv": (
        "cinv_cin_visit_id", "cinv_person_id", "cinv_cin_visit_date", "cinv_cin_visit_seen",
        "cinv_cin_visit_seen_alone",
    ),
    "ssd_cla_visits.csv": (
        "clav_cla_visit_id", "clav_cla_id", "clav_person_id", "clav_cla_visit_date", "clav_cla_visit_seen",
        "clav_cla_visit_seen_alone",
    ),
    "ssd_cla_care_plan.csv": (
        "lacp_table_id", "lacp_person_id", "lacp_cla_care_plan_start_date", "lacp_cla_care_plan_end_date",
        "lacp_cla_care_plan_json",
    ),
    "ssd_cla_health.csv": (
        "clah_health_check_id", "clah_person_id", "clah_health_check_type", "clah_health_check_date",
        "clah_health_check_status",
    ),
    "ssd_care_leavers.csv": (
        "clea_table_id", "clea_person_id", "clea_care_leaver_eligibility", "clea_care_leaver_in_touch",
        "clea_care_leaver_latest_contact", "clea_care_leaver_accommodation", "clea_care_leaver_accom_suitable",
        "clea_care_leaver_activity", "clea_pathway_plan_review_date", "clea_care_leaver_personal_advisor",
        "clea_care_leaver_allocated_team", "clea_care_leaver_worker_id",
    ),
    "ssd_cin_assessments.csv": (
        "cina_assessment_id", "cina_person_id", "cina_referral_id", "cina_assessment_start_date",
        "cina_assessment_child_seen", "cina_assessment_auth_date", "cina_assessment_outcome_json",
        "cina_assessment_outcome_nfa", "cina_assessment_team", "cina_assessment_worker_id",
    ),
    "ssd_cla_episodes.csv": (
        "clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date", "clae_cla_episode_start_reason",
        "clae_cla_primary_need_code", "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason", "clae_cla_id",
        "clae_entered_care_date", "clae_cla_last_iro_contact_date",
    ),
    "ssd_missing.csv": (
        "miss_table_id", "miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_type",
        "miss_missing_episode_end_date", "miss_missing_rhi_offered", "miss_missing_rhi_accepted",
    ),
    "ssd_permanence.csv": (
        "perm_table_id", "perm_person_id", "perm_cla_id", "perm_adm_decision_date", "perm_ffa_cp_decision_date",
        "perm_placed_ffa_cp_date", "perm_placement_order_date", "perm_matched_date", "perm_placed_for_adoption_date",
        "perm_adopted_by_carer_flag", "perm_decision_reversed_date", "perm_decision_reversed_reason",
        "perm_permanence_order_date", "perm_permanence_order_type",
    ),
}  # fmt: skip


def write_ssd(system: SocialCareSystem, folder: Path) -> dict[str, int]:
    """Write the SSD export into ``folder``; the rows written, by file name."""
    export = _Export(system)
    tables = {
        "ssd_cp_visits.csv": export.cp_visits(),
        "ssd_cin_visits.csv": export.cin_visits(),
        "ssd_cla_visits.csv": export.cla_visits(),
        "ssd_cla_care_plan.csv": export.care_plans(),
        "ssd_cla_health.csv": export.health_checks(),
        "ssd_care_leavers.csv": export.care_leavers(),
        "ssd_cin_assessments.csv": export.assessments(),
        "ssd_cla_episodes.csv": export.episodes(),
        "ssd_missing.csv": export.missing(),
        "ssd_permanence.csv": export.permanence(),
    }
    return {name: write_csv(folder / name, COLUMNS[name], rows) for name, rows in tables.items()}


def yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def referral_id(person_id: str, referral: Referral) -> str:
    """The referral's ID as the CIN census reader builds it: person and referral date."""
    return f"{person_id}:{referral.date.isoformat()}"


def period_id(person_id: str, period: LookedAfterPeriod) -> str:
    """A period of care's ID (the SSD's ``cla_id``): person and the date it began."""
    return f"{person_id}:{period.start.isoformat()}"


def assessment_outcome(referral: Referral, assessment: Assessment) -> dict[str, str]:
    """The SSD's outcome flags for an assessment, from what followed it in the referral."""
    flags = dict.fromkeys(OUTCOMES, "")
    if not assessment.in_need:
        flags["NFA_FLAG" if not referral.section47s else "NFA_S47_END_FLAG"] = "Y"
        return flags
    if referral.section47s:
        flags["STRATEGY_DISCUSSION_FLAG"] = "Y"
    if referral.cp_plans or referral.cin_plans:
        flags["PROV_OF_SERVICES_FLAG"] = "Y"
    if not any(flags.values()):
        flags["OTHER_ACTIONS_FLAG"] = "Y"
    return flags


class _Export:
    """The children and the parts of their record the export covers, as the system stands on the as-at date."""

    def __init__(self, system: SocialCareSystem):
        self.system = system
        self.as_at = system.authority.as_at
        self.first = system.authority.history_start
        self.workers = {w.worker_id: w for w in system.authority.workers}
        self.services = {t.team_id: t.service for t in system.authority.teams}

    def referrals(self) -> Iterator[tuple[Child, str, Referral]]:
        """Referrals open at some time from the first collection year to the as-at date, under their record."""
        for child in self.system.children:
            for referral in child.referrals:
                if referral.date <= self.as_at and overlaps(referral.date, as_of(referral.closure, self.as_at),
                                                            self.first, self.as_at):  # fmt: skip
                    yield child, self.system.referral_person_id(referral), referral

    def periods(self) -> Iterator[tuple[Child, str, LookedAfterPeriod]]:
        for child in self.system.children:
            for period in child.care_periods:
                if overlaps(period.start, as_of(period.end, self.as_at), self.first, self.as_at):
                    yield child, self.system.person_id(child), period

    def _visits(self, visits: list[Visit]) -> Iterator[Visit]:
        return (v for v in visits if v.date <= self.as_at)

    def cp_visits(self):
        for _child, pid, referral in self.referrals():
            for plan in referral.cp_plans:
                if not overlaps(plan.start, as_of(plan.end, self.as_at), self.first, self.as_at):
                    continue  # as in the CIN census, which holds the plans the visits name
                plan_id = f"{referral_id(pid, referral)}:cp_plan:{plan.start.isoformat()}"
                for visit in self._visits(plan.visits):
                    yield [f"{plan_id}:visit:{visit.date.isoformat()}", pid, plan_id, iso(visit.date),
                           yes_no(visit.seen), yes_no(visit.seen_alone)]  # fmt: skip

    def cin_visits(self):
        for _child, pid, referral in self.referrals():
            for visit in self._visits(referral.visits):
                yield [f"{referral_id(pid, referral)}:cin_visit:{visit.date.isoformat()}", pid, iso(visit.date),
                       yes_no(visit.seen), yes_no(visit.seen_alone)]  # fmt: skip

    def cla_visits(self):
        for _child, pid, period in self.periods():
            cla_id = period_id(pid, period)
            for number, visit in enumerate(self._visits(period.visits), 1):
                yield [f"{cla_id}:visit:{number}", cla_id, pid, iso(visit.date), yes_no(visit.seen),
                       yes_no(visit.seen_alone)]  # fmt: skip

    def care_plans(self):
        for _child, pid, period in self.periods():
            for plan in period.care_plans:
                if plan.start <= self.as_at:
                    chosen = {code: "Y" if code == plan.plan else "" for code in CARE_PLANS}
                    yield [f"{period_id(pid, period)}:care_plan:{plan.start.isoformat()}", pid, iso(plan.start),
                           iso(as_of(plan.end, self.as_at)), json.dumps(chosen)]  # fmt: skip

    def health_checks(self):
        for _child, pid, period in self.periods():
            checks = [("health", d) for d in period.health_checks] + [("dental", d) for d in period.dental_checks]
            checks += [("development", d) for d in period.development_checks]
            for number, (kind, day) in enumerate(sorted(checks, key=lambda check: (check[1], check[0])), 1):
                if day <= self.as_at:
                    check_id = f"{period_id(pid, period)}:{kind}:{number}"
                    yield [check_id, pid, HEALTH_CHECK_TYPES[kind], iso(day), "Completed"]

    def care_leavers(self):
        for child in self.system.children:
            service = child.leaving_care
            if service is None or service.now is None:
                continue
            now = service.now
            pid = self.system.person_id(child)
            adviser = next((a for a in reversed(service.advisers) if a.start <= self.as_at), None)
            worker = self.workers.get(adviser.worker_id) if adviser and adviser.worker_id else None
            yield [
                f"{pid}:care_leaver", pid, now.eligibility, now.in_touch, iso(now.latest_contact), now.accommodation,
                (yes_no(now.suitable) if now.accommodation else ""), now.activity, iso(now.pathway_plan_review),
                worker.name if worker else "", adviser.team_id if adviser else "", worker.worker_id if worker else "",
            ]  # fmt: skip

    def assessments(self):
        for _child, pid, referral in self.referrals():
            for assessment in referral.assessments:
                authorised = as_of(assessment.authorised, self.as_at)
                if assessment.start > self.as_at or not overlaps(assessment.start, authorised, self.first, self.as_at):
                    continue
                # the assessing team's allocation (the front door only screened the referral)
                held = next((a for a in referral.allocations if self.services[a.team_id] != "front_door"), None)
                outcome = assessment_outcome(referral, assessment) if authorised else dict.fromkeys(OUTCOMES, "")
                yield [
                    f"{referral_id(pid, referral)}:assessment:{assessment.start.isoformat()}", pid,
                    referral_id(pid, referral), iso(assessment.start), yes_no(assessment.child_seen), iso(authorised),
                    json.dumps(outcome), (yes_no(not assessment.in_need) if authorised else ""),
                    held.team_id if held else "", (held.worker_id or "") if held else "",
                ]  # fmt: skip

    def episodes(self):
        for _child, pid, period in self.periods():
            cla_id = period_id(pid, period)
            for episode in period.episodes:
                ceased = as_of(episode.end, self.as_at)
                if episode.start > self.as_at or not overlaps(episode.start, ceased, self.first, self.as_at):
                    continue
                until = ceased or self.as_at
                contacts = [d for d in period.iro_contacts if d <= until]
                yield [
                    f"{cla_id}:episode:{episode.start.isoformat()}", pid, iso(episode.start), episode.reason_new,
                    episode.category_of_need, iso(ceased), episode.reason_ceased if ceased else "", cla_id,
                    iso(period.start), iso(max(contacts)) if contacts else "",
                ]  # fmt: skip

    def missing(self):
        """Each missing episode with its return interview: offered (Y/N) once the child is back, and, when
        offered, accepted (Y/N); NA when none was offered."""
        for _child, pid, period in self.periods():
            for episode in period.missing:
                back = as_of(episode.end, self.as_at)
                if episode.start > self.as_at or not overlaps(episode.start, back, self.first, self.as_at):
                    continue
                offered = accepted = ""
                if back:
                    offered = yes_no(episode.return_interview_offered)
                    accepted = yes_no(episode.return_interview_accepted) if episode.return_interview_offered else "NA"
                yield [f"{period_id(pid, period)}:missing:{episode.start.isoformat()}", pid, iso(episode.start),
                       episode.kind, iso(back), offered, accepted]  # fmt: skip

    def permanence(self):
        """Each adoption pathway decided by the as-at date: the decisions, orders and placements known then."""
        for _child, pid, period in self.periods():
            adoption = period.adoption
            if adoption is None or adoption.decision > self.as_at:
                continue
            reversed_on = as_of(adoption.reversed, self.as_at)
            adopted = as_of(adoption.adopted, self.as_at)
            cla_id = period_id(pid, period)
            yield [
                f"{cla_id}:permanence", pid, cla_id, iso(adoption.decision),
                iso(as_of(adoption.ffa_decision, self.as_at)), iso(as_of(adoption.ffa_placed, self.as_at)),
                iso(as_of(adoption.placement_order, self.as_at)), iso(as_of(adoption.matched, self.as_at)),
                iso(as_of(adoption.placed, self.as_at)), (yes_no(adoption.foster_carer) if adopted else ""),
                iso(reversed_on), adoption.reversed_reason if reversed_on else "", iso(adopted),
                "Adoption" if adopted else "",
            ]  # fmt: skip
