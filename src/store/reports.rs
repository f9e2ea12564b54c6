//! The rows the monthly report is computed from (the arithmetic is in Rust).

use super::{Result, Store, on};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportCaseRow {
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

/// Cases received in the month, closed in it, or open at its end.
pub async fn month_cases(store: &Store, first: &str, last: &str) -> Result<Vec<ReportCaseRow>> {
    let sql = "SELECT reference, kind, channel, filer, state, received_on, due_on, closed_on, outcome, reasons, \
        fee_requested, fee_paid, fee_waived, fee_refunded FROM cases WHERE state <> 'unconfirmed' AND received_on IS NOT NULL AND ( \
        (received_on >= $1 AND received_on <= $2) OR (closed_on >= $3 AND closed_on <= $4) \
        OR (received_on <= $5 AND (closed_on IS NULL OR closed_on > $6))) ORDER BY received_on, reference";
    Ok(on!(read store, c => sqlx::query_as(sql)
        .bind(first).bind(last).bind(first).bind(last).bind(last).bind(last).fetch_all(c).await)?)
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
