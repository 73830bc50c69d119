-- The hub database (hub.sqlite): accounts, sessions, API tokens, sign-in attempts and the audit log.
-- Small, frequent writes from the web app and the command line at once, so SQLite (WAL) rather than
-- the analytical store, which has one writer at a time.

-- One row per person who can sign in.
CREATE TABLE account (
    account_id    INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'manager', 'practitioner', 'scrutiny')),
    password_hash TEXT NOT NULL,              -- argon2id
    worker_id     TEXT,                       -- a practitioner's ID in the case-management system
    teams_json    TEXT NOT NULL DEFAULT '[]', -- team IDs a manager or practitioner works in
    service_areas_json TEXT NOT NULL DEFAULT '[]',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per signed-in browser session; the cookie holds the token, this holds its hash.
CREATE TABLE web_session (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account (account_id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- One row per API token (for other systems); the token is shown once, only its hash is kept.
CREATE TABLE api_token (
    token_hash  TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES account (account_id),
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- One row per sign-in attempt, for throttling.
CREATE TABLE login_attempt (
    attempted_at TEXT NOT NULL,
    username     TEXT NOT NULL COLLATE NOCASE,
    client       TEXT NOT NULL,
    succeeded    INTEGER NOT NULL
);
CREATE INDEX login_attempt_by_username ON login_attempt (username, attempted_at);
CREATE INDEX login_attempt_by_client ON login_attempt (client, attempted_at);

-- One row per view, search, export or query of children's data, by a person or a system.
-- Rows are only ever added: triggers refuse updates and deletes.
CREATE TABLE audit_log (
    event_id     INTEGER PRIMARY KEY,
    occurred_at  TEXT NOT NULL,  -- UTC, ISO 8601
    actor        TEXT NOT NULL,  -- the account, or the operating-system user at the command line
    role         TEXT,
    channel      TEXT NOT NULL,  -- cli, web, api
    action       TEXT NOT NULL,  -- view_child, view_family, view_children, search, export_annex_a, query, ...
    subject      TEXT,           -- what was seen: a child ID, an indicator, a file
    child_count  INTEGER,        -- how many children's records it showed or wrote
    details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
