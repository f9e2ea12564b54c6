-- Issue 14, item 5: the public form's submission writes a request that is
-- not yet confirmed. No queue, report or reminder looks for it by these
-- keys: it has no due date, no date of receipt or of closing and no
-- assignee, and the queue leaves its state out. Each of these indexes held
-- an entry for it all the same, a page written again to the write-ahead
-- log by every submission (one intake's inserts: 680 → 870–900 a second
-- on the benchmark's database). Now they hold confirmed requests only.
DROP INDEX cases_state_queue;
CREATE INDEX cases_state_queue ON cases (state, (COALESCE(due_on, '9999-12-31')), id) WHERE state <> 'unconfirmed';
DROP INDEX cases_due;
CREATE INDEX cases_due ON cases (due_on, closed_on) WHERE due_on IS NOT NULL;
DROP INDEX cases_received;
CREATE INDEX cases_received ON cases (received_on, kind, channel, filer) WHERE received_on IS NOT NULL;
DROP INDEX cases_closed_on;
CREATE INDEX cases_closed_on ON cases (closed_on, kind, outcome, received_on, due_on) WHERE closed_on IS NOT NULL;
DROP INDEX cases_assignee;
CREATE INDEX cases_assignee ON cases (assignee_id, due_on) WHERE assignee_id IS NOT NULL;

-- The purge of requests never confirmed finds them by an index of their own.
CREATE INDEX cases_unconfirmed ON cases (created_at) WHERE state = 'unconfirmed';

-- Their statistics again (dropping an index drops them): without them
-- SQLite expects a handful of rows under each key.
ANALYZE cases_state_queue;
ANALYZE cases_due;
ANALYZE cases_received;
ANALYZE cases_closed_on;
ANALYZE cases_assignee;
ANALYZE cases_unconfirmed;
