//! The rows the monthly report is computed from (the arithmetic is in Rust).

use super::{Result, Store, on};

/// Closings of the month counted by kind, outcome and dates, with how many
/// were closed on or before their due date (a comparison of ISO dates); the
/// days to close are computed from the date pairs in Rust. One pass over the
/// covering index on closed_on.
pub async fn closed_groups(store: &Store, first: &str, last: &str) -> Result<Vec<ClosedGroup>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT kind, COALESCE(outcome, '') AS outcome, received_on, closed_on, COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN due_on IS NOT NULL AND closed_on <= due_on THEN 1 ELSE 0 END), 0) AS BIGINT) AS timely \
         FROM cases WHERE closed_on >= $1 AND closed_on <= $2 GROUP BY kind, outcome, received_on, closed_on")
        .bind(first).bind(last).fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClosedGroup {
    pub kind: String,
    pub outcome: String,
    pub received_on: Option<String>,
    pub closed_on: String,
    pub n: i64,
    pub timely: i64,
}

/// Refusals and partial grants of the month counted by their reason codes.
pub async fn refusal_reasons(store: &Store, first: &str, last: &str) -> Result<Vec<(String, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT reasons, COUNT(*) FROM cases WHERE closed_on >= $1 AND closed_on <= $2 \
         AND outcome IN ('refused', 'partially_granted') GROUP BY reasons")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// Arrivals of the month counted by kind, channel and filer.
pub async fn received_groups(store: &Store, first: &str, last: &str) -> Result<Vec<(String, String, String, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT kind, channel, filer, COUNT(*) FROM cases WHERE received_on >= $1 AND received_on <= $2 \
         GROUP BY kind, channel, filer")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// Cases open at the end of `last`, and those of them past their due date
/// then: the cases open now that had arrived by then, plus those closed since
/// that had arrived by then. Only recent rows are read for recent months.
/// (Pauses of past months are not replayed for the overdue count.)
/// (`state <> 'unconfirmed'` lets SQLite read its index of confirmed cases' states, migration 0020.)
pub async fn open_and_overdue_at(store: &Store, last: &str) -> Result<(i64, i64)> {
    let (open_now, overdue_now): (i64, i64) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN due_on < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM cases \
         WHERE state IN ('received', 'awaiting_requester', 'in_progress') AND received_on <= $2 AND state <> 'unconfirmed'")
        .bind(last).bind(last).fetch_one(c).await)?;
    let (closed_since, closed_since_overdue): (i64, i64) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN due_on < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM cases \
         WHERE closed_on > $2 AND COALESCE(received_on, '') <= $3")
        .bind(last).bind(last).bind(last).fetch_one(c).await)?;
    Ok((open_now + closed_since, overdue_now + closed_since_overdue))
}

/// Fee ledger sums of the month: (entry, method, yen).
pub async fn month_fees(store: &Store, first: &str, last: &str) -> Result<Vec<(String, Option<String>, i64)>> {
    let sql = "SELECT entry, method, CAST(SUM(amount) AS BIGINT) FROM fee_entries \
        WHERE on_date >= $1 AND on_date <= $2 GROUP BY entry, method ORDER BY entry, method";
    Ok(on!(read store, c => sqlx::query_as(sql).bind(first).bind(last).fetch_all(c).await)?)
}

/// How many events of `kind` happened in [from, to) (UTC microseconds).
pub async fn count_events(store: &Store, kind: &str, from: i64, to: i64) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM case_events WHERE kind = $1 AND at >= $2 AND at < $3")
        .bind(kind).bind(from).bind(to).fetch_one(c).await)?;
    Ok(n)
}

/// The month tally (migration 0011) of the months `first` to `last`
/// (`YYYY-MM`): (month, received, closed, withdrawn, closed on time).
pub async fn month_tally(store: &Store, first: &str, last: &str) -> Result<Vec<(String, i64, i64, i64, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT month, received, closed, withdrawn, timely FROM month_tally WHERE month >= $1 AND month <= $2")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// Counts the month tally afresh from the cases (only a change made to the
/// database by hand could make it drift: triggers keep it).
pub async fn rebuild_month_tally(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    on!(&mut tx, c => sqlx::query("DELETE FROM month_tally").execute(c).await.map(|r| r.rows_affected()))?;
    on!(&mut tx, c => sqlx::query(
        "INSERT INTO month_tally (month, received) SELECT substr(received_on, 1, 7), COUNT(*) FROM cases \
         WHERE received_on IS NOT NULL GROUP BY 1").execute(c).await.map(|r| r.rows_affected()))?;
    on!(&mut tx, c => sqlx::query(
        "INSERT INTO month_tally (month, closed, withdrawn, timely) \
         SELECT substr(closed_on, 1, 7), COUNT(*), SUM(CASE WHEN outcome = 'withdrawn' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN outcome <> 'withdrawn' AND due_on IS NOT NULL AND closed_on <= due_on THEN 1 ELSE 0 END) \
         FROM cases WHERE closed_on IS NOT NULL GROUP BY 1 \
         ON CONFLICT (month) DO UPDATE SET closed = excluded.closed, withdrawn = excluded.withdrawn, \
         timely = excluded.timely").execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Arrivals per month (`YYYY-MM`) between two dates, counted from the cases.
pub async fn received_by_month(store: &Store, first: &str, last: &str) -> Result<Vec<(String, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT substr(received_on, 1, 7) AS m, COUNT(*) FROM cases \
         WHERE received_on >= $1 AND received_on <= $2 GROUP BY m")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// Closings per month between two dates, counted from the cases: (month,
/// closed, withdrawn, closed on time and not withdrawn).
pub async fn closed_by_month(store: &Store, first: &str, last: &str) -> Result<Vec<(String, i64, i64, i64)>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT substr(closed_on, 1, 7) AS m, COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN outcome = 'withdrawn' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN outcome <> 'withdrawn' AND due_on IS NOT NULL AND closed_on <= due_on \
              THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM cases WHERE closed_on >= $1 AND closed_on <= $2 GROUP BY m")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// One entry of the fee ledger, for the `fees` sheet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeeLine {
    pub on_date: String,
    pub reference: Option<String>,
    pub entry: String,
    pub method: Option<String>,
    pub amount: i64,
    pub payment_ref: Option<String>,
}

/// The fee ledger's entries dated between two days, in date order.
pub async fn fee_lines(store: &Store, first: &str, last: &str) -> Result<Vec<FeeLine>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT f.on_date, c.reference, f.entry, f.method, CAST(f.amount AS BIGINT) AS amount, f.payment_ref \
         FROM fee_entries f JOIN cases c ON c.id = f.case_id \
         WHERE f.on_date >= $1 AND f.on_date <= $2 ORDER BY f.on_date, f.id")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// The names and addresses of a period's cases, for an export an admin
/// asked for explicitly: (id, name, kana, e-mail, phone, agent).
pub type Contact = (i64, String, Option<String>, Option<String>, Option<String>, Option<String>);

pub async fn contacts(store: &Store, first: &str, last: &str) -> Result<Vec<Contact>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT id, subject_name, subject_name_kana, contact_email, subject_phone, agent_name FROM cases \
         WHERE (received_on >= $1 AND received_on <= $2) OR (closed_on >= $1 AND closed_on <= $2)")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// One event of the audit trail: (event id, reference, time in UTC
/// microseconds, actor kind, the staff member's name, event code).
pub type AuditLine = (i64, String, i64, String, Option<String>, String);

/// Up to `limit` events before `to` after the event (`at`, `id`), in order
/// of time: a keyset page of the audit export, one range of the index on
/// `(at, id)` (a row-value comparison: both backends walk it from the key).
/// Events of requests never confirmed (no reference) are not part of it.
pub async fn audit_page(store: &Store, after: (i64, i64), to: i64, limit: i64) -> Result<Vec<AuditLine>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT e.id, c.reference, e.at, e.actor_kind, u.display_name, e.kind FROM case_events e \
         JOIN cases c ON c.id = e.case_id LEFT JOIN staff_users u ON u.id = e.actor_id AND e.actor_kind = 'staff' \
         WHERE (e.at, e.id) > ($1, $2) AND e.at < $3 AND c.reference IS NOT NULL \
         ORDER BY e.at, e.id LIMIT $4")
        .bind(after.0).bind(after.1).bind(to).bind(limit).fetch_all(c).await)?)
}
