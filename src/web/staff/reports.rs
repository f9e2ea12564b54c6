//! Reports for managers: the page (a month, a range of months or a year,
//! with charts), its CSV and XLSX files, the streamed case export and the
//! audit trail export.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::charts::{self, KindsChart, MonthsChart};
use super::{CSV, attachment};
use crate::app::reports::{self as ar, MAX_FILE_MONTHS, Month, Period, Report, TrendPoint};
use crate::domain::input::FieldError;
use crate::domain::{Lang, Msg, Role};
use crate::mail::yen;
use crate::web::WebError;
use crate::web::auth::{Manager, StaffUser};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};

#[derive(Template)]
#[template(path = "staff/reports.html")]
struct ReportPage {
    p: Page,
    r: Report,
    /// The period's code: `2026-11`, `2026`, `2026-01_2026-06`.
    code: String,
    /// What the heading says the period is.
    title: String,
    /// Links to the period before and after (a month or a year).
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
    /// The form's values, as typed.
    month: String,
    from: String,
    to: String,
    year: String,
    rate: String,
    median: String,
    mean: String,
    median_business: String,
    collected: String,
    kinds: Vec<KindRow>,
    by_outcome: Vec<(&'static str, i64)>,
    by_channel: Vec<(&'static str, i64)>,
    by_filer: Vec<(&'static str, i64)>,
    reasons: Vec<(&'static str, String, i64)>,
    fees: Vec<(&'static str, String)>,
    by_method: Vec<(&'static str, String)>,
    trend: Vec<TrendRow>,
    counts_svg: String,
    rate_svg: String,
    kinds_svg: String,
    files: bool,
    admin: bool,
    events_from: String,
    events_to: String,
    errors: FormErrors,
    /// The inventory's searches in the period, per system, and the systems never searched.
    searches: crate::app::tasks::SearchReport,
}

struct KindRow {
    label: &'static str,
    received: i64,
    closed: i64,
    complied: i64,
    denied: i64,
    withdrawn: i64,
    median: String,
}

struct TrendRow {
    month: String,
    received: i64,
    closed: i64,
    rate: String,
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    year: String,
}

fn fmt1(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// The period the query asks for, or the errors of its fields (the page
/// then shows this month).
fn period_of(q: &ReportQuery) -> Result<Option<Period>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (month, from, to, year) = (q.month.trim(), q.from.trim(), q.to.trim(), q.year.trim());
    if !year.is_empty() {
        let y = (year.len() == 4).then(|| year.parse::<i16>().ok()).flatten();
        match y.and_then(Period::year) {
            Some(p) => return Ok(Some(p)),
            None => errors.push(FieldError { field: "year", msg: Msg::new("give-the-year-as-yyyy") }),
        }
    } else if !from.is_empty() || !to.is_empty() {
        let (a, b) = (Month::parse(from), Month::parse(to));
        if a.is_none() {
            errors.push(FieldError { field: "from", msg: Msg::new("give-the-month-as-yyyy-mm") });
        }
        if b.is_none() {
            errors.push(FieldError { field: "to", msg: Msg::new("give-the-month-as-yyyy-mm") });
        }
        if let (Some(a), Some(b)) = (a, b) {
            match Period::new(a, b) {
                Some(p) => return Ok(Some(p)),
                None => errors
                    .push(FieldError { field: "to", msg: Msg::new("the-range-must-run-forward-at-most-ten-years") }),
            }
        }
    } else if !month.is_empty() {
        match Month::parse(month) {
            Some(m) => return Ok(Some(Period::month(m))),
            None => errors.push(FieldError { field: "month", msg: Msg::new("give-the-month-as-yyyy-mm") }),
        }
    } else {
        return Ok(None);
    }
    Err(errors)
}

pub async fn reports_get(Manager(user): Manager, ctx: Ctx, Query(q): Query<ReportQuery>) -> Result<Response, WebError> {
    let today = ctx.state.app.today();
    let (period, errors) = match period_of(&q) {
        Ok(p) => (p.unwrap_or_else(|| Period::month(Month::of(today))), Vec::new()),
        Err(e) => (Period::month(Month::of(today)), e),
    };
    render(&user, ctx, period, q, errors, (String::new(), String::new())).await
}

/// The page of `period`, with the form as typed and its errors (422 when
/// there are some).
async fn render(
    user: &StaffUser,
    ctx: Ctx,
    period: Period,
    q: ReportQuery,
    errors: Vec<FieldError>,
    events: (String, String),
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let timed = |started: std::time::Instant| started.elapsed().as_secs_f64() * 1000.0;
    let ((r, report_ms), (trend, trend_ms)) = futures::try_join!(
        async {
            let t = std::time::Instant::now();
            ar::report(app, period).await.map(|r| (r, timed(t)))
        },
        async {
            let t = std::time::Instant::now();
            ar::trend(app, period.to).await.map(|r| (r, timed(t)))
        }
    )?;
    let searches = crate::app::tasks::report(app, period.first(), period.last()).await?;
    let p = ctx.page(Some(user)).await?;
    let lang: Lang = p.lang;
    let yen_label = |n: i64| format!("{}{}", yen(n), lang.t("yen"));
    let ja = lang == Lang::JA;
    let (prev, next) = if period.is_month() {
        let (a, b) = (period.from.previous().code(), period.from.next().code());
        (Some((format!("month={a}"), a)), Some((format!("month={b}"), b)))
    } else if period.is_year() {
        let y = period.from.first.year();
        (Some((format!("year={}", y - 1), (y - 1).to_string())), Some((format!("year={}", y + 1), (y + 1).to_string())))
    } else {
        (None, None)
    };
    let title = if period.is_month() {
        period.from.code()
    } else if period.is_year() {
        lang.f("year-n", &[("year", crate::i18n::Arg::Num(i64::from(period.from.first.year())))])
    } else {
        format!("{} – {}", period.from.code(), period.to.code())
    };
    let months: Vec<(i16, i8)> = trend.iter().map(|t| (t.month.first.year(), t.month.first.month())).collect();
    let counts = charts::counts_chart(
        &months,
        &[
            ("received", lang.t("received-2"), trend.iter().map(|t| t.received).collect()),
            ("closed", lang.t("closed"), trend.iter().map(|t| t.closed).collect()),
        ],
        ja,
    );
    let rates: Vec<Option<f64>> = trend.iter().map(|t| t.on_time_rate).collect();
    let rate_chart: MonthsChart = charts::rate_chart(&months, &rates, ja);
    let kinds_chart: KindsChart =
        charts::kinds_chart(&r.kinds.iter().map(|k| (k.kind.label(lang), k.received, k.closed)).collect::<Vec<_>>());
    let svg = |t: &dyn askama::DynTemplate| t.dyn_render().map_err(|e| WebError::Internal(anyhow::Error::new(e)));
    let page = ReportPage {
        code: period.code(),
        title,
        prev,
        next,
        month: if q.month.is_empty() && period.is_month() { period.code() } else { q.month },
        from: q.from,
        to: q.to,
        year: q.year,
        rate: percent(r.on_time_rate),
        median: fmt1(r.median_days),
        mean: fmt1(r.mean_days),
        median_business: fmt1(r.median_business_days),
        collected: yen_label(r.fees.collected),
        kinds: r
            .kinds
            .iter()
            .map(|k| KindRow {
                label: k.kind.label(lang),
                received: k.received,
                closed: k.closed,
                complied: k.complied,
                denied: k.denied,
                withdrawn: k.withdrawn,
                median: fmt1(k.median_days),
            })
            .collect(),
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
        trend: trend.iter().map(trend_row).collect(),
        counts_svg: svg(&counts)?,
        rate_svg: svg(&rate_chart)?,
        kinds_svg: svg(&kinds_chart)?,
        files: period.months() <= MAX_FILE_MONTHS,
        admin: user.is_admin(),
        events_from: events.0,
        events_to: events.1,
        errors: FormErrors::new(&errors, lang),
        searches,
        r,
        p,
    };
    let status = if !page.errors.any() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    // How long the counts and the trend took, for the browser's tools and
    // the benchmark (they are read at once, side by side).
    let timing = format!("report;dur={report_ms:.1}, trend;dur={trend_ms:.1}");
    let mut res = html(status, &page);
    if let Ok(v) = header::HeaderValue::from_str(&timing) {
        res.headers_mut().insert(header::HeaderName::from_static("server-timing"), v);
    }
    Ok(res)
}

fn trend_row(t: &TrendPoint) -> TrendRow {
    TrendRow { month: t.month.code(), received: t.received, closed: t.closed, rate: percent(t.on_time_rate) }
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    /// `1`: with names and contact data (administrators only).
    #[serde(default)]
    personal: String,
}

/// `/staff/reports/{period}.csv` and `.xlsx` (axum cannot route
/// `{month}.csv`, so the whole file name is parsed here). The period is a
/// month (`2026-11`), a year (`2026`) or a range (`2026-01_2026-06`) of at
/// most a year.
pub async fn report_file_get(
    Manager(user): Manager,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, WebError> {
    let (code, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    let period = Period::parse(code).filter(|p| p.months() <= MAX_FILE_MONTHS).ok_or(WebError::NotFound)?;
    let personal = q.personal == "1";
    if personal {
        user.require(Role::Admin)?;
    }
    let app = &ctx.state.app;
    let (body, kind) = match ext {
        "csv" => (ar::period_csv(app, period, personal).await?, CSV),
        "xlsx" => (
            ar::period_xlsx(app, period, personal, ctx.lang).await?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(WebError::NotFound),
    };
    let what = if personal { ":personal" } else { "" };
    crate::app::cases::log_access(app, user.id, None, &format!("export:report:{}{what}.{ext}", period.code())).await?;
    Ok(attachment(kind, &format!("madoguchi-{}.{ext}", period.code()), body))
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
    Ok(attachment(CSV, "madoguchi-cases.csv", axum::body::Body::from_stream(stream)))
}

#[derive(Deserialize, Default)]
pub struct EventsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `GET /staff/exports/events.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` (both days
/// included; a `to` in the future is allowed): the audit trail for
/// auditors, streamed. Bad dates come back on the report page, at their
/// fields (422).
pub async fn events_get(Manager(user): Manager, ctx: Ctx, Query(q): Query<EventsQuery>) -> Result<Response, WebError> {
    let mut errors = Vec::new();
    let from: Option<jiff::civil::Date> = q.from.trim().parse().ok();
    let to: Option<jiff::civil::Date> = q.to.trim().parse().ok();
    if from.is_none() {
        errors.push(FieldError { field: "events_from", msg: Msg::new("give-the-date-as-yyyy-mm-dd") });
    }
    if to.is_none() {
        errors.push(FieldError { field: "events_to", msg: Msg::new("give-the-date-as-yyyy-mm-dd") });
    }
    let dates = match (from, to) {
        (Some(from), Some(to)) if to < from => {
            errors.push(FieldError { field: "events_to", msg: Msg::new("the-end-comes-before-the-start") });
            None
        }
        (Some(from), Some(to)) => Some((from, to)),
        _ => None,
    };
    let Some((from, to)) = dates else {
        let period = Period::month(Month::of(ctx.state.app.today()));
        return render(&user, ctx, period, ReportQuery::default(), errors, (q.from, q.to)).await;
    };
    let stream = ar::audit_csv(&ctx.state.app, from, to, user.id).await?;
    let name = format!("madoguchi-events-{from}-{to}.csv");
    Ok(attachment(CSV, &name, axum::body::Body::from_stream(stream)))
}
