//! The staff's pages: login, queue, case, intake, reports, administration.

mod access;
mod account;
mod actions;
mod admin;
mod answers;
mod api_tokens;
mod case;
mod charts;
mod deadlines;
mod inventory;
mod outbox;
mod queue;
mod reports;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::auth::{self, StaffUser};
use super::client::ClientAddr;
use super::csrf::{CsrfForm, CsrfOnly, HasCsrf};
use super::errors::html;
use super::page::{Ctx, FormErrors, Page};
use super::public::{RequestPost, request_form_page};
use super::{AppState, WebError};
use crate::app::{AppError, requests, users};
use crate::domain::input::RequestForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(login_get).post(login_post))
        .route("/staff/logout", post(logout_post))
        .route("/staff/login/totp", get(account::login_totp_get).post(account::login_totp_post))
        .route("/staff/reset", get(account::reset_get).post(account::reset_post))
        .route("/staff/account", get(account::account_get).post(account::account_post))
        .route("/staff/account/totp/start", post(account::totp_start_post))
        .route("/staff/account/totp/confirm", post(account::totp_confirm_post))
        .route("/staff/account/totp/disable", post(account::totp_disable_post))
        .route("/staff/access-log", get(access::access_log_get))
        .route("/staff/access-log.csv", get(access::access_log_csv))
        .route("/staff/cases/{reference}/access", get(access::case_access_get))
        .route("/admin/users/{id}/reset-totp", post(admin::reset_totp_post))
        .route("/admin/users/{id}/send-reset-link", post(admin::send_reset_link_post))
        .route("/setup", get(setup_get).post(setup_post))
        .route("/staff", get(queue::queue_get))
        .route("/staff/assign", post(queue::assign_post))
        .route("/staff/intake", get(intake_get).post(intake_post))
        .route("/staff/cases/{reference}", get(case::case_get))
        .route("/staff/cases/{reference}/{action}", post(actions::case_action_post))
        .route(
            "/staff/cases/{reference}/attach-result",
            post(answers::attach_result_post)
                .layer(axum::extract::DefaultBodyLimit::max(crate::app::documents::HARD_MAX_BYTES + 1024 * 1024)),
        )
        .route("/staff/cases/{reference}/tasks/{id}", post(actions::task_post))
        .route("/staff/cases/{reference}/attach-provisions", post(actions::attach_provisions_post))
        .route("/staff/cases/{reference}/notices/{id}", get(answers::notice_get))
        .route("/staff/cases/{reference}/receipts/{id}", get(case::receipt_get))
        .route("/staff/cases/{reference}/documents/{id}", get(case::document_get))
        .route("/staff/reports", get(reports::reports_get))
        .route("/staff/reports/{file}", get(reports::report_file_get))
        .route("/staff/exports/cases.csv", get(reports::export_get))
        .route("/staff/exports/events.csv", get(reports::events_get))
        .route("/admin/users", get(admin::users_get).post(admin::users_post))
        .route("/admin/api-tokens", get(api_tokens::tokens_get).post(api_tokens::tokens_post))
        .route("/admin/api-tokens/{id}/revoke", post(api_tokens::revoke_post))
        .route("/admin/outbox", get(outbox::outbox_get))
        .route("/admin/outbox/{id}/resend", post(outbox::resend_post))
        .route("/admin/outbox/{id}/handled", post(outbox::handled_post))
        .route("/admin/webhooks", get(webhooks::hooks_get).post(webhooks::hooks_post))
        .route("/admin/webhooks/{id}/disable", post(webhooks::disable_post))
        .route("/admin/webhooks/deliveries/{id}/resend", post(webhooks::resend_post))
        .route("/admin/users/{id}", post(admin::user_update_post))
        .route("/admin/settings", get(admin::settings_get).post(admin::settings_post))
        .route("/admin/inventory", get(inventory::inventory_get).post(inventory::inventory_post))
        .route("/admin/inventory.csv", get(inventory::export_get))
        .route(
            "/admin/inventory/import",
            post(inventory::import_post).layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024)),
        )
        .route("/admin/inventory/{id}", get(inventory::system_get).post(inventory::system_post))
        .route("/admin/inventory/{id}/retire", post(inventory::retire_post))
        .route("/staff/provisions", get(inventory::provisions_get).post(inventory::provisions_post))
        .route("/staff/deadlines", get(deadlines::deadlines_get).post(deadlines::deadlines_post))
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    p: Page,
    email: String,
    error: String,
    /// A notice above the form (after a password reset).
    done: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    reset: Option<String>,
}

async fn login_get(ctx: Ctx, Query(q): Query<LoginQuery>) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    let done = if q.reset.is_some() { p.t("sign-in-with-your-new-password").to_owned() } else { String::new() };
    Ok(html(StatusCode::OK, &LoginPage { p, email: String::new(), error: String::new(), done }))
}

#[derive(Deserialize)]
struct LoginPost {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for LoginPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

async fn login_post(
    ctx: Ctx,
    ClientAddr(addr): ClientAddr,
    CsrfForm(post): CsrfForm<LoginPost>,
) -> Result<Response, WebError> {
    match users::authenticate(&ctx.state.app, &post.email, &post.password, &addr.to_string()).await {
        Ok(user) if user.totp_on => {
            auth::await_second_factor(&ctx.session, user.id, ctx.state.app.now_us()).await?;
            Ok(Redirect::to("/staff/login/totp").into_response())
        }
        Ok(user) => {
            auth::log_in(&ctx.session, user.id, ctx.state.app.now_us()).await?;
            Ok(Redirect::to("/staff").into_response())
        }
        Err(e @ (AppError::Unauthorized | AppError::Throttled | AppError::Busy)) => {
            let (status, error) = match e {
                AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "the-e-mail-address-or-password"),
                AppError::Throttled => (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts-please-try-again"),
                _ => (StatusCode::TOO_MANY_REQUESTS, "we-are-busy-please-try-again"),
            };
            let p = ctx.page(None).await?;
            let page = LoginPage { error: p.t(error).to_owned(), email: post.email, p, done: String::new() };
            let mut res = html(status, &page);
            if status == StatusCode::TOO_MANY_REQUESTS {
                res.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static(crate::web::errors::RETRY_AFTER_SECS),
                );
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout_post(ctx: Ctx, CsrfForm(_): CsrfForm<CsrfOnly>) -> Result<Response, WebError> {
    auth::log_out(&ctx.session).await?;
    Ok(Redirect::to("/staff/login").into_response())
}

#[derive(Template)]
#[template(path = "staff/setup.html")]
struct SetupPage {
    p: Page,
    token: String,
    email: String,
    display_name: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct SetupQuery {
    #[serde(default)]
    token: String,
}

async fn setup_get(ctx: Ctx, Query(q): Query<SetupQuery>) -> Result<Response, WebError> {
    if !users::setup_token_valid(&ctx.state.app, &q.token) {
        return Err(WebError::NotFound);
    }
    let p = ctx.page(None).await?;
    let page = SetupPage {
        p,
        token: q.token,
        email: String::new(),
        display_name: String::new(),
        errors: FormErrors::default(),
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct SetupPost {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for SetupPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

async fn setup_post(ctx: Ctx, CsrfForm(post): CsrfForm<SetupPost>) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    match users::setup_first_admin(
        app,
        &post.token,
        &post.email,
        &post.display_name,
        &post.password,
        &post.password_confirm,
    )
    .await
    {
        Ok(user) => {
            auth::log_in(&ctx.session, user.id, app.now_us()).await?;
            Ok(Redirect::to("/admin/settings").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let p = ctx.page(None).await?;
            let errors = FormErrors::new(&errors, p.lang);
            let page = SetupPage { p, token: post.token, email: post.email, display_name: post.display_name, errors };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn intake_get(user: StaffUser, ctx: Ctx) -> Result<Response, WebError> {
    let p = ctx.page(Some(&user)).await?;
    let s = ctx.state.app.settings().await?;
    let f = RequestForm { received_on: ctx.state.app.today().to_string(), ..RequestForm::default() };
    Ok(html(StatusCode::OK, &request_form_page(p, f, FormErrors::default(), &s, true)))
}

async fn intake_post(user: StaffUser, ctx: Ctx, CsrfForm(post): CsrfForm<RequestPost>) -> Result<Response, WebError> {
    match requests::intake(&ctx.state.app, &post.form, user.actor()).await {
        Ok(rec) => Ok(Redirect::to(&format!("/staff/cases/{}", rec.reference_str())).into_response()),
        Err(AppError::Invalid(errors)) => {
            let p = ctx.page(Some(&user)).await?;
            let s = ctx.state.app.settings().await?;
            let errors = FormErrors::new(&errors, p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &request_form_page(p, post.form, errors, &s, true)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The type of the CSV files staff download.
const CSV: &str = "text/csv; charset=utf-8";

/// A file to download, never cached.
pub(super) fn attachment(
    content_type: &str,
    name: &str,
    body: impl Into<axum::body::Body>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body.into(),
    )
        .into_response()
}
