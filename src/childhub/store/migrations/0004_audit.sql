-- The audit log: who saw or took which child's data, when, and how. Rows are only ever added:
-- childhub has no code that updates or deletes them.

CREATE SEQUENCE audit_event_id_sequence START 1;

-- One row per view, search, export or query of children's data, by a person or a system.
CREATE TABLE audit_log (
    event_id     BIGINT PRIMARY KEY DEFAULT nextval('audit_event_id_sequence'),
    occurred_at  TIMESTAMP NOT NULL,           -- UTC
    actor        VARCHAR NOT NULL,             -- the account, or the operating-system user at the command line
    channel      VARCHAR NOT NULL,             -- cli, web, api
    action       VARCHAR NOT NULL,             -- e.g. view_children, export_annex_a, query
    subject      VARCHAR,                      -- what was seen: an indicator, a child, a file
    child_count  BIGINT,                       -- how many children's records it showed or wrote
    details_json VARCHAR                       -- the parameters (as-at date, period, file)
);
