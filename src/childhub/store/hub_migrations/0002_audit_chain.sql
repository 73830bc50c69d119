-- The audit log becomes tamper-evident and searchable by child.
--
-- Each row carries row_hash = SHA-256 over the previous row's hash and the row's canonical content
-- (json_array of its columns, as store/hub.py's AUDIT_CONTENT); the first row's previous hash is 64 zeros.
-- The rows already there are chained here, in event order. audit_chain_hash is a function every
-- connection of childhub's HubDatabase defines.

ALTER TABLE audit_log ADD COLUMN children_json TEXT NOT NULL DEFAULT '[]';  -- the child keys the event concerns
ALTER TABLE audit_log ADD COLUMN previous_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;

-- "Who looked at C2964?": one row per child key an event concerns (the same keys as its children_json).
CREATE TABLE audit_child (
    child_key TEXT NOT NULL,
    event_id  INTEGER NOT NULL REFERENCES audit_log (event_id),
    PRIMARY KEY (child_key, event_id)
) WITHOUT ROWID;
CREATE INDEX audit_child_by_event ON audit_child (event_id);  -- for verify's check of each event's keys

DROP TRIGGER audit_log_no_update;

-- A child's page viewed before this migration names its child (its subject), as every later one does.
UPDATE audit_log SET children_json = json_array(subject) WHERE action = 'view_child' AND subject IS NOT NULL;
INSERT INTO audit_child (child_key, event_id)
SELECT DISTINCT subject, event_id FROM audit_log WHERE action = 'view_child' AND subject IS NOT NULL;

WITH RECURSIVE chain (event_id, previous_hash, row_hash) AS (
    SELECT a.event_id, '0000000000000000000000000000000000000000000000000000000000000000',
           audit_chain_hash('0000000000000000000000000000000000000000000000000000000000000000',
                            json_array(a.event_id, a.occurred_at, a.actor, a.role, a.channel, a.action, a.subject,
                                       a.child_count, a.details_json, a.children_json))
    FROM audit_log AS a
    WHERE a.event_id = (SELECT min(event_id) FROM audit_log)
    UNION ALL
    SELECT a.event_id, chain.row_hash,
           audit_chain_hash(chain.row_hash,
                            json_array(a.event_id, a.occurred_at, a.actor, a.role, a.channel, a.action, a.subject,
                                       a.child_count, a.details_json, a.children_json))
    FROM chain
    JOIN audit_log AS a ON a.event_id = (SELECT min(event_id) FROM audit_log WHERE event_id > chain.event_id)
)
UPDATE audit_log SET previous_hash = chain.previous_hash, row_hash = chain.row_hash
FROM chain WHERE audit_log.event_id = chain.event_id;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- INSERT OR REPLACE deletes the row it replaces without firing a DELETE trigger; this refuses it (and any
-- row that is not the next event continuing the chain) before the conflict is even looked at.
CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
WHEN NEW.event_id IS NOT (SELECT coalesce(max(event_id), 0) + 1 FROM audit_log)
  OR NEW.previous_hash IS NOT coalesce((SELECT row_hash FROM audit_log ORDER BY event_id DESC LIMIT 1),
                                       '0000000000000000000000000000000000000000000000000000000000000000')
  OR NEW.row_hash IS NOT audit_chain_hash(NEW.previous_hash,
                                          json_array(NEW.event_id, NEW.occurred_at, NEW.actor, NEW.role, NEW.channel,
                                                     NEW.action, NEW.subject, NEW.child_count, NEW.details_json,
                                                     NEW.children_json))
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: a new event must be the next one and continue the hash chain'); END;

-- A child key may be added only to the newest event, and only one that event names.
CREATE TRIGGER audit_child_append_only BEFORE INSERT ON audit_child
WHEN NEW.event_id IS NOT (SELECT max(event_id) FROM audit_log)
  OR NOT EXISTS (SELECT 1 FROM json_each((SELECT children_json FROM audit_log WHERE event_id = NEW.event_id))
                 WHERE value = NEW.child_key)
  OR EXISTS (SELECT 1 FROM audit_child WHERE child_key = NEW.child_key AND event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_child_no_update BEFORE UPDATE ON audit_child
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_child_no_delete BEFORE DELETE ON audit_child
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
