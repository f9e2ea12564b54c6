//! `decide`: what a command does to a case — the events, or why not — and
//! the clock that runs beside it (DESIGN.md §1 "Deadlines").

use jiff::civil::Date;

use super::command::{Action, Actor, Command};
use super::event::{Event, apply};
use super::options::{allowed_outcomes, id_methods, outcomes_for_kind, reasons_for};
use super::permitted::permitted;
use super::{Ctx, DomainError, illegal, invalid};
use crate::domain::Msg;
use crate::domain::case::Case;
use crate::domain::codes::*;

/// Opens a case: a web submission waits for its e-mail to be confirmed; a
/// request taken in by staff is received at once on its arrival date.
pub fn open_case(case: &Case, channel: Channel, received_on: Option<Date>, ctx: &Ctx) -> Vec<Event> {
    let mut events = vec![Event::Submitted { channel }];
    if let Some(received_on) = received_on {
        events.push(Event::Received { received_on, due_on: due_at_receipt(case, received_on, ctx) });
    }
    events
}

fn required(field: &'static str, text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        Err(invalid(field, "入力してください。", "Please fill this in."))
    } else {
        Ok(())
    }
}

fn positive_amount(amount: i64) -> Result<(), DomainError> {
    if amount <= 0 {
        Err(invalid("amount", "1円以上の金額を入力してください。", "Enter an amount of at least 1 yen."))
    } else {
        Ok(())
    }
}

/// Decides what a command does to a case: the events, or why not.
pub fn decide(case: &Case, cmd: Command, actor: &Actor, ctx: &Ctx) -> Result<Vec<Event>, DomainError> {
    let action = cmd.action();
    permitted(case, action, actor)?;

    // Events are folded into a scratch copy as they are decided, so that the
    // consequences (an ask met, a state resumed) follow from one `apply`.
    let mut next = case.clone();
    let mut events = Vec::new();
    // The requester's act ends a pause: a payment on the day it was received.
    let resumed_on = match &cmd {
        Command::RecordPayment { paid_on, .. } => Some(*paid_on),
        _ => None,
    };
    let mut push = |next: &mut Case, e: Event| {
        apply(next, &e);
        events.push(e);
    };

    match cmd {
        Command::ConfirmEmail => {
            // Repeating the confirmation changes nothing.
            if case.state == State::Unconfirmed {
                let received_on = case.submitted_on;
                push(&mut next, Event::EmailConfirmed);
                push(&mut next, Event::Received { received_on, due_on: due_at_receipt(case, received_on, ctx) });
            }
        }
        Command::Assign { assignee } => {
            if assignee == case.assignee {
                return Err(invalid("assignee", "すでにその担当者です。", "That is already the assignee."));
            }
            push(&mut next, Event::Assigned { assignee });
        }
        Command::AddNote { body } => {
            required("body", &body)?;
            push(&mut next, Event::NoteAdded);
        }
        Command::MessageRequester { body } => {
            required("body", &body)?;
            push(&mut next, Event::MessageSent);
        }
        Command::RequestIdentity { target, .. } => {
            if !case.identity_targets().contains(&target) {
                return Err(invalid(
                    "target",
                    "本人が請求している場合、代理人の確認はできません。",
                    "There is no agent on this case.",
                ));
            }
            if !case.requestable_targets().contains(&target) {
                return Err(illegal(
                    "その確認はすでに依頼済みか、確認済みです。",
                    "That check is already requested or verified.",
                ));
            }
            push(&mut next, Event::IdentityRequested { target, on: ctx.today });
        }
        Command::RequestClarification { body } => {
            required("body", &body)?;
            push(&mut next, Event::ClarificationRequested);
        }
        Command::RequestFee { amount, scheduled, reason, pay_by } => {
            positive_amount(amount)?;
            if scheduled != Some(amount) && reason.trim().is_empty() {
                return Err(invalid(
                    "reason",
                    "規定と異なる金額には理由を入力してください。",
                    "Give a reason for an amount that differs from the schedule.",
                ));
            }
            if pay_by <= ctx.today {
                return Err(invalid(
                    "pay_by",
                    "支払期限は明日以降にしてください。",
                    "The payment deadline must be after today.",
                ));
            }
            push(&mut next, Event::FeeRequested { amount, pay_by });
            // Money that came with the letter meets the fee at once.
            if next.fees.balance() == 0 {
                push(&mut next, Event::AskMet { ask: Ask::Fee });
            }
        }
        Command::NotifyDueSoon | Command::NotifyOverdue => {
            let Some(due_on) = case.due_on else {
                return Err(illegal("期限がありません。", "There is no due date."));
            };
            if action == Action::NotifyOverdue && due_on >= ctx.today {
                return Err(illegal("まだ期限を過ぎていません。", "The case is not overdue."));
            }
            let e = if action == Action::NotifyDueSoon {
                Event::DueSoonNotified { due_on }
            } else {
                Event::OverdueNotified { due_on }
            };
            push(&mut next, e);
        }
        Command::RemindFee => {
            let Some(pay_by) = case.fee_pay_by else {
                return Err(illegal("支払期限がありません。", "There is no payment deadline."));
            };
            push(&mut next, Event::FeeReminderSent { pay_by });
        }
        Command::SubmitDocuments { target, document } => {
            if !case.upload_targets().contains(&target) {
                return Err(invalid("target", "その書類は求めていません。", "That document was not asked for."));
            }
            push(&mut next, Event::DocumentsSubmitted { target, document });
        }
        Command::RequesterReply { body } => {
            required("body", &body)?;
            push(&mut next, Event::RequesterReplied);
            if next.has_ask(Ask::Clarification) {
                push(&mut next, Event::AskMet { ask: Ask::Clarification });
            }
        }
        Command::VerifyIdentity { target, method, doc_type } => {
            if !case.identity_targets().contains(&target) {
                return Err(invalid("target", "この請求に代理人はいません。", "There is no agent on this case."));
            }
            if case.identity.get(target) == IdentityStatus::Verified {
                return Err(illegal("その確認は済んでいます。", "That check is already verified."));
            }
            if !id_methods(case).contains(&method) {
                return Err(invalid(
                    "method",
                    "アップロードされた書類がありません。郵送・窓口などの方法を選んでください。",
                    "No document has been uploaded: choose the method actually used.",
                ));
            }
            push(&mut next, Event::IdentityVerified { target, method, doc_type });
            if next.has_ask(Ask::Identity) && !next.identity.any_pending() {
                push(&mut next, Event::AskMet { ask: Ask::Identity });
            }
        }
        Command::FailIdentity { target, reason } => {
            if !case.failable_targets().contains(&target) {
                return Err(invalid("target", "その確認は依頼中ではありません。", "That check is not waiting."));
            }
            required("reason", &reason)?;
            push(&mut next, Event::IdentityFailed { target });
        }
        Command::RecordPayment { amount, method, paid_on, .. } => {
            positive_amount(amount)?;
            if paid_on > ctx.today {
                return Err(invalid("paid_on", "未来の日付は入力できません。", "The date cannot be in the future."));
            }
            push(&mut next, Event::PaymentRecorded { amount, method, paid_on });
            if next.has_ask(Ask::Fee) && next.fees.balance() == 0 {
                push(&mut next, Event::AskMet { ask: Ask::Fee });
            }
        }
        Command::WaiveFee { reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::FeeWaived { amount: case.fees.balance() });
            push(&mut next, Event::AskMet { ask: Ask::Fee });
        }
        Command::RecordRefund { amount, reason } => {
            positive_amount(amount)?;
            let held = case.fees.paid - case.fees.refunded;
            let limit = if case.state == State::Closed { held } else { case.fees.credit() };
            if amount > limit {
                return Err(invalid(
                    "amount",
                    "返金額が返金できる金額を超えています。",
                    "The refund is larger than what can be refunded.",
                ));
            }
            required("reason", &reason)?;
            // Refunding a closed case's fee means it is no longer owed: that part is waived.
            let owed = case.fees.requested - case.fees.waived;
            let kept = held - amount;
            if owed > kept {
                push(&mut next, Event::FeeWaived { amount: owed - kept });
            }
            push(&mut next, Event::RefundRecorded { amount });
        }
        Command::Extend { new_due_on, reason } => {
            let (Some(due_on), Some(first)) = (case.due_on, case.first_due_on) else {
                return Err(illegal("期限がまだ決まっていません。", "There is no due date yet."));
            };
            if ctx.today > due_on {
                return Err(illegal(
                    "期限を過ぎた後は延長できません。",
                    "A deadline cannot be extended after it has passed.",
                ));
            }
            if new_due_on <= due_on {
                return Err(invalid(
                    "new_due_on",
                    "今の期限より後の日付を入力してください。",
                    "Choose a date after the current due date.",
                ));
            }
            if new_due_on > ctx.policy.latest_extension(first) {
                return Err(invalid(
                    "new_due_on",
                    "延長できる上限を超えています。",
                    "That is beyond the longest extension allowed.",
                ));
            }
            required("reason", &reason)?;
            push(&mut next, Event::Extended { from: due_on, to: new_due_on });
        }
        Command::Start => push(&mut next, Event::Started),
        Command::Close { outcome, reasons, explanation } => {
            if !outcomes_for_kind(case.kind).contains(&outcome) {
                return Err(invalid(
                    "outcome",
                    "この種別に使えない結果です。",
                    "That outcome does not fit this kind of request.",
                ));
            }
            if !allowed_outcomes(case).contains(&outcome) {
                return Err(illegal(
                    "対応開始前に選べる結果は「不対応（拒否）」だけです。",
                    "Before work starts, a case can only be closed as refused.",
                ));
            }
            if reasons.iter().any(|r| !reasons_for(case.kind).contains(r)) {
                return Err(invalid(
                    "reasons",
                    "この種別に使えない理由が含まれています。",
                    "A reason does not fit this kind of request.",
                ));
            }
            // APPI Art. 36: refusing, or doing other than asked, is explained.
            if outcome.needs_reasons() {
                if reasons.is_empty() {
                    return Err(invalid(
                        "reasons",
                        "理由を一つ以上選んでください（第36条）。",
                        "Choose at least one reason (Art. 36).",
                    ));
                }
                required("explanation", &explanation)?;
                if ctx.signoff_required && matches!(actor, Actor::Staff { role: Role::Staff, .. }) {
                    return Err(DomainError::Forbidden(Msg(
                        "不対応・一部対応の決定には管理者の承認が必要です。",
                        "A refusal or partial grant needs a manager's sign-off.",
                    )));
                }
            }
            if !next.asks.is_empty() {
                let asks = next.asks.iter().copied().collect();
                push(&mut next, Event::AsksCancelled { asks });
            }
            let mut reasons = reasons;
            reasons.sort();
            reasons.dedup();
            push(&mut next, Event::Closed { outcome, reasons, closed_on: ctx.today });
        }
        Command::Withdraw { reason } => {
            required("reason", &reason)?;
            if !next.asks.is_empty() {
                let asks = next.asks.iter().copied().collect();
                push(&mut next, Event::AsksCancelled { asks });
            }
            push(&mut next, Event::Withdrawn { closed_on: ctx.today });
        }
        Command::Reopen { reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::Reopened);
        }
        Command::ChangeKind { kind, reason } => {
            if kind == case.kind {
                return Err(invalid("kind", "今と同じ種別です。", "That is the present kind."));
            }
            // APPI Art. 38: a fee already asked for cannot follow the case to a kind without fees.
            if !kind.fee_allowed() && (case.has_ask(Ask::Fee) || case.fees.requested > 0 || case.fees.paid > 0) {
                return Err(illegal(
                    "手数料を請求済みのため、手数料のない種別には変更できません（第38条）。先に免除または返金してください。",
                    "A fee was requested; a kind without fees cannot carry it (Art. 38). Waive or refund it first.",
                ));
            }
            required("reason", &reason)?;
            push(&mut next, Event::KindChanged { from: case.kind, to: kind });
        }
        Command::DiscardDocument { document, target, reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::DocumentDiscarded { document });
            // The person is asked again for what was destroyed.
            if let Some(target) = target.filter(|t| next.state.is_open() && next.requestable_targets().contains(t)) {
                push(&mut next, Event::IdentityRequested { target, on: ctx.today });
            }
        }
        Command::PurgeDocuments { documents } => {
            if documents.is_empty() {
                return Err(invalid("document", "消去する書類がありません。", "No document to purge."));
            }
            push(&mut next, Event::DocumentsPurged { documents });
        }
        Command::RemindIdentity => {
            let Some(asked_on) = case.identity_asked_on else {
                return Err(illegal("本人確認を依頼していません。", "Identity was not asked for."));
            };
            push(&mut next, Event::IdentityReminderSent { asked_on });
        }
        Command::AttachResult { document } => push(&mut next, Event::ResultAttached { document }),
    }
    clock(case, &mut next, &mut events, resumed_on, ctx);
    Ok(events)
}

/// The clock (DESIGN.md §1 "Deadlines"): it starts at receipt, or when
/// identity is verified if the policy says so; it stops while the case waits
/// for the requester with asks the policy pauses for, and runs again at the
/// requester's act, moving the due date by the days in (pause, resume]. A
/// same-day pause moves nothing.
fn clock(before: &Case, next: &mut Case, events: &mut Vec<Event>, resumed_on: Option<Date>, ctx: &Ctx) {
    let mut push = |next: &mut Case, e: Event| {
        apply(next, &e);
        events.push(e);
    };
    if next.received_on.is_some() && next.due_on.is_none() && next.state.is_open() && next.identity_complete() {
        let due_on = ctx.policy.due_on(ctx.today);
        push(next, Event::ClockStarted { on: ctx.today, due_on });
    }
    let paused = before.paused_on.is_some();
    let pause = next.state == State::AwaitingRequester && next.due_on.is_some() && ctx.policy.pauses_for(&next.asks);
    if !paused && pause {
        push(next, Event::ClockPaused { on: ctx.today });
    } else if paused && !pause {
        let Some(paused_on) = before.paused_on else { return };
        let on = resumed_on.unwrap_or(ctx.today).clamp(paused_on, ctx.today.max(paused_on));
        let due_on =
            if next.state.is_open() { next.due_on.map(|d| ctx.policy.resume(d, paused_on, on)) } else { next.due_on };
        push(next, Event::ClockResumed { on, due_on });
    }
}

/// The due date set at receipt: none yet when the clock waits for identity.
fn due_at_receipt(case: &Case, received_on: Date, ctx: &Ctx) -> Option<Date> {
    if ctx.policy.starts_on_identity() && !case.identity_complete() {
        None
    } else {
        Some(ctx.policy.due_on(received_on))
    }
}
