-- API tokens get an ID, so an admin can name one to revoke (its secret is never kept, and its hash is not shown).
-- The tokens already issued are numbered in the order they were issued; a new token takes the next number.
ALTER TABLE api_token ADD COLUMN token_id INTEGER;
UPDATE api_token SET token_id = (
    SELECT count(*) FROM api_token AS earlier
    WHERE earlier.created_at < api_token.created_at
       OR (earlier.created_at = api_token.created_at AND earlier.rowid <= api_token.rowid)
);
CREATE UNIQUE INDEX api_token_by_id ON api_token (token_id);
CREATE INDEX api_token_by_account ON api_token (account_id);
