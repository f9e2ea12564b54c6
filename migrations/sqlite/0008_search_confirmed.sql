-- Issue 14: a request enters the search index when its address is
-- confirmed. Staff never see an unconfirmed request, and many are never
-- confirmed: indexing them cost every web submission its trigrams.
DROP TRIGGER cases_search_insert;
DROP TRIGGER cases_search_delete;
DROP TRIGGER cases_search_update;

INSERT INTO cases_search (cases_search, rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
SELECT 'delete', id, subject_name, subject_name_kana, contact_email, subject_phone, reference, details
FROM cases WHERE state = 'unconfirmed';

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases WHEN new.state <> 'unconfirmed' BEGIN
    INSERT INTO cases_search (rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES (new.id, new.subject_name, new.subject_name_kana, new.contact_email, new.subject_phone, new.reference, new.details);
END;

CREATE TRIGGER cases_search_delete AFTER DELETE ON cases WHEN old.state <> 'unconfirmed' BEGIN
    INSERT INTO cases_search (cases_search, rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES ('delete', old.id, old.subject_name, old.subject_name_kana, old.contact_email, old.subject_phone, old.reference, old.details);
END;

CREATE TRIGGER cases_search_update AFTER UPDATE ON cases
WHEN (old.state = 'unconfirmed') <> (new.state = 'unconfirmed')
  OR (new.state <> 'unconfirmed' AND (old.subject_name IS NOT new.subject_name
      OR old.subject_name_kana IS NOT new.subject_name_kana OR old.contact_email IS NOT new.contact_email
      OR old.subject_phone IS NOT new.subject_phone OR old.reference IS NOT new.reference OR old.details IS NOT new.details))
BEGIN
    INSERT INTO cases_search (cases_search, rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    SELECT 'delete', old.id, old.subject_name, old.subject_name_kana, old.contact_email, old.subject_phone, old.reference, old.details
    WHERE old.state <> 'unconfirmed';
    INSERT INTO cases_search (rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    SELECT new.id, new.subject_name, new.subject_name_kana, new.contact_email, new.subject_phone, new.reference, new.details
    WHERE new.state <> 'unconfirmed';
END;

-- A search of two characters matches the start of the name or kana (a
-- family name, 「山田」), newest first: an index on those two characters and
-- the id answers it in order, however many share them.
CREATE INDEX cases_name_start ON cases (substr(subject_name, 1, 2), id) WHERE state <> 'unconfirmed';
CREATE INDEX cases_kana_start ON cases (substr(subject_name_kana, 1, 2), id) WHERE state <> 'unconfirmed';

-- The queue sorted by the latest received: read backwards, stopping at the page.
CREATE INDEX cases_received_order ON cases (received_on, id) WHERE state <> 'unconfirmed';
