//! Records of provision to and receipt from third parties (APPI Arts.
//! 29–30, issue 19): written by staff, kept 1 or 3 years (a setting), and
//! listed on a `provision_record` case for the person they concern.

use super::records::CaseRecord;
use super::store::inventory::{self as si, NewProvision};
use super::{App, AppError, Result};
use crate::domain::inventory::{ProvisionForm, keep_until, name_key, parse_provision};

pub use si::ProvisionRow as ProvisionRecord;

/// Records the page lists at most.
pub const LIST_MAX: i64 = 200;

/// Writes a record; its last day follows from its form and the settings.
pub async fn record(app: &App, actor_id: i64, form: &ProvisionForm) -> Result<i64> {
    let p = parse_provision(form, app.today()).map_err(AppError::Invalid)?;
    let (contract_years, other_years) = app.settings().await?.provision_years();
    let key = name_key(&p.subject);
    let row = NewProvision {
        direction: p.direction.code(),
        on_date: p.on_date.to_string(),
        counterparty: &p.counterparty,
        counterparty_address: &p.counterparty_address,
        subject: &p.subject,
        subject_key: &key,
        subject_birth_date: p.subject_birth_date.map(|d| d.to_string()),
        items: &p.items,
        basis: p.basis.code(),
        source_obtained: &p.source_obtained,
        record_form: p.record_form.code(),
        keep_until: keep_until(p.on_date, p.record_form, contract_years, other_years).to_string(),
        created_by: Some(actor_id),
        at: app.now_us(),
    };
    Ok(si::insert_provision(&app.store, &row).await?)
}

/// The latest records, or those whose person's name holds `q`.
pub async fn list(app: &App, q: &str) -> Result<Vec<ProvisionRecord>> {
    let key = name_key(q);
    Ok(si::provisions(&app.store, (!key.is_empty()).then_some(key.as_str()), LIST_MAX).await?)
}

/// The records of the person a case is about: the same name (spaces and
/// width aside) and, where both are known, the same birth date.
pub async fn for_case(app: &App, rec: &CaseRecord) -> Result<Vec<ProvisionRecord>> {
    let key = name_key(&rec.person.subject_name);
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let birth = rec.person.subject_birth_date.map(|d| d.to_string());
    Ok(si::provisions_of(&app.store, &key, birth.as_deref()).await?)
}

/// Deletes the records past their last day (housekeeping); how many.
pub async fn purge_expired(app: &App) -> Result<u64> {
    Ok(si::purge_provisions(&app.store, &app.today().to_string()).await?)
}
