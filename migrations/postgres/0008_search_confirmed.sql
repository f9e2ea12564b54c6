-- Issue 14: a request enters the search indexes when its address is
-- confirmed. Staff never see an unconfirmed request, and many are never
-- confirmed: indexing them cost every web submission its trigrams.
DROP INDEX cases_search_trgm;
CREATE INDEX cases_search_trgm ON cases USING gin ((
    coalesce(subject_name, '') || ' ' || coalesce(subject_name_kana, '') || ' ' || coalesce(contact_email, '')
    || ' ' || coalesce(subject_phone, '') || ' ' || coalesce(reference, '') || ' ' || details
) gin_trgm_ops) WHERE state <> 'unconfirmed';

-- A search of two characters matches the start of the name or kana (a
-- family name, 「山田」), newest first: an index on those two characters and
-- the id answers it in order, however many share them.
CREATE INDEX cases_name_start ON cases (substr(subject_name, 1, 2), id) WHERE state <> 'unconfirmed';
CREATE INDEX cases_kana_start ON cases (substr(subject_name_kana, 1, 2), id) WHERE state <> 'unconfirmed';

-- The queue sorted by the latest received: read backwards, stopping at the page.
CREATE INDEX cases_received_order ON cases (received_on, id) WHERE state <> 'unconfirmed';
