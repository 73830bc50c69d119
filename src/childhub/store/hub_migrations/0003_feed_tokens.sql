-- Feed tokens: a source system's key to push records to one feed (POST /api/v1/feeds/{feed}/records) and to do
-- nothing else. Not an account's: a feed token opens no page and no other route. Shown once; only its SHA-256
-- is kept. Its name is who the audit log says pushed.
CREATE TABLE feed_token (
    token_id    INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    feed        TEXT NOT NULL,  -- the feed's name in feeds.yml
    name        TEXT NOT NULL,  -- what the token is for, e.g. the sending system
    created_at  TEXT NOT NULL,  -- UTC, ISO 8601
    created_by  TEXT NOT NULL,  -- the operating-system account that issued it
    revoked_at  TEXT
);
CREATE INDEX feed_token_by_feed ON feed_token (feed, token_id);
