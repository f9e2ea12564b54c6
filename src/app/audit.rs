//! The audit trail: every case's events are hash-chained in the store; this
//! checks the chains (`madoguchi audit verify`).

use super::{App, Result};

/// Checks every case's chain; returns the references (or ids) of broken ones.
pub async fn verify_all(app: &App) -> Result<Vec<String>> {
    Ok(super::store::cases::broken_chains(&app.store).await?)
}
