-- Issue 16: webhooks. Each case event is written as a delivery row in the
-- transaction of the change (never sent for a rolled-back change), then
-- POSTed by the webhook worker, retried with back-off, kept when it fails.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- The signing secret, sealed under the data key (base64).
    secret_sealed TEXT NOT NULL,
    -- Space-separated event codes; empty: every event.
    events TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id),
    -- The JSON sent, but for its timestamp (added when it is sent).
    payload TEXT NOT NULL,
    reference TEXT NOT NULL,
    event_code TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    delivered_at BIGINT,
    failed_at BIGINT,
    -- The receiver's HTTP status on the last try, or the error.
    last_status BIGINT,
    last_error TEXT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
