//! The fee ledger's lines.

use jiff::civil::Date;

use super::{Result, Store, Tx, code, date, on, opt_code};
use crate::app::records::FeeEntry;
use crate::domain::{FeeEntryKind, PaymentMethod};

pub struct NewFeeEntry<'a> {
    pub case_id: i64,
    pub entry: FeeEntryKind,
    pub amount: i64,
    pub method: Option<PaymentMethod>,
    pub on_date: Date,
    pub payment_ref: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub at: i64,
}

pub async fn insert_fee_entry(tx: &mut Tx, e: &NewFeeEntry<'_>) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO fee_entries (case_id, entry, amount, method, on_date, payment_ref, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(e.case_id).bind(e.entry.code()).bind(e.amount).bind(e.method.map(PaymentMethod::code))
        .bind(e.on_date.to_string()).bind(e.payment_ref).bind(e.actor_id).bind(e.at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct FeeEntryRow {
    id: i64,
    entry: String,
    amount: i64,
    method: Option<String>,
    on_date: String,
    payment_ref: Option<String>,
}

impl FeeEntryRow {
    fn into_entry(self) -> Result<FeeEntry> {
        Ok(FeeEntry {
            id: self.id,
            entry: code(&self.entry)?,
            amount: self.amount,
            method: opt_code(&self.method)?,
            on_date: date(&self.on_date)?,
            payment_ref: self.payment_ref,
        })
    }
}

pub async fn fee_entries(store: &Store, case_id: i64) -> Result<Vec<FeeEntry>> {
    let rows: Vec<FeeEntryRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, entry, amount, method, on_date, payment_ref FROM fee_entries WHERE case_id = $1 ORDER BY id")
        .bind(case_id).fetch_all(c).await)?;
    rows.into_iter().map(FeeEntryRow::into_entry).collect()
}

pub async fn fee_entry(store: &Store, case_id: i64, id: i64) -> Result<Option<FeeEntry>> {
    let row: Option<FeeEntryRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, entry, amount, method, on_date, payment_ref FROM fee_entries WHERE case_id = $1 AND id = $2")
        .bind(case_id).bind(id).fetch_optional(c).await)?;
    row.map(FeeEntryRow::into_entry).transpose()
}
