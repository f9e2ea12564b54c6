//! The application's own chores, run by the jobs: reminders, deadline
//! notices and forgetting what is no longer needed. Each reminder is a
//! domain command, so several instances never send one twice.

use jiff::ToSpan;

use super::cases::execute;
use super::store::{cases, outbox, users};
use super::{App, AppError, QueuedMail, Result, SessionStore};
use crate::domain::{Actor, Command, Reference};

/// Runs a reminder's command; a case that moved on meanwhile is skipped.
pub(crate) async fn remind(app: &App, reference: &Reference, cmd: Command) -> Result<bool> {
    match execute(app, reference, cmd, Actor::System).await {
        Ok(_) => Ok(true),
        Err(AppError::Conflict | AppError::Domain(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reminds requesters of unpaid fees a few days (setting) before the
/// deadline, once per fee.
pub async fn fee_reminders(app: &App) -> Result<usize> {
    let settings = app.settings().await?;
    let until = app.today().saturating_add(settings.fee_reminder_days().days());
    let mut sent = 0;
    for reference in cases::fee_reminders_due(&app.store, until).await? {
        sent += usize::from(remind(app, &reference, Command::RemindFee).await?);
    }
    Ok(sent)
}

/// E-mails the assignee N business days (setting, default 3) before a case
/// is due, and managers when it becomes overdue; once per due date each,
/// and recorded as events. A paused case is never overdue.
pub async fn deadline_notices(app: &App) -> Result<usize> {
    let settings = app.settings().await?;
    let today = app.today();
    let lead = settings.due_reminder_days();
    // Business days stretch over weekends, holidays and the new year: look far enough ahead.
    let until = today.saturating_add((lead * 2 + 14).days());
    let mut sent = 0;
    for c in cases::deadline_candidates(&app.store, until).await? {
        let calendar = settings.policy(c.profile).calendar;
        let cmd = if c.due_on < today {
            if !settings.escalation() || c.overdue_sent_for == Some(c.due_on) {
                continue;
            }
            Command::NotifyOverdue
        } else if calendar.business_days_between(today, c.due_on) <= lead && c.due_soon_sent_for != Some(c.due_on) {
            Command::NotifyDueSoon
        } else {
            continue;
        };
        sent += usize::from(remind(app, &c.reference, cmd).await?);
    }
    Ok(sent)
}

/// Forgets failed logins after a day, and expired sessions.
pub async fn prune_logins(app: &App, sessions: &SessionStore) -> Result<()> {
    users::prune_attempts(&app.store, app.now_us() - 24 * 3_600_000_000).await?;
    super::abuse::prune(app).await?;
    sessions.delete_expired().await.map_err(|e| AppError::internal("expired sessions could not be deleted", e))?;
    Ok(())
}

/// How long a claimed outbox row is reserved for its sender.
const LEASE_US: i64 = 120_000_000;

/// Claims the mail that is due (under a lease), for the sender to send.
pub async fn claim_mail(app: &App) -> Result<Vec<QueuedMail>> {
    Ok(outbox::claim(&app.store, app.now_us(), LEASE_US, 20).await?)
}

/// Gives back claimed mail that was not tried (the sender is stopping), so
/// that it goes at the next start without waiting out its lease.
pub async fn release_mail(app: &App, rows: &[QueuedMail]) -> Result<()> {
    for row in rows {
        outbox::release(&app.store, row.id).await?;
    }
    Ok(())
}

/// Records sent messages (their bodies are wiped).
pub async fn mail_sent(app: &App, ids: &[i64]) -> Result<()> {
    Ok(outbox::mark_sent(&app.store, ids, app.now_us()).await?)
}

/// Tries a message the server refuses for good (SMTP 5xx) gets before it is
/// set aside as failed for an admin.
pub const MAIL_PERMANENT_TRIES: i64 = 3;

/// Records a failed send: tried again after a back-off of 30 s, 1 min, 2 min
/// … up to one hour, and never dropped. A message refused for good
/// [`MAIL_PERMANENT_TRIES`] times is set aside as failed (`/admin/outbox`);
/// true when it was.
pub async fn mail_failed(app: &App, mail: &QueuedMail, error: &str, permanent: bool) -> Result<bool> {
    let now = app.now_us();
    let backoff = 30_000_000i64.saturating_mul(1 << mail.attempts.clamp(0, 7)).min(3_600_000_000);
    let failed = (permanent && mail.attempts >= MAIL_PERMANENT_TRIES).then_some(now);
    outbox::mark_failed(&app.store, mail.id, now + backoff, failed, error).await?;
    Ok(failed.is_some())
}

/// Messages not yet sent.
pub async fn pending_mail(app: &App) -> Result<i64> {
    Ok(outbox::pending_count(&app.store).await?)
}
