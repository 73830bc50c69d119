-- Facts kept in the store: the relations indicators and Annex A read (childhub.facts), rebuilt by
-- childhub after every ingest and link so readers need not build them. They are derived, never a
-- source of truth: a reader whose store has changed since they were built builds its own.

CREATE SCHEMA facts;

-- One row: the state of the data the facts in schema facts were built from, and when.
CREATE TABLE facts.refresh_state (
    data_version VARCHAR NOT NULL, -- see childhub.facts.build.data_version
    refreshed_at TIMESTAMP NOT NULL,
    seconds      DOUBLE
);
