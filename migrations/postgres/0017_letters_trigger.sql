-- Issue 16: a case's count of letters waiting (migration 0016) is kept by
-- triggers on the notices, in the statement that issues or posts a letter:
-- one statement less in every receipt by post, whose transaction holds the
-- year's reference counter until it commits.
CREATE FUNCTION notices_count_letters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE cases SET letters_waiting = letters_waiting + 1 WHERE id = NEW.case_id;
    ELSE
        UPDATE cases SET letters_waiting = letters_waiting - 1 WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER notices_letter_issued AFTER INSERT ON notices
FOR EACH ROW WHEN (NEW.by_post = 1 AND NEW.posted_on IS NULL) EXECUTE FUNCTION notices_count_letters();

CREATE TRIGGER notices_letter_posted AFTER UPDATE OF posted_on ON notices
FOR EACH ROW WHEN (NEW.by_post = 1 AND OLD.posted_on IS NULL AND NEW.posted_on IS NOT NULL)
EXECUTE FUNCTION notices_count_letters();
