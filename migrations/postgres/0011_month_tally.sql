-- Issue 15: the report's 12-month trend at a glance. Cases counted by the
-- month they were received in, and by the month of their last closing (how
-- many, how many withdrawn, how many on time), kept by triggers in the
-- transaction of each change, as the queue's tally is (migration 0007).
CREATE TABLE month_tally (
    month TEXT PRIMARY KEY,
    received BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    timely BIGINT NOT NULL DEFAULT 0
);

INSERT INTO month_tally (month, received)
SELECT substr(received_on, 1, 7), COUNT(*) FROM cases WHERE received_on IS NOT NULL GROUP BY 1;

INSERT INTO month_tally (month, closed, withdrawn, timely)
SELECT substr(closed_on, 1, 7), COUNT(*),
    SUM(CASE WHEN outcome = 'withdrawn' THEN 1 ELSE 0 END),
    SUM(CASE WHEN outcome <> 'withdrawn' AND due_on IS NOT NULL AND closed_on <= due_on THEN 1 ELSE 0 END)
FROM cases WHERE closed_on IS NOT NULL GROUP BY 1
ON CONFLICT (month) DO UPDATE SET closed = excluded.closed, withdrawn = excluded.withdrawn, timely = excluded.timely;

CREATE FUNCTION month_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.received_on IS NOT NULL THEN
            UPDATE month_tally SET received = received - 1 WHERE month = substr(OLD.received_on, 1, 7);
        END IF;
        IF OLD.closed_on IS NOT NULL THEN
            UPDATE month_tally SET closed = closed - 1,
                withdrawn = withdrawn - CASE WHEN OLD.outcome = 'withdrawn' THEN 1 ELSE 0 END,
                timely = timely - CASE WHEN OLD.outcome <> 'withdrawn' AND OLD.due_on IS NOT NULL
                    AND OLD.closed_on <= OLD.due_on THEN 1 ELSE 0 END
            WHERE month = substr(OLD.closed_on, 1, 7);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.received_on IS NOT NULL THEN
            INSERT INTO month_tally (month, received) VALUES (substr(NEW.received_on, 1, 7), 1)
            ON CONFLICT (month) DO UPDATE SET received = month_tally.received + 1;
        END IF;
        IF NEW.closed_on IS NOT NULL THEN
            INSERT INTO month_tally (month, closed, withdrawn, timely)
            VALUES (substr(NEW.closed_on, 1, 7), 1, CASE WHEN NEW.outcome = 'withdrawn' THEN 1 ELSE 0 END,
                CASE WHEN NEW.outcome <> 'withdrawn' AND NEW.due_on IS NOT NULL AND NEW.closed_on <= NEW.due_on
                    THEN 1 ELSE 0 END)
            ON CONFLICT (month) DO UPDATE SET closed = month_tally.closed + 1,
                withdrawn = month_tally.withdrawn + EXCLUDED.withdrawn, timely = month_tally.timely + EXCLUDED.timely;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER month_tally_insert_delete AFTER INSERT OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION month_tally_change();

CREATE TRIGGER month_tally_update AFTER UPDATE ON cases
FOR EACH ROW WHEN (OLD.received_on IS DISTINCT FROM NEW.received_on OR OLD.closed_on IS DISTINCT FROM NEW.closed_on
    OR OLD.outcome IS DISTINCT FROM NEW.outcome OR OLD.due_on IS DISTINCT FROM NEW.due_on)
EXECUTE FUNCTION month_tally_change();
