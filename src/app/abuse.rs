//! What the abuse limits refused, for the administrators, and the limit on
//! the mails that anyone can trigger without logging in.

use super::store::{outbox, refusals};
use super::{App, Result};

/// A kind of refusal, as counted and shown on the administrators' page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A login past the attempts allowed for its account and address.
    Login,
    /// A login while the password hashers were all busy.
    LoginBusy,
    /// A request-form submission past the limit of its address.
    Intake,
    /// A confirmation or status link not sent: its recipient had enough.
    Mail,
    /// An upload past the limit of its address.
    Upload,
}

impl Refusal {
    pub const ALL: [Refusal; 5] = [Refusal::Login, Refusal::LoginBusy, Refusal::Intake, Refusal::Mail, Refusal::Upload];

    pub fn code(self) -> &'static str {
        match self {
            Refusal::Login => "login",
            Refusal::LoginBusy => "login_busy",
            Refusal::Intake => "intake",
            Refusal::Mail => "mail",
            Refusal::Upload => "upload",
        }
    }
}

/// Counts a refusal. A failure to count is logged, never shown: the refusal
/// itself stands.
pub async fn refused(app: &App, what: Refusal) {
    let day = app.today().to_string();
    if let Err(e) = refusals::count(&app.store, &day, what.code()).await {
        tracing::warn!(error = %e, refusal = what.code(), "could not count a refusal");
    }
}

/// Refusals of the last seven days and of today, by kind (every kind listed).
pub async fn overview(app: &App) -> Result<Vec<(Refusal, i64, i64)>> {
    let today = app.today();
    let since = today.checked_sub(jiff::Span::new().days(6)).unwrap_or(today);
    let rows = refusals::totals(&app.store, &since.to_string(), &today.to_string()).await?;
    Ok(Refusal::ALL
        .iter()
        .map(|r| {
            let (week, day) = rows.iter().find(|(k, _, _)| k == r.code()).map(|(_, w, d)| (*w, *d)).unwrap_or((0, 0));
            (*r, week, day)
        })
        .collect())
}

/// Forgets refusals older than 90 days.
pub async fn prune(app: &App) -> Result<()> {
    let today = app.today();
    let before = today.checked_sub(jiff::Span::new().days(90)).unwrap_or(today);
    Ok(refusals::prune(&app.store, &before.to_string()).await?)
}

/// The templates of the mails anyone can trigger without a login.
pub const PUBLIC_MAILS: [&str; 2] = ["confirm", "status_link"];

/// Whether one more public mail may go to `to` this hour; counts a refusal
/// when not.
pub async fn may_mail_publicly(app: &App, to: &str) -> Result<bool> {
    let since = app.now_us() - 3_600_000_000;
    let sent = outbox::recent_to(&app.store, to, &PUBLIC_MAILS, since).await?;
    if sent >= i64::from(app.mail_limit_per_recipient) {
        refused(app, Refusal::Mail).await;
        return Ok(false);
    }
    Ok(true)
}
