-- Issue 14: the queue's counts at a glance, whatever the number of open
-- cases. Open cases counted by due date and by the three facts the counts
-- ask (paused, waiting for the requester, unassigned); kept by triggers in
-- the transaction of each change, so they cannot drift from the cases.
CREATE TABLE queue_tally (
    open_due TEXT NOT NULL,
    paused INTEGER NOT NULL,
    awaiting INTEGER NOT NULL,
    unassigned INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (open_due, paused, awaiting, unassigned)
) WITHOUT ROWID;

INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n)
SELECT open_due, paused_on IS NOT NULL, state = 'awaiting_requester', assignee_id IS NULL, COUNT(*)
FROM cases WHERE open_due IS NOT NULL GROUP BY 1, 2, 3, 4;

CREATE TRIGGER queue_tally_insert AFTER INSERT ON cases WHEN new.open_due IS NOT NULL BEGIN
    INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n)
    VALUES (new.open_due, new.paused_on IS NOT NULL, new.state = 'awaiting_requester', new.assignee_id IS NULL, 1)
    ON CONFLICT (open_due, paused, awaiting, unassigned) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER queue_tally_delete AFTER DELETE ON cases WHEN old.open_due IS NOT NULL BEGIN
    UPDATE queue_tally SET n = n - 1
    WHERE open_due = old.open_due AND paused = (old.paused_on IS NOT NULL)
      AND awaiting = (old.state = 'awaiting_requester') AND unassigned = (old.assignee_id IS NULL);
END;

CREATE TRIGGER queue_tally_update AFTER UPDATE OF open_due, paused_on, state, assignee_id ON cases
WHEN old.open_due IS NOT new.open_due
  OR (old.paused_on IS NULL) <> (new.paused_on IS NULL)
  OR (old.state = 'awaiting_requester') <> (new.state = 'awaiting_requester')
  OR (old.assignee_id IS NULL) <> (new.assignee_id IS NULL)
BEGIN
    UPDATE queue_tally SET n = n - 1
    WHERE old.open_due IS NOT NULL AND open_due = old.open_due AND paused = (old.paused_on IS NOT NULL)
      AND awaiting = (old.state = 'awaiting_requester') AND unassigned = (old.assignee_id IS NULL);
    INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n)
    SELECT new.open_due, new.paused_on IS NOT NULL, new.state = 'awaiting_requester', new.assignee_id IS NULL, 1
    WHERE new.open_due IS NOT NULL
    ON CONFLICT (open_due, paused, awaiting, unassigned) DO UPDATE SET n = n + 1;
END;
