//! United States federal holidays (5 U.S.C. 6103), for the CCPA's
//! acknowledgement within 10 business days (Regs §7021(a)): business days
//! there are Monday to Friday without federal holidays, not Japanese ones.
//! A holiday on a Saturday is observed the Friday before, on a Sunday the
//! Monday after (so New Year's Day of some years is observed in December).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};

fn nth_weekday(year: i16, month: i8, weekday: Weekday, n: i8) -> Date {
    let first = date(year, month, 1);
    let offset = (weekday.to_monday_zero_offset() - first.weekday().to_monday_zero_offset()).rem_euclid(7);
    first.saturating_add(i64::from(offset + 7 * (n - 1)).days())
}

fn last_weekday(year: i16, month: i8, weekday: Weekday) -> Date {
    let last = date(year, month, 1).last_of_month();
    let back = (last.weekday().to_monday_zero_offset() - weekday.to_monday_zero_offset()).rem_euclid(7);
    last.saturating_sub(i64::from(back).days())
}

/// The day a fixed-date holiday is observed.
fn observed(d: Date) -> Date {
    match d.weekday() {
        Weekday::Saturday => d.saturating_sub(1.day()),
        Weekday::Sunday => d.saturating_add(1.day()),
        _ => d,
    }
}

/// The federal holidays of `year` as observed, with the next New Year's
/// Day when it is observed on December 31 of `year`.
pub fn federal_holidays(year: i16) -> Vec<Date> {
    let mut days = vec![
        observed(date(year, 1, 1)),
        nth_weekday(year, 1, Weekday::Monday, 3),
        nth_weekday(year, 2, Weekday::Monday, 3),
        last_weekday(year, 5, Weekday::Monday),
    ];
    // Juneteenth National Independence Day, since 2021.
    if year >= 2021 {
        days.push(observed(date(year, 6, 19)));
    }
    days.extend([
        observed(date(year, 7, 4)),
        nth_weekday(year, 9, Weekday::Monday, 1),
        nth_weekday(year, 10, Weekday::Monday, 2),
        observed(date(year, 11, 11)),
        nth_weekday(year, 11, Weekday::Thursday, 4),
        observed(date(year, 12, 25)),
    ]);
    let next_new_year = observed(date(year.saturating_add(1), 1, 1));
    if next_new_year.year() == year {
        days.push(next_new_year);
    }
    days.retain(|d| d.year() == year);
    days.sort();
    days
}

pub fn is_business_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !federal_holidays(d.year()).contains(&d)
}

/// `n` US business days after `from` (the first day not counted).
pub fn add_business_days(from: Date, n: i64) -> Date {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.saturating_add(1.day());
        if is_business_day(d) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The U.S. Office of Personnel Management's published lists.
    #[test]
    fn federal_holidays_match_the_published_lists_2025_to_2027() {
        let opm: [(i16, &[(i8, i8)]); 3] = [
            (
                2025,
                &[(1, 1), (1, 20), (2, 17), (5, 26), (6, 19), (7, 4), (9, 1), (10, 13), (11, 11), (11, 27), (12, 25)],
            ),
            (
                2026,
                &[(1, 1), (1, 19), (2, 16), (5, 25), (6, 19), (7, 3), (9, 7), (10, 12), (11, 11), (11, 26), (12, 25)],
            ),
            // New Year's Day 2028 falls on a Saturday: observed Friday 2027-12-31.
            (
                2027,
                &[
                    (1, 1),
                    (1, 18),
                    (2, 15),
                    (5, 31),
                    (6, 18),
                    (7, 5),
                    (9, 6),
                    (10, 11),
                    (11, 11),
                    (11, 25),
                    (12, 24),
                    (12, 31),
                ],
            ),
        ];
        for (year, days) in opm {
            let expected: Vec<Date> = days.iter().map(|(m, d)| date(year, *m, *d)).collect();
            assert_eq!(federal_holidays(year), expected, "{year}");
        }
    }

    #[test]
    fn ccpa_acknowledgement_counts_us_business_days_not_japanese_ones_7021() {
        // Friday 2026-04-24: Golden Week does not exist in California.
        assert_eq!(add_business_days(date(2026, 4, 24), 10), date(2026, 5, 8));
        // Across Thanksgiving: 11/25 (Wed) + 10 skips 11/26 and the weekends.
        assert_eq!(add_business_days(date(2026, 11, 25), 10), date(2026, 12, 10));
    }
}
