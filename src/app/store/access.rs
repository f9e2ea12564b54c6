//! Reading the access log: per case, per user, by date.

use super::{Result, Store, on, value_rows};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessRow {
    pub id: i64,
    pub at: i64,
    pub user_id: i64,
    pub user_email: String,
    pub user_name: String,
    pub reference: Option<String>,
    pub what: String,
    pub addr: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.at, a.user_id, u.email AS user_email, u.display_name AS user_name, \
    c.reference, a.what, a.addr FROM access_log a JOIN staff_users u ON u.id = a.user_id \
    LEFT JOIN cases c ON c.id = a.case_id";

/// A case's access, newest first.
pub async fn for_case(store: &Store, case_id: i64, limit: i64) -> Result<Vec<AccessRow>> {
    let sql = format!("{SELECT} WHERE a.case_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2");
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(case_id).bind(limit).fetch_all(c).await)?)
}

/// Access in [from, to) by one user or everyone, newest first, at most `limit`
/// rows before the keyset `before` (an id).
pub async fn search(
    store: &Store,
    user_id: Option<i64>,
    from: i64,
    to: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AccessRow>> {
    let sql = format!(
        "{SELECT} WHERE a.at >= $1 AND a.at < $2 AND ($3 = 0 OR a.user_id = $3) AND a.id < $4 \
         ORDER BY a.id DESC LIMIT $5"
    );
    Ok(on!(read store, c => sqlx::query_as(&sql)
        .bind(from).bind(to).bind(user_id.unwrap_or(0)).bind(before.unwrap_or(i64::MAX)).bind(limit)
        .fetch_all(c).await)?)
}

/// Forgets access older than `before`, in batches; returns how many rows went.
pub async fn prune(store: &Store, before: i64) -> Result<u64> {
    const BATCH: i64 = 1000;
    let mut done = 0;
    loop {
        let n = on!(write store, c => sqlx::query(
            "DELETE FROM access_log WHERE id IN (SELECT id FROM access_log WHERE at < $1 ORDER BY id LIMIT $2)")
            .bind(before).bind(BATCH).execute(c).await.map(|r| r.rows_affected()))?;
        done += n;
        if n < BATCH as u64 {
            return Ok(done);
        }
        tokio::task::yield_now().await;
    }
}

pub async fn count_before(store: &Store, before: i64) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as("SELECT COUNT(*) FROM access_log WHERE at < $1")
        .bind(before).fetch_one(c).await)?;
    Ok(n)
}

/// One access to record.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub user_id: i64,
    pub case_id: Option<i64>,
    pub what: String,
    pub at: i64,
    pub addr: String,
}

/// Appends `rows` in one statement of the transaction.
pub async fn append(tx: &mut super::Tx, rows: &[NewAccess]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO access_log (user_id, case_id, what, at, addr) VALUES {}", value_rows(rows.len(), 5));
    on!(tx, c => {
        let mut q = sqlx::query(&sql);
        for r in rows {
            q = q.bind(r.user_id).bind(r.case_id).bind(&r.what).bind(r.at).bind(&r.addr);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}
