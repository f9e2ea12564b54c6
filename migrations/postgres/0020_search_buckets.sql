-- Issue 14: PostgreSQL's search reads a term's newest matches bucket by
-- bucket of 262,144 ids (store::queue::pg_bucket_window): the trigram index
-- is also keyed by the bucket (`id >> 18`, btree_gin), so that a term in one
-- case of two hundred visits the few hundred rows of its newest buckets,
-- not its thousands of matches. The index serves a search without a bucket
-- as well, and replaces migration 0009's.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX case_search_bucket_trgm ON case_search USING gin ((id >> 18), body gin_trgm_ops);
DROP INDEX case_search_trgm;

-- The search asks the planner how many cases a term is expected to match,
-- to choose its road. The planner counts the matches in its sample of the
-- searched text: with the default 100 values, a term in one case of fifty
-- is missed by the sample one time in eight; 1,000 values tell it apart.
ALTER TABLE case_search ALTER COLUMN body SET STATISTICS 1000;
ANALYZE case_search;
