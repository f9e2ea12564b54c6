//! Cases: the row, its mapping to a typed record, and the reads and writes
//! of the case itself. Events, the ledger and the queue have files of their
//! own and are re-exported here.

use super::{Result, Store, StoreError, Tx, code, date, join_codes, on, opt_code, opt_date, split_codes};
use crate::app::records::{CaseRecord, Person};
use crate::domain::deadline::Profile;
use crate::domain::{Ask, Case, FeeLedger, IdentityChecks, Reference};
use jiff::civil::Date;

pub use super::events::*;
pub use super::ledger::*;
pub use super::queue::*;

/// A case row as stored; it never leaves this module.
#[derive(Debug, Clone, sqlx::FromRow)]
struct CaseRow {
    id: i64,
    reference: Option<String>,
    kind: String,
    filer: String,
    channel: String,
    delivery: Option<String>,
    delivery_requested: Option<String>,
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
    results: i64,
    repeat_of: Option<String>,
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

impl CaseRow {
    /// The facts the rules look at.
    fn to_case(&self) -> Result<Case> {
        Ok(Case {
            id: self.id,
            kind: code(&self.kind)?,
            filer: code(&self.filer)?,
            delivery: opt_code(&self.delivery)?,
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
            results: u32::try_from(self.results).unwrap_or(0),
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
        self.results = i64::from(case.results);
        self.delivery = case.delivery.map(|d| d.to_string());
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
            delivery_requested: opt_code(&self.delivery_requested)?,
            repeat_of: opt_code(&self.repeat_of)?,
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
            delivery: None,
            delivery_requested: rec.delivery_requested.map(|d| d.to_string()),
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
            results: 0,
            repeat_of: rec.repeat_of.as_ref().map(|r| r.to_string()),
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

const CASE_COLUMNS: &str = "id, reference, kind, filer, channel, delivery, delivery_requested, lang, state, \
    resume_state, outcome, reasons, asks, identity_subject, identity_agent, identity_authority, fee_requested, \
    fee_paid, fee_waived, fee_refunded, stored_documents, results, repeat_of, policy, submitted_on, received_on, due_on, first_due_on, closed_on, \
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
        overdue_sent_for, identity_asked_on, identity_reminded, open_due, delivery_requested, results, repeat_of, \
        version) VALUES ($1, $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, \
        $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, \
        $50, $51, $52, 0) RETURNING id";
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
        .bind(&r.open_due).bind(&r.delivery_requested).bind(r.results).bind(&r.repeat_of)
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
        identity_asked_on = $29, identity_reminded = $30, open_due = $31, delivery = $32, results = $33, \
        repeat_of = $34, version = version + 1 WHERE id = $35 AND version = $36";
    let done = on!(tx, c => sqlx::query(sql)
        .bind(&r.reference).bind(&r.kind).bind(&r.state).bind(&r.resume_state).bind(&r.outcome)
        .bind(&r.reasons).bind(&r.asks).bind(&r.identity_subject).bind(&r.identity_agent)
        .bind(&r.identity_authority).bind(r.fee_requested).bind(r.fee_paid).bind(r.fee_waived)
        .bind(r.fee_refunded).bind(r.stored_documents).bind(&r.received_on).bind(&r.due_on)
        .bind(&r.first_due_on).bind(&r.closed_on).bind(r.assignee_id).bind(&r.confirm_token_hash)
        .bind(&r.status_token_hash).bind(r.updated_at).bind(&r.paused_on).bind(&r.fee_pay_by).bind(r.fee_reminded)
        .bind(&r.due_soon_sent_for).bind(&r.overdue_sent_for).bind(&r.identity_asked_on).bind(r.identity_reminded)
        .bind(&r.open_due).bind(&r.delivery).bind(r.results).bind(&r.repeat_of).bind(r.id).bind(r.version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

pub async fn by_reference(tx: &mut Tx, reference: &Reference) -> Result<Option<CaseRecord>> {
    select_by_reference(tx, reference, "").await
}

/// The case, its row locked until the transaction ends (PostgreSQL; SQLite's
/// one writer already runs write transactions one at a time): a person's
/// action racing another on the same case waits for it and is decided on
/// what it left, instead of failing on the version check.
pub async fn by_reference_for_update(tx: &mut Tx, reference: &Reference) -> Result<Option<CaseRecord>> {
    let lock = if matches!(tx, Tx::Postgres(_)) { " FOR UPDATE" } else { "" };
    select_by_reference(tx, reference, lock).await
}

async fn select_by_reference(tx: &mut Tx, reference: &Reference, lock: &str) -> Result<Option<CaseRecord>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE reference = $1{lock}");
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

/// Removes web submissions whose e-mail was never confirmed (72 hours), in
/// batches: one long delete would hold SQLite's one writer for seconds and
/// keep new requests waiting.
pub async fn purge_unconfirmed(store: &Store, created_before: i64) -> Result<u64> {
    const BATCH: i64 = 500;
    let mut done = 0;
    loop {
        let n = on!(write store, c => sqlx::query(
            "DELETE FROM cases WHERE id IN (SELECT id FROM cases WHERE state = 'unconfirmed' AND created_at < $1 \
             ORDER BY id LIMIT $2)")
            .bind(created_before).bind(BATCH).execute(c).await.map(|r| r.rows_affected()))?;
        done += n;
        if n < BATCH as u64 {
            return Ok(done);
        }
        tokio::task::yield_now().await;
    }
}

/// Cases with an open fee ask whose deadline falls on or before `until`,
/// not yet reminded.
/// (`state <> 'unconfirmed'` lets SQLite read its index of confirmed cases' states, migration 0020.)
pub async fn fee_reminders_due(store: &Store, until: Date) -> Result<Vec<Reference>> {
    let rows: Vec<(Option<String>,)> = on!(read store, c => sqlx::query_as(
        "SELECT reference FROM cases WHERE state = 'awaiting_requester' AND state <> 'unconfirmed' AND (',' || asks || ',') LIKE '%,fee,%' \
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
         WHERE open_due IS NOT NULL AND paused_on IS NULL AND due_on IS NOT NULL AND due_on <= $1 \
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

/// The latest earlier case of the same person and kind received in
/// [`from`, `to`]: the same e-mail address (case folded), or the same birth
/// date and name (spaces ignored). Each way is one indexed look-up.
pub async fn earlier_case(
    tx: &mut Tx,
    rec: &CaseRecord,
    kind: crate::domain::RequestKind,
    from: Date,
    to: Date,
) -> Result<Option<Reference>> {
    let (from, to) = (from.to_string(), to.to_string());
    let (exclude_id, p) = (rec.case.id, &rec.person);
    let (email, name, birth) = (p.contact_email.as_deref(), &p.subject_name, p.subject_birth_date);
    let mut found: Vec<(String, String)> = Vec::new();
    if let Some(email) = email {
        let row: Option<(String, String)> = on!(tx, c => sqlx::query_as(
            "SELECT received_on, reference FROM cases WHERE LOWER(contact_email) = $1 AND kind = $2 \
             AND received_on >= $3 AND received_on <= $4 AND id <> $5 AND reference IS NOT NULL \
             ORDER BY received_on DESC, id DESC LIMIT 1")
            .bind(email.to_lowercase()).bind(kind.code()).bind(&from).bind(&to).bind(exclude_id)
            .fetch_optional(c).await)?;
        found.extend(row);
    }
    if let Some(birth) = birth {
        let key: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        let rows: Vec<(String, String, String)> = on!(tx, c => sqlx::query_as(
            "SELECT received_on, reference, subject_name FROM cases WHERE subject_birth_date = $1 AND kind = $2 \
             AND received_on >= $3 AND received_on <= $4 AND id <> $5 AND reference IS NOT NULL")
            .bind(birth.to_string()).bind(kind.code()).bind(&from).bind(&to).bind(exclude_id)
            .fetch_all(c).await)?;
        found.extend(
            rows.into_iter()
                .filter(|(_, _, n)| n.chars().filter(|c| !c.is_whitespace()).collect::<String>() == key)
                .map(|(d, r, _)| (d, r)),
        );
    }
    found.sort();
    found.pop().map(|(_, r)| code(&r)).transpose()
}

/// The day a new status link was sent after closing, if one was.
pub async fn status_link_on(store: &Store, case_id: i64) -> Result<Option<Date>> {
    let row: Option<(Option<String>,)> = on!(read store, c => sqlx::query_as(
        "SELECT status_link_on FROM cases WHERE id = $1").bind(case_id).fetch_optional(c).await)?;
    opt_date(&row.and_then(|(d,)| d))
}

/// A new status link: the old one stops working at once.
pub async fn set_status_link(tx: &mut Tx, case_id: i64, nonce: &str, token_hash: &str, on: Option<Date>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE cases SET status_nonce = $1, status_token_hash = $2, status_link_on = $3 WHERE id = $4")
        .bind(nonce).bind(token_hash).bind(on.map(|d| d.to_string())).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes the person from a case: name, contact details, address, the
/// request's text, the texts of messages, notices and e-mails, and document
/// file names and contents. The coded record (kind, dates, outcome, reasons,
/// fees) and the event chain stay, so reports and `audit verify` do not change.
///
/// A case anonymised already is a conflict: two instances' purges, the one
/// having read the case after the other's commit, anonymise it once.
pub async fn anonymise(tx: &mut Tx, case_id: i64, at: i64) -> Result<()> {
    let first = on!(tx, c => sqlx::query(
        "UPDATE cases SET subject_name = '', subject_name_kana = NULL, subject_birth_date = NULL, \
         subject_postal_code = NULL, subject_address = NULL, subject_phone = NULL, contact_email = NULL, \
         agent_name = NULL, agent_relationship = NULL, details = '', confirm_token_hash = NULL, \
         status_token_hash = NULL, anonymised_at = $2 WHERE id = $1 AND anonymised_at IS NULL")
        .bind(case_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    if first == 0 {
        return Err(StoreError::Conflict);
    }
    let statements = [
        "UPDATE messages SET body = '' WHERE case_id = $1 AND $2 > 0",
        "UPDATE notices SET body = '' WHERE case_id = $1 AND $2 > 0",
        "UPDATE case_tasks SET note = '' WHERE case_id = $1 AND $2 > 0",
        "UPDATE outbox SET to_addr = '', subject = '', body_text = NULL, body_html = NULL WHERE case_id = $1 AND $2 > 0",
        "UPDATE documents SET content = NULL, file_name = NULL, purged_at = COALESCE(purged_at, $2) WHERE case_id = $1",
    ];
    for sql in statements {
        on!(tx, c => sqlx::query(sql).bind(case_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Closed cases past retention (closed before `closed_before`), not yet anonymised.
pub async fn due_for_anonymising(store: &Store, closed_before: Date, limit: i64) -> Result<Vec<Reference>> {
    let rows: Vec<(String,)> = on!(read store, c => sqlx::query_as(
        "SELECT reference FROM cases WHERE closed_on IS NOT NULL AND closed_on < $1 AND anonymised_at IS NULL \
         AND reference IS NOT NULL AND state = 'closed' ORDER BY closed_on, id LIMIT $2")
        .bind(closed_before.to_string()).bind(limit).fetch_all(c).await)?;
    rows.into_iter().map(|(r,)| r.parse().map_err(|_| StoreError::Corrupt(format!("reference {r}")))).collect()
}

pub async fn count_unconfirmed(store: &Store, created_before: i64) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE state = 'unconfirmed' AND created_at < $1")
        .bind(created_before).fetch_one(c).await)?;
    Ok(n)
}

/// Records what one retention purge removed.
pub async fn record_retention(store: &Store, at: i64, class: &str, count: i64) -> Result<()> {
    on!(write store, c => sqlx::query("INSERT INTO retention_runs (at, class, count) VALUES ($1, $2, $3)")
        .bind(at).bind(class).bind(count).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn count_due_for_anonymising(store: &Store, closed_before: Date) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE closed_on IS NOT NULL AND closed_on < $1 AND anonymised_at IS NULL \
         AND reference IS NOT NULL AND state = 'closed'")
        .bind(closed_before.to_string()).fetch_one(c).await)?;
    Ok(n)
}
