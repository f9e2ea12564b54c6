//! The data inventory's rules (DESIGN.md §4 "Data inventory and fulfilment
//! tasks"): which systems a case must search, when each search is due, when
//! open searches stop a case from closing, and how long a record of
//! provision to or receipt from a third party is kept (APPI Arts. 29–30).

use jiff::ToSpan;
use jiff::civil::Date;
use unicode_normalization::UnicodeNormalization;

use super::calendar::Calendar;
use super::input::{FieldError, line_problem, parse_date, text_problem, too_long};
use super::{DomainError, Msg, Outcome, RequestKind, State};

codes! {
    /// Where a fulfilment task stands.
    TaskStatus "task-status" {
        Open = "open";
        Done = "done";
        NotApplicable = "not_applicable";
    }
}

codes! {
    /// A record of provision to a third party (Art. 29) or of receipt from one (Art. 30).
    Direction "direction" {
        Provided = "provided";
        Received = "received";
    }
}

codes! {
    /// The ground the provision rests on: the person's consent (Art. 27(1))
    /// or the opt-out route notified to the Commission (Art. 27(2)).
    Basis "basis" {
        Consent = "consent";
        OptOut = "opt_out";
    }
}

codes! {
    /// How the record was made (Enforcement Rules Arts. 19–20, 23–24): for
    /// each provision, in bulk for continuing provisions, or in the contract
    /// with the person for goods or services supplied to them.
    RecordForm "record-form" {
        Each = "each";
        Bulk = "bulk";
        Contract = "contract";
    }
}

/// The longest name of a system, and of a free-text field of the inventory.
pub const NAME_MAX: usize = 100;
pub const TEXT_MAX: usize = 2000;

/// Whether a system listed for `kinds` must be searched for a case of `kind`.
pub fn applies(kinds: &[RequestKind], kind: RequestKind) -> bool {
    kinds.contains(&kind)
}

/// A task's due date: `days_before` business days before the case's due date
/// (none while the case has none: its clock has not started).
pub fn task_due(case_due: Option<Date>, days_before: i64, calendar: &Calendar) -> Option<Date> {
    let due = case_due?;
    let mut d = due;
    let mut left = days_before;
    while left > 0 {
        d = d.saturating_sub(1.day());
        if calendar.is_business_day(d) {
            left -= 1;
        }
    }
    Some(d)
}

/// Answering "granted" says every place was searched (Art. 33(1): disclose
/// the retained data; Art. 34–35: act on it): not while a system's search
/// is open. Other outcomes (refused, no data, withdrawn) do not claim it.
pub fn close_allowed(outcome: Outcome, open_systems: &[String]) -> Result<(), DomainError> {
    if outcome.is_granting() && !open_systems.is_empty() {
        return Err(DomainError::Illegal(Msg::new("tasks-still-open").text("systems", open_systems.join("、"))));
    }
    Ok(())
}

/// Checks a change of a task: only while its case is worked (received,
/// not closed), a status that is one of the codes, a reason for "not
/// applicable", and a note that fits.
pub fn check_task_change(state: State, status: &str, note: &str) -> Result<TaskStatus, DomainError> {
    if !state.is_open() || state == State::Unconfirmed {
        return Err(DomainError::Illegal(Msg::new("tasks-change-only-while-open")));
    }
    let Ok(status) = status.parse::<TaskStatus>() else {
        return Err(DomainError::Invalid { field: "status", msg: Msg::new("choose-one-of-the-options") });
    };
    if let Some(msg) = text_problem(note) {
        return Err(DomainError::Invalid { field: "note", msg });
    }
    if note.chars().count() > TEXT_MAX {
        return Err(DomainError::Invalid { field: "note", msg: too_long(TEXT_MAX) });
    }
    if status == TaskStatus::NotApplicable && note.trim().is_empty() {
        return Err(DomainError::Invalid { field: "note", msg: Msg::new("task-not-applicable-needs-a-note") });
    }
    Ok(status)
}

/// Whether a system's location is outside Japan: what the person is told
/// of it is Art. 28 information (the country, its regime, the measures).
pub fn is_abroad(location: &str) -> bool {
    location != "JP"
}

/// A country code as entered (`jp`, `ＪＰ`, ` US `) in its stored form, or
/// `None` when it is not two letters.
pub fn country_code(s: &str) -> Option<String> {
    let code: String = s.nfkc().collect::<String>().trim().to_ascii_uppercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// A person's name folded for matching records: NFKC, without spaces
/// (full-width ones included), lower case.
pub fn name_key(name: &str) -> String {
    name.nfkc().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// The last day a record is kept (Enforcement Rules Art. 21 for provision,
/// Art. 25 for receipt): one year for records kept in the contract with the
/// person, three otherwise (both a setting), counted from the provision.
pub fn keep_until(on: Date, form: RecordForm, contract_years: i64, other_years: i64) -> Date {
    let years = if form == RecordForm::Contract { contract_years } else { other_years };
    on.saturating_add(years.years())
}

/// A one-line field of the inventory's forms, folded (NFKC, trimmed) and
/// checked: filled in when `required`, no line breaks or controls, at most
/// `max` characters; a problem goes to `errors` under `field`.
pub fn line_field(
    field: &'static str,
    value: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = value.nfkc().collect::<String>().trim().to_owned();
    check_field(field, v, required, line_problem, max, errors)
}

/// A free-text field of the inventory's forms, folded (NFKC, trimmed, line
/// breaks as `\n`) and checked: filled in when `required`, no controls, at
/// most `TEXT_MAX` characters.
pub fn text_field(field: &'static str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let v = value.nfkc().collect::<String>().trim().replace("\r\n", "\n").replace('\r', "\n");
    check_field(field, v, required, text_problem, TEXT_MAX, errors)
}

/// The checks both kinds of field share, on the folded value: filled in when
/// `required`, then `problem`, then at most `max` characters (the first
/// problem found goes to `errors`).
fn check_field(
    field: &'static str,
    v: String,
    required: bool,
    problem: fn(&str) -> Option<Msg>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    if required && v.is_empty() {
        errors.push(FieldError { field, msg: Msg::new("please-fill-this-in") });
    } else if let Some(msg) = problem(&v) {
        errors.push(FieldError { field, msg });
    } else if v.chars().count() > max {
        errors.push(FieldError { field, msg: too_long(max) });
    }
    v
}

/// A record of provision or receipt as a form carries it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProvisionForm {
    pub direction: String,
    pub on_date: String,
    pub counterparty: String,
    pub counterparty_address: String,
    pub subject: String,
    pub subject_birth_date: String,
    pub items: String,
    pub basis: String,
    pub source_obtained: String,
    pub record_form: String,
}

/// A record of provision or receipt, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    pub direction: Direction,
    pub on_date: Date,
    pub counterparty: String,
    pub counterparty_address: String,
    pub subject: String,
    pub subject_birth_date: Option<Date>,
    pub items: String,
    pub basis: Basis,
    pub source_obtained: String,
    pub record_form: RecordForm,
}

/// Checks a record: every field a record must carry (Enforcement Rules
/// Art. 20 for provision, Art. 24 for receipt, where how the source
/// obtained the data is required), one message per field.
pub fn parse_provision(form: &ProvisionForm, today: Date) -> Result<Provision, Vec<FieldError>> {
    let mut errors = Vec::new();
    let n = |s: &str| s.nfkc().collect::<String>().trim().to_owned();
    let counterparty = line_field("counterparty", &form.counterparty, true, 200, &mut errors);
    let counterparty_address = line_field("counterparty_address", &form.counterparty_address, false, 300, &mut errors);
    let subject = line_field("subject", &form.subject, true, 200, &mut errors);
    let items = text_field("items", &form.items, true, &mut errors);
    let direction = form.direction.parse::<Direction>().ok();
    let source_obtained =
        text_field("source_obtained", &form.source_obtained, direction == Some(Direction::Received), &mut errors);
    if direction.is_none() {
        errors.push(FieldError { field: "direction", msg: Msg::new("choose-one-of-the-options") });
    }
    let on_date = match parse_date(&n(&form.on_date)) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            errors.push(FieldError { field: "on_date", msg: Msg::new("the-date-cannot-be-in-the") });
            None
        }
        None => {
            errors.push(FieldError { field: "on_date", msg: Msg::new("enter-the-date-as-yyyy-mm") });
            None
        }
    };
    let birth = n(&form.subject_birth_date);
    let subject_birth_date = if birth.is_empty() {
        None
    } else {
        match parse_date(&birth) {
            Some(d) if d <= today => Some(d),
            _ => {
                errors.push(FieldError { field: "subject_birth_date", msg: Msg::new("enter-a-real-date-of-birth") });
                None
            }
        }
    };
    let basis = form.basis.parse::<Basis>().ok();
    if basis.is_none() {
        errors.push(FieldError { field: "basis", msg: Msg::new("choose-one-of-the-options") });
    }
    let record_form = form.record_form.parse::<RecordForm>().ok();
    if record_form.is_none() {
        errors.push(FieldError { field: "record_form", msg: Msg::new("choose-one-of-the-options") });
    }
    match (direction, on_date, basis, record_form) {
        (Some(direction), Some(on_date), Some(basis), Some(record_form)) if errors.is_empty() => Ok(Provision {
            direction,
            on_date,
            counterparty,
            counterparty_address,
            subject,
            subject_birth_date,
            items,
            basis,
            source_obtained,
            record_form,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::domain::calendar::Calendar;

    fn calendar() -> Calendar {
        Calendar::default()
    }

    #[test]
    fn a_system_is_searched_only_for_the_kinds_it_lists() {
        let kinds = [RequestKind::Disclosure, RequestKind::Suspension];
        assert!(applies(&kinds, RequestKind::Disclosure));
        assert!(!applies(&kinds, RequestKind::Complaint));
        assert!(!applies(&[], RequestKind::Disclosure));
    }

    #[test]
    fn a_task_is_due_business_days_before_its_case() {
        // Due Monday 2026-12-14: three business days before is Wednesday the 9th.
        assert_eq!(task_due(Some(date(2026, 12, 14)), 3, &calendar()), Some(date(2026, 12, 9)));
        // Over a weekend and a holiday: due Tuesday 2027-01-12 (the 11th is 成人の日).
        assert_eq!(task_due(Some(date(2027, 1, 12)), 1, &calendar()), Some(date(2027, 1, 8)));
        assert_eq!(task_due(Some(date(2026, 12, 14)), 0, &calendar()), Some(date(2026, 12, 14)));
        assert_eq!(task_due(None, 3, &calendar()), None, "no clock, no due date");
    }

    #[test]
    fn granting_with_a_system_unsearched_is_refused_art_33() {
        let open = vec!["顧客管理システム".to_owned(), "通話録音".to_owned()];
        let err = close_allowed(Outcome::Granted, &open).unwrap_err();
        let DomainError::Illegal(msg) = err else { panic!("an illegal move") };
        assert_eq!(msg.id, "tasks-still-open");
        assert!(format!("{:?}", msg.args).contains("顧客管理システム、通話録音"));
        assert!(close_allowed(Outcome::PartiallyGranted, &open).is_err());
        assert!(close_allowed(Outcome::Refused, &open).is_ok(), "a refusal does not claim a search");
        assert!(close_allowed(Outcome::NoData, &open).is_ok());
        assert!(close_allowed(Outcome::Granted, &[]).is_ok());
    }

    #[test]
    fn a_task_changes_only_while_its_case_is_worked() {
        assert!(check_task_change(State::Closed, "done", "").is_err());
        assert!(check_task_change(State::Unconfirmed, "done", "").is_err());
        assert_eq!(check_task_change(State::InProgress, "done", ""), Ok(TaskStatus::Done));
        assert_eq!(check_task_change(State::AwaitingRequester, "open", ""), Ok(TaskStatus::Open));
        assert!(matches!(
            check_task_change(State::InProgress, "finished", ""),
            Err(DomainError::Invalid { field: "status", .. })
        ));
    }

    #[test]
    fn not_applicable_needs_a_reason() {
        assert!(matches!(
            check_task_change(State::InProgress, "not_applicable", "  "),
            Err(DomainError::Invalid { field: "note", .. })
        ));
        assert_eq!(
            check_task_change(State::InProgress, "not_applicable", "2023年以前の録音のみ"),
            Ok(TaskStatus::NotApplicable)
        );
        assert!(check_task_change(State::InProgress, "done", "a\u{0}b").is_err());
    }

    #[test]
    fn countries_are_two_letters_and_japan_is_home_art_28() {
        assert_eq!(country_code(" ｊｐ "), Some("JP".to_owned()));
        assert_eq!(country_code("us"), Some("US".to_owned()));
        assert_eq!(country_code("Japan"), None);
        assert_eq!(country_code("J1"), None);
        assert!(!is_abroad("JP"));
        assert!(is_abroad("SG"));
    }

    #[test]
    fn names_match_without_spaces_or_width() {
        assert_eq!(name_key("山田　太郎"), name_key("山田太郎"));
        assert_eq!(name_key("ﾔﾏﾀﾞ ﾀﾛｳ"), name_key("ヤマダタロウ"));
        assert_eq!(name_key("Taro YAMADA"), "taroyamada");
    }

    #[test]
    fn records_are_kept_one_or_three_years_art_29() {
        let on = date(2026, 4, 1);
        assert_eq!(keep_until(on, RecordForm::Contract, 1, 3), date(2027, 4, 1));
        assert_eq!(keep_until(on, RecordForm::Each, 1, 3), date(2029, 4, 1));
        assert_eq!(keep_until(on, RecordForm::Bulk, 1, 3), date(2029, 4, 1));
    }

    fn form() -> ProvisionForm {
        ProvisionForm {
            direction: "received".into(),
            on_date: "2026-04-01".into(),
            counterparty: "株式会社データ".into(),
            counterparty_address: "東京都港区1-1".into(),
            subject: "山田　太郎".into(),
            subject_birth_date: "1980-01-02".into(),
            items: "氏名、住所、購入履歴".into(),
            basis: "consent".into(),
            source_obtained: "会員登録時に本人から取得".into(),
            record_form: "each".into(),
        }
    }

    #[test]
    fn a_receipt_records_how_the_source_obtained_the_data_art_30() {
        let today = date(2026, 12, 1);
        assert!(parse_provision(&form(), today).is_ok());
        let without = ProvisionForm { source_obtained: " ".into(), ..form() };
        let errors = parse_provision(&without, today).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), ["source_obtained"]);
        // A provision to a third party does not ask it.
        let provided = ProvisionForm { direction: "provided".into(), ..without };
        assert!(parse_provision(&provided, today).is_ok());
    }

    #[test]
    fn a_record_names_the_recipient_the_person_the_items_and_the_basis_art_29() {
        let today = date(2026, 12, 1);
        let empty = ProvisionForm::default();
        let errors = parse_provision(&empty, today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        for f in ["counterparty", "subject", "items", "direction", "on_date", "basis", "record_form"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        let future = ProvisionForm { on_date: "2027-01-01".into(), ..form() };
        assert_eq!(parse_provision(&future, today).unwrap_err()[0].field, "on_date");
        let p = parse_provision(&form(), today).unwrap();
        assert_eq!(p.subject, "山田 太郎", "NFKC turns the full-width space into a space");
        assert_eq!(p.subject_birth_date, Some(date(1980, 1, 2)));
    }
}
