-- Issue 17: mail the server refuses for good (SMTP 5xx, three times) is set
-- aside as failed, shown to admins on /admin/outbox, and either sent again or
-- marked as handled (the admin reached the person another way).
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
ALTER TABLE outbox ADD COLUMN handled_at BIGINT;
ALTER TABLE outbox ADD COLUMN handled_by BIGINT REFERENCES staff_users(id);
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL AND handled_at IS NULL;
