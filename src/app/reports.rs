//! The monthly report (DESIGN.md §5) and the per-case CSVs. Counts come
//! from SQL groups; the medians and date arithmetic happen here. Both CSVs
//! (the month's and the queue's streamed export) write the one typed
//! [`ExportRow`] the store reads the same way on both backends.

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

/// One line of both per-case CSVs (the month's and the queue's export),
/// written with `csv::Writer::serialize`: no names or contact data. The
/// header is these field names.
#[derive(Debug, serde::Serialize)]
struct CsvRow<'a> {
    reference: Cell<'a>,
    kind: RequestKind,
    channel: Channel,
    filer: Filer,
    state: crate::domain::State,
    received_on: Option<Date>,
    due_on: Option<Date>,
    closed_on: Option<Date>,
    outcome: Option<Outcome>,
    /// Reason codes separated by spaces.
    reasons: &'a str,
    /// `yes`/`no` for cases closed (not withdrawn); empty otherwise.
    on_time: Option<&'static str>,
    days_to_close: Option<i64>,
    fee_requested: i64,
    fee_paid: i64,
    fee_waived: i64,
    fee_refunded: i64,
    fee_status: crate::domain::FeeStatus,
}

/// The CSV header: the field names of [`CsvRow`].
const CSV_HEADER: &str = "reference,kind,channel,filer,state,received_on,due_on,closed_on,outcome,reasons,on_time,\
    days_to_close,fee_requested,fee_paid,fee_waived,fee_refunded,fee_status\r\n";

/// A text cell, neutralised if a spreadsheet would run it as a formula.
#[derive(Debug)]
struct Cell<'a>(&'a str);

impl serde::Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&safe_cell(self.0))
    }
}

impl<'a> CsvRow<'a> {
    fn of(r: &'a ExportRow, reasons: &'a str) -> CsvRow<'a> {
        let on_time = match (r.closed_on, r.outcome) {
            (Some(c), Some(o)) if o != Outcome::Withdrawn => {
                Some(if r.due_on.is_some_and(|d| c <= d) { "yes" } else { "no" })
            }
            _ => None,
        };
        CsvRow {
            reference: Cell(r.reference.as_ref().map(|x| x.as_str()).unwrap_or("")),
            kind: r.kind,
            channel: r.channel,
            filer: r.filer,
            state: r.state,
            received_on: r.received_on,
            due_on: r.due_on,
            closed_on: r.closed_on,
            outcome: r.outcome,
            reasons,
            on_time,
            days_to_close: r.received_on.zip(r.closed_on).map(|(rc, cl)| i64::from((cl - rc).get_days())),
            fee_requested: r.fees.requested,
            fee_paid: r.fees.paid,
            fee_waived: r.fees.waived,
            fee_refunded: r.fees.refunded,
            fee_status: r.fees.status(),
        }
    }
}

/// Rows as CSV lines (CRLF), without the header.
fn csv_lines(rows: &[ExportRow]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 100));
    let err = |e: csv::Error| super::AppError::internal("the CSV could not be written", e);
    let mut reasons = String::new();
    for r in rows {
        reasons.clear();
        for (i, x) in r.reasons.iter().enumerate() {
            if i > 0 {
                reasons.push(' ');
            }
            reasons.push_str(x.code());
        }
        w.serialize(CsvRow::of(r, &reasons)).map_err(err)?;
    }
    w.into_inner().map_err(|e| super::AppError::internal("the CSV could not be written", e.into_error()))
}

#[derive(Debug, Clone, Default)]
pub struct Fees {
    pub requested: i64,
    pub collected: i64,
    pub waived: i64,
    pub refunded: i64,
    pub collected_by_method: Vec<(PaymentMethod, i64)>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub month: Month,
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
    pub extensions: i64,
    pub by_kind: Vec<(RequestKind, i64, i64)>,
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

/// The report of a month: the counts of the page (the CSV reads its rows
/// with [`month_csv`], without these).
pub async fn monthly(app: &App, month: Month) -> Result<Report> {
    let first = month.first.to_string();
    let last = month.last.to_string();
    let mut received = 0;
    let mut closed = 0;
    let mut withdrawn = 0;
    let mut on_time = 0;
    let mut days = Vec::new();
    let mut by_kind: Vec<(RequestKind, i64, i64)> = RequestKind::ALL.iter().map(|k| (*k, 0, 0)).collect();
    let mut by_outcome: Vec<(Outcome, i64)> = Outcome::ALL.iter().map(|o| (*o, 0)).collect();
    let mut by_channel: Vec<(Channel, i64)> = Channel::ALL.iter().map(|c| (*c, 0)).collect();
    let mut by_filer: Vec<(Filer, i64)> = Filer::ALL.iter().map(|f| (*f, 0)).collect();
    let mut by_reason: Vec<(Reason, i64)> = Reason::ALL.iter().map(|r| (*r, 0)).collect();
    for g in sr::closed_groups(&app.store, &first, &last).await? {
        let (kind, outcome, n, timely) = (g.kind, g.outcome, g.n, g.timely);
        if let (Some(rcv), Some(cls)) = (store::opt_date(&g.received_on)?, store::opt_date(&Some(g.closed_on))?) {
            let d = (cls - rcv).get_days() as i64;
            days.extend(std::iter::repeat_n(d, usize::try_from(n).unwrap_or(0)));
        }
        closed += n;
        let kind: RequestKind = store::code(&kind)?;
        if let Some(e) = by_kind.iter_mut().find(|e| e.0 == kind) {
            e.2 += n;
        }
        let outcome: Option<Outcome> = (!outcome.is_empty()).then(|| store::code(&outcome)).transpose()?;
        if let Some(e) = outcome.and_then(|o| by_outcome.iter_mut().find(|e| e.0 == o)) {
            e.1 += n;
        }
        if outcome == Some(Outcome::Withdrawn) {
            withdrawn += n;
        } else {
            on_time += timely;
        }
    }
    for (reasons, n) in sr::refusal_reasons(&app.store, &first, &last).await? {
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
    for (kind, channel, filer, n) in sr::received_groups(&app.store, &first, &last).await? {
        received += n;
        let (kind, channel, filer): (RequestKind, Channel, Filer) =
            (store::code(&kind)?, store::code(&channel)?, store::code(&filer)?);
        if let Some(e) = by_kind.iter_mut().find(|e| e.0 == kind) {
            e.1 += n;
        }
        if let Some(e) = by_channel.iter_mut().find(|e| e.0 == channel) {
            e.1 += n;
        }
        if let Some(e) = by_filer.iter_mut().find(|e| e.0 == filer) {
            e.1 += n;
        }
    }
    let (open_at_end, overdue_open) = sr::open_and_overdue_at(&app.store, &last).await?;
    days.sort_unstable();
    let counted = closed - withdrawn;
    let mean_days = (!days.is_empty()).then(|| days.iter().sum::<i64>() as f64 / days.len() as f64);

    let mut fees = Fees::default();
    for (entry, method, amount) in sr::month_fees(&app.store, &first, &last).await? {
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
    let from = app.start_of(month.first);
    let to = app.start_of(month.last.saturating_add(1.day()));
    let extensions = sr::count_events(&app.store, "extended", from, to).await?;

    Ok(Report {
        month,
        received,
        closed,
        withdrawn,
        on_time,
        on_time_rate: (counted > 0).then(|| on_time as f64 / counted as f64),
        open_at_end,
        overdue_open,
        median_days: median(&days),
        mean_days,
        extensions,
        by_kind,
        by_outcome,
        by_channel,
        by_filer,
        refusals_by_reason: by_reason.into_iter().filter(|(_, n)| *n > 0).collect(),
        fees,
    })
}

/// The month's cases as its report sees them: arrivals and closings of the
/// month; a closing after the month is not shown. Sorted by arrival.
async fn month_rows(app: &App, month: Month) -> Result<Vec<ExportRow>> {
    let mut rows = store::cases::month_export(&app.store, month.first, month.last).await?;
    let in_month = |d: Option<Date>| d.is_some_and(|d| d >= month.first && d <= month.last);
    for r in &mut rows {
        if !in_month(r.closed_on) {
            r.closed_on = None;
            r.outcome = None;
            r.reasons.clear();
        }
    }
    rows.sort_by(|a, b| (a.received_on, &a.reference).cmp(&(b.received_on, &b.reference)));
    Ok(rows)
}

/// A cell that a spreadsheet would run as a formula is neutralised.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}").into() } else { s.into() }
}

/// The per-case CSV of the month, UTF-8 with a BOM so Excel reads Japanese.
/// It reads only the month's rows: the page's counts are not recomputed.
pub async fn month_csv(app: &App, month: Month) -> Result<Vec<u8>> {
    let rows = month_rows(app, month).await?;
    let mut out = Vec::from(format!("\u{feff}{CSV_HEADER}").as_bytes());
    out.extend(csv_lines(&rows)?);
    Ok(out)
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
        let lines = csv_lines(&batch).map(bytes::Bytes::from).map_err(std::io::Error::other);
        Some((lines, rx))
    });
    let header = format!("\u{feff}{CSV_HEADER}");
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
        let text = String::from_utf8(csv_lines(&[late]).expect("csv")).expect("utf-8");
        let reasons = format!("{} {}", Reason::ALL[0].code(), Reason::ALL[1].code());
        assert_eq!(
            text,
            format!(
                "2026-000007,disclosure,web,appointed_agent,closed,2026-11-02,2026-11-16,2026-11-20,refused,{reasons},no,18,\
                 1000,400,0,0,partially_paid\r\n"
            )
        );
        assert_eq!(CSV_HEADER.trim_end().split(',').count(), text.trim_end().split(',').count());
    }

    #[test]
    fn a_withdrawal_or_a_missing_due_date_is_never_on_time() {
        let withdrawn = row(Some(Outcome::Withdrawn), Some(jiff::civil::date(2026, 12, 1)), vec![]);
        let undated = row(Some(Outcome::Granted), None, vec![]);
        let text = String::from_utf8(csv_lines(&[withdrawn, undated]).expect("csv")).expect("utf-8");
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
