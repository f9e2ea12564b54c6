//! Stored documents: encrypted contents and the record that stays after them.

use super::{Result, Store, Tx, code, on};
use crate::app::records::Document;
use crate::domain::{ActorKind, DocPurpose, DocType, IdentityTarget};

pub struct NewDocument<'a> {
    pub case_id: i64,
    pub purpose: DocPurpose,
    pub target: Option<IdentityTarget>,
    pub doc_type: Option<DocType>,
    pub mime: &'a str,
    pub size: i64,
    pub content: &'a [u8],
    pub uploaded_by: ActorKind,
    pub at: i64,
    pub label: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub actor_id: Option<i64>,
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO documents (case_id, purpose, target, doc_type, mime, size, content, uploaded_by, uploaded_at, \
         label, file_name, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
        .bind(d.case_id).bind(d.purpose.code()).bind(d.target.map(IdentityTarget::code))
        .bind(d.doc_type.map(DocType::code)).bind(d.mime).bind(d.size)
        .bind(d.content).bind(d.uploaded_by.code()).bind(d.at).bind(d.label).bind(d.file_name).bind(d.actor_id)
        .fetch_one(c).await)?;
    Ok(id)
}

/// A document's record, without its content.
#[derive(Debug, Clone, sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    case_id: i64,
    purpose: String,
    target: Option<String>,
    doc_type: Option<String>,
    mime: String,
    size: i64,
    uploaded_at: i64,
    discarded_at: Option<i64>,
    purged_at: Option<i64>,
    stored: bool,
    label: Option<String>,
    file_name: Option<String>,
    actor_id: Option<i64>,
    removed_at: Option<i64>,
}

impl DocumentRow {
    fn into_document(self) -> Result<Document> {
        Ok(Document {
            id: self.id,
            case_id: self.case_id,
            purpose: code(&self.purpose)?,
            target: self.target.as_deref().map(code).transpose()?,
            doc_type: self.doc_type.as_deref().map(code).transpose()?,
            mime: self.mime,
            size: self.size,
            uploaded_at: self.uploaded_at,
            discarded_at: self.discarded_at,
            purged_at: self.purged_at,
            stored: self.stored,
            label: self.label,
            file_name: self.file_name,
            actor_id: self.actor_id,
            removed_at: self.removed_at,
        })
    }
}

const COLUMNS: &str = "id, case_id, purpose, target, doc_type, mime, size, uploaded_at, discarded_at, purged_at, \
    (content IS NOT NULL) AS stored, label, file_name, actor_id, removed_at";

pub async fn for_case(store: &Store, case_id: i64) -> Result<Vec<Document>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 ORDER BY id");
    let rows: Vec<DocumentRow> = on!(read store, c => sqlx::query_as(&sql).bind(case_id).fetch_all(c).await)?;
    rows.into_iter().map(DocumentRow::into_document).collect()
}

pub async fn for_case_in(tx: &mut Tx, case_id: i64) -> Result<Vec<Document>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 ORDER BY id");
    let rows: Vec<DocumentRow> = on!(tx, c => sqlx::query_as(&sql).bind(case_id).fetch_all(c).await)?;
    rows.into_iter().map(DocumentRow::into_document).collect()
}

pub async fn get_in(tx: &mut Tx, case_id: i64, id: i64) -> Result<Option<Document>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 AND id = $2");
    let row: Option<DocumentRow> = on!(tx, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(DocumentRow::into_document).transpose()
}

pub async fn get(store: &Store, case_id: i64, id: i64) -> Result<Option<Document>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 AND id = $2");
    let row: Option<DocumentRow> =
        on!(read store, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(DocumentRow::into_document).transpose()
}

/// The encrypted content, if it still exists.
pub async fn content(store: &Store, case_id: i64, id: i64) -> Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> = on!(read store, c => sqlx::query_as(
        "SELECT content FROM documents WHERE case_id = $1 AND id = $2").bind(case_id).bind(id).fetch_optional(c).await)?;
    Ok(row.and_then(|(c,)| c))
}

pub async fn count_for_case(tx: &mut Tx, case_id: i64, purpose: DocPurpose) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM documents WHERE case_id = $1 AND purpose = $2")
        .bind(case_id).bind(purpose.code()).fetch_one(c).await)?;
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
pub async fn mark_verified(
    tx: &mut Tx,
    case_id: i64,
    target: IdentityTarget,
    on_date: jiff::civil::Date,
) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE documents SET verified_on = $1 WHERE case_id = $2 AND target = $3 AND verified_on IS NULL AND purpose = 'identity'")
        .bind(on_date.to_string()).bind(case_id).bind(target.code()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Identity documents whose contents are due for purging: verified, or on a
/// case closed, on or before `cutoff`. Returns (case reference, document id).
pub async fn due_for_purge(store: &Store, cutoff: jiff::civil::Date) -> Result<Vec<(crate::domain::Reference, i64)>> {
    let cutoff = cutoff.to_string();
    let rows: Vec<(Option<String>, i64)> = on!(read store, c => sqlx::query_as(
        "SELECT c.reference, d.id FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.content IS NOT NULL AND d.purpose = 'identity' \
         AND ((d.verified_on IS NOT NULL AND d.verified_on <= $1) OR (c.closed_on IS NOT NULL AND c.closed_on <= $2)) \
         ORDER BY c.id, d.id")
        .bind(&cutoff).bind(&cutoff).fetch_all(c).await)?;
    rows.into_iter().filter_map(|(r, id)| Some((r?, id))).map(|(r, id)| Ok((code(&r)?, id))).collect()
}

/// Cases whose identity ask has been open since before `asked_before` without a reminder.
pub async fn identity_reminders_due(
    store: &Store,
    asked_before: jiff::civil::Date,
) -> Result<Vec<crate::domain::Reference>> {
    // `state <> 'unconfirmed'` lets SQLite read its index of confirmed cases' states (migration 0020).
    let rows: Vec<(Option<String>,)> = on!(read store, c => sqlx::query_as(
        "SELECT reference FROM cases WHERE state = 'awaiting_requester' AND state <> 'unconfirmed' AND (',' || asks || ',') LIKE '%,identity,%' \
         AND identity_reminded = 0 AND identity_asked_on IS NOT NULL AND identity_asked_on < $1 ORDER BY id")
        .bind(asked_before.to_string()).fetch_all(c).await)?;
    rows.into_iter().filter_map(|(r,)| r).map(|r| code(&r)).collect()
}

/// A result file taken back before closing: its content is destroyed, the record stays.
pub async fn remove(tx: &mut Tx, case_id: i64, id: i64, at: i64) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE documents SET content = NULL, removed_at = $1 WHERE case_id = $2 AND id = $3 AND purpose = 'result'")
        .bind(at).bind(case_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Result files still stored on cases closed on or before `cutoff`:
/// (case reference, document id), for the retention job.
pub async fn results_due_for_purge(
    store: &Store,
    cutoff: jiff::civil::Date,
) -> Result<Vec<(crate::domain::Reference, i64)>> {
    let rows: Vec<(Option<String>, i64)> = on!(read store, c => sqlx::query_as(
        "SELECT c.reference, d.id FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.content IS NOT NULL AND d.purpose = 'result' AND c.state = 'closed' AND c.closed_on <= $1 \
         ORDER BY c.id, d.id")
        .bind(cutoff.to_string()).fetch_all(c).await)?;
    rows.into_iter().filter_map(|(r, id)| Some((r?, id))).map(|(r, id)| Ok((code(&r)?, id))).collect()
}
