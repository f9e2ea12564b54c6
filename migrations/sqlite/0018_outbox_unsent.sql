-- The sender claims the oldest mail due, 20 at a time. Through
-- `outbox_pending (sent_at, next_attempt_at)` each claim read every message
-- waiting and sorted them by id to keep 20: with a backlog (an SMTP outage,
-- a burst of intake) the sender spent its time sorting, one backlog per
-- batch, while the messages waited. The messages not yet sent, in id order:
-- the claim walks them from the oldest and stops at its 20.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
-- It serves the count of messages waiting too; the older index served
-- nothing else (sent messages are found by scanning, hourly).
DROP INDEX outbox_pending;
