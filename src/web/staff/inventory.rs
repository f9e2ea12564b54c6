//! `/admin/inventory`: the data inventory (保有個人データ台帳). Staff read it;
//! admins add, change and retire systems, and bring a spreadsheet ledger in
//! or take it out as CSV. `/staff/provisions`: the records of provision to
//! and receipt from third parties (Arts. 29–30).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppError;
use crate::app::inventory::{self, ChangeRow, ImportError, Imported, System, SystemForm};
use crate::app::provisions::{self, ProvisionRecord};
use crate::app::records::Account;
use crate::domain::inventory::{Basis, Direction, ProvisionForm, RecordForm};
use crate::domain::{Lang, RequestKind};
use crate::web::WebError;
use crate::web::auth::{Admin, StaffUser};
use crate::web::csrf::{CsrfForm, CsrfMultipart, CsrfOnly, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};
use crate::web::path::Path;

/// History lines the page shows.
const HISTORY: i64 = 50;
/// The largest CSV an import takes.
const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;

pub type Choice = (&'static str, &'static str);

pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub system: String,
    pub system_id: i64,
    pub what: &'static str,
    pub fields: String,
}

fn history_lines(app: &crate::app::App, rows: Vec<ChangeRow>, lang: Lang) -> Vec<HistoryLine> {
    rows.into_iter()
        .map(|r| HistoryLine {
            at: app.local_minute(r.at),
            who: r.actor_name.unwrap_or_default(),
            system: r.system_name,
            system_id: r.system_id,
            what: lang.t(&format!("inventory-change-{}", r.what)),
            fields: r
                .fields
                .split_whitespace()
                .map(|f| crate::web::page::field_label(f, lang))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect()
}

/// Active people (not API accounts) who may own a system.
fn owners(staff: Vec<Account>) -> Vec<Account> {
    staff.into_iter().filter(|u| u.active && !u.api).collect()
}

fn kind_choices(lang: Lang) -> Vec<Choice> {
    RequestKind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect()
}

#[derive(Template)]
#[template(path = "staff/inventory.html")]
struct InventoryPage {
    p: Page,
    systems: Vec<System>,
    history: Vec<HistoryLine>,
    owners: Vec<Account>,
    kinds: Vec<Choice>,
    form: SystemForm,
    errors: FormErrors,
    /// What an import did, or the lines it could not take.
    imported: Option<Imported>,
    import_errors: Vec<String>,
}

impl InventoryPage {
    fn kind_label(&self, k: &RequestKind) -> &'static str {
        k.label(self.p.lang)
    }
}

async fn render(
    ctx: &Ctx,
    user: &StaffUser,
    form: SystemForm,
    errors: FormErrors,
    imported: Option<Imported>,
    import_errors: Vec<String>,
) -> Result<InventoryPage, WebError> {
    let app = &ctx.state.app;
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    Ok(InventoryPage {
        systems: inventory::list(app).await?,
        history: history_lines(app, inventory::history(app, HISTORY).await?, lang),
        owners: owners(crate::app::users::list(app).await?),
        kinds: kind_choices(lang),
        form,
        errors,
        imported,
        import_errors,
        p,
    })
}

fn blank() -> SystemForm {
    SystemForm { location: "JP".into(), ..SystemForm::default() }
}

/// `GET /admin/inventory`: every staff member reads it.
pub async fn inventory_get(user: StaffUser, ctx: Ctx) -> Result<Response, WebError> {
    let page = render(&ctx, &user, blank(), FormErrors::default(), None, Vec::new()).await?;
    Ok(html(StatusCode::OK, &page))
}

/// A system's form as posted (the fields of `SystemForm`, and the token).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SystemPost {
    name: String,
    owner: String,
    categories: String,
    purposes: String,
    retention: String,
    location: String,
    recipients: String,
    kinds: Vec<String>,
    csrf_token: String,
}

impl SystemPost {
    fn form(self) -> SystemForm {
        SystemForm {
            name: self.name,
            owner: self.owner,
            categories: self.categories,
            purposes: self.purposes,
            retention: self.retention,
            location: self.location,
            recipients: self.recipients,
            kinds: self.kinds,
        }
    }
}

impl HasCsrf for SystemPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /admin/inventory`: an admin adds a system.
pub async fn inventory_post(
    Admin(user): Admin,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<SystemPost>,
) -> Result<Response, WebError> {
    let form = post.form();
    match inventory::create(&ctx.state.app, user.id, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/inventory#system-{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let page = render(&ctx, &user, form, errors, None, Vec::new()).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/inventory_system.html")]
struct SystemPage {
    p: Page,
    system: System,
    owners: Vec<Account>,
    kinds: Vec<Choice>,
    form: SystemForm,
    errors: FormErrors,
}

async fn system_page(
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    form: Option<SystemForm>,
    errors: FormErrors,
) -> Result<SystemPage, WebError> {
    let app = &ctx.state.app;
    let system =
        inventory::list(app).await?.into_iter().find(|s| s.id == id && !s.retired).ok_or(AppError::NotFound)?;
    let p = ctx.page(Some(user)).await?;
    let kinds = kind_choices(p.lang);
    Ok(SystemPage {
        form: form.unwrap_or_else(|| SystemForm::of(&system)),
        system,
        owners: owners(crate::app::users::list(app).await?),
        kinds,
        errors,
        p,
    })
}

/// `GET /admin/inventory/{id}`: an admin's form to change a system.
pub async fn system_get(Admin(user): Admin, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, WebError> {
    let page = system_page(&ctx, &user, id, None, FormErrors::default()).await?;
    Ok(html(StatusCode::OK, &page))
}

/// `POST /admin/inventory/{id}`: the change, written with its line of history.
pub async fn system_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(post): CsrfForm<SystemPost>,
) -> Result<Response, WebError> {
    let form = post.form();
    match inventory::update(&ctx.state.app, user.id, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/inventory#system-{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let page = system_page(&ctx, &user, id, Some(form), errors).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/inventory/{id}/retire`: no new task names it; its history stays.
pub async fn retire_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    inventory::retire(&ctx.state.app, user.id, id).await?;
    Ok(Redirect::to("/admin/inventory").into_response())
}

/// `GET /admin/inventory.csv`: the live systems as a spreadsheet ledger.
pub async fn export_get(_user: StaffUser, ctx: Ctx) -> Result<Response, WebError> {
    let systems = inventory::list(&ctx.state.app).await?;
    let body = inventory::export_csv(&systems)?;
    let name = format!("inventory-{}.csv", ctx.state.app.today());
    Ok(super::attachment("text/csv; charset=utf-8", &name, body))
}

/// `POST /admin/inventory/import` (multipart: `file`, `csrf_token`): all
/// lines or none; each bad line is named with its number.
pub async fn import_post(Admin(user): Admin, ctx: Ctx, upload: CsrfMultipart) -> Result<Response, WebError> {
    let mut multipart = upload.multipart;
    let (mut bytes, mut too_large, mut token) = (Vec::new(), false, String::new());
    let broken = || WebError::Unprocessable(crate::domain::Msg::new("the-upload-was-cut-off-please"));
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        match field.name().unwrap_or("") {
            "file" => {
                while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                    if bytes.len() + chunk.len() > IMPORT_MAX_BYTES {
                        too_large = true;
                    } else if !too_large {
                        bytes.extend_from_slice(&chunk);
                    }
                }
            }
            "csrf_token" => token = field.text().await.map_err(|_| broken())?,
            _ => {}
        }
    }
    crate::web::csrf::check(&upload.session, &token).await?;
    let lang = ctx.lang;
    let result = if too_large {
        Err(vec![lang.t("inventory-import-too-large").to_owned()])
    } else if bytes.is_empty() {
        Err(vec![lang.t("inventory-import-choose-a-file").to_owned()])
    } else {
        match inventory::import_csv(&ctx.state.app, user.id, &bytes).await {
            Ok(done) => Ok(done),
            Err(ImportError::App(e)) => return Err(e.into()),
            Err(ImportError::Unreadable) => Err(vec![lang.t("inventory-import-unreadable").to_owned()]),
            Err(ImportError::NoNameColumn) => Err(vec![lang.t("inventory-import-no-name-column").to_owned()]),
            Err(ImportError::TooManyLines) => Err(vec![
                crate::domain::Msg::new("inventory-import-too-many-lines")
                    .num("n", inventory::IMPORT_MAX_LINES as i64)
                    .get(lang),
            ]),
            Err(ImportError::Lines(lines)) => Err(lines
                .iter()
                .map(|l| {
                    format!(
                        "{}：{}：{}",
                        crate::domain::Msg::new("inventory-import-line").num("n", l.line as i64).get(lang),
                        crate::web::page::field_label(l.field, lang),
                        l.msg.get(lang)
                    )
                })
                .collect()),
        }
    };
    let (status, imported, errors) = match result {
        Ok(done) => (StatusCode::OK, Some(done), Vec::new()),
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
    };
    let page = render(&ctx, &user, blank(), FormErrors::default(), imported, errors).await?;
    Ok(html(status, &page))
}

// ---- provision records ----

#[derive(Template)]
#[template(path = "staff/provisions.html")]
struct ProvisionsPage {
    p: Page,
    records: Vec<ProvisionRecord>,
    q: String,
    form: ProvisionForm,
    errors: FormErrors,
    directions: Vec<Choice>,
    bases: Vec<Choice>,
    record_forms: Vec<Choice>,
    today: String,
    years: (i64, i64),
    saved: bool,
}

impl ProvisionsPage {
    fn direction_label(&self, code: &str) -> &'static str {
        direction_label(code, self.p.lang)
    }

    fn basis_label(&self, code: &str) -> &'static str {
        basis_label(code, self.p.lang)
    }
}

/// A stored record's direction and basis, labelled (the provisions page and
/// the provision-record case both list records).
pub(super) fn direction_label(code: &str, lang: Lang) -> &'static str {
    code.parse::<Direction>().map(|d| d.label(lang)).unwrap_or("")
}

pub(super) fn basis_label(code: &str, lang: Lang) -> &'static str {
    code.parse::<Basis>().map(|b| b.label(lang)).unwrap_or("")
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProvisionsQuery {
    q: String,
    saved: String,
}

async fn provisions_page(
    ctx: &Ctx,
    user: &StaffUser,
    q: String,
    form: ProvisionForm,
    errors: FormErrors,
    saved: bool,
) -> Result<ProvisionsPage, WebError> {
    let app = &ctx.state.app;
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    Ok(ProvisionsPage {
        records: provisions::list(app, &q).await?,
        q,
        form,
        errors,
        directions: Direction::ALL.iter().map(|d| (d.code(), d.label(lang))).collect(),
        bases: Basis::ALL.iter().map(|d| (d.code(), d.label(lang))).collect(),
        record_forms: RecordForm::ALL.iter().map(|d| (d.code(), d.label(lang))).collect(),
        today: app.today().to_string(),
        years: app.settings().await?.provision_years(),
        saved,
        p,
    })
}

/// `GET /staff/provisions`: the records, the latest first or by a person's name.
pub async fn provisions_get(user: StaffUser, ctx: Ctx, Query(q): Query<ProvisionsQuery>) -> Result<Response, WebError> {
    let form = ProvisionForm { record_form: "each".into(), ..ProvisionForm::default() };
    let q_text = crate::domain::input::controls_as_spaces(&q.q);
    let page =
        provisions_page(&ctx, &user, q_text.trim().to_owned(), form, FormErrors::default(), q.saved == "1").await?;
    Ok(html(StatusCode::OK, &page))
}

/// A record's form as posted (the fields of `ProvisionForm`, and the token).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ProvisionPost {
    direction: String,
    on_date: String,
    counterparty: String,
    counterparty_address: String,
    subject: String,
    subject_birth_date: String,
    items: String,
    basis: String,
    source_obtained: String,
    record_form: String,
    csrf_token: String,
}

impl ProvisionPost {
    fn form(self) -> ProvisionForm {
        ProvisionForm {
            direction: self.direction,
            on_date: self.on_date,
            counterparty: self.counterparty,
            counterparty_address: self.counterparty_address,
            subject: self.subject,
            subject_birth_date: self.subject_birth_date,
            items: self.items,
            basis: self.basis,
            source_obtained: self.source_obtained,
            record_form: self.record_form,
        }
    }
}

impl HasCsrf for ProvisionPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /staff/provisions`: a staff member writes a record.
pub async fn provisions_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<ProvisionPost>,
) -> Result<Response, WebError> {
    let form = post.form();
    match provisions::record(&ctx.state.app, user.id, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/provisions?saved=1#provision-{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let page = provisions_page(&ctx, &user, String::new(), form, errors, false).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
