-- cp_plans gains cppl_previous_cp_plans: the CIN census's NumberOfPreviousCPP, the child protection plans
-- the child had before this one (the SSD has no field for it). The table is made again so that the
-- provenance columns stay last; every row is kept, with the new column empty.
ALTER TABLE cp_plans RENAME TO cp_plans_before_0006;

CREATE TABLE cp_plans (
    cppl_cp_plan_id               VARCHAR NOT NULL,
    cppl_referral_id              VARCHAR,
    cppl_icpc_id                  VARCHAR,
    cppl_person_id                VARCHAR NOT NULL,
    cppl_cp_plan_start_date       DATE,
    cppl_cp_plan_end_date         DATE,
    cppl_cp_plan_initial_category VARCHAR,
    cppl_cp_plan_ola              VARCHAR,
    cppl_cp_plan_latest_category  VARCHAR,
    cppl_previous_cp_plans        INTEGER,
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

INSERT INTO cp_plans
SELECT cppl_cp_plan_id, cppl_referral_id, cppl_icpc_id, cppl_person_id, cppl_cp_plan_start_date,
       cppl_cp_plan_end_date, cppl_cp_plan_initial_category, cppl_cp_plan_ola, cppl_cp_plan_latest_category,
       NULL, source_system, batch_id, source_record_key
FROM cp_plans_before_0006;

DROP TABLE cp_plans_before_0006;
