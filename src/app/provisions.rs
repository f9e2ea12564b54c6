//! Records of provision to and receipt from third parties (APPI Arts.
//! 29–30, issue 19): written by staff, kept 1 or 3 years (a setting), and
//! listed on a `provision_record` case for the person they concern.

use super::records::CaseRecord;
use super::reports::{csv_records, safe_cell};
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

/// The records of a provision-record case's person as a CSV file for the
/// requester (UTF-8 with a BOM, headings in the case's language): what
/// Art. 33(5) discloses — the date, the recipient or source, the person,
/// the items, the basis, and for receipts how the source obtained them.
pub fn answer_csv(records: &[ProvisionRecord], lang: crate::domain::Lang) -> Result<Vec<u8>> {
    use crate::domain::inventory::{Basis, Direction};
    let heading = [
        "provision-on-date",
        "provision-direction",
        "provision-counterparty",
        "provision-counterparty-address",
        "provision-subject",
        "provision-items",
        "provision-basis",
        "provision-source-obtained",
    ]
    .map(|id| lang.t(id).to_owned());
    let lines = records.iter().map(|r| {
        [
            r.on_date.clone(),
            r.direction.parse::<Direction>().map(|d| d.label(lang).to_owned()).unwrap_or_default(),
            safe_cell(&r.counterparty).into_owned(),
            safe_cell(&r.counterparty_address).into_owned(),
            safe_cell(&r.subject).into_owned(),
            safe_cell(&r.items).into_owned(),
            r.basis.parse::<Basis>().map(|b| b.label(lang).to_owned()).unwrap_or_default(),
            safe_cell(&r.source_obtained).into_owned(),
        ]
    });
    let mut out = Vec::from("\u{feff}".as_bytes());
    out.extend(csv_records(std::iter::once(heading).chain(lines))?);
    Ok(out)
}

/// Attaches the person's records to a provision-record case as a result
/// file for the answer (staff check the list on the case page first).
pub async fn attach_to_answer(
    app: &App,
    reference: &crate::domain::Reference,
    actor: crate::domain::Actor,
) -> Result<i64> {
    let rec = super::store::cases::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    if rec.case.kind != crate::domain::RequestKind::ProvisionRecord {
        return Err(AppError::Domain(crate::domain::DomainError::Illegal(crate::domain::Msg::new(
            "provisions-only-for-provision-records",
        ))));
    }
    let records = for_case(app, &rec).await?;
    if records.is_empty() {
        return Err(AppError::Domain(crate::domain::DomainError::Illegal(crate::domain::Msg::new(
            "provisions-none-for-person",
        ))));
    }
    let bytes = answer_csv(&records, rec.lang)?;
    let upload = super::results::Upload {
        label: rec.lang.t("provisions-answer-label").to_owned(),
        file_name: format!("provision-records-{reference}.csv"),
        bytes,
    };
    super::results::attach(app, reference, upload, actor).await
}
