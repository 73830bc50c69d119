-- 0013 the quality behind the numbers: case file audits and the voice of children (issue 16).
-- Source data like any other (no SSD objects): loaded through a mapping, with the three provenance columns
-- every canonical table ends with, and no primary keys (later versions of a row are kept beside earlier ones).

-- One row per audit of a child's case file. The person is the social care system's person ID, so an audit
-- links to its child as that system's records do (its source_system is the social care system's). No SSD object.
CREATE TABLE case_audits (
    caud_audit_id       VARCHAR NOT NULL,
    caud_person_id      VARCHAR NOT NULL,
    caud_audit_date     DATE NOT NULL,    -- the day the audit was completed
    caud_auditor        VARCHAR,          -- who audited the file (a name as the audit tool holds it)
    caud_overall_grade  VARCHAR NOT NULL, -- case_audit_grade: OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE
    caud_themes         VARCHAR,          -- the themes audited, as the source lists them (one row each below)
    source_system       VARCHAR NOT NULL,
    batch_id            BIGINT NOT NULL,
    source_record_key   VARCHAR NOT NULL
);

-- One row per theme an audit looked at, with the theme's own grade where the audit gives one. No SSD object.
CREATE TABLE case_audit_themes (
    cath_audit_id       VARCHAR NOT NULL,
    cath_person_id      VARCHAR NOT NULL,
    cath_theme          VARCHAR NOT NULL, -- case_audit_theme: ASSESSMENT, PLANNING, VISITS, ...
    cath_theme_grade    VARCHAR,          -- case_audit_grade, when the theme was graded on its own
    source_system       VARCHAR NOT NULL,
    batch_id            BIGINT NOT NULL,
    source_record_key   VARCHAR NOT NULL
);

-- One row per answer to one question of a survey of children in care or care leavers. Surveys are often
-- anonymous, so there is no person ID: a response ID groups one respondent's answers. No SSD object.
CREATE TABLE survey_responses (
    srvy_response_id      VARCHAR NOT NULL, -- one respondent's answers share it
    srvy_survey           VARCHAR NOT NULL, -- the survey in words: "Children in care survey"
    srvy_period           VARCHAR NOT NULL, -- the round as the survey names it: "2026 autumn"
    srvy_response_date    DATE NOT NULL,    -- when the answers were given (or the round closed)
    srvy_respondent_group VARCHAR,          -- survey_respondent_group: CHILD_IN_CARE, CARE_LEAVER
    srvy_age_band         VARCHAR,          -- as the survey bands ages: "11-15"
    srvy_question         VARCHAR NOT NULL, -- the question's words
    srvy_answer           VARCHAR,          -- the answer's words (empty: not answered)
    source_system         VARCHAR NOT NULL,
    batch_id              BIGINT NOT NULL,
    source_record_key     VARCHAR NOT NULL
);
