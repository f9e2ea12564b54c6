//! The rows the monthly report is computed from (the arithmetic is in Rust).

use super::{Result, Store, on};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportCaseRow {
    pub id: i64,
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

/// Cases received in the month or closed in it (each once), by two indexed ranges.
pub async fn month_cases(store: &Store, first: &str, last: &str) -> Result<Vec<ReportCaseRow>> {
    let cols = "id, reference, kind, channel, filer, state, received_on, due_on, closed_on, outcome, reasons, \
        fee_requested, fee_paid, fee_waived, fee_refunded";
    let sql = format!(
        "SELECT {cols} FROM cases WHERE received_on >= $1 AND received_on <= $2 \
         UNION SELECT {cols} FROM cases WHERE closed_on >= $3 AND closed_on <= $4 ORDER BY 7, 2"
    );
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(first).bind(last).bind(first).bind(last).fetch_all(c).await)?)
}

/// Cases open at the end of a day: received by then and not closed by then.
/// Every closed case was received first, so this is a difference of two counts.
pub async fn open_at(store: &Store, last: &str) -> Result<i64> {
    let (received,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE received_on <= $1").bind(last).fetch_one(c).await)?;
    let (closed,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE closed_on <= $1").bind(last).fetch_one(c).await)?;
    Ok(received - closed)
}

/// Of those, the ones past their due date then (pauses of past months are not replayed).
pub async fn overdue_at(store: &Store, last: &str) -> Result<i64> {
    let (due,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE due_on < $1").bind(last).fetch_one(c).await)?;
    let (closed,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE due_on < $1 AND closed_on <= $2").bind(last).bind(last).fetch_one(c).await)?;
    Ok(due - closed)
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
