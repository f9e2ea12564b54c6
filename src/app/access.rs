//! The access log, read as well as written: who looked at which case,
//! document, result, receipt, notice, export, queue or search, when, and from
//! which address (安全管理措置: recording and reviewing access).

use jiff::civil::Date;

use tokio::sync::{mpsc, oneshot};

use super::store::Store;
use super::store::access::{self as sa, AccessRow, NewAccess};
use super::{App, AppError, Result};
use crate::domain::Reference;

/// Writes the access log a few times a second rather than once per page.
///
/// On SQLite every commit, however small, makes each reading connection
/// drop its page cache (WAL mode checks the database for changes at the
/// start of each read): one access row per page viewed had every queue view
/// re-read its pages from the operating system, and halved the queue's pace.
/// Rows therefore wait here for at most [`FLUSH_EVERY`] (or until
/// [`GROUP`] of them are waiting) and go in together. A clean stop writes
/// what waits ([`App::close`]); a crash of the process loses at most that
/// quarter of a second of access rows. Whoever reads the log (the managers'
/// pages, the CSV) flushes it first, so the log they read is whole.
pub struct Recorder {
    queue: mpsc::Sender<Msg>,
}

enum Msg {
    Row(NewAccess),
    /// Write what waits now, then answer whether it went in.
    Flush(oneshot::Sender<bool>),
}

/// The most rows one commit takes.
const GROUP: usize = 256;
/// How long a row may wait to be written.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// Rows kept for another try while the database refuses them; past this the
/// oldest are given up (and said so in the log).
const KEEP_AT_MOST: usize = 100_000;

impl Recorder {
    /// Starts the writing task (it ends when the last `App` clone is dropped).
    pub(crate) fn start(store: Store) -> Recorder {
        let (queue, mut rx) = mpsc::channel::<Msg>(16 * GROUP);
        tokio::spawn(async move {
            let mut waiting: Vec<NewAccess> = Vec::new();
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let flush = tokio::select! {
                    msg = rx.recv() => match msg {
                        Some(Msg::Row(row)) => {
                            waiting.push(row);
                            if waiting.len() < GROUP {
                                continue;
                            }
                            None
                        }
                        Some(Msg::Flush(done)) => Some(done),
                        None => {
                            write_waiting(&store, &mut waiting).await;
                            return;
                        }
                    },
                    _ = tick.tick() => None,
                };
                let written = write_waiting(&store, &mut waiting).await;
                if let Some(done) = flush {
                    let _ = done.send(written);
                }
            }
        });
        Recorder { queue }
    }

    /// Records one access (written within a quarter of a second).
    pub(crate) async fn record(&self, row: NewAccess) -> Result<()> {
        self.queue
            .send(Msg::Row(row))
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the access log writer has stopped")))
    }

    /// Writes every row recorded so far; `false` when the database refused them.
    pub async fn flush(&self) -> bool {
        let (done, written) = oneshot::channel();
        if self.queue.send(Msg::Flush(done)).await.is_err() {
            return false;
        }
        written.await.unwrap_or(false)
    }
}

/// Writes the waiting rows in one transaction; on failure keeps them for the
/// next try. Returns whether nothing is left waiting.
async fn write_waiting(store: &Store, waiting: &mut Vec<NewAccess>) -> bool {
    while !waiting.is_empty() {
        let n = waiting.len().min(GROUP);
        if let Err(e) = write(store, &waiting[..n]).await {
            tracing::error!(error = %e, rows = waiting.len(), "cannot write the access log; will try again");
            if waiting.len() > KEEP_AT_MOST {
                let lost = waiting.len() - KEEP_AT_MOST;
                waiting.drain(..lost);
                tracing::error!(rows = lost, "access log rows given up");
            }
            return false;
        }
        waiting.drain(..n);
    }
    true
}

async fn write(store: &Store, rows: &[NewAccess]) -> Result<(), super::store::StoreError> {
    let mut tx = store.begin().await?;
    sa::append(&mut tx, rows).await?;
    tx.commit().await
}

tokio::task_local! {
    /// The client address of the request being served (set by the web layer).
    static ORIGIN: String;
}

/// Runs `f` with `addr` as the origin of the access it logs.
pub async fn with_origin<F: std::future::Future>(addr: String, f: F) -> F::Output {
    ORIGIN.scope(addr, f).await
}

/// The address of the request being served ("" outside a request: the CLI, jobs).
pub fn origin() -> String {
    ORIGIN.try_with(Clone::clone).unwrap_or_default()
}

/// One line of the log, as managers read it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub user_id: i64,
    pub user: String,
    pub user_email: String,
    pub reference: Option<String>,
    pub what: String,
    pub addr: String,
}

fn entry(app: &App, r: AccessRow) -> Entry {
    let at = jiff::Timestamp::from_microsecond(r.at)
        .map(|t| t.to_zoned(app.tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    Entry {
        id: r.id,
        at,
        user_id: r.user_id,
        user: r.user_name,
        user_email: r.user_email,
        reference: r.reference,
        what: r.what,
        addr: r.addr.unwrap_or_default(),
    }
}

/// Who looked at a case, newest first (the last 500).
pub async fn for_case(app: &App, reference: &Reference) -> Result<Vec<Entry>> {
    app.flush_access_log().await;
    let rec = super::store::cases::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    Ok(sa::for_case(&app.store, rec.id(), 500).await?.into_iter().map(|r| entry(app, r)).collect())
}

/// What the log page asks for: a user (or everyone) and a date range, both
/// days inclusive, in the organisation's time zone.
#[derive(Debug, Clone)]
pub struct Filter {
    pub user_id: Option<i64>,
    pub from: Date,
    pub to: Date,
}

fn micros_at_start(app: &App, d: Date) -> i64 {
    d.to_zoned(app.tz.clone()).map(|z| z.timestamp().as_microsecond()).unwrap_or(0)
}

/// The rows of a filter, newest first: a page of at most `limit` before the
/// keyset `before`.
pub async fn search(app: &App, f: &Filter, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
    app.flush_access_log().await;
    let from = micros_at_start(app, f.from);
    let to = micros_at_start(app, f.to.tomorrow().unwrap_or(f.to));
    let rows = sa::search(&app.store, f.user_id, from, to, before, limit).await?;
    Ok(rows.into_iter().map(|r| entry(app, r)).collect())
}

/// The whole of a filter as CSV (UTF-8 with BOM, for Excel); the download
/// itself is logged.
pub async fn csv(app: &App, by: i64, f: &Filter) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let bad = |e: csv::Error| AppError::internal("the access log CSV", e);
        w.write_record(["at", "user", "user_email", "reference", "what", "address"]).map_err(bad)?;
        let mut before = None;
        loop {
            let page = search(app, f, before, 5000).await?;
            for e in &page {
                let cells = [&e.at, &e.user, &e.user_email, e.reference.as_deref().unwrap_or(""), &e.what, &e.addr];
                w.write_record(cells.map(|c| crate::app::reports::safe_cell(c).into_owned())).map_err(bad)?;
            }
            match page.last() {
                Some(last) if page.len() == 5000 => before = Some(last.id),
                _ => break,
            }
        }
        w.flush().map_err(|e| AppError::internal("the access log CSV", e))?;
    }
    super::cases::log_access(app, by, None, &format!("export:access-log:{}..{}", f.from, f.to)).await?;
    Ok(out)
}

/// Forgets access older than `access_log_days`; returns how many rows went.
pub async fn prune(app: &App, dry_run: bool) -> Result<i64> {
    let days = app.settings().await?.access_log_days();
    let before = app.now_us() - days * 86_400_000_000;
    if dry_run {
        return Ok(sa::count_before(&app.store, before).await?);
    }
    Ok(i64::try_from(sa::prune(&app.store, before).await?).unwrap_or(i64::MAX))
}
