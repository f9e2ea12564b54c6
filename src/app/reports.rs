//! The monthly report (DESIGN.md §5). Rows come from SQL; the counting,
//! medians and date arithmetic happen here.

use jiff::ToSpan;
use jiff::civil::Date;

use super::{App, Result};
use crate::domain::{Channel, Filer, Outcome, PaymentMethod, Reason, RequestKind};
use crate::store::{self, reports as sr};

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

pub async fn monthly(app: &App, month: Month) -> Result<Report> {
    let first = month.first.to_string();
    let last = month.last.to_string();
    let rows = sr::month_cases(&app.store, &first, &last).await?;
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

    for r in &rows {
        let kind: RequestKind = store::code(&r.kind)?;
        let outcome: Option<Outcome> = r.outcome.as_deref().map(store::code).transpose()?;
        let received_on = store::opt_date(&r.received_on)?;
        let closed_on = store::opt_date(&r.closed_on)?;
        let due_on = store::opt_date(&r.due_on)?;
        let was_received = in_month(&r.received_on);
        let was_closed = in_month(&r.closed_on);

        if was_received {
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
        if was_received || was_closed {
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
    let open_at_end = sr::open_at(&app.store, &last).await?;
    let overdue_open = sr::overdue_at(&app.store, &last).await?;
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
        rows: export,
    })
}

/// Export rows as CSV lines (CRLF, cells neutralised), with on-time and
/// days-to-close computed here rather than in SQL.
pub fn export_chunk(rows: &[crate::store::cases::ExportRow]) -> bytes::Bytes {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::with_capacity(rows.len() * 96));
    for r in rows {
        let received = r.received_on.as_deref().and_then(|d| d.parse::<Date>().ok());
        let closed = r.closed_on.as_deref().and_then(|d| d.parse::<Date>().ok());
        let due = r.due_on.as_deref().and_then(|d| d.parse::<Date>().ok());
        let withdrawn = r.outcome.as_deref() == Some("withdrawn");
        let on_time = match (closed, due) {
            (Some(c), Some(d)) if !withdrawn => if c <= d { "yes" } else { "no" },
            _ => "",
        };
        let days = match (received, closed) {
            (Some(r), Some(c)) => (c - r).get_days().to_string(),
            _ => String::new(),
        };
        let cells = [
            safe_cell(r.reference.as_deref().unwrap_or("")),
            r.kind.clone(),
            r.channel.clone(),
            r.filer.clone(),
            r.state.clone(),
            r.received_on.clone().unwrap_or_default(),
            r.due_on.clone().unwrap_or_default(),
            r.closed_on.clone().unwrap_or_default(),
            r.outcome.clone().unwrap_or_default(),
            r.reasons.replace(',', " "),
            on_time.to_owned(),
            days,
            r.fee_requested.to_string(),
            r.fee_paid.to_string(),
            r.fee_waived.to_string(),
            r.fee_refunded.to_string(),
        ];
        if w.write_record(&cells).is_err() {
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
            "reference", "kind", "channel", "filer", "received_on", "due_on", "closed_on", "outcome", "reasons",
            "on_time", "days_to_close", "fee_requested", "fee_paid", "fee_waived", "fee_refunded", "fee_status",
        ];
        let err = |e: csv::Error| super::AppError::Internal(e.to_string());
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
        w.flush().map_err(|e| super::AppError::Internal(e.to_string()))?;
    }
    Ok(out)
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
