//! Webhooks and their deliveries (issue 16): a delivery row is written in the
//! transaction of the change it reports, then claimed by the worker with a
//! lease, like the mail outbox.

use super::{Result, Store, Tx, on};

/// A webhook as the admin page lists it, with its deliveries' counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub waiting: i64,
    pub failed: i64,
    pub delivered: i64,
}

pub async fn insert(tx: &mut Tx, url: &str, secret_sealed: &str, events: &str, by: i64, at: i64) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO webhooks (url, secret_sealed, events, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(url).bind(secret_sealed).bind(events).bind(by).bind(at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn list(store: &Store) -> Result<Vec<HookRow>> {
    let sql = "SELECT w.id, w.url, w.events, u.display_name AS created_by_name, w.created_at, w.disabled_at, \
        (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_at IS NULL AND d.failed_at IS NULL) AS waiting, \
        (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.failed_at IS NOT NULL) AS failed, \
        (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_at IS NOT NULL) AS delivered \
        FROM webhooks w JOIN staff_users u ON u.id = w.created_by ORDER BY w.disabled_at IS NOT NULL, w.id";
    Ok(on!(read store, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

const LIVE_SQL: &str = "SELECT id, events FROM webhooks WHERE disabled_at IS NULL ORDER BY id";

/// The live webhooks, read before a receipt's transaction begins: (id, events).
pub async fn live_now(store: &Store) -> Result<Vec<(i64, String)>> {
    Ok(on!(read store, c => sqlx::query_as(LIVE_SQL).fetch_all(c).await)?)
}

/// The live webhooks, read in the transaction of a change: (id, events).
pub async fn live(tx: &mut Tx) -> Result<Vec<(i64, String)>> {
    Ok(on!(tx, c => sqlx::query_as(LIVE_SQL)
        .fetch_all(c).await)?)
}

/// A staff member's name, for the author of an event.
pub async fn display_name(tx: &mut Tx, id: i64) -> Result<Option<String>> {
    let row: Option<(String,)> = on!(tx, c => sqlx::query_as("SELECT display_name FROM staff_users WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(|(n,)| n))
}

/// Stops a webhook: nothing new is queued for it, and what waits is not sent.
pub async fn disable(store: &Store, id: i64, at: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE webhooks SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub struct NewDelivery<'a> {
    pub webhook_id: i64,
    pub payload: &'a str,
    pub reference: &'a str,
    pub event_code: &'a str,
    pub at: i64,
}

pub async fn enqueue(tx: &mut Tx, d: &NewDelivery<'_>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, payload, reference, event_code, created_at, next_attempt_at, attempts) \
         VALUES ($1, $2, $3, $4, $5, $5, 0)")
        .bind(d.webhook_id).bind(d.payload).bind(d.reference).bind(d.event_code).bind(d.at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A delivery claimed for sending, with its webhook's address and secret.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret_sealed: String,
    pub payload: String,
    pub event_code: String,
    pub attempts: i64,
}

/// Claims up to `limit` due deliveries of live webhooks for `lease_us`, in
/// the order they were written, none ahead of an earlier one still waiting. On PostgreSQL several workers may run:
/// `FOR UPDATE SKIP LOCKED` keeps them apart.
pub async fn claim(store: &Store, now: i64, lease_us: i64, limit: i64) -> Result<Vec<Claimed>> {
    // A delivery waits behind an earlier one to the same webhook that waits
    // for its retry or is being sent: the receiver gets them in order.
    let pick = "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
                WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $2 \
                AND (d.lease_until IS NULL OR d.lease_until < $2) AND w.disabled_at IS NULL \
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.id < d.id \
                    AND e.delivered_at IS NULL AND e.failed_at IS NULL \
                    AND (e.next_attempt_at > $2 OR e.lease_until >= $2)) \
                ORDER BY d.id LIMIT $3";
    let sql = |lock: &str| {
        format!(
            "WITH claimed AS (UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN ({pick}{lock}) \
             RETURNING id, webhook_id, payload, event_code, attempts) \
             SELECT c.id, c.webhook_id, w.url, w.secret_sealed, c.payload, c.event_code, c.attempts \
             FROM claimed c JOIN webhooks w ON w.id = c.webhook_id ORDER BY c.id"
        )
    };
    let rows = match store {
        Store::Sqlite { write, .. } => {
            // SQLite has no UPDATE in a WITH: claim, then read what was claimed.
            let mut tx = write.begin().await?;
            let ids: Vec<(i64,)> = sqlx::query_as(&format!(
                "UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN ({pick}) RETURNING id"
            ))
            .bind(now + lease_us)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let mut rows = Vec::with_capacity(ids.len());
            for (id,) in ids {
                let row: Claimed = sqlx::query_as(
                    "SELECT d.id, d.webhook_id, w.url, w.secret_sealed, d.payload, d.event_code, d.attempts \
                     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                rows.push(row);
            }
            tx.commit().await?;
            rows.sort_by_key(|r| r.id);
            rows
        }
        Store::Postgres(pool) => {
            sqlx::query_as(&sql(" FOR UPDATE OF d SKIP LOCKED"))
                .bind(now + lease_us)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    Ok(rows)
}

/// The receiver answered 2xx.
pub async fn mark_delivered(store: &Store, id: i64, status: i64, at: i64) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE webhook_deliveries SET delivered_at = $1, attempts = attempts + 1, lease_until = NULL, \
         last_status = $2, last_error = NULL WHERE id = $3")
        .bind(at).bind(status).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The try failed: another later, or (`failed_at`) none until an admin asks.
pub async fn mark_retry(
    store: &Store,
    id: i64,
    next_attempt_at: i64,
    failed_at: Option<i64>,
    status: Option<i64>,
    error: &str,
) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = $1, \
         failed_at = $2, last_status = $3, last_error = $4 WHERE id = $5")
        .bind(next_attempt_at).bind(failed_at).bind(status).bind(error).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Holds back what else waits for a webhook whose receiver just failed, so
/// that a receiver that is down is not knocked on once per event.
pub async fn hold(store: &Store, webhook_id: i64, failed: i64, until: i64) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE webhook_id = $2 AND id <> $3 \
         AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at < $1")
        .bind(until).bind(webhook_id).bind(failed).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives back a lease without a try (its webhook failed earlier in the pass).
pub async fn release(store: &Store, id: i64) -> Result<()> {
    on!(write store, c => sqlx::query("UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// "Send again": due now, whatever happened before. False when unknown.
pub async fn resend(store: &Store, id: i64, now: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE webhook_deliveries SET delivered_at = NULL, failed_at = NULL, lease_until = NULL, \
         next_attempt_at = $1 WHERE id = $2")
        .bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A delivery as the admin page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub reference: String,
    pub event_code: String,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// The latest deliveries, failed ones first, newest first.
pub async fn recent(store: &Store, limit: i64) -> Result<Vec<DeliveryRow>> {
    let sql = "SELECT d.id, d.webhook_id, w.url, d.reference, d.event_code, d.created_at, d.next_attempt_at, \
        d.attempts, d.delivered_at, d.failed_at, d.last_status, d.last_error FROM webhook_deliveries d \
        JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.failed_at IS NULL, d.id DESC LIMIT $1";
    Ok(on!(read store, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)?)
}

/// Forgets deliveries that arrived before `before`.
pub async fn prune_delivered(store: &Store, before: i64) -> Result<u64> {
    Ok(on!(write store, c => sqlx::query(
        "DELETE FROM webhook_deliveries WHERE delivered_at IS NOT NULL AND delivered_at < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?)
}
