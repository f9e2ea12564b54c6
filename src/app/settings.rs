//! Business settings (DESIGN.md §7): kept in the database, edited by admins.

use super::store::{self, Store};
use crate::domain::calendar::{Calendar, DEFAULT_CLOSURES, parse_closures};
use crate::domain::deadline::{Policy, Profile};
use crate::domain::fees::FeeSchedule;
use crate::domain::{Delivery, RequestKind};

use super::AppError;

/// One editable setting: its key, its labels and what it changes.
pub struct SettingDef {
    pub key: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    pub effect_ja: &'static str,
    pub effect_en: &'static str,
    pub default: &'static str,
    pub multiline: bool,
}

macro_rules! defs {
    ($($key:literal, $ja:literal, $en:literal, $eja:literal, $een:literal, $default:literal, $ml:literal;)+) => {
        pub const SETTINGS: &[SettingDef] = &[$(SettingDef {
            key: $key, label_ja: $ja, label_en: $en, effect_ja: $eja, effect_en: $een, default: $default, multiline: $ml,
        },)+];
    };
}

defs! {
    "org_name", "事業者名", "Organisation name", "公開ページ、メール、通知書に表示されます。", "Shown on public pages, e-mails and notices.", "株式会社サンプル", false;
    "org_address", "住所", "Address", "公開ページと通知書に表示され、書類の郵送先になります。", "Shown on public pages and notices; where documents are posted.", "〒100-0001 東京都千代田区千代田1-1", false;
    "org_representative", "代表者", "Representative", "公開ページに表示されます（第32条第1項）。", "Shown on the public page (Art. 32(1)).", "代表取締役 山田 一郎", false;
    "privacy_officer", "個人情報保護管理者", "Privacy officer", "公開ページに表示されます。", "Shown on the public page.", "個人情報保護管理者", false;
    "window_hours", "窓口の受付時間", "Window hours", "公開ページとメールに表示されます。", "Shown on the public page and in e-mails.", "平日 10:00〜17:00（土日祝・年末年始を除く）", false;
    "window_phone", "窓口の電話番号", "Window phone", "公開ページとメールに表示されます。", "Shown on the public page and in e-mails.", "03-0000-0000", false;
    "window_email", "窓口のメールアドレス", "Window e-mail", "公開ページとメールに表示されます。", "Shown on the public page and in e-mails.", "privacy@example.jp", false;
    "accredited_body", "認定個人情報保護団体", "Accredited personal information protection organisation", "空欄なら表示しません。決定通知の苦情申出先に載ります。", "Left empty, nothing is shown; otherwise listed in decisions as a place to complain.", "", false;
    "payment_instructions", "手数料の支払方法の案内", "How to pay the fee", "手数料の請求メールにそのまま載ります。", "Printed as is in fee request e-mails.", "定額小為替を上記住所宛てにご郵送いただくか、窓口で現金でお支払いください。", true;
    "fee_pay_days", "手数料の支払期限（日）", "Days to pay the fee", "請求の日から支払期限までの日数。請求メールに書かれます。", "Days from the fee request to the payment deadline stated in the e-mail.", "14", false;
    "fee_reminder_days", "支払期限の何日前に督促するか", "Remind this many days before the fee deadline", "未納のとき、この日数前に一度だけ督促メールを送ります。", "If the fee is unpaid, one reminder is sent this many days before the deadline.", "3", false;
    "document_max_bytes", "書類1件の上限（バイト）", "Largest document (bytes)", "これを超えるファイルは受け付けません（既定 10MB）。", "Larger files are refused (default 10 MB).", "10485760", false;
    "document_max_count", "1件の請求あたりの書類の上限", "Documents per request", "これを超えると受け付けません（既定 10）。", "More are refused (default 10).", "10", false;
    "document_retention_days", "本人確認書類を保管する日数", "Days identity documents are kept", "確認または完了の後この日数で内容を消去し、確認した記録だけを残します。", "Contents are destroyed this many days after verification or closing; the record of the check stays.", "30", false;
    "identity_ask_days", "本人確認書類を待つ日数", "Days to wait for identity documents", "過ぎると担当者に知らせ、「本人確認ができない」での完了を提案します。", "After this, the assignee is told and closing as identity unverified is proposed.", "30", false;
    "signoff_required", "不対応・一部対応に管理者の承認を要する", "Refusals need a manager", "yes の間、担当者は不対応・一部対応で完了できません。", "While yes, staff cannot close a case as refused or partially granted.", "yes", false;
}

/// The settings as the application reads them.
#[derive(Debug, Clone)]
pub struct Settings {
    values: Vec<(String, String)>,
}

impl Settings {
    pub async fn load(store: &Store) -> Result<Settings, AppError> {
        Ok(Settings { values: store::all_settings(store).await? })
    }

    pub fn get(&self, key: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| SETTINGS.iter().find(|d| d.key == key).map(|d| d.default))
            .unwrap_or("")
    }

    pub fn org_name(&self) -> &str {
        self.get("org_name")
    }

    pub fn signoff_required(&self) -> bool {
        self.get("signoff_required") != "no"
    }

    /// The fee schedule (APPI Art. 38: purpose notices and disclosures only).
    pub fn schedule(&self) -> FeeSchedule {
        FeeSchedule::from_settings(|k| self.values.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()))
    }

    /// The scheduled fee of a request, if one is charged.
    pub fn fee_for(&self, kind: RequestKind, delivery: Option<Delivery>) -> Option<i64> {
        self.schedule().amount(kind, delivery)
    }

    /// The organisation's calendar: holidays plus its closure days.
    pub fn calendar(&self) -> Calendar {
        let text =
            self.values.iter().find(|(k, _)| k == "closure_days").map(|(_, v)| v.as_str()).unwrap_or(DEFAULT_CLOSURES);
        Calendar { closures: parse_closures(text).unwrap_or_default() }
    }

    /// The deadline profile new requests of `kind` get.
    pub fn profile_for(&self, kind: RequestKind) -> Profile {
        Profile::parse(self.get(&format!("deadline_profile_{}", kind.code()))).unwrap_or(Profile::Appi)
    }

    /// A profile with the organisation's deadline settings.
    pub fn policy(&self, profile: Profile) -> Policy {
        Policy {
            profile,
            pause: self.get("deadline_pause") != "no",
            start_on_identity: self.get("deadline_clock_start") == "identity_verified",
            max_extension_days: self.get("deadline_max_extension_days").parse().unwrap_or(30),
            calendar: self.calendar(),
        }
    }

    /// Business days before the due date when the assignee is reminded.
    pub fn due_reminder_days(&self) -> i64 {
        self.get("deadline_reminder_days").parse().unwrap_or(3)
    }

    /// Whether managers hear of cases that become overdue.
    pub fn escalation(&self) -> bool {
        self.get("deadline_escalation") != "no"
    }

    pub fn document_max_bytes(&self) -> i64 {
        self.get("document_max_bytes").parse().unwrap_or(super::documents::DEFAULT_MAX_BYTES)
    }

    pub fn document_max_count(&self) -> i64 {
        self.get("document_max_count").parse().unwrap_or(super::documents::DEFAULT_MAX_COUNT)
    }

    pub fn document_retention_days(&self) -> i64 {
        self.get("document_retention_days").parse().unwrap_or(30)
    }

    pub fn identity_ask_days(&self) -> i64 {
        self.get("identity_ask_days").parse().unwrap_or(30)
    }

    pub fn fee_pay_days(&self) -> i64 {
        self.get("fee_pay_days").parse().unwrap_or(14)
    }

    pub fn fee_reminder_days(&self) -> i64 {
        self.get("fee_reminder_days").parse().unwrap_or(3)
    }
}

/// Checks one submitted value; returns the message for a bad one.
pub fn validate(key: &str, value: &str) -> Result<(), crate::domain::Msg> {
    use crate::domain::Msg;
    if key == "fee_pay_days" && !value.parse::<i64>().is_ok_and(|n| (1..=90).contains(&n)) {
        return Err(Msg("1〜90 の日数を入力してください。", "Enter a number of days from 1 to 90."));
    }
    if key == "fee_reminder_days" && !value.parse::<i64>().is_ok_and(|n| (0..=30).contains(&n)) {
        return Err(Msg("0〜30 の日数を入力してください。", "Enter a number of days from 0 to 30."));
    }
    let hard_max = i64::try_from(super::documents::HARD_MAX_BYTES).unwrap_or(i64::MAX);
    if key == "document_max_bytes" && !value.parse::<i64>().is_ok_and(|n| (1024..=hard_max).contains(&n)) {
        return Err(Msg("1,024〜31,457,280 バイトで入力してください。", "Enter 1,024 to 31,457,280 bytes."));
    }
    if key == "document_max_count" && !value.parse::<i64>().is_ok_and(|n| (1..=50).contains(&n)) {
        return Err(Msg("1〜50 で入力してください。", "Enter 1 to 50."));
    }
    if matches!(key, "document_retention_days" | "identity_ask_days")
        && !value.parse::<i64>().is_ok_and(|n| (1..=365).contains(&n))
    {
        return Err(Msg("1〜365 の日数を入力してください。", "Enter 1 to 365 days."));
    }
    if key == "signoff_required" && value != "yes" && value != "no" {
        return Err(Msg("yes か no を選んでください。", "Choose yes or no."));
    }
    if key == "org_name" && value.trim().is_empty() {
        return Err(Msg("入力してください。", "Please fill this in."));
    }
    if value.chars().count() > 1000 {
        return Err(Msg("1,000文字以内で入力してください。", "Use at most 1,000 characters."));
    }
    Ok(())
}

/// Writes settings that were validated, in one transaction.
pub async fn save(app: &super::App, values: &[(String, String)]) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    for (key, value) in values {
        store::put_setting(&mut tx, key, value).await?;
    }
    tx.commit().await?;
    Ok(())
}
