//! Notices the desk issued (DESIGN.md §4 "Answers, notices and results"):
//! written once with their rendered body; only the posting is added later.

use super::{Result, Store, Tx, code, on, opt_date};
use crate::app::records::Notice;
use crate::domain::{Lang, NoticeKind};

pub struct NewNotice<'a> {
    pub case_id: i64,
    pub kind: NoticeKind,
    pub lang: Lang,
    pub issued_on: jiff::civil::Date,
    pub body: &'a str,
    pub by_post: bool,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, n: &NewNotice<'_>) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO notices (case_id, kind, lang, issued_on, body, by_post, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(n.case_id).bind(n.kind.code()).bind(n.lang.code()).bind(n.issued_on.to_string()).bind(n.body)
        .bind(i64::from(n.by_post)).bind(n.at).fetch_one(c).await)?;
    // A letter by post counts in its case's `letters_waiting` (the queue's
    // "letters to post" view): a trigger keeps it (migration 0017).
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    case_id: i64,
    kind: String,
    lang: String,
    issued_on: String,
    body: String,
    by_post: i64,
    posted_on: Option<String>,
    tracking_number: Option<String>,
}

impl NoticeRow {
    fn into_notice(self) -> Result<Notice> {
        Ok(Notice {
            id: self.id,
            case_id: self.case_id,
            kind: code(&self.kind)?,
            lang: code(&self.lang)?,
            issued_on: super::date(&self.issued_on)?,
            body: self.body,
            by_post: self.by_post != 0,
            posted_on: opt_date(&self.posted_on)?,
            tracking_number: self.tracking_number,
        })
    }
}

const COLUMNS: &str = "id, case_id, kind, lang, issued_on, body, by_post, posted_on, tracking_number";

pub async fn for_case(store: &Store, case_id: i64) -> Result<Vec<Notice>> {
    let sql = format!("SELECT {COLUMNS} FROM notices WHERE case_id = $1 ORDER BY id");
    let rows: Vec<NoticeRow> = on!(read store, c => sqlx::query_as(&sql).bind(case_id).fetch_all(c).await)?;
    rows.into_iter().map(NoticeRow::into_notice).collect()
}

pub async fn get(store: &Store, case_id: i64, id: i64) -> Result<Option<Notice>> {
    let sql = format!("SELECT {COLUMNS} FROM notices WHERE case_id = $1 AND id = $2");
    let row: Option<NoticeRow> =
        on!(read store, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(NoticeRow::into_notice).transpose()
}

pub async fn get_in(tx: &mut Tx, case_id: i64, id: i64) -> Result<Option<Notice>> {
    let sql = format!("SELECT {COLUMNS} FROM notices WHERE case_id = $1 AND id = $2");
    let row: Option<NoticeRow> = on!(tx, c => sqlx::query_as(&sql).bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(NoticeRow::into_notice).transpose()
}

/// Records that a notice went by post; a notice already posted is left as it was.
pub async fn mark_posted(
    tx: &mut Tx,
    case_id: i64,
    id: i64,
    posted_on: jiff::civil::Date,
    tracking_number: Option<&str>,
) -> Result<()> {
    // The case's count of letters waiting goes down by trigger (migration 0017).
    on!(tx, c => sqlx::query(
        "UPDATE notices SET posted_on = $1, tracking_number = $2 WHERE case_id = $3 AND id = $4 AND posted_on IS NULL \
         AND by_post = 1")
        .bind(posted_on.to_string()).bind(tracking_number).bind(case_id).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
