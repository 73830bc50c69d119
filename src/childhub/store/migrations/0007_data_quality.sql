-- Data quality: every run of the rules over the store, each finding with when it was first and last seen
-- and when it was fixed, and the findings people accepted (with why, by whom, and the data they accepted:
-- an acceptance lapses when the record changes).
CREATE TABLE dq_run (
    run_id      BIGINT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    seconds     DOUBLE,
    rules_run   INTEGER,
    findings    INTEGER,
    years       VARCHAR            -- the collection years checked, e.g. "ssda903 2024-2026; cin 2024-2027"
);

CREATE TABLE dq_finding (
    finding_key    VARCHAR NOT NULL,  -- return, rule, year, table and record (or child): stable across runs
    kind           VARCHAR NOT NULL,  -- ssda903, cin or hub
    rule           VARCHAR NOT NULL,
    year           INTEGER,           -- collection year; NULL for the checks across systems
    severity       VARCHAR NOT NULL,  -- error or query
    message        VARCHAR NOT NULL,
    table_name     VARCHAR,
    fields         VARCHAR,
    child_id       VARCHAR,           -- the child's ID as the return or system holds it
    child_key      VARCHAR,           -- the linked child
    source_system  VARCHAR,
    source_record  VARCHAR,
    detail         VARCHAR,           -- the values behind the finding, in words
    fingerprint    VARCHAR,           -- a hash of the record's values: changes when the data change
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    fixed_at       TIMESTAMP          -- NULL while the finding stands
);

CREATE TABLE dq_acceptance (
    finding_key  VARCHAR NOT NULL,
    fingerprint  VARCHAR,
    reason       VARCHAR NOT NULL,
    accepted_by  VARCHAR NOT NULL,
    accepted_at  TIMESTAMP NOT NULL
);
