//! The queue (`GET /staff`) and assigning several of its cases at once
//! (`POST /staff/assign`).

use askama::Template;
use axum::extract::{Query, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::super::WebError;
use super::super::auth::StaffUser;
use super::super::csrf::{CsrfForm, HasCsrf};
use super::super::errors::html;
use super::super::page::{Ctx, FormErrors, Page};
use crate::app::AppError;
use crate::app::queue::{self, QueueCounts, QueueQuery};
use crate::app::records::QueueEntry;
use crate::domain::{Ask, RequestKind, State};

/// A queue row as the table shows it.
pub struct QueueLine {
    pub reference: String,
    pub row: QueueEntry,
    pub kind_label: &'static str,
    pub state_label: &'static str,
    pub asks: Vec<&'static str>,
    /// Calendar days left (negative: overdue), while the clock runs.
    pub days_left: Option<i64>,
    pub urgency: &'static str,
}

/// What the last bulk assignment did, shown once on the queue it returns to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BulkNotice {
    /// Already in the viewer's language.
    pub done: String,
    /// Each case that could not be assigned, and why.
    pub refused: Vec<(String, String)>,
}

const BULK_KEY: &str = "bulk_assigned";

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    p: Page,
    items: Vec<QueueLine>,
    counts: QueueCounts,
    q: QueueQuery,
    /// The query string the page was reached by (bulk assignment returns to it).
    here: String,
    next_cursor: Option<String>,
    broad: Option<&'static str>,
    search_error: Option<&'static str>,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    ask_options: Vec<(&'static str, &'static str)>,
    staff: Vec<(String, String)>,
    views: Vec<(&'static str, &'static str)>,
    bulk: Option<BulkNotice>,
    errors: FormErrors,
    /// The cases ticked when the bulk form came back with an error.
    ticked: Vec<String>,
    /// Mail set aside as failed that no admin has dealt with.
    mail_failures: i64,
}

impl QueuePage {
    fn is_ticked(&self, reference: &str) -> bool {
        self.ticked.iter().any(|t| t == reference)
    }
}

pub async fn queue_get(
    user: StaffUser,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let bulk = match ctx.session.get::<BulkNotice>(BULK_KEY).await {
        Ok(Some(b)) => {
            let _ = ctx.session.remove::<BulkNotice>(BULK_KEY).await;
            Some(b)
        }
        _ => None,
    };
    let page = render(&ctx, &user, q, raw.unwrap_or_default(), bulk, FormErrors::default(), Vec::new()).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn render(
    ctx: &Ctx,
    user: &StaffUser,
    q: QueueQuery,
    here: String,
    bulk: Option<BulkNotice>,
    errors: FormErrors,
    ticked: Vec<String>,
) -> Result<QueuePage, WebError> {
    let app = &ctx.state.app;
    let page = queue::page(app, &q, user.id).await?;
    // The queue shows names, and a search is a search for someone: both are access.
    crate::app::cases::log_access(app, user.id, None, &format!("queue:{here}")).await?;
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    let items = page
        .items
        .into_iter()
        .map(|i| QueueLine {
            reference: i.entry.reference.as_ref().map(ToString::to_string).unwrap_or_default(),
            kind_label: i.entry.kind.label(lang),
            state_label: i.entry.state.label(lang),
            asks: i.entry.asks.iter().map(|a| a.label(lang)).collect(),
            days_left: i.days_left,
            urgency: i.urgency,
            row: i.entry,
        })
        .collect();
    Ok(QueuePage {
        items,
        counts: page.counts,
        q,
        here,
        next_cursor: page.next_cursor,
        broad: page.broad,
        search_error: page.search_error,
        states: State::ALL.iter().filter(|s| **s != State::Unconfirmed).map(|s| (s.code(), s.label(lang))).collect(),
        kinds: RequestKind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect(),
        ask_options: Ask::ALL.iter().map(|a| (a.code(), a.label(lang))).collect(),
        staff: page.staff.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect(),
        views: queue::VIEWS.into_iter().map(|v| (v, lang.t(&format!("view-{v}")))).collect(),
        bulk,
        errors,
        ticked,
        mail_failures: crate::app::outbox::failure_count(app).await?,
        p,
    })
}

/// `POST /staff/assign`: the ticked cases (`case`, repeated), to whom
/// (`assignee`: a user id, or `none` to unassign; empty is asked again), and
/// the queue to return to (`back`, its query string).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignPost {
    pub csrf_token: String,
    pub case: Vec<String>,
    pub assignee: String,
    pub back: String,
}

impl HasCsrf for AssignPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn assign_post(
    user: StaffUser,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<AssignPost>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    // The queue's own query string, as the browser encoded it; anything
    // else (a control character, raw non-ASCII) is not one, and the queue
    // is returned to unfiltered rather than put into a header.
    let back = form.back.trim_start_matches('?');
    let back = if back.bytes().all(|b| b.is_ascii_graphic()) { back.to_owned() } else { String::new() };
    let assignee = match form.assignee.trim() {
        "" => Err(AppError::field("assignee", "choose-whom-to-assign")),
        "none" => Ok(None),
        id => id.parse::<i64>().map(Some).map_err(|_| AppError::field("assignee", "that-person-cannot-be-assigned")),
    };
    let result = match assignee {
        Ok(assignee) => queue::assign_many(&ctx.state.app, &form.case, assignee, user.actor()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(bulk) => {
            let to = bulk.to.as_ref().map(|u| u.display_name.clone()).unwrap_or_else(|| lang.t("nobody-3").to_owned());
            let count = |n: usize| crate::i18n::Arg::Num(n as i64);
            let mut said = Vec::new();
            if !bulk.assigned.is_empty() || bulk.unchanged.is_empty() {
                let name = crate::i18n::Arg::Text(&to);
                said.push(lang.f("bulk-assigned", &[("count", count(bulk.assigned.len())), ("name", name)]));
            }
            if !bulk.unchanged.is_empty() {
                said.push(lang.f("bulk-unchanged", &[("count", count(bulk.unchanged.len()))]));
            }
            // Japanese sentences follow one another without a space.
            let done = said.join(if lang == crate::domain::Lang::JA { "" } else { " " });
            let refused = bulk.refused.iter().map(|(r, m)| (r.clone(), m.get(lang).to_owned())).collect();
            ctx.session
                .insert(BULK_KEY, BulkNotice { done, refused })
                .await
                .map_err(|e| WebError::internal("cannot keep the bulk result", e))?;
            let to = if back.is_empty() { "/staff".to_owned() } else { format!("/staff?{back}") };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let q: QueueQuery = serde_urlencoded::from_str(&back).unwrap_or_default();
            let errors = FormErrors::new(&errors, lang);
            let page = render(&ctx, &user, q, back, None, errors, form.case).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
