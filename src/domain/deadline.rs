//! Due dates (DESIGN.md §1 "Deadlines"): the profiles `appi`, `gdpr`, `ccpa`
//! and `custom`, pauses, extensions and the Art. 39 date. Everything else
//! asks a `DeadlinePolicy` and never counts days itself.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::Date;

use super::calendar::Calendar;
use super::codes::Ask;

/// What the rest of the domain needs to know about a deadline policy.
pub trait DeadlinePolicy {
    /// The profile's code, stored on each case.
    fn code(&self) -> String;
    /// The due date of a clock that started on `start` (the first day not counted).
    fn due_on(&self, start: Date) -> Date;
    /// The latest date an extension may move the due date to, for a clock
    /// that first fell due on `first_due_on` on a request received on `received_on`.
    fn latest_extension(&self, first_due_on: Date, received_on: Date) -> Date;
    /// Whether an extension must be told before the first due date (GDPR
    /// Art. 12(3): within the first month; CCPA §7021(b): within the first 45 days).
    fn extends_only_before_first_due(&self) -> bool {
        false
    }
    /// How many extensions the rule allows (CCPA: one); None for no limit.
    fn max_extensions(&self) -> Option<u32> {
        None
    }
    /// Whether a fee may be asked on this clock (GDPR Art. 12(5) and CCPA
    /// §1798.130: the first request is free).
    fn charges_fees(&self) -> bool {
        true
    }
    /// Whether waiting for the requester with these asks open stops the clock.
    fn pauses_for(&self, asks: &BTreeSet<Ask>) -> bool;
    /// The due date after a pause from `paused_on` to `resumed_on`.
    fn resume(&self, due_on: Date, paused_on: Date, resumed_on: Date) -> Date;
    /// Whether the clock starts only when every identity check is verified.
    fn starts_on_identity(&self) -> bool {
        false
    }
}

/// The profiles of DESIGN.md §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// APPI: 14 calendar days (Art. 39's two weeks), pauses, extension up to 30 days.
    Appi,
    /// GDPR Art. 12(3): one month, paused while identity is asked, extension up to two months.
    Gdpr,
    /// CCPA: 45 calendar days that never pause, extension up to 45 days,
    /// acknowledgement within 10 business days.
    Ccpa,
    /// N calendar or business days.
    Custom { days: i64, business: bool },
}

impl Profile {
    pub fn code(self) -> String {
        match self {
            Profile::Appi => "appi".into(),
            Profile::Gdpr => "gdpr".into(),
            Profile::Ccpa => "ccpa".into(),
            Profile::Custom { days, business } => {
                format!("custom:{days}:{}", if business { "business" } else { "calendar" })
            }
        }
    }

    /// Parses `appi`, `gdpr`, `ccpa` or `custom:N:calendar|business`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "appi" => Some(Profile::Appi),
            "gdpr" => Some(Profile::Gdpr),
            "ccpa" => Some(Profile::Ccpa),
            other => {
                let mut parts = other.strip_prefix("custom:")?.split(':');
                let days: i64 = parts.next()?.parse().ok().filter(|d| (1..=365).contains(d))?;
                let business = match parts.next()? {
                    "business" => true,
                    "calendar" => false,
                    _ => return None,
                };
                Some(Profile::Custom { days, business })
            }
        }
    }

    /// The answer time as the public page words it: "14日", "one month".
    pub fn period(self, lang: super::Lang) -> String {
        use crate::i18n::Arg;
        match self {
            Profile::Appi => lang.t("period-appi").to_owned(),
            Profile::Gdpr => lang.t("period-gdpr").to_owned(),
            Profile::Ccpa => lang.t("period-ccpa").to_owned(),
            Profile::Custom { days, business } => {
                let id = if business { "period-custom-business-days" } else { "period-custom-days" };
                lang.f(id, &[("days", Arg::Num(days))])
            }
        }
    }

    pub fn label(self, lang: super::Lang) -> String {
        match self {
            Profile::Appi => lang.t("appi-14-days").to_owned(),
            Profile::Gdpr => lang.t("gdpr-one-month").to_owned(),
            Profile::Ccpa => lang.t("ccpa-45-days").to_owned(),
            Profile::Custom { days, business } => {
                let id = if business { "profile-custom-business-days" } else { "profile-custom-days" };
                lang.f(id, &[("days", crate::i18n::Arg::Num(days))])
            }
        }
    }

    fn business(self) -> bool {
        matches!(self, Profile::Custom { business: true, .. })
    }
}

/// A profile with the organisation's choices and calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub profile: Profile,
    /// Whether `awaiting_requester` stops the clock (never for CCPA).
    pub pause: bool,
    /// The clock starts at `identity_verified` instead of `received`.
    pub start_on_identity: bool,
    /// Extension limit for `appi` and `custom`, in calendar days.
    pub max_extension_days: i64,
    pub calendar: Calendar,
}

impl Policy {
    pub fn new(profile: Profile) -> Policy {
        Policy { profile, pause: true, start_on_identity: false, max_extension_days: 30, calendar: Calendar::default() }
    }

    /// CCPA: the receipt is acknowledged within 10 business days — US
    /// business days, Monday to Friday without federal holidays (§7021(a)).
    pub fn acknowledge_by(&self, received_on: Date) -> Option<Date> {
        (self.profile == Profile::Ccpa).then(|| super::us_calendar::add_business_days(received_on, 10))
    }
}

impl DeadlinePolicy for Policy {
    fn code(&self) -> String {
        self.profile.code()
    }

    // Periods do not count the first day (初日不算入): 04-01 + 14 days = 04-15.
    // Calendar-day due dates do not move off holidays.
    fn due_on(&self, start: Date) -> Date {
        match self.profile {
            Profile::Appi => start.saturating_add(14.days()),
            // jiff clamps to the month's end: 01-31 + 1 month = 02-28 (or 29).
            Profile::Gdpr => start.saturating_add(1.month()),
            Profile::Ccpa => start.saturating_add(45.days()),
            Profile::Custom { days, business: true } => self.calendar.add_business_days(start, days),
            Profile::Custom { days, business: false } => start.saturating_add(days.days()),
        }
    }

    fn latest_extension(&self, first_due_on: Date, received_on: Date) -> Date {
        match self.profile {
            // Two further months, and never past receipt + 3 months (Art. 12(3)).
            Profile::Gdpr => first_due_on.saturating_add(2.months()).min(received_on.saturating_add(3.months())),
            // 90 days in total from receipt (§7021(b)).
            Profile::Ccpa => first_due_on.saturating_add(45.days()).min(received_on.saturating_add(90.days())),
            Profile::Appi | Profile::Custom { .. } => first_due_on.saturating_add(self.max_extension_days.days()),
        }
    }

    fn extends_only_before_first_due(&self) -> bool {
        matches!(self.profile, Profile::Gdpr | Profile::Ccpa)
    }

    fn max_extensions(&self) -> Option<u32> {
        (self.profile == Profile::Ccpa).then_some(1)
    }

    fn charges_fees(&self) -> bool {
        !matches!(self.profile, Profile::Gdpr | Profile::Ccpa)
    }

    fn pauses_for(&self, asks: &BTreeSet<Ask>) -> bool {
        match self.profile {
            Profile::Ccpa => false,
            Profile::Gdpr => self.pause && asks.contains(&Ask::Identity),
            Profile::Appi | Profile::Custom { .. } => self.pause && !asks.is_empty(),
        }
    }

    // The due date moves by the days in (pause, resume]: business days for
    // business-day policies, calendar days otherwise. A same-day pause moves nothing.
    fn resume(&self, due_on: Date, paused_on: Date, resumed_on: Date) -> Date {
        if self.profile.business() {
            let days = self.calendar.business_days_between(paused_on, resumed_on).max(0);
            self.calendar.add_business_days(due_on, days)
        } else {
            let days = (resumed_on - paused_on).get_days().max(0);
            due_on.saturating_add(i64::from(days).days())
        }
    }

    fn starts_on_identity(&self) -> bool {
        self.start_on_identity
    }
}

/// The APPI profile with the defaults, for tests and seeds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Appi;

impl DeadlinePolicy for Appi {
    fn code(&self) -> String {
        "appi".into()
    }
    fn due_on(&self, start: Date) -> Date {
        start.saturating_add(14.days())
    }
    fn latest_extension(&self, first_due_on: Date, _received_on: Date) -> Date {
        first_due_on.saturating_add(30.days())
    }
    fn pauses_for(&self, asks: &BTreeSet<Ask>) -> bool {
        !asks.is_empty()
    }
    fn resume(&self, due_on: Date, paused_on: Date, resumed_on: Date) -> Date {
        due_on.saturating_add(i64::from((resumed_on - paused_on).get_days().max(0)).days())
    }
}

/// Art. 39: the person may sue once two weeks have passed since the request
/// reached the business (arrival day not counted, Civil Code Art. 140).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art39 {
    /// The last day of the two weeks (arrival + 14).
    pub ends_on: Date,
    /// The first day a suit is possible (arrival + 15).
    pub suit_from: Date,
}

/// The Art. 39 dates of a request, for the kinds Art. 39 covers:
/// disclosure and provision records (Art. 33), correction (34), stopping
/// use or provision (35) — not purpose notices (a 求め) nor complaints.
/// Never paused nor extended.
pub fn art39(kind: super::RequestKind, received_on: Date) -> Option<Art39> {
    use super::RequestKind as K;
    match kind {
        K::Disclosure | K::ProvisionRecord | K::Correction | K::Suspension | K::StopProvision => Some(Art39 {
            ends_on: received_on.saturating_add(14.days()),
            suit_from: received_on.saturating_add(15.days()),
        }),
        K::PurposeNotice | K::Complaint => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn policy(p: Profile) -> Policy {
        Policy::new(p)
    }

    fn asks(a: &[Ask]) -> BTreeSet<Ask> {
        a.iter().copied().collect()
    }

    #[test]
    fn appi_counts_fourteen_calendar_days_without_the_first() {
        let p = policy(Profile::Appi);
        assert_eq!(p.due_on(date(2026, 4, 1)), date(2026, 4, 15));
        assert_eq!(p.due_on(date(2026, 12, 25)), date(2027, 1, 8));
        // 2026-04-15 + 14 = 2026-04-29 (昭和の日): calendar-day due dates stay on holidays.
        assert_eq!(p.due_on(date(2026, 4, 15)), date(2026, 4, 29));
        assert_eq!(p.latest_extension(date(2026, 4, 15), date(2026, 4, 1)), date(2026, 5, 15));
    }

    #[test]
    fn gdpr_gives_one_month_with_month_end_rules() {
        let p = policy(Profile::Gdpr);
        assert_eq!(p.due_on(date(2026, 1, 31)), date(2026, 2, 28));
        assert_eq!(p.due_on(date(2028, 1, 31)), date(2028, 2, 29));
        assert_eq!(p.due_on(date(2026, 3, 31)), date(2026, 4, 30));
        assert_eq!(p.due_on(date(2026, 4, 15)), date(2026, 5, 15));
        assert_eq!(p.latest_extension(date(2026, 2, 28), date(2026, 1, 31)), date(2026, 4, 28));
    }

    #[test]
    fn gdpr_pauses_only_while_identity_is_asked() {
        let p = policy(Profile::Gdpr);
        assert!(p.pauses_for(&asks(&[Ask::Identity])));
        assert!(p.pauses_for(&asks(&[Ask::Identity, Ask::Fee])));
        assert!(!p.pauses_for(&asks(&[Ask::Clarification])));
    }

    #[test]
    fn ccpa_never_pauses_and_acknowledges_in_ten_business_days() {
        let p = policy(Profile::Ccpa);
        assert_eq!(p.due_on(date(2026, 4, 1)), date(2026, 5, 16));
        assert!(!p.pauses_for(&asks(&[Ask::Identity])));
        assert_eq!(p.latest_extension(date(2026, 5, 16), date(2026, 4, 1)), date(2026, 6, 30));
        // Received Friday 2026-04-24: ten US business days, not Japanese ones (not 05-14).
        assert_eq!(p.acknowledge_by(date(2026, 4, 24)), Some(date(2026, 5, 8)));
        assert_eq!(policy(Profile::Appi).acknowledge_by(date(2026, 4, 24)), None);
    }

    #[test]
    fn custom_business_days_skip_golden_week_and_the_new_year() {
        let p = policy(Profile::Custom { days: 10, business: true });
        assert_eq!(p.due_on(date(2026, 4, 24)), date(2026, 5, 14));
        assert_eq!(p.due_on(date(2026, 12, 25)), date(2027, 1, 15));
        let c = policy(Profile::Custom { days: 30, business: false });
        assert_eq!(c.due_on(date(2026, 4, 1)), date(2026, 5, 1));
    }

    #[test]
    fn pauses_move_calendar_or_business_days_and_a_same_day_pause_moves_nothing() {
        let appi = policy(Profile::Appi);
        let due = date(2026, 4, 15);
        assert_eq!(appi.resume(due, date(2026, 4, 3), date(2026, 4, 5)), date(2026, 4, 17));
        assert_eq!(appi.resume(due, date(2026, 4, 3), date(2026, 4, 3)), due);
        let biz = policy(Profile::Custom { days: 10, business: true });
        // Paused Thursday 4/30, resumed Thursday 5/7: 5/1 and 5/7 are business days.
        assert_eq!(biz.resume(date(2026, 5, 12), date(2026, 4, 30), date(2026, 5, 7)), date(2026, 5, 14));
    }

    #[test]
    fn the_pause_setting_turns_pauses_off() {
        let p = Policy { pause: false, ..policy(Profile::Appi) };
        assert!(!p.pauses_for(&asks(&[Ask::Fee])));
    }

    #[test]
    fn profiles_parse_from_their_codes() {
        for p in [Profile::Appi, Profile::Gdpr, Profile::Ccpa, Profile::Custom { days: 20, business: true }] {
            assert_eq!(Profile::parse(&p.code()), Some(p));
        }
        for bad in ["", "custom", "custom:0:calendar", "custom:10:weeks", "hipaa"] {
            assert_eq!(Profile::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_two_weeks_of_art_39_end_on_arrival_plus_14_and_a_suit_is_possible_from_plus_15() {
        let a = art39(super::super::RequestKind::Disclosure, date(2026, 4, 1)).expect("covered");
        assert_eq!((a.ends_on, a.suit_from), (date(2026, 4, 15), date(2026, 4, 16)));
    }

    #[test]
    fn art_39_covers_disclosure_correction_and_stopping_not_purpose_notices_or_complaints() {
        use super::super::RequestKind as K;
        let d = date(2026, 4, 1);
        for k in [K::Disclosure, K::ProvisionRecord, K::Correction, K::Suspension, K::StopProvision] {
            assert!(art39(k, d).is_some(), "{k}");
        }
        assert_eq!(art39(K::PurposeNotice, d), None);
        assert_eq!(art39(K::Complaint, d), None);
    }

    #[test]
    fn gdpr_extension_is_capped_at_receipt_plus_three_months_art_12() {
        let p = policy(Profile::Gdpr);
        // Clock started late (at identity): the cap is still receipt + 3 months.
        assert_eq!(p.latest_extension(date(2026, 3, 10), date(2026, 1, 15)), date(2026, 4, 15));
        assert_eq!(p.latest_extension(date(2026, 2, 15), date(2026, 1, 15)), date(2026, 4, 15));
        assert!(p.extends_only_before_first_due() && !p.charges_fees());
    }

    #[test]
    fn ccpa_allows_one_extension_to_ninety_days_and_no_fee_1798_130() {
        let p = policy(Profile::Ccpa);
        assert_eq!(p.max_extensions(), Some(1));
        assert_eq!(p.latest_extension(date(2026, 5, 16), date(2026, 4, 1)), date(2026, 6, 30));
        assert!(!p.charges_fees());
        assert!(policy(Profile::Appi).charges_fees() && policy(Profile::Appi).max_extensions().is_none());
    }
}
