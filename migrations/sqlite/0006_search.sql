-- Issue 14: search that finds people. A trigram full-text index over what
-- staff search by (Japanese matches without spaces), kept by triggers; an
-- update that leaves these columns alone leaves the index alone.
CREATE VIRTUAL TABLE cases_search USING fts5(
    subject_name, subject_name_kana, contact_email, subject_phone, reference, details,
    content = 'cases', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_search (rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES (new.id, new.subject_name, new.subject_name_kana, new.contact_email, new.subject_phone, new.reference, new.details);
END;

CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_search (cases_search, rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES ('delete', old.id, old.subject_name, old.subject_name_kana, old.contact_email, old.subject_phone, old.reference, old.details);
END;

CREATE TRIGGER cases_search_update AFTER UPDATE ON cases
WHEN old.subject_name IS NOT new.subject_name OR old.subject_name_kana IS NOT new.subject_name_kana
  OR old.contact_email IS NOT new.contact_email OR old.subject_phone IS NOT new.subject_phone
  OR old.reference IS NOT new.reference OR old.details IS NOT new.details
BEGIN
    INSERT INTO cases_search (cases_search, rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES ('delete', old.id, old.subject_name, old.subject_name_kana, old.contact_email, old.subject_phone, old.reference, old.details);
    INSERT INTO cases_search (rowid, subject_name, subject_name_kana, contact_email, subject_phone, reference, details)
    VALUES (new.id, new.subject_name, new.subject_name_kana, new.contact_email, new.subject_phone, new.reference, new.details);
END;

INSERT INTO cases_search (cases_search) VALUES ('rebuild');
