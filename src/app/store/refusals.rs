//! What the abuse limits refused, counted per day and kind.

use super::{Result, Store, on};

/// Adds one refusal of `kind` on `day` (YYYY-MM-DD).
pub async fn count(store: &Store, day: &str, kind: &str) -> Result<()> {
    on!(write store, c => sqlx::query(
        "INSERT INTO refusals (day, kind, count) VALUES ($1, $2, 1) \
         ON CONFLICT (day, kind) DO UPDATE SET count = refusals.count + 1")
        .bind(day).bind(kind).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Refusals per kind on and after `since` (YYYY-MM-DD), and on `today` alone.
pub async fn totals(store: &Store, since: &str, today: &str) -> Result<Vec<(String, i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = on!(read store, c => sqlx::query_as(
        "SELECT kind, CAST(SUM(count) AS BIGINT), CAST(SUM(CASE WHEN day = $2 THEN count ELSE 0 END) AS BIGINT) \
         FROM refusals WHERE day >= $1 GROUP BY kind ORDER BY kind")
        .bind(since).bind(today).fetch_all(c).await)?;
    Ok(rows)
}

pub async fn prune(store: &Store, before: &str) -> Result<()> {
    on!(write store, c => sqlx::query("DELETE FROM refusals WHERE day < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
