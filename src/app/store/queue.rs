//! The staff queue's SQL: filters, keyset pages, counts and the streamed
//! export (the SQLite speed trick of joining lines stays here).

use jiff::civil::Date;

use super::{Result, Store, code, on, opt_code, opt_date, split_codes};
use crate::app::records::QueueEntry;
use crate::domain::{Ask, RequestKind, State};

/// A row of the staff queue as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct QueueRow {
    id: i64,
    reference: Option<String>,
    kind: String,
    state: String,
    asks: String,
    subject_name: String,
    due_on: Option<String>,
    received_on: Option<String>,
    assignee_name: Option<String>,
}

impl QueueRow {
    fn into_entry(self) -> Result<QueueEntry> {
        Ok(QueueEntry {
            id: self.id,
            reference: opt_code(&self.reference)?,
            kind: code(&self.kind)?,
            state: code(&self.state)?,
            asks: split_codes(&self.asks)?,
            subject_name: self.subject_name,
            due_on: opt_date(&self.due_on)?,
            received_on: opt_date(&self.received_on)?,
            assignee_name: self.assignee_name,
        })
    }
}

/// The queue's filters, already parsed.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<State>,
    pub kind: Option<RequestKind>,
    pub ask: Option<Ask>,
    /// `Some(None)` means unassigned.
    pub assignee: Option<Option<i64>>,
    /// Due on or before this date (overdue: yesterday; week: today + 6).
    pub due_until: Option<Date>,
    /// Open cases only (the default view).
    pub open_only: bool,
    /// Only cases whose clock runs (a paused case is never overdue).
    pub clock_running: bool,
    pub q: Option<String>,
    /// Keyset cursor: the (due key, id) of the last row of the previous page.
    pub after: Option<(String, i64)>,
    pub limit: i64,
}

/// Cases without a due date sort last.
pub const NO_DUE: &str = "9999-12-31";

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
pub enum Bind {
    T(String),
    I(i64),
}

/// The queue's filters as SQL conditions (after `WHERE`) and their values.
fn filter_sql(f: &QueueFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from("c.state <> 'unconfirmed'");
    let mut binds = Vec::new();
    let mut p = |sql: &mut String, clause: &str, v: Bind| {
        binds.push(v);
        sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
    };
    if let Some(state) = &f.state {
        p(&mut sql, " AND c.state = $?", Bind::T(state.code().to_owned()));
    } else if f.open_only {
        sql.push_str(" AND c.open_due IS NOT NULL");
    }
    if f.clock_running {
        sql.push_str(" AND c.state IN ('received', 'in_progress')");
    }
    if let Some(kind) = &f.kind {
        p(&mut sql, " AND c.kind = $?", Bind::T(kind.code().to_owned()));
    }
    if let Some(ask) = &f.ask {
        p(&mut sql, " AND (',' || c.asks || ',') LIKE $?", Bind::T(format!("%,{ask},%")));
    }
    match f.assignee {
        Some(Some(id)) => p(&mut sql, " AND c.assignee_id = $?", Bind::I(id)),
        Some(None) => sql.push_str(" AND c.assignee_id IS NULL"),
        None => {}
    }
    if let Some(d) = &f.due_until {
        p(&mut sql, " AND c.due_on <= $?", Bind::T(d.to_string()));
    }
    if let Some(q) = &f.q {
        let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        p(&mut sql, " AND (c.reference = $? ", Bind::T(q.clone()));
        p(&mut sql, " OR LOWER(c.subject_name) LIKE $? ", Bind::T(like));
        p(&mut sql, " OR LOWER(c.contact_email) = $?)", Bind::T(q.to_lowercase()));
    }
    (sql, binds)
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::T(t) => q.bind(t.clone()),
                Bind::I(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// One page of the queue, by due date (cases without one last), keyset-paged.
pub async fn queue(store: &Store, f: &QueueFilter) -> Result<Vec<QueueEntry>> {
    let (cond, mut binds) = filter_sql(f);
    let mut sql = format!(
        "SELECT c.id, c.reference, c.kind, c.state, c.asks, c.subject_name, c.due_on, c.received_on, \
         u.display_name AS assignee_name FROM cases c \
         LEFT JOIN staff_users u ON u.id = c.assignee_id WHERE {cond}"
    );
    // Open cases sort by their own indexed key; one state by (state, due key).
    let key = if f.state.is_none() && f.open_only { "c.open_due" } else { "COALESCE(c.due_on, '9999-12-31')" };
    if let Some((due, id)) = &f.after {
        binds.push(Bind::T(due.clone()));
        binds.push(Bind::I(*id));
        // Spelled so the index seeks to the key (a row-value comparison would scan).
        let (d, i) = (binds.len() - 1, binds.len());
        sql.push_str(&format!(" AND {key} >= ${d} AND ({key} > ${d} OR c.id > ${i})"));
    }
    binds.push(Bind::I(f.limit));
    sql.push_str(&format!(" ORDER BY {key}, c.id LIMIT ${}", binds.len()));
    let rows: Vec<QueueRow> =
        on!(read store, c => bind_all!(sqlx::query_as::<_, QueueRow>(&sql), &binds).fetch_all(c).await)?;
    rows.into_iter().map(QueueRow::into_entry).collect()
}

/// A row of the case export: no names or contact data.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
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

/// A batch of the case export: rows, or (SQLite) lines the database joined.
pub enum ExportBatch {
    Rows(Vec<ExportRow>),
    /// Lines of `reference,kind,channel,filer,state,received_on,due_on,closed_on,
    /// outcome,reasons,fee_requested,fee_paid,fee_waived,fee_refunded`, one per case.
    Lines(String),
}

/// Streams the cases the filters select, in id order, in batches into `out`;
/// memory stays bounded whatever the count. Stops when `out` is closed.
///
/// sqlx's SQLite driver hands rows over one at a time from its worker thread,
/// which costs microseconds per row; there the database joins each batch of
/// 2,000 cases into one text (keyset by id), and Rust does the rest.
pub async fn export(store: &Store, f: &QueueFilter, out: tokio::sync::mpsc::Sender<ExportBatch>) -> Result<()> {
    use futures::TryStreamExt;
    let (cond, binds) = filter_sql(f);
    match store {
        Store::Sqlite { read, .. } => {
            let n = binds.len();
            let sql = format!(
                "SELECT MAX(id), group_concat(line, char(10)) FROM (SELECT c.id, COALESCE(c.reference, '') || ',' || c.kind \
                 || ',' || c.channel || ',' || c.filer || ',' || c.state || ',' || COALESCE(c.received_on, '') || ',' \
                 || COALESCE(c.due_on, '') || ',' || COALESCE(c.closed_on, '') || ',' || COALESCE(c.outcome, '') || ',' \
                 || replace(c.reasons, ',', ' ') || ',' || c.fee_requested || ',' || c.fee_paid || ',' || c.fee_waived \
                 || ',' || c.fee_refunded AS line FROM cases c WHERE {cond} AND c.id > ${} ORDER BY c.id LIMIT 2000)",
                n + 1
            );
            let mut after = 0i64;
            loop {
                let (last, lines): (Option<i64>, Option<String>) =
                    bind_all!(sqlx::query_as(&sql), &binds).bind(after).fetch_one(read).await?;
                let (Some(last), Some(lines)) = (last, lines) else { break };
                after = last;
                if out.send(ExportBatch::Lines(lines)).await.is_err() {
                    break;
                }
            }
        }
        Store::Postgres(pool) => {
            let sql = format!(
                "SELECT c.reference, c.kind, c.channel, c.filer, c.state, c.received_on, c.due_on, c.closed_on, c.outcome, \
                 c.reasons, c.fee_requested, c.fee_paid, c.fee_waived, c.fee_refunded FROM cases c WHERE {cond} ORDER BY c.id"
            );
            let mut rows = bind_all!(sqlx::query_as::<_, ExportRow>(&sql), &binds).fetch(pool);
            let mut batch = Vec::with_capacity(1024);
            while let Some(row) = rows.try_next().await? {
                batch.push(row);
                if batch.len() == 1024
                    && out
                        .send(ExportBatch::Rows(std::mem::replace(&mut batch, Vec::with_capacity(1024))))
                        .await
                        .is_err()
                {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = out.send(ExportBatch::Rows(batch)).await;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct QueueCounts {
    pub overdue: i64,
    pub due_week: i64,
    pub awaiting: i64,
    pub unassigned: i64,
}

pub async fn queue_counts(store: &Store, today: Date, week_end: Date) -> Result<QueueCounts> {
    let (today, week_end) = (today.to_string(), week_end.to_string());
    let sql = "SELECT \
        CAST(COALESCE(SUM(CASE WHEN state IN ('received', 'in_progress') AND open_due < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN state IN ('received', 'in_progress') AND open_due >= $2 AND open_due <= $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN state = 'awaiting_requester' THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
        FROM cases WHERE open_due IS NOT NULL";
    let (overdue, due_week, awaiting, unassigned): (i64, i64, i64, i64) =
        on!(read store, c => sqlx::query_as(sql).bind(&today).bind(&today).bind(&week_end).fetch_one(c).await)?;
    Ok(QueueCounts { overdue, due_week, awaiting, unassigned })
}
