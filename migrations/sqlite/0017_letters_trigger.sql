-- Issue 16: a case's count of letters waiting (migration 0016) is kept by
-- triggers on the notices, in the statement that issues or posts a letter:
-- one statement less in every receipt by post, whose transaction holds the
-- one writer (SQLite) or the year's reference counter (PostgreSQL).
CREATE TRIGGER notices_letter_issued AFTER INSERT ON notices
WHEN new.by_post = 1 AND new.posted_on IS NULL BEGIN
    UPDATE cases SET letters_waiting = letters_waiting + 1 WHERE id = new.case_id;
END;

CREATE TRIGGER notices_letter_posted AFTER UPDATE OF posted_on ON notices
WHEN new.by_post = 1 AND old.posted_on IS NULL AND new.posted_on IS NOT NULL BEGIN
    UPDATE cases SET letters_waiting = letters_waiting - 1 WHERE id = new.case_id;
END;
