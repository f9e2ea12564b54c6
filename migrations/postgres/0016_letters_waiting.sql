-- Issue 14: the "letters to post" view. Each case counts its letters not yet
-- posted (kept in the transaction that issues or posts one), so that the
-- view walks a small partial index in the queue's order instead of testing
-- every case against the notices.
ALTER TABLE cases ADD COLUMN letters_waiting BIGINT NOT NULL DEFAULT 0;
UPDATE cases SET letters_waiting = (
    SELECT COUNT(*) FROM notices n WHERE n.case_id = cases.id AND n.by_post = 1 AND n.posted_on IS NULL
) WHERE id IN (SELECT case_id FROM notices WHERE by_post = 1 AND posted_on IS NULL);
CREATE INDEX cases_letters_waiting ON cases ((COALESCE(due_on, '9999-12-31')), id) WHERE letters_waiting > 0;
