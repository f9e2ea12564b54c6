//! The Japanese calendar: national holidays by the statutory rules of the
//! 国民の祝日に関する法律 plus a table of exceptions, and the business days of
//! the organisation (weekdays that are neither holidays nor closure days).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};

/// Years the rules are written for; the equinox formula holds to 2099.
pub const FIRST_YEAR: i16 = 2000;
pub const LAST_YEAR: i16 = 2099;

/// A holiday and its name as the Cabinet Office lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    pub name: &'static str,
}

/// The `n`th (1-based) `weekday` of a month (Happy Monday days).
fn nth_weekday(year: i16, month: i8, weekday: Weekday, n: i8) -> Date {
    let first = date(year, month, 1);
    let offset = (weekday.to_monday_zero_offset() - first.weekday().to_monday_zero_offset()).rem_euclid(7);
    first.saturating_add(i64::from(offset + 7 * (n - 1)).days())
}

/// The vernal (春分) and autumnal (秋分) equinox days, by the formula the
/// National Astronomical Observatory's announcements follow for 1980–2099.
fn equinox(year: i16, base: f64) -> i8 {
    let y = f64::from(year - 1980);
    (base + 0.242194 * y - (y / 4.0).floor()).floor() as i8
}

/// The 国民の祝日 themselves: fixed days, Happy Mondays, equinoxes, and the
/// exceptions table (天皇誕生日 on 12/23 until 2018, the one-off days of
/// 2019–2021).
fn statutory(year: i16) -> Vec<Holiday> {
    let mut h = Vec::new();
    let mut add = |m: i8, d: i8, name: &'static str| h.push(Holiday { date: date(year, m, d), name });
    add(1, 1, "元日");
    let seijin = nth_weekday(year, 1, Weekday::Monday, 2);
    add(seijin.month(), seijin.day(), "成人の日");
    add(2, 11, "建国記念の日");
    match year {
        ..=2018 => add(12, 23, "天皇誕生日"),
        2019 => {}
        _ => add(2, 23, "天皇誕生日"),
    }
    add(3, equinox(year, 20.8431), "春分の日");
    if year >= 2007 {
        add(4, 29, "昭和の日");
        add(5, 4, "みどりの日");
    } else {
        add(4, 29, "みどりの日");
    }
    add(5, 3, "憲法記念日");
    add(5, 5, "こどもの日");
    match year {
        ..=2002 => add(7, 20, "海の日"),
        2020 => add(7, 23, "海の日"),
        2021 => add(7, 22, "海の日"),
        _ => {
            let d = nth_weekday(year, 7, Weekday::Monday, 3);
            add(d.month(), d.day(), "海の日");
        }
    }
    match year {
        ..=2015 => {}
        2020 => add(8, 10, "山の日"),
        2021 => add(8, 8, "山の日"),
        _ => add(8, 11, "山の日"),
    }
    if year <= 2002 {
        add(9, 15, "敬老の日");
    } else {
        let d = nth_weekday(year, 9, Weekday::Monday, 3);
        add(d.month(), d.day(), "敬老の日");
    }
    add(9, equinox(year, 23.2488), "秋分の日");
    match year {
        ..=2019 => {
            let d = nth_weekday(year, 10, Weekday::Monday, 2);
            add(d.month(), d.day(), "体育の日");
        }
        2020 => add(7, 24, "スポーツの日"),
        2021 => add(7, 23, "スポーツの日"),
        _ => {
            let d = nth_weekday(year, 10, Weekday::Monday, 2);
            add(d.month(), d.day(), "スポーツの日");
        }
    }
    add(11, 3, "文化の日");
    add(11, 23, "勤労感謝の日");
    if year == 2019 {
        // 天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律: treated as 祝日.
        add(5, 1, "休日（祝日扱い）");
        add(10, 22, "休日（祝日扱い）");
    }
    h.sort_by_key(|x| x.date);
    h
}

/// Every national holiday of a year: the 祝日, 国民の休日 (a day between two
/// 祝日) and 振替休日 (a 祝日 on a Sunday moves to the next day: before 2007
/// only to Monday, since 2007 to the next day that is not a 祝日).
pub fn holidays(year: i16) -> Vec<Holiday> {
    let base = statutory(year);
    let is_base = |d: Date| base.iter().any(|h| h.date == d);
    let mut all = base.clone();
    // 国民の休日: before 2007 a Sunday between two 祝日 stayed an ordinary Sunday.
    for h in &base {
        let between = h.date.saturating_add(1.day());
        let next = between.saturating_add(1.day());
        if between.year() == year
            && is_base(next)
            && !is_base(between)
            && (year >= 2007 || between.weekday() != Weekday::Sunday)
        {
            all.push(Holiday { date: between, name: "国民の休日" });
        }
    }
    for h in &base {
        if h.date.weekday() != Weekday::Sunday {
            continue;
        }
        let mut d = h.date.saturating_add(1.day());
        if year >= 2007 {
            while is_base(d) {
                d = d.saturating_add(1.day());
            }
        } else if is_base(d) {
            continue;
        }
        if d.year() == year && !all.iter().any(|x| x.date == d) {
            all.push(Holiday { date: d, name: "休日" });
        }
    }
    all.sort_by_key(|x| x.date);
    all.dedup_by_key(|x| x.date);
    all
}

/// Every year's holidays, computed once: business-day counting asks often.
fn table() -> &'static [Vec<Holiday>] {
    static TABLE: std::sync::OnceLock<Vec<Vec<Holiday>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (FIRST_YEAR..=LAST_YEAR).map(holidays).collect())
}

pub fn holiday(d: Date) -> Option<Holiday> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
        return None;
    }
    let year = table().get(usize::try_from(d.year() - FIRST_YEAR).ok()?)?;
    year.binary_search_by_key(&d, |h| h.date).ok().map(|i| year[i])
}

/// Equinox days are announced in February for the following year: later
/// years are provisional.
pub fn is_provisional(year: i16, today: Date) -> bool {
    let announced_through = if today.month() >= 2 { today.year() + 1 } else { today.year() };
    year > announced_through
}

/// Days the organisation is closed besides weekends and holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    /// Every year, from one month-day to another (may wrap over the new year).
    Yearly { from: (i8, i8), to: (i8, i8) },
    /// One day.
    Day(Date),
}

impl Closure {
    fn covers(&self, d: Date) -> bool {
        match self {
            Closure::Day(x) => *x == d,
            Closure::Yearly { from, to } => {
                let md = (d.month(), d.day());
                if from <= to { *from <= md && md <= *to } else { md >= *from || md <= *to }
            }
        }
    }
}

/// The default closure: 年末年始, 12/29 to 1/3.
pub const DEFAULT_CLOSURES: &str = "12-29..01-03";

/// Parses closure days, one per line: `12-29..01-03` (every year),
/// `2026-08-14` (one day). Returns the line that is wrong.
pub fn parse_closures(text: &str) -> Result<Vec<Closure>, String> {
    let md = |s: &str| -> Option<(i8, i8)> {
        let (m, d) = s.trim().split_once('-')?;
        let (m, d): (i8, i8) = (m.parse().ok()?, d.parse().ok()?);
        Date::new(2024, m, d).ok().map(|_| (m, d))
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            if let Some((a, b)) = line.split_once("..") {
                match (md(a), md(b)) {
                    (Some(from), Some(to)) => Ok(Closure::Yearly { from, to }),
                    _ => Err(line.to_owned()),
                }
            } else if line.len() == 10 {
                line.parse::<Date>().map(Closure::Day).map_err(|_| line.to_owned())
            } else {
                md(line).map(|x| Closure::Yearly { from: x, to: x }).ok_or_else(|| line.to_owned())
            }
        })
        .collect()
}

/// The organisation's working calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub closures: Vec<Closure>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar { closures: parse_closures(DEFAULT_CLOSURES).unwrap_or_default() }
    }
}

impl Calendar {
    pub fn is_closure(&self, d: Date) -> bool {
        self.closures.iter().any(|c| c.covers(d))
    }

    /// Business days skip Saturdays, Sundays, national holidays and closure days.
    pub fn is_business_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && holiday(d).is_none() && !self.is_closure(d)
    }

    /// `n` business days after `from`, the first day not counted (初日不算入).
    pub fn add_business_days(&self, from: Date, n: i64) -> Date {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.saturating_add(1.day());
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Business days in (from, to]; negative when `to` is before `from`.
    pub fn business_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.business_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.saturating_add(1.day());
            if self.is_business_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(year: i16) -> Vec<(String, &'static str)> {
        holidays(year).into_iter().map(|h| (h.date.to_string(), h.name)).collect()
    }

    #[test]
    fn happy_mondays_and_equinoxes() {
        assert_eq!(nth_weekday(2026, 1, Weekday::Monday, 2), date(2026, 1, 12));
        assert_eq!(nth_weekday(2026, 9, Weekday::Monday, 3), date(2026, 9, 21));
        assert_eq!(equinox(2026, 20.8431), 20);
        assert_eq!(equinox(2027, 20.8431), 21);
        assert_eq!(equinox(2024, 23.2488), 22);
        assert_eq!(equinox(2012, 20.8431), 20);
        assert_eq!(equinox(2012, 23.2488), 22);
    }

    #[test]
    fn golden_week_2026_with_its_substitute_day() {
        let gw: Vec<_> =
            names(2026).into_iter().filter(|(d, _)| d.starts_with("2026-04-29") || d.starts_with("2026-05")).collect();
        assert_eq!(
            gw,
            [
                ("2026-04-29".into(), "昭和の日"),
                ("2026-05-03".into(), "憲法記念日"),
                ("2026-05-04".into(), "みどりの日"),
                ("2026-05-05".into(), "こどもの日"),
                ("2026-05-06".into(), "休日"),
            ]
        );
    }

    #[test]
    fn the_day_between_two_holidays_is_a_holiday() {
        assert_eq!(holiday(date(2026, 9, 22)).map(|h| h.name), Some("国民の休日"));
        assert_eq!(holiday(date(2015, 9, 22)).map(|h| h.name), Some("国民の休日"));
        assert_eq!(holiday(date(2009, 9, 22)).map(|h| h.name), Some("国民の休日"));
    }

    #[test]
    fn the_exceptions_table() {
        // 天皇誕生日 on 12/23 until 2018, none in 2019, 2/23 since 2020.
        assert!(holiday(date(2018, 12, 23)).is_some());
        assert!(holiday(date(2019, 12, 23)).is_none());
        assert!(holiday(date(2019, 2, 23)).is_none());
        assert_eq!(holiday(date(2020, 2, 23)).map(|h| h.name), Some("天皇誕生日"));
        // 2019: the enthronement days, and the days between them.
        for d in [date(2019, 4, 30), date(2019, 5, 1), date(2019, 5, 2), date(2019, 10, 22), date(2019, 5, 6)] {
            assert!(holiday(d).is_some(), "{d}");
        }
        // The Olympic years moved 海の日, スポーツの日 and 山の日.
        for d in [
            date(2020, 7, 23),
            date(2020, 7, 24),
            date(2020, 8, 10),
            date(2021, 7, 22),
            date(2021, 7, 23),
            date(2021, 8, 8),
            date(2021, 8, 9),
        ] {
            assert!(holiday(d).is_some(), "{d}");
        }
        assert!(holiday(date(2020, 10, 12)).is_none());
        assert!(holiday(date(2021, 8, 11)).is_none());
        // Before 2003 海の日 and 敬老の日 had fixed dates; 4/29 was みどりの日 before 2007.
        assert_eq!(holiday(date(2002, 7, 20)).map(|h| h.name), Some("海の日"));
        assert_eq!(holiday(date(2002, 9, 15)).map(|h| h.name), Some("敬老の日"));
        assert_eq!(holiday(date(2006, 4, 29)).map(|h| h.name), Some("みどりの日"));
    }

    #[test]
    fn the_substitute_rule_changed_in_2007() {
        // 2006: 5/3 was Wednesday … and 2005-05-04 (a weekday between two 祝日) was 国民の休日.
        assert_eq!(holiday(date(2005, 5, 4)).map(|h| h.name), Some("国民の休日"));
        // 2008: 5/4 Sunday → 5/6 (the next day that is not a 祝日).
        assert_eq!(holiday(date(2008, 5, 6)).map(|h| h.name), Some("休日"));
        // 2004 and before, a Sunday 祝日 moved to Monday only: 2003-11-23 (Sun) → 11/24.
        assert_eq!(holiday(date(2003, 11, 24)).map(|h| h.name), Some("休日"));
        // In 2001 a Sunday (2001-09-23 秋分の日) → Monday 9/24.
        assert_eq!(holiday(date(2001, 9, 24)).map(|h| h.name), Some("休日"));
    }

    #[test]
    fn every_date_of_the_cabinet_office_list_and_no_other_weekday() {
        let csv = include_str!("../../tests/fixtures/jp-holidays-2024-2027.csv");
        let listed: Vec<(Date, &str)> = csv
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (d, n) = l.split_once(',').unwrap();
                (d.parse().unwrap(), n.trim())
            })
            .collect();
        assert_eq!(listed.len(), 75);
        for (d, name) in &listed {
            assert_eq!(holiday(*d).map(|h| h.name), Some(*name), "{d}");
        }
        for year in 2024..=2027 {
            for h in holidays(year) {
                assert!(listed.iter().any(|(d, _)| *d == h.date), "{} ({}) is not in the list", h.date, h.name);
            }
            let mut d = date(year, 1, 1);
            while d.year() == year {
                let is_weekday = !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
                if is_weekday && holiday(d).is_some() {
                    assert!(listed.iter().any(|(x, _)| *x == d), "{d} is a holiday only here");
                }
                d = d.saturating_add(1.day());
            }
        }
    }

    #[test]
    fn later_years_are_provisional_until_their_equinoxes_are_announced() {
        let today = date(2026, 11, 23);
        assert!(!is_provisional(2027, today));
        assert!(is_provisional(2028, today));
        assert!(is_provisional(2027, date(2026, 1, 10)));
    }

    #[test]
    fn business_days_skip_weekends_holidays_and_the_new_year_closure() {
        let cal = Calendar::default();
        assert!(!cal.is_business_day(date(2026, 12, 29)));
        assert!(!cal.is_business_day(date(2027, 1, 3)));
        assert!(cal.is_business_day(date(2027, 1, 4)));
        // Friday 2026-12-25 + 3 business days: 12/28, 1/4, 1/5.
        assert_eq!(cal.add_business_days(date(2026, 12, 25), 3), date(2027, 1, 5));
        // Golden Week 2026: Thursday 4/30 + 2 → 5/1, 5/7.
        assert_eq!(cal.add_business_days(date(2026, 4, 30), 2), date(2026, 5, 7));
        // Silver Week 2026: Friday 9/18 + 1 → Thursday 9/24.
        assert_eq!(cal.add_business_days(date(2026, 9, 18), 1), date(2026, 9, 24));
        assert_eq!(cal.business_days_between(date(2026, 9, 18), date(2026, 9, 25)), 2);
        assert_eq!(cal.business_days_between(date(2026, 9, 25), date(2026, 9, 18)), -2);
    }

    #[test]
    fn closure_days_are_parsed_and_checked() {
        let c = parse_closures("12-29..01-03\n2026-08-14\n08-13").unwrap();
        let cal = Calendar { closures: c };
        assert!(cal.is_closure(date(2026, 1, 2)));
        assert!(cal.is_closure(date(2026, 8, 14)));
        assert!(cal.is_closure(date(2031, 8, 13)));
        assert!(!cal.is_closure(date(2027, 8, 14)));
        assert_eq!(parse_closures("12-32"), Err("12-32".to_owned()));
        assert_eq!(parse_closures("sometimes"), Err("sometimes".to_owned()));
        assert_eq!(parse_closures(""), Ok(vec![]));
    }
}
