//! The staff's pages: login, queue, case, intake, reports, administration.

mod actions;
mod admin;
mod case;
mod deadlines;
mod reports;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::ToSpan;
use serde::Deserialize;

use super::auth::{self, StaffUser};
use super::errors::html;
use super::page::{Ctx, FormErrors, Page};
use super::public::{RequestPost, request_form_page};
use super::{AppState, WebError, csrf};
use crate::app::{AppError, requests, users};
use crate::domain::input::RequestForm;
use crate::domain::{Ask, Lang, RequestKind, State};
use crate::store::cases::{self as sc, QueueCounts, QueueFilter, QueueRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(login_get).post(login_post))
        .route("/staff/logout", post(logout_post))
        .route("/setup", get(setup_get).post(setup_post))
        .route("/staff", get(queue_get))
        .route("/staff/intake", get(intake_get).post(intake_post))
        .route("/staff/cases/{reference}", get(case::case_get))
        .route("/staff/cases/{reference}/{action}", post(actions::case_action_post))
        .route("/staff/cases/{reference}/receipts/{id}", get(case::receipt_get))
        .route("/staff/cases/{reference}/documents/{id}", get(case::document_get))
        .route("/staff/reports", get(reports::reports_get))
        .route("/staff/reports/{file}", get(reports::report_file_get))
        .route("/staff/exports/cases.csv", get(reports::export_get))
        .route("/admin/users", get(admin::users_get).post(admin::users_post))
        .route("/admin/users/{id}", post(admin::user_update_post))
        .route("/admin/settings", get(admin::settings_get).post(admin::settings_post))
        .route("/staff/deadlines", get(deadlines::deadlines_get).post(deadlines::deadlines_post))
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    p: Page,
    email: String,
    error: String,
}

async fn login_get(ctx: Ctx) -> Result<Response, WebError> {
    let p = ctx.page(None).await?;
    Ok(html(StatusCode::OK, &LoginPage { p, email: String::new(), error: String::new() }))
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

async fn login_post(
    ctx: Ctx,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    axum::Form(post): axum::Form<LoginPost>,
) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
    let addr = peer.ip().to_string();
    match users::authenticate(&ctx.state.app, &post.email, &post.password, &addr).await {
        Ok(user) => {
            auth::log_in(&ctx.session, user.id, ctx.state.app.now_us()).await?;
            Ok(Redirect::to("/staff").into_response())
        }
        Err(e @ (AppError::Unauthorized | AppError::Throttled)) => {
            let status =
                if matches!(e, AppError::Throttled) { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            let p = ctx.page(None).await?;
            let error = if status == StatusCode::UNAUTHORIZED {
                p.t("メールアドレスまたはパスワードが違います。", "The e-mail address or password is wrong.")
            } else {
                p.t(
                    "試行が多すぎます。15分ほどおいてからお試しください。",
                    "Too many attempts. Please try again in about 15 minutes.",
                )
            };
            let page = LoginPage { error: error.to_owned(), email: post.email, p };
            Ok(html(status, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

async fn logout_post(ctx: Ctx, axum::Form(post): axum::Form<CsrfOnly>) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
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

async fn setup_post(ctx: Ctx, axum::Form(post): axum::Form<SetupPost>) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
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

/// A queue row as the table shows it.
pub struct QueueItem {
    pub row: QueueRow,
    pub kind_label: &'static str,
    pub state_label: &'static str,
    pub asks: Vec<&'static str>,
    /// Calendar days left (negative: overdue), while the clock runs.
    pub days_left: Option<i64>,
    pub urgency: &'static str,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    p: Page,
    items: Vec<QueueItem>,
    counts: QueueCounts,
    q: QueueQuery,
    next_cursor: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    ask_options: Vec<(&'static str, &'static str)>,
    staff: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub state: String,
    pub ask: String,
    pub kind: String,
    pub assignee: String,
    pub due: String,
    pub q: String,
    pub cursor: String,
}

impl QueueQuery {
    /// The query string without the cursor, for the next page's link.
    pub fn without_cursor(&self) -> String {
        let pairs = [
            ("state", &self.state),
            ("ask", &self.ask),
            ("kind", &self.kind),
            ("assignee", &self.assignee),
            ("due", &self.due),
            ("q", &self.q),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const PAGE_SIZE: i64 = 50;

async fn queue_get(user: StaffUser, ctx: Ctx, Query(q): Query<QueueQuery>) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let today = app.today();
    let f = filter_of(&q, &user, today, true);
    let mut rows = sc::queue(&app.store, &f).await.map_err(AppError::from)?;
    let next_cursor = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| format!("{}_{}", r.due_on.as_deref().unwrap_or(sc::NO_DUE), r.id))
    } else {
        None
    };
    let counts = sc::queue_counts(&app.store, &today.to_string(), &today.saturating_add(6.days()).to_string())
        .await
        .map_err(AppError::from)?;
    let p = ctx.page(Some(&user)).await?;
    let lang = p.lang;
    let calendar = app.settings().await?.calendar();
    let items = rows.into_iter().map(|row| queue_item(row, today, lang, &calendar)).collect();
    let staff = crate::store::users::all(&app.store)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    let page = QueuePage {
        items,
        counts,
        q,
        next_cursor,
        states: State::ALL.iter().filter(|s| **s != State::Unconfirmed).map(|s| (s.code(), s.label(lang))).collect(),
        kinds: RequestKind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect(),
        ask_options: Ask::ALL.iter().map(|a| (a.code(), a.label(lang))).collect(),
        staff,
        p,
    };
    Ok(html(StatusCode::OK, &page))
}

/// The queue's query as a store filter (also used by the export).
pub fn filter_of(q: &QueueQuery, user: &StaffUser, today: jiff::civil::Date, open_only: bool) -> QueueFilter {
    let mut f = QueueFilter { limit: PAGE_SIZE + 1, open_only, ..QueueFilter::default() };
    if !q.state.is_empty() {
        f.state = q.state.parse::<State>().ok().map(|s| s.code().to_owned());
    }
    f.kind = q.kind.parse::<RequestKind>().ok().map(|k| k.code().to_owned());
    f.ask = q.ask.parse::<Ask>().ok().map(|a| a.code().to_owned());
    f.assignee = match q.assignee.as_str() {
        "" => None,
        "none" => Some(None),
        "me" => Some(Some(user.id)),
        other => other.parse().ok().map(Some),
    };
    match q.due.as_str() {
        "overdue" => {
            f.due_until = Some(today.saturating_sub(1.day()).to_string());
            f.clock_running = true;
        }
        "week" => {
            f.due_until = Some(today.saturating_add(6.days()).to_string());
            f.clock_running = true;
        }
        _ => {}
    }
    let needle = q.q.trim();
    if !needle.is_empty() {
        f.q = Some(needle.to_owned());
    }
    f.after = q.cursor.split_once('_').and_then(|(due, id)| Some((due.to_owned(), id.parse().ok()?)));
    f
}

fn queue_item(
    row: QueueRow,
    today: jiff::civil::Date,
    lang: Lang,
    calendar: &crate::domain::calendar::Calendar,
) -> QueueItem {
    let state: State = row.state.parse().unwrap_or(State::Received);
    let running = matches!(state, State::Received | State::InProgress);
    let days_left = row
        .due_on
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .filter(|_| running)
        .map(|due| (due - today).get_days() as i64);
    // Amber within 3 business days, red once overdue (UI.md).
    let business_left = row
        .due_on
        .as_deref()
        .and_then(|d| d.parse().ok())
        .filter(|_| running)
        .map(|due| calendar.business_days_between(today, due));
    let urgency = match (days_left, business_left) {
        (Some(d), _) if d < 0 => "overdue",
        (Some(_), Some(b)) if b <= 3 => "soon",
        _ => "",
    };
    QueueItem {
        kind_label: row.kind.parse::<RequestKind>().map(|k| k.label(lang)).unwrap_or(""),
        state_label: state.label(lang),
        asks: row.asks.split(',').filter_map(|a| a.parse::<Ask>().ok()).map(|a| a.label(lang)).collect(),
        days_left,
        urgency,
        row,
    }
}

async fn intake_get(user: StaffUser, ctx: Ctx) -> Result<Response, WebError> {
    let p = ctx.page(Some(&user)).await?;
    let s = ctx.state.app.settings().await?;
    let f = RequestForm { received_on: ctx.state.app.today().to_string(), ..RequestForm::default() };
    Ok(html(StatusCode::OK, &request_form_page(p, f, FormErrors::default(), &s, true)))
}

async fn intake_post(
    user: StaffUser,
    ctx: Ctx,
    axum::Form(post): axum::Form<RequestPost>,
) -> Result<Response, WebError> {
    csrf::check(&ctx.session, &post.csrf_token).await?;
    match requests::intake(&ctx.state.app, &post.form, user.actor()).await {
        Ok(reference) => Ok(Redirect::to(&format!("/staff/cases/{reference}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let p = ctx.page(Some(&user)).await?;
            let s = ctx.state.app.settings().await?;
            let errors = FormErrors::new(&errors, p.lang);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &request_form_page(p, post.form, errors, &s, true)))
        }
        Err(e) => Err(e.into()),
    }
}
