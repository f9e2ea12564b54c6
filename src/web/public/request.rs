//! The request form, the page after sending it, and the confirmation of
//! the e-mail address.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{KindInfo, intake_channels, kinds, status_cookie};
use crate::app::{AppError, Settings, requests};
use crate::domain::input::RequestForm;
use crate::domain::{Delivery, Filer};
use crate::web::WebError;
use crate::web::client::ClientAddr;
use crate::web::csrf::{CsrfForm, FormRejection, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};

/// The request form; staff intake shows the same fields plus channel and date.
#[derive(Template)]
#[template(path = "public/request_form.html")]
pub struct RequestFormPage {
    pub p: Page,
    pub f: RequestForm,
    pub errors: FormErrors,
    pub kinds: Vec<KindInfo>,
    pub filers: Vec<(&'static str, &'static str)>,
    pub deliveries: Vec<(&'static str, &'static str)>,
    /// Staff intake: channel, arrival date and language; e-mail optional.
    pub intake: bool,
    pub channels: Vec<(&'static str, &'static str)>,
}

pub fn request_form_page(
    p: Page,
    f: RequestForm,
    errors: FormErrors,
    settings: &Settings,
    intake: bool,
) -> RequestFormPage {
    let lang = p.lang;
    RequestFormPage {
        intake,
        channels: intake_channels(lang),
        kinds: kinds(settings, lang),
        filers: Filer::ALL.iter().map(|x| (x.code(), x.label(lang))).collect(),
        deliveries: Delivery::ALL.iter().map(|x| (x.code(), x.label(lang))).collect(),
        p,
        f,
        errors,
    }
}

#[derive(Deserialize)]
pub(super) struct KindQuery {
    kind: Option<String>,
}

pub(super) async fn request_form_get(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    let s = ctx.state.app.settings().await?;
    let f = RequestForm { kind: q.kind.unwrap_or_default(), ..RequestForm::default() };
    Ok(html(StatusCode::OK, &request_form_page(p, f, FormErrors::default(), &s, false)))
}

#[derive(Deserialize)]
pub struct RequestPost {
    #[serde(flatten)]
    pub form: RequestForm,
    #[serde(default)]
    pub csrf_token: String,
}

impl HasCsrf for RequestPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

async fn expired_request_form(ctx: &Ctx, post: RequestPost) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    let s = ctx.state.app.settings().await?;
    let msg = p.t("for-your-safety-this-was-not");
    let errors = FormErrors::one("form", msg, p.lang);
    Ok(html(StatusCode::FORBIDDEN, &request_form_page(p, post.form, errors, &s, false)))
}

pub(super) async fn request_form_post(
    ctx: Ctx,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    post: Result<CsrfForm<RequestPost>, FormRejection<RequestPost>>,
) -> Result<Response, WebError> {
    // A form left open past the session's life keeps what was typed: it is
    // shown again (still 403, nothing stored) with a fresh token to send it.
    // Any other failure, the session store's included, refuses the form.
    let post = match post {
        Ok(CsrfForm(post)) => post,
        Err(FormRejection::Expired(post)) => return expired_request_form(&ctx, post).await,
        Err(FormRejection::Other(e)) => return Err(e),
    };
    // Past its address's submissions for the hour: shown again as typed, 429.
    if ctx.state.intake_limiter.as_ref().is_some_and(|l| l.check_key(&addr).is_err()) {
        crate::app::abuse::refused(&ctx.state.app, crate::app::abuse::Refusal::Intake).await;
        let p = ctx.page(None).await?;
        let s = ctx.state.app.settings().await?;
        let errors = FormErrors::one("form", p.t("too-many-requests-from-your-network"), p.lang);
        let mut res = html(StatusCode::TOO_MANY_REQUESTS, &request_form_page(p, post.form, errors, &s, false));
        res.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(crate::web::errors::RETRY_AFTER_SECS),
        );
        return Ok(res);
    }
    match requests::submit(&ctx.state.app, &post.form, ctx.lang).await {
        Ok(sent) => {
            // The address is shown back on the next page from a short-lived
            // cookie of its own, so a submission costs no session write.
            use base64::Engine;
            let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sent.email.as_bytes());
            let cookie = Cookie::build(("sent_to", value))
                .path("/requests/sent")
                .http_only(true)
                .secure(ctx.state.secure_cookies)
                .same_site(SameSite::Lax)
                .max_age(time::Duration::minutes(10))
                .build();
            Ok((jar.add(cookie), Redirect::to("/requests/sent")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let p = ctx.page(None).await?;
            let s = ctx.state.app.settings().await?;
            let errors = FormErrors::new(&errors, p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &request_form_page(p, post.form, errors, &s, false)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "public/request_sent.html")]
struct SentPage {
    p: Page,
    email: String,
}

pub(super) async fn request_sent(ctx: Ctx, jar: CookieJar) -> Result<Response, WebError> {
    use base64::Engine;
    let email = jar
        .get("sent_to")
        .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some(email) = email else {
        return Ok(Redirect::to("/requests/new").into_response());
    };
    let p = ctx.glance().await?;
    Ok(html(StatusCode::OK, &SentPage { p, email }))
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "public/confirm.html")]
struct ConfirmPage {
    p: Page,
    token: String,
}

pub(super) async fn confirm_get(ctx: Ctx, Query(q): Query<TokenQuery>) -> Result<Response, WebError> {
    requests::confirmation_exists(&ctx.state.app, &q.token).await?;
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &ConfirmPage { p, token: q.token }))
}

#[derive(Deserialize)]
pub(super) struct ConfirmPost {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for ConfirmPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub(super) async fn confirm_post(
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(post): CsrfForm<ConfirmPost>,
) -> Result<Response, WebError> {
    let (reference, token) = requests::confirm(&ctx.state.app, &post.token).await?;
    let jar = jar.add(status_cookie(&reference, token, ctx.state.secure_cookies));
    Ok((jar, Redirect::to(&format!("/status/{reference}?confirmed=1"))).into_response())
}
