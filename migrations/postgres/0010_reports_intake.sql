-- Issue 15: the audit trail by time (`/staff/exports/events.csv`), read in
-- order of time and id.
CREATE INDEX case_events_at ON case_events (at, id);

-- Issue 14: looking for an earlier request of the same person concerns
-- received requests only (`reference IS NOT NULL`): an unconfirmed web
-- request no longer writes its address and birth date into these indexes.
DROP INDEX cases_contact;
DROP INDEX cases_birth;
CREATE INDEX cases_contact ON cases ((LOWER(contact_email)), kind, received_on) WHERE reference IS NOT NULL;
CREATE INDEX cases_birth ON cases (subject_birth_date, kind, received_on) WHERE reference IS NOT NULL;
