-- Issue 19: the data inventory (保有個人データ台帳), fulfilment tasks per
-- system on each case, and the records of provision to and receipt from
-- third parties (APPI Arts. 29–30).

-- A system that holds personal data. Retired, not deleted: the tasks and
-- the history of changes keep naming it.
CREATE TABLE systems (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id BIGINT REFERENCES staff_users(id),
    categories TEXT NOT NULL DEFAULT '',
    purposes TEXT NOT NULL DEFAULT '',
    retention TEXT NOT NULL DEFAULT '',
    -- ISO 3166-1 alpha-2; other than JP: Art. 28 information.
    location TEXT NOT NULL DEFAULT 'JP',
    recipients TEXT NOT NULL DEFAULT '',
    -- Space-separated request kind codes for which it must be searched.
    kinds TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE UNIQUE INDEX systems_live_name ON systems (name) WHERE retired_at IS NULL;

-- Every change of the inventory: who, when, which fields, and the system
-- as it stood after the change (JSON).
CREATE TABLE system_changes (
    id INTEGER PRIMARY KEY,
    system_id BIGINT NOT NULL REFERENCES systems(id),
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES staff_users(id),
    what TEXT NOT NULL CHECK (what IN ('created', 'updated', 'retired', 'imported')),
    fields TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL
);
CREATE INDEX system_changes_by_system ON system_changes (system_id, at);

-- One task per system that applies to a case's kind.
CREATE TABLE case_tasks (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    system_id BIGINT NOT NULL REFERENCES systems(id),
    owner_id BIGINT REFERENCES staff_users(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'not_applicable')),
    note TEXT NOT NULL DEFAULT '',
    due_on TEXT,
    done_on TEXT,
    done_by BIGINT REFERENCES staff_users(id),
    overdue_notified BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_id, system_id)
);
CREATE INDEX case_tasks_open_owner ON case_tasks (owner_id, case_id) WHERE status = 'open';
CREATE INDEX case_tasks_open_due ON case_tasks (due_on) WHERE status = 'open';
CREATE INDEX case_tasks_system ON case_tasks (system_id, status, done_on);

-- Records of provision to (`provided`) and receipt from (`received`) third
-- parties. `subject_key` is the person's name folded for matching.
CREATE TABLE provisions (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('provided', 'received')),
    on_date TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    counterparty_address TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    subject_birth_date TEXT,
    items TEXT NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('consent', 'opt_out')),
    source_obtained TEXT NOT NULL DEFAULT '',
    record_form TEXT NOT NULL CHECK (record_form IN ('each', 'bulk', 'contract')),
    keep_until TEXT NOT NULL,
    created_by BIGINT REFERENCES staff_users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX provisions_subject ON provisions (subject_key, subject_birth_date);
CREATE INDEX provisions_keep_until ON provisions (keep_until);
CREATE INDEX provisions_on_date ON provisions (on_date, id);
