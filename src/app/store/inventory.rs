//! The data inventory (systems and their history), the fulfilment tasks of
//! each case, and the records of provision and receipt (issue 19).

use super::{Result, Store, Tx, on};

/// A system as the inventory lists it, with its owner's name and address.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SystemRow {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub categories: String,
    pub purposes: String,
    pub retention: String,
    pub location: String,
    pub recipients: String,
    pub kinds: String,
    pub updated_at: i64,
    pub retired_at: Option<i64>,
    /// The last day one of its tasks was marked done.
    pub last_searched: Option<String>,
}

/// A system's fields as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SystemFields {
    pub name: String,
    pub owner_id: Option<i64>,
    pub categories: String,
    pub purposes: String,
    pub retention: String,
    pub location: String,
    pub recipients: String,
    pub kinds: String,
}

const SYSTEM_COLUMNS: &str = "s.id, s.name, s.owner_id, u.display_name AS owner_name, u.email AS owner_email, \
    s.categories, s.purposes, s.retention, s.location, s.recipients, s.kinds, s.updated_at, s.retired_at, \
    (SELECT MAX(t.done_on) FROM case_tasks t WHERE t.system_id = s.id AND t.status = 'done') AS last_searched";

/// The systems, live ones first by name, then the retired.
pub async fn systems(store: &Store) -> Result<Vec<SystemRow>> {
    let sql = format!(
        "SELECT {SYSTEM_COLUMNS} FROM systems s LEFT JOIN staff_users u ON u.id = s.owner_id \
         ORDER BY s.retired_at IS NOT NULL, s.name, s.id"
    );
    Ok(on!(read store, c => sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// What the public page shows of the live systems: (name, categories,
/// purposes, retention, location).
pub async fn public_systems(store: &Store) -> Result<Vec<(String, String, String, String, String)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT name, categories, purposes, retention, location FROM systems WHERE retired_at IS NULL ORDER BY name, id")
        .fetch_all(c).await)?)
}

fn live_systems_sql() -> String {
    format!(
        "SELECT {SYSTEM_COLUMNS} FROM systems s LEFT JOIN staff_users u ON u.id = s.owner_id \
         WHERE s.retired_at IS NULL ORDER BY s.name, s.id"
    )
}

/// The live systems, in the transaction of a change.
pub async fn live_systems_in(tx: &mut Tx) -> Result<Vec<SystemRow>> {
    Ok(on!(tx, c => sqlx::query_as(&live_systems_sql()).fetch_all(c).await)?)
}

/// The live systems, read before a receipt's transaction begins.
pub async fn live_systems(store: &Store) -> Result<Vec<SystemRow>> {
    Ok(on!(read store, c => sqlx::query_as(&live_systems_sql()).fetch_all(c).await)?)
}

fn one_system_sql() -> String {
    format!("SELECT {SYSTEM_COLUMNS} FROM systems s LEFT JOIN staff_users u ON u.id = s.owner_id WHERE s.id = $1")
}

pub async fn system_in(tx: &mut Tx, id: i64) -> Result<Option<SystemRow>> {
    Ok(on!(tx, c => sqlx::query_as(&one_system_sql()).bind(id).fetch_optional(c).await)?)
}

pub async fn system(store: &Store, id: i64) -> Result<Option<SystemRow>> {
    Ok(on!(read store, c => sqlx::query_as(&one_system_sql()).bind(id).fetch_optional(c).await)?)
}

/// The live system of this name, if any.
pub async fn live_id_by_name_in(tx: &mut Tx, name: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = on!(tx, c => sqlx::query_as(
        "SELECT id FROM systems WHERE name = $1 AND retired_at IS NULL")
        .bind(name).fetch_optional(c).await)?;
    Ok(row.map(|(id,)| id))
}

pub async fn insert_system(tx: &mut Tx, f: &SystemFields, at: i64) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO systems (name, owner_id, categories, purposes, retention, location, recipients, kinds, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
        .bind(&f.name).bind(f.owner_id).bind(&f.categories).bind(&f.purposes).bind(&f.retention)
        .bind(&f.location).bind(&f.recipients).bind(&f.kinds).bind(at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn update_system(tx: &mut Tx, id: i64, f: &SystemFields, at: i64) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE systems SET name = $1, owner_id = $2, categories = $3, purposes = $4, retention = $5, location = $6, \
         recipients = $7, kinds = $8, updated_at = $9 WHERE id = $10 AND retired_at IS NULL")
        .bind(&f.name).bind(f.owner_id).bind(&f.categories).bind(&f.purposes).bind(&f.retention)
        .bind(&f.location).bind(&f.recipients).bind(&f.kinds).bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn retire_system(tx: &mut Tx, id: i64, at: i64) -> Result<bool> {
    let n = on!(tx, c => sqlx::query("UPDATE systems SET retired_at = $1, updated_at = $1 WHERE id = $2 AND retired_at IS NULL")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub struct NewChange<'a> {
    pub system_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub what: &'a str,
    pub fields: &'a str,
    pub snapshot: &'a str,
}

pub async fn insert_change(tx: &mut Tx, ch: &NewChange<'_>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO system_changes (system_id, at, actor_id, what, fields, snapshot) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(ch.system_id).bind(ch.at).bind(ch.actor_id).bind(ch.what).bind(ch.fields).bind(ch.snapshot)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One line of the inventory's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    pub system_id: i64,
    pub system_name: String,
    pub at: i64,
    pub actor_name: Option<String>,
    pub what: String,
    pub fields: String,
}

/// The latest changes of the inventory, newest first.
pub async fn changes(store: &Store, limit: i64) -> Result<Vec<ChangeRow>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT h.system_id, s.name AS system_name, h.at, u.display_name AS actor_name, h.what, h.fields \
         FROM system_changes h JOIN systems s ON s.id = h.system_id LEFT JOIN staff_users u ON u.id = h.actor_id \
         ORDER BY h.at DESC, h.id DESC LIMIT $1")
        .bind(limit).fetch_all(c).await)?)
}

// ---- tasks ----

/// A fulfilment task with its system's and owner's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub case_id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub status: String,
    pub note: String,
    pub due_on: Option<String>,
    pub done_on: Option<String>,
    pub done_by_name: Option<String>,
}

const TASK_COLUMNS: &str = "t.id, t.case_id, t.system_id, s.name AS system_name, t.owner_id, \
    u.display_name AS owner_name, t.status, t.note, t.due_on, t.done_on, d.display_name AS done_by_name";
const TASK_FROM: &str = "case_tasks t JOIN systems s ON s.id = t.system_id \
    LEFT JOIN staff_users u ON u.id = t.owner_id LEFT JOIN staff_users d ON d.id = t.done_by";

fn case_tasks_sql() -> String {
    format!("SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.case_id = $1 ORDER BY s.name, t.id")
}

pub async fn tasks_for_case(store: &Store, case_id: i64) -> Result<Vec<TaskRow>> {
    Ok(on!(read store, c => sqlx::query_as(&case_tasks_sql()).bind(case_id).fetch_all(c).await)?)
}

pub async fn tasks_for_case_in(tx: &mut Tx, case_id: i64) -> Result<Vec<TaskRow>> {
    Ok(on!(tx, c => sqlx::query_as(&case_tasks_sql()).bind(case_id).fetch_all(c).await)?)
}

pub struct NewTask {
    pub case_id: i64,
    pub system_id: i64,
    pub owner_id: Option<i64>,
    pub due_on: Option<String>,
    pub at: i64,
}

pub async fn insert_task(tx: &mut Tx, t: &NewTask) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO case_tasks (case_id, system_id, owner_id, status, due_on, created_at, updated_at) \
         VALUES ($1, $2, $3, 'open', $4, $5, $5) RETURNING id")
        .bind(t.case_id).bind(t.system_id).bind(t.owner_id).bind(&t.due_on).bind(t.at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn delete_task(tx: &mut Tx, id: i64) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM case_tasks WHERE id = $1 AND status = 'open'")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub struct TaskChange<'a> {
    pub id: i64,
    pub status: &'a str,
    pub note: &'a str,
    pub done_on: Option<String>,
    pub done_by: Option<i64>,
    pub at: i64,
}

pub async fn set_task(tx: &mut Tx, ch: &TaskChange<'_>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE case_tasks SET status = $1, note = $2, done_on = $3, done_by = $4, updated_at = $5 WHERE id = $6")
        .bind(ch.status).bind(ch.note).bind(&ch.done_on).bind(ch.done_by).bind(ch.at).bind(ch.id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Moves the due date of a case's open tasks (its own due date moved).
pub async fn redate_open_tasks(tx: &mut Tx, case_id: i64, due_on: Option<String>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE case_tasks SET due_on = $1, overdue_notified = 0 WHERE case_id = $2 AND status = 'open' \
         AND (due_on IS NULL OR $1 IS NULL OR due_on <> $1)")
        .bind(&due_on).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Open tasks past their due date whose owner was not told yet, on cases
/// still worked: (case reference, task id).
pub async fn overdue_unnotified(store: &Store, today: &str, limit: i64) -> Result<Vec<(String, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT c.reference, t.id FROM case_tasks t JOIN cases c ON c.id = t.case_id \
         WHERE t.status = 'open' AND t.due_on < $1 AND t.overdue_notified = 0 \
         AND c.state IN ('received', 'awaiting_requester', 'in_progress') AND c.reference IS NOT NULL \
         ORDER BY t.due_on, t.id LIMIT $2")
        .bind(today).bind(limit).fetch_all(c).await)?)
}

/// Marks a task's owner as told; `false` when it was no longer open and overdue-unnotified.
pub async fn mark_overdue_notified(tx: &mut Tx, id: i64) -> Result<bool> {
    let n = on!(tx, c => sqlx::query(
        "UPDATE case_tasks SET overdue_notified = 1 WHERE id = $1 AND status = 'open' AND overdue_notified = 0")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A task of a case, read in the change's transaction: (system, owner, due_on).
pub async fn task_in(tx: &mut Tx, case_id: i64, id: i64) -> Result<Option<TaskRow>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.case_id = $1 AND t.id = $2");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?)
}

/// The names of systems, by id (for timelines and mails).
pub async fn system_names_in(tx: &mut Tx) -> Result<Vec<(i64, String)>> {
    Ok(on!(tx, c => sqlx::query_as("SELECT id, name FROM systems ORDER BY id").fetch_all(c).await)?)
}

pub async fn system_names(store: &Store) -> Result<Vec<(i64, String)>> {
    Ok(on!(read store, c => sqlx::query_as("SELECT id, name FROM systems ORDER BY id").fetch_all(c).await)?)
}

/// Per system, the tasks finished in `[from, to]` and how many of them late.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LateRow {
    pub system_name: String,
    pub finished: i64,
    pub late: i64,
    pub open_overdue: i64,
}

pub async fn lateness(store: &Store, from: &str, to: &str, today: &str) -> Result<Vec<LateRow>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT s.name AS system_name, \
         (SELECT COUNT(*) FROM case_tasks t WHERE t.system_id = s.id AND t.status <> 'open' AND t.done_on >= $1 AND t.done_on <= $2) AS finished, \
         (SELECT COUNT(*) FROM case_tasks t WHERE t.system_id = s.id AND t.status <> 'open' AND t.done_on >= $1 AND t.done_on <= $2 AND t.due_on IS NOT NULL AND t.done_on > t.due_on) AS late, \
         (SELECT COUNT(*) FROM case_tasks t JOIN cases c ON c.id = t.case_id WHERE t.system_id = s.id AND t.status = 'open' AND t.due_on < $3 AND c.state IN ('received', 'awaiting_requester', 'in_progress')) AS open_overdue \
         FROM systems s WHERE s.retired_at IS NULL OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.system_id = s.id AND t.done_on >= $1) \
         ORDER BY s.name, s.id")
        .bind(from).bind(to).bind(today).fetch_all(c).await)?)
}

// ---- provision records ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProvisionRow {
    pub id: i64,
    pub direction: String,
    pub on_date: String,
    pub counterparty: String,
    pub counterparty_address: String,
    pub subject: String,
    pub subject_birth_date: Option<String>,
    pub items: String,
    pub basis: String,
    pub source_obtained: String,
    pub record_form: String,
    pub keep_until: String,
    pub created_by_name: Option<String>,
    pub created_at: i64,
}

pub struct NewProvision<'a> {
    pub direction: &'a str,
    pub on_date: String,
    pub counterparty: &'a str,
    pub counterparty_address: &'a str,
    pub subject: &'a str,
    pub subject_key: &'a str,
    pub subject_birth_date: Option<String>,
    pub items: &'a str,
    pub basis: &'a str,
    pub source_obtained: &'a str,
    pub record_form: &'a str,
    pub keep_until: String,
    pub created_by: Option<i64>,
    pub at: i64,
}

pub async fn insert_provision(store: &Store, p: &NewProvision<'_>) -> Result<i64> {
    let (id,): (i64,) = on!(write store, c => sqlx::query_as(
        "INSERT INTO provisions (direction, on_date, counterparty, counterparty_address, subject, subject_key, \
         subject_birth_date, items, basis, source_obtained, record_form, keep_until, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id")
        .bind(p.direction).bind(&p.on_date).bind(p.counterparty).bind(p.counterparty_address).bind(p.subject)
        .bind(p.subject_key).bind(&p.subject_birth_date).bind(p.items).bind(p.basis).bind(p.source_obtained)
        .bind(p.record_form).bind(&p.keep_until).bind(p.created_by).bind(p.at).fetch_one(c).await)?;
    Ok(id)
}

const PROVISION_COLUMNS: &str = "p.id, p.direction, p.on_date, p.counterparty, p.counterparty_address, p.subject, \
    p.subject_birth_date, p.items, p.basis, p.source_obtained, p.record_form, p.keep_until, \
    u.display_name AS created_by_name, p.created_at";

/// The latest records, or those whose person's name holds `key` (folded).
pub async fn provisions(store: &Store, key: Option<&str>, limit: i64) -> Result<Vec<ProvisionRow>> {
    let filter = if key.is_some() { "WHERE p.subject_key LIKE $2" } else { "WHERE $2 = ''" };
    let sql = format!(
        "SELECT {PROVISION_COLUMNS} FROM provisions p LEFT JOIN staff_users u ON u.id = p.created_by \
         {filter} ORDER BY p.on_date DESC, p.id DESC LIMIT $1"
    );
    let needle = key.map(|k| format!("%{}%", k.replace('\\', "").replace(['%', '_'], ""))).unwrap_or_default();
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(limit).bind(needle).fetch_all(c).await)?)
}

/// The records of one person: the same folded name, and the same birth date
/// where the record has one (a record without one matches by name alone).
pub async fn provisions_of(store: &Store, key: &str, birth_date: Option<&str>) -> Result<Vec<ProvisionRow>> {
    let sql = format!(
        "SELECT {PROVISION_COLUMNS} FROM provisions p LEFT JOIN staff_users u ON u.id = p.created_by \
         WHERE p.subject_key = $1 AND (p.subject_birth_date IS NULL OR $2 = '' OR p.subject_birth_date = $2) \
         ORDER BY p.on_date DESC, p.id DESC LIMIT 200"
    );
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(key).bind(birth_date.unwrap_or("")).fetch_all(c).await)?)
}

/// Deletes the records kept past their last day; how many.
pub async fn purge_provisions(store: &Store, today: &str) -> Result<u64> {
    Ok(on!(write store, c => sqlx::query("DELETE FROM provisions WHERE keep_until < $1")
        .bind(today).execute(c).await.map(|r| r.rows_affected()))?)
}

pub async fn count_expired_provisions(store: &Store, today: &str) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as("SELECT COUNT(*) FROM provisions WHERE keep_until < $1")
        .bind(today).fetch_one(c).await)?;
    Ok(n)
}
