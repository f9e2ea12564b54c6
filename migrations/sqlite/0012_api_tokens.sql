-- Issue 16: tokens for the JSON API. Each token acts through an account of
-- its own (a staff_users row marked api, inactive, that cannot sign in), so
-- that its changes carry its name on the timeline and its reads its name in
-- the access log, like a person's.
ALTER TABLE staff_users ADD COLUMN api BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL UNIQUE REFERENCES staff_users(id),
    name TEXT NOT NULL UNIQUE,
    -- Space-separated: cases:read cases:write reports:read.
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
