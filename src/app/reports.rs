//! The monthly report (DESIGN.md §5) and the per-case CSVs. Counts come
//! from SQL groups; the medians and date arithmetic happen here. Both CSVs
//! (the month's and the queue's streamed export) write the one typed
//! [`ExportRow`] the store reads the same way on both backends.

use std::borrow::Cow;

use jiff::ToSpan;
use jiff::civil::Date;

use super::{App, Result};
use crate::app::records::ExportRow;
use crate::app::store::{self, reports as sr};
use crate::domain::{Channel, Filer, Outcome, PaymentMethod, Reason, RequestKind};

/// A month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub first: Date,
    pub last: Date,
}

impl Month {
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
        Some(Month { first, last: first.last_of_month() })
    }

    pub fn of(d: Date) -> Month {
        let first = d.first_of_month();
        Month { first, last: first.last_of_month() }
    }

    pub fn code(&self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }

    pub fn previous(&self) -> Month {
        Month::of(self.first.saturating_sub(1.day()))
    }

    pub fn next(&self) -> Month {
        Month::of(self.last.saturating_add(1.day()))
    }
}

/// The columns of both per-case CSVs (the month's and the queue's export)
/// and of the XLSX's `cases` sheet: codes, dates and yen, no names or
/// contact data.
pub const COLUMNS: [&str; 17] = [
    "reference",
    "kind",
    "channel",
    "filer",
    "state",
    "received_on",
    "due_on",
    "closed_on",
    "outcome",
    "reasons",
    "on_time",
    "days_to_close",
    "fee_requested",
    "fee_paid",
    "fee_waived",
    "fee_refunded",
    "fee_status",
];

/// The columns an admin may add to a report's file, explicitly.
pub const PERSONAL_COLUMNS: [&str; 5] =
    ["subject_name", "subject_name_kana", "contact_email", "subject_phone", "agent_name"];

/// Whether a case closed on time: `Some` for a case closed and not withdrawn
/// (without a due date it is not on time).
pub fn on_time(r: &ExportRow) -> Option<bool> {
    match (r.closed_on, r.outcome) {
        (Some(c), Some(o)) if o != Outcome::Withdrawn => Some(r.due_on.is_some_and(|d| c <= d)),
        _ => None,
    }
}

/// Calendar days from arrival to closing.
pub fn days_to_close(r: &ExportRow) -> Option<i64> {
    r.received_on.zip(r.closed_on).map(|(rc, cl)| i64::from((cl - rc).get_days()))
}

/// Reason codes separated by spaces.
pub fn reason_codes(r: &ExportRow) -> String {
    r.reasons.iter().map(|x| x.code()).collect::<Vec<_>>().join(" ")
}

/// One per-case line's cells, in [`COLUMNS`]' order.
fn cells(r: &ExportRow) -> [Cow<'_, str>; 17] {
    let date = |d: Option<Date>| d.map_or(Cow::Borrowed(""), |d| Cow::Owned(d.to_string()));
    let num = |n: i64| Cow::Owned(n.to_string());
    [
        safe_cell(r.reference.as_ref().map(|x| x.as_str()).unwrap_or("")),
        r.kind.code().into(),
        r.channel.code().into(),
        r.filer.code().into(),
        r.state.code().into(),
        date(r.received_on),
        date(r.due_on),
        date(r.closed_on),
        r.outcome.map_or("", |o| o.code()).into(),
        reason_codes(r).into(),
        on_time(r).map_or("", |t| if t { "yes" } else { "no" }).into(),
        days_to_close(r).map_or(Cow::Borrowed(""), num),
        num(r.fees.requested),
        num(r.fees.paid),
        num(r.fees.waived),
        num(r.fees.refunded),
        r.fees.status().code().into(),
    ]
}

/// The CSV header of [`COLUMNS`] (and [`PERSONAL_COLUMNS`] when asked).
fn csv_header(personal: bool) -> String {
    let mut names: Vec<&str> = COLUMNS.to_vec();
    if personal {
        names.extend(PERSONAL_COLUMNS);
    }
    format!("\u{feff}{}\r\n", names.join(","))
}

/// Records as CSV lines (CRLF), without a header.
pub(super) fn csv_records<R, C>(records: impl IntoIterator<Item = R>) -> Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut w = csv::WriterBuilder::new().has_headers(false).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let err = |e: csv::Error| super::AppError::internal("the CSV could not be written", e);
    for record in records {
        // Whole records, so that a line of one empty cell is written `""`
        // (an empty line would be skipped by readers).
        let cells: Vec<C> = record.into_iter().collect();
        w.write_record(cells.iter().map(|c| c.as_ref().as_bytes())).map_err(err)?;
    }
    w.into_inner().map_err(|e| super::AppError::internal("the CSV could not be written", e.into_error()))
}

/// Rows as CSV lines (CRLF), without the header; each row's names and
/// contact data follow when given.
fn csv_lines<'a>(
    rows: impl IntoIterator<Item = (&'a ExportRow, Option<&'a sr::Contact>)>,
    personal: bool,
) -> Result<Vec<u8>> {
    csv_records(rows.into_iter().map(|(r, contact)| {
        let mut line: Vec<Cow<'_, str>> = cells(r).into();
        match contact {
            Some(c) => line.extend(contact_cells(c)),
            // A case whose details could not be read with the rest (it
            // changed between the two reads) keeps its line, without names.
            None if personal => line.extend(PERSONAL_COLUMNS.map(|_| Cow::Borrowed(""))),
            None => {}
        }
        line
    }))
}

/// A person's cells, in [`PERSONAL_COLUMNS`]' order, neutralised.
pub fn contact_cells(c: &sr::Contact) -> [Cow<'_, str>; 5] {
    [safe_cell(&c.1), opt_cell(&c.2), opt_cell(&c.3), opt_cell(&c.4), opt_cell(&c.5)]
}

fn opt_cell(v: &Option<String>) -> Cow<'_, str> {
    v.as_deref().map_or(Cow::Borrowed(""), safe_cell)
}

#[derive(Debug, Clone, Default)]
pub struct Fees {
    pub requested: i64,
    pub collected: i64,
    pub waived: i64,
    pub refunded: i64,
    pub collected_by_method: Vec<(PaymentMethod, i64)>,
}

/// The longest span a report page sums: ten years.
pub const MAX_MONTHS: i32 = 120;
/// The longest span a file (CSV, XLSX) lists case by case: a year.
pub const MAX_FILE_MONTHS: i32 = 12;

/// The whole months a report covers, `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Month,
    pub to: Month,
}

impl Period {
    pub fn month(m: Month) -> Period {
        Period { from: m, to: m }
    }

    /// From `from` to `to`, both included, at most [`MAX_MONTHS`].
    pub fn new(from: Month, to: Month) -> Option<Period> {
        let p = Period { from, to };
        (from.first <= to.first && p.months() <= MAX_MONTHS).then_some(p)
    }

    /// A calendar year.
    pub fn year(y: i16) -> Option<Period> {
        Period::new(Month::parse(&format!("{y:04}-01"))?, Month::parse(&format!("{y:04}-12"))?)
    }

    /// `2026-11`, `2026` (a calendar year) or `2026-01_2026-06`.
    pub fn parse(code: &str) -> Option<Period> {
        if let Some((a, b)) = code.split_once('_') {
            return Period::new(Month::parse(a)?, Month::parse(b)?);
        }
        if code.len() == 4 {
            return Period::year(code.parse().ok()?);
        }
        Month::parse(code).map(Period::month)
    }

    pub fn code(&self) -> String {
        if self.is_month() {
            self.from.code()
        } else if self.is_year() {
            format!("{:04}", self.from.first.year())
        } else {
            format!("{}_{}", self.from.code(), self.to.code())
        }
    }

    pub fn first(&self) -> Date {
        self.from.first
    }

    pub fn last(&self) -> Date {
        self.to.last
    }

    pub fn months(&self) -> i32 {
        let (a, b) = (self.from.first, self.to.first);
        (i32::from(b.year()) - i32::from(a.year())) * 12 + i32::from(b.month()) - i32::from(a.month()) + 1
    }

    pub fn is_month(&self) -> bool {
        self.from == self.to
    }

    pub fn is_year(&self) -> bool {
        self.from.first.month() == 1 && self.to.first.month() == 12 && self.from.first.year() == self.to.first.year()
    }
}

/// One kind of request in a report: what the CCPA's yearly metrics ask
/// (11 CCR § 7102) and the desk's own counts.
#[derive(Debug, Clone, PartialEq)]
pub struct KindLine {
    pub kind: RequestKind,
    pub received: i64,
    pub closed: i64,
    /// Granted, partially granted or answered.
    pub complied: i64,
    /// Refused, or no data held.
    pub denied: i64,
    pub withdrawn: i64,
    /// Calendar days from arrival to closing, withdrawals included.
    pub median_days: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub period: Period,
    /// The day "open" and "overdue" are counted at: the period's last day,
    /// or today while the period runs.
    pub as_of: Date,
    /// The period is not over: its figures are so far.
    pub so_far: bool,
    /// The period has not begun: nothing is open in it yet.
    pub not_begun: bool,
    pub received: i64,
    pub closed: i64,
    pub withdrawn: i64,
    pub on_time: i64,
    /// On time ÷ closed, withdrawn cases excluded; None when nothing closed.
    pub on_time_rate: Option<f64>,
    pub open_at_end: i64,
    pub overdue_open: i64,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
    pub median_business_days: Option<f64>,
    pub mean_business_days: Option<f64>,
    pub extensions: i64,
    pub kinds: Vec<KindLine>,
    pub by_outcome: Vec<(Outcome, i64)>,
    pub by_channel: Vec<(Channel, i64)>,
    pub by_filer: Vec<(Filer, i64)>,
    pub refusals_by_reason: Vec<(Reason, i64)>,
    pub fees: Fees,
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 { sorted[n / 2] as f64 } else { (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0 })
}

fn mean(xs: &[i64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<i64>() as f64 / xs.len() as f64)
}

/// The report of a period (DESIGN.md §5): counts from SQL groups, the
/// medians and date arithmetic here. "Open" and "overdue" are counted at
/// the period's end, or today while it runs: a case received today is not
/// overdue at a month end still to come.
pub async fn report(app: &App, period: Period) -> Result<Report> {
    let today = app.today();
    let as_of = period.last().min(today);
    let first = period.first().to_string();
    let last = period.last().to_string();
    let calendar = app.settings().await?.calendar();
    let mut received = 0;
    let mut closed = 0;
    let mut withdrawn = 0;
    let mut on_time = 0;
    let mut days = Vec::new();
    let mut business_days = Vec::new();
    let mut kinds: Vec<(KindLine, Vec<i64>)> = RequestKind::ALL
        .iter()
        .map(|k| {
            let line =
                KindLine { kind: *k, received: 0, closed: 0, complied: 0, denied: 0, withdrawn: 0, median_days: None };
            (line, Vec::new())
        })
        .collect();
    let mut by_outcome: Vec<(Outcome, i64)> = Outcome::ALL.iter().map(|o| (*o, 0)).collect();
    let mut by_channel: Vec<(Channel, i64)> = Channel::ALL.iter().map(|c| (*c, 0)).collect();
    let mut by_filer: Vec<(Filer, i64)> = Filer::ALL.iter().map(|f| (*f, 0)).collect();
    let mut by_reason: Vec<(Reason, i64)> = Reason::ALL.iter().map(|r| (*r, 0)).collect();
    let not_begun = today < period.first();
    let (from, to) = (app.start_of(period.first()), app.start_of(period.last().saturating_add(1.day())));
    let as_of_text = as_of.to_string();
    // Each count on its own connection, at once.
    let (closed_groups, refusals, arrivals, (open_at_end, overdue_open), fee_sums, extensions) = futures::try_join!(
        sr::closed_groups(&app.store, &first, &last),
        sr::refusal_reasons(&app.store, &first, &last),
        sr::received_groups(&app.store, &first, &last),
        async { if not_begun { Ok((0, 0)) } else { sr::open_and_overdue_at(&app.store, &as_of_text).await } },
        sr::month_fees(&app.store, &first, &last),
        sr::count_events(&app.store, "extended", from, to),
    )?;
    for g in closed_groups {
        let (n, timely) = (g.n, g.timely);
        let count = usize::try_from(n).unwrap_or(0);
        let kind: RequestKind = store::code(&g.kind)?;
        let mut line = kinds.iter_mut().find(|e| e.0.kind == kind);
        if let (Some(rcv), Some(cls)) = (store::opt_date(&g.received_on)?, store::opt_date(&Some(g.closed_on))?) {
            let d = i64::from((cls - rcv).get_days());
            days.extend(std::iter::repeat_n(d, count));
            business_days.extend(std::iter::repeat_n(calendar.business_days_between(rcv, cls), count));
            if let Some((_, kind_days)) = line.as_mut() {
                kind_days.extend(std::iter::repeat_n(d, count));
            }
        }
        closed += n;
        let outcome: Option<Outcome> = (!g.outcome.is_empty()).then(|| store::code(&g.outcome)).transpose()?;
        if let Some(e) = outcome.and_then(|o| by_outcome.iter_mut().find(|e| e.0 == o)) {
            e.1 += n;
        }
        if let Some((line, _)) = line {
            line.closed += n;
            match outcome {
                Some(Outcome::Granted | Outcome::PartiallyGranted | Outcome::Answered) => line.complied += n,
                Some(Outcome::Refused | Outcome::NoData) => line.denied += n,
                Some(Outcome::Withdrawn) => line.withdrawn += n,
                None => {}
            }
        }
        if outcome == Some(Outcome::Withdrawn) {
            withdrawn += n;
        } else {
            on_time += timely;
        }
    }
    for (reasons, n) in refusals {
        let mut seen = Vec::new();
        for reason in reasons.split(',').filter(|s| !s.is_empty()) {
            let reason: Reason = store::code(reason)?;
            if !seen.contains(&reason) {
                seen.push(reason);
                if let Some(e) = by_reason.iter_mut().find(|e| e.0 == reason) {
                    e.1 += n;
                }
            }
        }
    }
    for (kind, channel, filer, n) in arrivals {
        received += n;
        let (kind, channel, filer): (RequestKind, Channel, Filer) =
            (store::code(&kind)?, store::code(&channel)?, store::code(&filer)?);
        if let Some((line, _)) = kinds.iter_mut().find(|e| e.0.kind == kind) {
            line.received += n;
        }
        if let Some(e) = by_channel.iter_mut().find(|e| e.0 == channel) {
            e.1 += n;
        }
        if let Some(e) = by_filer.iter_mut().find(|e| e.0 == filer) {
            e.1 += n;
        }
    }
    days.sort_unstable();
    business_days.sort_unstable();
    let counted = closed - withdrawn;

    let mut fees = Fees::default();
    for (entry, method, amount) in fee_sums {
        match entry.as_str() {
            "requested" => fees.requested += amount,
            "payment" => {
                fees.collected += amount;
                let m: PaymentMethod = method.as_deref().map(store::code).transpose()?.unwrap_or(PaymentMethod::Other);
                match fees.collected_by_method.iter_mut().find(|e| e.0 == m) {
                    Some(e) => e.1 += amount,
                    None => fees.collected_by_method.push((m, amount)),
                }
            }
            "waiver" => fees.waived += amount,
            "refund" => fees.refunded += amount,
            _ => {}
        }
    }
    let kinds = kinds
        .into_iter()
        .map(|(mut line, mut d)| {
            d.sort_unstable();
            line.median_days = median(&d);
            line
        })
        .collect();

    Ok(Report {
        period,
        as_of,
        so_far: today < period.last(),
        not_begun,
        received,
        closed,
        withdrawn,
        on_time,
        on_time_rate: (counted > 0).then(|| on_time as f64 / counted as f64),
        open_at_end,
        overdue_open,
        median_days: median(&days),
        mean_days: mean(&days),
        median_business_days: median(&business_days),
        mean_business_days: mean(&business_days),
        extensions,
        kinds,
        by_outcome,
        by_channel,
        by_filer,
        refusals_by_reason: by_reason.into_iter().filter(|(_, n)| *n > 0).collect(),
        fees,
    })
}

/// One month of the trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub month: Month,
    pub received: i64,
    pub closed: i64,
    /// On time ÷ closed, withdrawals excluded; None when nothing closed.
    pub on_time_rate: Option<f64>,
}

/// How many months the trend shows.
pub const TREND_MONTHS: usize = 12;

/// The twelve months up to `to`: arrivals, closings and the on-time rate
/// of each, read from the month tally (twelve rows, whatever the number of
/// cases).
pub async fn trend(app: &App, to: Month) -> Result<Vec<TrendPoint>> {
    let mut months = vec![to];
    while months.len() < TREND_MONTHS {
        let m = months[months.len() - 1].previous();
        months.push(m);
    }
    months.reverse();
    let tally = sr::month_tally(&app.store, &months[0].code(), &to.code()).await?;
    Ok(months
        .into_iter()
        .map(|month| {
            let code = month.code();
            let (received, closed, withdrawn, timely) =
                tally.iter().find(|t| t.0 == code).map_or((0, 0, 0, 0), |t| (t.1, t.2, t.3, t.4));
            let counted = closed - withdrawn;
            TrendPoint { month, received, closed, on_time_rate: (counted > 0).then(|| timely as f64 / counted as f64) }
        })
        .collect())
}

/// Compares the month tally with a count of the cases themselves and, should
/// they differ (only a change made to the database by hand could do that),
/// counts the tally afresh. Returns whether they agreed. Run by the hourly
/// housekeeping.
pub async fn check_month_tally(app: &App) -> Result<bool> {
    let (first, last) = ("0000-01-01", "9999-12-31");
    let (received, closed, tally) = futures::try_join!(
        sr::received_by_month(&app.store, first, last),
        sr::closed_by_month(&app.store, first, last),
        sr::month_tally(&app.store, "0000-01", "9999-12"),
    )?;
    let mut counted: std::collections::BTreeMap<String, (i64, i64, i64, i64)> = std::collections::BTreeMap::new();
    for (m, n) in received {
        counted.entry(m).or_default().0 = n;
    }
    for (m, c, w, t) in closed {
        let e = counted.entry(m).or_default();
        (e.1, e.2, e.3) = (c, w, t);
    }
    let kept: std::collections::BTreeMap<String, (i64, i64, i64, i64)> = tally
        .into_iter()
        .filter(|t| (t.1, t.2, t.3, t.4) != (0, 0, 0, 0))
        .map(|t| (t.0, (t.1, t.2, t.3, t.4)))
        .collect();
    if kept == counted {
        return Ok(true);
    }
    tracing::warn!("the month tally differed from the cases; counted afresh");
    sr::rebuild_month_tally(&app.store).await?;
    Ok(false)
}

/// A period's cases as its report sees them: arrivals and closings of the
/// period, with their ids; a closing after the period is not shown. Sorted
/// by arrival.
pub async fn period_rows(app: &App, period: Period) -> Result<Vec<(i64, ExportRow)>> {
    let mut rows = store::cases::period_export(&app.store, period.first(), period.last()).await?;
    let within = |d: Option<Date>| d.is_some_and(|d| d >= period.first() && d <= period.last());
    for (_, r) in &mut rows {
        if !within(r.closed_on) {
            r.closed_on = None;
            r.outcome = None;
            r.reasons.clear();
        }
    }
    rows.sort_by(|(_, a), (_, b)| (a.received_on, &a.reference).cmp(&(b.received_on, &b.reference)));
    Ok(rows)
}

/// The names and contact data of a period's cases, by case id, for an
/// export an admin asked for explicitly.
pub async fn period_contacts(app: &App, period: Period) -> Result<std::collections::HashMap<i64, sr::Contact>> {
    let rows = sr::contacts(&app.store, &period.first().to_string(), &period.last().to_string()).await?;
    Ok(rows.into_iter().map(|c| (c.0, c)).collect())
}

/// What a cell starts with when a spreadsheet would run it as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that a spreadsheet would run as a formula is neutralised.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) { format!("'{s}").into() } else { s.into() }
}

/// The per-case CSV of a period, UTF-8 with a BOM so Excel reads
/// Japanese; with names and contact data when `personal` (an admin's
/// explicit choice, which the caller writes to the access log). It reads
/// only the period's rows: the page's counts are not recomputed.
pub async fn period_csv(app: &App, period: Period, personal: bool) -> Result<Vec<u8>> {
    let rows = period_rows(app, period).await?;
    let contacts = if personal { Some(period_contacts(app, period).await?) } else { None };
    let mut out = Vec::from(csv_header(personal).as_bytes());
    out.extend(csv_lines(rows.iter().map(|(id, r)| (r, contacts.as_ref().and_then(|c| c.get(id)))), personal)?);
    Ok(out)
}

/// The per-case CSV of a month, without names.
pub async fn month_csv(app: &App, month: Month) -> Result<Vec<u8>> {
    period_csv(app, Period::month(month), false).await
}

/// The workbook of a period (sheets `summary`, `cases`, `fees`), the
/// summary in `lang`; with names and contact data when `personal` (an
/// admin's explicit choice, which the caller writes to the access log).
/// Built on a blocking thread: compressing a month of cases takes a while.
pub async fn period_xlsx(app: &App, period: Period, personal: bool, lang: crate::domain::Lang) -> Result<Vec<u8>> {
    let (first, last) = (period.first().to_string(), period.last().to_string());
    let (report, rows, fees) = futures::try_join!(report(app, period), period_rows(app, period), async {
        Ok(sr::fee_lines(&app.store, &first, &last).await?)
    })?;
    let contacts = if personal { Some(period_contacts(app, period).await?) } else { None };
    tokio::task::spawn_blocking(move || {
        super::spreadsheet::workbook(&report, &rows, contacts.as_ref(), &fees, lang)
            .map_err(|e| super::AppError::internal("the workbook could not be written", e))
    })
    .await
    .map_err(|e| super::AppError::internal("the workbook could not be written", e))?
}

/// How many events one batch of the audit export reads.
const AUDIT_BATCH: i64 = 5000;

/// The audit trail from `from` to `to` (both days included), streamed as
/// CSV (reference, time in the organisation's zone, actor, event code) in
/// batches, so memory stays flat. The export is written to the access log
/// first.
pub async fn audit_csv(
    app: &App,
    from: Date,
    to: Date,
    user_id: i64,
) -> Result<impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + use<>> {
    use futures::StreamExt;
    super::cases::log_access(app, user_id, None, &format!("export:events:{from}..{to}")).await?;
    let start = app.start_of(from);
    let end = app.start_of(to.saturating_add(1.day()));
    let app = app.clone();
    // Strictly after (start - 1, the largest id): from `start` on.
    let lines = futures::stream::try_unfold(Some((start - 1, i64::MAX)), move |after| {
        let app = app.clone();
        async move {
            let Some(after) = after else { return Ok(None) };
            let batch = sr::audit_page(&app.store, after, end, AUDIT_BATCH).await?;
            let next = batch.last().filter(|_| batch.len() as i64 == AUDIT_BATCH).map(|l| (l.2, l.0));
            if batch.is_empty() {
                return Ok(None);
            }
            let bytes = csv_records(batch.iter().map(|(_, reference, at, actor_kind, name, kind)| {
                let actor = super::records::actor_label(actor_kind, name.as_deref());
                [
                    safe_cell(reference).into_owned(),
                    app.local_instant(*at),
                    safe_cell(&actor).into_owned(),
                    kind.clone(),
                ]
            }))?;
            Ok::<_, super::AppError>(Some((bytes::Bytes::from(bytes), next)))
        }
    })
    .map(|r| r.map_err(std::io::Error::other));
    let header = bytes::Bytes::from_static("\u{feff}reference,at,actor,event\r\n".as_bytes());
    Ok(futures::stream::once(async move { Ok(header) }).chain(lines))
}

/// The per-case export of the queue's filters (all states unless one is
/// chosen), streamed so memory stays flat: no names or contact data. The
/// export is written to the access log first.
pub async fn export(
    app: &App,
    q: &super::queue::QueueQuery,
    actor: &crate::domain::Actor,
) -> Result<impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + use<>> {
    use futures::StreamExt;
    let Some(user_id) = actor.staff_id() else {
        return Err(super::AppError::NotFound);
    };
    let mut f = q.filter(user_id, app.today(), false);
    f.after = None;
    super::cases::log_access(app, user_id, None, "export:cases").await?;
    // A bounded channel: the query runs only as fast as the client reads.
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<ExportRow>>(2);
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = store::cases::export(&app.store, &f, tx).await {
            tracing::error!(error = ?anyhow::Error::new(e), "case export failed");
        }
    });
    let rows = futures::stream::unfold(rx, |mut rx| async move {
        let batch = rx.recv().await?;
        let lines =
            csv_lines(batch.iter().map(|r| (r, None)), false).map(bytes::Bytes::from).map_err(std::io::Error::other);
        Some((lines, rx))
    });
    let header = csv_header(false);
    Ok(futures::stream::once(async move { Ok(bytes::Bytes::from(header)) }).chain(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_know_their_last_day() {
        let m = Month::parse("2028-02").expect("month");
        assert_eq!(m.last, jiff::civil::date(2028, 2, 29));
        assert_eq!(m.previous().code(), "2028-01");
        assert_eq!(m.next().code(), "2028-03");
        assert!(Month::parse("2028-13").is_none());
        assert!(Month::parse("28-01").is_none());
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3]), Some(3.0));
        assert_eq!(median(&[1, 3, 10, 20]), Some(6.5));
    }

    fn row(outcome: Option<Outcome>, due: Option<Date>, reasons: Vec<Reason>) -> ExportRow {
        ExportRow {
            reference: "2026-000007".parse().ok(),
            kind: RequestKind::Disclosure,
            channel: Channel::Web,
            filer: Filer::AppointedAgent,
            state: crate::domain::State::Closed,
            received_on: Some(jiff::civil::date(2026, 11, 2)),
            due_on: due,
            closed_on: Some(jiff::civil::date(2026, 11, 20)),
            outcome,
            reasons,
            fees: crate::domain::FeeLedger { requested: 1000, paid: 400, waived: 0, refunded: 0 },
        }
    }

    #[test]
    fn a_csv_line_holds_codes_dates_timeliness_and_the_fee_status() {
        let late = row(Some(Outcome::Refused), Some(jiff::civil::date(2026, 11, 16)), Reason::ALL[..2].to_vec());
        let text = String::from_utf8(csv_lines([(&late, None)], false).expect("csv")).expect("utf-8");
        let reasons = format!("{} {}", Reason::ALL[0].code(), Reason::ALL[1].code());
        assert_eq!(
            text,
            format!(
                "2026-000007,disclosure,web,appointed_agent,closed,2026-11-02,2026-11-16,2026-11-20,refused,{reasons},no,18,\
                 1000,400,0,0,partially_paid\r\n"
            )
        );
        assert_eq!(COLUMNS.len(), text.trim_end().split(',').count());
    }

    #[test]
    fn a_withdrawal_or_a_missing_due_date_is_never_on_time() {
        let withdrawn = row(Some(Outcome::Withdrawn), Some(jiff::civil::date(2026, 12, 1)), vec![]);
        let undated = row(Some(Outcome::Granted), None, vec![]);
        let text =
            String::from_utf8(csv_lines([(&withdrawn, None), (&undated, None)], false).expect("csv")).expect("utf-8");
        let cells: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        assert_eq!((cells[0][10], cells[0][11]), ("", "18"), "withdrawn: no on-time verdict");
        assert_eq!(cells[1][10], "no", "granted without a due date");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("2026-000001"), "2026-000001");
    }
}
