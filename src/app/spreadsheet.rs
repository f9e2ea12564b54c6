//! A report as an Excel workbook (`rust_xlsxwriter`): the sheets `summary`,
//! `cases` and `fees`, with the same numbers as the page and the CSV. Dates
//! are Excel dates, yen are numbers with a format, header rows are frozen
//! and columns are as wide as their Japanese text. The per-case sheets are
//! written row by row to temporary files (constant memory), so a month of
//! 100,000 cases does not hold its cells in memory.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::records::ExportRow;
use super::reports::{
    COLUMNS, PERSONAL_COLUMNS, Report, contact_cells, days_to_close, on_time, reason_codes, safe_cell,
};
use super::store::reports::{Contact, FeeLine};
use crate::domain::Lang;

/// The formats of the workbook.
struct Formats {
    date: Format,
    yen: Format,
    percent: Format,
    decimal: Format,
    header: Format,
    title: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            yen: Format::new().set_num_format("\"¥\"#,##0"),
            percent: Format::new().set_num_format("0.0%"),
            decimal: Format::new().set_num_format("0.0"),
            header: Format::new().set_bold().set_background_color("#E8EEF4"),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// How wide a column must be for `text`: East Asian wide characters count
/// twice, as Excel draws them.
fn width_of(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Widens the widths to hold each cell of a line.
fn fit(widths: &mut [usize], line: &[&str]) {
    for (w, cell) in widths.iter_mut().zip(line) {
        *w = (*w).max(width_of(cell));
    }
}

fn set_widths(sheet: &mut Worksheet, widths: &[usize]) -> Result<(), XlsxError> {
    for (col, w) in widths.iter().enumerate() {
        // A little room on each side; no column wider than a screen's third.
        sheet.set_column_width(col as u16, (*w as f64 + 2.0).min(60.0))?;
    }
    Ok(())
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn write_date(sheet: &mut Worksheet, row: u32, col: u16, d: Option<Date>, f: &Formats) -> Result<(), XlsxError> {
    if let Some(d) = d {
        sheet.write_datetime_with_format(row, col, excel_date(d)?, &f.date)?;
    }
    Ok(())
}

fn write_header(sheet: &mut Worksheet, names: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (col, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &f.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The workbook of a report, its cases (with their names and contact data
/// when `contacts` is given) and its fee ledger entries.
pub fn workbook(
    r: &Report,
    rows: &[(i64, ExportRow)],
    contacts: Option<&HashMap<i64, Contact>>,
    fees: &[FeeLine],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    // The fastest compression: a month of cases is compressed in a
    // fraction of the time, for a file about a fifth larger.
    book.set_zip_compression_level(1);
    summary(book.add_worksheet(), r, lang, &f)?;
    cases(book.add_worksheet_with_constant_memory()?, rows, contacts, &f)?;
    fee_sheet(book.add_worksheet_with_constant_memory()?, fees, &f)?;
    book.save_to_buffer()
}

/// Label and value lines, then the tables of the page.
fn summary(sheet: &mut Worksheet, r: &Report, lang: Lang, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("summary")?;
    let mut title = format!("{} {}", lang.t("report"), r.period.code());
    if r.so_far {
        title.push_str(&format!(" ({} {})", lang.t("so-far-as-of"), r.as_of));
    }
    sheet.write_string_with_format(0, 0, title, &f.title)?;
    let mut row = 2u32;
    let mut widths = vec![24usize, 12, 12, 12, 12, 12, 12];
    let mut line = |sheet: &mut Worksheet, label: &str, value: Option<f64>, format: Option<&Format>| {
        widths[0] = widths[0].max(width_of(label));
        sheet.write_string(row, 0, label)?;
        match (value, format) {
            (Some(v), Some(fmt)) => {
                sheet.write_number_with_format(row, 1, v, fmt)?;
            }
            (Some(v), None) => {
                sheet.write_number(row, 1, v)?;
            }
            (None, _) => {
                sheet.write_string(row, 1, "—")?;
            }
        }
        row += 1;
        Ok::<_, XlsxError>(())
    };
    let (open_label, overdue_label) = if r.so_far {
        (lang.t("open-now"), lang.t("overdue-now"))
    } else {
        (lang.t("open-at-period-end"), lang.t("overdue-at-period-end"))
    };
    line(sheet, lang.t("received-2"), Some(r.received as f64), None)?;
    line(sheet, lang.t("closed"), Some(r.closed as f64), None)?;
    line(sheet, crate::domain::Outcome::Withdrawn.label(lang), Some(r.withdrawn as f64), None)?;
    line(sheet, lang.t("closed-on-time"), Some(r.on_time as f64), None)?;
    line(sheet, lang.t("closed-on-time-withdrawals-excluded"), r.on_time_rate, Some(&f.percent))?;
    line(sheet, open_label, Some(r.open_at_end as f64), None)?;
    line(sheet, overdue_label, Some(r.overdue_open as f64), None)?;
    line(sheet, lang.t("median-days-to-close"), r.median_days, Some(&f.decimal))?;
    line(sheet, lang.t("mean-days"), r.mean_days, Some(&f.decimal))?;
    line(sheet, lang.t("median-business-days-to-close"), r.median_business_days, Some(&f.decimal))?;
    line(sheet, lang.t("extensions"), Some(r.extensions as f64), None)?;
    line(sheet, lang.t("requested"), Some(r.fees.requested as f64), Some(&f.yen))?;
    line(sheet, lang.t("collected"), Some(r.fees.collected as f64), Some(&f.yen))?;
    line(sheet, lang.t("waived"), Some(r.fees.waived as f64), Some(&f.yen))?;
    line(sheet, lang.t("refunded"), Some(r.fees.refunded as f64), Some(&f.yen))?;

    // By kind: the CCPA's yearly metrics beside the desk's counts.
    row += 1;
    let head = [
        lang.t("kind"),
        lang.t("received-2"),
        lang.t("closed"),
        lang.t("complied"),
        lang.t("denied"),
        crate::domain::Outcome::Withdrawn.label(lang),
        lang.t("median-days"),
    ];
    for (col, h) in head.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *h, &f.header)?;
    }
    fit(&mut widths, &head);
    row += 1;
    for k in &r.kinds {
        let label = k.kind.label(lang);
        fit(&mut widths, &[label]);
        sheet.write_string(row, 0, label)?;
        for (col, n) in [k.received, k.closed, k.complied, k.denied, k.withdrawn].into_iter().enumerate() {
            sheet.write_number(row, col as u16 + 1, n as f64)?;
        }
        match k.median_days {
            Some(m) => sheet.write_number_with_format(row, 6, m, &f.decimal)?,
            None => sheet.write_string(row, 6, "—")?,
        };
        row += 1;
    }

    // The other tables: a label and a count (or yen) each.
    let mut table = |sheet: &mut Worksheet, title: &str, lines: Vec<(&str, i64)>, yen: bool| {
        row += 1;
        sheet.write_string_with_format(row, 0, title, &f.header)?;
        row += 1;
        for (label, n) in lines {
            widths[0] = widths[0].max(width_of(label));
            sheet.write_string(row, 0, label)?;
            if yen {
                sheet.write_number_with_format(row, 1, n as f64, &f.yen)?;
            } else {
                sheet.write_number(row, 1, n as f64)?;
            }
            row += 1;
        }
        Ok::<_, XlsxError>(())
    };
    table(sheet, lang.t("by-outcome"), r.by_outcome.iter().map(|(o, n)| (o.label(lang), *n)).collect(), false)?;
    table(sheet, lang.t("by-channel"), r.by_channel.iter().map(|(c, n)| (c.label(lang), *n)).collect(), false)?;
    table(sheet, lang.t("by-filer"), r.by_filer.iter().map(|(x, n)| (x.label(lang), *n)).collect(), false)?;
    let reasons = r.refusals_by_reason.iter().map(|(x, n)| (x.label(lang), *n)).collect();
    table(sheet, lang.t("refusals-by-reason"), reasons, false)?;
    let methods = r.fees.collected_by_method.iter().map(|(m, n)| (m.label(lang), *n)).collect();
    table(sheet, lang.t("collected-by-method"), methods, true)?;
    set_widths(sheet, &widths)
}

/// One line per case, as the CSV, with dates and yen typed.
fn cases(
    sheet: &mut Worksheet,
    rows: &[(i64, ExportRow)],
    contacts: Option<&HashMap<i64, Contact>>,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("cases")?;
    let mut names: Vec<&str> = COLUMNS.to_vec();
    if contacts.is_some() {
        names.extend(PERSONAL_COLUMNS);
    }
    // Widths first: the sheet is written row by row and cannot look back.
    let mut widths: Vec<usize> = names.iter().map(|n| width_of(n)).collect();
    for w in &mut widths[5..8] {
        *w = (*w).max(10);
    }
    for (id, r) in rows {
        fit(&mut widths[9..10], &[&reason_codes(r)]);
        if let Some(c) = contacts.and_then(|c| c.get(id)) {
            let cells = contact_cells(c);
            let cells: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
            fit(&mut widths[COLUMNS.len()..], &cells);
        }
    }
    set_widths(sheet, &widths)?;
    write_header(sheet, &names, f)?;
    for (i, (id, r)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, safe_cell(r.reference.as_ref().map(|x| x.as_str()).unwrap_or("")))?;
        sheet.write_string(row, 1, r.kind.code())?;
        sheet.write_string(row, 2, r.channel.code())?;
        sheet.write_string(row, 3, r.filer.code())?;
        sheet.write_string(row, 4, r.state.code())?;
        write_date(sheet, row, 5, r.received_on, f)?;
        write_date(sheet, row, 6, r.due_on, f)?;
        write_date(sheet, row, 7, r.closed_on, f)?;
        if let Some(o) = r.outcome {
            sheet.write_string(row, 8, o.code())?;
        }
        if !r.reasons.is_empty() {
            sheet.write_string(row, 9, reason_codes(r))?;
        }
        if let Some(t) = on_time(r) {
            sheet.write_string(row, 10, if t { "yes" } else { "no" })?;
        }
        if let Some(d) = days_to_close(r) {
            sheet.write_number(row, 11, d as f64)?;
        }
        for (col, yen) in [r.fees.requested, r.fees.paid, r.fees.waived, r.fees.refunded].into_iter().enumerate() {
            sheet.write_number_with_format(row, 12 + col as u16, yen as f64, &f.yen)?;
        }
        sheet.write_string(row, 16, r.fees.status().code())?;
        if let Some(c) = contacts.and_then(|c| c.get(id)) {
            for (col, cell) in contact_cells(c).iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(row, (COLUMNS.len() + col) as u16, cell.as_ref())?;
                }
            }
        }
    }
    Ok(())
}

/// The fee ledger's entries of the period, one per line.
fn fee_sheet(sheet: &mut Worksheet, fees: &[FeeLine], f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("fees")?;
    let names = ["on_date", "reference", "entry", "method", "amount", "payment_ref"];
    let mut widths: Vec<usize> = names.iter().map(|n| width_of(n)).collect();
    widths[0] = widths[0].max(10);
    widths[1] = widths[1].max(11);
    widths[4] = widths[4].max(10);
    for l in fees {
        fit(&mut widths[5..], &[l.payment_ref.as_deref().unwrap_or("")]);
    }
    set_widths(sheet, &widths)?;
    write_header(sheet, &names, f)?;
    for (i, l) in fees.iter().enumerate() {
        let row = i as u32 + 1;
        let date: Option<Date> = l.on_date.parse().ok();
        write_date(sheet, row, 0, date, f)?;
        sheet.write_string(row, 1, safe_cell(l.reference.as_deref().unwrap_or("")))?;
        sheet.write_string(row, 2, l.entry.as_str())?;
        if let Some(m) = &l.method {
            sheet.write_string(row, 3, m.as_str())?;
        }
        sheet.write_number_with_format(row, 4, l.amount as f64, &f.yen)?;
        if let Some(p) = &l.payment_ref {
            sheet.write_string(row, 5, safe_cell(p))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_characters_count_twice_for_column_widths() {
        assert_eq!(width_of("disclosure"), 10);
        assert_eq!(width_of("開示"), 4);
        assert_eq!(width_of("ﾔﾏﾀﾞ"), 4, "half-width kana are narrow");
    }
}
