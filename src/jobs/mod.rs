//! Background workers: the outbox sender and the housekeeping.

use std::time::Duration;

use crate::app::App;
use crate::domain::{Actor, Command};
use crate::mail::transport::Transport;
use crate::store::{cases, outbox, sessions::SessionStore, users};

/// How long a claimed row is reserved for its sender.
const LEASE_US: i64 = 120_000_000;

/// Sends what the outbox holds, woken by every commit that enqueued mail and
/// every few seconds for retries. Failed sends back off: 30 s, 1 min, 2 min …
/// up to one hour, and are never dropped.
pub async fn run_sender(app: App, transport: Transport) {
    loop {
        let sent = match send_due(&app, &transport).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "outbox: could not read the outbox");
                0
            }
        };
        if sent == 0 {
            tokio::select! {
                _ = app.mail_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}

/// One pass: claims due rows and sends them; returns how many were tried.
pub async fn send_due(app: &App, transport: &Transport) -> Result<usize, crate::store::StoreError> {
    let rows = outbox::claim(&app.store, app.now_us(), LEASE_US, 20).await?;
    for row in &rows {
        match transport.send(&app.mail_from, row).await {
            Ok(()) => {
                outbox::mark_sent(&app.store, row.id, app.now_us()).await?;
                tracing::info!(outbox_id = row.id, "mail sent");
            }
            Err(e) => {
                let backoff = 30_000_000i64.saturating_mul(1 << row.attempts.clamp(0, 7)).min(3_600_000_000);
                outbox::mark_failed(&app.store, row.id, app.now_us() + backoff, &e).await?;
                tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %e, "mail not sent; will retry");
            }
        }
    }
    Ok(rows.len())
}

/// Hourly: forgets unconfirmed submissions after 72 hours, expired sessions
/// and old failed-login records.
pub async fn run_housekeeping(app: App, sessions: SessionStore) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        housekeeping(&app, &sessions).await;
    }
}

pub async fn housekeeping(app: &App, sessions: &SessionStore) {
    match crate::app::documents::purge(app, false).await {
        Ok(p) if p.is_empty() => {}
        Ok(p) => tracing::info!(cases = p.len(), "identity documents purged after retention"),
        Err(e) => tracing::error!(error = %e, "purging documents failed"),
    }
    match crate::app::documents::identity_reminders(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "identity reminders sent"),
        Err(e) => tracing::error!(error = %e, "identity reminders failed"),
    }
    match deadline_notices(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "deadline notices sent"),
        Err(e) => tracing::error!(error = %e, "deadline notices failed"),
    }
    match fee_reminders(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "fee reminders sent"),
        Err(e) => tracing::error!(error = %e, "fee reminders failed"),
    }
    let now = app.now_us();
    match cases::purge_unconfirmed(&app.store, now - 72 * 3_600_000_000).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "purged unconfirmed submissions"),
        Err(e) => tracing::error!(error = %e, "purging unconfirmed submissions failed"),
    }
    if let Err(e) = sessions.delete_expired().await {
        tracing::error!(error = %e, "deleting expired sessions failed");
    }
    if let Err(e) = users::prune_login_failures(&app.store, now - 24 * 3_600_000_000).await {
        tracing::error!(error = %e, "pruning login failures failed");
    }
}

/// Reminds requesters of unpaid fees a few days (setting) before the
/// deadline, once per fee. Safe with several instances: the reminder is a
/// domain command, so a second instance finds it already sent and skips.
pub async fn fee_reminders(app: &App) -> Result<usize, crate::app::AppError> {
    use jiff::ToSpan;
    let settings = app.settings().await?;
    let until = app.today().saturating_add(settings.fee_reminder_days().days()).to_string();
    let mut sent = 0;
    for reference in cases::fee_reminders_due(&app.store, &until).await? {
        match crate::app::cases::execute(app, &reference, Command::RemindFee, Actor::System).await {
            Ok(_) => sent += 1,
            Err(crate::app::AppError::Conflict | crate::app::AppError::Domain(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// E-mails the assignee N business days (setting, default 3) before a case
/// is due, and managers when it becomes overdue; once per due date each, and
/// recorded as events. A paused case is never overdue. Safe with several
/// instances: each notice is a domain command that refuses to repeat.
pub async fn deadline_notices(app: &App) -> Result<usize, crate::app::AppError> {
    use jiff::ToSpan;
    let settings = app.settings().await?;
    let today = app.today();
    let lead = settings.due_reminder_days();
    // Business days stretch over weekends, holidays and the new year: look far enough ahead.
    let until = today.saturating_add((lead * 2 + 14).days()).to_string();
    let mut sent = 0;
    for c in cases::deadline_candidates(&app.store, &until).await? {
        let (Some(reference), Some(due_on)) = (c.reference, c.due_on) else { continue };
        let (soon_for, overdue_for) = (c.due_soon_sent_for, c.overdue_sent_for);
        let (Ok(kind), Ok(due)) = (c.kind.parse(), due_on.parse::<jiff::civil::Date>()) else { continue };
        let calendar = settings.policy_of(&c.policy, kind).calendar;
        let cmd = if due < today {
            if !settings.escalation() || overdue_for.as_deref() == Some(due_on.as_str()) {
                continue;
            }
            Command::NotifyOverdue
        } else if calendar.business_days_between(today, due) <= lead && soon_for.as_deref() != Some(due_on.as_str()) {
            Command::NotifyDueSoon
        } else {
            continue;
        };
        match crate::app::cases::execute(app, &reference, cmd, Actor::System).await {
            Ok(_) => sent += 1,
            Err(crate::app::AppError::Conflict | crate::app::AppError::Domain(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}
