-- Issue 14: PostgreSQL searches a narrow table of its own (the case's id and
-- the text staff search by), kept by triggers in the transaction of each
-- change, as SQLite's full-text index is. A broad term matches thousands of
-- cases, and the trigram index's recheck then read a whole `cases` row for
-- each (about one page a match); it now reads small rows packed together.
CREATE TABLE case_search (
    id BIGINT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    body TEXT NOT NULL
);

INSERT INTO case_search (id, body)
SELECT id, lower(coalesce(subject_name, '') || ' ' || coalesce(subject_name_kana, '') || ' ' || coalesce(contact_email, '')
    || ' ' || coalesce(subject_phone, '') || ' ' || coalesce(reference, '') || ' ' || details)
FROM cases WHERE state <> 'unconfirmed';

CREATE INDEX case_search_trgm ON case_search USING gin (body gin_trgm_ops);
DROP INDEX cases_search_trgm;

-- Unconfirmed web requests stay out (migration 0008): they enter when the
-- address is confirmed.
CREATE FUNCTION case_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'unconfirmed' THEN
        DELETE FROM case_search WHERE id = NEW.id;
    ELSE
        INSERT INTO case_search (id, body)
        VALUES (NEW.id, lower(coalesce(NEW.subject_name, '') || ' ' || coalesce(NEW.subject_name_kana, '') || ' '
            || coalesce(NEW.contact_email, '') || ' ' || coalesce(NEW.subject_phone, '') || ' '
            || coalesce(NEW.reference, '') || ' ' || NEW.details))
        ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER case_search_insert AFTER INSERT ON cases
FOR EACH ROW WHEN (NEW.state <> 'unconfirmed') EXECUTE FUNCTION case_search_keep();

CREATE TRIGGER case_search_update AFTER UPDATE ON cases
FOR EACH ROW WHEN ((OLD.state = 'unconfirmed') <> (NEW.state = 'unconfirmed')
    OR (NEW.state <> 'unconfirmed' AND (OLD.subject_name IS DISTINCT FROM NEW.subject_name
        OR OLD.subject_name_kana IS DISTINCT FROM NEW.subject_name_kana
        OR OLD.contact_email IS DISTINCT FROM NEW.contact_email
        OR OLD.subject_phone IS DISTINCT FROM NEW.subject_phone
        OR OLD.reference IS DISTINCT FROM NEW.reference
        OR OLD.details IS DISTINCT FROM NEW.details)))
EXECUTE FUNCTION case_search_keep();
