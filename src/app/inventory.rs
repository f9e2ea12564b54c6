//! The data inventory (保有個人データ台帳, issue 19): the systems that hold
//! personal data, who owns each, what it holds and why, for how long, where,
//! to whom it goes, and for which requests it must be searched. Every change
//! is kept with its author; a spreadsheet ledger comes in and goes out as CSV.

use std::collections::BTreeSet;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::records::Account;
use super::reports::{FORMULA_STARTS, csv_records, safe_cell};
use super::store::inventory::{self as si, NewChange, SystemFields, SystemRow};
use super::store::users;
use super::{App, AppError, Result};
use crate::domain::input::FieldError;
use crate::domain::inventory::{NAME_MAX, country_code, is_abroad, line_field, text_field};
use crate::domain::{Lang, Msg, RequestKind};

pub use si::ChangeRow;

/// A system of the inventory, as the pages show it.
#[derive(Debug, Clone)]
pub struct System {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner_name: String,
    pub owner_email: String,
    pub categories: String,
    pub purposes: String,
    pub retention: String,
    pub location: String,
    pub recipients: String,
    pub kinds: Vec<RequestKind>,
    pub updated_at: i64,
    pub retired: bool,
    /// The last day one of its searches was done.
    pub last_searched: Option<String>,
}

impl System {
    /// Outside Japan: Art. 28 information (the country, its regime, the measures).
    pub fn abroad(&self) -> bool {
        is_abroad(&self.location)
    }
}

/// Kind codes as stored (space-separated) to kinds; unknown codes are dropped.
pub fn parse_kinds(s: &str) -> Vec<RequestKind> {
    let set: BTreeSet<RequestKind> = s.split_whitespace().filter_map(|c| c.parse().ok()).collect();
    set.into_iter().collect()
}

fn kinds_text(kinds: &[RequestKind]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(" ")
}

impl From<SystemRow> for System {
    fn from(r: SystemRow) -> System {
        System {
            id: r.id,
            name: r.name,
            owner_id: r.owner_id,
            owner_name: r.owner_name.unwrap_or_default(),
            owner_email: r.owner_email.unwrap_or_default(),
            categories: r.categories,
            purposes: r.purposes,
            retention: r.retention,
            location: r.location,
            recipients: r.recipients,
            kinds: parse_kinds(&r.kinds),
            updated_at: r.updated_at,
            retired: r.retired_at.is_some(),
            last_searched: r.last_searched,
        }
    }
}

/// A system as its form (or a CSV line) carries it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SystemForm {
    pub name: String,
    /// The owner's account id (the form) or e-mail address (a CSV line).
    pub owner: String,
    pub categories: String,
    pub purposes: String,
    pub retention: String,
    pub location: String,
    pub recipients: String,
    pub kinds: Vec<String>,
}

impl SystemForm {
    pub fn of(s: &System) -> SystemForm {
        SystemForm {
            name: s.name.clone(),
            owner: s.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            categories: s.categories.clone(),
            purposes: s.purposes.clone(),
            retention: s.retention.clone(),
            location: s.location.clone(),
            recipients: s.recipients.clone(),
            kinds: s.kinds.iter().map(|k| k.code().to_owned()).collect(),
        }
    }

    pub fn has_kind(&self, code: &str) -> bool {
        self.kinds.iter().any(|k| k == code)
    }
}

/// Checks a system's form against the active staff; one message per field.
pub fn check(form: &SystemForm, staff: &[Account]) -> std::result::Result<SystemFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = line_field("name", &form.name, true, NAME_MAX, &mut errors);
    let owner = form.owner.nfkc().collect::<String>();
    let owner = owner.trim();
    let owner_id = if owner.is_empty() {
        None
    } else {
        let found = staff
            .iter()
            .find(|u| u.active && !u.api && (u.id.to_string() == owner || u.email.eq_ignore_ascii_case(owner)));
        match found {
            Some(u) => Some(u.id),
            None => {
                errors.push(FieldError { field: "owner", msg: Msg::new("inventory-owner-unknown") });
                None
            }
        }
    };
    let categories = text_field("categories", &form.categories, false, &mut errors);
    let purposes = text_field("purposes", &form.purposes, false, &mut errors);
    let retention = text_field("retention", &form.retention, false, &mut errors);
    let recipients = text_field("recipients", &form.recipients, false, &mut errors);
    let location = if form.location.trim().is_empty() {
        "JP".to_owned()
    } else {
        match country_code(&form.location) {
            Some(code) => code,
            None => {
                errors.push(FieldError { field: "location", msg: Msg::new("inventory-country-code") });
                form.location.clone()
            }
        }
    };
    let mut kinds = Vec::new();
    for k in &form.kinds {
        match kind_of(k) {
            Some(kind) => kinds.push(kind),
            None => {
                errors.push(FieldError {
                    field: "kinds",
                    msg: Msg::new("inventory-unknown-kind").text("kind", k.clone()),
                });
                break;
            }
        }
    }
    kinds.sort();
    kinds.dedup();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SystemFields {
        name,
        owner_id,
        categories,
        purposes,
        retention,
        location,
        recipients,
        kinds: kinds_text(&kinds),
    })
}

/// A request kind by its code or by its Japanese or English label.
/// A ledger's short forms are taken too (「開示」 for 「保有個人データの開示」)
/// where only one kind's label ends with them.
fn kind_of(s: &str) -> Option<RequestKind> {
    let s = s.trim();
    if let Ok(k) = s.parse() {
        return Some(k);
    }
    let all = RequestKind::ALL.iter().copied();
    let exact = all.clone().find(|k| k.label(Lang::JA) == s || k.label(Lang::EN).eq_ignore_ascii_case(s));
    exact.or_else(|| all.clone().find(|k| k.label(Lang::JA).strip_prefix("保有個人データの") == Some(s))).or_else(
        || {
            let ending: Vec<RequestKind> = all.filter(|k| !s.is_empty() && k.label(Lang::JA).ends_with(s)).collect();
            (ending.len() == 1).then(|| ending[0])
        },
    )
}

/// The fields that differ between two versions of a system.
fn changed_fields(a: &SystemFields, b: &SystemFields) -> Vec<&'static str> {
    let mut out = Vec::new();
    let pairs: [(&'static str, bool); 8] = [
        ("name", a.name != b.name),
        ("owner", a.owner_id != b.owner_id),
        ("categories", a.categories != b.categories),
        ("purposes", a.purposes != b.purposes),
        ("retention", a.retention != b.retention),
        ("location", a.location != b.location),
        ("recipients", a.recipients != b.recipients),
        ("kinds", a.kinds != b.kinds),
    ];
    for (name, differs) in pairs {
        if differs {
            out.push(name);
        }
    }
    out
}

fn fields_of(r: &SystemRow) -> SystemFields {
    SystemFields {
        name: r.name.clone(),
        owner_id: r.owner_id,
        categories: r.categories.clone(),
        purposes: r.purposes.clone(),
        retention: r.retention.clone(),
        location: r.location.clone(),
        recipients: r.recipients.clone(),
        kinds: r.kinds.clone(),
    }
}

fn snapshot(f: &SystemFields) -> Result<String> {
    serde_json::to_string(f).map_err(|e| AppError::internal("a system cannot be written", e))
}

/// Every system, live ones first.
pub async fn list(app: &App) -> Result<Vec<System>> {
    Ok(si::systems(&app.store).await?.into_iter().map(System::from).collect())
}

/// One system, retired or not.
pub async fn get(app: &App, id: i64) -> Result<Option<System>> {
    Ok(si::system(&app.store, id).await?.map(System::from))
}

/// The latest changes of the inventory.
pub async fn history(app: &App, limit: i64) -> Result<Vec<ChangeRow>> {
    Ok(si::changes(&app.store, limit).await?)
}

/// Writes a new or changed system and its line of history, in `tx`.
async fn write(
    app: &App,
    tx: &mut super::store::Tx,
    actor_id: i64,
    id: Option<i64>,
    fields: &SystemFields,
    what: &str,
) -> Result<Option<i64>> {
    let now = app.now_us();
    // A live name is one system: two of the same name would be one ledger line twice.
    if let Some(other) = si::live_id_by_name_in(tx, &fields.name).await?
        && Some(other) != id
    {
        return Err(AppError::field("name", "inventory-name-taken"));
    }
    let (id, changed) = match id {
        Some(id) => {
            let Some(before) = si::system_in(tx, id).await?.filter(|s| s.retired_at.is_none()) else {
                return Err(AppError::NotFound);
            };
            let changed = changed_fields(&fields_of(&before), fields);
            if changed.is_empty() {
                return Ok(None);
            }
            si::update_system(tx, id, fields, now).await?;
            (id, changed)
        }
        None => (si::insert_system(tx, fields, now).await?, Vec::new()),
    };
    let change = NewChange {
        system_id: id,
        at: now,
        actor_id: Some(actor_id),
        what,
        fields: &changed.join(" "),
        snapshot: &snapshot(fields)?,
    };
    si::insert_change(tx, &change).await?;
    Ok(Some(id))
}

/// Adds a system (an admin's act).
pub async fn create(app: &App, actor_id: i64, form: &SystemForm) -> Result<i64> {
    let staff = users::all(&app.store).await?;
    let fields = check(form, &staff).map_err(AppError::Invalid)?;
    let mut tx = app.store.begin().await?;
    let id = write(app, &mut tx, actor_id, None, &fields, "created").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a system; nothing is written when nothing changed.
pub async fn update(app: &App, actor_id: i64, id: i64, form: &SystemForm) -> Result<()> {
    let staff = users::all(&app.store).await?;
    let fields = check(form, &staff).map_err(AppError::Invalid)?;
    let mut tx = app.store.begin().await?;
    write(app, &mut tx, actor_id, Some(id), &fields, "updated").await?;
    tx.commit().await?;
    Ok(())
}

/// Retires a system: no new task names it; its history and tasks stay.
pub async fn retire(app: &App, actor_id: i64, id: i64) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let Some(row) = si::system_in(&mut tx, id).await?.filter(|s| s.retired_at.is_none()) else {
        return Err(AppError::NotFound);
    };
    let now = app.now_us();
    si::retire_system(&mut tx, id, now).await?;
    let change = NewChange {
        system_id: id,
        at: now,
        actor_id: Some(actor_id),
        what: "retired",
        fields: "",
        snapshot: &snapshot(&fields_of(&row))?,
    };
    si::insert_change(&mut tx, &change).await?;
    tx.commit().await?;
    Ok(())
}

/// The CSV's columns, in order: the header export writes.
pub const CSV_COLUMNS: [&str; 8] =
    ["name", "owner_email", "categories", "purposes", "retention", "location", "recipients", "kinds"];

/// The Japanese headings a ledger may carry instead, column by column.
const CSV_COLUMNS_JA: [&str; 8] =
    ["名称", "管理責任者", "個人データの項目", "利用目的", "保存期間", "保管場所", "提供先", "検索する請求"];

/// The live systems as CSV (UTF-8 with a BOM, so Excel reads Japanese);
/// cells a spreadsheet would run as formulas are neutralised.
pub fn export_csv(systems: &[System]) -> Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    let header = CSV_COLUMNS.map(|c| c.to_owned());
    let lines = systems.iter().filter(|s| !s.retired).map(|s| {
        [
            safe_cell(&s.name).into_owned(),
            s.owner_email.clone(),
            safe_cell(&s.categories).into_owned(),
            safe_cell(&s.purposes).into_owned(),
            safe_cell(&s.retention).into_owned(),
            s.location.clone(),
            safe_cell(&s.recipients).into_owned(),
            kinds_text(&s.kinds),
        ]
    });
    out.extend(csv_records(std::iter::once(header).chain(lines))?);
    Ok(out)
}

/// A cell as written by `export_csv`, read back (the quote that kept a
/// spreadsheet from running it as a formula is taken off).
fn unsafe_cell(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_owned(),
        _ => s.to_owned(),
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// One line of a CSV that cannot be taken, with its line number.
#[derive(Debug, Clone)]
pub struct LineError {
    pub line: u64,
    pub field: &'static str,
    pub msg: Msg,
}

/// The most lines an import takes.
pub const IMPORT_MAX_LINES: usize = 2000;

/// Reads a CSV ledger: a header line (our column names, or the Japanese
/// headings) and one system per line, kinds separated by spaces, `;` or
/// `、`. A system of the same name is updated, others added. All or
/// nothing: any bad line and nothing is written, every bad line named.
pub async fn import_csv(app: &App, actor_id: i64, bytes: &[u8]) -> Result<Imported, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::Unreadable)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| ImportError::Unreadable)?.clone();
    let mut index = [None::<usize>; 8];
    for (i, h) in header.iter().enumerate() {
        let h: String = h.nfkc().collect::<String>().trim().to_owned();
        if let Some(col) =
            CSV_COLUMNS.iter().position(|c| *c == h).or_else(|| CSV_COLUMNS_JA.iter().position(|c| *c == h))
        {
            index[col] = Some(i);
        }
    }
    if index[0].is_none() {
        return Err(ImportError::NoNameColumn);
    }
    let staff = users::all(&app.store).await?;
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for (n, record) in reader.records().enumerate() {
        if n >= IMPORT_MAX_LINES {
            return Err(ImportError::TooManyLines);
        }
        let line = u64::try_from(n).unwrap_or(0) + 2;
        let record = record.map_err(|_| ImportError::Unreadable)?;
        let cell = |col: usize| index[col].and_then(|i| record.get(i)).map(unsafe_cell).unwrap_or_default();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let form = SystemForm {
            name: cell(0),
            owner: cell(1),
            categories: cell(2),
            purposes: cell(3),
            retention: cell(4),
            location: cell(5),
            recipients: cell(6),
            kinds: cell(7)
                .split([' ', ';', '、', ',', '　'])
                .filter(|k| !k.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        };
        match check(&form, &staff) {
            Ok(fields) => {
                if !names.insert(fields.name.clone()) {
                    errors.push(LineError { line, field: "name", msg: Msg::new("inventory-name-twice") });
                } else {
                    parsed.push((line, fields));
                }
            }
            Err(es) => errors.extend(es.into_iter().map(|e| LineError { line, field: e.field, msg: e.msg })),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Lines(errors));
    }
    let mut tx = app.store.begin().await?;
    let mut done = Imported::default();
    for (_, fields) in &parsed {
        let existing = si::live_id_by_name_in(&mut tx, &fields.name).await?;
        match (existing, write(app, &mut tx, actor_id, existing, fields, "imported").await?) {
            (None, _) => done.added += 1,
            (Some(_), Some(_)) => done.changed += 1,
            (Some(_), None) => done.unchanged += 1,
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// Why an import took nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not a CSV in UTF-8")]
    Unreadable,
    #[error("no name column")]
    NoNameColumn,
    #[error("too many lines")]
    TooManyLines,
    #[error("some lines cannot be taken")]
    Lines(Vec<LineError>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<super::store::StoreError> for ImportError {
    fn from(e: super::store::StoreError) -> Self {
        ImportError::App(e.into())
    }
}

/// What the public page tells of one system (Art. 32(1); Art. 28 for data abroad).
#[derive(Debug, Clone)]
pub struct PublicSystem {
    pub name: String,
    pub categories: String,
    pub purposes: String,
    pub retention: String,
    /// The country, when outside Japan.
    pub abroad: Option<String>,
}

/// The live systems as the public page lists them: what each holds, why
/// and for how long, and where when abroad. Empty while the inventory is
/// (the settings' text is shown instead).
pub async fn public_summary(app: &App) -> Result<Vec<PublicSystem>> {
    Ok(si::public_systems(&app.store)
        .await?
        .into_iter()
        .map(|(name, categories, purposes, retention, location)| PublicSystem {
            name,
            categories,
            purposes,
            retention,
            abroad: is_abroad(&location).then_some(location),
        })
        .collect())
}
