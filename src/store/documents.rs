//! Stored documents: encrypted contents and the record that stays after them.

use super::{Result, Store, Tx, on};

pub struct NewDocument<'a> {
    pub case_id: i64,
    pub purpose: &'a str,
    pub target: Option<&'a str>,
    pub doc_type: Option<&'a str>,
    pub mime: &'a str,
    pub size: i64,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO documents (case_id, purpose, target, doc_type, mime, size, content, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(d.case_id).bind(d.purpose).bind(d.target).bind(d.doc_type).bind(d.mime).bind(d.size)
        .bind(d.content).bind(d.uploaded_by).bind(d.at).fetch_one(c).await)?;
    Ok(id)
}

/// A document's record, without its content.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub case_id: i64,
    pub purpose: String,
    pub target: Option<String>,
    pub doc_type: Option<String>,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    pub verified_on: Option<String>,
    pub discarded_at: Option<i64>,
    pub purged_at: Option<i64>,
    pub stored: bool,
}

const COLUMNS: &str = "id, case_id, purpose, target, doc_type, mime, size, uploaded_by, uploaded_at, verified_on, \
    discarded_at, purged_at, (content IS NOT NULL) AS stored";

pub async fn for_case(store: &Store, case_id: i64) -> Result<Vec<DocumentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 ORDER BY id");
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(case_id).fetch_all(c).await)?)
}

pub async fn get(store: &Store, case_id: i64, id: i64) -> Result<Option<DocumentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 AND id = $2");
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?)
}

/// The encrypted content, if it still exists.
pub async fn content(store: &Store, case_id: i64, id: i64) -> Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> = on!(read store, c => sqlx::query_as(
        "SELECT content FROM documents WHERE case_id = $1 AND id = $2").bind(case_id).bind(id).fetch_optional(c).await)?;
    Ok(row.and_then(|(c,)| c))
}

pub async fn count_for_case(tx: &mut Tx, case_id: i64, purpose: &str) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM documents WHERE case_id = $1 AND purpose = $2")
        .bind(case_id).bind(purpose).fetch_one(c).await)?;
    Ok(n)
}

/// Destroys a document's content at once; the record stays.
pub async fn discard(tx: &mut Tx, case_id: i64, id: i64, at: i64) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE documents SET content = NULL, discarded_at = $1 WHERE case_id = $2 AND id = $3")
        .bind(at).bind(case_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn purge(tx: &mut Tx, case_id: i64, id: i64, at: i64) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE documents SET content = NULL, purged_at = $1 WHERE case_id = $2 AND id = $3")
        .bind(at).bind(case_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Notes the day a target's documents served a verification (retention counts from it).
pub async fn mark_verified(tx: &mut Tx, case_id: i64, target: &str, on_date: &str) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE documents SET verified_on = $1 WHERE case_id = $2 AND target = $3 AND verified_on IS NULL AND purpose = 'identity'")
        .bind(on_date).bind(case_id).bind(target).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Identity documents whose contents are due for purging: verified, or on a
/// case closed, on or before `cutoff`. Returns (case reference, document id).
pub async fn due_for_purge(store: &Store, cutoff: &str) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(Option<String>, i64)> = on!(read store, c => sqlx::query_as(
        "SELECT c.reference, d.id FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.content IS NOT NULL AND d.purpose = 'identity' \
         AND ((d.verified_on IS NOT NULL AND d.verified_on <= $1) OR (c.closed_on IS NOT NULL AND c.closed_on <= $2)) \
         ORDER BY c.id, d.id")
        .bind(cutoff).bind(cutoff).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(|(r, id)| Some((r?, id))).collect())
}

/// Cases whose identity ask has been open since before `asked_before` without a reminder.
pub async fn identity_reminders_due(store: &Store, asked_before: &str) -> Result<Vec<String>> {
    let rows: Vec<(Option<String>,)> = on!(read store, c => sqlx::query_as(
        "SELECT reference FROM cases WHERE state = 'awaiting_requester' AND (',' || asks || ',') LIKE '%,identity,%' \
         AND identity_reminded = 0 AND identity_asked_on IS NOT NULL AND identity_asked_on < $1 ORDER BY id")
        .bind(asked_before).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(|(r,)| r).collect())
}
