//! The access log, for managers: per case, and across users by date with a
//! CSV download.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use serde::Deserialize;

use crate::app::access::{self, Entry, Filter};
use crate::domain::Reference;
use crate::domain::input::parse_date;
use crate::web::WebError;
use crate::web::auth::Manager;
use crate::web::errors::html;
use crate::web::page::{Ctx, Page};
use crate::web::path::Path;

const PAGE: i64 = 200;

#[derive(Template)]
#[template(path = "staff/access_log.html")]
struct LogPage {
    p: Page,
    /// The case, when this is one case's log.
    reference: String,
    entries: Vec<Entry>,
    users: Vec<(i64, String)>,
    user: i64,
    from: String,
    to: String,
    /// The query of the next page, if there is one.
    next: String,
    csv: String,
    error: String,
}

impl LogPage {
    /// How an access reads: "case", "document #3", "export of cases" …
    pub fn what(&self, what: &str) -> String {
        let (kind, rest) = what.split_once(':').unwrap_or((what, ""));
        let label = self.p.t(&format!("access-{kind}"));
        if rest.is_empty() { label.to_owned() } else { format!("{label} {rest}") }
    }
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<i64>,
}

/// The filter of a query; by default the last 30 days of everyone.
fn filter(ctx: &Ctx, q: &LogQuery) -> Result<Filter, String> {
    let today = ctx.state.app.today();
    let date = |s: &str, default: Date| -> Result<Date, String> {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            parse_date(s.trim()).ok_or_else(|| ctx.lang.t("enter-the-date-as-yyyy-mm-2").to_owned())
        }
    };
    let from = date(&q.from, today.checked_sub(jiff::Span::new().days(30)).unwrap_or(today))?;
    let to = date(&q.to, today)?;
    let user_id = q.user.trim().parse::<i64>().ok().filter(|id| *id > 0);
    Ok(Filter { user_id, from, to })
}

fn query_string(f: &Filter, before: Option<i64>) -> String {
    let mut q = format!("user={}&from={}&to={}", f.user_id.unwrap_or(0), f.from, f.to);
    if let Some(b) = before {
        q.push_str(&format!("&before={b}"));
    }
    q
}

/// `GET /staff/access-log?user=&from=&to=` (managers).
pub async fn access_log_get(Manager(user): Manager, ctx: Ctx, Query(q): Query<LogQuery>) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let p = ctx.page(Some(&user)).await?;
    let users = crate::app::users::list(app).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let (entries, f, error, status) = match filter(&ctx, &q) {
        Ok(f) => {
            let entries = access::search(app, &f, q.before, PAGE).await?;
            (entries, Some(f), String::new(), StatusCode::OK)
        }
        Err(e) => (Vec::new(), None, e, StatusCode::UNPROCESSABLE_ENTITY),
    };
    // Reading the log is access too.
    crate::app::cases::log_access(app, user.id, None, "access-log").await?;
    let next = match (&f, entries.last()) {
        (Some(f), Some(last)) if entries.len() as i64 == PAGE => query_string(f, Some(last.id)),
        _ => String::new(),
    };
    let page = LogPage {
        reference: String::new(),
        users,
        user: f.as_ref().and_then(|f| f.user_id).unwrap_or(0),
        from: f.as_ref().map(|f| f.from.to_string()).unwrap_or(q.from.clone()),
        to: f.as_ref().map(|f| f.to.to_string()).unwrap_or(q.to.clone()),
        csv: f.as_ref().map(|f| query_string(f, None)).unwrap_or_default(),
        next,
        entries,
        error,
        p,
    };
    Ok(html(status, &page))
}

/// `GET /staff/access-log.csv?user=&from=&to=` (managers): the whole range.
pub async fn access_log_csv(Manager(user): Manager, ctx: Ctx, Query(q): Query<LogQuery>) -> Result<Response, WebError> {
    let f = filter(&ctx, &q)
        .map_err(|_| WebError::Unprocessable(crate::domain::Msg::new("enter-the-date-as-yyyy-mm-2")))?;
    let body = access::csv(&ctx.state.app, user.id, &f).await?;
    Ok(super::attachment(super::CSV, &format!("access-log-{}-{}.csv", f.from, f.to), body))
}

/// `GET /staff/cases/{reference}/access` (managers): who looked at this case.
pub async fn case_access_get(
    Manager(user): Manager,
    ctx: Ctx,
    Path(reference): Path<Reference>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let entries = access::for_case(app, &reference).await?;
    let p = ctx.page(Some(&user)).await?;
    let page = LogPage {
        p,
        reference: reference.to_string(),
        entries,
        users: Vec::new(),
        user: 0,
        from: String::new(),
        to: String::new(),
        next: String::new(),
        csv: String::new(),
        error: String::new(),
    };
    Ok(html(StatusCode::OK, &page))
}
