-- Issue 14: a request enters the search indexes when its address is
-- confirmed. Staff never see an unconfirmed request, and many are never
-- confirmed: indexing them cost every web submission its trigrams.
DROP INDEX cases_search_trgm;
CREATE INDEX cases_search_trgm ON cases USING gin ((
    coalesce(subject_name, '') || ' ' || coalesce(subject_name_kana, '') || ' ' || coalesce(contact_email, '')
    || ' ' || coalesce(subject_phone, '') || ' ' || coalesce(reference, '') || ' ' || details
) gin_trgm_ops) WHERE state <> 'unconfirmed';

DROP INDEX cases_name;
DROP INDEX cases_name_kana;
CREATE INDEX cases_name ON cases (subject_name COLLATE "C") WHERE state <> 'unconfirmed';
CREATE INDEX cases_name_kana ON cases (subject_name_kana COLLATE "C") WHERE state <> 'unconfirmed';
