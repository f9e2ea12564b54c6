//! Application services: one per use case. Each opens a transaction, runs the
//! domain's `decide`, then writes the case row, the events and the outbox rows
//! together (DESIGN.md §2).

pub mod abuse;
pub mod access;
pub mod account;
pub mod api_tokens;
pub mod audit;
pub mod backup;
pub mod cases;
pub mod documents;
pub mod hashing;
pub mod housekeeping;
pub mod inventory;
pub mod keys;
pub mod notices;
mod notify;
pub mod outbox;
mod persist;
pub mod provisions;
pub mod queue;
pub mod records;
pub mod reports;
pub mod requests;
pub mod results;
pub mod retention;
pub mod seed;
pub mod settings;
pub mod spreadsheet;
mod store;
mod submissions;
pub mod tasks;
pub mod users;
pub mod webhooks;

#[cfg(test)]
mod props;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::sync::Notify;

use crate::domain::{DomainError, input::FieldError};
use store::{Store, StoreError};

pub use settings::Settings;
pub use store::StoreError as DbError;
pub use store::outbox::MailRow as QueuedMail;
pub use store::sessions::SessionStore;
pub use store::webhooks::DeliveryRow as WebhookDelivery;

/// The errors of the services. Internal ones keep their cause, so that the
/// log shows the whole chain; none of them carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// It existed, but is no longer available (a result past its days).
    #[error("gone")]
    Gone,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("the case was changed by someone else meanwhile")]
    Conflict,
    #[error("too many attempts")]
    Throttled,
    /// A status link past `status_link_days` after its case closed.
    #[error("the link has ended")]
    LinkEnded { days: i64 },
    /// Too much work queued (password hashes): come back in a moment.
    #[error("busy")]
    Busy,
    #[error("too large")]
    TooLarge(crate::domain::Msg),
    #[error("wrong credentials")]
    Unauthorized,
    #[error("database")]
    Store(#[source] StoreError),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict,
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    /// The database was briefly out of reach (see `StoreError::is_unavailable`).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Store(e) if e.is_unavailable())
    }

    /// An internal failure, with what was being done and its cause.
    pub fn internal<E>(what: &'static str, cause: E) -> AppError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        AppError::Internal(anyhow::Error::new(cause).context(what))
    }

    pub fn field(field: &'static str, id: &'static str) -> AppError {
        AppError::Invalid(vec![FieldError { field, msg: crate::domain::Msg::new(id) }])
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The time, with an offset that tests (and the demo seeder) can move.
#[derive(Debug, Default)]
pub struct Clock {
    offset_us: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let now = Timestamp::now();
        let off = self.offset_us.load(Ordering::Relaxed);
        now.checked_add(jiff::SignedDuration::from_micros(off)).unwrap_or(now)
    }

    /// Moves the clock by `days` (tests only move it forward).
    pub fn advance_days(&self, days: i64) {
        self.offset_us.fetch_add(days * 86_400_000_000, Ordering::Relaxed);
    }

    /// Moves the clock by `secs` (session timeouts, TOTP steps).
    pub fn advance_secs(&self, secs: i64) {
        self.offset_us.fetch_add(secs * 1_000_000, Ordering::Relaxed);
    }
}

/// Everything a service needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    pub tz: TimeZone,
    pub base_url: Arc<str>,
    pub mail_from: Arc<str>,
    pub keys: Arc<keys::Keys>,
    pub clock: Arc<Clock>,
    /// Woken by every commit that enqueued mail.
    pub mail_wake: Arc<Notify>,
    /// Woken by every commit that may have queued webhook deliveries.
    pub hook_wake: Arc<Notify>,
    /// Set when a change queued webhook deliveries (or an admin asked for a
    /// delivery again): the worker's wake-up then claims; otherwise it
    /// leaves SQLite's one writer to the requests.
    hooks_queued: Arc<std::sync::atomic::AtomicBool>,
    /// Set when the process is asked to stop: workers end between messages
    /// and `/readyz` says not ready.
    stopping: Arc<std::sync::atomic::AtomicBool>,
    /// The hash of the one-time first-admin link, while no user exists.
    pub setup_token_hash: Arc<std::sync::Mutex<Option<String>>>,
    /// Where passwords are hashed, a bounded number at a time.
    pub hasher: Arc<hashing::Hasher>,
    /// Mails the public can trigger, per recipient and hour.
    pub mail_limit_per_recipient: u32,
    /// The access log's writer.
    access: Arc<access::Recorder>,
    /// Each API token's requests a minute.
    pub api_limits: Arc<api_tokens::RateLimits>,
    /// SQLite: the public form's submissions, written together
    /// (`submissions`); `None` on PostgreSQL, whose writers do not queue.
    submissions: Option<submissions::Submissions>,
}

impl App {
    /// Opens the database named by the configuration, migrates it, checks the
    /// data key against it and seeds the organisation's name.
    pub async fn open(config: &crate::config::Config, base_url: String) -> anyhow::Result<App> {
        use anyhow::Context;
        let tz = TimeZone::get(&config.timezone).map_err(|_| {
            anyhow::anyhow!(
                "MADOGUCHI_TIMEZONE={:?} is not a known time zone (for example Asia/Tokyo)",
                config.timezone
            )
        })?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
        let store = Store::connect(&config.database_url()).await.context("cannot open the database")?;
        store.migrate().await.context("database migration failed")?;
        let keys = keys::Keys::load(config.data_key.as_deref(), &config.data_dir, store.is_postgres())?;
        keys.check(&store).await?;
        if let Some(name) = &config.org_name {
            store::seed_setting(&store, "org_name", name).await?;
        }
        let mut app = App {
            access: Arc::new(access::Recorder::start(store.clone())),
            store,
            tz,
            base_url: base_url.into(),
            mail_from: config.mail_from.clone().into(),
            keys: Arc::new(keys),
            clock: Arc::default(),
            mail_wake: Arc::default(),
            hook_wake: Arc::default(),
            hooks_queued: Arc::default(),
            stopping: Arc::default(),
            setup_token_hash: Arc::default(),
            hasher: Arc::default(),
            mail_limit_per_recipient: config.mail_limit_per_recipient,
            api_limits: Arc::default(),
            submissions: None,
        };
        if !app.is_postgres() {
            app.submissions = Some(submissions::Submissions::start(app.clone()));
        }
        Ok(app)
    }

    /// The session store, in the application's own database.
    pub async fn session_store(&self) -> Result<SessionStore> {
        Ok(SessionStore::open(&self.store).await?)
    }

    /// Whether the database answers (for `/readyz`).
    /// Whether the database answers within two seconds (`/readyz`).
    pub async fn ready(&self) -> Result<()> {
        match tokio::time::timeout(std::time::Duration::from_secs(2), self.store.ping()).await {
            Ok(answer) => Ok(answer?),
            Err(_) => Err(AppError::Store(StoreError::Db(sqlx::Error::PoolTimedOut))),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.store.is_postgres()
    }

    /// Writes what waits (the access log), then closes the database.
    pub async fn close(&self) {
        self.flush_access_log().await;
        self.store.close().await;
    }

    /// Writes the access rows recorded so far (they wait at most a quarter
    /// of a second); `false` when the database refused them.
    pub async fn flush_access_log(&self) -> bool {
        self.access.flush().await
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn now_us(&self) -> i64 {
        micros(self.now())
    }

    /// A moment (µs) in the organisation's time zone, RFC 3339 with its
    /// offset (`2026-12-05T09:15:38+09:00`): the audit trail's and the API's.
    pub fn local_instant(&self, us: i64) -> String {
        jiff::Timestamp::from_microsecond(us)
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default()
    }

    /// A moment (µs) in the organisation's time zone, `YYYY-MM-DD HH:MM`.
    pub fn local_minute(&self, us: i64) -> String {
        jiff::Timestamp::from_microsecond(us)
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// Warns the operator, at start-up, of a database set up against the
    /// desk: PostgreSQL without autovacuum never marks the pages written
    /// since the last manual VACUUM as all-visible nor refreshes its
    /// statistics, and the queue and the search, which read through
    /// index-only scans, slow down week after week (bench/RESULTS.md).
    pub async fn warn_of_database(&self) {
        match self.store.autovacuum_off().await {
            Ok(true) => tracing::warn!(
                "PostgreSQL's autovacuum is off: the queue and the search slow down as cases are written; \
                 turn it on (autovacuum = on) or run VACUUM ANALYZE regularly"
            ),
            Ok(false) => {}
            Err(e) => tracing::debug!(error = %e, "cannot read the autovacuum setting"),
        }
    }

    /// Today in the organisation's time zone: legal dates are counted in it.
    pub fn today(&self) -> Date {
        self.now().to_zoned(self.tz.clone()).date()
    }

    /// The date of a stored timestamp, in the organisation's time zone.
    pub fn date_of(&self, us: i64) -> Option<Date> {
        Timestamp::from_microsecond(us).ok().map(|t| t.to_zoned(self.tz.clone()).date())
    }

    /// The local date and time of a stored timestamp, for display.
    pub fn local_time(&self, us: i64) -> String {
        Timestamp::from_microsecond(us)
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// The start of a civil date in the organisation's zone, as UTC microseconds.
    pub fn start_of(&self, d: Date) -> i64 {
        d.to_zoned(self.tz.clone()).map(|z| micros(z.timestamp())).unwrap_or(0)
    }

    /// From now on the workers end between messages and the desk reports
    /// itself not ready.
    pub fn begin_stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake_workers();
    }

    /// Notes that webhook deliveries wait (see `hooks_queued`).
    pub fn note_hooks_queued(&self) {
        self.hooks_queued.store(true, Ordering::SeqCst);
    }

    /// Whether deliveries were queued since the last call.
    pub fn take_hooks_queued(&self) -> bool {
        self.hooks_queued.swap(false, Ordering::SeqCst)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Wakes the mail sender and the webhook worker after a commit.
    pub fn wake_workers(&self) {
        self.mail_wake.notify_one();
        self.hook_wake.notify_one();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }

    pub async fn settings(&self) -> Result<Settings> {
        Settings::load(&self.store).await
    }
}

pub fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}
