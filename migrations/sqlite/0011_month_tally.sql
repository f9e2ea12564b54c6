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

CREATE TRIGGER month_tally_insert AFTER INSERT ON cases BEGIN
    INSERT INTO month_tally (month, received) SELECT substr(new.received_on, 1, 7), 1 WHERE new.received_on IS NOT NULL
    ON CONFLICT (month) DO UPDATE SET received = received + 1;
    INSERT INTO month_tally (month, closed, withdrawn, timely)
    SELECT substr(new.closed_on, 1, 7), 1, CASE WHEN new.outcome = 'withdrawn' THEN 1 ELSE 0 END,
        CASE WHEN new.outcome <> 'withdrawn' AND new.due_on IS NOT NULL AND new.closed_on <= new.due_on THEN 1 ELSE 0 END
    WHERE new.closed_on IS NOT NULL
    ON CONFLICT (month) DO UPDATE SET closed = closed + 1, withdrawn = withdrawn + excluded.withdrawn,
        timely = timely + excluded.timely;
END;

CREATE TRIGGER month_tally_delete AFTER DELETE ON cases BEGIN
    UPDATE month_tally SET received = received - 1
    WHERE old.received_on IS NOT NULL AND month = substr(old.received_on, 1, 7);
    UPDATE month_tally SET closed = closed - 1,
        withdrawn = withdrawn - CASE WHEN old.outcome = 'withdrawn' THEN 1 ELSE 0 END,
        timely = timely - CASE WHEN old.outcome <> 'withdrawn' AND old.due_on IS NOT NULL AND old.closed_on <= old.due_on
            THEN 1 ELSE 0 END
    WHERE old.closed_on IS NOT NULL AND month = substr(old.closed_on, 1, 7);
END;

CREATE TRIGGER month_tally_update AFTER UPDATE ON cases
WHEN old.received_on IS NOT new.received_on OR old.closed_on IS NOT new.closed_on
  OR old.outcome IS NOT new.outcome OR old.due_on IS NOT new.due_on
BEGIN
    UPDATE month_tally SET received = received - 1
    WHERE old.received_on IS NOT NULL AND month = substr(old.received_on, 1, 7);
    UPDATE month_tally SET closed = closed - 1,
        withdrawn = withdrawn - CASE WHEN old.outcome = 'withdrawn' THEN 1 ELSE 0 END,
        timely = timely - CASE WHEN old.outcome <> 'withdrawn' AND old.due_on IS NOT NULL AND old.closed_on <= old.due_on
            THEN 1 ELSE 0 END
    WHERE old.closed_on IS NOT NULL AND month = substr(old.closed_on, 1, 7);
    INSERT INTO month_tally (month, received) SELECT substr(new.received_on, 1, 7), 1 WHERE new.received_on IS NOT NULL
    ON CONFLICT (month) DO UPDATE SET received = received + 1;
    INSERT INTO month_tally (month, closed, withdrawn, timely)
    SELECT substr(new.closed_on, 1, 7), 1, CASE WHEN new.outcome = 'withdrawn' THEN 1 ELSE 0 END,
        CASE WHEN new.outcome <> 'withdrawn' AND new.due_on IS NOT NULL AND new.closed_on <= new.due_on THEN 1 ELSE 0 END
    WHERE new.closed_on IS NOT NULL
    ON CONFLICT (month) DO UPDATE SET closed = closed + 1, withdrawn = withdrawn + excluded.withdrawn,
        timely = timely + excluded.timely;
END;
