-- Answers that reach the person: result files, notices issued once, letters
-- to post, the delivery method actually used, repeated requests.

-- The delivery the person asked for (cases.delivery is the one used).
ALTER TABLE cases ADD COLUMN delivery_requested TEXT;
UPDATE cases SET delivery_requested = delivery;
-- Result files still stored for the requester to download.
ALTER TABLE cases ADD COLUMN results BIGINT NOT NULL DEFAULT 0;
-- The earlier case of the same person and kind this one repeats, if any.
ALTER TABLE cases ADD COLUMN repeat_of TEXT;
CREATE INDEX cases_repeat ON cases (repeat_of) WHERE repeat_of IS NOT NULL;
-- Finding an earlier request of the same person: by address, or by birth date and name.
CREATE INDEX cases_contact ON cases ((LOWER(contact_email)), kind, received_on);
CREATE INDEX cases_birth ON cases (subject_birth_date, kind, received_on);

-- A result file's label and who attached it; removed_at when taken back before closing.
ALTER TABLE documents ADD COLUMN label TEXT;
ALTER TABLE documents ADD COLUMN file_name TEXT;
ALTER TABLE documents ADD COLUMN actor_id BIGINT REFERENCES staff_users(id);
ALTER TABLE documents ADD COLUMN removed_at BIGINT;

-- Notices the desk issued: the body as rendered then, never changed after.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('decision', 'extension', 'fee_request', 'identity_request', 'receipt_ack')),
    lang TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Whether it goes by post (no e-mail, or postal delivery chosen).
    by_post BIGINT NOT NULL,
    posted_on TEXT,
    tracking_number TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notices_case ON notices (case_id, id);
CREATE INDEX notices_unposted ON notices (case_id) WHERE by_post = 1 AND posted_on IS NULL;
