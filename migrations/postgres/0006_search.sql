-- Issue 14: search that finds people. A trigram index over what staff search
-- by; `ILIKE '%…%'` on the same expression uses it (three characters or more).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX cases_search_trgm ON cases USING gin ((
    coalesce(subject_name, '') || ' ' || coalesce(subject_name_kana, '') || ' ' || coalesce(contact_email, '')
    || ' ' || coalesce(subject_phone, '') || ' ' || coalesce(reference, '') || ' ' || details
) gin_trgm_ops);
