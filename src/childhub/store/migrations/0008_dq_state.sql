-- What each return's collection year was last checked from (the source system's batches, the rule library,
-- the authority's code): a year whose inputs have not changed keeps its findings without being run again.
CREATE TABLE dq_state (
    kind        VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    inputs      VARCHAR NOT NULL,
    checked_at  TIMESTAMP NOT NULL
);
