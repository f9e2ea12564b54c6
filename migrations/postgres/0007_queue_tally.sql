-- Issue 14: the queue's counts at a glance, whatever the number of open
-- cases. Open cases counted by due date and by the three facts the counts
-- ask (paused, waiting for the requester, unassigned); kept by triggers in
-- the transaction of each change, so they cannot drift from the cases.
CREATE TABLE queue_tally (
    open_due TEXT NOT NULL,
    paused BOOLEAN NOT NULL,
    awaiting BOOLEAN NOT NULL,
    unassigned BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (open_due, paused, awaiting, unassigned)
);

INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n)
SELECT open_due, paused_on IS NOT NULL, state = 'awaiting_requester', assignee_id IS NULL, COUNT(*)
FROM cases WHERE open_due IS NOT NULL GROUP BY 1, 2, 3, 4;

CREATE FUNCTION queue_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.open_due IS NOT NULL THEN
        UPDATE queue_tally SET n = n - 1
        WHERE open_due = OLD.open_due AND paused = (OLD.paused_on IS NOT NULL)
          AND awaiting = (OLD.state = 'awaiting_requester') AND unassigned = (OLD.assignee_id IS NULL);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.open_due IS NOT NULL THEN
        INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n)
        VALUES (NEW.open_due, NEW.paused_on IS NOT NULL, NEW.state = 'awaiting_requester', NEW.assignee_id IS NULL, 1)
        ON CONFLICT (open_due, paused, awaiting, unassigned) DO UPDATE SET n = queue_tally.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER queue_tally_insert_delete AFTER INSERT OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION queue_tally_change();

CREATE TRIGGER queue_tally_update AFTER UPDATE OF open_due, paused_on, state, assignee_id ON cases
FOR EACH ROW WHEN (OLD.open_due IS DISTINCT FROM NEW.open_due
    OR (OLD.paused_on IS NULL) <> (NEW.paused_on IS NULL)
    OR (OLD.state = 'awaiting_requester') <> (NEW.state = 'awaiting_requester')
    OR (OLD.assignee_id IS NULL) <> (NEW.assignee_id IS NULL))
EXECUTE FUNCTION queue_tally_change();
