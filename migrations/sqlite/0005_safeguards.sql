-- Issue 13: safeguards an auditor signs off.

-- TOTP: the secret is encrypted under the data key; a code (its time step)
-- is accepted once. Sessions that started before sessions_after are dead
-- ("sign out everywhere", a password change).
ALTER TABLE staff_users ADD COLUMN totp_secret BLOB;
ALTER TABLE staff_users ADD COLUMN totp_pending BLOB;
ALTER TABLE staff_users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE staff_users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff_users ADD COLUMN sessions_after BIGINT NOT NULL DEFAULT 0;

-- One-time recovery codes, stored hashed.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES staff_users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- One-time password reset links an admin sends (valid an hour, used once).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES staff_users(id),
    created_by BIGINT NOT NULL REFERENCES staff_users(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- The access log says from where, and is read per case, per user and by date.
ALTER TABLE access_log ADD COLUMN addr TEXT;
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_user ON access_log (user_id, at);
CREATE INDEX access_log_case ON access_log (case_id, at);

-- A closed case past its retention keeps its coded record, not the person.
ALTER TABLE cases ADD COLUMN anonymised_at BIGINT;
CREATE INDEX cases_to_anonymise ON cases (closed_on, id) WHERE anonymised_at IS NULL AND closed_on IS NOT NULL;

-- Each retention purge, with what it removed.
CREATE TABLE retention_runs (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    class TEXT NOT NULL,
    count BIGINT NOT NULL
);
