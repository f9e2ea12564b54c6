//! The monthly report (DESIGN.md §5). Rows come from SQL; the counting,
//! medians and date arithmetic happen here. Over 500 lines until the one
//! export path (one typed row for page, CSV and export) replaces the three
//! writers below.

use jiff::ToSpan;
use jiff::civil::Date;

use super::{App, Result};
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

/// One row of the per-case export: no names or contact data.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub reference: String,
    pub kind: String,
    pub channel: String,
    pub filer: String,
    pub received_on: String,
    pub due_on: String,
    pub closed_on: String,
    pub outcome: String,
    pub reasons: String,
    pub on_time: String,
    pub days_to_close: String,
    pub fee_requested: i64,
    pub fee_paid: i64,
    pub fee_waived: i64,
    pub fee_refunded: i64,
    pub fee_status: String,
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
    pub rows: Vec<ExportRow>,
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 { sorted[n / 2] as f64 } else { (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0 })
}

/// The report of a month; `with_rows` also builds the per-case rows of the CSV.
pub async fn monthly(app: &App, month: Month, with_rows: bool) -> Result<Report> {
    let first = month.first.to_string();
    let last = month.last.to_string();
    // The page counts arrivals in SQL and reads only the closings; the CSV
    // needs every case of the month.
    let rows = if with_rows { sr::month_cases(&app.store, &first, &last).await? } else { Vec::new() };
    let in_month = |d: &Option<String>| d.as_deref().is_some_and(|d| d >= first.as_str() && d <= last.as_str());

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
    let mut export = Vec::new();
    if !with_rows {
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
    }

    for r in &rows {
        let kind: RequestKind = store::code(&r.kind)?;
        let outcome: Option<Outcome> = r.outcome.as_deref().map(store::code).transpose()?;
        let received_on = store::opt_date(&r.received_on)?;
        let closed_on = store::opt_date(&r.closed_on)?;
        let due_on = store::opt_date(&r.due_on)?;
        let was_received = in_month(&r.received_on);
        let was_closed = in_month(&r.closed_on);

        if was_received && with_rows {
            received += 1;
            if let Some(e) = by_kind.iter_mut().find(|e| e.0 == kind) {
                e.1 += 1;
            }
            let channel: Channel = store::code(&r.channel)?;
            if let Some(e) = by_channel.iter_mut().find(|e| e.0 == channel) {
                e.1 += 1;
            }
            let filer: Filer = store::code(&r.filer)?;
            if let Some(e) = by_filer.iter_mut().find(|e| e.0 == filer) {
                e.1 += 1;
            }
        }
        let mut timely = None;
        let mut days_to_close = None;
        if was_closed {
            closed += 1;
            if let Some(e) = by_kind.iter_mut().find(|e| e.0 == kind) {
                e.2 += 1;
            }
            if let Some(e) = outcome.and_then(|o| by_outcome.iter_mut().find(|e| e.0 == o)) {
                e.1 += 1;
            }
            if outcome == Some(Outcome::Withdrawn) {
                withdrawn += 1;
            } else {
                let t = matches!((closed_on, due_on), (Some(c), Some(d)) if c <= d);
                timely = Some(t);
                if t {
                    on_time += 1;
                }
            }
            if let (Some(rcv), Some(cls)) = (received_on, closed_on) {
                let d = (cls - rcv).get_days() as i64;
                days.push(d);
                days_to_close = Some(d);
            }
            if matches!(outcome, Some(Outcome::Refused | Outcome::PartiallyGranted)) {
                let mut seen = Vec::new();
                for reason in r.reasons.split(',').filter(|s| !s.is_empty()) {
                    let reason: Reason = store::code(reason)?;
                    if !seen.contains(&reason) {
                        seen.push(reason);
                        if let Some(e) = by_reason.iter_mut().find(|e| e.0 == reason) {
                            e.1 += 1;
                        }
                    }
                }
            }
        }
        if with_rows && (was_received || was_closed) {
            export.push(ExportRow {
                reference: r.reference.clone().unwrap_or_default(),
                kind: r.kind.clone(),
                channel: r.channel.clone(),
                filer: r.filer.clone(),
                received_on: r.received_on.clone().unwrap_or_default(),
                due_on: r.due_on.clone().unwrap_or_default(),
                closed_on: if was_closed { r.closed_on.clone().unwrap_or_default() } else { String::new() },
                outcome: if was_closed { r.outcome.clone().unwrap_or_default() } else { String::new() },
                reasons: if was_closed { r.reasons.replace(',', " ") } else { String::new() },
                on_time: timely.map(|t| if t { "yes" } else { "no" }.to_owned()).unwrap_or_default(),
                days_to_close: days_to_close.map(|d| d.to_string()).unwrap_or_default(),
                fee_requested: r.fee_requested,
                fee_paid: r.fee_paid,
                fee_waived: r.fee_waived,
                fee_refunded: r.fee_refunded,
                fee_status: crate::domain::FeeLedger {
                    requested: r.fee_requested,
                    paid: r.fee_paid,
                    waived: r.fee_waived,
                    refunded: r.fee_refunded,
                }
                .status()
                .code()
                .to_owned(),
            });
        }
    }
    let (open_at_end, overdue_open) = sr::open_and_overdue_at(&app.store, &last).await?;
    days.sort_unstable();
    export.sort_by(|a, b| (&a.received_on, &a.reference).cmp(&(&b.received_on, &b.reference)));
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
        rows: export,
    })
}

/// Export rows as CSV lines (CRLF, cells neutralised), with on-time and
/// days-to-close computed here rather than in SQL.
fn export_batch(batch: &crate::app::store::cases::ExportBatch) -> bytes::Bytes {
    match batch {
        crate::app::store::cases::ExportBatch::Rows(rows) => export_chunk(rows),
        crate::app::store::cases::ExportBatch::Lines(lines) => export_lines(lines),
    }
}

/// On time and days to close, from the dates of a case (`YYYY-MM-DD`).
fn timeliness(received: &str, due: &str, closed: &str, outcome: &str) -> (&'static str, String) {
    if closed.is_empty() {
        return ("", String::new());
    }
    let c = closed.parse::<Date>().ok();
    let on_time = match (c, due.parse::<Date>().ok()) {
        (Some(c), Some(d)) if outcome != "withdrawn" => {
            if c <= d {
                "yes"
            } else {
                "no"
            }
        }
        _ => "",
    };
    let days = match (received.parse::<Date>().ok(), c) {
        (Some(r), Some(c)) => (c - r).get_days().to_string(),
        _ => String::new(),
    };
    (on_time, days)
}

/// Lines the database joined (codes, dates and numbers only, no commas
/// inside a field) become CSV lines with on-time and days to close added.
fn export_lines(lines: &str) -> bytes::Bytes {
    let mut out = String::with_capacity(lines.len() + lines.len() / 4);
    for line in lines.split('\n') {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 14 {
            continue;
        }
        let (on_time, days) = timeliness(f[5], f[6], f[7], f[8]);
        if f[0].starts_with(['=', '+', '-', '@']) {
            out.push('\'');
        }
        for (i, cell) in f[..10].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(cell);
        }
        out.push(',');
        out.push_str(on_time);
        out.push(',');
        out.push_str(&days);
        for cell in &f[10..] {
            out.push(',');
            out.push_str(cell);
        }
        out.push_str("\r\n");
    }
    bytes::Bytes::from(out)
}

fn export_chunk(rows: &[crate::app::store::cases::ExportRow]) -> bytes::Bytes {
    let mut w =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::with_capacity(rows.len() * 96));
    for r in rows {
        let (on_time, days) = timeliness(
            r.received_on.as_deref().unwrap_or(""),
            r.due_on.as_deref().unwrap_or(""),
            r.closed_on.as_deref().unwrap_or(""),
            r.outcome.as_deref().unwrap_or(""),
        );
        let reference = r.reference.as_deref().unwrap_or("");
        let fields: [&[u8]; 12] = [
            if reference.starts_with(['=', '+', '-', '@']) { b"'" } else { b"" },
            reference.as_bytes(),
            r.kind.as_bytes(),
            r.channel.as_bytes(),
            r.filer.as_bytes(),
            r.state.as_bytes(),
            r.received_on.as_deref().unwrap_or("").as_bytes(),
            r.due_on.as_deref().unwrap_or("").as_bytes(),
            r.closed_on.as_deref().unwrap_or("").as_bytes(),
            r.outcome.as_deref().unwrap_or("").as_bytes(),
            b"",
            on_time.as_bytes(),
        ];
        // The reference (neutralised) as one field, then the rest.
        let mut reference_cell = fields[0].to_vec();
        reference_cell.extend_from_slice(fields[1]);
        let reasons = r.reasons.replace(',', " ");
        let mut ok = w.write_field(&reference_cell).is_ok();
        for f in &fields[2..10] {
            ok &= w.write_field(f).is_ok();
        }
        ok &= w.write_field(reasons.as_bytes()).is_ok();
        ok &= w.write_field(fields[11]).is_ok();
        ok &= w.write_field(days.as_bytes()).is_ok();
        for n in [r.fee_requested, r.fee_paid, r.fee_waived, r.fee_refunded] {
            ok &= w.write_field(n.to_string().as_bytes()).is_ok();
        }
        if !ok || w.write_record(None::<&[u8]>).is_err() {
            break;
        }
    }
    bytes::Bytes::from(w.into_inner().unwrap_or_default())
}

/// A cell that a spreadsheet would run as a formula is neutralised.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// The per-case CSV of the month, UTF-8 with a BOM so Excel reads Japanese.
pub fn csv(report: &Report) -> Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let header = [
            "reference",
            "kind",
            "channel",
            "filer",
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
        let err = |e: csv::Error| super::AppError::internal("the CSV could not be written", e);
        w.write_record(header).map_err(err)?;
        for r in &report.rows {
            let cells = [
                r.reference.clone(),
                r.kind.clone(),
                r.channel.clone(),
                r.filer.clone(),
                r.received_on.clone(),
                r.due_on.clone(),
                r.closed_on.clone(),
                r.outcome.clone(),
                r.reasons.clone(),
                r.on_time.clone(),
                r.days_to_close.clone(),
                r.fee_requested.to_string(),
                r.fee_paid.to_string(),
                r.fee_waived.to_string(),
                r.fee_refunded.to_string(),
                r.fee_status.clone(),
            ];
            w.write_record(cells.iter().map(|c| safe_cell(c))).map_err(err)?;
        }
        w.flush().map_err(|e| super::AppError::internal("the CSV could not be written", e))?;
    }
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
    let (tx, rx) = tokio::sync::mpsc::channel::<store::cases::ExportBatch>(2);
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = store::cases::export(&app.store, &f, tx).await {
            tracing::error!(error = ?anyhow::Error::new(e), "case export failed");
        }
    });
    let header = "\u{feff}reference,kind,channel,filer,state,received_on,due_on,closed_on,outcome,reasons,on_time,days_to_close,fee_requested,fee_paid,fee_waived,fee_refunded\r\n";
    let rows = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|batch| (Ok::<_, std::io::Error>(export_batch(&batch)), rx))
    });
    Ok(futures::stream::once(async move { Ok(bytes::Bytes::from_static(header.as_bytes())) }).chain(rows))
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

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("2026-000001"), "2026-000001");
    }
}
