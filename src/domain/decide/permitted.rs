//! Whether an action is legal for an actor on a case now, before its fields
//! are looked at. The case page offers exactly the actions this allows.

use super::command::{Action, Actor, is_system_only, min_role};
use super::{DomainError, illegal};
use crate::domain::Msg;
use crate::domain::case::Case;
use crate::domain::codes::*;

/// Whether `action` is legal for this actor on this case now, before its
/// fields are looked at. The case page offers exactly the actions this allows.
pub fn permitted(case: &Case, action: Action, actor: &Actor) -> Result<(), DomainError> {
    match (min_role(action), actor) {
        (None, Actor::Requester | Actor::System) => {}
        (None, Actor::Staff { .. }) => {
            return Err(DomainError::Forbidden(Msg::new("only-the-requester-can-do-this")));
        }
        (Some(_), Actor::System) => {}
        (Some(_), Actor::Staff { .. }) if is_system_only(action) => {
            return Err(DomainError::Forbidden(Msg::new("this-notice-is-sent-automatically")));
        }
        (Some(needed), Actor::Staff { role, .. }) => {
            if !role.at_least(needed) {
                return Err(DomainError::Forbidden(Msg::new("this-action-needs-a-manager")));
            }
        }
        (Some(_), Actor::Requester) => {
            return Err(DomainError::Forbidden(Msg::new("only-staff-can-do-this")));
        }
    }

    let state = case.state;
    let open = state.is_open();
    let not_open = || illegal("this-case-is-not-open");
    match action {
        Action::ConfirmEmail => Ok(()),
        Action::Assign | Action::Note | Action::Message => {
            if state == State::Unconfirmed {
                Err(illegal("the-e-mail-address-is-not"))
            } else {
                Ok(())
            }
        }
        Action::RequestIdentity | Action::RequestClarification | Action::RequestFee => {
            if !open {
                return Err(not_open());
            }
            if action == Action::RequestFee {
                if !case.kind.fee_allowed() {
                    return Err(illegal("no-fee-may-be-charged-for"));
                }
                if case.has_ask(Ask::Fee) {
                    return Err(illegal("the-fee-has-already-been-requested"));
                }
            }
            if action == Action::RequestClarification && case.has_ask(Ask::Clarification) {
                return Err(illegal("details-have-already-been-asked-for"));
            }
            if action == Action::RequestIdentity && case.requestable_targets().is_empty() {
                return Err(illegal("identity-has-already-been-requested-or"));
            }
            Ok(())
        }
        Action::SubmitDocuments => {
            if open && case.has_ask(Ask::Identity) {
                Ok(())
            } else {
                Err(illegal("we-are-not-asking-for-documents"))
            }
        }
        Action::RequesterReply => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::VerifyIdentity => {
            if !open {
                return Err(not_open());
            }
            if case.identity_complete() {
                return Err(illegal("identity-is-already-verified"));
            }
            Ok(())
        }
        Action::FailIdentity => {
            if open && !case.failable_targets().is_empty() {
                Ok(())
            } else {
                Err(illegal("no-identity-check-is-waiting"))
            }
        }
        Action::RecordPayment => {
            if !case.kind.fee_allowed() {
                return Err(illegal("no-fee-applies-to-this-kind"));
            }
            if open { Ok(()) } else { Err(not_open()) }
        }
        Action::WaiveFee => {
            if case.has_ask(Ask::Fee) && case.fees.balance() > 0 {
                Ok(())
            } else {
                Err(illegal("there-is-no-unpaid-fee-to"))
            }
        }
        Action::RemindFee => {
            if open && case.has_ask(Ask::Fee) && !case.fee_reminded {
                Ok(())
            } else {
                Err(illegal("there-is-no-unpaid-fee-to-2"))
            }
        }
        Action::PurgeDocuments => {
            if case.stored_documents > 0 {
                Ok(())
            } else {
                Err(illegal("no-document-is-stored"))
            }
        }
        Action::RemindIdentity => {
            if open && case.has_ask(Ask::Identity) && !case.identity_reminded {
                Ok(())
            } else {
                Err(illegal("no-identity-reminder-is-due"))
            }
        }
        Action::NotifyDueSoon | Action::NotifyOverdue => {
            // A paused clock is never due; a clock that does not pause runs while waiting.
            let running = open && case.paused_on.is_none();
            let sent = if action == Action::NotifyDueSoon { case.due_soon_notified } else { case.overdue_notified };
            match case.due_on {
                Some(due) if running && sent != Some(due) => Ok(()),
                _ => Err(illegal("no-notice-is-due")),
            }
        }
        Action::RecordRefund => {
            // An overpayment, or what a closed case (withdrawn, refused …) still holds.
            let held = case.fees.paid - case.fees.refunded;
            if case.fees.credit() > 0 || (state == State::Closed && held > 0) {
                Ok(())
            } else {
                Err(illegal("nothing-is-due-for-refund"))
            }
        }
        Action::Extend => {
            if !open {
                return Err(not_open());
            }
            // A clock that does not pause (CCPA; GDPR but for identity) may be extended while waiting.
            if case.paused_on.is_some() {
                return Err(illegal("the-clock-is-paused-while-we-2"));
            }
            Ok(())
        }
        Action::Start => {
            if state != State::Received {
                return Err(illegal("only-a-received-case-can-be"));
            }
            if !case.asks.is_empty() {
                return Err(illegal("asks-to-the-requester-are-still"));
            }
            if case.kind != RequestKind::Complaint && !case.identity_complete() {
                return Err(illegal("identity-is-not-verified-yet-appi"));
            }
            Ok(())
        }
        Action::Close => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::Withdraw => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::Reopen => {
            if state == State::Closed && case.outcome != Some(Outcome::Withdrawn) {
                Ok(())
            } else {
                Err(illegal("only-a-closed-case-that-was"))
            }
        }
        Action::ChangeKind => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::DiscardDocument => {
            if case.stored_documents > 0 {
                Ok(())
            } else {
                Err(illegal("no-document-is-stored"))
            }
        }
        Action::AttachResult => {
            if state == State::InProgress && case.kind.is_disclosure() {
                Ok(())
            } else {
                Err(illegal("results-can-be-attached-only-to"))
            }
        }
        Action::RemoveResult => {
            if state == State::InProgress && case.results > 0 {
                Ok(())
            } else {
                Err(illegal("no-result-can-be-removed-now"))
            }
        }
        Action::ChangeDelivery => {
            if !open {
                return Err(not_open());
            }
            if !case.kind.is_disclosure() {
                return Err(illegal("only-a-disclosure-has-a-delivery"));
            }
            Ok(())
        }
        Action::MarkPosted => {
            if state == State::Unconfirmed {
                Err(illegal("the-e-mail-address-is-not"))
            } else {
                Ok(())
            }
        }
        Action::DownloadResult => {
            let granted = case.outcome.is_some_and(Outcome::is_granting);
            if state == State::Closed && granted && case.results > 0 {
                Ok(())
            } else {
                Err(illegal("no-result-is-available"))
            }
        }
        Action::PurgeResults => {
            if case.results > 0 {
                Ok(())
            } else {
                Err(illegal("no-result-is-stored"))
            }
        }
        Action::Anonymise => {
            if state == State::Closed {
                Ok(())
            } else {
                Err(illegal("this-case-is-still-open"))
            }
        }
        // An unconfirmed request has no status link yet.
        Action::RevokeStatusLink => {
            if state == State::Unconfirmed {
                Err(illegal("the-e-mail-address-is-not"))
            } else {
                Ok(())
            }
        }
    }
}
