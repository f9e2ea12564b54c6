//! `decide`: what a command does to a case — the events, or why not — and
//! the clock that runs beside it (DESIGN.md §1 "Deadlines").

use jiff::civil::Date;

use super::command::{Action, Actor, Command};
use super::event::{Event, apply};
use super::options::{allowed_outcomes, id_methods, outcomes_for_kind, reasons_for, reasons_offered};
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
    if text.trim().is_empty() { Err(invalid(field, "please-fill-this-in")) } else { Ok(()) }
}

fn positive_amount(amount: i64) -> Result<(), DomainError> {
    if amount <= 0 { Err(invalid("amount", "enter-an-amount-of-at-least")) } else { Ok(()) }
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
                return Err(invalid("assignee", "that-is-already-the-assignee"));
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
                return Err(invalid("target", "there-is-no-agent-on-this"));
            }
            if !case.requestable_targets().contains(&target) {
                return Err(illegal("that-check-is-already-requested-or"));
            }
            push(&mut next, Event::IdentityRequested { target, on: ctx.today });
        }
        Command::RequestClarification { body } => {
            required("body", &body)?;
            push(&mut next, Event::ClarificationRequested);
        }
        Command::RequestFee { amount, scheduled, reason, pay_by } => {
            // GDPR Art. 12(5), CCPA §1798.130: the request is answered free of charge.
            if !ctx.policy.charges_fees() {
                return Err(illegal("no-fee-under-gdpr-or-ccpa"));
            }
            positive_amount(amount)?;
            if scheduled != Some(amount) && reason.trim().is_empty() {
                return Err(invalid("reason", "give-a-reason-for-an-amount"));
            }
            if pay_by <= ctx.today {
                return Err(invalid("pay_by", "the-payment-deadline-must-be-after"));
            }
            push(&mut next, Event::FeeRequested { amount, pay_by });
            // Money that came with the letter meets the fee at once.
            if next.fees.balance() == 0 {
                push(&mut next, Event::AskMet { ask: Ask::Fee });
            }
        }
        Command::NotifyDueSoon | Command::NotifyOverdue => {
            let Some(due_on) = case.due_on else {
                return Err(illegal("there-is-no-due-date"));
            };
            if action == Action::NotifyOverdue && due_on >= ctx.today {
                return Err(illegal("the-case-is-not-overdue"));
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
                return Err(illegal("there-is-no-payment-deadline"));
            };
            push(&mut next, Event::FeeReminderSent { pay_by });
        }
        Command::SubmitDocuments { target, document } => {
            if !case.upload_targets().contains(&target) {
                return Err(invalid("target", "that-document-was-not-asked-for"));
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
                return Err(invalid("target", "there-is-no-agent-on-this-2"));
            }
            if case.identity.get(target) == IdentityStatus::Verified {
                return Err(illegal("that-check-is-already-verified"));
            }
            if !id_methods(case).contains(&method) {
                return Err(invalid("method", "no-document-has-been-uploaded-choose"));
            }
            push(&mut next, Event::IdentityVerified { target, method, doc_type });
            if next.has_ask(Ask::Identity) && !next.identity.any_pending() {
                push(&mut next, Event::AskMet { ask: Ask::Identity });
            }
        }
        Command::FailIdentity { target, reason } => {
            if !case.failable_targets().contains(&target) {
                return Err(invalid("target", "that-check-is-not-waiting"));
            }
            required("reason", &reason)?;
            push(&mut next, Event::IdentityFailed { target });
        }
        Command::RecordPayment { amount, method, paid_on, .. } => {
            positive_amount(amount)?;
            if paid_on > ctx.today {
                return Err(invalid("paid_on", "the-date-cannot-be-in-the"));
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
                return Err(invalid("amount", "the-refund-is-larger-than-what"));
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
                return Err(illegal("there-is-no-due-date-yet-2"));
            };
            if ctx.today > due_on {
                return Err(illegal("a-deadline-cannot-be-extended-after"));
            }
            // GDPR Art. 12(3), CCPA §7021(b): the extension is told within the first period.
            if ctx.policy.extends_only_before_first_due() && ctx.today > first {
                return Err(illegal("an-extension-must-be-told-before-the-first-due-date"));
            }
            // CCPA allows one extension; its clock never pauses, so a moved due date is an extension.
            if ctx.policy.max_extensions().is_some_and(|max| max <= u32::from(due_on != first)) {
                return Err(illegal("only-one-extension-is-allowed"));
            }
            if new_due_on <= due_on {
                return Err(invalid("new_due_on", "choose-a-date-after-the-current"));
            }
            let received_on = case.received_on.unwrap_or(case.submitted_on);
            if new_due_on > ctx.policy.latest_extension(first, received_on) {
                return Err(invalid("new_due_on", "that-is-beyond-the-longest-extension"));
            }
            required("reason", &reason)?;
            push(&mut next, Event::Extended { from: due_on, to: new_due_on });
        }
        Command::Start => push(&mut next, Event::Started),
        Command::Close { outcome, reasons, explanation, answer } => {
            if !outcomes_for_kind(case.kind).contains(&outcome) {
                return Err(invalid("outcome", "that-outcome-does-not-fit-this"));
            }
            if !allowed_outcomes(case).contains(&outcome) {
                return Err(illegal("before-work-starts-a-case-can"));
            }
            if reasons.iter().any(|r| !reasons_for(case.kind).contains(r)) {
                return Err(invalid("reasons", "a-reason-does-not-fit-this"));
            }
            if reasons.iter().any(|r| !reasons_offered(case).contains(r)) {
                return Err(invalid("reasons", "substantive-grounds-need-verified-identity"));
            }
            // APPI Art. 36: refusing, or doing other than asked, is explained.
            if outcome.needs_reasons() {
                if reasons.is_empty() {
                    return Err(invalid("reasons", "choose-at-least-one-reason-art"));
                }
                required("explanation", &explanation)?;
            }
            answer_is_whole(case, outcome, &reasons, &explanation, &answer)?;
            if outcome.needs_reasons()
                && ctx.signoff_required
                && matches!(actor, Actor::Staff { role: Role::Staff, .. })
            {
                return Err(DomainError::Forbidden(Msg::new("a-refusal-or-partial-grant-needs")));
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
                return Err(invalid("kind", "that-is-the-present-kind"));
            }
            // APPI Art. 38: a fee already asked for cannot follow the case to a kind without fees.
            if !kind.fee_allowed() && (case.has_ask(Ask::Fee) || case.fees.requested > 0 || case.fees.paid > 0) {
                return Err(illegal("a-fee-was-requested-a-kind"));
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
                return Err(invalid("document", "no-document-to-purge"));
            }
            push(&mut next, Event::DocumentsPurged { documents });
        }
        Command::RemindIdentity => {
            let Some(asked_on) = case.identity_asked_on else {
                return Err(illegal("identity-was-not-asked-for"));
            };
            push(&mut next, Event::IdentityReminderSent { asked_on });
        }
        Command::AttachResult { document } => push(&mut next, Event::ResultAttached { document }),
        Command::RemoveResult { document } => push(&mut next, Event::ResultRemoved { document }),
        Command::ChangeDelivery { delivery, reason } => {
            if case.delivery == Some(delivery) {
                return Err(invalid("delivery", "that-is-the-present-delivery"));
            }
            required("reason", &reason)?;
            push(&mut next, Event::DeliveryChanged { from: case.delivery, to: delivery });
        }
        Command::MarkPosted { notice, posted_on } => {
            if posted_on > ctx.today {
                return Err(invalid("posted_on", "the-date-cannot-be-in-the"));
            }
            push(&mut next, Event::NoticePosted { notice, posted_on });
        }
        Command::DownloadResult { document } => push(&mut next, Event::ResultDownloaded { document }),
        Command::PurgeResults { documents } => {
            if documents.is_empty() {
                return Err(invalid("document", "no-document-to-purge"));
            }
            push(&mut next, Event::ResultsPurged { documents });
        }
        Command::RevokeStatusLink => push(&mut next, Event::StatusLinkRevoked),
        Command::Anonymise => push(&mut next, Event::Anonymised),
    }
    clock(case, &mut next, &mut events, resumed_on, ctx);
    Ok(events)
}

/// What a granting answer must carry (DESIGN.md §4 "Answers"): the purposes
/// themselves for a purpose notice (Art. 32(2)), what was corrected, added
/// or deleted (Art. 34(3)), for a disclosure the results (electronic) or what
/// was sent (by post, Art. 33(1)); a different measure is explained (Art. 36),
/// and "method impracticable" only once the method used was recorded.
fn answer_is_whole(
    case: &Case,
    outcome: Outcome,
    reasons: &[Reason],
    explanation: &str,
    answer: &str,
) -> Result<(), DomainError> {
    let blank = answer.trim().is_empty();
    if reasons.contains(&Reason::MethodImpracticable) && case.delivery != Some(Delivery::Postal) {
        return Err(invalid("reasons", "record-the-method-used-before-citing"));
    }
    if !outcome.is_granting() {
        return Ok(());
    }
    match case.kind {
        RequestKind::PurposeNotice if blank => return Err(invalid("answer", "state-the-purposes-of-use-art-32")),
        RequestKind::Correction if blank => return Err(invalid("answer", "say-what-was-corrected-art-34")),
        k if k.is_disclosure() => match case.delivery {
            Some(Delivery::Postal) if blank => return Err(invalid("answer", "say-what-is-sent-by-post-art-33")),
            Some(Delivery::Postal) => {}
            _ if case.results == 0 => return Err(illegal("attach-the-results-before-closing")),
            _ => {}
        },
        _ => {}
    }
    let different = reasons.iter().any(|r| matches!(r, Reason::MethodImpracticable | Reason::AlternativeMeasure));
    if different && explanation.trim().is_empty() {
        return Err(invalid("explanation", "explain-the-different-measure-art-36"));
    }
    Ok(())
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
