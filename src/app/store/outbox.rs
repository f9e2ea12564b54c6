//! The transactional outbox: e-mails enqueued in the transaction of the change
//! that calls for them, claimed by the sender with a lease.

use super::{Result, Store, Tx, on, value_rows};

pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub case_id: Option<i64>,
    pub template: &'a str,
    pub to_addr: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub at: i64,
}

pub async fn enqueue(tx: &mut Tx, m: &NewMail<'_>) -> Result<()> {
    enqueue_all(tx, std::slice::from_ref(m)).await
}

/// Enqueues several messages in one statement (a change that e-mails the
/// requester and staff writes them together: one round trip, not one each).
pub async fn enqueue_all(tx: &mut Tx, mails: &[NewMail<'_>]) -> Result<()> {
    if mails.is_empty() {
        return Ok(());
    }
    // Due at once; `attempts` starts at its default, 0.
    let sql = format!(
        "INSERT INTO outbox (message_id, case_id, template, to_addr, subject, body_text, body_html, created_at, \
         next_attempt_at) VALUES {}",
        value_rows(mails.len(), 9)
    );
    on!(tx, c => {
        let mut q = sqlx::query(&sql);
        for m in mails {
            q = q.bind(m.message_id).bind(m.case_id).bind(m.template).bind(m.to_addr).bind(m.subject)
                .bind(m.body_text).bind(m.body_html).bind(m.at).bind(m.at);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailRow {
    pub id: i64,
    pub message_id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub attempts: i64,
}

/// Claims up to `limit` due rows for `lease_us` microseconds. On PostgreSQL
/// several senders may run: `FOR UPDATE SKIP LOCKED` keeps them apart.
pub async fn claim(store: &Store, now: i64, lease_us: i64, limit: i64) -> Result<Vec<MailRow>> {
    let pick = "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 AND failed_at IS NULL \
                AND (lease_until IS NULL OR lease_until < $2) ORDER BY id LIMIT $3";
    let sql = |lock: &str| {
        format!(
            "UPDATE outbox SET lease_until = $1, attempts = attempts + 1 WHERE id IN ({pick}{lock}) \
             RETURNING id, message_id, to_addr, subject, body_text, body_html, attempts"
        )
    };
    let rows = match store {
        Store::Sqlite { write, .. } => {
            sqlx::query_as(&sql("")).bind(now + lease_us).bind(now).bind(limit).fetch_all(write).await?
        }
        Store::Postgres(pool) => {
            sqlx::query_as(&sql(" FOR UPDATE SKIP LOCKED"))
                .bind(now + lease_us)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    Ok(rows)
}

/// Records messages as sent, in one statement, and forgets their bodies: the
/// links they carried are secrets.
pub async fn mark_sent(store: &Store, ids: &[i64], at: i64) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "UPDATE outbox SET sent_at = $1, lease_until = NULL, body_text = NULL, body_html = NULL, last_error = NULL \
         WHERE id IN ({})",
        marks.join(", ")
    );
    on!(write store, c => {
        let mut q = sqlx::query(&sql).bind(at);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Gives back a claimed row that was not tried (the sender is stopping).
pub async fn release(store: &Store, id: i64) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE outbox SET lease_until = NULL, attempts = attempts - 1 WHERE id = $1 AND sent_at IS NULL")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Keeps a row that was not sent for another try later, or (`failed_at`)
/// sets it aside for an admin; nothing is ever dropped.
pub async fn mark_failed(
    store: &Store,
    id: i64,
    next_attempt_at: i64,
    failed_at: Option<i64>,
    error: &str,
) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE outbox SET lease_until = NULL, next_attempt_at = $1, failed_at = $2, last_error = $3 WHERE id = $4")
        .bind(next_attempt_at).bind(failed_at).bind(error).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A message set aside as failed, as `/admin/outbox` lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailedRow {
    pub id: i64,
    pub reference: Option<String>,
    pub template: String,
    pub to_addr: String,
    pub created_at: i64,
    pub failed_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The failed messages no admin has dealt with, in the order they failed.
pub async fn failures(store: &Store) -> Result<Vec<FailedRow>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT o.id, c.reference, o.template, o.to_addr, o.created_at, o.failed_at, o.attempts, o.last_error \
         FROM outbox o LEFT JOIN cases c ON c.id = o.case_id \
         WHERE o.failed_at IS NOT NULL AND o.handled_at IS NULL ORDER BY o.failed_at, o.id LIMIT 500")
        .fetch_all(c).await)?)
}

pub async fn failure_count(store: &Store) -> Result<i64> {
    // A failed row is never sent (the sender skips it; "send again" clears
    // `failed_at` first): no `sent_at` term, which SQLite would answer from
    // the pending index over every unsent mail instead of the failed one.
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL AND handled_at IS NULL")
        .fetch_one(c).await)?;
    Ok(n)
}

/// "Send again": a failed message is due now, with its tries counted afresh.
pub async fn resend(store: &Store, id: i64, now: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE outbox SET failed_at = NULL, handled_at = NULL, handled_by = NULL, attempts = 0, \
         next_attempt_at = $1, lease_until = NULL WHERE id = $2 AND failed_at IS NOT NULL AND sent_at IS NULL")
        .bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// "Handled": an admin reached the person another way; the row stays.
pub async fn mark_handled(store: &Store, id: i64, by: i64, at: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE outbox SET handled_at = $1, handled_by = $2 WHERE id = $3 AND failed_at IS NOT NULL \
         AND handled_at IS NULL AND sent_at IS NULL")
        .bind(at).bind(by).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn pending_count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .fetch_one(c).await)?;
    Ok(n)
}

/// What was sent (or is waiting) about a case, for its timeline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentRow {
    pub template: String,
    pub to_addr: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
}

pub async fn for_case(store: &Store, case_id: i64) -> Result<Vec<SentRow>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT template, to_addr, created_at, sent_at, attempts FROM outbox WHERE case_id = $1 ORDER BY id")
        .bind(case_id).fetch_all(c).await)?)
}

/// Mails of these templates to one address since `since` (the public's limit).
pub async fn recent_to(store: &Store, to: &str, templates: &[&str], since: i64) -> Result<i64> {
    let mut n = 0;
    for t in templates {
        let (k,): (i64,) = on!(read store, c => sqlx::query_as(
            "SELECT COUNT(*) FROM outbox WHERE lower(to_addr) = lower($1) AND created_at >= $2 AND template = $3")
            .bind(to).bind(since).bind(*t).fetch_one(c).await)?;
        n += k;
    }
    Ok(n)
}

/// Sent mails older than `before` whose bodies are still kept.
pub async fn count_old_bodies(store: &Store, before: i64) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND created_at < $1 AND body_text IS NOT NULL")
        .bind(before).fetch_one(c).await)?;
    Ok(n)
}

/// Forgets the bodies of sent mails older than `before` (the row stays: who,
/// when, which template), in batches so that the writer is never held long.
pub async fn purge_old_bodies(store: &Store, before: i64) -> Result<u64> {
    const BATCH: i64 = 1000;
    let mut done = 0;
    loop {
        let n = on!(write store, c => sqlx::query(
            "UPDATE outbox SET body_text = NULL, body_html = NULL WHERE id IN (SELECT id FROM outbox \
             WHERE sent_at IS NOT NULL AND created_at < $1 AND body_text IS NOT NULL ORDER BY id LIMIT $2)")
            .bind(before).bind(BATCH).execute(c).await.map(|r| r.rows_affected()))?;
        done += n;
        if n < BATCH as u64 {
            return Ok(done);
        }
        tokio::task::yield_now().await;
    }
}
