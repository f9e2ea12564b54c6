-- madoguchi schema, SQLite. Timestamps: BIGINT UTC microseconds; legal dates:
-- ISO 'YYYY-MM-DD' text; money: BIGINT yen.

CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    reference TEXT UNIQUE,
    kind TEXT NOT NULL,
    filer TEXT NOT NULL,
    channel TEXT NOT NULL,
    delivery TEXT,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,
    resume_state TEXT,
    outcome TEXT,
    reasons TEXT NOT NULL DEFAULT '',
    asks TEXT NOT NULL DEFAULT '',
    identity_subject TEXT NOT NULL,
    identity_agent TEXT NOT NULL,
    identity_authority TEXT NOT NULL,
    fee_requested BIGINT NOT NULL DEFAULT 0,
    fee_paid BIGINT NOT NULL DEFAULT 0,
    fee_waived BIGINT NOT NULL DEFAULT 0,
    fee_refunded BIGINT NOT NULL DEFAULT 0,
    stored_documents BIGINT NOT NULL DEFAULT 0,
    policy TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    received_on TEXT,
    due_on TEXT,
    first_due_on TEXT,
    closed_on TEXT,
    paused_on TEXT,
    -- The queue's sort key while the case is open (its due date, or 9999-12-31), else NULL.
    open_due TEXT,
    fee_pay_by TEXT,
    fee_reminded BIGINT NOT NULL DEFAULT 0,
    identity_asked_on TEXT,
    identity_reminded BIGINT NOT NULL DEFAULT 0,
    due_soon_sent_for TEXT,
    overdue_sent_for TEXT,
    assignee_id BIGINT REFERENCES staff_users(id),
    subject_name TEXT NOT NULL,
    subject_name_kana TEXT,
    subject_birth_date TEXT,
    subject_postal_code TEXT,
    subject_address TEXT,
    subject_phone TEXT,
    contact_email TEXT,
    agent_name TEXT,
    agent_relationship TEXT,
    details TEXT NOT NULL,
    confirm_token_hash TEXT UNIQUE,
    status_nonce TEXT NOT NULL,
    status_token_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
-- The queue: open cases by due date (none last), and one state by due date.
CREATE INDEX cases_open_queue ON cases (open_due, id, state, assignee_id) WHERE open_due IS NOT NULL;
CREATE INDEX cases_state_queue ON cases (state, (COALESCE(due_on, '9999-12-31')), id);
CREATE INDEX cases_due ON cases (due_on, closed_on);
CREATE INDEX cases_received ON cases (received_on, kind, channel, filer);
CREATE INDEX cases_closed_on ON cases (closed_on, kind, outcome, received_on, due_on);
CREATE INDEX cases_assignee ON cases (assignee_id, due_on);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    visibility TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES staff_users(id),
    at BIGINT NOT NULL
);
CREATE INDEX messages_case ON messages (case_id, id);

-- Append-only and hash-chained per case: each row stores the previous row's hash.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    message_id BIGINT REFERENCES messages(id),
    at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_events_kind_at ON case_events (kind, at);

-- Identity documents and result files. The content is encrypted (AEAD) and
-- destroyed (NULL) when discarded or purged; the row stays as the record.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('identity', 'result')),
    target TEXT,
    doc_type TEXT,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BLOB,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    verified_on TEXT,
    discarded_at BIGINT,
    purged_at BIGINT
);
CREATE INDEX documents_case ON documents (case_id, id);

CREATE TABLE fee_entries (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    entry TEXT NOT NULL CHECK (entry IN ('requested', 'payment', 'waiver', 'refund')),
    amount BIGINT NOT NULL,
    method TEXT,
    on_date TEXT NOT NULL,
    payment_ref TEXT,
    actor_id BIGINT REFERENCES staff_users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX fee_entries_case ON fee_entries (case_id, id);
CREATE INDEX fee_entries_date ON fee_entries (on_date);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    template TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT,
    body_html TEXT,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);
CREATE INDEX outbox_case ON outbox (case_id);

CREATE TABLE reference_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES staff_users(id),
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    what TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    addr TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_addr ON login_failures (addr, at);
