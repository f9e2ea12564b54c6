//! Retention per data class (DESIGN.md §8, issue 13), run by the hourly
//! housekeeping and by `madoguchi purge [--dry-run]`. Each purge that
//! removed something is recorded (`retention_runs`) with its count; a case's
//! own purges are also events on its audit chain.

use jiff::ToSpan;

use super::cases::execute;
use super::store::{cases, outbox};
use super::{App, AppError, Result};
use crate::domain::{Actor, Command};

/// How long the bodies of sent e-mails are kept.
pub const OUTBOX_BODY_DAYS: i64 = 90;

/// What one run removed (or, dry, would remove), per data class.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub dry_run: bool,
    pub lines: Vec<(&'static str, i64)>,
}

impl Report {
    pub fn count(&self, class: &str) -> i64 {
        self.lines.iter().find(|(c, _)| *c == class).map_or(0, |(_, n)| *n)
    }
}

/// At most this many cases are anonymised by one hourly run, so that a
/// backlog (the first run on years of cases) is worked off over the
/// following hours instead of holding up the rest of the housekeeping.
pub const ANONYMISE_PER_RUN: usize = 2000;

/// Runs every retention rule; the hourly housekeeping passes
/// `Some(ANONYMISE_PER_RUN)`, the command line `None` (all at once).
pub async fn run(app: &App, dry_run: bool) -> Result<Report> {
    run_bounded(app, dry_run, None).await
}

pub async fn run_bounded(app: &App, dry_run: bool, anonymise_at_most: Option<usize>) -> Result<Report> {
    let mut report = Report { dry_run, lines: Vec::new() };
    let now = app.now_us();
    let settings = app.settings().await?;

    // Unconfirmed web submissions: 72 hours.
    let before = now - 72 * 3_600_000_000;
    let n = if dry_run {
        cases::count_unconfirmed(&app.store, before).await?
    } else {
        i64::try_from(cases::purge_unconfirmed(&app.store, before).await?).unwrap_or(i64::MAX)
    };
    report.lines.push(("unconfirmed_submissions", n));

    // Identity documents: N days after verification or closing.
    let docs = super::documents::purge(app, dry_run).await?;
    report.lines.push(("identity_documents", docs.iter().map(|(_, ids)| ids.len() as i64).sum()));

    // Result files: after their download days.
    let results = super::results::purge(app, dry_run).await?;
    report.lines.push(("result_files", results.iter().map(|(_, ids)| ids.len() as i64).sum()));

    // Bodies of sent e-mails: 90 days.
    let before = now - OUTBOX_BODY_DAYS * 86_400_000_000;
    let n = if dry_run {
        outbox::count_old_bodies(&app.store, before).await?
    } else {
        i64::try_from(outbox::purge_old_bodies(&app.store, before).await?).unwrap_or(i64::MAX)
    };
    report.lines.push(("email_bodies", n));

    // The access log: its own days.
    report.lines.push(("access_log", super::access::prune(app, dry_run).await?));

    // Records of provision and receipt (Arts. 29–30): past their last day.
    let today = app.today().to_string();
    let n = if dry_run {
        super::store::inventory::count_expired_provisions(&app.store, &today).await?
    } else {
        i64::try_from(super::provisions::purge_expired(app).await?).unwrap_or(i64::MAX)
    };
    report.lines.push(("provision_records", n));

    // Closed cases: anonymised after `case_retention_years`.
    let years = settings.case_retention_years();
    let closed_before = app.today().saturating_sub(years.years());
    let anonymised = if dry_run {
        cases::count_due_for_anonymising(&app.store, closed_before).await?
    } else {
        anonymise_closed(app, closed_before, anonymise_at_most).await?
    };
    report.lines.push(("closed_cases_anonymised", anonymised));

    if !dry_run {
        for (class, n) in &report.lines {
            if *n > 0 {
                cases::record_retention(&app.store, now, class, *n).await?;
            }
        }
    }
    Ok(report)
}

/// Anonymises the cases closed before `closed_before`, 200 at a time, up to
/// `at_most` of them; returns how many.
async fn anonymise_closed(app: &App, closed_before: jiff::civil::Date, at_most: Option<usize>) -> Result<i64> {
    let mut anonymised = 0;
    loop {
        let due = cases::due_for_anonymising(&app.store, closed_before, 200).await?;
        for reference in &due {
            match execute(app, reference, Command::Anonymise, Actor::System).await {
                Ok(_) => anonymised += 1,
                Err(AppError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        if due.len() < 200 || at_most.is_some_and(|most| anonymised as usize >= most) {
            return Ok(anonymised);
        }
    }
}
