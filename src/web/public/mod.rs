//! The requester's pages: home, request form, confirmation, status.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::errors::html;
use super::page::{Ctx, FormErrors, Page, lang_from_query};
use super::{AppState, WebError, csrf};
use crate::app::{AppError, Settings, requests};
use crate::domain::input::RequestForm;
use crate::domain::{Ask, Channel, Delivery, Filer, IdentityStatus, Lang, RequestKind, State as CaseState};
use crate::store::cases::{CaseRow, MessageRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/requests/new", get(request_form_get))
        .route("/requests", post(request_form_post))
        .route("/requests/sent", get(request_sent))
        .route("/requests/confirm", get(confirm_get).post(confirm_post))
        .route("/status/resend", get(resend_get).post(resend_post))
        .route("/status/{reference}", get(status_get))
        .route("/status/{reference}/messages", post(status_message_post))
        .route("/status/{reference}/receipts/{id}", get(status_receipt_get))
        .route(
            "/status/{reference}/documents",
            post(status_documents_post)
                .layer(axum::extract::DefaultBodyLimit::max(crate::app::documents::HARD_MAX_BYTES + 1024 * 1024)),
        )
}

/// Remembers a `?lang=` choice in a cookie for the pages that follow.
pub async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = lang_from_query(req.uri().query());
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(v) = cookie.parse() {
            res.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    res
}

/// A kind as the public pages present it.
pub struct KindInfo {
    pub code: &'static str,
    pub label: &'static str,
    pub summary: &'static str,
    /// The fee as shown: "300円", "500〜1,000円".
    pub fee: Option<String>,
    pub disclosure: bool,
}

fn kinds(settings: &Settings, lang: Lang) -> Vec<KindInfo> {
    RequestKind::ALL
        .iter()
        .map(|k| KindInfo {
            code: k.code(),
            label: k.label(lang),
            summary: k.summary(lang),
            fee: settings.schedule().range(*k).map(|(lo, hi)| {
                let unit = lang.t("円", " yen");
                if lo == hi { format!("{}{unit}", yen(&lo)) } else { format!("{}〜{}{unit}", yen(&lo), yen(&hi)) }
            }),
            disclosure: k.is_disclosure(),
        })
        .collect()
}

pub fn yen(n: &i64) -> String {
    crate::mail::yen(*n)
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    p: Page,
    kinds: Vec<KindInfo>,
    schedule: Vec<(&'static str, &'static str, String)>,
    methods: Vec<&'static str>,
    s: Settings,
}

async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    let s = ctx.state.app.settings().await?;
    let lang = p.lang;
    let fees = s.schedule();
    let schedule = fees
        .lines
        .iter()
        .filter(|l| l.kind.fee_allowed())
        .map(|l| {
            let amount = if l.amount > 0 {
                format!("{}{}", yen(&l.amount), lang.t("円", " yen"))
            } else {
                lang.t("無料", "free").to_owned()
            };
            (l.kind.label(lang), l.delivery.map(|d| d.label(lang)).unwrap_or("—"), amount)
        })
        .collect();
    let methods = fees.methods.iter().map(|m| m.label(lang)).collect();
    Ok(html(StatusCode::OK, &HomePage { kinds: kinds(&s, lang), schedule, methods, p, s }))
}

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
struct KindQuery {
    kind: Option<String>,
}

async fn request_form_get(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
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

async fn request_form_post(
    ctx: Ctx,
    jar: CookieJar,
    axum::Form(post): axum::Form<RequestPost>,
) -> Result<Response, WebError> {
    // A form left open past the session's life keeps what was typed: it is
    // shown again (still 403, nothing stored) with a fresh token to send it.
    if let Err(WebError::Csrf) = csrf::check(&ctx.session, &post.csrf_token).await {
        let p = ctx.page(None).await?;
        let s = ctx.state.app.settings().await?;
        let msg = p.t(
            "安全のため、この送信は受け付けませんでした（画面を開いてから時間が経ちました）。内容を確かめて、もう一度送信してください。",
            "For your safety this was not accepted (the page was open for a long time). Check what you entered and send it again.",
        );
        let errors = FormErrors::one("form", msg, p.lang);
        return Ok(html(StatusCode::FORBIDDEN, &request_form_page(p, post.form, errors, &s, false)));
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

async fn request_sent(ctx: Ctx, jar: CookieJar) -> Result<Response, WebError> {
    use base64::Engine;
    let email = jar
        .get("sent_to")
        .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some(email) = email else {
        return Ok(Redirect::to("/requests/new").into_response());
    };
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &SentPage { p, email }))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "public/confirm.html")]
struct ConfirmPage {
    p: Page,
    token: String,
}

async fn confirm_get(ctx: Ctx, Query(q): Query<TokenQuery>) -> Result<Response, WebError> {
    requests::confirmation_exists(&ctx.state.app, &q.token).await?;
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &ConfirmPage { p, token: q.token }))
}

#[derive(Deserialize)]
struct ConfirmPost {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf_token: String,
}

/// The status token the browser holds for the case it is looking at.
fn status_token(jar: &CookieJar) -> String {
    jar.get("status_token").map(|c| c.value().to_owned()).unwrap_or_default()
}

fn status_cookie(reference: &str, token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(("status_token", token))
        .path(format!("/status/{reference}"))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

async fn confirm_post(
    ctx: Ctx,
    jar: CookieJar,
    axum::Form(post): axum::Form<ConfirmPost>,
) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
    let (reference, token) = requests::confirm(&ctx.state.app, &post.token).await?;
    let jar = jar.add(status_cookie(&reference, token, ctx.state.secure_cookies));
    Ok((jar, Redirect::to(&format!("/status/{reference}?confirmed=1"))).into_response())
}

/// One step of the progress line on the status page.
pub struct Step {
    pub label: &'static str,
    /// "done", "current" or "todo".
    pub status: &'static str,
}

fn progress(row: &CaseRow, lang: Lang) -> Vec<Step> {
    let state: CaseState = row.state.parse().unwrap_or(CaseState::Received);
    let fee_kind = row.kind.parse::<RequestKind>().is_ok_and(RequestKind::fee_allowed);
    let asks: Vec<&str> = row.asks.split(',').collect();
    let identity_done = row.identity_subject == IdentityStatus::Verified.code();
    let fee_done = row.fee_requested > 0 && !asks.contains(&Ask::Fee.code());
    // 0 受付, 1 本人確認, 2 手数料, 3 対応中, 4 完了
    let current = match state {
        CaseState::Closed => 4,
        CaseState::InProgress => 3,
        CaseState::AwaitingRequester if asks.contains(&Ask::Identity.code()) => 1,
        CaseState::AwaitingRequester if asks.contains(&Ask::Fee.code()) => 2,
        _ if fee_done => 2,
        _ if identity_done => 1,
        _ => 0,
    };
    let mut steps = vec![
        (0, lang.t("受付", "Received")),
        (1, lang.t("本人確認", "Identity check")),
        (2, lang.t("手数料", "Fee")),
        (3, lang.t("対応中", "In progress")),
        (4, lang.t("完了", "Done")),
    ];
    if !fee_kind {
        steps.retain(|(i, _)| *i != 2);
    }
    steps
        .into_iter()
        .map(|(i, label)| Step {
            label,
            status: if i < current || (i == 4 && current == 4) {
                "done"
            } else if i == current {
                "current"
            } else {
                "todo"
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    p: Page,
    row: CaseRow,
    state_label: &'static str,
    kind_label: &'static str,
    steps: Vec<Step>,
    asks: Vec<Ask>,
    messages: Vec<MessageRow>,
    times: Vec<String>,
    payments: Vec<crate::store::cases::FeeEntryRow>,
    /// Sent documents: (date, what, for which check, state).
    documents: Vec<(String, &'static str, &'static str, &'static str)>,
    /// Checks a document may be sent for now, and the documents each accepts.
    upload_targets: Vec<(&'static str, &'static str)>,
    doc_types: Vec<(&'static str, &'static str, &'static str)>,
    uploaded: bool,
    max_mb: i64,
    pay_by: String,
    methods: Vec<&'static str>,
    balance: i64,
    s: Settings,
    errors: FormErrors,
    body: String,
    confirmed: bool,
    is_open: bool,
    outcome_label: &'static str,
}

#[derive(Deserialize)]
struct StatusQuery {
    token: Option<String>,
    confirmed: Option<String>,
    uploaded: Option<String>,
}

async fn status_get(
    ctx: Ctx,
    jar: CookieJar,
    Path(reference): Path<String>,
    Query(q): Query<StatusQuery>,
) -> Result<Response, WebError> {
    // The link in e-mails: check the token, keep it in a cookie scoped to
    // this case, and drop it from the address bar.
    if let Some(token) = q.token {
        requests::status_case(&ctx.state.app, &reference, &token).await?;
        let jar = jar.add(status_cookie(&reference, token, ctx.state.secure_cookies));
        return Ok((jar, Redirect::to(&format!("/status/{reference}"))).into_response());
    }
    let token = status_token(&jar);
    let view = StatusView { confirmed: q.confirmed.is_some(), uploaded: q.uploaded.is_some(), ..StatusView::default() };
    render_status(&ctx, &reference, &token, view, StatusCode::OK).await
}

/// What the status page shows besides the case: a form's errors and typed
/// message, and the one-off notices after confirming or uploading.
#[derive(Default)]
struct StatusView {
    errors: FormErrors,
    body: String,
    confirmed: bool,
    uploaded: bool,
}

async fn render_status(
    ctx: &Ctx,
    reference: &str,
    token: &str,
    view: StatusView,
    status: StatusCode,
) -> Result<Response, WebError> {
    let StatusView { errors, body, confirmed, uploaded } = view;
    let page = requests::status_page(&ctx.state.app, reference, token).await?;
    let p = ctx.page(None).await?;
    let lang = p.lang;
    let state: CaseState = page.case.state;
    let times = page.messages.iter().map(|m| ctx.state.app.local_time(m.at)).collect();
    let documents = page
        .documents
        .iter()
        .map(|d| {
            let doc_type = d
                .doc_type
                .as_deref()
                .and_then(|t| t.parse::<crate::domain::DocType>().ok())
                .map(|t| t.label(lang))
                .unwrap_or("");
            let target = d
                .target
                .as_deref()
                .and_then(|t| t.parse::<crate::domain::IdentityTarget>().ok())
                .map(|t| t.label(lang))
                .unwrap_or("");
            let state = if d.discarded_at.is_some() {
                lang.t("破棄しました", "discarded")
            } else if d.purged_at.is_some() {
                lang.t("確認後に消去しました", "deleted after the check")
            } else {
                lang.t("受け取りました", "received")
            };
            (ctx.state.app.local_time(d.uploaded_at), doc_type, target, state)
        })
        .collect();
    let can_upload = page.case.state.is_open() && page.case.has_ask(Ask::Identity);
    let upload_targets = if can_upload {
        page.case
            .identity_targets()
            .iter()
            .filter(|t| {
                matches!(
                    page.case.identity.get(**t),
                    IdentityStatus::Requested | IdentityStatus::Failed | IdentityStatus::Submitted
                )
            })
            .map(|t| (t.code(), t.label(lang)))
            .collect()
    } else {
        Vec::new()
    };
    let doc_types = crate::domain::DocType::ALL
        .iter()
        .map(|d| {
            let group = if crate::domain::documents::accepted_for(crate::domain::IdentityTarget::Authority, *d)
                && !crate::domain::documents::accepted_for(crate::domain::IdentityTarget::Subject, *d)
            {
                "authority"
            } else {
                "id"
            };
            (d.code(), d.label(lang), group)
        })
        .collect();
    Ok(html(
        status,
        &StatusPage {
            state_label: state.label(lang),
            kind_label: page.case.kind.label(lang),
            steps: progress(&page.row, lang),
            asks: page.case.asks.iter().copied().collect(),
            balance: page.case.fees.balance(),
            is_open: state.is_open(),
            outcome_label: page.case.outcome.map(|o| o.label(lang)).unwrap_or(""),
            messages: page.messages,
            times,
            pay_by: page.case.fee_pay_by.map(|d| d.to_string()).unwrap_or_default(),
            documents,
            upload_targets,
            doc_types,
            uploaded,
            max_mb: page.settings.document_max_bytes() / (1024 * 1024),
            methods: page.settings.schedule().methods.iter().map(|m| m.label(lang)).collect(),
            payments: page.payments,
            row: page.row,
            s: page.settings,
            p,
            errors,
            body,
            confirmed,
        },
    ))
}

#[derive(Deserialize)]
struct MessagePost {
    #[serde(default)]
    body: String,
    #[serde(default)]
    csrf_token: String,
}

async fn status_message_post(
    ctx: Ctx,
    jar: CookieJar,
    Path(reference): Path<String>,
    axum::Form(post): axum::Form<MessagePost>,
) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
    let token = status_token(&jar);
    match requests::reply(&ctx.state.app, &reference, &token, &post.body).await {
        Ok(()) => Ok(Redirect::to(&format!("/status/{reference}#messages")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let view = StatusView { errors, body: post.body, ..StatusView::default() };
            render_status(&ctx, &reference, &token, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "public/resend.html")]
struct ResendPage {
    p: Page,
    reference: String,
    email: String,
    sent: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ResendQuery {
    sent: Option<String>,
}

async fn resend_get(ctx: Ctx, Query(q): Query<ResendQuery>) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    let page = ResendPage {
        p,
        reference: String::new(),
        email: String::new(),
        sent: q.sent.is_some(),
        errors: FormErrors::default(),
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct ResendPost {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    csrf_token: String,
}

async fn resend_post(ctx: Ctx, axum::Form(post): axum::Form<ResendPost>) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
    let mut errors = Vec::new();
    let reference: String = unicode_normalization::UnicodeNormalization::nfkc(post.reference.trim()).collect();
    if crate::domain::Reference::parse(&reference).is_none() {
        errors.push(crate::domain::input::FieldError {
            field: "reference",
            msg: crate::domain::Msg(
                "受付番号は 2026-000123 の形で入力してください。",
                "Enter the reference as 2026-000123.",
            ),
        });
    }
    if post.contact_email.trim().is_empty() {
        errors.push(crate::domain::input::FieldError {
            field: "contact_email",
            msg: crate::domain::Msg("入力してください。", "Please fill this in."),
        });
    }
    if !errors.is_empty() {
        let p = ctx.page(None).await?;
        let errors = FormErrors::new(&errors, p.lang);
        let page = ResendPage { p, reference: post.reference, email: post.contact_email, sent: false, errors };
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    requests::resend(&ctx.state.app, &reference, &post.contact_email).await?;
    Ok(Redirect::to("/status/resend?sent=1").into_response())
}

/// The channel choices of staff intake (the web is not one of them).
pub fn intake_channels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Channel::ALL.iter().filter(|c| **c != Channel::Web).map(|c| (c.code(), c.label(lang))).collect()
}

async fn status_receipt_get(
    ctx: Ctx,
    jar: CookieJar,
    Path((reference, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let token = status_token(&jar);
    let app = &ctx.state.app;
    let row = requests::status_case(app, &reference, &token).await?;
    let r = crate::app::cases::receipt(app, row, id, &crate::domain::Actor::Requester).await?;
    Ok(crate::web::receipt::render(&r, ctx.lang, app.today().to_string(), format!("/status/{reference}")))
}

/// `POST /status/{reference}/documents`: multipart `file`, `doc_type`,
/// `target`, `csrf_token` (checked after every part is read).
async fn status_documents_post(
    ctx: Ctx,
    jar: CookieJar,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(reference): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    if ctx.state.upload_limiter.check_key(&peer.ip()).is_err() {
        return Err(WebError::Throttled);
    }
    let max = usize::try_from(app.settings().await?.document_max_bytes()).unwrap_or(usize::MAX);
    let (mut file, mut too_large) = (Vec::new(), false);
    let (mut doc_type, mut target, mut token) = (String::new(), String::new(), String::new());
    let broken = || {
        WebError::BadRequest(crate::domain::Msg(
            "送信が途中で途切れました。もう一度お送りください。",
            "The upload was cut off. Please send it again.",
        ))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                    if file.len() + chunk.len() > max {
                        too_large = true;
                    } else if !too_large {
                        file.extend_from_slice(&chunk);
                    }
                }
            }
            other => {
                let value = field.text().await.map_err(|_| broken())?;
                match other {
                    "doc_type" => doc_type = value,
                    "target" => target = value,
                    "csrf_token" => token = value,
                    _ => {}
                }
            }
        }
    }
    csrf::check(&ctx.session, &token).await?;
    let status_token = status_token(&jar);
    requests::status_case(app, &reference, &status_token).await?;
    let result = if too_large {
        Err(AppError::TooLarge(crate::domain::Msg(
            "ファイルが大きすぎます。上限を超えないよう、写真の解像度を下げるなどしてお送りください。",
            "The file is too large. For a photo, send a smaller one.",
        )))
    } else {
        crate::app::documents::upload(app, &reference, &status_token, &target, &doc_type, file).await.map(|_| ())
    };
    let lang = ctx.lang;
    let (status, errors) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/status/{reference}?uploaded=1#asks-h")).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(&errors, lang)),
        Err(AppError::TooLarge(msg)) => (StatusCode::PAYLOAD_TOO_LARGE, FormErrors::one("file", msg.get(lang), lang)),
        Err(AppError::Domain(crate::domain::DomainError::Illegal(msg))) => {
            (StatusCode::CONFLICT, FormErrors::one("file", msg.get(lang), lang))
        }
        Err(e) => return Err(e.into()),
    };
    render_status(&ctx, &reference, &status_token, StatusView { errors, ..StatusView::default() }, status).await
}
