-- fact_cla_care_plan: one row per period of a looked-after child's care plan (SSD ssd_cla_care_plan), with the
-- permanence plan it records. The SSD records the plan as a set of options, each ticked or not
-- ({"REMAINSUP": "", ..., "ADOPTION": "Y", ...}); permanence_plan is the first option ticked (Y, YES, 1, TRUE or X),
-- in the SSD's order, as its key (ADOPTION, LTFOST18...), which the code set permanence_plan reads as Ofsted's
-- drop-down. A plan written as plain text (no braces) is kept as written. Rows with no start date are left out.
SELECT c.lacp_table_id AS care_plan_id, c.lacp_person_id AS person_id, p.child_id,
       child_key_of(p.child_key, c.source_system, c.lacp_person_id) AS child_key,
       c.lacp_cla_care_plan_start_date AS start_date, c.lacp_cla_care_plan_end_date AS end_date,
       CASE WHEN c.lacp_cla_care_plan_json LIKE '%{%'
            THEN regexp_extract_all(upper(c.lacp_cla_care_plan_json),
                                    '"?([A-Z0-9_]+)"?\s*:\s*"?(?:Y|YES|1|TRUE|X)"?\s*[,}]', 1)[1]
            ELSE nullif(trim(c.lacp_cla_care_plan_json), '') END AS permanence_plan
FROM @current(cla_care_plan) c
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.lacp_person_id
WHERE c.lacp_cla_care_plan_start_date IS NOT NULL
