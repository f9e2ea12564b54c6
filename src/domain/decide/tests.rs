#![cfg(test)]
//! The transition table, walked action by action and state by state.

use jiff::civil::{Date, date};

use super::*;
use crate::domain::case::Case;
use crate::domain::codes::*;
use crate::domain::deadline::Appi;

const TODAY: Date = date(2026, 4, 3);
const PAY_BY: Date = date(2026, 4, 17);

fn ctx() -> Ctx<'static> {
    Ctx { today: TODAY, signoff_required: true, policy: &Appi }
}

const ADMIN: Actor = Actor::Staff { id: 1, role: Role::Admin };
const STAFF: Actor = Actor::Staff { id: 2, role: Role::Staff };
const MANAGER: Actor = Actor::Staff { id: 3, role: Role::Manager };

fn received(kind: RequestKind, filer: Filer) -> Case {
    let mut case = Case::blank(kind, filer, date(2026, 4, 1));
    case.id = 7;
    for e in open_case(&case, Channel::Web, Some(date(2026, 4, 1)), &ctx()) {
        apply(&mut case, &e);
    }
    case
}

fn run(case: &mut Case, cmd: Command, actor: &Actor) -> Vec<Event> {
    let events = decide(case, cmd.clone(), actor, &ctx()).unwrap_or_else(|e| panic!("{cmd:?} refused: {e}"));
    for e in &events {
        apply(case, e);
    }
    events
}

fn verify(target: IdentityTarget) -> Command {
    Command::VerifyIdentity { target, method: IdMethod::PostalCopy, doc_type: Some(DocType::DriversLicense) }
}

/// One typical case in each state, the columns of the table below.
fn fixtures() -> Vec<(&'static str, Case)> {
    let unconfirmed = Case::blank(RequestKind::Disclosure, Filer::SelfFiler, date(2026, 4, 1));
    let received_case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let mut awaiting = received_case.clone();
    run(&mut awaiting, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &ADMIN);
    let mut in_progress = received_case.clone();
    run(&mut in_progress, verify(IdentityTarget::Subject), &ADMIN);
    run(&mut in_progress, Command::Start, &ADMIN);
    let mut closed = in_progress.clone();
    run(&mut closed, Command::AttachResult { document: 9 }, &ADMIN);
    run(
        &mut closed,
        Command::Close {
            outcome: Outcome::Granted,
            reasons: vec![],
            explanation: String::new(),
            answer: String::new(),
        },
        &ADMIN,
    );
    let mut withdrawn = received_case.clone();
    run(&mut withdrawn, Command::Withdraw { reason: "電話で取下げ".into() }, &ADMIN);
    vec![
        ("unconfirmed", unconfirmed),
        ("received", received_case),
        ("awaiting", awaiting),
        ("in_progress", in_progress),
        ("closed", closed),
        ("withdrawn", withdrawn),
    ]
}

#[test]
fn fixtures_are_in_the_states_they_name() {
    let states: Vec<_> = fixtures().iter().map(|(_, c)| (c.state, c.outcome)).collect();
    assert_eq!(
        states,
        [
            (State::Unconfirmed, None),
            (State::Received, None),
            (State::AwaitingRequester, None),
            (State::InProgress, None),
            (State::Closed, Some(Outcome::Granted)),
            (State::Closed, Some(Outcome::Withdrawn)),
        ]
    );
}

/// The transition table: for every action, whether it is legal in each state
/// (columns: unconfirmed, received, awaiting, in_progress, closed, withdrawn).
#[test]
fn every_action_is_legal_exactly_where_the_table_says() {
    use Action as A;
    const N: bool = false;
    const Y: bool = true;
    let table: &[(Action, [bool; 6])] = &[
        (A::ConfirmEmail, [Y, Y, Y, Y, Y, Y]),
        (A::Assign, [N, Y, Y, Y, Y, Y]),
        (A::Note, [N, Y, Y, Y, Y, Y]),
        (A::Message, [N, Y, Y, Y, Y, Y]),
        (A::RequestIdentity, [N, Y, N, N, N, N]),
        (A::RequestClarification, [N, Y, Y, Y, N, N]),
        (A::RequestFee, [N, Y, Y, Y, N, N]),
        (A::SubmitDocuments, [N, N, Y, N, N, N]),
        (A::RequesterReply, [N, Y, Y, Y, N, N]),
        (A::VerifyIdentity, [N, Y, Y, N, N, N]),
        (A::FailIdentity, [N, N, Y, N, N, N]),
        (A::RecordPayment, [N, Y, Y, Y, N, N]),
        (A::WaiveFee, [N, N, N, N, N, N]),
        (A::RecordRefund, [N, N, N, N, N, N]),
        (A::RemindFee, [N, N, N, N, N, N]),
        (A::NotifyDueSoon, [N, Y, N, Y, N, N]),
        (A::NotifyOverdue, [N, Y, N, Y, N, N]),
        (A::PurgeDocuments, [N, N, N, N, N, N]),
        (A::RemindIdentity, [N, N, Y, N, N, N]),
        (A::Extend, [N, Y, N, Y, N, N]),
        (A::Start, [N, N, N, N, N, N]),
        (A::Close, [N, Y, Y, Y, N, N]),
        (A::Withdraw, [N, Y, Y, Y, N, N]),
        (A::Reopen, [N, N, N, N, Y, N]),
        (A::ChangeKind, [N, Y, Y, Y, N, N]),
        (A::DiscardDocument, [N, N, N, N, N, N]),
        (A::AttachResult, [N, N, N, Y, N, N]),
        (A::RemoveResult, [N, N, N, N, N, N]),
        (A::ChangeDelivery, [N, Y, Y, Y, N, N]),
        (A::MarkPosted, [N, Y, Y, Y, Y, Y]),
        (A::DownloadResult, [N, N, N, N, Y, N]),
        (A::PurgeResults, [N, N, N, N, Y, N]),
        (A::RevokeStatusLink, [N, Y, Y, Y, Y, Y]),
        (A::Anonymise, [N, N, N, N, Y, Y]),
    ];
    assert_eq!(table.len(), Action::ALL.len(), "every action has a row");
    let fixtures = fixtures();
    for (action, row) in table {
        let actor = match action {
            A::ConfirmEmail | A::SubmitDocuments | A::RequesterReply | A::DownloadResult => Actor::Requester,
            a if crate::domain::decide::is_system_only(*a) => Actor::System,
            _ => ADMIN,
        };
        for ((name, case), expected) in fixtures.iter().zip(row) {
            let got = permitted(case, *action, &actor);
            assert_eq!(got.is_ok(), *expected, "{action} in {name}: {got:?}");
            if let Err(e) = got {
                assert!(matches!(e, DomainError::Illegal(_)), "{action} in {name} is refused as illegal, not {e:?}");
            }
        }
    }
}

#[test]
fn staff_cannot_act_for_the_requester_nor_the_requester_for_staff() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    assert!(matches!(permitted(&case, Action::RequesterReply, &ADMIN), Err(DomainError::Forbidden(_))));
    assert!(matches!(permitted(&case, Action::Note, &Actor::Requester), Err(DomainError::Forbidden(_))));
}

#[test]
fn managers_alone_waive_refund_and_reopen() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(
        &mut case,
        Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    let waive = Command::WaiveFee { reason: "生活保護受給".into() };
    assert!(matches!(decide(&case, waive.clone(), &STAFF, &ctx()), Err(DomainError::Forbidden(_))));
    let events = run(&mut case, waive, &MANAGER);
    assert_eq!(events[..2], [Event::FeeWaived { amount: 1000 }, Event::AskMet { ask: Ask::Fee }]);
    assert_eq!(case.fees.status(), FeeStatus::Waived);
    assert_eq!(case.state, State::Received);
}

#[test]
fn confirming_twice_changes_nothing() {
    let mut case = Case::blank(RequestKind::Complaint, Filer::SelfFiler, date(2026, 4, 1));
    let first = run(&mut case, Command::ConfirmEmail, &Actor::Requester);
    assert_eq!(
        first,
        [Event::EmailConfirmed, Event::Received { received_on: date(2026, 4, 1), due_on: Some(date(2026, 4, 15)) }]
    );
    assert!(run(&mut case, Command::ConfirmEmail, &Actor::Requester).is_empty());
    assert_eq!(case.state, State::Received);
}

#[test]
fn the_whole_path_of_a_disclosure_with_identity_and_fee() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    assert_eq!(case.due_on, Some(date(2026, 4, 15)));
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &STAFF);
    assert_eq!(case.state, State::AwaitingRequester);
    assert_eq!(case.resume_state, Some(State::Received));
    let events = run(&mut case, verify(IdentityTarget::Subject), &STAFF);
    assert!(events.contains(&Event::AskMet { ask: Ask::Identity }));
    assert_eq!(case.state, State::Received);
    run(
        &mut case,
        Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    assert_eq!(case.state, State::AwaitingRequester);
    assert!(permitted(&case, Action::Start, &STAFF).is_err(), "no start while the fee is open");
    let pay = |amount| Command::RecordPayment {
        amount,
        method: PaymentMethod::PostalMoneyOrder,
        paid_on: date(2026, 4, 2),
        payment_ref: "A-1".into(),
    };
    let events = run(&mut case, pay(400), &STAFF);
    assert_eq!(events.len(), 1, "an underpayment keeps the ask open");
    assert_eq!(case.fees.status(), FeeStatus::PartiallyPaid);
    let events = run(&mut case, pay(600), &STAFF);
    assert!(events.contains(&Event::AskMet { ask: Ask::Fee }));
    assert_eq!(case.state, State::Received);
    run(&mut case, Command::Start, &STAFF);
    assert_eq!(case.state, State::InProgress);
    run(&mut case, Command::AttachResult { document: 11 }, &STAFF);
    run(
        &mut case,
        Command::Close {
            outcome: Outcome::Granted,
            reasons: vec![],
            explanation: String::new(),
            answer: String::new(),
        },
        &STAFF,
    );
    assert_eq!((case.state, case.outcome, case.closed_on), (State::Closed, Some(Outcome::Granted), Some(TODAY)));
}

#[test]
fn an_overpayment_leaves_a_credit_to_refund() {
    let mut case = received(RequestKind::PurposeNotice, Filer::SelfFiler);
    run(
        &mut case,
        Command::RequestFee { amount: 300, scheduled: Some(300), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    run(
        &mut case,
        Command::RecordPayment {
            amount: 500,
            method: PaymentMethod::Stamps,
            paid_on: TODAY,
            payment_ref: String::new(),
        },
        &STAFF,
    );
    assert_eq!(case.fees.status(), FeeStatus::RefundDue);
    assert!(!case.has_ask(Ask::Fee));
    let too_much = Command::RecordRefund { amount: 300, reason: "過払い".into() };
    assert!(matches!(decide(&case, too_much, &MANAGER, &ctx()), Err(DomainError::Invalid { field: "amount", .. })));
    run(&mut case, Command::RecordRefund { amount: 200, reason: "過払い".into() }, &MANAGER);
    assert_eq!(case.fees.status(), FeeStatus::Refunded);
}

#[test]
fn a_payment_cannot_be_dated_in_the_future_nor_be_zero() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let future = Command::RecordPayment {
        amount: 300,
        method: PaymentMethod::Cash,
        paid_on: date(2026, 4, 4),
        payment_ref: String::new(),
    };
    assert!(matches!(decide(&case, future, &STAFF, &ctx()), Err(DomainError::Invalid { field: "paid_on", .. })));
    let zero =
        Command::RecordPayment { amount: 0, method: PaymentMethod::Cash, paid_on: TODAY, payment_ref: String::new() };
    assert!(matches!(decide(&case, zero, &STAFF, &ctx()), Err(DomainError::Invalid { field: "amount", .. })));
}

#[test]
fn no_fee_can_be_requested_for_a_correction() {
    let case = received(RequestKind::Correction, Filer::SelfFiler);
    let cmd = Command::RequestFee { amount: 300, scheduled: None, reason: String::new(), pay_by: PAY_BY };
    let Err(DomainError::Illegal(msg)) = decide(&case, cmd, &STAFF, &ctx()) else {
        panic!("fee on a correction accepted")
    };
    assert!(msg.get(crate::domain::Lang::EN).contains("Art. 38"));
}

#[test]
fn a_fee_other_than_the_schedule_needs_a_reason() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let cmd = Command::RequestFee { amount: 1500, scheduled: Some(1000), reason: " ".into(), pay_by: PAY_BY };
    assert!(matches!(decide(&case, cmd, &STAFF, &ctx()), Err(DomainError::Invalid { field: "reason", .. })));
}

#[test]
fn an_agent_case_starts_only_when_person_agent_and_authority_are_verified() {
    let mut case = received(RequestKind::Disclosure, Filer::AppointedAgent);
    for target in [IdentityTarget::Subject, IdentityTarget::Agent] {
        run(&mut case, verify(target), &STAFF);
        assert!(permitted(&case, Action::Start, &STAFF).is_err(), "started after {target} only");
    }
    run(&mut case, verify(IdentityTarget::Authority), &STAFF);
    run(&mut case, Command::Start, &STAFF);
    assert_eq!(case.state, State::InProgress);
}

#[test]
fn the_identity_ask_is_met_only_when_every_asked_target_is_verified() {
    let mut case = received(RequestKind::Disclosure, Filer::LegalAgent);
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &STAFF);
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Authority, note: String::new() }, &STAFF);
    let events = run(&mut case, verify(IdentityTarget::Subject), &STAFF);
    assert_eq!(events.len(), 1);
    assert_eq!(case.state, State::AwaitingRequester);
    let events = run(&mut case, verify(IdentityTarget::Authority), &STAFF);
    assert!(events.contains(&Event::AskMet { ask: Ask::Identity }));
    assert_eq!(case.state, State::Received);
}

#[test]
fn a_failed_check_keeps_the_ask_open_and_may_be_asked_again() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &STAFF);
    let again = Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() };
    assert!(matches!(decide(&case, again.clone(), &STAFF, &ctx()), Err(DomainError::Illegal(_))));
    run(&mut case, Command::FailIdentity { target: IdentityTarget::Subject, reason: "有効期限切れ".into() }, &STAFF);
    assert_eq!(case.identity.subject, IdentityStatus::Failed);
    assert!(case.has_ask(Ask::Identity));
    run(&mut case, again, &STAFF);
    assert_eq!(case.identity.subject, IdentityStatus::Requested);
}

#[test]
fn verifying_by_upload_needs_a_stored_document() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let cmd =
        Command::VerifyIdentity { target: IdentityTarget::Subject, method: IdMethod::DocumentUpload, doc_type: None };
    assert!(matches!(decide(&case, cmd, &STAFF, &ctx()), Err(DomainError::Invalid { field: "method", .. })));
}

#[test]
fn before_work_starts_a_case_can_only_be_refused_and_refusals_need_a_manager() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let granted = Command::Close {
        outcome: Outcome::Granted,
        reasons: vec![],
        explanation: String::new(),
        answer: String::new(),
    };
    assert!(matches!(decide(&case, granted, &MANAGER, &ctx()), Err(DomainError::Illegal(_))));
    let refused = Command::Close {
        outcome: Outcome::Refused,
        reasons: vec![Reason::IdentityUnverified],
        explanation: "本人確認書類のご提出がありませんでした。".into(),
        answer: String::new(),
    };
    assert!(matches!(decide(&case, refused.clone(), &STAFF, &ctx()), Err(DomainError::Forbidden(_))));
    let no_signoff = Ctx { signoff_required: false, ..ctx() };
    assert!(decide(&case, refused.clone(), &STAFF, &no_signoff).is_ok());
    let events = decide(&case, refused, &MANAGER, &ctx()).expect("manager refuses");
    assert!(matches!(events.last(), Some(Event::Closed { outcome: Outcome::Refused, .. })));
}

#[test]
fn a_refusal_needs_reasons_that_fit_the_kind_and_an_explanation() {
    let case = received(RequestKind::Correction, Filer::SelfFiler);
    let close = |reasons: Vec<Reason>, explanation: &str| Command::Close {
        outcome: Outcome::Refused,
        reasons,
        explanation: explanation.into(),
        answer: String::new(),
    };
    let err = |cmd| match decide(&case, cmd, &MANAGER, &ctx()) {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("accepted: {other:?}"),
    };
    assert_eq!(err(close(vec![], "x")), "reasons");
    assert_eq!(err(close(vec![Reason::HarmToPerson], "x")), "reasons");
    assert_eq!(err(close(vec![Reason::ContentIsFactual], "  ")), "explanation");
    assert!(decide(&case, close(vec![Reason::ContentIsFactual], "記録は事実です。"), &MANAGER, &ctx()).is_ok());
}

#[test]
fn complaints_are_answered_and_need_no_identity_to_start() {
    let mut case = received(RequestKind::Complaint, Filer::SelfFiler);
    run(&mut case, Command::Start, &STAFF);
    let granted = Command::Close {
        outcome: Outcome::Granted,
        reasons: vec![],
        explanation: String::new(),
        answer: String::new(),
    };
    assert!(matches!(decide(&case, granted, &STAFF, &ctx()), Err(DomainError::Invalid { field: "outcome", .. })));
    run(
        &mut case,
        Command::Close {
            outcome: Outcome::Answered,
            reasons: vec![],
            explanation: String::new(),
            answer: String::new(),
        },
        &STAFF,
    );
    assert_eq!(case.outcome, Some(Outcome::Answered));
}

#[test]
fn withdrawing_cancels_open_asks_and_cannot_be_reopened() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(&mut case, Command::RequestClarification { body: "対象期間を教えてください".into() }, &STAFF);
    let events = run(&mut case, Command::Withdraw { reason: "ご本人より電話".into() }, &STAFF);
    assert_eq!(events[0], Event::AsksCancelled { asks: vec![Ask::Clarification] });
    assert!(case.asks.is_empty());
    assert_eq!(case.outcome, Some(Outcome::Withdrawn));
    assert!(permitted(&case, Action::Reopen, &MANAGER).is_err());
}

#[test]
fn reopening_keeps_the_due_date_and_needs_a_reason() {
    let (_, mut case) = fixtures().remove(4);
    let due = case.due_on;
    let blank = Command::Reopen { reason: String::new() };
    assert!(matches!(decide(&case, blank, &MANAGER, &ctx()), Err(DomainError::Invalid { field: "reason", .. })));
    run(&mut case, Command::Reopen { reason: "回答漏れ".into() }, &MANAGER);
    assert_eq!((case.state, case.outcome, case.due_on), (State::InProgress, None, due));
}

#[test]
fn a_reply_meets_the_clarification_ask_and_resumes_work() {
    let (_, mut case) = fixtures().remove(3);
    run(&mut case, Command::RequestClarification { body: "対象のサービス名を教えてください".into() }, &STAFF);
    assert_eq!(case.resume_state, Some(State::InProgress));
    run(&mut case, Command::RequesterReply { body: "会員サービスです".into() }, &Actor::Requester);
    assert_eq!(case.state, State::InProgress);
}

#[test]
fn extensions_stay_within_the_policy_and_only_before_the_due_date() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let extend = |d| Command::Extend { new_due_on: d, reason: "調査に時間を要するため".into() };
    assert!(decide(&case, extend(date(2026, 5, 15)), &STAFF, &ctx()).is_ok());
    assert!(matches!(
        decide(&case, extend(date(2026, 5, 16)), &STAFF, &ctx()),
        Err(DomainError::Invalid { field: "new_due_on", .. })
    ));
    let late = Ctx { today: date(2026, 4, 16), ..ctx() };
    assert!(matches!(decide(&case, extend(date(2026, 5, 1)), &STAFF, &late), Err(DomainError::Illegal(_))));
}

#[test]
fn a_kind_with_a_fee_cannot_become_one_without() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(
        &mut case,
        Command::RequestFee { amount: 500, scheduled: Some(500), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    let cmd = Command::ChangeKind { kind: RequestKind::Correction, reason: "内容から訂正請求".into() };
    assert!(matches!(decide(&case, cmd, &STAFF, &ctx()), Err(DomainError::Illegal(_))));
    let cmd = Command::ChangeKind { kind: RequestKind::ProvisionRecord, reason: "記録の開示".into() };
    run(&mut case, cmd, &STAFF);
    assert_eq!(case.kind, RequestKind::ProvisionRecord);
}

#[test]
fn events_serialise_as_codes_only() {
    let e = Event::Closed { outcome: Outcome::Refused, reasons: vec![Reason::FeeUnpaid], closed_on: TODAY };
    let json = serde_json::to_string(&e).expect("serialise");
    assert_eq!(json, r#"{"type":"closed","outcome":"refused","reasons":["fee_unpaid"],"closed_on":"2026-04-03"}"#);
    assert_eq!(serde_json::from_str::<Event>(&json).expect("parse"), e);
}

fn run_on(case: &mut Case, cmd: Command, today: Date) -> Vec<Event> {
    let ctx = Ctx { today, ..ctx() };
    let events = decide(case, cmd, &STAFF, &ctx).expect("accepted");
    for e in &events {
        apply(case, e);
    }
    events
}

#[test]
fn waiting_for_the_requester_pauses_the_clock_and_moves_the_due_date() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    assert_eq!(case.due_on, Some(date(2026, 4, 15)));
    let events = run_on(
        &mut case,
        Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() },
        date(2026, 4, 3),
    );
    assert_eq!(events.last(), Some(&Event::ClockPaused { on: date(2026, 4, 3) }));
    let events = run_on(&mut case, verify(IdentityTarget::Subject), date(2026, 4, 6));
    assert_eq!(events.last(), Some(&Event::ClockResumed { on: date(2026, 4, 6), due_on: Some(date(2026, 4, 18)) }));

    // A payment resumes the clock on the day it was received, not the day it was recorded.
    run_on(
        &mut case,
        Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY },
        date(2026, 4, 6),
    );
    let pay = Command::RecordPayment {
        amount: 1000,
        method: PaymentMethod::BankTransfer,
        paid_on: date(2026, 4, 8),
        payment_ref: String::new(),
    };
    let events = run_on(&mut case, pay, date(2026, 4, 10));
    assert_eq!(events.last(), Some(&Event::ClockResumed { on: date(2026, 4, 8), due_on: Some(date(2026, 4, 20)) }));

    // A same-day pause moves nothing; the first due date stays the extension's base.
    run_on(&mut case, Command::RequestClarification { body: "期間は？".into() }, date(2026, 4, 10));
    let reply = Command::RequesterReply { body: "2025年です".into() };
    let ctx = Ctx { today: date(2026, 4, 10), ..ctx() };
    for e in decide(&case, reply, &Actor::Requester, &ctx).expect("reply") {
        apply(&mut case, &e);
    }
    assert_eq!((case.state, case.due_on, case.paused_on), (State::Received, Some(date(2026, 4, 20)), None));
    assert_eq!(case.first_due_on, Some(date(2026, 4, 15)));
}

#[test]
fn closing_while_paused_ends_the_pause_without_moving_the_due_date() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run_on(
        &mut case,
        Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() },
        date(2026, 4, 3),
    );
    let ctx = Ctx { today: date(2026, 5, 8), ..ctx() };
    let close = Command::Close {
        outcome: Outcome::Refused,
        reasons: vec![Reason::IdentityUnverified],
        explanation: "書類が届きませんでした".into(),
        answer: String::new(),
    };
    for e in decide(&case, close, &MANAGER, &ctx).expect("refused") {
        apply(&mut case, &e);
    }
    assert_eq!((case.state, case.due_on, case.paused_on), (State::Closed, Some(date(2026, 4, 15)), None));
}

#[test]
fn a_fee_paid_with_the_letter_meets_the_ask_when_requested() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(
        &mut case,
        Command::RecordPayment {
            amount: 1000,
            method: PaymentMethod::PostalMoneyOrder,
            paid_on: TODAY,
            payment_ref: String::new(),
        },
        &STAFF,
    );
    assert_eq!(case.fees.status(), FeeStatus::RefundDue, "money without a fee requested is held");
    let events = run(
        &mut case,
        Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    assert_eq!(events, [Event::FeeRequested { amount: 1000, pay_by: PAY_BY }, Event::AskMet { ask: Ask::Fee }]);
    assert_eq!((case.state, case.fees.status()), (State::Received, FeeStatus::Paid));
}

#[test]
fn a_fee_deadline_must_lie_ahead() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let cmd = Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: TODAY };
    assert!(matches!(decide(&case, cmd, &STAFF, &ctx()), Err(DomainError::Invalid { field: "pay_by", .. })));
}

#[test]
fn the_fee_reminder_is_sent_once_and_only_by_the_application() {
    let mut case = received(RequestKind::PurposeNotice, Filer::SelfFiler);
    run(
        &mut case,
        Command::RequestFee { amount: 300, scheduled: Some(300), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    assert!(matches!(decide(&case, Command::RemindFee, &ADMIN, &ctx()), Err(DomainError::Forbidden(_))));
    let events = run(&mut case, Command::RemindFee, &Actor::System);
    assert_eq!(events, [Event::FeeReminderSent { pay_by: PAY_BY }]);
    assert!(matches!(decide(&case, Command::RemindFee, &Actor::System, &ctx()), Err(DomainError::Illegal(_))));
}

#[test]
fn refunding_a_withdrawn_case_waives_what_is_no_longer_owed() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(
        &mut case,
        Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY },
        &STAFF,
    );
    run(
        &mut case,
        Command::RecordPayment {
            amount: 1000,
            method: PaymentMethod::BankTransfer,
            paid_on: TODAY,
            payment_ref: String::new(),
        },
        &STAFF,
    );
    assert!(permitted(&case, Action::RecordRefund, &MANAGER).is_err(), "nothing to refund while the case is open");
    run(&mut case, Command::Withdraw { reason: "着手前の取下げ".into() }, &STAFF);
    let too_much = Command::RecordRefund { amount: 1001, reason: "取下げ".into() };
    assert!(matches!(decide(&case, too_much, &MANAGER, &ctx()), Err(DomainError::Invalid { field: "amount", .. })));
    let events = run(&mut case, Command::RecordRefund { amount: 1000, reason: "着手前の取下げ".into() }, &MANAGER);
    assert_eq!(events, [Event::FeeWaived { amount: 1000 }, Event::RefundRecorded { amount: 1000 }]);
    assert_eq!((case.fees.status(), case.fees.balance()), (FeeStatus::Refunded, 0));
}

#[test]
fn the_clock_can_wait_for_identity_to_start() {
    use crate::domain::deadline::{Policy, Profile};
    let policy = Policy { start_on_identity: true, ..Policy::new(Profile::Appi) };
    let at = |today| Ctx { today, signoff_required: true, policy: &policy };
    let mut case = Case::blank(RequestKind::Disclosure, Filer::SelfFiler, date(2026, 4, 1));
    for e in decide(&case, Command::ConfirmEmail, &Actor::Requester, &at(date(2026, 4, 1))).expect("confirm") {
        apply(&mut case, &e);
    }
    assert_eq!((case.received_on, case.due_on), (Some(date(2026, 4, 1)), None), "no due date before identity");
    let ask = Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() };
    let events = decide(&case, ask, &STAFF, &at(date(2026, 4, 2))).expect("ask");
    assert!(!events.iter().any(|e| matches!(e, Event::ClockPaused { .. })), "nothing to pause yet");
    for e in events {
        apply(&mut case, &e);
    }
    let events = decide(&case, verify(IdentityTarget::Subject), &STAFF, &at(date(2026, 4, 6))).expect("verify");
    assert_eq!(events.last(), Some(&Event::ClockStarted { on: date(2026, 4, 6), due_on: date(2026, 4, 20) }));
    for e in events {
        apply(&mut case, &e);
    }
    assert_eq!((case.due_on, case.first_due_on), (Some(date(2026, 4, 20)), Some(date(2026, 4, 20))));
}

#[test]
fn under_ccpa_waiting_for_the_requester_never_stops_the_clock() {
    use crate::domain::deadline::{Policy, Profile};
    let policy = Policy::new(Profile::Ccpa);
    let at = |today| Ctx { today, signoff_required: true, policy: &policy };
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let ask = Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() };
    for e in decide(&case, ask, &STAFF, &at(date(2026, 4, 3))).expect("ask") {
        apply(&mut case, &e);
    }
    assert_eq!(case.paused_on, None);
    let due = case.due_on;
    for e in decide(&case, verify(IdentityTarget::Subject), &STAFF, &at(date(2026, 4, 9))).expect("verify") {
        apply(&mut case, &e);
    }
    assert_eq!(case.due_on, due);
}

#[test]
fn due_date_notices_go_once_per_due_date() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let late = Ctx { today: date(2026, 4, 16), ..ctx() };
    assert!(
        matches!(decide(&case, Command::NotifyOverdue, &Actor::System, &ctx()), Err(DomainError::Illegal(_))),
        "not overdue yet"
    );
    for e in decide(&case, Command::NotifyOverdue, &Actor::System, &late).expect("overdue") {
        apply(&mut case, &e);
    }
    assert_eq!(case.overdue_notified, Some(date(2026, 4, 15)));
    assert!(decide(&case, Command::NotifyOverdue, &Actor::System, &late).is_err(), "once");
    assert!(
        matches!(decide(&case, Command::NotifyDueSoon, &ADMIN, &ctx()), Err(DomainError::Forbidden(_))),
        "staff cannot send it"
    );
}

#[test]
fn a_discarded_document_is_asked_for_again() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &STAFF);
    run(&mut case, Command::SubmitDocuments { target: IdentityTarget::Subject, document: 5 }, &Actor::Requester);
    assert_eq!((case.identity.subject, case.stored_documents), (IdentityStatus::Submitted, 1));
    let discard = Command::DiscardDocument {
        document: 5,
        target: Some(IdentityTarget::Subject),
        reason: "個人番号が写っていたため破棄".into(),
    };
    let events = run(&mut case, discard, &STAFF);
    assert_eq!(
        events,
        [
            Event::DocumentDiscarded { document: 5 },
            Event::IdentityRequested { target: IdentityTarget::Subject, on: TODAY }
        ]
    );
    assert_eq!((case.identity.subject, case.stored_documents), (IdentityStatus::Requested, 0));
    assert!(case.has_ask(Ask::Identity));
}

#[test]
fn identity_reminders_go_once_and_purges_are_for_the_application() {
    let mut case = received(RequestKind::Disclosure, Filer::SelfFiler);
    run(&mut case, Command::RequestIdentity { target: IdentityTarget::Subject, note: String::new() }, &STAFF);
    assert_eq!(case.identity_asked_on, Some(TODAY));
    run(&mut case, Command::RemindIdentity, &Actor::System);
    assert!(decide(&case, Command::RemindIdentity, &Actor::System, &ctx()).is_err());
    run(&mut case, Command::SubmitDocuments { target: IdentityTarget::Subject, document: 9 }, &Actor::Requester);
    let purge = Command::PurgeDocuments { documents: vec![9] };
    assert!(matches!(decide(&case, purge.clone(), &ADMIN, &ctx()), Err(DomainError::Forbidden(_))));
    run(&mut case, purge, &Actor::System);
    assert_eq!(case.stored_documents, 0);
}

fn in_progress(kind: RequestKind, delivery: Option<Delivery>) -> Case {
    let mut case = received(kind, Filer::SelfFiler);
    case.delivery = delivery;
    run(&mut case, verify(IdentityTarget::Subject), &STAFF);
    run(&mut case, Command::Start, &STAFF);
    case
}

fn close(outcome: Outcome, reasons: Vec<Reason>, explanation: &str, answer: &str) -> Command {
    Command::Close { outcome, reasons, explanation: explanation.into(), answer: answer.into() }
}

fn refused_field(case: &Case, cmd: Command) -> &'static str {
    match decide(case, cmd, &MANAGER, &ctx()) {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("not refused as a bad field: {other:?}"),
    }
}

#[test]
fn a_granted_purpose_notice_states_the_purposes_art_32() {
    let case = in_progress(RequestKind::PurposeNotice, None);
    assert_eq!(refused_field(&case, close(Outcome::Granted, vec![], "", " ")), "answer");
    assert!(
        decide(&case, close(Outcome::Granted, vec![], "", "商品の発送、アフターサービスのため"), &STAFF, &ctx())
            .is_ok()
    );
}

#[test]
fn a_granted_correction_says_what_was_corrected_art_34() {
    let case = in_progress(RequestKind::Correction, None);
    assert_eq!(refused_field(&case, close(Outcome::Granted, vec![], "", "")), "answer");
    assert!(decide(&case, close(Outcome::Granted, vec![], "", "住所を新住所に訂正しました。"), &STAFF, &ctx()).is_ok());
}

#[test]
fn an_electronic_disclosure_is_granted_only_with_results_art_33() {
    let mut case = in_progress(RequestKind::Disclosure, Some(Delivery::Electronic));
    let granted = close(Outcome::Granted, vec![], "", "");
    assert!(matches!(decide(&case, granted.clone(), &STAFF, &ctx()), Err(DomainError::Illegal(_))));
    run(&mut case, Command::AttachResult { document: 3 }, &STAFF);
    assert_eq!(case.results, 1);
    let events = run(&mut case, Command::RemoveResult { document: 3 }, &STAFF);
    assert_eq!(events, [Event::ResultRemoved { document: 3 }]);
    assert!(matches!(decide(&case, granted.clone(), &STAFF, &ctx()), Err(DomainError::Illegal(_))));
    run(&mut case, Command::AttachResult { document: 4 }, &STAFF);
    run(&mut case, granted, &STAFF);
    assert!(permitted(&case, Action::DownloadResult, &Actor::Requester).is_ok());
    run(&mut case, Command::PurgeResults { documents: vec![4] }, &Actor::System);
    assert!(permitted(&case, Action::DownloadResult, &Actor::Requester).is_err(), "nothing left to download");
}

#[test]
fn a_postal_disclosure_says_what_was_sent_instead_of_a_file_art_33() {
    let case = in_progress(RequestKind::ProvisionRecord, Some(Delivery::Postal));
    assert_eq!(refused_field(&case, close(Outcome::Granted, vec![], "", "")), "answer");
    assert!(decide(&case, close(Outcome::Granted, vec![], "", "提供記録の写し 2枚"), &STAFF, &ctx()).is_ok());
}

#[test]
fn an_impracticable_method_is_recorded_then_explained_art_33_and_36() {
    let mut case = in_progress(RequestKind::Disclosure, Some(Delivery::Electronic));
    let cite = |explanation: &str| {
        close(Outcome::Granted, vec![Reason::MethodImpracticable], explanation, "保有個人データの写し 3枚")
    };
    assert_eq!(refused_field(&case, cite("電子では提供できません")), "reasons", "the method used is recorded first");
    let change = Command::ChangeDelivery { delivery: Delivery::Postal, reason: String::new() };
    assert_eq!(refused_field(&case, change), "reason");
    let events =
        run(&mut case, Command::ChangeDelivery { delivery: Delivery::Postal, reason: "紙の台帳のため".into() }, &STAFF);
    assert_eq!(events, [Event::DeliveryChanged { from: Some(Delivery::Electronic), to: Delivery::Postal }]);
    assert_eq!(refused_field(&case, cite(" ")), "explanation");
    assert!(decide(&case, cite("台帳が紙のみで、電磁的記録での提供が困難なため"), &STAFF, &ctx()).is_ok());
}

#[test]
fn an_alternative_measure_is_explained_art_35_and_36() {
    let case = in_progress(RequestKind::Suspension, None);
    let granted = |e: &str| close(Outcome::Granted, vec![Reason::AlternativeMeasure], e, "");
    assert_eq!(refused_field(&case, granted("")), "explanation");
    assert!(decide(&case, granted("利用を停止する代わりに配信を止めました。"), &STAFF, &ctx()).is_ok());
}

#[test]
fn a_posted_notice_cannot_be_dated_in_the_future() {
    let case = in_progress(RequestKind::Complaint, None);
    let later = Command::MarkPosted { notice: 1, posted_on: date(2026, 4, 4) };
    assert_eq!(refused_field(&case, later), "posted_on");
    let events = run(&mut case.clone(), Command::MarkPosted { notice: 1, posted_on: TODAY }, &STAFF);
    assert_eq!(events, [Event::NoticePosted { notice: 1, posted_on: TODAY }]);
}

fn received_under(policy: &dyn crate::domain::deadline::DeadlinePolicy, kind: RequestKind) -> Case {
    let mut case = Case::blank(kind, Filer::SelfFiler, date(2026, 4, 1));
    case.id = 8;
    let ctx = Ctx { today: date(2026, 4, 1), signoff_required: true, policy };
    for e in open_case(&case, Channel::Web, Some(date(2026, 4, 1)), &ctx) {
        apply(&mut case, &e);
    }
    case
}

#[test]
fn ccpa_case_waiting_for_the_requester_can_be_overdue_and_extended_7021() {
    use crate::domain::deadline::{Policy, Profile};
    let policy = Policy::new(Profile::Ccpa);
    let at = |today| Ctx { today, signoff_required: true, policy: &policy };
    let mut case = received_under(&policy, RequestKind::Disclosure);
    assert_eq!(case.due_on, Some(date(2026, 5, 16)), "45 days from receipt");
    for e in decide(&case, Command::RequestClarification { body: "対象は？".into() }, &STAFF, &at(date(2026, 4, 2)))
        .expect("ask")
    {
        apply(&mut case, &e);
    }
    assert_eq!((case.state, case.paused_on), (State::AwaitingRequester, None), "waiting, never paused");
    assert!(permitted(&case, Action::Extend, &STAFF).is_ok(), "extended while waiting");
    assert!(permitted(&case, Action::NotifyOverdue, &Actor::System).is_ok(), "its clock runs");
    let overdue = decide(&case, Command::NotifyOverdue, &Actor::System, &at(date(2026, 5, 17))).expect("overdue");
    assert_eq!(overdue, [Event::OverdueNotified { due_on: date(2026, 5, 16) }]);
}

#[test]
fn ccpa_allows_one_extension_told_within_the_first_45_days_7021() {
    use crate::domain::deadline::{Policy, Profile};
    let policy = Policy::new(Profile::Ccpa);
    let at = |today| Ctx { today, signoff_required: true, policy: &policy };
    let mut case = received_under(&policy, RequestKind::Disclosure);
    let extend = |to| Command::Extend { new_due_on: to, reason: "調査のため".into() };
    for e in decide(&case, extend(date(2026, 6, 1)), &STAFF, &at(date(2026, 5, 1))).expect("first extension") {
        apply(&mut case, &e);
    }
    let again = decide(&case, extend(date(2026, 6, 10)), &STAFF, &at(date(2026, 5, 2)));
    assert!(matches!(again, Err(DomainError::Illegal(m)) if m.id == "only-one-extension-is-allowed"));
    let late = received_under(&policy, RequestKind::Disclosure);
    let after_first_due = decide(&late, extend(date(2026, 6, 10)), &STAFF, &at(date(2026, 5, 17)));
    assert!(matches!(after_first_due, Err(DomainError::Illegal(_))));
}

#[test]
fn gdpr_extension_is_told_within_the_first_month_art_12_3() {
    use crate::domain::deadline::{Policy, Profile};
    let policy = Policy::new(Profile::Gdpr);
    let at = |today| Ctx { today, signoff_required: true, policy: &policy };
    let case = received_under(&policy, RequestKind::Disclosure);
    assert_eq!(case.due_on, Some(date(2026, 5, 1)));
    let extend = |to| Command::Extend { new_due_on: to, reason: "複雑な請求のため".into() };
    assert!(decide(&case, extend(date(2026, 7, 1)), &STAFF, &at(date(2026, 4, 30))).is_ok());
    let beyond = decide(&case, extend(date(2026, 7, 2)), &STAFF, &at(date(2026, 4, 30)));
    assert!(matches!(beyond, Err(DomainError::Invalid { field: "new_due_on", .. })), "receipt + 3 months at most");
}

#[test]
fn no_fee_is_requested_under_gdpr_or_ccpa_art_12_5_and_1798_130() {
    use crate::domain::deadline::{Policy, Profile};
    for profile in [Profile::Gdpr, Profile::Ccpa] {
        let policy = Policy::new(profile);
        let case = received_under(&policy, RequestKind::Disclosure);
        let ctx = Ctx { today: date(2026, 4, 2), signoff_required: true, policy: &policy };
        let fee = Command::RequestFee { amount: 1000, scheduled: Some(1000), reason: String::new(), pay_by: PAY_BY };
        let refused = decide(&case, fee, &STAFF, &ctx);
        assert!(matches!(refused, Err(DomainError::Illegal(m)) if m.id == "no-fee-under-gdpr-or-ccpa"), "{profile:?}");
    }
}

#[test]
fn a_substantive_ground_is_refused_before_identity_is_verified_art_33() {
    let case = received(RequestKind::Disclosure, Filer::SelfFiler);
    let refuse = |r: Reason| Command::Close {
        outcome: Outcome::Refused,
        reasons: vec![r],
        explanation: "説明".into(),
        answer: String::new(),
    };
    assert!(matches!(
        decide(&case, refuse(Reason::HarmToPerson), &MANAGER, &ctx()),
        Err(DomainError::Invalid { field: "reasons", .. })
    ));
    assert!(decide(&case, refuse(Reason::IdentityUnverified), &MANAGER, &ctx()).is_ok());
}
