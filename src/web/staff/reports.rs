//! Monthly reports for managers: the page and the per-case CSV.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::reports::{Month, Report, month_csv, monthly};
use crate::domain::Lang;
use crate::mail::yen;
use crate::web::WebError;
use crate::web::auth::Manager;
use crate::web::errors::html;
use crate::web::page::{Ctx, Page};

#[derive(Template)]
#[template(path = "staff/reports.html")]
struct ReportPage {
    p: Page,
    r: Report,
    month: String,
    prev: String,
    next: String,
    rate: String,
    median: String,
    mean: String,
    by_kind: Vec<(&'static str, i64, i64)>,
    by_outcome: Vec<(&'static str, i64)>,
    by_channel: Vec<(&'static str, i64)>,
    by_filer: Vec<(&'static str, i64)>,
    reasons: Vec<(&'static str, String, i64)>,
    fees: Vec<(&'static str, String)>,
    by_method: Vec<(&'static str, String)>,
    bad_month: bool,
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

fn fmt1(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

pub async fn reports_get(Manager(user): Manager, ctx: Ctx, Query(q): Query<MonthQuery>) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let parsed = Month::parse(q.month.trim());
    let bad_month = !q.month.trim().is_empty() && parsed.is_none();
    let month = parsed.unwrap_or_else(|| Month::of(app.today()));
    let r = monthly(app, month).await?;
    let p = ctx.page(Some(&user)).await?;
    let lang: Lang = p.lang;
    let yen_label = |n: i64| format!("{}{}", yen(n), lang.t("yen"));
    let page = ReportPage {
        month: month.code(),
        prev: month.previous().code(),
        next: month.next().code(),
        rate: r.on_time_rate.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into()),
        median: fmt1(r.median_days),
        mean: fmt1(r.mean_days),
        by_kind: r.by_kind.iter().map(|(k, a, b)| (k.label(lang), *a, *b)).collect(),
        by_outcome: r.by_outcome.iter().map(|(o, n)| (o.label(lang), *n)).collect(),
        by_channel: r.by_channel.iter().map(|(c, n)| (c.label(lang), *n)).collect(),
        by_filer: r.by_filer.iter().map(|(f, n)| (f.label(lang), *n)).collect(),
        reasons: r
            .refusals_by_reason
            .iter()
            .map(|(x, n)| (x.label(lang), x.citation(lang).unwrap_or_default(), *n))
            .collect(),
        fees: vec![
            (lang.t("requested"), yen_label(r.fees.requested)),
            (lang.t("collected"), yen_label(r.fees.collected)),
            (lang.t("waived"), yen_label(r.fees.waived)),
            (lang.t("refunded"), yen_label(r.fees.refunded)),
        ],
        by_method: r.fees.collected_by_method.iter().map(|(m, n)| (m.label(lang), yen_label(*n))).collect(),
        bad_month,
        r,
        p,
    };
    let status = if bad_month { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(html(status, &page))
}

/// `/staff/reports/YYYY-MM.csv` (axum cannot route `{month}.csv`, so the
/// whole file name is parsed here).
pub async fn report_file_get(Manager(user): Manager, ctx: Ctx, Path(file): Path<String>) -> Result<Response, WebError> {
    let Some(month) = file.strip_suffix(".csv").and_then(Month::parse) else {
        return Err(WebError::NotFound);
    };
    let body = month_csv(&ctx.state.app, month).await?;
    crate::app::cases::log_access(&ctx.state.app, user.id, None, &format!("export:report:{}", month.code())).await?;
    let disposition = format!("attachment; filename=\"madoguchi-{}.csv\"", month.code());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// `GET /staff/exports/cases.csv`: every case the queue's filters select
/// (all states unless one is chosen), streamed so memory stays flat. No
/// names or contact data; the export is written to the access log.
pub async fn export_get(
    Manager(user): Manager,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<crate::app::queue::QueueQuery>,
) -> Result<Response, WebError> {
    let stream = crate::app::reports::export(&ctx.state.app, &q, &user.actor()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"madoguchi-cases.csv\"".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}
