//! Application services: one per use case. Each opens a transaction, runs the
//! domain's `decide`, then writes the case row, the events and the outbox rows
//! together (DESIGN.md §2).

pub mod cases;
pub mod documents;
pub mod keys;
pub mod reports;
pub mod requests;
pub mod seed;
pub mod settings;
pub mod users;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::sync::Notify;

use crate::domain::{DomainError, input::FieldError};
use crate::store::{Store, StoreError};

pub use settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("the case was changed by someone else meanwhile")]
    Conflict,
    #[error("too many attempts")]
    Throttled,
    #[error("too large")]
    TooLarge(crate::domain::Msg),
    #[error("wrong credentials")]
    Unauthorized,
    #[error("database: {0}")]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
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
    pub fn field(field: &'static str, ja: &'static str, en: &'static str) -> AppError {
        AppError::Invalid(vec![FieldError { field, msg: crate::domain::Msg(ja, en) }])
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
}

/// Everything a service needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub tz: TimeZone,
    pub base_url: Arc<str>,
    pub mail_from: Arc<str>,
    pub data_dir: PathBuf,
    pub smtp_url: Option<Arc<str>>,
    pub keys: Arc<keys::Keys>,
    pub clock: Arc<Clock>,
    /// Woken by every commit that enqueued mail.
    pub mail_wake: Arc<Notify>,
    /// The hash of the one-time first-admin link, while no user exists.
    pub setup_token_hash: Arc<std::sync::Mutex<Option<String>>>,
}

impl App {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn now_us(&self) -> i64 {
        micros(self.now())
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
