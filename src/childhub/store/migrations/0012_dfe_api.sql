-- The DfE's daily children's social care API (childhub dfe-api send): every send, each batch of it with the DfE's
-- answer, and per child the hash of the payload the DfE last accepted (what the next send compares against).
CREATE TABLE dfe_api_send (
    send_id           BIGINT NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP NOT NULL,
    sent_by           VARCHAR NOT NULL,   -- the account that ran the send
    as_at             DATE NOT NULL,      -- the day the window ran to
    la_code           VARCHAR NOT NULL,   -- the authority's three-digit LA code
    children_sent     INTEGER NOT NULL,   -- records posted (purges included)
    children_accepted INTEGER NOT NULL,   -- of those, in batches the DfE accepted
    purged            INTEGER NOT NULL,   -- purges the DfE accepted
    batches           INTEGER NOT NULL,
    batches_rejected  INTEGER NOT NULL,
    status            VARCHAR NOT NULL,   -- accepted, nothing to send, partly rejected, failed
    message           VARCHAR             -- why a send failed, in words
);

CREATE TABLE dfe_api_batch (
    send_id       BIGINT NOT NULL,
    batch_number  INTEGER NOT NULL,
    children      INTEGER NOT NULL,
    purges        INTEGER NOT NULL,
    status        VARCHAR NOT NULL,       -- accepted, rejected, failed, not sent
    http_status   INTEGER,
    attempts      INTEGER NOT NULL,
    answer        VARCHAR                 -- the DfE's answer (its body, cut to 4,000 characters)
);

CREATE TABLE dfe_api_child (
    la_child_id   VARCHAR NOT NULL PRIMARY KEY,  -- the case-management system's person ID the DfE knows the child by
    child_key     VARCHAR,                       -- childhub's linked child when it was sent
    payload_hash  VARCHAR NOT NULL,              -- SHA-256 of the child's payload the DfE last accepted
    purged        BOOLEAN NOT NULL,              -- the last accepted record was a purge
    send_id       BIGINT NOT NULL,
    accepted_at   TIMESTAMP NOT NULL
);
