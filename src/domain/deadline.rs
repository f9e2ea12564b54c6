//! Due dates. This is the seam the full deadline engine (business days,
//! holidays, pauses, GDPR and CCPA profiles) grows from: everything else asks
//! a `DeadlinePolicy` and never counts days itself.

use jiff::ToSpan;
use jiff::civil::Date;

/// What the rest of the domain needs to know about a deadline profile.
pub trait DeadlinePolicy {
    /// The profile's code, stored on each case.
    fn code(&self) -> &'static str;
    /// The due date of a request that reached us on `received_on`.
    fn due_on(&self, received_on: Date) -> Date;
    /// The latest date an extension may move the due date to.
    fn latest_extension(&self, first_due_on: Date) -> Date;
    /// Whether waiting for the requester stops the clock.
    fn pauses(&self) -> bool;
    /// The due date after a pause from `paused_on` to `resumed_on`.
    fn resume(&self, due_on: Date, paused_on: Date, resumed_on: Date) -> Date;
}

/// APPI: the law says "without delay"; the desk promises 14 calendar days,
/// because Art. 39 lets the person sue two weeks after the request arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Appi;

impl DeadlinePolicy for Appi {
    fn code(&self) -> &'static str {
        "appi"
    }

    // Periods do not count the first day (初日不算入): 04-01 + 14 days = 04-15.
    fn due_on(&self, received_on: Date) -> Date {
        received_on.saturating_add(14.days())
    }

    fn latest_extension(&self, first_due_on: Date) -> Date {
        first_due_on.saturating_add(30.days())
    }

    fn pauses(&self) -> bool {
        true
    }

    // Calendar days in (pause, resume]: paused on the 3rd, resumed on the 5th moves 2 days.
    fn resume(&self, due_on: Date, paused_on: Date, resumed_on: Date) -> Date {
        let days = (resumed_on - paused_on).get_days().max(0);
        due_on.saturating_add(i64::from(days).days())
    }
}

/// The Art. 39 date: two weeks after receipt, never paused nor extended.
pub fn art39_date(received_on: Date) -> Date {
    received_on.saturating_add(14.days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn appi_counts_fourteen_calendar_days_without_the_first() {
        assert_eq!(Appi.due_on(date(2026, 4, 1)), date(2026, 4, 15));
        assert_eq!(Appi.due_on(date(2026, 12, 25)), date(2027, 1, 8));
    }

    #[test]
    fn calendar_day_due_dates_do_not_move_off_holidays() {
        // 2026-04-15 + 14 = 2026-04-29 (昭和の日), and it stays there.
        assert_eq!(Appi.due_on(date(2026, 4, 15)), date(2026, 4, 29));
    }

    #[test]
    fn a_pause_moves_the_due_date_by_the_calendar_days_paused() {
        let due = date(2026, 4, 15);
        assert_eq!(Appi.resume(due, date(2026, 4, 3), date(2026, 4, 5)), date(2026, 4, 17));
        assert_eq!(Appi.resume(due, date(2026, 4, 3), date(2026, 4, 3)), due, "a same-day pause moves nothing");
    }

    #[test]
    fn appi_extensions_stop_thirty_days_after_the_first_due_date() {
        assert_eq!(Appi.latest_extension(date(2026, 4, 15)), date(2026, 5, 15));
    }
}
