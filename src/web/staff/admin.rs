//! Administration: users and roles, business settings.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppError;
use crate::app::settings::{self, SETTINGS, Screen, SettingDef};
use crate::app::users::{self, NewUser, add_user};
use crate::domain::fees;
use crate::domain::input::FieldError;
use crate::domain::{Msg, PaymentMethod, Role};
use crate::web::WebError;
use crate::web::auth::{Admin, StaffUser};
use crate::web::csrf::{CsrfForm, HasCsrf, Pairs};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};
use crate::web::path::Path;

pub struct UserLine {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub active: bool,
    pub totp_on: bool,
}

#[derive(Template)]
#[template(path = "staff/admin_users.html")]
struct UsersPage {
    p: Page,
    users: Vec<UserLine>,
    roles: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    email: String,
    display_name: String,
    role: String,
    /// What the abuse limits refused: (code, label, last 7 days, today).
    refusals: Vec<(&'static str, &'static str, i64, i64)>,
    /// What the last action did ("" for none).
    done: String,
}

async fn users_page(
    ctx: &Ctx,
    user: &StaffUser,
    errors: FormErrors,
    email: String,
    display_name: String,
    role: String,
) -> Result<UsersPage, WebError> {
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    let users = users::list(&ctx.state.app)
        .await?
        .into_iter()
        .map(|u| UserLine {
            id: u.id,
            email: u.email,
            name: u.display_name,
            role: u.role.code(),
            role_label: u.role.label(lang),
            active: u.active,
            totp_on: u.totp_on,
        })
        .collect();
    let refusals = crate::app::abuse::overview(&ctx.state.app)
        .await?
        .into_iter()
        .map(|(r, week, today)| (r.code(), lang.t(&format!("refusal-{}", r.code())), week, today))
        .collect();
    Ok(UsersPage {
        done: String::new(),
        refusals,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label(lang))).collect(),
        p,
        users,
        errors,
        email,
        display_name,
        role,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn users_get(Admin(user): Admin, ctx: Ctx, Query(q): Query<DoneQuery>) -> Result<Response, WebError> {
    let mut page = users_page(&ctx, &user, FormErrors::default(), String::new(), String::new(), "staff".into()).await?;
    page.done = match q.done.as_deref() {
        Some("totp-reset") => page.p.t("two-factor-sign-in-was-reset").to_owned(),
        Some("reset-sent") => page.p.t("a-reset-link-was-sent").to_owned(),
        _ => String::new(),
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct UserPost {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for UserPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn users_post(
    Admin(user): Admin,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<UserPost>,
) -> Result<Response, WebError> {
    let result = match post.role.parse::<Role>() {
        Ok(role) => {
            add_user(
                &ctx.state.app,
                NewUser {
                    email: post.email.clone(),
                    display_name: post.display_name.clone(),
                    role,
                    password: post.password.clone(),
                },
            )
            .await
        }
        Err(_) => Err(AppError::Invalid(vec![FieldError { field: "role", msg: Msg::new("choose-a-role") }])),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let page = users_page(&ctx, &user, errors, post.email, post.display_name, post.role).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct UserUpdate {
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for UserUpdate {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn user_update_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(post): CsrfForm<UserUpdate>,
) -> Result<Response, WebError> {
    let role: Role = post.role.parse().map_err(|_| WebError::Unprocessable(Msg::new("choose-a-role")))?;
    users::update(&ctx.state.app, user.id, id, role, post.active == "yes").await?;
    Ok(Redirect::to("/admin/users").into_response())
}

/// `POST /admin/users/{id}/reset-totp`: a lost phone; logged in the access log.
pub async fn reset_totp_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<crate::web::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    crate::app::account::reset_totp(&ctx.state.app, user.id, id).await?;
    Ok(Redirect::to("/admin/users?done=totp-reset").into_response())
}

/// `POST /admin/users/{id}/send-reset-link`: a one-time link by e-mail (an hour).
pub async fn send_reset_link_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<crate::web::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    crate::app::account::send_reset_link(&ctx.state.app, user.id, id).await?;
    Ok(Redirect::to("/admin/users?done=reset-sent").into_response())
}

pub struct SettingLine {
    pub def: &'static SettingDef,
    pub label: &'static str,
    pub effect: &'static str,
    pub value: String,
}

/// The settings the admin page edits (the deadlines page has its own).
fn admin_defs() -> impl Iterator<Item = &'static SettingDef> {
    SETTINGS.iter().filter(|d| d.screen == Screen::Admin)
}

/// One line of the fee schedule as the settings page shows it.
pub struct FeeLine {
    pub key: String,
    pub kind: &'static str,
    pub delivery: &'static str,
    pub value: String,
    /// APPI Art. 38: only purpose notices and disclosures may carry a fee.
    pub allowed: bool,
}

#[derive(Template)]
#[template(path = "staff/admin_settings.html")]
struct SettingsPage {
    p: Page,
    lines: Vec<SettingLine>,
    fees: Vec<FeeLine>,
    methods: Vec<(&'static str, &'static str, bool)>,
    errors: FormErrors,
    saved: bool,
}

fn fee_lines(lang: crate::domain::Lang, get: impl Fn(&str) -> String) -> Vec<FeeLine> {
    fees::slots()
        .into_iter()
        .map(|(kind, delivery)| {
            let key = fees::key(kind, delivery);
            FeeLine {
                value: get(&key),
                key,
                kind: kind.label(lang),
                delivery: delivery.map(|d| d.label(lang)).unwrap_or("—"),
                allowed: kind.fee_allowed(),
            }
        })
        .collect()
}

fn method_choices(lang: crate::domain::Lang, chosen: &[PaymentMethod]) -> Vec<(&'static str, &'static str, bool)> {
    PaymentMethod::ALL.iter().map(|m| (m.code(), m.label(lang), chosen.contains(m))).collect()
}

pub async fn settings_get(
    Admin(user): Admin,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let s = ctx.state.app.settings().await?;
    let lang = ctx.lang;
    let lines = admin_defs()
        .map(|def| SettingLine {
            def,
            label: def.label(lang),
            effect: def.effect(lang),
            value: s.get(def.key).to_owned(),
        })
        .collect();
    let schedule = s.schedule();
    let p = ctx.page(Some(&user)).await?;
    let fees = fee_lines(p.lang, |k| {
        schedule.lines.iter().find(|l| l.key() == k).map(|l| l.amount.to_string()).unwrap_or_default()
    });
    let methods = method_choices(p.lang, &schedule.methods);
    Ok(html(
        StatusCode::OK,
        &SettingsPage { p, lines, fees, methods, errors: FormErrors::default(), saved: q.contains_key("saved") },
    ))
}

pub async fn settings_post(
    Admin(user): Admin,
    ctx: Ctx,
    CsrfForm(Pairs(pairs)): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let one = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let lang = ctx.lang;
    let mut errors = FormErrors::default();
    let mut lines = Vec::new();
    // A setting the form does not carry keeps its value (a page or a
    // script from before it existed still saves).
    let current = ctx.state.app.settings().await?;
    for def in admin_defs() {
        let value =
            one(def.key).map(|v| v.trim().replace("\r\n", "\n")).unwrap_or_else(|| current.get(def.key).to_owned());
        if let Err(msg) = def.validate(&value) {
            errors.list.push((def.key.to_owned(), def.label(lang).to_owned(), msg.get(lang)));
        }
        lines.push(SettingLine { def, label: def.label(lang), effect: def.effect(lang), value });
    }
    let chosen: Vec<String> = pairs.iter().filter(|(k, _)| k == "fee_methods").map(|(_, v)| v.clone()).collect();
    let fee_values = fees::validate(|k| if k == "fee_methods" { Some(chosen.join(",")) } else { one(k) });
    let fee_values = match fee_values {
        Ok(v) => v,
        Err(fee_errors) => {
            for e in fee_errors {
                errors.list.push((e.field.to_owned(), fee_label(e.field, lang), e.msg.get(lang).to_owned()));
            }
            Vec::new()
        }
    };
    if errors.any() {
        let p = ctx.page(Some(&user)).await?;
        let fees = fee_lines(p.lang, |k| one(k).unwrap_or_default());
        let parsed: Vec<PaymentMethod> = chosen.iter().filter_map(|c| c.parse().ok()).collect();
        let methods = method_choices(p.lang, &parsed);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SettingsPage { p, lines, fees, methods, errors, saved: false },
        ));
    }
    let mut values: Vec<(String, String)> = lines.into_iter().map(|l| (l.def.key.to_owned(), l.value)).collect();
    values.extend(fee_values);
    settings::save(&ctx.state.app, &values).await?;
    Ok(Redirect::to("/admin/settings?saved=1").into_response())
}

/// "手数料：開示（郵送）" for the error summary.
fn fee_label(field: &str, lang: crate::domain::Lang) -> String {
    if field == "fee_methods" {
        return lang.t("payment-methods").to_owned();
    }
    fees::slots()
        .into_iter()
        .find(|(k, d)| fees::key(*k, *d) == field)
        .map(|(k, d)| match d {
            Some(d) => format!("{}：{}（{}）", lang.t("fee"), k.label(lang), d.label(lang)),
            None => format!("{}：{}", lang.t("fee"), k.label(lang)),
        })
        .unwrap_or_default()
}
