//! SQL, written once with `$N` placeholders and run on SQLite or PostgreSQL.
//! The `on!` macro compiles the same query code against whichever backend a
//! `Store` or `Tx` holds, so the services never match on the backend.

pub mod access;
pub mod api;
pub mod cases;
pub mod documents;
pub mod events;
pub mod inventory;
pub mod ledger;
pub mod notices;
pub mod outbox;
pub mod queue;
pub mod refusals;
pub mod reports;
pub mod sessions;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored value is not valid: {0}")]
    Corrupt(String),
    #[error("the row was changed by someone else")]
    Conflict,
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// Whether the database could not be reached or could not take the write
    /// (connection lost or refused, PostgreSQL shutting down or starting,
    /// SQLite busy or its disk full): a moment's outage, not a fault of the
    /// request. Nothing was written: the transaction rolled back.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Db(e) = self else { return false };
        match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
                db.code().is_some_and(|c| {
                    if sqlite {
                        // SQLite: 5 BUSY, 6 LOCKED, 10 IOERR, 13 FULL (primary codes).
                        let primary = c.parse::<i64>().map(|n| n & 0xff).unwrap_or(-1);
                        matches!(primary, 5 | 6 | 10 | 13)
                    } else {
                        // PostgreSQL: 08… connection exception, 57P… operator
                        // intervention (shutdown, cannot connect now), 53…
                        // insufficient resources. (Read as SQLite's, 22021 — a
                        // NUL in text — once passed for BUSY.)
                        c.starts_with("08") || c.starts_with("57P") || c.starts_with("53")
                    }
                })
            }
            _ => false,
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database. SQLite writes of services, jobs and sessions go through one
/// connection (DESIGN.md §3), in turn; reads use a small pool, and loading
/// sessions two read connections of their own; one more connection copies
/// the write-ahead log back into the database.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite { write: SqlitePool, read: SqlitePool, sessions: SqlitePool, checkpoints: SqlitePool },
    Postgres(PgPool),
}

/// An open transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same code against the connection of a `Tx` (`on!(tx, c => …)`)
/// or the read pool of a `Store` (`on!(read store, c => …)`).
macro_rules! on {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::app::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::app::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
    (read $store:expr, $c:ident => $body:expr) => {
        match $store {
            $crate::app::store::Store::Sqlite { read, .. } => {
                let $c = read;
                $body
            }
            $crate::app::store::Store::Postgres(pool) => {
                let $c = pool;
                $body
            }
        }
    };
    (write $store:expr, $c:ident => $body:expr) => {
        match $store {
            $crate::app::store::Store::Sqlite { write, .. } => {
                let $c = write;
                $body
            }
            $crate::app::store::Store::Postgres(pool) => {
                let $c = pool;
                $body
            }
        }
    };
}
pub(crate) use on;

/// The write-ahead log the writer lets grow before it checkpoints itself
/// (pages of 4 KiB), should the checkpointing task fall behind.
const WRITER_CHECKPOINT_PAGES: u32 = 16_000;

/// How often the log is copied back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Copies the write-ahead log back into the database every
/// [`CHECKPOINT_EVERY`], without blocking the writer or the readers
/// (`PASSIVE`), until the store is closed.
fn start_checkpoints(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "checkpoint failed; the writer's own threshold remains");
            }
        }
    });
}

/// Whether SQLite has a transaction open on this connection (or it cannot
/// tell, which is treated the same).
async fn in_transaction(conn: &mut sqlx::SqliteConnection) -> bool {
    let Ok(mut handle) = conn.lock_handle().await else { return true };
    // SAFETY: the handle is locked for the length of this call, and
    // sqlite3_get_autocommit only reads the connection's state.
    let autocommit = unsafe { libsqlite3_sys::sqlite3_get_autocommit(handle.as_raw_handle().as_ptr()) };
    if autocommit == 0 {
        tracing::error!("a write connection was handed back inside a transaction; it is closed and replaced");
    }
    autocommit == 0
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Opens the database named by `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Store> {
        if is_postgres_url(url) {
            // Every statement is prepared once per connection, and after five
            // runs PostgreSQL may keep one generic plan for all values: the
            // queue's filters (a state, a due date, a search pattern) each
            // need the plan of their own values (issue 14).
            let opts = PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_custom_plan")]);
            // A request waits at most 5 s for a connection: through a restart
            // of the database it then answers 503, and later ones recover.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            return Ok(Store::Postgres(pool));
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // A checkpoint copies pages without reading them through a cache.
        let small_cache = opts.clone().pragma("cache_size", "-256");
        // The writer leaves checkpoints (copying the log back into the
        // database, with two fsyncs) to a connection of their own, so that
        // no commit waits for one; its own threshold is only a backstop.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            // A connection handed back inside a transaction is closed, not
            // reused (closing rolls the transaction back; the next write
            // opens a fresh connection). A COMMIT refused for a full disk
            // leaves SQLite's transaction open while sqlx believes it ended:
            // every later commit was then a savepoint inside it, answered as
            // saved yet seen by no reader and lost at shutdown (issue 17).
            .after_release(|conn, _| Box::pin(async move { Ok(!in_transaction(conn).await) }))
            .connect_with(opts.clone().pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string()))
            .await?;
        let checkpoints = SqlitePoolOptions::new().max_connections(1).connect_with(small_cache).await?;
        start_checkpoints(checkpoints.clone());
        // Loading the session of each request has two read connections of
        // its own, so that pages do not queue behind it (nor it behind them).
        let sessions = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone().read_only(true).pragma("cache_size", "-512"))
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        Ok(Store::Sqlite { write, read, sessions, checkpoints })
    }

    /// The SQLite URL of a file in `dir`.
    pub fn sqlite_url(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("madoguchi.db").display())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Whether PostgreSQL runs without autovacuum (never so for SQLite).
    pub async fn autovacuum_off(&self) -> Result<bool> {
        let Store::Postgres(pool) = self else { return Ok(false) };
        let (on,): (String,) = sqlx::query_as("SHOW autovacuum").fetch_one(pool).await?;
        Ok(on != "on")
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Store::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Whether the database answers (for `/readyz`).
    /// SQLite: writes a consistent copy of the live database to `path` with
    /// `VACUUM INTO` (writers go on meanwhile). Not for PostgreSQL.
    pub async fn vacuum_into(&self, path: &str) -> Result<()> {
        match self {
            Store::Sqlite { read, .. } => {
                sqlx::query("VACUUM INTO $1").bind(path).execute(read).await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::Corrupt("VACUUM INTO is SQLite's".into())),
        }
    }

    pub async fn ping(&self) -> Result<()> {
        on!(read self, c => sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { write, read, sessions, checkpoints } => {
                sessions.close().await;
                checkpoints.close().await;
                read.close().await;
                write.close().await;
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Parses a stored code back into its domain type.
pub fn code<T: FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown code {s:?}")))
}

/// The placeholders of a multi-row `VALUES`: `rows` rows of `columns`
/// values each, numbered from `$1` (`($1, $2), ($3, $4)`), so that a change
/// writes its rows in one statement.
pub(super) fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=columns).map(|k| format!("${}", r * columns + k)).collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn join_codes<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

pub(super) fn split_codes<T: std::str::FromStr>(s: &str) -> Result<Vec<T>> {
    s.split(',').filter(|p| !p.is_empty()).map(code).collect()
}

pub(super) fn opt_code<T: std::str::FromStr>(s: &Option<String>) -> Result<Option<T>> {
    s.as_deref().map(code).transpose()
}

pub fn date(s: &str) -> Result<jiff::civil::Date> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad date {s:?}")))
}

pub fn opt_date(s: &Option<String>) -> Result<Option<jiff::civil::Date>> {
    s.as_deref().map(date).transpose()
}

/// Settings live in the database (DESIGN.md §7 "Business settings").
pub async fn setting(store: &Store, key: &str) -> Result<Option<String>> {
    let v: Option<(String,)> = on!(read store, c =>
        sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(c).await)?;
    Ok(v.map(|(v,)| v))
}

pub async fn all_settings(store: &Store) -> Result<Vec<(String, String)>> {
    Ok(on!(read store, c =>
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(c).await)?)
}

pub async fn put_setting(tx: &mut Tx, key: &str, value: &str) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key).bind(value).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Seeds a setting only if it has no value yet.
pub async fn seed_setting(store: &Store, key: &str, value: &str) -> Result<()> {
    on!(write store, c => sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key).bind(value).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn log_access(
    tx: &mut Tx,
    user_id: i64,
    case_id: Option<i64>,
    what: &str,
    at: i64,
    addr: &str,
) -> Result<()> {
    let row = access::NewAccess { user_id, case_id, what: what.to_owned(), at, addr: addr.to_owned() };
    access::append(tx, &[row]).await
}
