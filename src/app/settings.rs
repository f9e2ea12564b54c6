//! Business settings (DESIGN.md §7): kept in the database, edited by admins.

use super::store::{self, Store};
use crate::domain::calendar::{Calendar, DEFAULT_CLOSURES, parse_closures};
use crate::domain::deadline::{Policy, Profile};
use crate::domain::fees::FeeSchedule;
use crate::domain::{Delivery, Msg, RequestKind};
use crate::i18n::grouped;

use super::AppError;

/// How a setting is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text {
        required: bool,
        multiline: bool,
    },
    Int {
        min: i64,
        max: i64,
        unit: Unit,
    },
    /// `yes` or `no`.
    Flag,
    /// One of the codes.
    Choice(&'static [&'static str]),
    /// Closure days, one per line (`MM-DD` or `YYYY-MM-DD`, a range with `..`).
    Closures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    BusinessDays,
    Bytes,
    Count,
}

/// Which page edits a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `/admin/settings`
    Admin,
    /// `/staff/deadlines`
    Deadlines,
}

/// One business setting: its key, its default, how it is entered and
/// checked, and where. Its label and what it changes are the catalogue's
/// `setting-<key>` and `setting-<key>-effect`. This table is the one place
/// defaults live.
pub struct SettingDef {
    pub key: &'static str,
    pub default: &'static str,
    pub kind: Kind,
    pub screen: Screen,
}

impl SettingDef {
    pub fn label(&self, lang: crate::domain::Lang) -> &'static str {
        lang.t(&format!("setting-{}", self.key))
    }

    pub fn effect(&self, lang: crate::domain::Lang) -> &'static str {
        lang.t(&format!("setting-{}-effect", self.key))
    }

    pub fn multiline(&self) -> bool {
        matches!(self.kind, Kind::Text { multiline: true, .. } | Kind::Closures)
    }

    /// Checks a submitted value; the message for a bad one.
    pub fn validate(&self, value: &str) -> Result<(), Msg> {
        match self.kind {
            Kind::Text { required, .. } => {
                if required && value.trim().is_empty() {
                    return Err(Msg::new("please-fill-this-in"));
                }
                if value.chars().count() > 1000 {
                    return Err(crate::domain::input::too_long(1000));
                }
            }
            Kind::Int { min, max, unit } => {
                if !value.trim().parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
                    let id = match unit {
                        Unit::Days => "setting-range-days",
                        Unit::BusinessDays => "setting-range-business-days",
                        Unit::Bytes => "setting-range-bytes",
                        Unit::Count => "setting-range",
                    };
                    return Err(Msg::new(id).text("min", grouped(min)).text("max", grouped(max)));
                }
            }
            Kind::Flag => {
                if value != "yes" && value != "no" {
                    return Err(Msg::new("choose-yes-or-no"));
                }
            }
            Kind::Choice(codes) => {
                if !codes.contains(&value) {
                    return Err(Msg::new("choose-one-of-the-options"));
                }
            }
            Kind::Closures => {
                if let Err(line) = parse_closures(value) {
                    return Err(Msg::new("closure-line-unreadable").text("line", line));
                }
            }
        }
        Ok(())
    }
}

const HARD_MAX_BYTES: i64 = super::documents::HARD_MAX_BYTES as i64;

macro_rules! defs {
    ($($screen:ident $key:literal = $default:expr, $kind:expr;)+) => {
        pub const SETTINGS: &[SettingDef] = &[$(SettingDef { key: $key, default: $default, kind: $kind, screen: Screen::$screen },)+];
    };
}

defs! {
    Admin "org_name" = "株式会社サンプル", Kind::Text { required: true, multiline: false };
    Admin "org_address" = "〒100-0001 東京都千代田区千代田1-1", Kind::Text { required: false, multiline: false };
    Admin "org_representative" = "代表取締役 山田 一郎", Kind::Text { required: false, multiline: false };
    Admin "privacy_officer" = "個人情報保護管理者", Kind::Text { required: false, multiline: false };
    Admin "window_hours" = "平日 10:00〜17:00（土日祝・年末年始を除く）", Kind::Text { required: false, multiline: false };
    Admin "window_phone" = "03-0000-0000", Kind::Text { required: false, multiline: false };
    Admin "window_email" = "privacy@example.jp", Kind::Text { required: false, multiline: false };
    Admin "accredited_body" = "", Kind::Text { required: false, multiline: false };
    Admin "accredited_body_contact" = "", Kind::Text { required: false, multiline: false };
    Admin "supervisory_authority" = "", Kind::Text { required: false, multiline: true };
    Admin "safety_measures" = "・基本方針の策定：個人データの適正な取扱いの確保のため、基本方針を定めています。\n・規律の整備：取得・利用・保存・提供・削除等の段階ごとに取扱規程を定めています。\n・組織的安全管理措置：責任者を置き、取扱状況を定期的に点検しています。\n・人的安全管理措置：従業者に定期的な研修を行っています。\n・物理的安全管理措置：取扱区域への入退室を管理し、機器や書類の盗難を防いでいます。\n・技術的安全管理措置：アクセス制御を行い、不正アクセスから保護しています。\n・外的環境の把握：外国で個人データを取り扱う場合は、その国の制度を把握したうえで措置を講じています。", Kind::Text { required: false, multiline: true };
    Admin "complaint_bodies" = "", Kind::Text { required: false, multiline: true };
    Admin "purposes_of_use" = "1. 商品・サービスの提供、ご注文の確認およびお届けのため\n2. お問い合わせへの回答のため\n3. 新商品・サービスのご案内のため（ご同意いただいた方に限ります）\n4. サービスの改善および統計資料の作成のため（個人を特定しない形に加工します）", Kind::Text { required: false, multiline: true };
    Admin "result_max_bytes" = "20971520", Kind::Int { min: 1024, max: HARD_MAX_BYTES, unit: Unit::Bytes };
    Admin "result_days" = "30", Kind::Int { min: 1, max: 365, unit: Unit::Days };
    Admin "status_link_days" = "90", Kind::Int { min: 1, max: 3650, unit: Unit::Days };
    Admin "session_idle_minutes" = "30", Kind::Int { min: 5, max: 480, unit: Unit::Count };
    Admin "session_max_hours" = "12", Kind::Int { min: 1, max: 72, unit: Unit::Count };
    Admin "require_totp" = "no", Kind::Flag;
    Admin "access_log_days" = "1095", Kind::Int { min: 30, max: 3650, unit: Unit::Days };
    Admin "case_retention_years" = "3", Kind::Int { min: 1, max: 30, unit: Unit::Count };
    Admin "repeat_window_days" = "90", Kind::Int { min: 0, max: 3650, unit: Unit::Days };
    Admin "payment_instructions" = "定額小為替を上記住所宛てにご郵送いただくか、窓口で現金でお支払いください。", Kind::Text { required: false, multiline: true };
    Admin "fee_pay_days" = "14", Kind::Int { min: 1, max: 90, unit: Unit::Days };
    Admin "fee_reminder_days" = "3", Kind::Int { min: 0, max: 30, unit: Unit::Days };
    Admin "document_max_bytes" = "10485760", Kind::Int { min: 1024, max: HARD_MAX_BYTES, unit: Unit::Bytes };
    Admin "document_max_count" = "10", Kind::Int { min: 1, max: 50, unit: Unit::Count };
    Admin "document_retention_days" = "30", Kind::Int { min: 1, max: 365, unit: Unit::Days };
    Admin "identity_ask_days" = "30", Kind::Int { min: 1, max: 365, unit: Unit::Days };
    Admin "signoff_required" = "yes", Kind::Flag;
    Admin "api_rate_per_minute" = "600", Kind::Int { min: 1, max: 100_000, unit: Unit::Count };
    Admin "webhooks_allow_private" = "no", Kind::Flag;
    Admin "task_days_before_due" = "3", Kind::Int { min: 0, max: 30, unit: Unit::BusinessDays };
    Admin "provision_contract_years" = "1", Kind::Int { min: 1, max: 10, unit: Unit::Count };
    Admin "provision_other_years" = "3", Kind::Int { min: 1, max: 10, unit: Unit::Count };
    Deadlines "deadline_clock_start" = "received", Kind::Choice(&["received", "identity_verified"]);
    Deadlines "deadline_pause" = "yes", Kind::Flag;
    Deadlines "deadline_escalation" = "yes", Kind::Flag;
    Deadlines "deadline_max_extension_days" = "30", Kind::Int { min: 1, max: 365, unit: Unit::Days };
    Deadlines "deadline_reminder_days" = "3", Kind::Int { min: 0, max: 30, unit: Unit::BusinessDays };
    Deadlines "closure_days" = DEFAULT_CLOSURES, Kind::Closures;
}

/// The declaration of a setting.
pub fn def(key: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.key == key)
}

/// The settings as the application reads them: stored values over the
/// declared defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    values: Vec<(String, String)>,
}

tokio::task_local! {
    /// The settings of the request being served, loaded at most once.
    static REQUEST: std::sync::Mutex<Option<std::sync::Arc<Settings>>>;
}

/// Runs a request with its own settings cache: the first read loads them,
/// later reads in the same request reuse them (web/mod.rs wraps every
/// request in this).
pub async fn per_request<F: std::future::Future>(fut: F) -> F::Output {
    REQUEST.scope(std::sync::Mutex::new(None), fut).await
}

impl Settings {
    pub async fn load(store: &Store) -> Result<Settings, AppError> {
        let cached = REQUEST.try_with(|c| c.lock().ok().and_then(|c| c.clone())).ok().flatten();
        if let Some(s) = cached {
            return Ok((*s).clone());
        }
        let loaded = Settings { values: store::all_settings(store).await? };
        let _ = REQUEST.try_with(|c| {
            if let Ok(mut c) = c.lock() {
                *c = Some(std::sync::Arc::new(loaded.clone()));
            }
        });
        Ok(loaded)
    }

    /// Forgets the request's settings (after they were saved).
    fn forget() {
        let _ = REQUEST.try_with(|c| {
            if let Ok(mut c) = c.lock() {
                *c = None;
            }
        });
    }

    fn stored(&self, key: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A setting's text: the stored value, else its declared default.
    pub fn get(&self, key: &str) -> &str {
        self.stored(key).or_else(|| def(key).map(|d| d.default)).unwrap_or("")
    }

    /// A number setting: a stored value outside its declared range (or not a
    /// number) gives way to the default.
    fn int(&self, key: &str) -> i64 {
        let Some(d) = def(key) else { return 0 };
        self.stored(key)
            .filter(|v| d.validate(v).is_ok())
            .and_then(|v| v.trim().parse().ok())
            .or_else(|| d.default.parse().ok())
            .unwrap_or(0)
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key) != "no"
    }

    pub fn org_name(&self) -> &str {
        self.get("org_name")
    }

    pub fn signoff_required(&self) -> bool {
        self.flag("signoff_required")
    }

    /// The fee schedule (APPI Art. 38: purpose notices and disclosures only).
    pub fn schedule(&self) -> FeeSchedule {
        FeeSchedule::from_settings(|k| self.stored(k))
    }

    /// The scheduled fee of a request, if one is charged.
    pub fn fee_for(&self, kind: RequestKind, delivery: Option<Delivery>) -> Option<i64> {
        self.schedule().amount(kind, delivery)
    }

    /// The closure days as entered.
    pub fn closure_days(&self) -> &str {
        self.get("closure_days")
    }

    /// The organisation's calendar: holidays plus its closure days.
    pub fn calendar(&self) -> Calendar {
        Calendar { closures: parse_closures(self.closure_days()).unwrap_or_default() }
    }

    /// The deadline profile new requests of `kind` get.
    pub fn profile_for(&self, kind: RequestKind) -> Profile {
        Profile::parse(self.get(&format!("deadline_profile_{}", kind.code()))).unwrap_or(Profile::Appi)
    }

    /// A profile with the organisation's deadline settings.
    pub fn policy(&self, profile: Profile) -> Policy {
        Policy {
            profile,
            pause: self.flag("deadline_pause"),
            // CCPA: 45 days from receipt whatever the time verification takes (Regs §7021(b)).
            start_on_identity: profile != Profile::Ccpa && self.get("deadline_clock_start") == "identity_verified",
            max_extension_days: self.int("deadline_max_extension_days"),
            calendar: self.calendar(),
        }
    }

    /// Business days before the due date when the assignee is reminded.
    pub fn due_reminder_days(&self) -> i64 {
        self.int("deadline_reminder_days")
    }

    /// Whether managers hear of cases that become overdue.
    pub fn escalation(&self) -> bool {
        self.flag("deadline_escalation")
    }

    pub fn document_max_bytes(&self) -> i64 {
        self.int("document_max_bytes")
    }

    pub fn document_max_count(&self) -> i64 {
        self.int("document_max_count")
    }

    pub fn document_retention_days(&self) -> i64 {
        self.int("document_retention_days")
    }

    pub fn identity_ask_days(&self) -> i64 {
        self.int("identity_ask_days")
    }

    pub fn fee_pay_days(&self) -> i64 {
        self.int("fee_pay_days")
    }

    pub fn fee_reminder_days(&self) -> i64 {
        self.int("fee_reminder_days")
    }

    pub fn result_max_bytes(&self) -> i64 {
        self.int("result_max_bytes")
    }

    /// Days after closing during which results can be downloaded.
    /// The last day a status link works for a case closed on `closed_on`
    /// (or whose link was sent again on `sent_on`, if later).
    pub fn status_link_until(
        &self,
        closed_on: jiff::civil::Date,
        sent_on: Option<jiff::civil::Date>,
    ) -> jiff::civil::Date {
        let from = sent_on.map_or(closed_on, |s| s.max(closed_on));
        from.saturating_add(jiff::ToSpan::days(self.int("status_link_days")))
    }

    pub fn session_idle_minutes(&self) -> i64 {
        self.int("session_idle_minutes")
    }

    pub fn session_max_hours(&self) -> i64 {
        self.int("session_max_hours")
    }

    pub fn require_totp(&self) -> bool {
        self.get("require_totp") == "yes"
    }

    pub fn access_log_days(&self) -> i64 {
        self.int("access_log_days")
    }

    /// Requests a minute one API token may make (DESIGN.md §4 "JSON API").
    pub fn api_rate_per_minute(&self) -> u32 {
        u32::try_from(self.int("api_rate_per_minute")).unwrap_or(600).max(1)
    }

    /// Whether webhooks may go to loopback and private addresses (SSRF guard off).
    pub fn webhooks_allow_private(&self) -> bool {
        self.get("webhooks_allow_private") == "yes"
    }

    pub fn case_retention_years(&self) -> i64 {
        self.int("case_retention_years")
    }

    pub fn status_link_days(&self) -> i64 {
        self.int("status_link_days")
    }

    pub fn result_days(&self) -> i64 {
        self.int("result_days")
    }

    /// The last day the results of a case closed on `closed_on` can be
    /// downloaded; the day after, the retention job destroys them.
    pub fn results_until(&self, closed_on: jiff::civil::Date) -> jiff::civil::Date {
        closed_on.saturating_add(jiff::ToSpan::days(self.result_days()))
    }

    /// Days back in which an earlier request of the same person and kind flags a repeat (0: off).
    /// How many business days before its case a search of the inventory is due.
    pub fn task_days_before_due(&self) -> i64 {
        self.int("task_days_before_due")
    }

    /// How long records of provision and receipt are kept (Enforcement
    /// Rules Arts. 21, 25): in a contract with the person, and otherwise.
    pub fn provision_years(&self) -> (i64, i64) {
        (self.int("provision_contract_years"), self.int("provision_other_years"))
    }

    pub fn repeat_window_days(&self) -> i64 {
        self.int("repeat_window_days")
    }
}

/// Writes settings that were validated, in one transaction.
pub async fn save(app: &super::App, values: &[(String, String)]) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    for (key, value) in values {
        store::put_setting(&mut tx, key, value).await?;
    }
    tx.commit().await?;
    Settings::forget();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_its_own_check() {
        for d in SETTINGS {
            assert!(d.validate(d.default).is_ok(), "{}", d.key);
        }
    }

    #[test]
    fn a_range_message_names_the_declared_bounds() {
        let err = def("document_max_bytes").expect("declared").validate("12").expect_err("too small");
        let text = err.get(crate::domain::Lang::JA);
        assert!(text.contains("1,024") && text.contains("31,457,280"), "{text}");
    }

    #[test]
    fn ccpa_counts_from_receipt_whatever_the_clock_start_setting_7021() {
        use crate::domain::deadline::DeadlinePolicy;
        let s = Settings { values: vec![("deadline_clock_start".into(), "identity_verified".into())] };
        assert!(s.policy(Profile::Appi).starts_on_identity());
        assert!(s.policy(Profile::Gdpr).starts_on_identity());
        assert!(!s.policy(Profile::Ccpa).starts_on_identity());
    }

    #[test]
    fn results_can_be_downloaded_through_their_last_day() {
        let s = Settings { values: vec![("result_days".into(), "30".into())] };
        assert_eq!(s.results_until(jiff::civil::date(2026, 4, 10)), jiff::civil::date(2026, 5, 10));
    }

    #[test]
    fn a_stored_value_out_of_range_gives_way_to_the_default() {
        let s =
            Settings { values: vec![("fee_pay_days".into(), "900".into()), ("document_max_count".into(), "7".into())] };
        assert_eq!(s.fee_pay_days(), 14);
        assert_eq!(s.document_max_count(), 7);
        assert_eq!(s.identity_ask_days(), 30);
    }
}
