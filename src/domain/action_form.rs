//! The staff's action forms (DESIGN.md §4 "Staff"): every field as typed,
//! parsed into a domain command once the case's facts are known.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::input::{DETAILS_MAX, FieldError, parse_date};
use super::{Action, Command, IdentityTarget, Msg};

/// Every field any action may carry; each action reads its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub csrf_token: String,
    pub assignee: String,
    pub body: String,
    pub target: String,
    pub note: String,
    pub method: String,
    pub doc_type: String,
    pub reason: String,
    pub amount: String,
    pub paid_on: String,
    pub payment_ref: String,
    pub days: String,
    pub new_due_on: String,
    pub outcome: String,
    pub reasons: Vec<String>,
    pub explanation: String,
    pub kind: String,
    pub document: String,
    /// The answer itself (close): purposes told, what was corrected, what was sent.
    pub answer: String,
    pub delivery: String,
    pub notice: String,
    pub posted_on: String,
    pub tracking_number: String,
    /// A result file's name for the requester (`attach-result`, multipart).
    pub label: String,
}

impl ActionForm {
    pub fn has_reason(&self, code: &str) -> bool {
        self.reasons.iter().any(|r| r == code)
    }

    /// The stored document a `discard-document` or `remove-result` form names.
    pub fn document_id(&self) -> Option<i64> {
        self.document.trim().parse().ok()
    }

    /// The notice a `mark-posted` form names.
    pub fn notice_id(&self) -> Option<i64> {
        self.notice.trim().parse().ok()
    }
}

fn bad(field: &'static str, id: &'static str) -> FieldError {
    FieldError { field, msg: Msg::new(id) }
}

fn choice<T: std::str::FromStr>(field: &'static str, v: &str) -> Result<T, FieldError> {
    v.trim().parse().map_err(|_| bad(field, "choose-one-of-the-options"))
}

/// Whole yen: digits only (全角 and thousands separators allowed), above zero.
pub fn parse_amount(v: &str) -> Result<i64, FieldError> {
    let s: String = v.nfkc().collect::<String>().trim().trim_end_matches('円').replace([',', '¥', ' '], "");
    if s.is_empty() {
        return Err(bad("amount", "enter-the-amount"));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("amount", "enter-whole-yen-digits-only-e"));
    }
    match s.parse::<i64>() {
        Ok(n) if n > 0 && n <= 10_000_000 => Ok(n),
        Ok(_) => Err(bad("amount", "enter-an-amount-from-1-to")),
        Err(_) => Err(bad("amount", "the-amount-is-too-large")),
    }
}

fn date_field(field: &'static str, v: &str) -> Result<Date, FieldError> {
    parse_date(v.trim()).ok_or_else(|| bad(field, "enter-the-date-as-yyyy-mm"))
}

/// What a command needs from the case and the settings besides the form.
pub struct Facts {
    /// For `discard-document`: the stored document named in the form, and its check.
    pub document: Option<(i64, Option<IdentityTarget>)>,
    pub due_on: Option<Date>,
    pub scheduled: Option<i64>,
    pub pay_by: Date,
}

/// Parses the form of `action` into a command.
pub fn command(action: Action, f: &ActionForm, facts: &Facts) -> Result<Command, FieldError> {
    let (due_on, scheduled) = (facts.due_on, facts.scheduled);
    Ok(match action {
        Action::Assign => Command::Assign {
            assignee: if f.assignee.trim().is_empty() {
                None
            } else {
                Some(f.assignee.trim().parse().map_err(|_| bad("assignee", "choose-a-person"))?)
            },
        },
        Action::Note => Command::AddNote { body: f.body.trim().to_owned() },
        Action::Message => Command::MessageRequester { body: f.body.trim().to_owned() },
        Action::RequestIdentity => {
            Command::RequestIdentity { target: choice("target", &f.target)?, note: f.note.trim().to_owned() }
        }
        Action::VerifyIdentity => Command::VerifyIdentity {
            target: choice("target", &f.target)?,
            method: choice("method", &f.method)?,
            doc_type: if f.doc_type.trim().is_empty() { None } else { Some(choice("doc_type", &f.doc_type)?) },
        },
        Action::FailIdentity => {
            Command::FailIdentity { target: choice("target", &f.target)?, reason: f.reason.trim().to_owned() }
        }
        Action::RequestClarification => Command::RequestClarification { body: f.body.trim().to_owned() },
        Action::RequestFee => Command::RequestFee {
            amount: parse_amount(&f.amount)?,
            scheduled,
            reason: f.reason.trim().to_owned(),
            pay_by: facts.pay_by,
        },
        Action::RecordPayment => Command::RecordPayment {
            amount: parse_amount(&f.amount)?,
            method: choice("method", &f.method)?,
            paid_on: date_field("paid_on", &f.paid_on)?,
            payment_ref: f.payment_ref.trim().chars().take(100).collect(),
        },
        Action::WaiveFee => Command::WaiveFee { reason: f.reason.trim().to_owned() },
        Action::RecordRefund => {
            Command::RecordRefund { amount: parse_amount(&f.amount)?, reason: f.reason.trim().to_owned() }
        }
        Action::Extend => {
            let new_due_on = if !f.new_due_on.trim().is_empty() {
                date_field("new_due_on", &f.new_due_on)?
            } else {
                let days: i64 = f.days.trim().parse().map_err(|_| bad("new_due_on", "enter-the-new-due-date-or"))?;
                if !(1..=366).contains(&days) {
                    return Err(bad("days", "extend-by-1-to-366-days"));
                }
                let due = due_on.ok_or_else(|| bad("days", "there-is-no-due-date-yet"))?;
                due.saturating_add(days.days())
            };
            Command::Extend { new_due_on, reason: f.reason.trim().to_owned() }
        }
        Action::Start => Command::Start,
        Action::Close => Command::Close {
            outcome: choice("outcome", &f.outcome)?,
            reasons: f.reasons.iter().map(|r| choice("reasons", r)).collect::<Result<_, _>>()?,
            explanation: f.explanation.trim().to_owned(),
            answer: f.answer.trim().to_owned(),
        },
        Action::Withdraw => Command::Withdraw { reason: f.reason.trim().to_owned() },
        Action::Reopen => Command::Reopen { reason: f.reason.trim().to_owned() },
        Action::ChangeKind => {
            Command::ChangeKind { kind: choice("kind", &f.kind)?, reason: f.reason.trim().to_owned() }
        }
        Action::DiscardDocument => {
            let (document, target) = facts.document.ok_or_else(|| bad("document", "choose-a-document"))?;
            Command::DiscardDocument { document, target, reason: f.reason.trim().to_owned() }
        }
        Action::RemoveResult => {
            let (document, _) = facts.document.ok_or_else(|| bad("document", "choose-a-document"))?;
            Command::RemoveResult { document }
        }
        Action::ChangeDelivery => {
            Command::ChangeDelivery { delivery: choice("delivery", &f.delivery)?, reason: f.reason.trim().to_owned() }
        }
        Action::MarkPosted => Command::MarkPosted {
            notice: f.notice_id().ok_or_else(|| bad("notice", "choose-a-notice"))?,
            posted_on: date_field("posted_on", &f.posted_on)?,
        },
        Action::RevokeStatusLink => Command::RevokeStatusLink,
        Action::Anonymise
        | Action::AttachResult
        | Action::DownloadResult
        | Action::PurgeResults
        | Action::ConfirmEmail
        | Action::SubmitDocuments
        | Action::RequesterReply
        | Action::RemindFee
        | Action::NotifyDueSoon
        | Action::NotifyOverdue
        | Action::PurgeDocuments
        | Action::RemindIdentity => {
            return Err(bad("action", "this-action-is-not-available-here"));
        }
    })
}

/// Free text fields are bounded like the request form.
pub fn check_lengths(f: &ActionForm) -> Result<(), FieldError> {
    for (field, v) in [
        ("body", &f.body),
        ("note", &f.note),
        ("reason", &f.reason),
        ("explanation", &f.explanation),
        ("answer", &f.answer),
    ] {
        if v.chars().count() > DETAILS_MAX {
            return Err(FieldError { field, msg: super::input::too_long(5000) });
        }
    }
    if f.tracking_number.chars().count() > 50 {
        return Err(FieldError { field: "tracking_number", msg: super::input::too_long(50) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_positive_yen() {
        assert_eq!(parse_amount("1000"), Ok(1000));
        assert_eq!(parse_amount("１，０００円"), Ok(1000));
        assert_eq!(parse_amount("¥300"), Ok(300));
        for bad in ["", "-300", "300.5", "abc", "0", "1e3", "99999999999999999999"] {
            assert!(parse_amount(bad).is_err(), "{bad:?} accepted");
        }
    }
}
