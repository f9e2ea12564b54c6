-- Whether a clock runs is whether it is paused, not whether the case waits
-- for the requester (a CCPA clock never pauses): the queue's index carries it.
DROP INDEX cases_open_queue;
CREATE INDEX cases_open_queue ON cases (open_due, id, state, assignee_id, paused_on) WHERE open_due IS NOT NULL;
