"""The statutory returns as the store holds them: the SSDA903 and CIN census tables of a collection year.

Every table is derived from the canonical model (``docs/data-model.md``), whichever feeds filled it
(the returns themselves, the case-management system's SSD export, mapped extracts), never from an
archived file. Each value is text written as the return writes it (SSDA903 dates ``dd/mm/yyyy``,
CIN census dates ``yyyy-mm-dd``, codes as the return codes them), so the rules run on the store as
on a file, and the same rows write the return's files (``childhub.dq.returns_xml``, ``childhub
returns``).

Which rows a year's return holds is the DfE's definition of each table, over collection year Y
(1 April Y-1 to 31 March Y):

- SSDA903 ``episodes``: every episode of care open on any day of the year, from the merged history
  of every return (``fact_cla_episode``, with the repairs ``childhub.facts`` makes); a date ceased
  after 31 March is not yet known to the year's return, so it is blank. ``header``: each child in
  the episodes or in OC3. ``reviews``, ``missing``, ``sw_episodes`` and ``dolo``: those dated in,
  or open during, the year. ``uasc``: children looked after in the year who are (or were)
  unaccompanied asylum seekers. ``oc2``: children looked after continuously for the 12 months to
  31 March (their period of care began on or before 1 April and had not ended before 31 March; short
  breaks only are not care). ``oc3``: the return's own statements about its care leavers for the
  year. ``ad1``: children adopted (episode ceased E11 or E12) in the year. ``placed_for_adoption``:
  decisions to place for adoption made by 31 March and not reversed before 1 April.
  ``previous_permanence``: children whose period of care began in the year.
- CIN census: every referral (CIN episode) open on any day of the year, the child's identifiers,
  characteristics and disabilities, and within each referral its assessments, CIN plans, section 47
  enquiries, CP plans and CP reviews that touch the year. An item that belongs to a referral is
  placed in the child's latest referral starting on or before it.

Where several feeds hold one fact (an episode in two yearly returns, an assessment in the census and
the SSD), it is one row: each item from the newest batch that gives it.

What every year derives from (each person, episode of care, period of care, referral and conference, as
the newest batches give them) is built once, as temp tables on the connection (``_shared``), and each
year filters it; ``store_runs`` goes through the years as ``dq.check`` does, deriving each year's tables
once (a year's are the next year's last year). Values are made text a column at a time (arrow), and go
into a run in one statement per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.dq.engine import ReturnRun
from childhub.dq.tables import CIN, SSDA903, TABLES

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

SYSTEM = "social_care"  # the source system whose IDs the returns' child IDs are
SW_EPISODES_FROM, DOLO_FROM, CIN_PLAN_DATES_FROM, SEX_ELEMENT_FROM = 2024, 2027, 2022, 2025
_FEED = {"ssda903": "ssda903", "cin": "cin_census"}


def _rows(table: str, alias: str = "t") -> str:
    """Every visible row of a canonical table from the social care system (every yearly return's rows
    stand beside each other), with its batch's feed and extract date."""
    return (
        f"(SELECT {alias}.*, b.feed, coalesce(b.extract_date, DATE '1900-01-01') AS extracted "
        f"FROM {table} {alias} JOIN visible_batches(CAST(NULL AS DATE)) b USING (batch_id) "
        f"WHERE {alias}.source_system = '{SYSTEM}')"
    )


# The day a batch's data are as of: its extract date, never after the day it was loaded (a return in progress is
# dated by the end of its collection year, a day that has not come), the load day for a file with no date.
_KNOWN_ON = "least(coalesce(extract_date, CAST(started_at AS DATE)), CAST(started_at AS DATE))"

# Newest first: the batch whose statement wins where feeds or years disagree.
_NEWEST = "extracted DESC, batch_id DESC"

# One row per person of the social care system: each item from the newest batch that gives it. Shared by every
# year (``_shared``): the year's own statement of why a UPN is unknown is added per year (``_PERSON``).
_PERSON_ALL = f"""
SELECT pers_person_id AS person_id,
       arg_max(upper(trim(coalesce(pers_sex, pers_gender))), (extracted, batch_id))
           FILTER (WHERE coalesce(pers_sex, pers_gender) IS NOT NULL) AS sex,
       arg_max(upper(trim(pers_ethnicity)), (extracted, batch_id))
           FILTER (WHERE pers_ethnicity IS NOT NULL) AS ethnicity,
       arg_max(pers_dob, (extracted, batch_id)) FILTER (WHERE pers_dob IS NOT NULL) AS dob,
       arg_max(pers_expected_dob, (extracted, batch_id)) FILTER (WHERE pers_expected_dob IS NOT NULL)
           AS expected_dob,
       arg_max(pers_death_date, (extracted, batch_id)) FILTER (WHERE pers_death_date IS NOT NULL) AS died,
       arg_max(upper(trim(coalesce(pers_upn, pers_upn_unknown))), batch_id)
           FILTER (WHERE coalesce(pers_upn, pers_upn_unknown) IS NOT NULL) AS any_upn_or_reason,
       arg_max(upper(trim(pers_upn)), (extracted, batch_id)) FILTER (WHERE pers_upn IS NOT NULL) AS upn,
       arg_max(upper(trim(pers_former_upn)), (extracted, batch_id))
           FILTER (WHERE pers_former_upn IS NOT NULL) AS former_upn,
       arg_max(upper(trim(pers_upn_unknown)), batch_id) FILTER (WHERE pers_upn_unknown IS NOT NULL) AS any_upn_unknown,
       arg_max(trim(pers_is_mother), (extracted, batch_id)) FILTER (WHERE pers_is_mother IS NOT NULL) AS is_mother
FROM {_rows("person")}
GROUP BY pers_person_id"""

# What each return said of a person's UPN on the day it was as of (a 31 March: the end of a collection year).
_PERSON_SAID = f"""
SELECT pers_person_id AS person_id, feed, extracted,
       arg_max(upper(trim(coalesce(pers_upn, pers_upn_unknown))), batch_id)
           FILTER (WHERE coalesce(pers_upn, pers_upn_unknown) IS NOT NULL) AS upn_or_reason,
       arg_max(upper(trim(pers_upn_unknown)), batch_id) FILTER (WHERE pers_upn_unknown IS NOT NULL) AS upn_unknown
FROM {_rows("person")}
WHERE month(extracted) = 3 AND day(extracted) = 31 AND coalesce(pers_upn, pers_upn_unknown) IS NOT NULL
GROUP BY ALL"""

# The year's view of each person: the reason a UPN is unknown depends on the child's age, so it is as the year's
# own return gave it, else the newest statement.
_PERSON = """
person AS (
    SELECT a.* EXCLUDE (any_upn_or_reason, any_upn_unknown),
           coalesce(s.upn_or_reason, a.any_upn_or_reason) AS upn_or_reason,
           coalesce(s.upn_unknown, a.any_upn_unknown) AS upn_unknown
    FROM _dq_store_person a
    LEFT JOIN _dq_store_person_said s ON s.person_id = a.person_id AND s.feed = $feed AND s.extracted = $last
)"""


# SSDA903 sex: 1 or 2 until 2024, M or F from 2025 (as the CIN census codes it).
_SEX_903 = f"""CASE WHEN p.sex IN ('M', '1') THEN CASE WHEN $year >= {SEX_ELEMENT_FROM} THEN 'M' ELSE '1' END
                  WHEN p.sex IN ('F', '2') THEN CASE WHEN $year >= {SEX_ELEMENT_FROM} THEN 'F' ELSE '2' END END"""


def _d903(column: str) -> str:
    return f"strftime({column}, '%d/%m/%Y')"


def _dcin(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%d')"


# --- SSDA903 -----------------------------------------------------------------------------------

# Every episode of care with the home postcode and the reason for a change of placement its returns gave.
_EPISODE_ALL = f"""
SELECT e.*, h.home_postcode, pc.change_reason
FROM fact_cla_episode e
LEFT JOIN (
    SELECT clae_person_id AS person_id, clae_cla_episode_start_date AS start_date,
           arg_max(upper(trim(clae_home_postcode)), (extracted, batch_id))
               FILTER (WHERE clae_home_postcode IS NOT NULL) AS home_postcode
    FROM {_rows("cla_episodes")} GROUP BY ALL
) h ON h.person_id = e.person_id AND h.start_date = e.start_date
LEFT JOIN (
    SELECT clap_person_id AS person_id, clap_cla_placement_start_date AS start_date,
           arg_max(upper(trim(clap_cla_placement_change_reason)), (extracted, batch_id))
               FILTER (WHERE clap_cla_placement_change_reason IS NOT NULL) AS change_reason
    FROM {_rows("cla_placement")} GROUP BY ALL
) pc ON pc.person_id = e.person_id AND pc.start_date = e.start_date"""

# Each period of care of a child: its start, its end (NULL while open), and whether it is short breaks only.
_PERIOD_ALL = """
SELECT person_id, period_number, min(start_date) AS started,
       CASE WHEN bool_or(ceased IS NULL) THEN NULL ELSE arg_max(ceased, start_date) END AS ended,
       bool_and(short_break) AS short_breaks_only
FROM fact_cla_episode GROUP BY person_id, period_number"""

_SSDA903_BASE = f"""
WITH {_PERSON.strip()},
episode AS (
    SELECT * FROM _dq_store_episode WHERE start_date <= $last AND (ceased IS NULL OR ceased >= $first)
),
in_care AS (SELECT DISTINCT person_id FROM episode),
period AS (SELECT * FROM _dq_store_period),
oc3_statement AS (
    SELECT clea_person_id AS person_id,
           arg_max(upper(trim(clea_care_leaver_in_touch)), (extracted, batch_id)) AS in_touch,
           arg_max(upper(trim(clea_care_leaver_activity)), (extracted, batch_id)) AS activity,
           arg_max(upper(trim(clea_care_leaver_accommodation)), (extracted, batch_id)) AS accommodation
    FROM {_rows("care_leavers")}
    WHERE feed = 'ssda903' AND clea_care_leaver_latest_contact = $last
    GROUP BY ALL
),
header_child AS (SELECT person_id FROM in_care UNION SELECT person_id FROM oc3_statement)
"""

_SSDA903_SQL: dict[str, str] = {
    "header": f"""
SELECT h.person_id AS CHILD,
       {_SEX_903} AS SEX,
       {_d903("p.dob")} AS DOB, p.ethnicity AS ETHNIC, p.upn_or_reason AS UPN,
       CASE WHEN h.person_id IN (SELECT person_id FROM in_care) THEN p.is_mother END AS MOTHER,
       CASE WHEN h.person_id IN (SELECT person_id FROM in_care) AND p.is_mother = '1' THEN
           (SELECT {_d903("max(moth_childs_dob)")} FROM {_rows("mother", "m")} WHERE moth_person_id = h.person_id)
       END AS MC_DOB
FROM header_child h LEFT JOIN person p USING (person_id)
ORDER BY CHILD""",
    "episodes": f"""
SELECT e.person_id AS CHILD, {_d903("e.start_date")} AS DECOM, e.reason_new AS RNE, e.legal_status AS LS,
       e.category_of_need AS CIN, e.placement_type AS PLACE, e.placement_provider AS PLACE_PROVIDER,
       CASE WHEN e.ceased <= $last THEN {_d903("e.ceased")} END AS DEC,
       CASE WHEN e.ceased <= $last THEN e.reason_ceased END AS REC,
       e.change_reason AS REASON_PLACE_CHANGE, e.home_postcode AS HOME_POST, e.placement_postcode AS PL_POST,
       e.placement_urn AS URN
FROM episode e ORDER BY CHILD, e.start_date""",
    "reviews": f"""
SELECT r.person_id AS CHILD, {_d903("p.dob")} AS DOB, {_d903("r.review_date")} AS REVIEW, r.code AS REVIEW_CODE
FROM (
    SELECT clar_person_id AS person_id, clar_cla_review_date AS review_date,
           arg_max(upper(trim(clar_cla_review_participation)), (extracted, batch_id))
               FILTER (WHERE clar_cla_review_participation IS NOT NULL) AS code,
           arg_max(upper(coalesce(clar_cla_review_cancelled, 'N')), (extracted, batch_id)) AS cancelled
    FROM {_rows("cla_reviews")}
    WHERE clar_cla_review_date BETWEEN $first AND $last
    GROUP BY ALL
) r
JOIN in_care USING (person_id)
LEFT JOIN person p USING (person_id)
WHERE r.cancelled NOT IN ('Y', 'YES')
ORDER BY CHILD, r.review_date""",
    "uasc": f"""
SELECT u.person_id AS CHILD,
       {_SEX_903} AS SEX,
       {_d903("p.dob")} AS DOB, {_d903("u.ceased")} AS DUC
FROM (
    SELECT clau_person_id AS person_id, max(clau_uasc_ceased_date) AS ceased
    FROM {_rows("cla_uasc")} GROUP BY ALL
) u
JOIN in_care USING (person_id)
LEFT JOIN person p USING (person_id)
ORDER BY CHILD""",
    "oc2": f"""
, cohort AS (
    -- known only once the year is over: none while the newest data are from before its 31 March
    SELECT DISTINCT person_id FROM period
    WHERE started <= $first AND (ended IS NULL OR ended >= $last) AND NOT short_breaks_only
      AND $last <= (SELECT max({_KNOWN_ON}) FROM ingest_batch WHERE status = 'loaded')
),
checks AS (
    -- the return's own statement (dated by the year's end) where there is one, else what other feeds record
    SELECT clah_person_id AS person_id,
           CASE WHEN lower(clah_health_check_type) LIKE '%dental%' THEN 'dental'
                WHEN lower(clah_health_check_type) LIKE '%develop%' THEN 'development'
                ELSE 'health_assessment' END AS check_type,
           coalesce(arg_max(trim(clah_health_check_status), (extracted, batch_id)) FILTER (WHERE feed = 'ssda903'),
                    CASE WHEN bool_or(upper(trim(clah_health_check_status)) IN ('1', 'Y', 'YES', 'COMPLETED'))
                         THEN '1' ELSE '0' END) AS done
    FROM {_rows("cla_health")}
    WHERE clah_health_check_date BETWEEN $first AND $last
    GROUP BY ALL
),
immunised AS (
    SELECT clai_person_id AS person_id, arg_max(trim(clai_immunisations_status), (extracted, batch_id)) AS status
    FROM {_rows("cla_immunisations")} WHERE clai_immunisations_status_date BETWEEN $first AND $last GROUP BY ALL
),
sdq AS (
    SELECT csdq_person_id AS person_id,
           arg_max(trim(csdq_sdq_score), (extracted, batch_id)) AS score,
           arg_max(upper(trim(csdq_sdq_reason)), (extracted, batch_id)) AS reason
    FROM {_rows("sdq_scores")} WHERE csdq_sdq_completed_date BETWEEN $first AND $last GROUP BY ALL
),
convicted AS (
    SELECT clac_person_id AS person_id,
           coalesce(arg_max(trim(clac_cla_conviction_offence), (extracted, batch_id)) FILTER (WHERE feed = 'ssda903'),
                    '1') AS convicted
    FROM {_rows("cla_convictions")} WHERE clac_cla_conviction_date BETWEEN $first AND $last GROUP BY ALL
),
misuse AS (
    SELECT clas_person_id AS person_id,
           coalesce(arg_max(trim(clas_substance_misused), (extracted, batch_id)) FILTER (WHERE feed = 'ssda903'),
                    '1') AS misused,
           arg_max(trim(clas_intervention_received), (extracted, batch_id)) AS received,
           arg_max(trim(clas_intervention_offered), (extracted, batch_id)) AS offered
    FROM {_rows("cla_substance_misuse")} WHERE clas_substance_misuse_date BETWEEN $first AND $last GROUP BY ALL
)
SELECT c.person_id AS CHILD, {_d903("p.dob")} AS DOB, s.score AS SDQ_SCORE, s.reason AS SDQ_REASON,
       coalesce(cv.convicted, CASE WHEN age_on(p.dob, $last) >= 10 THEN '0' END) AS CONVICTED,
       CASE WHEN age_on(p.dob, $last) < 5 THEN coalesce(dv.done, '0') END AS HEALTH_CHECK,
       i.status AS IMMUNISATIONS,
       coalesce(dn.done, '0') AS TEETH_CHECK,
       coalesce(ha.done, '0') AS HEALTH_ASSESSMENT,
       coalesce(m.misused, '0') AS SUBSTANCE_MISUSE,
       m.received AS INTERVENTION_RECEIVED, m.offered AS INTERVENTION_OFFERED
FROM cohort c
LEFT JOIN person p USING (person_id)
LEFT JOIN sdq s USING (person_id)
LEFT JOIN convicted cv USING (person_id)
LEFT JOIN immunised i USING (person_id)
LEFT JOIN misuse m USING (person_id)
LEFT JOIN checks dv ON dv.person_id = c.person_id AND dv.check_type = 'development'
LEFT JOIN checks dn ON dn.person_id = c.person_id AND dn.check_type = 'dental'
LEFT JOIN checks ha ON ha.person_id = c.person_id AND ha.check_type = 'health_assessment'
ORDER BY CHILD""",
    "oc3": f"""
SELECT o.person_id AS CHILD, {_d903("p.dob")} AS DOB, o.in_touch AS IN_TOUCH, o.activity AS ACTIV,
       o.accommodation AS ACCOM
FROM oc3_statement o LEFT JOIN person p USING (person_id)
ORDER BY CHILD""",
    "ad1": f"""
, adopted AS (
    SELECT person_id, max(ceased) AS adopted_on FROM episode
    WHERE reason_ceased IN ('E11', 'E12') AND ceased BETWEEN $first AND $last GROUP BY ALL
),
pathway AS (
    SELECT a.person_id,
           max(perm_adm_decision_date) FILTER (WHERE perm_adm_decision_date <= a.adopted_on) AS decided,
           max(perm_matched_date) FILTER (WHERE perm_matched_date <= a.adopted_on) AS matched,
           arg_max(CASE upper(trim(perm_adopted_by_carer_flag)) WHEN 'Y' THEN '1' WHEN 'N' THEN '0'
                   ELSE trim(perm_adopted_by_carer_flag) END, (extracted, batch_id))
               FILTER (WHERE perm_adopted_by_carer_flag IS NOT NULL) AS foster_carer,
           arg_max(trim(perm_number_of_adopters), (extracted, batch_id))
               FILTER (WHERE perm_number_of_adopters IS NOT NULL) AS adopters,
           arg_max(upper(trim(perm_adopter_sex)), (extracted, batch_id))
               FILTER (WHERE perm_adopter_sex IS NOT NULL) AS adopter_sex,
           arg_max(upper(trim(perm_adopter_legal_status)), (extracted, batch_id))
               FILTER (WHERE perm_adopter_legal_status IS NOT NULL) AS adopter_legal_status
    FROM adopted a JOIN {_rows("permanence")} pm ON pm.perm_person_id = a.person_id
    GROUP BY a.person_id
)
SELECT a.person_id AS CHILD, {_d903("p.dob")} AS DOB, {_d903("w.decided")} AS DATE_INT,
       {_d903("w.matched")} AS DATE_MATCH, w.foster_carer AS FOSTER_CARE, w.adopters AS NB_ADOPTR,
       w.adopter_sex AS SEX_ADOPTR, w.adopter_legal_status AS LS_ADOPTR
FROM adopted a LEFT JOIN pathway w USING (person_id) LEFT JOIN person p USING (person_id)
ORDER BY CHILD""",
    "placed_for_adoption": f"""
SELECT d.person_id AS CHILD, {_d903("p.dob")} AS DOB, {_d903("d.decided")} AS DATE_PLACED,
       CASE WHEN d.reversed <= $last THEN {_d903("d.reversed")} END AS DATE_PLACED_CEASED,
       CASE WHEN d.reversed <= $last THEN d.reason END AS REASON_PLACED_CEASED
FROM (
    SELECT perm_person_id AS person_id, perm_adm_decision_date AS decided,
           max(perm_decision_reversed_date) AS reversed,
           arg_max(upper(trim(perm_decision_reversed_reason)), (extracted, batch_id))
               FILTER (WHERE perm_decision_reversed_reason IS NOT NULL) AS reason
    FROM {_rows("permanence")}
    WHERE perm_adm_decision_date <= $last
    GROUP BY ALL
) d
JOIN in_care USING (person_id)
LEFT JOIN person p USING (person_id)
WHERE d.reversed IS NULL OR d.reversed >= $first
ORDER BY CHILD, d.decided""",
    "previous_permanence": f"""
SELECT s.person_id AS CHILD, {_d903("p.dob")} AS DOB, pp.option AS PREV_PERM, pp.la AS LA_PERM,
       pp.order_date AS DATE_PERM
FROM (
    SELECT DISTINCT person_id FROM period
    WHERE started BETWEEN $first AND $last AND person_id IN (SELECT person_id FROM in_care)
) s
LEFT JOIN (
    SELECT lapp_person_id AS person_id,
           arg_max(upper(trim(lapp_previous_permanence_option)), (extracted, batch_id)) AS option,
           arg_max(trim(lapp_previous_permanence_la), (extracted, batch_id)) AS la,
           arg_max(trim(lapp_previous_permanence_order_date), (extracted, batch_id)) AS order_date
    FROM {_rows("cla_previous_permanence")} GROUP BY ALL
) pp USING (person_id)
LEFT JOIN person p USING (person_id)
ORDER BY CHILD""",
    "missing": f"""
SELECT m.person_id AS CHILD, {_d903("p.dob")} AS DOB, m.kind AS MISSING, {_d903("m.started")} AS MIS_START,
       CASE WHEN m.ended <= $last THEN {_d903("m.ended")} END AS MIS_END
FROM (
    SELECT miss_person_id AS person_id, miss_missing_episode_start_date AS started,
           arg_max(miss_missing_episode_end_date, (extracted, batch_id))
               FILTER (WHERE miss_missing_episode_end_date IS NOT NULL) AS ended,
           arg_max(upper(trim(miss_missing_episode_type)), (extracted, batch_id))
               FILTER (WHERE miss_missing_episode_type IS NOT NULL) AS kind
    FROM {_rows("missing")}
    WHERE miss_missing_episode_start_date <= $last
    GROUP BY ALL
) m
LEFT JOIN person p USING (person_id)
WHERE m.ended IS NULL OR m.ended >= $first
ORDER BY CHILD, m.started""",
    "sw_episodes": f"""
SELECT s.person_id AS CHILD, {_d903("p.dob")} AS DOB, s.sw_id AS SW_ID, {_d903("s.started")} AS SW_DECOM,
       CASE WHEN s.ended <= $last THEN {_d903("s.ended")} END AS SW_DEC, s.reason AS SW_REASON
FROM (
    -- an episode left open in an earlier return ends when the child's next social worker starts, or when the
    -- period of care it began in ended before that
    SELECT w.person_id, w.sw_id, w.started, w.reason,
           CASE WHEN w.next_started IS NOT NULL AND w.ended IS NULL
                     THEN least(w.next_started, coalesce(pc.ended, w.next_started))
                WHEN w.next_started IS NOT NULL AND w.ended > w.next_started THEN w.next_started
                ELSE w.ended END AS ended
    FROM (
        SELECT *, lead(started) OVER (PARTITION BY person_id ORDER BY started, sw_id) AS next_started
        FROM (
            SELECT swep_person_id AS person_id, swep_sw_id AS sw_id, swep_sw_episode_start_date AS started,
                   arg_max(swep_sw_episode_end_date, (extracted, batch_id))
                       FILTER (WHERE swep_sw_episode_end_date IS NOT NULL) AS ended,
                   arg_max(upper(trim(swep_sw_change_reason)), (extracted, batch_id))
                       FILTER (WHERE swep_sw_change_reason IS NOT NULL) AS reason
            FROM {_rows("sw_episodes")}
            WHERE swep_sw_episode_start_date <= $last  -- a later social worker is not yet known to the year's return
            GROUP BY ALL
        )
    ) w
    -- the period it began in: the first not over by its start (care may have begun before the oldest return held)
    LEFT JOIN period pc ON pc.person_id = w.person_id AND coalesce(pc.ended, w.started) >= w.started
    QUALIFY row_number() OVER (PARTITION BY w.person_id, w.sw_id, w.started ORDER BY pc.started) = 1
) s
JOIN in_care USING (person_id)
LEFT JOIN person p USING (person_id)
WHERE s.started <= $last AND (s.ended IS NULL OR s.ended >= $first)
ORDER BY CHILD, s.started, SW_ID""",
    "dolo": f"""
SELECT o.person_id AS CHILD, {_d903("p.dob")} AS DOB, {_d903("o.started")} AS DOLO_START,
       CASE WHEN o.ended <= $last THEN {_d903("o.ended")} END AS DOLO_END
FROM (
    SELECT dolo_person_id AS person_id, dolo_start_date AS started,
           arg_max(dolo_end_date, (extracted, batch_id)) FILTER (WHERE dolo_end_date IS NOT NULL) AS ended
    FROM {_rows("dolo")} WHERE dolo_start_date <= $last GROUP BY ALL
) o
LEFT JOIN person p USING (person_id)
WHERE o.ended IS NULL OR o.ended >= $first
ORDER BY CHILD, o.started""",
}


# --- CIN census --------------------------------------------------------------------------------

# Every referral (CIN episode) a child has had, and every initial child protection conference.
_REFERRAL_ALL = f"""
SELECT cine_person_id AS person_id, cine_referral_date AS referred,
       arg_max(upper(trim(cine_referral_source_code)), (extracted, batch_id))
           FILTER (WHERE cine_referral_source_code IS NOT NULL) AS source,
       arg_max(upper(trim(cine_cin_primary_need_code)), (extracted, batch_id))
           FILTER (WHERE cine_cin_primary_need_code IS NOT NULL) AS need,
       arg_max(cine_close_date, (extracted, batch_id)) FILTER (WHERE cine_close_date IS NOT NULL) AS closed,
       arg_max(upper(trim(cine_close_reason)), (extracted, batch_id))
           FILTER (WHERE cine_close_reason IS NOT NULL) AS close_reason,
       arg_max(upper(trim(cine_referral_nfa)), (extracted, batch_id))
           FILTER (WHERE cine_referral_nfa IS NOT NULL) AS nfa
FROM {_rows("cin_episodes")}
WHERE cine_referral_date IS NOT NULL
GROUP BY ALL"""

_CONFERENCE_ALL = f"""
SELECT icpc_person_id AS person_id, icpc_s47_enquiry_id AS s47_id, icpc_icpc_date AS held,
       arg_max(icpc_icpc_target_date, (extracted, batch_id)) AS target
FROM {_rows("initial_cp_conference")} WHERE icpc_icpc_date IS NOT NULL GROUP BY ALL"""

_CIN_BASE = f"""
WITH {_PERSON.strip()},
referral AS (
    SELECT *, CAST(row_number() OVER (PARTITION BY person_id ORDER BY referred) AS VARCHAR) AS details_id
    FROM _dq_store_referral
    WHERE referred <= $last AND (closed IS NULL OR closed >= $first)
),
conference AS (SELECT * FROM _dq_store_conference)
"""

# The relations every year derives from, built once (temp tables on the connection) by ``_shared``.
_SHARED = {
    "_dq_store_person": ("both", _PERSON_ALL),
    "_dq_store_person_said": ("both", _PERSON_SAID),
    "_dq_store_episode": ("ssda903", _EPISODE_ALL),
    "_dq_store_period": ("ssda903", _PERIOD_ALL),
    "_dq_store_referral": ("cin", _REFERRAL_ALL),
    "_dq_store_conference": ("cin", _CONFERENCE_ALL),
}


def _in_referral(alias: str, person: str, day: str) -> str:
    """Join the referral an item belongs to: the child's latest referral of the year starting on or before it."""
    return (
        f"JOIN referral r ON r.person_id = {alias}.{person} AND r.referred <= {alias}.{day} "
        f"QUALIFY row_number() OVER (PARTITION BY {alias}.{person}, {alias}.{day} ORDER BY r.referred DESC) = 1"
    )


_CIN_SQL: dict[str, str] = {
    "cin_header": "SELECT 1 AS none WHERE false",  # written by the writer (it is not in the store)
    "child_identifiers": f"""
SELECT c.person_id AS LAchildID,
       CASE WHEN NOT unborn THEN p.upn END AS UPN,
       CASE WHEN NOT unborn AND p.upn IS NOT NULL THEN p.former_upn END AS FormerUPN,
       CASE WHEN p.upn IS NULL OR unborn THEN p.upn_unknown END AS UPNunknown,
       CASE WHEN NOT unborn THEN {_dcin("p.dob")} END AS PersonBirthDate,
       CASE WHEN unborn THEN {_dcin("coalesce(p.expected_dob, p.dob)")} END AS ExpectedPersonBirthDate,
       CASE WHEN $year < {SEX_ELEMENT_FROM} THEN
           CASE WHEN unborn THEN '0' WHEN p.sex IN ('M', '1') THEN '1' WHEN p.sex IN ('F', '2') THEN '2'
                WHEN p.sex IN ('I', '9') THEN '9' ELSE '0' END END AS GenderCurrent,
       CASE WHEN $year >= {SEX_ELEMENT_FROM} THEN
           CASE WHEN unborn THEN 'U' WHEN p.sex IN ('M', '1') THEN 'M' WHEN p.sex IN ('F', '2') THEN 'F'
                ELSE 'U' END END AS Sex,
       CASE WHEN p.died <= $last THEN {_dcin("p.died")} END AS PersonDeathDate
FROM (SELECT DISTINCT person_id FROM referral) c
LEFT JOIN (SELECT *, coalesce(dob > $last, dob IS NULL AND expected_dob IS NOT NULL) AS unborn FROM person) p
    USING (person_id)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID""",
    "child_characteristics": """
SELECT c.person_id AS LAchildID, p.ethnicity AS Ethnicity
FROM (SELECT DISTINCT person_id FROM referral) c LEFT JOIN person p USING (person_id)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID""",
    "disabilities": f"""
SELECT c.person_id AS LAchildID, coalesce(d.code, 'NONE') AS Disability
FROM (SELECT DISTINCT person_id FROM referral) c
LEFT JOIN (
    SELECT DISTINCT disa_person_id AS person_id, upper(trim(disa_disability_code)) AS code
    FROM {_rows("disability")} WHERE upper(trim(disa_disability_code)) <> 'NONE'
) d USING (person_id)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, Disability""",
    "cin_details": f"""
SELECT r.person_id AS LAchildID, r.details_id AS CINdetailsID, {_dcin("r.referred")} AS CINreferralDate,
       r.source AS ReferralSource, r.need AS PrimaryNeedCode,
       CASE WHEN r.closed <= $last THEN {_dcin("r.closed")} END AS CINclosureDate,
       CASE WHEN r.closed <= $last THEN r.close_reason END AS ReasonForClosure,
       NULL AS DateOfInitialCPC,
       CASE WHEN r.nfa IN ('Y', 'YES', 'TRUE', '1') THEN 'true' WHEN r.nfa IS NULL THEN NULL ELSE 'false' END
           AS ReferralNFA
FROM referral r
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, r.referred""",
    "assessments": f"""
, assessment AS (
    SELECT cina_person_id AS person_id, cina_assessment_start_date AS started,
           arg_max(cina_assessment_auth_date, (extracted, batch_id))
               FILTER (WHERE cina_assessment_auth_date IS NOT NULL) AS authorised,
           list(DISTINCT cina_assessment_id) AS ids
    FROM {_rows("cin_assessments")} WHERE cina_assessment_start_date IS NOT NULL GROUP BY ALL
),
factors AS (
    SELECT cinf_assessment_id AS assessment_id,
           arg_max(cinf_assessment_factors_json, (extracted, batch_id)) AS factors_json
    FROM {_rows("assessment_factors")} GROUP BY ALL
),
factored AS (
    -- an assessment's factors: those recorded against any of its IDs (the lowest ID's where several are)
    SELECT a.person_id, a.started,
           arg_min(array_to_string(CAST(json_extract_string(f.factors_json, '$[*]') AS VARCHAR[]), ','),
                   f.assessment_id) AS factors
    FROM (SELECT person_id, started, unnest(ids) AS assessment_id FROM assessment) a
    JOIN factors f USING (assessment_id)
    GROUP BY ALL
),
placed AS (
    SELECT a.*, r.details_id FROM assessment a {_in_referral("a", "person_id", "started")}
)
SELECT a.person_id AS LAchildID, a.details_id AS CINdetailsID,
       CAST(row_number() OVER (PARTITION BY a.person_id, a.details_id ORDER BY a.started) AS VARCHAR) AS AssessmentID,
       {_dcin("a.started")} AS AssessmentActualStartDate, NULL AS AssessmentInternalReviewDate,
       CASE WHEN a.authorised <= $last THEN {_dcin("a.authorised")} END AS AssessmentAuthorisationDate,
       CASE WHEN a.authorised <= $last THEN f.factors END AS AssessmentFactors
FROM placed a LEFT JOIN factored f USING (person_id, started)
WHERE a.started <= $last AND (a.authorised IS NULL OR a.authorised >= $first)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, a.details_id, a.started""",
    "cin_plan_dates": f"""
, plan AS (
    SELECT cinp_person_id AS person_id, cinp_cin_plan_start_date AS started,
           arg_max(cinp_cin_plan_end_date, (extracted, batch_id))
               FILTER (WHERE cinp_cin_plan_end_date IS NOT NULL) AS ended
    FROM {_rows("cin_plans")} WHERE cinp_cin_plan_start_date IS NOT NULL GROUP BY ALL
),
placed AS (SELECT p.*, r.details_id FROM plan p {_in_referral("p", "person_id", "started")})
SELECT p.person_id AS LAchildID, p.details_id AS CINdetailsID, {_dcin("p.started")} AS CINPlanStartDate,
       CASE WHEN p.ended <= $last THEN {_dcin("p.ended")} END AS CINPlanEndDate
FROM placed p
WHERE $year >= {CIN_PLAN_DATES_FROM} AND p.started <= $last AND (p.ended IS NULL OR p.ended >= $first)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, p.details_id, p.started""",
    "section47": f"""
, census AS (
    SELECT max(b.extract_date) AS newest FROM ingest_batch b JOIN visible_batches(CAST(NULL AS DATE)) USING (batch_id)
    WHERE b.feed = 'cin_census'
),
enquiry AS (
    -- an enquiry with no end on record that a census held, and the next census loaded did not, was over by
    -- the end of the last census year that held it
    SELECT s47e_person_id AS person_id, s47e_s47_start_date AS started,
           coalesce(arg_max(s47e_s47_end_date, (extracted, batch_id)) FILTER (WHERE s47e_s47_end_date IS NOT NULL),
                    CASE WHEN max(extracted) FILTER (WHERE feed = 'cin_census') < (SELECT newest FROM census)
                         THEN max(extracted) FILTER (WHERE feed = 'cin_census') END) AS ended,
           list(DISTINCT s47e_s47_enquiry_id) AS ids
    FROM {_rows("s47_enquiry")} WHERE s47e_s47_start_date IS NOT NULL GROUP BY ALL
),
held AS (
    SELECT e.person_id, e.started, min(c.held) AS held, arg_min(c.target, c.held) AS target
    FROM enquiry e JOIN conference c ON c.person_id = e.person_id AND list_contains(e.ids, c.s47_id)
    GROUP BY ALL
),
placed AS (
    SELECT e.*, h.held, h.target, r.details_id, r.closed AS referral_closed
    FROM enquiry e LEFT JOIN held h USING (person_id, started) {_in_referral("e", "person_id", "started")}
)
SELECT s.person_id AS LAchildID, s.details_id AS CINdetailsID, {_dcin("s.started")} AS S47ActualStartDate,
       {_dcin("s.target")} AS InitialCPCtarget,
       CASE WHEN s.held <= $last THEN {_dcin("s.held")} END AS DateOfInitialCPC,
       -- not held as such: a conference held, no; none held and the enquiry (or its referral) over by 31 March, yes
       CASE WHEN s.held <= $last THEN 'false'
            WHEN coalesce(s.ended, s.referral_closed) <= $last THEN 'true' ELSE 'false' END AS ICPCnotRequired
FROM placed s
WHERE s.started <= $last
  AND (coalesce(s.held, s.ended, s.referral_closed) IS NULL OR coalesce(s.held, s.ended, s.referral_closed) >= $first)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, s.details_id, s.started""",
    "cp_plans": f"""
, plan AS (
    SELECT cppl_person_id AS person_id, cppl_cp_plan_start_date AS started,
           arg_max(cppl_cp_plan_end_date, (extracted, batch_id))
               FILTER (WHERE cppl_cp_plan_end_date IS NOT NULL) AS ended,
           arg_max(upper(trim(cppl_cp_plan_initial_category)), (extracted, batch_id))
               FILTER (WHERE cppl_cp_plan_initial_category IS NOT NULL) AS initial_category,
           arg_max(upper(trim(cppl_cp_plan_latest_category)), (extracted, batch_id))
               FILTER (WHERE cppl_cp_plan_latest_category IS NOT NULL) AS latest_category,
           arg_max(cppl_previous_cp_plans, (extracted, batch_id))
               FILTER (WHERE cppl_previous_cp_plans IS NOT NULL) AS previous
    FROM {_rows("cp_plans")} WHERE cppl_cp_plan_start_date IS NOT NULL GROUP BY ALL
),
counted AS (
    SELECT *, count(*) OVER (PARTITION BY person_id ORDER BY started
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen_before
    FROM plan
),
placed AS (SELECT p.*, r.details_id FROM counted p {_in_referral("p", "person_id", "started")})
SELECT p.person_id AS LAchildID, p.details_id AS CINdetailsID,
       CAST(row_number() OVER (PARTITION BY p.person_id, p.details_id ORDER BY p.started) AS VARCHAR) AS CPPID,
       {_dcin("p.started")} AS CPPstartDate, CASE WHEN p.ended <= $last THEN {_dcin("p.ended")} END AS CPPendDate,
       p.initial_category AS InitialCategoryOfAbuse, p.latest_category AS LatestCategoryOfAbuse,
       CAST(coalesce(p.previous, p.seen_before) AS VARCHAR) AS NumberOfPreviousCPP
FROM placed p
WHERE p.started <= $last AND (p.ended IS NULL OR p.ended >= $first)
ORDER BY try_cast(LAchildID AS BIGINT), LAchildID, p.details_id, p.started""",
    "cp_reviews": "SELECT 1 AS none WHERE false",  # from cp_plans' rows, below
}

_CP_REVIEWS_SQL = f"""
SELECT cppr_person_id AS person_id, cppr_cp_review_date AS reviewed, list(DISTINCT cppr_cp_plan_id) AS plan_ids
FROM {_rows("cp_reviews")}
WHERE cppr_cp_review_date BETWEEN $first AND $last
GROUP BY ALL
"""


def _bounds(year: int) -> dict[str, Any]:
    return {"first": date(year - 1, 4, 1), "last": date(year, 3, 31), "year": year}


def _query(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# What str.strip() removes: a value is text without the whitespace at either end, and blank is NULL.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _frame(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], columns: tuple[str, ...], child: str
) -> pa.Table:
    """A table's rows from ``sql``, in its order: each of ``columns`` as text without the whitespace at either end
    (None when blank or not given), and ``_origin`` (the system and the child's ID there), a column at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    result = conn.sql(sql, params={k: v for k, v in params.items() if f"${k}" in sql}).to_arrow_table()
    data = {}
    for column in columns:
        if column not in result.column_names:
            data[column] = pa.nulls(result.num_rows, pa.string())
            continue
        text = pc.utf8_trim(result[column].cast(pa.string()), characters=_WHITESPACE)
        data[column] = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    named = pc.fill_null(data[child], "None")
    data["_origin"] = pc.binary_join_element_wise(pa.scalar(SYSTEM), named, " ")
    return pa.table(data)


def _shared_names(kind: str) -> list[str]:
    return [name for name, (kinds, _) in _SHARED.items() if kinds in ("both", kind)]


@contextmanager
def _shared(conn: duckdb.DuckDBPyConnection, kind: str) -> Iterator[None]:
    """The relations every year of ``kind`` derives from, built once as temp tables on ``conn`` for the
    duration (kept when an enclosing use built them already)."""
    from childhub.facts import prepare

    if kind == "ssda903":
        prepare(conn, ["cla_episode"])
    names = _shared_names(kind)
    there = {
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_dq_store_')"
        ).fetchall()
    }
    built = [name for name in names if name not in there]
    try:
        for name in built:
            conn.execute(f"CREATE TEMP TABLE {name} AS {_SHARED[name][1]}")
        yield
    finally:
        for name in built:
            conn.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _has_returns_data(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_batch'").fetchone()[0])


def years_held(conn: duckdb.DuckDBPyConnection, kind: str) -> list[int]:
    """The collection years the store holds ``kind``'s data for ("ssda903" or "cin"), oldest first.

    A year is held when a return for it was loaded (the scope of a visible batch of the return's feed).
    A store that holds no return of the kind but has its data from other feeds (the SSD) holds every
    year from the first episode of care (SSDA903) or referral (CIN census) to the newest extract.
    """
    if kind not in TABLES:
        raise ValueError(f"kind is ssda903 or cin, not {kind!r}")
    if not _has_returns_data(conn):
        return []
    scoped = conn.execute(
        "SELECT DISTINCT CAST(split_part(b.scope, ':', 2) AS INTEGER) FROM ingest_batch b "
        "JOIN visible_batches(CAST(NULL AS DATE)) v USING (batch_id) "
        "WHERE b.feed = $feed AND regexp_full_match(split_part(b.scope, ':', 2), '[0-9]{4}')",
        {"feed": _FEED[kind]},
    ).fetchall()
    table, start, end = (
        ("cla_episodes", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date")
        if kind == "ssda903"
        else ("cin_episodes", "cine_referral_date", "cine_close_date")
    )
    spans = conn.execute(
        f"SELECT min({start}), max(coalesce({end}, {start})), bool_or({end} IS NULL), max({start}) FROM {_rows(table)}"
    ).fetchone()
    years = {year for (year,) in scoped}
    if years or spans[0] is None:
        return sorted(years)
    first, last = _year_of(spans[0]), max(_year_of(spans[1]), _year_of(spans[3]))
    if spans[2]:  # something still open: held up to the year of the newest extract
        newest = conn.execute(f"SELECT max({_KNOWN_ON}) FROM ingest_batch WHERE status = 'loaded'").fetchone()[0]
        last = max(last, _year_of(newest)) if newest else last
    return list(range(first, last + 1))


def _year_of(day: date) -> int:
    """The collection year a day falls in (the year of the next 31 March)."""
    return day.year + 1 if day.month > 3 else day.year


def return_tables(conn: duckdb.DuckDBPyConnection, kind: str, year: int) -> dict[str, list[dict[str, Any]]]:
    """The return's tables for collection ``year`` from the store: table -> rows (column -> text, None when
    blank), each row with ``_origin``, the source system and record it came from ("social_care 373052").

    Only the tables the year's return has are given (SSDA903 social worker episodes from 2024, DoLO from
    2027; the CIN census's plan dates from 2022); ``cin_header`` is left to the writer.
    """
    if kind not in TABLES:
        raise ValueError(f"kind is ssda903 or cin, not {kind!r}")
    with _shared(conn, kind):
        return {table: frame.to_pylist() for table, frame in _tables(conn, kind, year).items()}


def _tables(conn: duckdb.DuckDBPyConnection, kind: str, year: int) -> dict[str, pa.Table]:
    """``return_tables`` as arrow tables, with the shared relations built (``_shared``)."""
    params = {**_bounds(year), "feed": _FEED[kind]}
    tables: dict[str, pa.Table] = {}
    if kind == "ssda903":
        for table, sql in _SSDA903_SQL.items():
            if (table == "sw_episodes" and year < SW_EPISODES_FROM) or (table == "dolo" and year < DOLO_FROM):
                continue
            tables[table] = _frame(conn, _SSDA903_BASE + sql, params, SSDA903[table], "CHILD")
        return tables
    for table, sql in _CIN_SQL.items():
        if table in ("cin_header", "cp_reviews"):
            continue
        if table == "cin_plan_dates" and year < CIN_PLAN_DATES_FROM:
            continue
        tables[table] = _frame(conn, _CIN_BASE + sql, params, CIN[table], "LAchildID")
    tables["assessment_factors"] = _factors(tables["assessments"])
    tables["cp_reviews"] = _cp_reviews(conn, params, tables["cp_plans"])
    return tables


def _factors(assessments: pa.Table) -> pa.Table:
    """One row per factor of each assessment (its factors are a comma-separated list), in the assessments' order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = pc.split_pattern(pc.fill_null(assessments["AssessmentFactors"], ""), ",")
    owner = pc.list_parent_indices(lists)
    factors = pc.list_flatten(lists)
    kept = pc.not_equal(factors, "")
    owner, factors = pc.filter(owner, kept), pc.filter(factors, kept)
    values = {c: pc.take(assessments[c], owner) for c in ("LAchildID", "CINdetailsID", "AssessmentID")}
    table = {**values, "AssessmentFactor": factors, "_origin": pc.take(assessments["_origin"], owner)}
    return pa.table({c: table[c] for c in (*CIN["assessment_factors"], "_origin")})


def _cp_reviews(conn, params: dict[str, Any], plans: pa.Table) -> pa.Table:
    """Each plan's reviews in the year: a review belongs to the child's latest plan starting on or before it
    that had not ended before it."""
    import pyarrow as pa

    reviews = _query(conn, _CP_REVIEWS_SQL, params)
    by_child: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for plan in plans.to_pylist():
        by_child[plan["LAchildID"]].append(plan)
    rows = []
    for review in sorted(reviews, key=lambda r: (r["person_id"], r["reviewed"])):
        day = review["reviewed"].isoformat()
        candidates = [
            p
            for p in by_child.get(review["person_id"], [])
            if p["CPPstartDate"] <= day and (p["CPPendDate"] is None or p["CPPendDate"] >= day)
        ]
        if not candidates:
            continue
        plan = max(candidates, key=lambda p: p["CPPstartDate"])
        rows.append(
            {
                "LAchildID": plan["LAchildID"],
                "CINdetailsID": plan["CINdetailsID"],
                "CPPID": plan["CPPID"],
                "CPPreviewDate": day,
                "_origin": plan["_origin"],
            }
        )
    return pa.Table.from_pylist(rows, pa.schema([(c, pa.string()) for c in (*CIN["cp_reviews"], "_origin")]))


def store_run(
    conn: duckdb.DuckDBPyConnection,
    kind: str,
    year: int,
    la_code: str | None = None,
    last_year: bool = True,
    lea: str | None = None,
    engine: Any = None,
) -> ReturnRun:
    """A run of the rules over the return the store holds for collection ``year`` (and last year's, as
    ``<table>_last``, when ``last_year``): each row's origin the system and record it came from, no line.

    The CIN census header is not in the store: with ``lea`` (the authority's three-digit LA number) the run
    has the header ``childhub returns`` writes, else none (rules about the header are skipped). The tables are
    derived on ``conn``; ``engine`` (a ``SparkConnection``) runs the rules (``ReturnRun.new``)."""
    if kind not in TABLES:
        raise ValueError(f"kind is ssda903 or cin, not {kind!r}")
    with _shared(conn, kind):
        last = _tables(conn, kind, year - 1) if last_year else None
        return _run(conn, kind, year, _tables(conn, kind, year), last, la_code, lea, engine)


def store_runs(
    conn: duckdb.DuckDBPyConnection,
    kind: str,
    years: list[int],
    la_code: str | None = None,
    lea: str | None = None,
    engine: Any = None,
) -> Iterator[ReturnRun]:
    """``store_run`` (with last year's tables) for each of ``years`` in turn, each year's tables derived once:
    a year's are the next year's last year. The caller closes each run."""
    if kind not in TABLES:
        raise ValueError(f"kind is ssda903 or cin, not {kind!r}")
    with _shared(conn, kind):
        previous: tuple[int, dict[str, pa.Table]] | None = None
        for year in years:
            last = previous[1] if previous and previous[0] == year - 1 else _tables(conn, kind, year - 1)
            tables = _tables(conn, kind, year)
            previous = (year, tables)
            yield _run(conn, kind, year, tables, last, la_code, lea, engine)


def _run(
    conn: duckdb.DuckDBPyConnection,
    kind: str,
    year: int,
    tables: dict[str, pa.Table],
    last: dict[str, pa.Table] | None,
    la_code: str | None,
    lea: str | None,
    engine: Any = None,
) -> ReturnRun:
    from childhub.dq.returns_xml import header_row

    run = ReturnRun.new(kind, year, la_code, engine)
    for which, is_last, held in ((year, False, tables), (year - 1, True, last)):
        if held is None:
            continue
        for table, frame in held.items():
            run.add_arrow(table, frame, SYSTEM, last_year=is_last)
        if kind == "cin" and lea is not None:
            run.add_rows("cin_header", [header_row(which, lea)], SYSTEM, None, last_year=is_last)
    # each row's origin is its record in the system: the system and the child's ID there (as Annex A names it)
    run.conn.execute(
        "UPDATE _rows SET origin = origin || ' ' || child WHERE origin = $system AND child IS NOT NULL",
        {"system": SYSTEM},
    )
    return run
