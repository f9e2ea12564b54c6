//! Cases, their events (hash-chained), messages and fee entries.

use super::{Result, Store, StoreError, Tx, code, date, on, opt_date};
use crate::app::records::{CaseRecord, FeeEntry, Message, Person, QueueEntry, TimelineEvent};
use crate::domain::deadline::Profile;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::domain::{
    ActorKind, Ask, Case, FeeEntryKind, FeeLedger, IdentityChecks, PaymentMethod, Reference, RequestKind, State,
    Visibility,
};

/// A case row as stored; it never leaves this module.
#[derive(Debug, Clone, sqlx::FromRow)]
struct CaseRow {
    id: i64,
    reference: Option<String>,
    kind: String,
    filer: String,
    channel: String,
    delivery: Option<String>,
    lang: String,
    state: String,
    resume_state: Option<String>,
    outcome: Option<String>,
    reasons: String,
    asks: String,
    identity_subject: String,
    identity_agent: String,
    identity_authority: String,
    fee_requested: i64,
    fee_paid: i64,
    fee_waived: i64,
    fee_refunded: i64,
    stored_documents: i64,
    policy: String,
    submitted_on: String,
    received_on: Option<String>,
    due_on: Option<String>,
    first_due_on: Option<String>,
    closed_on: Option<String>,
    paused_on: Option<String>,
    open_due: Option<String>,
    fee_pay_by: Option<String>,
    fee_reminded: i64,
    identity_asked_on: Option<String>,
    identity_reminded: i64,
    due_soon_sent_for: Option<String>,
    overdue_sent_for: Option<String>,
    assignee_id: Option<i64>,
    subject_name: String,
    subject_name_kana: Option<String>,
    subject_birth_date: Option<String>,
    subject_postal_code: Option<String>,
    subject_address: Option<String>,
    subject_phone: Option<String>,
    contact_email: Option<String>,
    agent_name: Option<String>,
    agent_relationship: Option<String>,
    details: String,
    confirm_token_hash: Option<String>,
    status_nonce: String,
    status_token_hash: Option<String>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

fn join_codes<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

pub(super) fn split_codes<T: std::str::FromStr>(s: &str) -> Result<Vec<T>> {
    s.split(',').filter(|p| !p.is_empty()).map(code).collect()
}

fn opt_code<T: std::str::FromStr>(s: &Option<String>) -> Result<Option<T>> {
    s.as_deref().map(code).transpose()
}

impl CaseRow {
    /// The facts the rules look at.
    fn to_case(&self) -> Result<Case> {
        Ok(Case {
            id: self.id,
            kind: code(&self.kind)?,
            filer: code(&self.filer)?,
            state: code(&self.state)?,
            resume_state: self.resume_state.as_deref().map(code).transpose()?,
            outcome: self.outcome.as_deref().map(code).transpose()?,
            reasons: split_codes(&self.reasons)?,
            asks: split_codes::<Ask>(&self.asks)?.into_iter().collect(),
            identity: IdentityChecks {
                subject: code(&self.identity_subject)?,
                agent: code(&self.identity_agent)?,
                authority: code(&self.identity_authority)?,
            },
            fees: FeeLedger {
                requested: self.fee_requested,
                paid: self.fee_paid,
                waived: self.fee_waived,
                refunded: self.fee_refunded,
            },
            submitted_on: date(&self.submitted_on)?,
            received_on: opt_date(&self.received_on)?,
            due_on: opt_date(&self.due_on)?,
            first_due_on: opt_date(&self.first_due_on)?,
            closed_on: opt_date(&self.closed_on)?,
            paused_on: opt_date(&self.paused_on)?,
            fee_pay_by: opt_date(&self.fee_pay_by)?,
            fee_reminded: self.fee_reminded != 0,
            identity_asked_on: opt_date(&self.identity_asked_on)?,
            identity_reminded: self.identity_reminded != 0,
            due_soon_notified: opt_date(&self.due_soon_sent_for)?,
            overdue_notified: opt_date(&self.overdue_sent_for)?,
            assignee: self.assignee_id,
            stored_documents: u32::try_from(self.stored_documents).unwrap_or(0),
        })
    }

    /// Writes the domain facts back into the row.
    fn set_case(&mut self, case: &Case) {
        self.kind = case.kind.to_string();
        self.state = case.state.to_string();
        self.resume_state = case.resume_state.map(|s| s.to_string());
        self.outcome = case.outcome.map(|o| o.to_string());
        self.asks = join_codes(&case.asks);
        self.identity_subject = case.identity.subject.to_string();
        self.identity_agent = case.identity.agent.to_string();
        self.identity_authority = case.identity.authority.to_string();
        self.fee_requested = case.fees.requested;
        self.fee_paid = case.fees.paid;
        self.fee_waived = case.fees.waived;
        self.fee_refunded = case.fees.refunded;
        self.stored_documents = i64::from(case.stored_documents);
        self.received_on = case.received_on.map(|d| d.to_string());
        self.due_on = case.due_on.map(|d| d.to_string());
        self.first_due_on = case.first_due_on.map(|d| d.to_string());
        self.closed_on = case.closed_on.map(|d| d.to_string());
        self.paused_on = case.paused_on.map(|d| d.to_string());
        self.open_due = case.state.is_open().then(|| self.due_on.clone().unwrap_or_else(|| NO_DUE.to_owned()));
        self.fee_pay_by = case.fee_pay_by.map(|d| d.to_string());
        self.fee_reminded = i64::from(case.fee_reminded);
        self.identity_asked_on = case.identity_asked_on.map(|d| d.to_string());
        self.identity_reminded = i64::from(case.identity_reminded);
        self.due_soon_sent_for = case.due_soon_notified.map(|d| d.to_string());
        self.overdue_sent_for = case.overdue_notified.map(|d| d.to_string());
        self.assignee_id = case.assignee;
        self.reasons = join_codes(&case.reasons);
    }

    fn into_record(self) -> Result<CaseRecord> {
        let case = self.to_case()?;
        Ok(CaseRecord {
            case,
            reference: opt_code::<Reference>(&self.reference)?,
            channel: code(&self.channel)?,
            delivery: opt_code(&self.delivery)?,
            lang: code(&self.lang)?,
            profile: Profile::parse(&self.policy)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown deadline profile {:?}", self.policy)))?,
            person: Person {
                subject_name: self.subject_name,
                subject_name_kana: self.subject_name_kana,
                subject_birth_date: opt_date(&self.subject_birth_date)?,
                subject_postal_code: self.subject_postal_code,
                subject_address: self.subject_address,
                subject_phone: self.subject_phone,
                contact_email: self.contact_email,
                agent_name: self.agent_name,
                agent_relationship: self.agent_relationship,
                details: self.details,
            },
            confirm_token_hash: self.confirm_token_hash,
            status_nonce: self.status_nonce,
            status_token_hash: self.status_token_hash,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    /// The row that stores a record.
    fn of(rec: &CaseRecord) -> CaseRow {
        let p = &rec.person;
        let mut row = CaseRow {
            id: rec.case.id,
            reference: rec.reference.as_ref().map(|r| r.to_string()),
            kind: String::new(),
            filer: rec.case.filer.to_string(),
            channel: rec.channel.to_string(),
            delivery: rec.delivery.map(|d| d.to_string()),
            lang: rec.lang.to_string(),
            state: String::new(),
            resume_state: None,
            outcome: None,
            reasons: String::new(),
            asks: String::new(),
            identity_subject: String::new(),
            identity_agent: String::new(),
            identity_authority: String::new(),
            fee_requested: 0,
            fee_paid: 0,
            fee_waived: 0,
            fee_refunded: 0,
            stored_documents: 0,
            policy: crate::domain::deadline::Profile::code(rec.profile),
            submitted_on: rec.case.submitted_on.to_string(),
            received_on: None,
            due_on: None,
            first_due_on: None,
            closed_on: None,
            paused_on: None,
            open_due: None,
            fee_pay_by: None,
            fee_reminded: 0,
            identity_asked_on: None,
            identity_reminded: 0,
            due_soon_sent_for: None,
            overdue_sent_for: None,
            assignee_id: None,
            subject_name: p.subject_name.clone(),
            subject_name_kana: p.subject_name_kana.clone(),
            subject_birth_date: p.subject_birth_date.map(|d| d.to_string()),
            subject_postal_code: p.subject_postal_code.clone(),
            subject_address: p.subject_address.clone(),
            subject_phone: p.subject_phone.clone(),
            contact_email: p.contact_email.clone(),
            agent_name: p.agent_name.clone(),
            agent_relationship: p.agent_relationship.clone(),
            details: p.details.clone(),
            confirm_token_hash: rec.confirm_token_hash.clone(),
            status_nonce: rec.status_nonce.clone(),
            status_token_hash: rec.status_token_hash.clone(),
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            version: rec.version,
        };
        row.set_case(&rec.case);
        row
    }
}

fn record(row: Option<CaseRow>) -> Result<Option<CaseRecord>> {
    row.map(CaseRow::into_record).transpose()
}

const CASE_COLUMNS: &str = "id, reference, kind, filer, channel, delivery, lang, state, resume_state, outcome, \
    reasons, asks, identity_subject, identity_agent, identity_authority, fee_requested, fee_paid, fee_waived, \
    fee_refunded, stored_documents, policy, submitted_on, received_on, due_on, first_due_on, closed_on, \
    paused_on, open_due, fee_pay_by, fee_reminded, identity_asked_on, identity_reminded, due_soon_sent_for, overdue_sent_for, \
    assignee_id, subject_name, subject_name_kana, subject_birth_date, subject_postal_code, subject_address, \
    subject_phone, contact_email, agent_name, agent_relationship, details, confirm_token_hash, status_nonce, \
    status_token_hash, created_at, updated_at, version";

pub async fn insert(tx: &mut Tx, rec: &CaseRecord) -> Result<i64> {
    let row = &CaseRow::of(rec);
    let sql = "INSERT INTO cases (reference, kind, filer, channel, delivery, lang, state, resume_state, outcome, \
        reasons, asks, identity_subject, identity_agent, identity_authority, fee_requested, fee_paid, fee_waived, \
        fee_refunded, stored_documents, policy, submitted_on, received_on, due_on, first_due_on, closed_on, \
        assignee_id, subject_name, subject_name_kana, subject_birth_date, subject_postal_code, subject_address, \
        subject_phone, contact_email, agent_name, agent_relationship, details, confirm_token_hash, status_nonce, \
        status_token_hash, created_at, updated_at, paused_on, fee_pay_by, fee_reminded, due_soon_sent_for, \
        overdue_sent_for, identity_asked_on, identity_reminded, open_due, version) VALUES ($1, $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, \
        $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, 0) \
        RETURNING id";
    let r = row;
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(sql)
        .bind(&r.reference).bind(&r.kind).bind(&r.filer).bind(&r.channel).bind(&r.delivery).bind(&r.lang)
        .bind(&r.state).bind(&r.resume_state).bind(&r.outcome).bind(&r.reasons).bind(&r.asks)
        .bind(&r.identity_subject).bind(&r.identity_agent).bind(&r.identity_authority)
        .bind(r.fee_requested).bind(r.fee_paid).bind(r.fee_waived).bind(r.fee_refunded).bind(r.stored_documents)
        .bind(&r.policy).bind(&r.submitted_on).bind(&r.received_on).bind(&r.due_on).bind(&r.first_due_on)
        .bind(&r.closed_on).bind(r.assignee_id).bind(&r.subject_name).bind(&r.subject_name_kana)
        .bind(&r.subject_birth_date).bind(&r.subject_postal_code).bind(&r.subject_address).bind(&r.subject_phone)
        .bind(&r.contact_email).bind(&r.agent_name).bind(&r.agent_relationship).bind(&r.details)
        .bind(&r.confirm_token_hash).bind(&r.status_nonce).bind(&r.status_token_hash)
        .bind(r.created_at).bind(r.updated_at).bind(&r.paused_on).bind(&r.fee_pay_by).bind(r.fee_reminded)
        .bind(&r.due_soon_sent_for).bind(&r.overdue_sent_for).bind(&r.identity_asked_on).bind(r.identity_reminded)
        .bind(&r.open_due)
        .fetch_one(c).await)?;
    Ok(id)
}

/// Writes the changed facts of a case, if nobody changed it since it was read.
pub async fn update(tx: &mut Tx, rec: &CaseRecord) -> Result<()> {
    let r = &CaseRow::of(rec);
    let sql = "UPDATE cases SET reference = $1, kind = $2, state = $3, resume_state = $4, outcome = $5, \
        reasons = $6, asks = $7, identity_subject = $8, identity_agent = $9, identity_authority = $10, \
        fee_requested = $11, fee_paid = $12, fee_waived = $13, fee_refunded = $14, stored_documents = $15, \
        received_on = $16, due_on = $17, first_due_on = $18, closed_on = $19, assignee_id = $20, \
        confirm_token_hash = $21, status_token_hash = $22, updated_at = $23, paused_on = $24, \
        fee_pay_by = $25, fee_reminded = $26, due_soon_sent_for = $27, overdue_sent_for = $28, \
        identity_asked_on = $29, identity_reminded = $30, open_due = $31, version = version + 1 \
        WHERE id = $32 AND version = $33";
    let done = on!(tx, c => sqlx::query(sql)
        .bind(&r.reference).bind(&r.kind).bind(&r.state).bind(&r.resume_state).bind(&r.outcome)
        .bind(&r.reasons).bind(&r.asks).bind(&r.identity_subject).bind(&r.identity_agent)
        .bind(&r.identity_authority).bind(r.fee_requested).bind(r.fee_paid).bind(r.fee_waived)
        .bind(r.fee_refunded).bind(r.stored_documents).bind(&r.received_on).bind(&r.due_on)
        .bind(&r.first_due_on).bind(&r.closed_on).bind(r.assignee_id).bind(&r.confirm_token_hash)
        .bind(&r.status_token_hash).bind(r.updated_at).bind(&r.paused_on).bind(&r.fee_pay_by).bind(r.fee_reminded)
        .bind(&r.due_soon_sent_for).bind(&r.overdue_sent_for).bind(&r.identity_asked_on).bind(r.identity_reminded)
        .bind(&r.open_due).bind(r.id).bind(r.version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

pub async fn by_reference(tx: &mut Tx, reference: &Reference) -> Result<Option<CaseRecord>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE reference = $1");
    record(on!(tx, c => sqlx::query_as(&sql).bind(reference.as_str()).fetch_optional(c).await)?)
}

pub async fn by_confirm_hash(tx: &mut Tx, hash: &str) -> Result<Option<CaseRecord>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE confirm_token_hash = $1");
    record(on!(tx, c => sqlx::query_as(&sql).bind(hash).fetch_optional(c).await)?)
}

pub async fn read_by_reference(store: &Store, reference: &Reference) -> Result<Option<CaseRecord>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE reference = $1");
    record(on!(read store, c => sqlx::query_as(&sql).bind(reference.as_str()).fetch_optional(c).await)?)
}

pub async fn read_by_confirm_hash(store: &Store, hash: &str) -> Result<Option<CaseRecord>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE confirm_token_hash = $1");
    record(on!(read store, c => sqlx::query_as(&sql).bind(hash).fetch_optional(c).await)?)
}

/// The next reference number of `year`, counted in the same transaction.
pub async fn next_reference_number(tx: &mut Tx, year: i64) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO reference_counters (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1 RETURNING last")
        .bind(year).fetch_one(c).await)?;
    Ok(n)
}

pub async fn insert_message(
    tx: &mut Tx,
    case_id: i64,
    visibility: Visibility,
    body: &str,
    author: Option<i64>,
    at: i64,
) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO messages (case_id, visibility, body, author_id, at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(case_id).bind(visibility.code()).bind(body).bind(author).bind(at).fetch_one(c).await)?;
    Ok(id)
}

/// One event to append to a case's chain.
pub struct NewEvent {
    pub kind: &'static str,
    pub data: String,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub message_id: Option<i64>,
    pub at: i64,
}

pub fn chain_hash(prev: &str, case_id: i64, seq: i64, e: &NewEvent) -> String {
    chain_hash_of(prev, case_id, seq, e.kind, &e.data, e.actor_kind.code(), e.actor_id, e.message_id, e.at)
}

/// The hash of one link of a case's chain: every field, length-prefixed.
#[allow(clippy::too_many_arguments)]
fn chain_hash_of(
    prev: &str,
    case_id: i64,
    seq: i64,
    kind: &str,
    data: &str,
    actor_kind: &str,
    actor_id: Option<i64>,
    message_id: Option<i64>,
    at: i64,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev.as_bytes(),
        &case_id.to_be_bytes(),
        &seq.to_be_bytes(),
        kind.as_bytes(),
        data.as_bytes(),
        actor_kind.as_bytes(),
        &actor_id.unwrap_or(0).to_be_bytes(),
        &message_id.unwrap_or(0).to_be_bytes(),
        &at.to_be_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends events to the case's hash chain; returns their sequence numbers.
pub async fn append_events(tx: &mut Tx, case_id: i64, events: &[NewEvent]) -> Result<Vec<i64>> {
    let last: Option<(i64, String)> = on!(tx, c => sqlx::query_as(
        "SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1")
        .bind(case_id).fetch_optional(c).await)?;
    let (mut seq, mut prev) = last.unwrap_or((0, String::new()));
    let mut seqs = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = chain_hash(&prev, case_id, seq, e);
        on!(tx, c => sqlx::query(
            "INSERT INTO case_events (case_id, seq, kind, data, actor_kind, actor_id, message_id, at, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(case_id).bind(seq).bind(e.kind).bind(&e.data).bind(e.actor_kind.code()).bind(e.actor_id)
            .bind(e.message_id).bind(e.at).bind(&prev).bind(&hash).execute(c).await.map(|r| r.rows_affected()))?;
        seqs.push(seq);
        prev = hash;
    }
    Ok(seqs)
}

/// An event as stored, with its message and its author's name.
#[derive(Debug, Clone, sqlx::FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    data: String,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    message_id: Option<i64>,
    message_body: Option<String>,
    message_visibility: Option<String>,
    at: i64,
    prev_hash: String,
    hash: String,
}

async fn event_rows(store: &Store, case_id: i64) -> Result<Vec<EventRow>> {
    let sql = "SELECT e.seq, e.kind, e.data, e.actor_kind, e.actor_id, u.display_name AS actor_name, \
        e.message_id, m.body AS message_body, m.visibility AS message_visibility, e.at, e.prev_hash, e.hash \
        FROM case_events e LEFT JOIN staff_users u ON u.id = e.actor_id \
        LEFT JOIN messages m ON m.id = e.message_id WHERE e.case_id = $1 ORDER BY e.seq";
    Ok(on!(read store, c => sqlx::query_as(sql).bind(case_id).fetch_all(c).await)?)
}

/// Recomputes a case's hash chain: true when the audit trail was not edited.
fn chain_verifies(case_id: i64, rows: &[EventRow]) -> bool {
    let mut prev = String::new();
    for e in rows {
        let h = chain_hash_of(&prev, case_id, e.seq, &e.kind, &e.data, &e.actor_kind, e.actor_id, e.message_id, e.at);
        if e.prev_hash != prev || h != e.hash {
            return false;
        }
        prev = e.hash.clone();
    }
    true
}

/// A case's timeline, and whether its hash chain verifies.
pub async fn timeline(store: &Store, case_id: i64) -> Result<(Vec<TimelineEvent>, bool)> {
    let rows = event_rows(store, case_id).await?;
    let chain_ok = chain_verifies(case_id, &rows);
    let events = rows
        .into_iter()
        .map(|r| {
            let event = serde_json::from_str(&r.data)
                .map_err(|e| StoreError::Corrupt(format!("event {} of case {case_id}: {e}", r.seq)))?;
            let message = match (r.message_visibility, r.message_body) {
                (Some(v), Some(body)) => Some((code::<Visibility>(&v)?, body)),
                _ => None,
            };
            Ok(TimelineEvent {
                seq: r.seq,
                event,
                actor_kind: code(&r.actor_kind)?,
                actor_name: r.actor_name,
                message,
                at: r.at,
            })
        })
        .collect::<Result<_>>()?;
    Ok((events, chain_ok))
}

/// Checks every case's chain; returns the references (or ids) of broken ones.
pub async fn broken_chains(store: &Store) -> Result<Vec<String>> {
    let ids: Vec<(i64, Option<String>)> =
        on!(read store, c => sqlx::query_as("SELECT id, reference FROM cases ORDER BY id").fetch_all(c).await)?;
    let mut broken = Vec::new();
    for (id, reference) in ids {
        if !chain_verifies(id, &event_rows(store, id).await?) {
            broken.push(reference.unwrap_or_else(|| format!("#{id}")));
        }
    }
    Ok(broken)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct MessageRow {
    id: i64,
    visibility: String,
    body: String,
    at: i64,
}

/// The messages a requester may read: to them and from them.
pub async fn requester_messages(store: &Store, case_id: i64) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, visibility, body, at FROM messages WHERE case_id = $1 \
         AND visibility IN ('to_requester', 'from_requester') ORDER BY id")
        .bind(case_id).fetch_all(c).await)?;
    rows.into_iter()
        .map(|m| Ok(Message { id: m.id, visibility: code(&m.visibility)?, body: m.body, at: m.at }))
        .collect()
}

pub struct NewFeeEntry<'a> {
    pub case_id: i64,
    pub entry: FeeEntryKind,
    pub amount: i64,
    pub method: Option<PaymentMethod>,
    pub on_date: Date,
    pub payment_ref: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub at: i64,
}

pub async fn insert_fee_entry(tx: &mut Tx, e: &NewFeeEntry<'_>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO fee_entries (case_id, entry, amount, method, on_date, payment_ref, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(e.case_id).bind(e.entry.code()).bind(e.amount).bind(e.method.map(PaymentMethod::code))
        .bind(e.on_date.to_string()).bind(e.payment_ref).bind(e.actor_id).bind(e.at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct FeeEntryRow {
    id: i64,
    entry: String,
    amount: i64,
    method: Option<String>,
    on_date: String,
    payment_ref: Option<String>,
}

impl FeeEntryRow {
    fn into_entry(self) -> Result<FeeEntry> {
        Ok(FeeEntry {
            id: self.id,
            entry: code(&self.entry)?,
            amount: self.amount,
            method: opt_code(&self.method)?,
            on_date: date(&self.on_date)?,
            payment_ref: self.payment_ref,
        })
    }
}

pub async fn fee_entries(store: &Store, case_id: i64) -> Result<Vec<FeeEntry>> {
    let rows: Vec<FeeEntryRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, entry, amount, method, on_date, payment_ref FROM fee_entries WHERE case_id = $1 ORDER BY id")
        .bind(case_id).fetch_all(c).await)?;
    rows.into_iter().map(FeeEntryRow::into_entry).collect()
}

pub async fn fee_entry(store: &Store, case_id: i64, id: i64) -> Result<Option<FeeEntry>> {
    let row: Option<FeeEntryRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, entry, amount, method, on_date, payment_ref FROM fee_entries WHERE case_id = $1 AND id = $2")
        .bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(FeeEntryRow::into_entry).transpose()
}

/// Removes web submissions whose e-mail was never confirmed (72 hours).
pub async fn purge_unconfirmed(store: &Store, created_before: i64) -> Result<u64> {
    let done = on!(write store, c => sqlx::query(
        "DELETE FROM cases WHERE state = 'unconfirmed' AND created_at < $1")
        .bind(created_before).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

/// A row of the staff queue as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct QueueRow {
    id: i64,
    reference: Option<String>,
    kind: String,
    state: String,
    asks: String,
    subject_name: String,
    due_on: Option<String>,
    received_on: Option<String>,
    assignee_name: Option<String>,
}

impl QueueRow {
    fn into_entry(self) -> Result<QueueEntry> {
        Ok(QueueEntry {
            id: self.id,
            reference: opt_code(&self.reference)?,
            kind: code(&self.kind)?,
            state: code(&self.state)?,
            asks: split_codes(&self.asks)?,
            subject_name: self.subject_name,
            due_on: opt_date(&self.due_on)?,
            received_on: opt_date(&self.received_on)?,
            assignee_name: self.assignee_name,
        })
    }
}

/// The queue's filters, already parsed.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<State>,
    pub kind: Option<RequestKind>,
    pub ask: Option<Ask>,
    /// `Some(None)` means unassigned.
    pub assignee: Option<Option<i64>>,
    /// Due on or before this date (overdue: yesterday; week: today + 6).
    pub due_until: Option<Date>,
    /// Open cases only (the default view).
    pub open_only: bool,
    /// Only cases whose clock runs (a paused case is never overdue).
    pub clock_running: bool,
    pub q: Option<String>,
    /// Keyset cursor: the (due key, id) of the last row of the previous page.
    pub after: Option<(String, i64)>,
    pub limit: i64,
}

/// Cases without a due date sort last.
pub const NO_DUE: &str = "9999-12-31";

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
pub enum Bind {
    T(String),
    I(i64),
}

/// The queue's filters as SQL conditions (after `WHERE`) and their values.
fn filter_sql(f: &QueueFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from("c.state <> 'unconfirmed'");
    let mut binds = Vec::new();
    let mut p = |sql: &mut String, clause: &str, v: Bind| {
        binds.push(v);
        sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
    };
    if let Some(state) = &f.state {
        p(&mut sql, " AND c.state = $?", Bind::T(state.code().to_owned()));
    } else if f.open_only {
        sql.push_str(" AND c.open_due IS NOT NULL");
    }
    if f.clock_running {
        sql.push_str(" AND c.state IN ('received', 'in_progress')");
    }
    if let Some(kind) = &f.kind {
        p(&mut sql, " AND c.kind = $?", Bind::T(kind.code().to_owned()));
    }
    if let Some(ask) = &f.ask {
        p(&mut sql, " AND (',' || c.asks || ',') LIKE $?", Bind::T(format!("%,{ask},%")));
    }
    match f.assignee {
        Some(Some(id)) => p(&mut sql, " AND c.assignee_id = $?", Bind::I(id)),
        Some(None) => sql.push_str(" AND c.assignee_id IS NULL"),
        None => {}
    }
    if let Some(d) = &f.due_until {
        p(&mut sql, " AND c.due_on <= $?", Bind::T(d.to_string()));
    }
    if let Some(q) = &f.q {
        let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        p(&mut sql, " AND (c.reference = $? ", Bind::T(q.clone()));
        p(&mut sql, " OR LOWER(c.subject_name) LIKE $? ", Bind::T(like));
        p(&mut sql, " OR LOWER(c.contact_email) = $?)", Bind::T(q.to_lowercase()));
    }
    (sql, binds)
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::T(t) => q.bind(t.clone()),
                Bind::I(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// One page of the queue, by due date (cases without one last), keyset-paged.
pub async fn queue(store: &Store, f: &QueueFilter) -> Result<Vec<QueueEntry>> {
    let (cond, mut binds) = filter_sql(f);
    let mut sql = format!(
        "SELECT c.id, c.reference, c.kind, c.state, c.asks, c.subject_name, c.due_on, c.received_on, \
         u.display_name AS assignee_name FROM cases c \
         LEFT JOIN staff_users u ON u.id = c.assignee_id WHERE {cond}"
    );
    // Open cases sort by their own indexed key; one state by (state, due key).
    let key = if f.state.is_none() && f.open_only { "c.open_due" } else { "COALESCE(c.due_on, '9999-12-31')" };
    if let Some((due, id)) = &f.after {
        binds.push(Bind::T(due.clone()));
        binds.push(Bind::I(*id));
        // Spelled so the index seeks to the key (a row-value comparison would scan).
        let (d, i) = (binds.len() - 1, binds.len());
        sql.push_str(&format!(" AND {key} >= ${d} AND ({key} > ${d} OR c.id > ${i})"));
    }
    binds.push(Bind::I(f.limit));
    sql.push_str(&format!(" ORDER BY {key}, c.id LIMIT ${}", binds.len()));
    let rows: Vec<QueueRow> =
        on!(read store, c => bind_all!(sqlx::query_as::<_, QueueRow>(&sql), &binds).fetch_all(c).await)?;
    rows.into_iter().map(QueueRow::into_entry).collect()
}

/// A row of the case export: no names or contact data.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub reference: Option<String>,
    pub kind: String,
    pub channel: String,
    pub filer: String,
    pub state: String,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub reasons: String,
    pub fee_requested: i64,
    pub fee_paid: i64,
    pub fee_waived: i64,
    pub fee_refunded: i64,
}

/// A batch of the case export: rows, or (SQLite) lines the database joined.
pub enum ExportBatch {
    Rows(Vec<ExportRow>),
    /// Lines of `reference,kind,channel,filer,state,received_on,due_on,closed_on,
    /// outcome,reasons,fee_requested,fee_paid,fee_waived,fee_refunded`, one per case.
    Lines(String),
}

/// Streams the cases the filters select, in id order, in batches into `out`;
/// memory stays bounded whatever the count. Stops when `out` is closed.
///
/// sqlx's SQLite driver hands rows over one at a time from its worker thread,
/// which costs microseconds per row; there the database joins each batch of
/// 2,000 cases into one text (keyset by id), and Rust does the rest.
pub async fn export(store: &Store, f: &QueueFilter, out: tokio::sync::mpsc::Sender<ExportBatch>) -> Result<()> {
    use futures::TryStreamExt;
    let (cond, binds) = filter_sql(f);
    match store {
        Store::Sqlite { read, .. } => {
            let n = binds.len();
            let sql = format!(
                "SELECT MAX(id), group_concat(line, char(10)) FROM (SELECT c.id, COALESCE(c.reference, '') || ',' || c.kind \
                 || ',' || c.channel || ',' || c.filer || ',' || c.state || ',' || COALESCE(c.received_on, '') || ',' \
                 || COALESCE(c.due_on, '') || ',' || COALESCE(c.closed_on, '') || ',' || COALESCE(c.outcome, '') || ',' \
                 || replace(c.reasons, ',', ' ') || ',' || c.fee_requested || ',' || c.fee_paid || ',' || c.fee_waived \
                 || ',' || c.fee_refunded AS line FROM cases c WHERE {cond} AND c.id > ${} ORDER BY c.id LIMIT 2000)",
                n + 1
            );
            let mut after = 0i64;
            loop {
                let (last, lines): (Option<i64>, Option<String>) =
                    bind_all!(sqlx::query_as(&sql), &binds).bind(after).fetch_one(read).await?;
                let (Some(last), Some(lines)) = (last, lines) else { break };
                after = last;
                if out.send(ExportBatch::Lines(lines)).await.is_err() {
                    break;
                }
            }
        }
        Store::Postgres(pool) => {
            let sql = format!(
                "SELECT c.reference, c.kind, c.channel, c.filer, c.state, c.received_on, c.due_on, c.closed_on, c.outcome, \
                 c.reasons, c.fee_requested, c.fee_paid, c.fee_waived, c.fee_refunded FROM cases c WHERE {cond} ORDER BY c.id"
            );
            let mut rows = bind_all!(sqlx::query_as::<_, ExportRow>(&sql), &binds).fetch(pool);
            let mut batch = Vec::with_capacity(1024);
            while let Some(row) = rows.try_next().await? {
                batch.push(row);
                if batch.len() == 1024
                    && out
                        .send(ExportBatch::Rows(std::mem::replace(&mut batch, Vec::with_capacity(1024))))
                        .await
                        .is_err()
                {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = out.send(ExportBatch::Rows(batch)).await;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct QueueCounts {
    pub overdue: i64,
    pub due_week: i64,
    pub awaiting: i64,
    pub unassigned: i64,
}

pub async fn queue_counts(store: &Store, today: Date, week_end: Date) -> Result<QueueCounts> {
    let (today, week_end) = (today.to_string(), week_end.to_string());
    let sql = "SELECT \
        CAST(COALESCE(SUM(CASE WHEN state IN ('received', 'in_progress') AND open_due < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN state IN ('received', 'in_progress') AND open_due >= $2 AND open_due <= $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN state = 'awaiting_requester' THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
        FROM cases WHERE open_due IS NOT NULL";
    let (overdue, due_week, awaiting, unassigned): (i64, i64, i64, i64) =
        on!(read store, c => sqlx::query_as(sql).bind(&today).bind(&today).bind(&week_end).fetch_one(c).await)?;
    Ok(QueueCounts { overdue, due_week, awaiting, unassigned })
}

/// Cases with an open fee ask whose deadline falls on or before `until`,
/// not yet reminded.
pub async fn fee_reminders_due(store: &Store, until: Date) -> Result<Vec<Reference>> {
    let rows: Vec<(Option<String>,)> = on!(read store, c => sqlx::query_as(
        "SELECT reference FROM cases WHERE state = 'awaiting_requester' AND (',' || asks || ',') LIKE '%,fee,%' \
         AND fee_reminded = 0 AND fee_pay_by IS NOT NULL AND fee_pay_by <= $1 ORDER BY fee_pay_by, id")
        .bind(until.to_string()).fetch_all(c).await)?;
    rows.into_iter().filter_map(|(r,)| r).map(|r| code(&r)).collect()
}

/// A running case whose due-date notices may still be owed.
#[derive(Debug, Clone)]
pub struct DeadlineCandidate {
    pub reference: Reference,
    pub profile: Profile,
    pub due_on: Date,
    pub due_soon_sent_for: Option<Date>,
    pub overdue_sent_for: Option<Date>,
}

/// Running cases due on or before `until` whose notices for the present due
/// date may still be owed.
pub async fn deadline_candidates(store: &Store, until: Date) -> Result<Vec<DeadlineCandidate>> {
    type Row = (Option<String>, String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = on!(read store, c => sqlx::query_as(
        "SELECT reference, policy, due_on, due_soon_sent_for, overdue_sent_for FROM cases \
         WHERE state IN ('received', 'in_progress') AND due_on IS NOT NULL AND due_on <= $1 \
         AND (due_soon_sent_for IS NULL OR due_soon_sent_for <> due_on OR overdue_sent_for IS NULL OR overdue_sent_for <> due_on) \
         ORDER BY due_on, id")
        .bind(until.to_string()).fetch_all(c).await)?;
    rows.into_iter()
        .filter_map(|(reference, policy, due_on, soon, overdue)| Some((reference?, policy, due_on?, soon, overdue)))
        .map(|(reference, policy, due_on, soon, overdue)| {
            Ok(DeadlineCandidate {
                reference: code(&reference)?,
                profile: Profile::parse(&policy)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown deadline profile {policy:?}")))?,
                due_on: date(&due_on)?,
                due_soon_sent_for: opt_date(&soon)?,
                overdue_sent_for: opt_date(&overdue)?,
            })
        })
        .collect()
}
