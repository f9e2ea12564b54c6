//! Mail that could not be sent (issue 17). A message the mail server refuses
//! for good is set aside as failed after a few tries, never dropped: an admin
//! sees it on `/admin/outbox` with the server's answer, and either sends it
//! again (after fixing the address or the server) or marks it handled (the
//! person was reached another way). While failures wait, the queue says so.

use super::records::Account;
use super::store::outbox;
use super::{App, AppError, Result};

pub use super::store::outbox::FailedRow as FailedMail;

/// The failed messages no admin has dealt with yet, oldest first.
pub async fn failures(app: &App) -> Result<Vec<FailedMail>> {
    Ok(outbox::failures(&app.store).await?)
}

pub async fn failure_count(app: &App) -> Result<i64> {
    Ok(outbox::failure_count(&app.store).await?)
}

/// "Send again": the message is due now, with its tries counted afresh.
pub async fn send_again(app: &App, id: i64) -> Result<()> {
    if !outbox::resend(&app.store, id, app.now_us()).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(outbox_id = id, "failed mail queued again");
    app.wake_workers();
    Ok(())
}

/// "Handled": the row stays, out of the list and the queue's warning.
pub async fn mark_handled(app: &App, by: &Account, id: i64) -> Result<()> {
    if !outbox::mark_handled(&app.store, id, by.id, app.now_us()).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(outbox_id = id, "failed mail marked handled");
    Ok(())
}
