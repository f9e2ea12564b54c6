//! Background workers: the outbox sender and the hourly housekeeping. The
//! work itself is in `app::housekeeping`; here are the loops and the logs.

use std::time::Duration;

use crate::app::{App, Result, SessionStore, housekeeping, webhooks};
use crate::mail::transport::Transport;

pub use crate::app::housekeeping::{deadline_notices, fee_reminders};

/// Sends what the outbox holds, woken by every commit that enqueued mail and
/// every few seconds for retries.
pub async fn run_sender(app: App, transport: Transport) {
    while !app.is_stopping() {
        let sent = match send_due(&app, &transport).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = ?anyhow::Error::from(e), "outbox: could not read the outbox");
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
///
/// The claimed rows sent are recorded together, once the batch (at most 20)
/// is through: one write instead of one per message (on SQLite each is a
/// commit of the one writer, which every intake waits for). A crash in
/// between sends that batch again once its lease ends, as a crash between
/// one message and its record always could.
pub async fn send_due(app: &App, transport: &Transport) -> Result<usize> {
    let rows = housekeeping::claim_mail(app).await?;
    let mut sent = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if app.is_stopping() {
            housekeeping::mail_sent(app, &sent).await?;
            // Given back, not left to wait out their lease.
            housekeeping::release_mail(app, &rows[i..]).await?;
            return Ok(i);
        }
        match transport.send(&app.mail_from, row).await {
            Ok(()) => {
                sent.push(row.id);
                tracing::info!(outbox_id = row.id, "mail sent");
            }
            Err(e) => {
                if housekeeping::mail_failed(app, row, &e.text, e.permanent).await? {
                    tracing::error!(outbox_id = row.id, attempts = row.attempts, error = %e,
                        "mail refused for good; set aside for an admin on /admin/outbox");
                } else {
                    tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %e, "mail not sent; will retry");
                }
            }
        }
    }
    housekeeping::mail_sent(app, &sent).await?;
    Ok(rows.len())
}

/// Sends webhook deliveries, woken by every commit that may have queued
/// some and every few seconds for retries.
pub async fn run_webhooks(app: App, clients: webhooks::Clients) {
    // A wake-up by a commit claims only when that commit queued deliveries
    // (most commits do not, and claiming takes SQLite's one writer); the
    // timer claims what came due for a retry.
    let mut look = true;
    while !app.is_stopping() {
        let claimed = if look || app.take_hooks_queued() {
            match webhooks::deliver_due(&app, &clients).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = ?anyhow::Error::from(e), "webhooks: could not read the deliveries");
                    0
                }
            }
        } else {
            0
        };
        look = claimed > 0
            || tokio::select! {
                _ = app.hook_wake.notified() => false,
                _ = tokio::time::sleep(Duration::from_secs(5)) => true,
            };
    }
}

/// Hourly: retention, reminders, deadline notices, and forgetting
/// unconfirmed submissions, expired sessions and old failed logins.
pub async fn run_housekeeping(app: App, sessions: SessionStore) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        housekeeping(&app, &sessions).await;
    }
}

/// Logs what a chore did: nothing, a count, or its error with the cause chain.
fn log_outcome<N: PartialEq + Default + std::fmt::Display>(what: &str, result: Result<N>) {
    match result {
        Ok(n) if n == N::default() => {}
        Ok(n) => tracing::info!(count = %n, "{what}"),
        Err(e) => tracing::error!(error = ?anyhow::Error::from(e), "{what}: failed"),
    }
}

pub async fn housekeeping(app: &App, sessions: &SessionStore) {
    log_outcome("identity reminders sent", crate::app::documents::identity_reminders(app).await);
    log_outcome("deadline notices sent", deadline_notices(app).await);
    log_outcome("fee reminders sent", fee_reminders(app).await);
    log_outcome("overdue searches told to their owners", crate::app::tasks::notify_overdue(app).await);
    if let Err(e) = crate::app::queue::check_counts(app).await {
        tracing::error!(error = ?anyhow::Error::from(e), "checking the queue's counts failed");
    }
    if let Err(e) = crate::app::reports::check_month_tally(app).await {
        tracing::error!(error = ?anyhow::Error::from(e), "checking the month tally failed");
    }
    log_outcome("old webhook deliveries forgotten", webhooks::prune(app).await);
    if let Err(e) = housekeeping::prune_logins(app, sessions).await {
        tracing::error!(error = ?anyhow::Error::from(e), "pruning sessions and failed logins failed");
    }
    // Retention last: a backlog of anonymisation never delays the reminders.
    match crate::app::retention::run_bounded(app, false, Some(crate::app::retention::ANONYMISE_PER_RUN)).await {
        Ok(report) => {
            for (class, n) in report.lines.iter().filter(|(_, n)| *n > 0) {
                tracing::info!(class = %class, count = n, "retention purge");
            }
        }
        Err(e) => tracing::error!(error = ?anyhow::Error::from(e), "retention purge failed"),
    }
    tracing::info!("housekeeping done");
}
