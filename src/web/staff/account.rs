//! `/staff/account`: one's own password, second factor and sessions; the
//! second step of a login; the password reset links administrators send.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::{AppError, account, users};
use crate::web::WebError;
use crate::web::auth::{self, StaffUser};
use crate::web::csrf::{CsrfForm, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    p: Page,
    errors: FormErrors,
    /// A notice at the top: the password was changed, TOTP is on or off.
    done: String,
    /// `require_totp` sent the user here.
    must_enrol: bool,
    totp_on: bool,
    codes_left: i64,
    /// Enrolment started: the secret and its QR code.
    enrolment: Option<account::Enrolment>,
    /// Enrolment confirmed: the recovery codes, shown this once.
    recovery_codes: Vec<String>,
}

impl AccountPage {
    async fn new(ctx: &Ctx, user: &StaffUser) -> Result<AccountPage, WebError> {
        let p = ctx.page(Some(user)).await?;
        let codes_left = if user.totp_on { account::recovery_codes_left(&ctx.state.app, user.id).await? } else { 0 };
        let must_enrol = ctx.state.app.settings().await?.require_totp() && !user.totp_on;
        Ok(AccountPage {
            p,
            errors: FormErrors::default(),
            done: String::new(),
            must_enrol,
            totp_on: user.totp_on,
            codes_left,
            enrolment: None,
            recovery_codes: Vec::new(),
        })
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn account_get(user: StaffUser, ctx: Ctx, Query(q): Query<DoneQuery>) -> Result<Response, WebError> {
    let mut page = AccountPage::new(&ctx, &user).await?;
    page.done = match q.done.as_deref() {
        Some("password") => page.p.t("your-password-was-changed").to_owned(),
        Some("totp-off") => page.p.t("two-factor-sign-in-is-off").to_owned(),
        _ => String::new(),
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct AccountPost {
    #[serde(default)]
    action: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for AccountPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /staff/account`: a password change (`current_password`,
/// `new_password`), or `action=sign-out-everywhere`.
pub async fn account_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<AccountPost>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let account = user.account();
    if post.action == "sign-out-everywhere" {
        account::sign_out_everywhere(app, user.id).await?;
        auth::log_out(&ctx.session).await?;
        return Ok(Redirect::to("/staff/login").into_response());
    }
    match account::change_password(
        app,
        &account,
        &post.current_password,
        &post.new_password,
        &post.new_password_confirm,
    )
    .await
    {
        Ok(_) => {
            // This browser stays signed in, with a new session; every other one ends.
            auth::log_in(&ctx.session, user.id, app.now_us()).await?;
            Ok(Redirect::to("/staff/account?done=password").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = AccountPage::new(&ctx, &user).await?;
            page.errors = FormErrors::new(&errors, page.p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /staff/account/totp/start`: a new secret to scan or type.
pub async fn totp_start_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<crate::web::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let account = user.account();
    let mut page = AccountPage::new(&ctx, &user).await?;
    page.enrolment = Some(account::start_totp(app, &account).await?);
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct CodePost {
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for CodePost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /staff/account/totp/confirm` (`code`): TOTP on; the recovery codes shown once.
pub async fn totp_confirm_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<CodePost>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let account = user.account();
    match account::confirm_totp(app, &account, &post.code).await {
        Ok(codes) => {
            let user = StaffUser { totp_on: true, ..user };
            let mut page = AccountPage::new(&ctx, &user).await?;
            page.done = page.p.t("two-factor-sign-in-is-on").to_owned();
            page.recovery_codes = codes;
            Ok(html(StatusCode::OK, &page))
        }
        Err(AppError::Invalid(errors)) => {
            // The same secret stays pending: show it again with the error.
            let mut page = AccountPage::new(&ctx, &user).await?;
            page.errors = FormErrors::new(&errors, page.p.lang);
            page.enrolment = account::pending_enrolment(app, &account).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /staff/account/totp/disable` (`code` or `current_password`).
pub async fn totp_disable_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<CodePost>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let account = user.account();
    match account::disable_totp(app, &account, &post.code, &post.current_password).await {
        Ok(()) => Ok(Redirect::to("/staff/account?done=totp-off").into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = AccountPage::new(&ctx, &user).await?;
            page.errors = FormErrors::new(&errors, page.p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/login_totp.html")]
struct SecondStepPage {
    p: Page,
    error: String,
}

/// `GET /staff/login/totp`: the code, after the password.
pub async fn login_totp_get(ctx: Ctx) -> Result<Response, WebError> {
    if auth::pending_second_factor(&ctx.session, ctx.state.app.now_us()).await?.is_none() {
        return Ok(Redirect::to("/staff/login").into_response());
    }
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &SecondStepPage { p, error: String::new() }))
}

/// `POST /staff/login/totp` (`code`, or a recovery code). Attempts count
/// against the account like passwords do.
pub async fn login_totp_post(
    ctx: Ctx,
    crate::web::client::ClientAddr(addr): crate::web::client::ClientAddr,
    CsrfForm(post): CsrfForm<CodePost>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let Some(user_id) = auth::pending_second_factor(&ctx.session, app.now_us()).await? else {
        return Ok(Redirect::to("/staff/login").into_response());
    };
    match users::second_factor_attempt(app, user_id, &post.code, &addr.to_string()).await {
        Ok(()) => {
            auth::complete_second_factor(&ctx.session, user_id, app.now_us()).await?;
            Ok(Redirect::to("/staff").into_response())
        }
        Err(e @ (AppError::Unauthorized | AppError::Throttled)) => {
            let throttled = matches!(e, AppError::Throttled);
            let p = ctx.page(None).await?;
            let error =
                p.t(if throttled { "too-many-attempts-please-try-again" } else { "this-code-is-not-right" }).to_owned();
            let status = if throttled { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            Ok(html(status, &SecondStepPage { p, error }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/reset.html")]
struct ResetPage {
    p: Page,
    token: String,
    email: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /staff/reset?token=`: the page of a reset link (404 once used or an hour old).
pub async fn reset_get(ctx: Ctx, Query(q): Query<TokenQuery>) -> Result<Response, WebError> {
    let user = account::reset_link_account(&ctx.state.app, &q.token).await?;
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &ResetPage { p, token: q.token, email: user.email, errors: FormErrors::default() }))
}

#[derive(Deserialize)]
pub struct ResetPost {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for ResetPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn reset_post(ctx: Ctx, CsrfForm(post): CsrfForm<ResetPost>) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    match account::reset_with_link(app, &post.token, &post.new_password, &post.new_password_confirm).await {
        Ok(_) => Ok(Redirect::to("/staff/login?reset=1").into_response()),
        Err(AppError::Invalid(errors)) => {
            let user = account::reset_link_account(app, &post.token).await?;
            let p = ctx.page(None).await?;
            let errors = FormErrors::new(&errors, p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { p, token: post.token, email: user.email, errors }))
        }
        Err(e) => Err(e.into()),
    }
}
