//! The requester's status page: progress, due date, what we need, the
//! message thread, receipts, the upload of identity documents, and the form
//! that e-mails the status link again.

use askama::Template;
use axum::extract::Query;

use crate::web::path::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{status_cookie, status_token};
use crate::app::records::{CaseRecord, FeeEntry, Message};
use crate::app::{AppError, Settings, requests};
use crate::domain::input::parse_reference;
use crate::domain::{Ask, Case, DocType, IdentityStatus, IdentityTarget, Lang, Reference, State as CaseState};
use crate::web::WebError;
use crate::web::csrf::{CsrfForm, CsrfMultipart, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};

/// One step of the progress line on the status page.
pub struct Step {
    pub label: &'static str,
    /// "done", "current" or "todo".
    pub status: &'static str,
}

fn progress(case: &Case, lang: Lang) -> Vec<Step> {
    let identity_done = case.identity.subject == IdentityStatus::Verified;
    let fee_done = case.fees.requested > 0 && !case.has_ask(Ask::Fee);
    // 0 受付, 1 本人確認, 2 手数料, 3 対応中, 4 完了
    let current = match case.state {
        CaseState::Closed => 4,
        CaseState::InProgress => 3,
        CaseState::AwaitingRequester if case.has_ask(Ask::Identity) => 1,
        CaseState::AwaitingRequester if case.has_ask(Ask::Fee) => 2,
        _ if fee_done => 2,
        _ if identity_done => 1,
        _ => 0,
    };
    let mut steps = vec![
        (0, lang.t("received-2")),
        (1, lang.t("identity-check")),
        (2, lang.t("fee")),
        (3, lang.t("in-progress")),
        (4, lang.t("done")),
    ];
    if !case.kind.fee_allowed() {
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
    rec: CaseRecord,
    reference: String,
    state_label: &'static str,
    kind_label: &'static str,
    steps: Vec<Step>,
    asks: Vec<Ask>,
    messages: Vec<Message>,
    times: Vec<String>,
    payments: Vec<FeeEntry>,
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
    /// Notices issued: (id, kind, issued on, posted on or "").
    notices: Vec<(i64, &'static str, String, String)>,
    /// Result files: (id, label, size).
    results: Vec<(i64, String, String)>,
    results_until: String,
    results_gone: bool,
}

#[derive(Deserialize)]
pub(super) struct StatusQuery {
    token: Option<String>,
    confirmed: Option<String>,
    uploaded: Option<String>,
}

pub(super) async fn status_get(
    ctx: Ctx,
    jar: CookieJar,
    Path(reference): Path<Reference>,
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
    reference: &Reference,
    token: &str,
    view: StatusView,
    status: StatusCode,
) -> Result<Response, WebError> {
    let StatusView { errors, body, confirmed, uploaded } = view;
    let page = requests::status_file(&ctx.state.app, reference, token).await?;
    let p = ctx.page(None).await?;
    let lang = p.lang;
    let case = &page.rec.case;
    let state: CaseState = case.state;
    let times = page.messages.iter().map(|m| ctx.state.app.local_time(m.at)).collect();
    let documents = page
        .documents
        .iter()
        .map(|d| {
            let state = if d.discarded_at.is_some() {
                lang.t("discarded")
            } else if d.purged_at.is_some() {
                lang.t("deleted-after-the-check")
            } else {
                lang.t("received-3")
            };
            let doc_type = d.doc_type.map(|t| t.label(lang)).unwrap_or("");
            (ctx.state.app.local_time(d.uploaded_at), doc_type, d.target.map(|t| t.label(lang)).unwrap_or(""), state)
        })
        .collect();
    let upload_targets = case.upload_targets().iter().map(|t| (t.code(), t.label(lang))).collect();
    let doc_types = DocType::ALL
        .iter()
        .map(|d| {
            use crate::domain::documents::accepted_for;
            let authority_only =
                accepted_for(IdentityTarget::Authority, *d) && !accepted_for(IdentityTarget::Subject, *d);
            (d.code(), d.label(lang), if authority_only { "authority" } else { "id" })
        })
        .collect();
    Ok(html(
        status,
        &StatusPage {
            state_label: state.label(lang),
            kind_label: case.kind.label(lang),
            steps: progress(case, lang),
            asks: case.asks.iter().copied().collect(),
            balance: case.fees.balance(),
            is_open: state.is_open(),
            outcome_label: case.outcome.map(|o| o.label(lang)).unwrap_or(""),
            notices: page
                .notices
                .iter()
                .map(|n| {
                    let posted = n.posted_on.map(|d| d.to_string()).unwrap_or_default();
                    (n.id, n.kind.label(lang), n.issued_on.to_string(), posted)
                })
                .collect(),
            results: page
                .results
                .iter()
                .filter(|d| d.stored)
                .map(|d| (d.id, d.label.clone().unwrap_or_default(), format!("{} KB", (d.size + 1023) / 1024)))
                .collect(),
            results_gone: page.results_until.is_some_and(|u| ctx.state.app.today() > u)
                || (!page.results.is_empty() && page.results.iter().all(|d| !d.stored)),
            results_until: page.results_until.map(|d| d.to_string()).unwrap_or_default(),
            messages: page.messages,
            times,
            pay_by: case.fee_pay_by.map(|d| d.to_string()).unwrap_or_default(),
            documents,
            upload_targets,
            doc_types,
            uploaded,
            max_mb: page.settings.document_max_bytes() / (1024 * 1024),
            methods: page.settings.schedule().methods.iter().map(|m| m.label(lang)).collect(),
            payments: page.payments,
            reference: reference.to_string(),
            rec: page.rec,
            s: page.settings,
            p,
            errors,
            body,
            confirmed,
        },
    ))
}

#[derive(Deserialize)]
pub(super) struct MessagePost {
    #[serde(default)]
    body: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for MessagePost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub(super) async fn status_message_post(
    ctx: Ctx,
    jar: CookieJar,
    Path(reference): Path<Reference>,
    CsrfForm(post): CsrfForm<MessagePost>,
) -> Result<Response, WebError> {
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
pub(super) struct ResendQuery {
    sent: Option<String>,
}

pub(super) async fn resend_get(ctx: Ctx, Query(q): Query<ResendQuery>) -> Result<Response, WebError> {
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
pub(super) struct ResendPost {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for ResendPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub(super) async fn resend_post(ctx: Ctx, CsrfForm(post): CsrfForm<ResendPost>) -> Result<Response, WebError> {
    let mut errors = Vec::new();
    let reference = parse_reference(&post.reference).map_err(|e| errors.push(e)).ok();
    if post.contact_email.trim().is_empty() {
        errors.push(crate::domain::input::FieldError {
            field: "contact_email",
            msg: crate::domain::Msg::new("please-fill-this-in"),
        });
    }
    if !errors.is_empty() {
        let p = ctx.page(None).await?;
        let errors = FormErrors::new(&errors, p.lang);
        let page = ResendPage { p, reference: post.reference, email: post.contact_email, sent: false, errors };
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if let Some(reference) = reference {
        requests::resend(&ctx.state.app, &reference, &post.contact_email).await?;
    }
    Ok(Redirect::to("/status/resend?sent=1").into_response())
}

pub(super) async fn status_receipt_get(
    ctx: Ctx,
    jar: CookieJar,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    let token = status_token(&jar);
    let app = &ctx.state.app;
    let rec = requests::status_case(app, &reference, &token).await?;
    let r = crate::app::cases::receipt(app, rec, id, &crate::domain::Actor::Requester).await?;
    Ok(crate::web::receipt::render(&r, ctx.lang, app.today().to_string(), format!("/status/{reference}")))
}

/// `POST /status/{reference}/documents`: multipart `file`, `doc_type`,
/// `target`, `csrf_token` (checked after every part is read).
pub(super) async fn status_documents_post(
    ctx: Ctx,
    jar: CookieJar,
    crate::web::client::ClientAddr(addr): crate::web::client::ClientAddr,
    Path(reference): Path<Reference>,
    upload: CsrfMultipart,
) -> Result<Response, WebError> {
    let mut multipart = upload.multipart;
    let app = &ctx.state.app;
    // The link first: a stranger's junk posts end here, before they count
    // against the quota of the address they share with the requester.
    let status_token = status_token(&jar);
    requests::status_case(app, &reference, &status_token).await?;
    if ctx.state.upload_limiter.check_key(&addr).is_err() {
        crate::app::abuse::refused(app, crate::app::abuse::Refusal::Upload).await;
        return Err(WebError::Throttled);
    }
    let max = usize::try_from(app.settings().await?.document_max_bytes()).unwrap_or(usize::MAX);
    let (mut file, mut too_large) = (Vec::new(), false);
    let (mut doc_type, mut target, mut token) = (String::new(), String::new(), String::new());
    let broken = || WebError::Unprocessable(crate::domain::Msg::new("the-upload-was-cut-off-please"));
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
    crate::web::csrf::check(&upload.session, &token).await?;
    let result = if too_large {
        Err(AppError::TooLarge(crate::domain::Msg::new("the-file-is-too-large-for")))
    } else {
        crate::app::documents::upload(app, &reference, &status_token, &target, &doc_type, file).await.map(|_| ())
    };
    let lang = ctx.lang;
    let (status, errors) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/status/{reference}?uploaded=1#asks-h")).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(&errors, lang)),
        Err(AppError::TooLarge(msg)) => (StatusCode::PAYLOAD_TOO_LARGE, FormErrors::one("file", &msg.get(lang), lang)),
        Err(AppError::Domain(crate::domain::DomainError::Illegal(msg))) => {
            (StatusCode::CONFLICT, FormErrors::one("file", &msg.get(lang), lang))
        }
        Err(e) => return Err(e.into()),
    };
    render_status(&ctx, &reference, &status_token, StatusView { errors, ..StatusView::default() }, status).await
}

/// `GET /status/{reference}/notices/{id}`: a notice of the requester's own
/// case, as it was issued.
pub(super) async fn status_notice_get(
    ctx: Ctx,
    jar: CookieJar,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    let token = status_token(&jar);
    let notice = crate::app::notices::requester_notice(&ctx.state.app, &reference, &token, id).await?;
    Ok(crate::web::receipt::notice_page(&notice, ctx.lang, format!("/status/{reference}")))
}

/// `GET /status/{reference}/results/{id}`: the download of a result file,
/// as an attachment that is never cached; past its days, 410 with whom to ask.
pub(super) async fn status_result_get(
    ctx: Ctx,
    jar: CookieJar,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    use axum::http::header;
    let token = status_token(&jar);
    let app = &ctx.state.app;
    let (doc, bytes) = match crate::app::results::download(app, &reference, &token, id).await {
        Ok(found) => found,
        Err(AppError::Gone) => {
            let s = app.settings().await?;
            let msg = crate::domain::Msg::new("gone-ask-the-window-with")
                .text("reference", reference.to_string())
                .text("phone", s.get("window_phone"))
                .text("email", s.get("window_email"))
                .text("hours", s.get("window_hours"));
            return Err(WebError::Gone(msg));
        }
        Err(e) => return Err(e.into()),
    };
    let name = doc.file_name.clone().unwrap_or_else(|| format!("{reference}-{id}"));
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", percent(&name));
    Ok((
        [
            (header::CONTENT_TYPE, doc.mime.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// RFC 5987 encoding of a file name.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
