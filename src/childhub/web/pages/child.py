"""The child page's read model: one child's linked record, its source records, timeline, status, worker and flags.

The timeline is declared: ``TIMELINE`` lists each kind of event (the fact it is read from, the service it
belongs to, what it is called and how one row reads), and ``timeline`` reads them all with one loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from childhub.calendar import collection_year_label, long_date, reporting_year_end
from childhub.codes import code_set, with_labels, words_for
from childhub.store import quote_identifier
from childhub.web.pages.quality import child_findings
from childhub.web.pages.shared import Row, age_of, rows, service_name
from childhub.web.words import number, percent

if TYPE_CHECKING:
    import duckdb

SEX = code_set("person_sex").labels  # M Male, F Female, I Indeterminate, U Not stated
UNKNOWN_SEX = "U"
# The fields of a source record shown side by side, and whether systems disagreeing on one is worth a flag.
SOURCE_FIELDS = ("forename", "surname", "date_of_birth", "sex", "upn", "nhs_number", "postcode")
CHECKED_FIELDS = {"date_of_birth": "date of birth", "sex": "sex", "upn": "UPN", "nhs_number": "NHS number"}
HOW_MANY = {2: "two", 3: "three", 4: "four", 5: "five"}


def child_record(cursor: duckdb.DuckDBPyConnection, child_key: str, today: date | None = None) -> Row | None:
    """The child's linked record, sources, timeline, status, worker, flags and open data-quality findings;
    None if there is no such child."""
    today = today or date.today()
    found = rows(
        cursor,
        "SELECT child_key, child_id, la_child_id, forename, surname, sex, ethnicity, date_of_birth, "
        "expected_date_of_birth, disability, area, source_systems FROM fact_child WHERE child_key = ?",
        [child_key],
    )
    if not found:
        return None
    child = found[0]
    sources = source_records(cursor, child_key)
    child["name"] = _full_name(child["forename"], child["surname"]) or "(no name recorded)"
    child["age"] = age_of(child["date_of_birth"], today)
    child["sex_name"] = SEX.get(child["sex"] or "", child["sex"])
    child["ethnicity_name"] = words_for("ethnicity", child["ethnicity"])
    child["disability_name"] = words_for("disability", child["disability"])
    child["source_systems"] = list(child["source_systems"] or [])
    child["services"] = [service_name(system) for system in child["source_systems"]]
    mark_differences(child, sources)
    family = cursor.execute(
        "SELECT family_id FROM family_member WHERE child_id = ? AND valid_to IS NULL ORDER BY valid_from DESC LIMIT 1",
        [child["child_id"]],
    ).fetchall()
    flags = quality_flags(cursor, child, sources, today)
    # each code keeps its column and gains a <column>_label in words (the page and the API read the same record)
    return {
        "child": with_labels(child),
        "sources": [with_labels(source) for source in sources],
        "disagreements": disagreements(sources),
        "timeline": timeline(cursor, child_key, today),
        "status": current_status(cursor, child_key, today),
        "allocation": [with_labels(worker) for worker in allocation(cursor, child_key, today)],
        "flags": flags,
        "findings": child_findings(cursor, child_key),
        "family_id": family[0][0] if family else None,
    }


def source_records(cursor: duckdb.DuckDBPyConnection, child_key: str) -> list[Row]:
    """The child's record in each source system, as linkage compared it, with how it was linked.

    The name, date of birth and sex are the record's own as ``fact_person`` holds them (what ``fact_child``
    chose from); the identifiers and postcode as linkage compared them.
    """
    found = rows(
        cursor,
        """
        SELECT p.source_system, p.person_id AS source_record_id, p.forename AS display_forename,
               p.surname AS display_surname, s.forename, s.middle_names, s.surname,
               coalesce(p.date_of_birth, s.date_of_birth) AS date_of_birth, p.sex,
               coalesce(s.upn, p.upn) AS upn, s.former_upn, s.nhs_number, coalesce(s.postcode, p.postcode) AS postcode,
               s.batch_id, l.decided_by, l.reason AS link_reason, l.valid_from AS linked_since
        FROM fact_person p
        LEFT JOIN source_record s ON s.source_system = p.source_system AND s.source_record_id = p.person_id
        LEFT JOIN child_link l ON l.valid_to IS NULL AND l.source_system = p.source_system
                               AND l.source_record_id = p.person_id
        WHERE p.child_key = ?
        ORDER BY p.source_system <> 'social_care', p.source_system, p.person_id
        """,
        [child_key],
    )
    for source in found:
        source["service"] = service_name(source["source_system"])
        source["name"] = _full_name(source["display_forename"], source["display_surname"])
    return found


def _full_name(forename: str | None, surname: str | None) -> str:
    return " ".join(part.strip() for part in (forename, surname) if part and part.strip())


def _same_name(one: str | None, other: str | None) -> bool:
    """Names as the precedence compares them: ignoring case and spaces at either end."""
    return (one or "").strip().lower() == (other or "").strip().lower()


def _most_held(values: list[Any]) -> Any:
    """The value more records hold than any other; None when none is held or two are held equally often."""
    from collections import Counter

    ranked = Counter(value for value in values if value not in (None, "")).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def mark_differences(child: Row, sources: list[Row]) -> None:
    """Give each source record ``differs`` (the columns whose value differs from the one the child is shown with)
    and ``not_stated`` (a sex of U where the child's is known).

    The name, date of birth and sex are compared with ``fact_child``'s choice; the identifiers and postcode, which
    have no chosen value, with the value most records hold (every value, when no one value is held most).
    """
    common = {name: _most_held([source[name] for source in sources]) for name in ("upn", "nhs_number", "postcode")}
    for source in sources:
        differs = set()
        if source["display_forename"] and not _same_name(source["display_forename"], child["forename"]):
            differs.add("name")
        if source["display_surname"] and not _same_name(source["display_surname"], child["surname"]):
            differs.add("name")
        if source["date_of_birth"] and child["date_of_birth"] and source["date_of_birth"] != child["date_of_birth"]:
            differs.add("date_of_birth")
        known = child["sex"] not in (None, UNKNOWN_SEX)
        if known and source["sex"] not in (None, UNKNOWN_SEX) and source["sex"] != child["sex"]:
            differs.add("sex")
        source["not_stated"] = known and source["sex"] == UNKNOWN_SEX
        for name, value in common.items():
            if source[name] and source[name] != value:
                differs.add(name)
        source["differs"] = sorted(differs)


def disagreements(sources: list[Row]) -> dict[str, list[Any]]:
    """Each field the child's source records hold more than one value of, with the values."""
    found = {}
    for name in SOURCE_FIELDS:
        values = sorted({source[name] for source in sources if source[name] not in (None, "")}, key=str)
        if name == "sex":
            values = [value for value in values if value in ("M", "F")]
        if len(values) > 1:
            found[name] = values
    return found


# --- the timeline ----------------------------------------------------------------------------------------

Reader = Callable[["duckdb.DuckDBPyConnection", str], list[Row]]


@dataclass(frozen=True)
class TimelineEvent:
    """One kind of event on the timeline: where its rows come from, and the service and words it is shown with."""

    fact: str  # the fact it is read from: the child's rows of fact_<fact>, or those ``read`` makes of it
    service: str  # the service it belongs to (a code of the registry's ``service`` set)
    kind: str  # what the event is called
    summary: Callable[[Row], str]  # how one row reads
    date: str = "start_date"  # the column holding the day it happened (an event without one is left out)
    # the column saying the day is known only by its collection year (a fact's date_is_proxy: the SSDA903 return
    # dates the row the year's 31 March); such an event is shown by its year, never by that 31 March
    year_only: str | None = None
    end: str | None = None  # the column holding the day it ended, for an event that lasts
    when: Callable[[Row], bool] | None = None  # which of the rows are this kind of event (default: all)
    read: Reader | None = None  # how the rows are read, for an event made from the fact rather than one of its rows


def collection_year(day: date) -> str:
    """The collection year (1 April to 31 March) a day falls in, as people write it: "2025-26"."""
    return collection_year_label(reporting_year_end(day).year)


def _until(end: date | None) -> str:
    return f"; ended {long_date(end)}" if end else "; open"


def _pct(missed: float, possible: float | None) -> float | None:
    return round(100.0 * missed / possible, 1) if possible else None


def _words(field: str, code: Any, missing: str = "not recorded") -> str:
    """A code in words (``childhub.codes.words_for``), or ``missing`` when there is none."""
    return words_for(field, code) or missing


def _contact(contact: Row) -> str:
    source = _words("contact_source", contact["contact_source"], "source not recorded")
    return f"From {source}: {contact['outcome'] or 'no outcome recorded'}"


def _closed(referral: Row) -> str:
    if not referral["close_date"]:
        return ""
    reason = _words("close_reason", referral["close_reason"], "no reason recorded")
    return f"; closed {long_date(referral['close_date'])} ({reason})"


def _referral(referral: Row) -> str:
    return f"Primary need: {_words('primary_need', referral['primary_need'])}" + _closed(referral)


def _referral_no_further_action(referral: Row) -> str:
    return "No further action" + _closed(referral)


def _assessment(assessment: Row) -> str:
    if assessment["authorised_date"]:
        return f"Authorised {long_date(assessment['authorised_date'])} after {assessment['working_days']} working days"
    return "Not yet authorised"


def _s47(enquiry: Row) -> str:
    if enquiry["icpc_date"]:
        outcome = "child protection plan" if enquiry["icpc_led_to_plan"] else "no plan"
        return f"ICPC {long_date(enquiry['icpc_date'])} ({enquiry['icpc_working_days']} working days): {outcome}"
    return "No ICPC needed" if enquiry["icpc_not_required"] else "No ICPC recorded"


def _cp_plan(plan: Row) -> str:
    initial, latest = plan["initial_category"], plan["latest_category"]
    changed = f", latest {_words('category_of_abuse', latest)}" if latest and latest != initial else ""
    return f"Category: {_words('category_of_abuse', initial)}{changed}" + _until(plan["end_date"])


def _cin_plan(plan: Row) -> str:
    return _until(plan["end_date"]).removeprefix("; ")


def _cla_period(period: Row) -> str:
    need = (
        "Short breaks only"
        if period["short_breaks_only"]
        else f"Category of need: {_words('category_of_need', period['category_of_need'])}"
    )
    if period["end_date"]:
        reason = _words("reason_ceased", period["reason_ceased"], "no reason recorded")
        return f"{need}; ceased {long_date(period['end_date'])} ({reason})"
    return f"{need}; still looked after"


def _placement(placement: Row) -> str:
    kind = _words("placement_type", placement["placement_type"], "type not recorded")
    where = f"{kind} (provider: {_words('placement_provider', placement['placement_provider'])})"
    return where + _until(placement["end_date"])


def _legal_status(episode: Row) -> str:
    return _words("legal_status", episode["legal_status"])


def _missing(episode: Row) -> str:
    kind = "Absent" if (episode["missing_type"] or "").upper() == "A" else "Missing"
    offered = episode["return_interview_offered"]
    return (
        f"{kind} episode"
        + _until(episode["end_date"])
        + (f"; return interview offered: {_words('return_interview_offered', offered)}" if offered else "")
    )


def _cla_review(review: Row) -> str:
    return f"Taking part: {_words('participation', review['participation'])}"


def _cp_review(review: Row) -> str:
    return f"Plan {review['cp_plan_id']}"


def _early_help(episode: Row) -> str:
    text = f"{episode['reason'] or 'No reason recorded'} ({episode['organisation'] or 'no organisation'})"
    text += _until(episode["end_date"])
    return text + (f": {episode['end_reason']}" if episode["end_reason"] else "")


def _attendance(term: Row) -> str:
    pct = _pct(term["missed"], term["possible"])
    name = {"AUT": "autumn", "SPR": "spring", "SUM": "summer"}.get(term["term"][:3], term["term"].lower())
    text = (
        f"{term['academic_year']} {name} term: {number(term['missed'])} of {number(term['possible'])} sessions missed"
    )
    return text + (f" ({percent(pct)})" if pct is not None else "")


def _permanent(exclusion: Row) -> bool:
    return (exclusion["category"] or "").upper() in ("PERM", "PERMANENT", "P")


def _exclusion(exclusion: Row) -> str:
    sessions = exclusion["sessions"] or 0
    reason = _words("exclusion_reason", exclusion["reason"], "no reason recorded")
    return f"{reason}; {sessions:g} session{'' if sessions == 1 else 's'}"


def _sen(provision: Row) -> str:
    name = _words("sen_provision", provision["provision"])
    return f"{name}; primary need: {_words('sen_primary_need', provision['primary_need'])}"


def _youth_justice(outcome: Row) -> str:
    first = "; first-time entrant" if outcome["first_time_entrant"] else ""
    return f"{outcome['outcome_type']} ({outcome['tier'] or 'no tier'}){first}"


def _police_notification(notification: Row) -> str:
    incident = notification["incident_date"]
    when = f"incident {long_date(incident)}" if incident else "incident date not given"
    return f"Domestic abuse notification ({when})"


def _neet(spell: Row) -> str:
    months, start, end = spell["months"], spell["start_date"], spell["end_date"]
    activities = ", ".join(sorted(str(activity) for activity in spell["activities"] if activity)) or "?"
    return (
        f"{spell['state']} for {months} month{'s' if months != 1 else ''} ({start:%b %Y} to {end:%b %Y}; "
        f"NCCIS activity code{'s' if ', ' in activities else ''} {activities})"
    )


def _in_touch(leaver: Row) -> str:
    """Whether the authority is in touch, and when: the SSDA903 return (OC3) says only whether it was around the
    birthday in its collection year, so such a row names the year, never the 31 March ingest dates it."""
    answer = _words("in_touch", leaver["in_touch"])
    if leaver["date_is_proxy"] and leaver["latest_contact"]:
        return f"In touch around their birthday in {collection_year(leaver['latest_contact'])}: {answer}"
    return f"In touch: {answer}"


def _care_leaver(leaver: Row) -> str:
    return (
        f"{_in_touch(leaver)}; accommodation: {_words('accommodation', leaver['accommodation'])}"
        f" (suitable: {_words('accommodation_suitable', leaver['accommodation_suitable'])});"
        f" activity: {_words('activity', leaver['activity'])}"
    )


def _rows_of(cursor: duckdb.DuckDBPyConnection, fact: str, child_key: str) -> list[Row]:
    """The child's rows of ``fact_<fact>``."""
    return rows(cursor, f"SELECT * FROM {quote_identifier('fact_' + fact)} WHERE child_key = ?", [child_key])


def _legal_status_changes(cursor: duckdb.DuckDBPyConnection, child_key: str) -> list[Row]:
    """The child's episodes of care that began a new legal status (the first episode, and each that changed it)."""
    return rows(
        cursor,
        "SELECT start_date, legal_status FROM (SELECT *, lag(legal_status) OVER (PARTITION BY person_id ORDER BY "
        "start_date) AS before FROM fact_cla_episode WHERE child_key = ?) WHERE legal_status IS DISTINCT FROM before",
        [child_key],
    )


def _term_start(academic_year_start: date, term: str) -> date:
    if term.startswith("SPR"):
        return date(academic_year_start.year + 1, 1, 1)
    if term.startswith("SUM"):
        return date(academic_year_start.year + 1, 4, 1)
    return academic_year_start


def _attendance_terms(cursor: duckdb.DuckDBPyConnection, child_key: str) -> list[Row]:
    """Sessions possible and missed in each term the child has attendance for, dated on the term's nominal start."""
    terms = rows(
        cursor,
        "SELECT academic_year, academic_year_start, term, sum(possible_sessions) AS possible, "
        "sum(sessions_missed) AS missed FROM fact_attendance WHERE child_key = ? GROUP BY ALL",
        [child_key],
    )
    for term in terms:
        term["term_start"] = _term_start(term["academic_year_start"], term["term"])
    return terms


def _neet_spells(cursor: duckdb.DuckDBPyConnection, child_key: str) -> list[Row]:
    """NCCIS months as spells: one per run of months with the same activity (NEET, not known, in EET)."""
    spells: list[Row] = []
    for month in rows(
        cursor,
        "SELECT month, neet, not_known, activity FROM fact_neet WHERE child_key = ? ORDER BY month",
        [child_key],
    ):
        state = (
            "NEET" if month["neet"] else "Not known" if month["not_known"] else "In education, employment or training"
        )
        if not spells or spells[-1]["state"] != state:
            spells.append({"state": state, "start_date": month["month"], "months": 0, "activities": set()})
        spell = spells[-1]
        spell["end_date"] = month["month"]
        spell["months"] += 1
        spell["activities"].add(month["activity"])
    return spells


# Every kind of event on the timeline, in the order they are read.
TIMELINE: tuple[TimelineEvent, ...] = (
    TimelineEvent("contact", "social_care", "Contact", _contact, date="contact_date"),
    TimelineEvent(
        "referral",
        "social_care",
        "Referral",
        _referral,
        date="referral_date",
        end="close_date",
        when=lambda referral: not referral["nfa"],
    ),
    TimelineEvent(
        "referral",
        "social_care",
        "Referral (NFA)",
        _referral_no_further_action,
        date="referral_date",
        end="close_date",
        when=lambda referral: bool(referral["nfa"]),
    ),
    TimelineEvent("assessment", "social_care", "Assessment", _assessment, end="authorised_date"),
    TimelineEvent("s47", "social_care", "Section 47 enquiry", _s47, end="end_date"),
    TimelineEvent("cp_plan", "social_care", "Child protection plan", _cp_plan, end="end_date"),
    TimelineEvent("cin_plan", "social_care", "Child in need plan", _cin_plan, end="end_date"),
    TimelineEvent("cla_period", "social_care", "Period of care", _cla_period, end="end_date"),
    TimelineEvent("cla_placement", "social_care", "Placement", _placement, end="end_date"),
    TimelineEvent("cla_episode", "social_care", "Legal status", _legal_status, read=_legal_status_changes),
    TimelineEvent("missing", "social_care", "Missing episode", _missing, end="end_date"),
    TimelineEvent("cla_review", "social_care", "Looked-after review", _cla_review, date="review_date"),
    TimelineEvent("cp_review", "social_care", "Child protection review", _cp_review, date="review_date"),
    TimelineEvent("early_help", "early_help", "Early help episode", _early_help, end="end_date"),
    TimelineEvent(
        "attendance", "education", "School attendance", _attendance, date="term_start", read=_attendance_terms
    ),
    TimelineEvent("exclusion", "education", "Permanent exclusion", _exclusion, when=_permanent),
    TimelineEvent("exclusion", "education", "Suspension", _exclusion, when=lambda exclusion: not _permanent(exclusion)),
    TimelineEvent("sen", "sen", "SEN provision", _sen, date="census_date"),
    TimelineEvent("youth_justice", "youth_justice", "Youth justice outcome", _youth_justice, date="outcome_date"),
    TimelineEvent(
        "police_notification", "police", "Police notification", _police_notification, date="notification_date"
    ),
    TimelineEvent("neet", "neet", "Post-16 activity", _neet, end="end_date", read=_neet_spells),
    TimelineEvent(
        "care_leaver", "social_care", "Care leaver", _care_leaver, date="latest_contact", year_only="date_is_proxy"
    ),
)


def timeline(cursor: duckdb.DuckDBPyConnection, child_key: str, today: date) -> list[Row]:
    """Every event in the child's record across services (each kind ``TIMELINE`` declares), the newest first.

    An event is ``{"date", "year", "end", "service", "kind", "summary", "record"}`` (``record``: the source record it
    is read from, for the chronology's spreadsheet); ``end`` is None for an event that does
    not last; ``year`` is the collection year ("2025-26") of an event known only by its year, shown in place of its
    date (which stays for the order: the year's 31 March), else None. Events without a date are left out.
    """
    read: dict[tuple[str, Reader | None], list[Row]] = {}
    events: list[Row] = []
    for event in TIMELINE:
        source = (event.fact, event.read)
        if source not in read:
            read[source] = event.read(cursor, child_key) if event.read else _rows_of(cursor, event.fact, child_key)
        for row in read[source]:
            if row[event.date] is not None and (event.when is None or event.when(row)):
                events.append(
                    {
                        "date": row[event.date],
                        "year": collection_year(row[event.date]) if event.year_only and row[event.year_only] else None,
                        "end": row[event.end] if event.end else None,
                        "service": event.service,
                        "kind": event.kind,
                        "summary": event.summary(row),
                        "record": _record_of(event.fact, row),
                    }
                )
    return sorted(events, key=lambda event: (event["date"], event["kind"]), reverse=True)


def _record_of(fact: str, row: Row) -> str | None:
    """The source system's record an event is read from: its own ID (a referral's, a plan's) or else the child's."""
    for name in (f"{fact}_id", "person_id", "child_id"):
        if row.get(name) is not None:
            return str(row[name])
    return None


# --- where the child stands today ------------------------------------------------------------------------


def current_status(cursor: duckdb.DuckDBPyConnection, child_key: str, today: date) -> list[Row]:
    """Where the child stands today in each service: label, what is open (or latest), and whether it is open."""

    def count(sql: str) -> int:
        return cursor.execute(sql, [child_key, today]).fetchone()[0]

    def in_last_12_months(fact: str, column: str) -> int:
        day = quote_identifier(column)
        return cursor.execute(
            f"SELECT count(*) FROM {quote_identifier(fact)} WHERE child_key = ? AND {day} <= ? "
            f"AND {day} > ? - INTERVAL 12 MONTH",
            [child_key, today, today],
        ).fetchone()[0]

    in_need = count("SELECT count(*) FROM fact_referral r WHERE r.child_key = ? AND cin_open_on(r, ?)")
    on_plan = count("SELECT count(*) FROM fact_cp_plan p WHERE p.child_key = ? AND cp_plan_on(p, ?)")
    looked_after = count("SELECT count(*) FROM fact_cla_episode e WHERE e.child_key = ? AND looked_after_on(e, ?)")
    early_help = count(
        "SELECT count(*) FROM fact_early_help e WHERE e.child_key = ? AND open_on(e.start_date, e.end_date, ?)"
    )
    status = [
        _status("Child in need", bool(in_need), "Open CIN episode" if in_need else "None open"),
        _status("Child protection", bool(on_plan), "On a child protection plan" if on_plan else "Not on a plan"),
        _status("Looked after", bool(looked_after), "Looked after" if looked_after else "Not looked after"),
        _status("Early help", bool(early_help), "Open early help episode" if early_help else "None open"),
    ]
    sen = cursor.execute(
        "SELECT provision, census_date, primary_need FROM fact_sen WHERE child_key = ? AND census_date <= ? "
        "ORDER BY census_date DESC, provision = 'E' DESC LIMIT 1",
        [child_key, today],
    ).fetchall()
    if sen:
        provision, census, need = sen[0]
        label = _words("sen_provision", provision) if provision in ("E", "K") else "No SEN provision"
        detail = f"{label} (census {long_date(census)}, need: {_words('sen_primary_need', need)})"
        status.append(_status("SEN", provision in ("E", "K"), detail))
    attendance = cursor.execute(
        "SELECT academic_year, term, possible_sessions, sessions_missed, persistent_absence, severe_absence "
        "FROM fact_service_attendance WHERE child_key = ? AND from_date <= ? ORDER BY from_date DESC LIMIT 1",
        [child_key, today],
    ).fetchall()
    if attendance:
        year, term, possible, missed, persistent, severe = attendance[0]
        label = "severe absence" if severe else "persistent absence" if persistent else "attending"
        detail = f"{percent(_pct(missed, possible))} of sessions missed in {year} to the {term} term ({label})"
        status.append(_status("School attendance", bool(persistent), detail))
    outcomes = in_last_12_months("fact_youth_justice", "outcome_date")
    detail = f"{outcomes} outcome{'s' if outcomes != 1 else ''} in the last 12 months"
    status.append(_status("Youth justice", bool(outcomes), detail))
    notifications = in_last_12_months("fact_police_notification", "notification_date")
    if notifications:
        status.append(_status("Police notifications", True, f"{notifications} in the last 12 months"))
    neet = cursor.execute(
        "SELECT month, neet, not_known FROM fact_neet WHERE child_key = ? AND month <= ? ORDER BY month DESC LIMIT 1",
        [child_key, today + timedelta(days=31)],
    ).fetchall()
    if neet:
        month, is_neet, not_known = neet[0]
        label = "NEET" if is_neet else "Activity not known" if not_known else "In education, employment or training"
        status.append(_status("Post-16 activity", bool(is_neet), f"{label} ({month:%B %Y})"))
    # the latest record known today: a return (dated its collection year's 31 March) from its year's 1 April
    leaver = rows(
        cursor,
        "SELECT latest_contact, date_is_proxy, in_touch, activity FROM fact_care_leaver WHERE child_key = ? "
        "AND (latest_contact IS NULL OR known_from(latest_contact, date_is_proxy) <= ?) "
        "ORDER BY known_from(latest_contact, date_is_proxy) DESC NULLS LAST, date_is_proxy, care_leaver_id DESC "
        "LIMIT 1",
        [child_key, today],
    )
    if leaver:
        latest = leaver[0]
        contact = latest["latest_contact"]
        when = f" (latest contact {long_date(contact)})" if contact and not latest["date_is_proxy"] else ""
        detail = f"{_in_touch(latest)}; activity: {_words('activity', latest['activity'])}{when}"
        status.append(_status("Care leaver", True, detail))
    return status


def _status(service: str, is_open: bool, detail: str) -> Row:
    return {"service": service, "open": is_open, "detail": detail}


def allocation(cursor: duckdb.DuckDBPyConnection, child_key: str, today: date) -> list[Row]:
    """The worker and team holding the child's case today (an allocation that has started and not ended)."""
    return rows(
        cursor,
        """
        SELECT a.worker_id, w.worker_name, w.job_title, a.team_id, t.team_name, t.service_area, a.role, a.start_date
        FROM fact_allocation a
        LEFT JOIN fact_worker w ON w.worker_id = a.worker_id
        LEFT JOIN fact_team t ON t.team_id = a.team_id
        WHERE a.child_key = ? AND allocation_on(a, ?)
        ORDER BY a.start_date DESC
        """,
        [child_key, today],
    )


def _systems(names: list[str]) -> str:
    """Services named in a sentence: "Education", "Education and Police", "Education, SEN and Police"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _who_holds(sources: list[Row], value_of: Callable[[Row], Any], chosen: Any, shown: Callable[[Any], str]) -> str:
    """Each value of a field, the chosen one first, with the services holding it: "Education says Austin Ward;
    Special educational needs says Austin Warf"."""
    holders: dict[Any, list[str]] = {}
    for source in sources:
        value = value_of(source)
        if value not in (None, ""):
            services = holders.setdefault(value, [])
            if source["service"] not in services:
                services.append(source["service"])
    ordered = sorted(holders.items(), key=lambda item: (item[0] != chosen, -len(item[1]), str(item[0])))
    return "; ".join(
        f"{_systems(services)} {'say' if len(services) > 1 else 'says'} {shown(value)}" for value, services in ordered
    )


def _disagreeing(child: Row, sources: list[Row]) -> list[str]:
    """The systems disagreeing on the name, date of birth or sex (each value with the systems holding it), and a
    sex recorded as not stated where the child's is known."""
    flags = []
    names = {_full_name(s["display_forename"], s["display_surname"]).lower() for s in sources} - {""}
    if len(names) > 1:
        held = _who_holds(
            sources,
            lambda s: _full_name(s["display_forename"], s["display_surname"]).lower(),
            child["name"].lower(),
            lambda value: next(s["name"] for s in sources if s["name"].lower() == value),
        )
        flags.append(f"The systems disagree on the name: {held} (shown as {child['name']})")
    if len({s["date_of_birth"] for s in sources} - {None}) > 1:
        held = _who_holds(sources, lambda s: s["date_of_birth"], child["date_of_birth"], date.isoformat)
        flags.append(f"The systems disagree on the date of birth: {held}")
    known = [s for s in sources if s["sex"] not in (None, UNKNOWN_SEX)]
    if len({s["sex"] for s in known}) > 1:
        held = _who_holds(known, lambda s: s["sex"], child["sex"], lambda code: SEX.get(code, code))
        flags.append(f"The systems disagree on the sex: {held}")
    not_stated = [s["service"] for s in sources if s["not_stated"]]
    if not_stated:
        flags.append(
            f"{_systems(sorted(set(not_stated)))} {'record' if len(set(not_stated)) > 1 else 'records'} the sex as "
            f"not stated (U) where the other systems say {SEX.get(child['sex'], child['sex'])}"
        )
    return flags


def _duplicates(sources: list[Row]) -> list[str]:
    """A system holding two or more records for the child: the system owner should merge them."""
    held: dict[str, list[str]] = {}
    for source in sources:
        held.setdefault(source["service"], []).append(str(source["source_record_id"]))
    return [
        f"{service} holds {HOW_MANY.get(len(ids), len(ids))} records for this child: {_systems(ids)}; "
        "ask the system owner to merge them"
        for service, ids in held.items()
        if len(ids) > 1
    ]


def _open_past_18(cursor: duckdb.DuckDBPyConnection, child: Row, today: date) -> list[str]:
    """A child protection plan or care still open on or after the child's 18th birthday: both end by then."""
    born = child["date_of_birth"]
    if born is None or age_of(born, today) < 18:
        return []
    from childhub.calendar import add_years

    birthday = add_years(born, 18)
    key, flags = child["child_key"], []
    for (start,) in cursor.execute(
        "SELECT p.start_date FROM fact_cp_plan p "
        "WHERE p.child_key = ? AND open_on(p.start_date, p.end_date, ?) AND cp_plan_open_past_18(p, ?) ORDER BY 1",
        [key, today, today],
    ).fetchall():
        flags.append(
            f"On a child protection plan (since {long_date(start)}) at {age_of(born, today)}: a plan ends by the "
            f"18th birthday ({long_date(birthday)}); ask social care to record when it ended"
        )
    for (start,) in cursor.execute(
        "SELECT min(e.start_date) FROM fact_cla_episode e WHERE e.child_key = ? AND looked_after_on(e, ?) "
        "HAVING count(*) > 0",
        [key, today],
    ).fetchall():
        flags.append(
            f"Looked after (since {long_date(start)}) at {age_of(born, today)}: care ends by the 18th birthday "
            f"({long_date(birthday)}); ask social care to record when it ended"
        )
    return flags


def quality_flags(cursor: duckdb.DuckDBPyConnection, child: Row, sources: list[Row], today: date) -> list[str]:
    """What is doubtful about the record, in words: systems disagreeing on the name, date of birth or sex (and
    which), a sex not stated against a known one, two records in one system, a plan or care open past 18,
    missing or invalid identifiers, warnings on load. ``child`` and ``sources`` as ``child_record`` makes them."""
    flags = _disagreeing(child, sources) + _duplicates(sources) + _open_past_18(cursor, child, today)
    for name in ("upn", "nhs_number"):
        values = sorted({source[name] for source in sources if source[name]})
        if len(values) > 1:
            flags.append(f"The systems disagree on the {CHECKED_FIELDS[name]}: {', '.join(values)}")
    upns = sorted({source["upn"] for source in sources if source["upn"]})
    age = child.get("age")
    if not upns and (age is None or 4 <= age <= 18):
        flags.append("No UPN in any system")
    nhs_numbers = sorted({source["nhs_number"] for source in sources if source["nhs_number"]})
    if upns or nhs_numbers:
        invalid_upns, invalid_nhs_numbers = cursor.execute(
            "SELECT list_filter(?, lambda u: NOT coalesce(upn_is_valid(u), false)), "
            "list_filter(?, lambda n: NOT coalesce(nhs_number_is_valid(n), false))",
            [upns, nhs_numbers],
        ).fetchone()
        flags.extend(f"The UPN {upn} is not a valid UPN (its check letter is wrong)" for upn in invalid_upns)
        flags.extend(
            f"The NHS number {number} is not a valid NHS number (its check digit is wrong)"
            for number in invalid_nhs_numbers
        )
    if len({source["source_system"] for source in sources}) <= 1:
        flags.append("Not linked to any other system: this child is known to one system only")
    if child.get("child_id") is None:
        flags.append("Not yet linked: linkage has not given this record a child ID")
    keys = [[source["source_system"], source["source_record_id"]] for source in sources]
    if keys:
        for file_name, row_ref, column, message in cursor.execute(
            """
            SELECT DISTINCT q.file_name, q.row_ref, q.column_name, q.message
            FROM ingest_problem q JOIN ingest_batch b ON b.batch_id = q.batch_id
            WHERE q.severity = 'warning'
              AND (list_contains(?, [b.source_system, q.value]) OR list_contains(?, [b.source_system, q.row_ref]))
            ORDER BY 1, 2
            LIMIT 20
            """,
            [keys, keys],
        ).fetchall():
            where = f"{_file(file_name)}{f' row {row_ref}' if row_ref else ''}{f', {column}' if column else ''}"
            flags.append(f"A warning when its record was loaded ({where}): {message}")
    return flags


def _file(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
