"""What the child and family pages read: one child's record, a family (search and review: ``childhub.link``).

Every function takes the snapshot's cursor (``Snapshot.cursor()``) and returns plain values (dicts, lists,
dates) that a template shows and the API returns as JSON. Nothing here checks who is asking: the routes
do (``childhub.web.scope``), and pass a scope predicate where a query lists children.

A child is named by its ``child_key``: ``C<child_id>`` once linkage has given it a child ID, else
``<source_system>:<person_id>`` (see ``fact_person``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from childhub.codes import code_set

SERVICE_NAMES = {
    "social_care": "Children's social care",
    "education": "Education",
    "sen": "Special educational needs",
    "youth_justice": "Youth justice",
    "police": "Police",
    "neet": "Post-16 (NCCIS)",
    "early_help": "Early help",
    "persistent_absence": "Persistent absence",
    "police_notification": "Police notification",
}
SEX = code_set("person_sex").labels  # M Male, F Female, I Indeterminate, U Not stated
# The fields of a source record shown side by side, and whether systems disagreeing on one is worth a flag.
SOURCE_FIELDS = ("forename", "surname", "date_of_birth", "sex", "upn", "nhs_number", "postcode")
CHECKED_FIELDS = {"date_of_birth": "date of birth", "sex": "sex", "upn": "UPN", "nhs_number": "NHS number"}


def service_name(code: str | None) -> str:
    return SERVICE_NAMES.get(code or "", (code or "").replace("_", " "))


def _rows(cursor, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = cursor.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _age(born: date | None, on: date) -> int | None:
    from childhub.calendar import age_on

    return None if born is None else age_on(born, on)


def _pct(missed, possible) -> float | None:
    return round(100.0 * missed / possible, 1) if possible else None


# --- one child -------------------------------------------------------------------------------------------


def child_record(cursor, child_key: str, today: date | None = None) -> dict[str, Any] | None:
    """The child's linked record, sources, timeline, status, worker and flags; None if there is no such child."""
    today = today or date.today()
    found = _rows(
        cursor,
        "SELECT child_key, child_id, la_child_id, sex, ethnicity, date_of_birth, expected_date_of_birth, disability, "
        "area, source_systems FROM fact_child WHERE child_key = ?",
        [child_key],
    )
    if not found:
        return None
    child = found[0]
    sources = source_records(cursor, child_key)
    named = sorted(sources, key=lambda s: (s["source_system"] != "social_care", s["source_system"]))
    forename = next((s["display_forename"] for s in named if s["display_forename"]), None)
    surname = next((s["display_surname"] for s in named if s["display_surname"]), None)
    child["name"] = " ".join(part for part in (forename, surname) if part) or "(no name recorded)"
    child["age"] = _age(child["date_of_birth"], today)
    child["sex_name"] = SEX.get(child["sex"] or "", child["sex"])
    child["source_systems"] = list(child["source_systems"] or [])
    child["services"] = [service_name(s) for s in child["source_systems"]]
    family = cursor.execute(
        "SELECT family_id FROM family_member WHERE child_id = ? AND valid_to IS NULL ORDER BY valid_from DESC LIMIT 1",
        [child["child_id"]],
    ).fetchall()
    return {
        "child": child,
        "sources": sources,
        "disagreements": disagreements(sources),
        "timeline": timeline(cursor, child_key, today),
        "status": current_status(cursor, child_key, today),
        "allocation": allocation(cursor, child_key, today),
        "flags": quality_flags(cursor, child, sources),
        "family_id": family[0][0] if family else None,
    }


def source_records(cursor, child_key: str) -> list[dict[str, Any]]:
    """The child's record in each source system, as linkage compared it, with how it was linked."""
    rows = _rows(
        cursor,
        """
        SELECT p.source_system, p.person_id AS source_record_id, p.forename AS display_forename,
               p.surname AS display_surname, s.forename, s.middle_names, s.surname,
               coalesce(s.date_of_birth, p.date_of_birth) AS date_of_birth, coalesce(s.sex, p.sex) AS sex,
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
    for row in rows:
        row["service"] = service_name(row["source_system"])
    return rows


def disagreements(sources: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each field the child's source records hold more than one value of, with the values."""
    found = {}
    for name in SOURCE_FIELDS:
        values = sorted({s[name] for s in sources if s[name] not in (None, "")}, key=str)
        if name == "sex":
            values = [v for v in values if v in ("M", "F")]
        if len(values) > 1:
            found[name] = values
    return found


def _event(day, service: str, kind: str, summary: str, end=None) -> dict[str, Any]:
    return {"date": day, "end": end, "service": service, "kind": kind, "summary": summary}


def _term_start(academic_year_start: date, term: str) -> date:
    if term.startswith("SPR"):
        return date(academic_year_start.year + 1, 1, 1)
    if term.startswith("SUM"):
        return date(academic_year_start.year + 1, 4, 1)
    return academic_year_start


def timeline(cursor, child_key: str, today: date) -> list[dict[str, Any]]:
    """Every event in the child's record across services, the newest first."""
    k = [child_key]
    events: list[dict[str, Any]] = []
    sc, eh, ed, yj = "social_care", "early_help", "education", "youth_justice"
    for r in _rows(cursor, "SELECT * FROM fact_contact WHERE child_key = ?", k):
        events.append(
            _event(
                r["contact_date"],
                sc,
                "Contact",
                f"Source {r['contact_source'] or '?'}: {r['outcome'] or 'no outcome recorded'}",
            )
        )
    for r in _rows(cursor, "SELECT * FROM fact_referral WHERE child_key = ?", k):
        text = "No further action" if r["nfa"] else f"Primary need {r['primary_need'] or '?'}"
        if r["close_date"]:
            text += f"; closed {r['close_date'].isoformat()} ({r['close_reason'] or 'no reason'})"
        events.append(
            _event(r["referral_date"], sc, "Referral" + (" (NFA)" if r["nfa"] else ""), text, r["close_date"])
        )
    for r in _rows(cursor, "SELECT * FROM fact_assessment WHERE child_key = ?", k):
        if r["authorised_date"]:
            text = f"Authorised {r['authorised_date'].isoformat()} after {r['working_days']} working days"
        else:
            text = "Not yet authorised"
        events.append(_event(r["start_date"], sc, "Assessment", text, r["authorised_date"]))
    for r in _rows(cursor, "SELECT * FROM fact_s47 WHERE child_key = ?", k):
        if r["icpc_date"]:
            text = f"ICPC {r['icpc_date'].isoformat()} ({r['icpc_working_days']} working days): " + (
                "child protection plan" if r["icpc_led_to_plan"] else "no plan"
            )
        elif r["icpc_not_required"]:
            text = "No ICPC needed"
        else:
            text = "No ICPC recorded"
        events.append(_event(r["start_date"], sc, "Section 47 enquiry", text, r["end_date"]))
    for r in _rows(cursor, "SELECT * FROM fact_cp_plan WHERE child_key = ?", k):
        text = f"Category {r['initial_category'] or '?'}" + (
            f", latest {r['latest_category']}"
            if r["latest_category"] and r["latest_category"] != r["initial_category"]
            else ""
        )
        events.append(_event(r["start_date"], sc, "Child protection plan", text + _until(r["end_date"]), r["end_date"]))
    for r in _rows(cursor, "SELECT * FROM fact_cin_plan WHERE child_key = ?", k):
        events.append(
            _event(
                r["start_date"], sc, "Child in need plan", _until(r["end_date"]).lstrip("; ") or "Open", r["end_date"]
            )
        )
    for r in _rows(cursor, "SELECT * FROM fact_cla_period WHERE child_key = ?", k):
        text = (
            "Short breaks only" if r["short_breaks_only"] else f"Category of need {r['category_of_need'] or '?'}"
        ) + (
            f"; ceased {r['end_date'].isoformat()} (reason {r['reason_ceased']})"
            if r["end_date"]
            else "; still looked after"
        )
        events.append(_event(r["start_date"], sc, "Period of care", text, r["end_date"]))
    for r in _rows(cursor, "SELECT * FROM fact_cla_placement WHERE child_key = ?", k):
        text = f"Placement {r['placement_type'] or '?'} (provider {r['placement_provider'] or '?'})" + _until(
            r["end_date"]
        )
        events.append(_event(r["start_date"], sc, "Placement", text, r["end_date"]))
    for r in _rows(
        cursor,
        "SELECT start_date, legal_status FROM (SELECT *, lag(legal_status) OVER (PARTITION BY person_id ORDER BY "
        "start_date) AS before FROM fact_cla_episode WHERE child_key = ?) WHERE legal_status IS DISTINCT FROM before",
        k,
    ):
        events.append(_event(r["start_date"], sc, "Legal status", f"Legal status {r['legal_status'] or '?'}"))
    for r in _rows(cursor, "SELECT * FROM fact_missing WHERE child_key = ?", k):
        kind = "Absent" if (r["missing_type"] or "").upper() == "A" else "Missing"
        text = (
            f"{kind} episode"
            + _until(r["end_date"])
            + (f"; return interview offered: {r['return_interview_offered']}" if r["return_interview_offered"] else "")
        )
        events.append(_event(r["start_date"], sc, "Missing episode", text, r["end_date"]))
    for r in _rows(cursor, "SELECT * FROM fact_cla_review WHERE child_key = ?", k):
        events.append(_event(r["review_date"], sc, "Looked-after review", f"Participation {r['participation'] or '?'}"))
    for r in _rows(cursor, "SELECT * FROM fact_cp_review WHERE child_key = ?", k):
        events.append(_event(r["review_date"], sc, "Child protection review", f"Plan {r['cp_plan_id']}"))
    for r in _rows(cursor, "SELECT * FROM fact_early_help WHERE child_key = ?", k):
        text = f"{r['reason'] or 'No reason recorded'} ({r['organisation'] or 'no organisation'})" + _until(
            r["end_date"]
        )
        if r["end_reason"]:
            text += f": {r['end_reason']}"
        events.append(_event(r["start_date"], eh, "Early help episode", text, r["end_date"]))
    for r in _rows(
        cursor,
        "SELECT academic_year, academic_year_start, term, sum(possible_sessions) AS possible, "
        "sum(sessions_missed) AS missed FROM fact_attendance WHERE child_key = ? GROUP BY ALL",
        k,
    ):
        pct = _pct(r["missed"], r["possible"])
        term = {"AUT": "autumn", "SPR": "spring", "SUM": "summer"}.get(r["term"][:3], r["term"].lower())
        text = f"{r['academic_year']} {term} term: {r['missed']} of {r['possible']} sessions missed" + (
            f" ({pct}%)" if pct is not None else ""
        )
        events.append(_event(_term_start(r["academic_year_start"], r["term"]), ed, "School attendance", text))
    for r in _rows(cursor, "SELECT * FROM fact_exclusion WHERE child_key = ?", k):
        kind = "Permanent exclusion" if (r["category"] or "").upper() in ("PERM", "PERMANENT", "P") else "Suspension"
        events.append(_event(r["start_date"], ed, kind, f"Reason {r['reason'] or '?'}, {r['sessions'] or 0} sessions"))
    for r in _rows(cursor, "SELECT * FROM fact_sen WHERE child_key = ?", k):
        provision = {"E": "EHC plan", "K": "SEN support", "N": "No SEN"}.get(r["provision"] or "", r["provision"])
        events.append(
            _event(r["census_date"], "sen", "SEN provision", f"{provision}; primary need {r['primary_need'] or '?'}")
        )
    for r in _rows(cursor, "SELECT * FROM fact_youth_justice WHERE child_key = ?", k):
        text = f"{r['outcome_type']} ({r['tier'] or 'no tier'})" + (
            "; first-time entrant" if r["first_time_entrant"] else ""
        )
        events.append(_event(r["outcome_date"], yj, "Youth justice outcome", text))
    for r in _rows(cursor, "SELECT * FROM fact_police_notification WHERE child_key = ?", k):
        incident = f"incident {r['incident_date'].isoformat()}" if r["incident_date"] else "incident date not given"
        events.append(
            _event(r["notification_date"], "police", "Police notification", f"Domestic abuse notification ({incident})")
        )
    events.extend(_neet_spells(cursor, child_key))
    for r in _rows(cursor, "SELECT * FROM fact_care_leaver WHERE child_key = ?", k):
        text = (
            f"In touch: {r['in_touch'] or '?'}; accommodation {r['accommodation'] or '?'}"
            f" (suitable: {r['accommodation_suitable'] or '?'}); activity {r['activity'] or '?'}"
        )
        events.append(_event(r["latest_contact"], sc, "Care leaver", text))
    dated = [e for e in events if e["date"] is not None]
    return sorted(dated, key=lambda e: (e["date"], e["kind"]), reverse=True)


def _until(end: date | None) -> str:
    return f"; ended {end.isoformat()}" if end else "; open"


def _neet_spells(cursor, child_key: str) -> list[dict[str, Any]]:
    """NCCIS months summarised: one event per run of months with the same activity (NEET, not known, in EET)."""
    months = cursor.execute(
        "SELECT month, neet, not_known, activity FROM fact_neet WHERE child_key = ? ORDER BY month", [child_key]
    ).fetchall()
    spells: list[list] = []
    for month, neet, not_known, activity in months:
        state = "NEET" if neet else "Not known" if not_known else "In education, employment or training"
        if spells and spells[-1][2] == state:
            spells[-1][1] = month
            spells[-1][3] += 1
            spells[-1][4].add(activity)
        else:
            spells.append([month, month, state, 1, {activity}])
    return [
        _event(
            start,
            "neet",
            "Post-16 activity",
            f"{state} for {count} month{'s' if count != 1 else ''} ({start:%b %Y} to {end:%b %Y}; "
            f"activity {', '.join(sorted(str(a) for a in activities if a)) or '?'})",
            end,
        )
        for start, end, state, count, activities in spells
    ]


def current_status(cursor, child_key: str, today: date) -> list[dict[str, Any]]:
    """Where the child stands today in each service: label, what is open (or latest), and whether it is open."""
    k = [child_key, today]
    status = []

    def open_count(sql: str, params=None) -> int:
        return cursor.execute(sql, params or k).fetchone()[0]

    cin = open_count("SELECT count(*) FROM fact_referral r WHERE r.child_key = ? AND cin_open_on(r, ?)")
    cp = open_count("SELECT count(*) FROM fact_cp_plan p WHERE p.child_key = ? AND cp_plan_on(p, ?)")
    cla = open_count("SELECT count(*) FROM fact_cla_episode e WHERE e.child_key = ? AND looked_after_on(e, ?)")
    eh = open_count(
        "SELECT count(*) FROM fact_early_help e WHERE e.child_key = ? AND open_on(e.start_date, e.end_date, ?)"
    )
    status.append({"service": "Child in need", "open": bool(cin), "detail": "Open CIN episode" if cin else "None open"})
    status.append(
        {
            "service": "Child protection",
            "open": bool(cp),
            "detail": "On a child protection plan" if cp else "Not on a plan",
        }
    )
    status.append(
        {"service": "Looked after", "open": bool(cla), "detail": "Looked after" if cla else "Not looked after"}
    )
    status.append(
        {"service": "Early help", "open": bool(eh), "detail": "Open early help episode" if eh else "None open"}
    )
    sen = cursor.execute(
        "SELECT provision, census_date, primary_need FROM fact_sen WHERE child_key = ? AND census_date <= ? "
        "ORDER BY census_date DESC, provision = 'E' DESC LIMIT 1",
        [child_key, today],
    ).fetchall()
    if sen:
        provision, census, need = sen[0]
        label = {"E": "EHC plan", "K": "SEN support"}.get(provision or "", "No SEN provision")
        status.append(
            {
                "service": "SEN",
                "open": provision in ("E", "K"),
                "detail": f"{label} (census {census.isoformat()}, need {need or '?'})",
            }
        )
    attendance = cursor.execute(
        "SELECT academic_year, term, possible_sessions, sessions_missed, persistent_absence, severe_absence "
        "FROM fact_service_attendance WHERE child_key = ? AND from_date <= ? ORDER BY from_date DESC LIMIT 1",
        [child_key, today],
    ).fetchall()
    if attendance:
        year, term, possible, missed, persistent, severe = attendance[0]
        pct = _pct(missed, possible)
        label = "severe absence" if severe else "persistent absence" if persistent else "attending"
        status.append(
            {
                "service": "School attendance",
                "open": bool(persistent),
                "detail": f"{pct}% of sessions missed in {year} to the {term} term ({label})",
            }
        )
    yj = open_count(
        "SELECT count(*) FROM fact_youth_justice WHERE child_key = ? AND outcome_date <= ? "
        "AND outcome_date > ? - INTERVAL 12 MONTH",
        [child_key, today, today],
    )
    status.append(
        {
            "service": "Youth justice",
            "open": bool(yj),
            "detail": f"{yj} outcome{'s' if yj != 1 else ''} in the last 12 months",
        }
    )
    police = open_count(
        "SELECT count(*) FROM fact_police_notification WHERE child_key = ? AND notification_date <= ? "
        "AND notification_date > ? - INTERVAL 12 MONTH",
        [child_key, today, today],
    )
    if police:
        status.append({"service": "Police notifications", "open": True, "detail": f"{police} in the last 12 months"})
    neet = cursor.execute(
        "SELECT month, neet, not_known FROM fact_neet WHERE child_key = ? AND month <= ? ORDER BY month DESC LIMIT 1",
        [child_key, today + timedelta(days=31)],
    ).fetchall()
    if neet:
        month, is_neet, not_known = neet[0]
        label = "NEET" if is_neet else "Activity not known" if not_known else "In education, employment or training"
        status.append({"service": "Post-16 activity", "open": bool(is_neet), "detail": f"{label} ({month:%B %Y})"})
    leaver = cursor.execute(
        "SELECT latest_contact, in_touch, activity FROM fact_care_leaver WHERE child_key = ? "
        "ORDER BY latest_contact DESC NULLS LAST LIMIT 1",
        [child_key],
    ).fetchall()
    if leaver:
        contact, in_touch, activity = leaver[0]
        status.append(
            {
                "service": "Care leaver",
                "open": True,
                "detail": f"In touch: {in_touch or '?'}; activity {activity or '?'} (as at {contact})",
            }
        )
    return status


def allocation(cursor, child_key: str, today: date) -> list[dict[str, Any]]:
    """The worker and team holding the child's case today (an allocation that has started and not ended)."""
    return _rows(
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


def quality_flags(cursor, child: dict[str, Any], sources: list[dict[str, Any]]) -> list[str]:
    """What is doubtful about the record: systems disagreeing, missing or invalid identifiers, warnings on load."""
    flags = []
    for name, values in disagreements(sources).items():
        if name in CHECKED_FIELDS:
            shown = ", ".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)
            flags.append(f"The systems disagree on the {CHECKED_FIELDS[name]}: {shown}")
    upns = sorted({s["upn"] for s in sources if s["upn"]})
    age = child.get("age")
    if not upns and (age is None or 4 <= age <= 18):
        flags.append("No UPN in any system")
    nhs = sorted({s["nhs_number"] for s in sources if s["nhs_number"]})
    if upns or nhs:
        valid = cursor.execute(
            "SELECT list_filter(?, lambda u: NOT coalesce(upn_is_valid(u), false)), "
            "list_filter(?, lambda n: NOT coalesce(nhs_number_is_valid(n), false))",
            [upns, nhs],
        ).fetchone()
        flags.extend(f"The UPN {u} is not a valid UPN (its check letter is wrong)" for u in valid[0])
        flags.extend(f"The NHS number {n} is not a valid NHS number (its check digit is wrong)" for n in valid[1])
    if len({s["source_system"] for s in sources}) <= 1:
        flags.append("Not linked to any other system: this child is known to one system only")
    if child.get("child_id") is None:
        flags.append("Not yet linked: linkage has not given this record a child ID")
    keys = [[s["source_system"], s["source_record_id"]] for s in sources]
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


# --- families --------------------------------------------------------------------------------------------


def family(cursor, family_id: int, scope: tuple[str, list[Any]], today: date | None = None) -> dict[str, Any] | None:
    """A family's members (named only where ``scope`` lets the user see them), relationships and services.

    ``scope`` is ``child_filter(signed, "('C' || m.child_id)")``: a predicate over the member's child key.
    """
    today = today or date.today()
    predicate, values = scope
    members = _rows(
        cursor,
        f"""
        SELECT * FROM (
            SELECT m.child_id, 'C' || m.child_id AS child_key, m.role, m.valid_from, c.sex, c.date_of_birth,
                   coalesce(fs.services, c.source_systems) AS services,
                   ({predicate}) AS visible
            FROM family_member m
            LEFT JOIN fact_child c ON c.child_key = 'C' || m.child_id
            LEFT JOIN family_services fs ON fs.family_id = m.family_id AND fs.child_id = m.child_id
            WHERE m.family_id = ? AND m.valid_to IS NULL
        )
        ORDER BY visible DESC, CASE WHEN visible THEN date_of_birth END NULLS LAST, child_id
        """,
        [*values, family_id],
    )
    if not members:
        return None
    keys = [m["child_key"] for m in members]
    names = {
        key: " ".join(p for p in (first, last) if p)
        for key, first, last in cursor.execute(
            "SELECT child_key, arg_min(forename, source_system <> 'social_care') FILTER (WHERE forename IS NOT NULL), "
            "arg_min(surname, source_system <> 'social_care') FILTER (WHERE surname IS NOT NULL) "
            "FROM fact_person WHERE list_contains(?, child_key) GROUP BY child_key",
            [keys],
        ).fetchall()
    }
    open_services: dict[str, list[str]] = {}
    for key, service in cursor.execute(
        "SELECT DISTINCT child_key, service FROM fact_service_known WHERE list_contains(?, child_key) "
        "AND from_date <= ? AND (until_date IS NULL OR until_date > ?) ORDER BY 1, 2",
        [keys, today, today],
    ).fetchall():
        open_services.setdefault(key, []).append(service_name(service))
    carers = _rows(
        cursor,
        """
        SELECT DISTINCT p.child_key, c.care_forename AS forename, c.care_surname AS surname,
               c.care_dob AS date_of_birth, c.care_relationship AS relationship
        FROM carer c JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.care_person_id
        WHERE list_contains(?, p.child_key)
        ORDER BY 3, 2, 1
        """,
        [keys],
    )
    homes = cursor.execute(
        "SELECT DISTINCT p.child_key, s.postcode, s.address FROM source_record s JOIN fact_person p "
        "ON p.source_system = s.source_system AND p.person_id = s.source_record_id "
        "WHERE list_contains(?, p.child_key) AND s.postcode IS NOT NULL",
        [keys],
    ).fetchall()
    visible = {m["child_key"] for m in members if m["visible"]}
    label = {}
    for number, m in enumerate(members, 1):
        m["services"] = [service_name(s) for s in (m["services"] or [])]
        m["open_services"] = open_services.get(m["child_key"], [])
        if m["visible"]:
            m["name"] = names.get(m["child_key"]) or "(no name recorded)"
            m["age"] = _age(m["date_of_birth"], today)
        else:  # someone the user may not see: that there is another child known to services, nothing more
            m.update(
                name=None,
                child_key=None,
                child_id=None,
                date_of_birth=None,
                sex=None,
                age=None,
                valid_from=None,
                role=None,
                services=[],
                open_services=[],
            )
        label[keys[number - 1]] = m["name"] or f"another child known to services ({number})"
    # The parents and carers named, each once, with the (visible) children they are recorded for.
    parents: dict[tuple, dict[str, Any]] = {}
    for c in carers:
        key = ((c["forename"] or "").lower(), (c["surname"] or "").lower(), c["date_of_birth"])
        entry = parents.setdefault(
            key,
            {
                "forename": c["forename"],
                "surname": c["surname"],
                "date_of_birth": c["date_of_birth"],
                "of": [],
                "keys": set(),
            },
        )
        entry["keys"].add(c["child_key"])
        entry["of"].append(f"{c['relationship'] or 'carer'} of {label[c['child_key']]}")
    relationships = []
    for entry in parents.values():
        if len(entry["keys"]) > 1:
            who = " and ".join(sorted(label[k] for k in entry["keys"]))
            relationships.append(f"{who} share a parent or carer ({_carer_name(entry, visible)})")
    by_home: dict[tuple, set] = {}
    for key, postcode, address in homes:
        by_home.setdefault((postcode, address), set()).add(key)
    for (postcode, address), together in by_home.items():
        if len(together) > 1:
            shown = f"{address}, {postcode}" if together <= visible and address else "the same address"
            relationships.append(f"{' and '.join(sorted(label[k] for k in together))} live at {shown}")
    carer_list = []
    for entry in parents.values():
        if entry["keys"] & visible:
            carer_list.append(
                {"name": _carer_name(entry, visible), "date_of_birth": entry["date_of_birth"], "of": entry["of"]}
            )
    return {
        "family_id": family_id,
        "members": members,
        "carers": carer_list,
        "relationships": relationships,
        "visible": len(visible),
    }


def _carer_name(entry: dict[str, Any], visible: set) -> str:
    if not entry["keys"] & visible:
        return "a parent or carer"
    return " ".join(p for p in (entry["forename"], entry["surname"]) if p) or "(no name recorded)"
