-- Linkage: each run, and the review queue of pairs the model could not decide alone.

CREATE SEQUENCE link_run_id_sequence START 1;

-- One row per `childhub link` run: what it saw and what it made.
CREATE TABLE link_run (
    run_id        BIGINT PRIMARY KEY DEFAULT nextval('link_run_id_sequence'),
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    records       BIGINT,
    pairs_scored  BIGINT,
    children      BIGINT,
    families      BIGINT,
    threshold     DOUBLE,
    model_json    VARCHAR -- the trained Splink model, so a run can be explained later
);

CREATE SEQUENCE link_review_id_sequence START 1;

-- Pairs of source records for a person to decide: same child or different children. A
-- decision is respected by every later run (same: always linked; different: never).
CREATE TABLE link_review (
    pair_id           BIGINT PRIMARY KEY DEFAULT nextval('link_review_id_sequence'),
    record_l          VARCHAR NOT NULL, -- source_system:source_record_id
    record_r          VARCHAR NOT NULL,
    match_probability DOUBLE,
    match_weight      DOUBLE,
    evidence_json     VARCHAR, -- per-field comparison level and match weight
    reason            VARCHAR, -- why it needs a person: uncertain score, refused merge
    status            VARCHAR NOT NULL, -- open, same, different
    run_id            BIGINT,
    decided_by        VARCHAR,
    decided_at        TIMESTAMP
);

-- Each family's children as they stand, with the services (source systems) each is known to.
CREATE VIEW family_services AS
SELECT m.family_id, m.child_id, list(DISTINCT l.source_system ORDER BY l.source_system) AS services
FROM family_member m
JOIN child_link l ON l.child_id = m.child_id AND l.valid_to IS NULL
WHERE m.valid_to IS NULL
GROUP BY m.family_id, m.child_id;

-- A child's parents and carers as a source records them: names and dates of birth, with no ID
-- of their own. Children who share a parent are one family. No SSD object (the SSD is thin here).
CREATE TABLE carer (
    care_person_id    VARCHAR NOT NULL, -- the child
    care_forename     VARCHAR,
    care_surname      VARCHAR,
    care_dob          DATE,
    care_relationship VARCHAR,          -- Mother, Father, Stepfather, Carer ...
    source_system     VARCHAR NOT NULL,
    batch_id          BIGINT NOT NULL,
    source_record_key VARCHAR NOT NULL
);
