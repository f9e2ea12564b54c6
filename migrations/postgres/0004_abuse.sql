-- Issue 12: limits that hold under races, across instances.

-- Login attempts, counted atomically per key before any password is hashed.
-- The key is a hash of "account|address", "account" or "address".
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);

-- What the limits refused, per day (in the organisation's time zone) and kind,
-- for the administrators' overview.
CREATE TABLE refusals (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, kind)
);

-- Mails the public can trigger are counted per recipient and hour.
CREATE INDEX outbox_recipient ON outbox (lower(to_addr), created_at);

-- A status link works until `status_link_days` after the later of the
-- closing and this date (when a new link was sent after closing).
ALTER TABLE cases ADD COLUMN status_link_on TEXT;
