-- fact_worker: one row per worker (social worker, personal adviser...), with their team and FTE.
SELECT prof_professional_id AS worker_id, prof_professional_name AS worker_name,
       prof_professional_job_title AS job_title, prof_professional_department AS team_id,
       prof_full_time_equivalency AS fte,
       upper(trim(prof_agency_worker_flag)) IN ('Y', 'YES', '1', 'TRUE') AS agency,
       prof_professional_caseload AS recorded_caseload
FROM @current(professionals)
QUALIFY row_number() OVER (PARTITION BY prof_professional_id ORDER BY batch_id DESC) = 1
