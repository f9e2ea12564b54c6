//! The requester's pages: home (here), the request form and confirmation
//! (`request`), and the status page with its messages, receipts, documents
//! and the resend form (`status`).

mod request;
mod status;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::errors::html;
use super::page::{Ctx, Page, lang_from_query};
use super::{AppState, WebError};
use crate::app::Settings;
use crate::domain::{Channel, Lang, Reference, RequestKind};

pub use request::{RequestPost, request_form_page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/requests/new", get(request::request_form_get))
        .route("/requests/print", get(request_print))
        .route("/requests", post(request::request_form_post))
        .route("/requests/sent", get(request::request_sent))
        .route("/requests/confirm", get(request::confirm_get).post(request::confirm_post))
        .route("/status/resend", get(status::resend_get).post(status::resend_post))
        .route("/status/{reference}", get(status::status_get))
        .route("/status/{reference}/messages", post(status::status_message_post))
        .route("/status/{reference}/receipts/{id}", get(status::status_receipt_get))
        .route("/status/{reference}/notices/{id}", get(status::status_notice_get))
        .route("/status/{reference}/results/{id}", get(status::status_result_get))
        .route(
            "/status/{reference}/documents",
            post(status::status_documents_post)
                .layer(axum::extract::DefaultBodyLimit::max(crate::app::documents::HARD_MAX_BYTES + 1024 * 1024)),
        )
}

/// Remembers a `?lang=` choice in a cookie for the pages that follow
/// (`Secure` when the site is served over https).
pub async fn remember_lang(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let chosen = lang_from_query(req.uri().query());
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", lang.code());
        if let Ok(v) = cookie.parse() {
            res.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    res
}

/// The status token the browser holds for the case it is looking at.
fn status_token(jar: &CookieJar) -> String {
    jar.get("status_token").map(|c| c.value().to_owned()).unwrap_or_default()
}

fn status_cookie(reference: &Reference, token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(("status_token", token))
        .path(format!("/status/{reference}"))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
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
                let unit = lang.t("yen");
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
    /// The answer time from the configured profiles: one sentence when every
    /// kind has the same, else one line per kind.
    answer_time: String,
    answer_times: Vec<String>,
    /// Whether waiting for the requester stops the clock of some kind.
    pauses: bool,
    /// Where to complain: the desk, the accredited body, the Commission, and the setting's list.
    complaints: Vec<String>,
    /// The data inventory's live systems (purposes, categories, retention);
    /// empty: the settings' purposes are shown.
    inventory: Vec<crate::app::inventory::PublicSystem>,
}

/// The answer time the public page promises, from each kind's profile.
fn answer_times(s: &Settings, lang: Lang) -> (String, Vec<String>) {
    use crate::i18n::Arg;
    let periods: Vec<(RequestKind, String)> =
        RequestKind::ALL.iter().map(|k| (*k, s.profile_for(*k).period(lang))).collect();
    if periods.iter().all(|(_, p)| *p == periods[0].1) {
        return (lang.f("we-aim-to-answer-within", &[("period", Arg::Text(&periods[0].1))]), Vec::new());
    }
    let lines = periods
        .iter()
        .map(|(k, p)| {
            lang.f("we-aim-to-answer-within-kind", &[("kind", Arg::Text(k.label(lang))), ("period", Arg::Text(p))])
        })
        .collect();
    (String::new(), lines)
}

/// The places to complain, as the public page lists them (APPI Art. 32(1)).
fn complaint_places(s: &Settings, lang: Lang) -> Vec<String> {
    let mut out = vec![lang.t("our-desk-above").to_owned()];
    let body = s.get("accredited_body").trim();
    if !body.is_empty() {
        let contact = s.get("accredited_body_contact").trim();
        out.push(format!("{}{body} {contact}", lang.t("accredited-organisation")).trim_end().to_owned());
    }
    out.push(lang.t("personal-information-protection-commission-appi-consultation").to_owned());
    out.extend(s.get("complaint_bodies").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
    out
}

async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let p = ctx.glance().await?;
    let s = ctx.state.app.settings().await?;
    let lang = p.lang;
    let fees = s.schedule();
    let schedule = fees
        .lines
        .iter()
        .filter(|l| l.kind.fee_allowed())
        .map(|l| {
            let amount =
                if l.amount > 0 { format!("{}{}", yen(&l.amount), lang.t("yen")) } else { lang.t("free").to_owned() };
            (l.kind.label(lang), l.delivery.map(|d| d.label(lang)).unwrap_or("—"), amount)
        })
        .collect();
    let methods = fees.methods.iter().map(|m| m.label(lang)).collect();
    let (answer_time, answer_times) = answer_times(&s, lang);
    let pauses = s.get("deadline_pause") != "no"
        && RequestKind::ALL.iter().any(|k| s.profile_for(*k) != crate::domain::deadline::Profile::Ccpa);
    let complaints = complaint_places(&s, lang);
    let inventory = crate::app::inventory::public_summary(&ctx.state.app).await?;
    let page = HomePage {
        kinds: kinds(&s, lang),
        schedule,
        methods,
        answer_time,
        answer_times,
        pauses,
        complaints,
        inventory,
        p,
        s,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "public/request_print.html")]
struct PrintForm {
    lang: Lang,
    kinds: Vec<(&'static str, String)>,
    deliveries: Vec<&'static str>,
    filers: Vec<&'static str>,
    fee_line: String,
    org_name: String,
    org_address: String,
    privacy_officer: String,
    window_hours: String,
}

/// `GET /requests/print`: the request form as an A4 sheet to fill in by hand
/// and post, or bring to the counter (the same fields as the web form).
async fn request_print(ctx: Ctx) -> Result<Response, WebError> {
    use crate::i18n::Arg;
    let s = ctx.state.app.settings().await?;
    let lang = ctx.lang;
    let fees: Vec<String> =
        kinds(&s, lang).into_iter().filter_map(|k| Some(format!("{} {}", k.label, k.fee?))).collect();
    let methods: Vec<&str> = s.schedule().methods.iter().map(|m| m.label(lang)).collect();
    let fee_line = if fees.is_empty() {
        String::new()
    } else {
        lang.f(
            "print-form-fee",
            &[("fees", Arg::Text(&fees.join(lang.t("text")))), ("methods", Arg::Text(&methods.join(lang.t("text"))))],
        )
    };
    let page = PrintForm {
        lang,
        kinds: RequestKind::ALL.iter().map(|k| (k.label(lang), crate::domain::cite(k.article(), lang))).collect(),
        deliveries: crate::domain::Delivery::ALL.iter().map(|d| d.label(lang)).collect(),
        filers: crate::domain::Filer::ALL.iter().map(|f| f.label(lang)).collect(),
        fee_line,
        org_name: s.org_name().to_owned(),
        org_address: s.get("org_address").to_owned(),
        privacy_officer: s.get("privacy_officer").to_owned(),
        window_hours: s.get("window_hours").to_owned(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// The channel choices of staff intake (the web is not one of them).
pub fn intake_channels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Channel::ALL.iter().filter(|c| **c != Channel::Web).map(|c| (c.code(), c.label(lang))).collect()
}
