#![cfg(test)]
//! Property tests: random walks of commands, by every kind of actor, under
//! every deadline profile. Whatever `decide` accepts, `apply` folds, and the
//! case it leaves is one the desk can show and work (issue 17).

use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::domain::case::Case;
use crate::domain::codes::*;
use crate::domain::deadline::{Policy, Profile};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just("  ".to_owned()), "[a-zあ-ん ]{1,12}"]
}

fn day() -> impl Strategy<Value = Date> {
    (-40i64..60).prop_map(|d| date(2026, 4, 1).saturating_add(d.days()))
}

fn amount() -> impl Strategy<Value = i64> {
    // The form takes 1 to 10,000,000 yen; decide is given a little more.
    prop_oneof![Just(0i64), Just(-1), 1i64..=10_000_000, Just(i64::from(u32::MAX))]
}

fn target() -> impl Strategy<Value = IdentityTarget> {
    select(IdentityTarget::ALL)
}

fn docs() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(1i64..20, 0..4)
}

/// Any command the code knows, with field values good and bad.
fn command() -> impl Strategy<Value = Command> {
    use Command as C;
    prop_oneof![
        1 => Just(C::ConfirmEmail),
        1 => prop::option::of(1i64..4).prop_map(|assignee| C::Assign { assignee }),
        1 => text().prop_map(|body| C::AddNote { body }),
        1 => text().prop_map(|body| C::MessageRequester { body }),
        1 => (target(), text()).prop_map(|(target, note)| C::RequestIdentity { target, note }),
        1 => text().prop_map(|body| C::RequestClarification { body }),
        1 => (amount(), prop::option::of(amount()), text(), day())
            .prop_map(|(amount, scheduled, reason, pay_by)| C::RequestFee { amount, scheduled, reason, pay_by }),
        1 => Just(C::RemindFee),
        1 => Just(C::NotifyDueSoon),
        1 => Just(C::NotifyOverdue),
        1 => (target(), 1i64..20).prop_map(|(target, document)| C::SubmitDocuments { target, document }),
        1 => text().prop_map(|body| C::RequesterReply { body }),
        1 => (target(), select(IdMethod::ALL), prop::option::of(select(DocType::ALL)))
            .prop_map(|(target, method, doc_type)| C::VerifyIdentity { target, method, doc_type }),
        1 => (target(), text()).prop_map(|(target, reason)| C::FailIdentity { target, reason }),
        1 => (amount(), select(PaymentMethod::ALL), day(), text())
            .prop_map(|(amount, method, paid_on, payment_ref)| C::RecordPayment { amount, method, paid_on, payment_ref }),
        3 => text().prop_map(|reason| C::WaiveFee { reason }),
        1 => (amount(), text()).prop_map(|(amount, reason)| C::RecordRefund { amount, reason }),
        1 => (day(), text()).prop_map(|(new_due_on, reason)| C::Extend { new_due_on, reason }),
        3 => Just(C::Start),
        4 => (select(Outcome::ALL), prop::collection::vec(select(Reason::ALL), 0..3), text(), text()).prop_map(
            |(outcome, reasons, explanation, answer)| C::Close { outcome, reasons, explanation, answer }
        ),
        1 => text().prop_map(|reason| C::Withdraw { reason }),
        3 => text().prop_map(|reason| C::Reopen { reason }),
        1 => (select(RequestKind::ALL), text()).prop_map(|(kind, reason)| C::ChangeKind { kind, reason }),
        1 => (1i64..20, prop::option::of(target()), text())
            .prop_map(|(document, target, reason)| C::DiscardDocument { document, target, reason }),
        1 => docs().prop_map(|documents| C::PurgeDocuments { documents }),
        1 => Just(C::RemindIdentity),
        3 => (1i64..20).prop_map(|document| C::AttachResult { document }),
        1 => (1i64..20).prop_map(|document| C::RemoveResult { document }),
        1 => (select(Delivery::ALL), text()).prop_map(|(delivery, reason)| C::ChangeDelivery { delivery, reason }),
        1 => (1i64..20, day()).prop_map(|(notice, posted_on)| C::MarkPosted { notice, posted_on }),
        1 => (1i64..20).prop_map(|document| C::DownloadResult { document }),
        1 => docs().prop_map(|documents| C::PurgeResults { documents }),
        1 => Just(C::RevokeStatusLink),
        1 => Just(C::Anonymise),
    ]
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Requester),
        Just(Actor::System),
        select(Role::ALL).prop_map(|role| Actor::Staff { id: 2, role }),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (select(vec![Profile::Appi, Profile::Gdpr, Profile::Ccpa]), any::<bool>(), any::<bool>())
        .prop_map(|(profile, pause, start_on_identity)| Policy { pause, start_on_identity, ..Policy::new(profile) })
}

/// The actor who would send a command: the requester for their own
/// actions, the application for its jobs, staff of any role otherwise.
fn actor_for(action: Action, role: Role) -> Actor {
    match action {
        Action::ConfirmEmail | Action::SubmitDocuments | Action::RequesterReply | Action::DownloadResult => {
            Actor::Requester
        }
        a if is_system_only(a) => Actor::System,
        _ => Actor::Staff { id: 2, role },
    }
}

/// A closing made to fit the case (an outcome it allows, a reason it
/// offers), so that walks reach `closed` and `reopen` often, not by luck.
fn fit(cmd: Command, case: &Case, today: Date, seed: usize) -> Command {
    let later = |n: usize| today.saturating_add(i64::try_from(n % 30 + 1).unwrap_or(1).days());
    let (explanation, answer) = match cmd {
        Command::Close { explanation, answer, .. } => (explanation, answer),
        Command::RequestFee { amount, scheduled, reason, .. } => {
            return Command::RequestFee { amount: amount.max(1), scheduled, reason, pay_by: later(seed) };
        }
        Command::RecordPayment { method, payment_ref, .. } if case.fees.balance() > 0 => {
            let amount = case.fees.balance();
            return Command::RecordPayment { amount, method, paid_on: today, payment_ref };
        }
        Command::Extend { reason, .. } => {
            let from = case.due_on.unwrap_or(today);
            return Command::Extend { new_due_on: from.saturating_add(7.days()), reason };
        }
        other => return other,
    };
    let outcomes = allowed_outcomes(case);
    let outcome = outcomes.get(seed % outcomes.len().max(1)).copied().unwrap_or(Outcome::Granted);
    let offered = reasons_offered(case);
    let reasons = match offered.len() {
        0 => vec![],
        n if outcome.needs_reasons() => vec![offered[seed / 7 % n]],
        _ => vec![],
    };
    Command::Close { outcome, reasons, explanation, answer }
}

/// What must be true of every case the desk can hold.
fn check(case: &Case) -> Result<(), String> {
    let open = !matches!(case.state, State::Closed | State::Unconfirmed);
    let fail = |what: &str| Err(format!("{what}: {case:?}"));
    if case.state == State::Closed {
        if !case.asks.is_empty() {
            return fail("a closed case has an open ask");
        }
        if case.outcome.is_none() || case.closed_on.is_none() {
            return fail("a closed case has no outcome or closing date");
        }
        if case.resume_state.is_some() {
            return fail("a closed case would resume");
        }
    } else if case.outcome.is_some() || case.closed_on.is_some() {
        return fail("an open case has an outcome");
    }
    let waiting = case.state == State::AwaitingRequester;
    if open && waiting == case.asks.is_empty() {
        return fail("waiting for the requester exactly while something is asked");
    }
    if (case.state == State::AwaitingRequester) != case.resume_state.is_some() {
        return fail("only a case waiting for the requester has a state to resume");
    }
    if case.resume_state == Some(State::AwaitingRequester) {
        return fail("a case would resume into waiting");
    }
    if case.has_ask(Ask::Fee) && case.fee_pay_by.is_none() {
        return fail("a fee is asked with no date to pay by");
    }
    if case.has_ask(Ask::Identity) && case.identity_asked_on.is_none() {
        return fail("identity is asked with no date asked");
    }
    let f = &case.fees;
    if f.requested < 0 || f.paid < 0 || f.waived < 0 || f.refunded < 0 || f.refunded > f.paid {
        return fail("the fee ledger holds a negative or over-refunded amount");
    }
    if case.state != State::Unconfirmed && case.received_on.is_none() {
        return fail("a confirmed case has no date received");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// No sequence of commands reaches a case `apply` cannot fold, nor an
    /// open ask in a closed case; a refusal changes nothing.
    #[test]
    fn no_walk_of_commands_leaves_a_case_the_desk_cannot_hold(
        kind in select(RequestKind::ALL),
        filer in select(Filer::ALL),
        staff_intake in any::<bool>(),
        signoff_required in any::<bool>(),
        policy in policy(),
        steps in prop::collection::vec(
            (command(), prop::option::weighted(0.15, actor()), select(Role::ALL), any::<usize>(), 0i64..4),
            1..40,
        ),
    ) {
        let mut today = date(2026, 4, 1);
        let mut case = Case::blank(kind, filer, today);
        case.id = 1;
        let ctx = Ctx { today, signoff_required, policy: &policy };
        for e in open_case(&case, Channel::Web, staff_intake.then_some(today), &ctx) {
            apply(&mut case, &e);
        }
        prop_assert!(check(&case).is_ok(), "{:?}", check(&case));
        for (cmd, actor, role, seed, wait) in steps {
            today = today.saturating_add(wait.days());
            let cmd = if seed % 4 == 0 { cmd } else { fit(cmd, &case, today, seed) };
            let actor = actor.unwrap_or_else(|| actor_for(cmd.action(), role));
            let ctx = Ctx { today, signoff_required, policy: &policy };
            let before = case.clone();
            match decide(&case, cmd.clone(), &actor, &ctx) {
                Ok(events) => {
                    for e in &events {
                        apply(&mut case, e);
                    }
                    if let Err(why) = check(&case) {
                        return Err(TestCaseError::fail(format!("after {cmd:?} by {actor:?} on {today}: {why}")));
                    }
                }
                Err(_) => prop_assert_eq!(&case, &before),
            }
        }
    }
}
