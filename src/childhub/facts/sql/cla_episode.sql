-- fact_cla_episode: one row per SSDA903 episode of care, merged across yearly returns (see history.episodes_sql),
-- with its legal status and placement, and the start of the period of care it belongs to (period_start).
-- An episode of a short break (legal status V3 or V4) has short_break true. start_on_record is true when the period's
-- start is on record, so the child started to be looked after on period_start: its first episode has RNE S (or no
-- RNE, as a feed without one sends it) or is a short break (care begun on short breaks starts with its first episode
-- that is not one). A period whose first episode on record is a change within care (RNE L, P, T, U or B: the first
-- episode of a return whose care began before it, or one after a gap) continues care begun before the record.
WITH episode AS (
    SELECT e.child AS person_id, e.start_date, e.ceased, e.reason_ceased, upper(e.reason_new) AS reason_new,
           upper(e.category_of_need) AS category_of_need, e.repair,
           upper(trim(l.lega_legal_status)) AS legal_status,
           upper(trim(pl.clap_cla_placement_type)) AS placement_type,
           upper(trim(pl.clap_cla_placement_provider)) AS placement_provider,
           upper(trim(pl.clap_cla_placement_postcode)) AS placement_postcode,
           pl.clap_cla_placement_urn AS placement_urn,
           pl.clap_cla_placement_distance AS placement_distance
    FROM @episodes e
    LEFT JOIN (SELECT * FROM @current(legal_status)) l
           ON l.lega_person_id = e.child AND l.lega_legal_status_start_date = e.start_date
    LEFT JOIN (SELECT * FROM @current(cla_placement)) pl
           ON pl.clap_person_id = e.child AND pl.clap_cla_placement_start_date = e.start_date
    QUALIFY row_number() OVER (PARTITION BY e.child, e.start_date ORDER BY l.batch_id DESC, pl.batch_id DESC) = 1
),
marked AS (
    SELECT *,
           CASE WHEN reason_new = 'S'
                  OR lag(ceased) OVER w IS NULL
                  OR lag(ceased) OVER w < start_date
                  OR lag(reason_ceased) OVER w IS DISTINCT FROM 'X1'
                THEN 1 ELSE 0 END AS starts_period
    FROM episode
    WINDOW w AS (PARTITION BY person_id ORDER BY start_date)
),
numbered AS (
    SELECT *, sum(starts_period) OVER (PARTITION BY person_id ORDER BY start_date) AS period_number FROM marked
)
SELECT n.person_id, p.child_id, coalesce(p.child_key, 'social_care:' || n.person_id) AS child_key, n.start_date, n.ceased, n.reason_ceased, n.reason_new,
       n.category_of_need, n.legal_status, coalesce(n.legal_status IN ('V3', 'V4'), false) AS short_break,
       n.placement_type, n.placement_provider, n.placement_postcode, n.placement_urn, n.placement_distance,
       n.reason_new IN ('S', 'P', 'B', 'T', 'U') AS new_placement,
       n.period_number, min(n.start_date) OVER (PARTITION BY n.person_id, n.period_number) AS period_start,
       arg_min(coalesce(n.reason_new, 'S') = 'S' OR coalesce(n.legal_status IN ('V3', 'V4'), false), n.start_date)
           OVER (PARTITION BY n.person_id, n.period_number) AS start_on_record,
       n.repair
FROM numbered n
LEFT JOIN fact_person p ON p.source_system = 'social_care' AND p.person_id = n.person_id
