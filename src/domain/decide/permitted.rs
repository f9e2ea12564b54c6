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
            return Err(DomainError::Forbidden(Msg(
                "この操作はご本人だけが行えます。",
                "Only the requester can do this.",
            )));
        }
        (Some(_), Actor::System) => {}
        (Some(_), Actor::Staff { .. }) if is_system_only(action) => {
            return Err(DomainError::Forbidden(Msg(
                "この通知は自動で送られます。",
                "This notice is sent automatically.",
            )));
        }
        (Some(needed), Actor::Staff { role, .. }) => {
            if !role.at_least(needed) {
                return Err(DomainError::Forbidden(Msg(
                    "この操作には管理者の権限が必要です。",
                    "This action needs a manager.",
                )));
            }
        }
        (Some(_), Actor::Requester) => {
            return Err(DomainError::Forbidden(Msg("この操作は担当者だけが行えます。", "Only staff can do this.")));
        }
    }

    let state = case.state;
    let open = state.is_open();
    let not_open = || illegal("この請求は対応中ではありません。", "This case is not open.");
    match action {
        Action::ConfirmEmail => Ok(()),
        Action::Assign | Action::Note | Action::Message => {
            if state == State::Unconfirmed {
                Err(illegal("メールアドレスが未確認の請求です。", "The e-mail address is not confirmed yet."))
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
                    return Err(illegal(
                        "この種別の請求には手数料を請求できません（個人情報保護法第38条）。",
                        "No fee may be charged for this kind of request (APPI Art. 38).",
                    ));
                }
                if case.has_ask(Ask::Fee) {
                    return Err(illegal("手数料はすでに請求中です。", "The fee has already been requested."));
                }
            }
            if action == Action::RequestClarification && case.has_ask(Ask::Clarification) {
                return Err(illegal("確認事項はすでに問い合わせ中です。", "Details have already been asked for."));
            }
            if action == Action::RequestIdentity && case.requestable_targets().is_empty() {
                return Err(illegal(
                    "本人確認はすでに依頼済みか、確認済みです。",
                    "Identity has already been requested or verified.",
                ));
            }
            Ok(())
        }
        Action::SubmitDocuments => {
            if open && case.has_ask(Ask::Identity) {
                Ok(())
            } else {
                Err(illegal("現在、書類の提出はお願いしていません。", "We are not asking for documents now."))
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
                return Err(illegal("本人確認はすべて済んでいます。", "Identity is already verified."));
            }
            Ok(())
        }
        Action::FailIdentity => {
            if open && !case.failable_targets().is_empty() {
                Ok(())
            } else {
                Err(illegal("確認待ちの本人確認書類がありません。", "No identity check is waiting."))
            }
        }
        Action::RecordPayment => {
            if !case.kind.fee_allowed() {
                return Err(illegal(
                    "この種別の請求には手数料がありません（個人情報保護法第38条）。",
                    "No fee applies to this kind of request (APPI Art. 38).",
                ));
            }
            if open { Ok(()) } else { Err(not_open()) }
        }
        Action::WaiveFee => {
            if case.has_ask(Ask::Fee) && case.fees.balance() > 0 {
                Ok(())
            } else {
                Err(illegal("免除できる未納の手数料がありません。", "There is no unpaid fee to waive."))
            }
        }
        Action::RemindFee => {
            if open && case.has_ask(Ask::Fee) && !case.fee_reminded {
                Ok(())
            } else {
                Err(illegal("督促できる未納の手数料がありません。", "There is no unpaid fee to remind of."))
            }
        }
        Action::PurgeDocuments => {
            if case.stored_documents > 0 {
                Ok(())
            } else {
                Err(illegal("保管中の書類がありません。", "No document is stored."))
            }
        }
        Action::RemindIdentity => {
            if open && case.has_ask(Ask::Identity) && !case.identity_reminded {
                Ok(())
            } else {
                Err(illegal("催促の対象ではありません。", "No identity reminder is due."))
            }
        }
        Action::NotifyDueSoon | Action::NotifyOverdue => {
            let running = matches!(state, State::Received | State::InProgress);
            let sent = if action == Action::NotifyDueSoon { case.due_soon_notified } else { case.overdue_notified };
            match case.due_on {
                Some(due) if running && sent != Some(due) => Ok(()),
                _ => Err(illegal("通知の対象ではありません。", "No notice is due.")),
            }
        }
        Action::RecordRefund => {
            // An overpayment, or what a closed case (withdrawn, refused …) still holds.
            let held = case.fees.paid - case.fees.refunded;
            if case.fees.credit() > 0 || (state == State::Closed && held > 0) {
                Ok(())
            } else {
                Err(illegal("返金すべき金額がありません。", "Nothing is due for refund."))
            }
        }
        Action::Extend => {
            if !open {
                return Err(not_open());
            }
            if state == State::AwaitingRequester {
                return Err(illegal(
                    "ご本人の対応待ちの間は期限が止まっています。",
                    "The clock is paused while we wait for the requester.",
                ));
            }
            Ok(())
        }
        Action::Start => {
            if state != State::Received {
                return Err(illegal("受付状態の請求だけを開始できます。", "Only a received case can be started."));
            }
            if !case.asks.is_empty() {
                return Err(illegal("ご本人への依頼が残っています。", "Asks to the requester are still open."));
            }
            if case.kind != RequestKind::Complaint && !case.identity_complete() {
                return Err(illegal(
                    "本人確認が済んでいません（個人情報保護法第37条）。",
                    "Identity is not verified yet (APPI Art. 37).",
                ));
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
                Err(illegal(
                    "完了した請求（取下げを除く）だけを再開できます。",
                    "Only a closed case that was not withdrawn can be reopened.",
                ))
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
                Err(illegal("保管中の書類がありません。", "No document is stored."))
            }
        }
        Action::AttachResult => {
            if state == State::InProgress && case.kind.is_disclosure() {
                Ok(())
            } else {
                Err(illegal(
                    "結果ファイルは対応中の開示請求にだけ添付できます。",
                    "Results can be attached only to disclosure cases in progress.",
                ))
            }
        }
    }
}
