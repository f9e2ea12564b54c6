//! The facts of a case that the rules look at. Names and addresses live in
//! the case row, not here: the rules never need them.

use std::collections::BTreeSet;

use jiff::civil::Date;

use super::codes::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub kind: RequestKind,
    pub filer: Filer,
    /// How a disclosure is delivered: chosen by the person (Art. 33(1)),
    /// changed only when that method is impracticable.
    pub delivery: Option<Delivery>,
    pub state: State,
    /// The state an `awaiting_requester` case returns to when its last ask is met.
    pub resume_state: Option<State>,
    pub outcome: Option<Outcome>,
    /// The reasons of the last closing (Art. 36), cleared when reopened.
    pub reasons: Vec<Reason>,
    pub asks: BTreeSet<Ask>,
    pub identity: IdentityChecks,
    pub fees: FeeLedger,
    /// The day the request reached us (web: the day it was submitted).
    pub submitted_on: Date,
    pub received_on: Option<Date>,
    pub due_on: Option<Date>,
    /// The due date before any extension, to bound extensions.
    pub first_due_on: Option<Date>,
    pub closed_on: Option<Date>,
    /// Since when the clock is paused (while waiting for the requester).
    pub paused_on: Option<Date>,
    /// The deadline to pay a requested fee, while the fee ask is open.
    pub fee_pay_by: Option<Date>,
    /// Whether the requester was reminded of that deadline.
    pub fee_reminded: bool,
    /// Since when identity documents are asked for, and whether the assignee was reminded.
    pub identity_asked_on: Option<Date>,
    pub identity_reminded: bool,
    /// The due date the assignee was last told is near, and the one managers were told has passed.
    pub due_soon_notified: Option<Date>,
    pub overdue_notified: Option<Date>,
    pub assignee: Option<i64>,
    /// Identity documents whose content is still stored.
    pub stored_documents: u32,
    /// Result files still stored for the requester to download.
    pub results: u32,
}

impl Case {
    /// A case as it stands before any event: what `open_case` starts from.
    pub fn blank(kind: RequestKind, filer: Filer, submitted_on: Date) -> Case {
        Case {
            id: 0,
            kind,
            filer,
            delivery: None,
            state: State::Unconfirmed,
            resume_state: None,
            outcome: None,
            reasons: Vec::new(),
            asks: BTreeSet::new(),
            identity: IdentityChecks::default(),
            fees: FeeLedger::default(),
            submitted_on,
            received_on: None,
            due_on: None,
            first_due_on: None,
            closed_on: None,
            paused_on: None,
            fee_pay_by: None,
            fee_reminded: false,
            identity_asked_on: None,
            identity_reminded: false,
            due_soon_notified: None,
            overdue_notified: None,
            assignee: None,
            stored_documents: 0,
            results: 0,
        }
    }

    /// The identity targets this case must verify: the person, and for an
    /// agent also the agent and the authority (APPI Art. 37(3)).
    pub fn identity_targets(&self) -> &'static [IdentityTarget] {
        if self.filer.is_agent() {
            &[IdentityTarget::Subject, IdentityTarget::Agent, IdentityTarget::Authority]
        } else {
            &[IdentityTarget::Subject]
        }
    }

    pub fn identity_complete(&self) -> bool {
        self.identity_targets().iter().all(|t| self.identity.get(*t) == IdentityStatus::Verified)
    }

    pub fn has_ask(&self, ask: Ask) -> bool {
        self.asks.contains(&ask)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityChecks {
    pub subject: IdentityStatus,
    pub agent: IdentityStatus,
    pub authority: IdentityStatus,
}

impl Default for IdentityChecks {
    fn default() -> Self {
        IdentityChecks {
            subject: IdentityStatus::NotChecked,
            agent: IdentityStatus::NotChecked,
            authority: IdentityStatus::NotChecked,
        }
    }
}

impl IdentityChecks {
    pub fn get(&self, target: IdentityTarget) -> IdentityStatus {
        match target {
            IdentityTarget::Subject => self.subject,
            IdentityTarget::Agent => self.agent,
            IdentityTarget::Authority => self.authority,
        }
    }

    pub fn set(&mut self, target: IdentityTarget, status: IdentityStatus) {
        match target {
            IdentityTarget::Subject => self.subject = status,
            IdentityTarget::Agent => self.agent = status,
            IdentityTarget::Authority => self.authority = status,
        }
    }

    /// True while any target is still being asked for (requested, submitted or failed).
    pub fn any_pending(&self) -> bool {
        [self.subject, self.agent, self.authority]
            .iter()
            .any(|s| matches!(s, IdentityStatus::Requested | IdentityStatus::Submitted | IdentityStatus::Failed))
    }
}

/// The sums of the fee ledger, in whole yen. The status is derived, never set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeLedger {
    pub requested: i64,
    pub paid: i64,
    pub waived: i64,
    pub refunded: i64,
}

impl FeeLedger {
    /// What the requester still owes (never negative).
    pub fn balance(&self) -> i64 {
        (self.requested - self.waived - self.paid + self.refunded).max(0)
    }

    /// What we hold beyond what was owed and have not yet paid back.
    pub fn credit(&self) -> i64 {
        (self.paid - self.refunded - (self.requested - self.waived)).max(0)
    }

    pub fn status(&self) -> FeeStatus {
        if self.requested == 0 && self.paid == 0 {
            return FeeStatus::None;
        }
        if self.credit() > 0 {
            return FeeStatus::RefundDue;
        }
        if self.refunded > 0 && self.balance() == 0 {
            return FeeStatus::Refunded;
        }
        if self.waived > 0 && self.waived >= self.requested {
            return FeeStatus::Waived;
        }
        if self.balance() == 0 {
            return FeeStatus::Paid;
        }
        if self.paid > 0 { FeeStatus::PartiallyPaid } else { FeeStatus::Requested }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(requested: i64, paid: i64, waived: i64, refunded: i64) -> FeeLedger {
        FeeLedger { requested, paid, waived, refunded }
    }

    #[test]
    fn fee_status_is_derived_from_the_ledger() {
        assert_eq!(ledger(0, 0, 0, 0).status(), FeeStatus::None);
        assert_eq!(ledger(1000, 0, 0, 0).status(), FeeStatus::Requested);
        assert_eq!(ledger(1000, 400, 0, 0).status(), FeeStatus::PartiallyPaid);
        assert_eq!(ledger(1000, 1000, 0, 0).status(), FeeStatus::Paid);
        assert_eq!(ledger(1000, 1200, 0, 0).status(), FeeStatus::RefundDue);
        assert_eq!(ledger(1000, 1200, 0, 200).status(), FeeStatus::Refunded);
        assert_eq!(ledger(1000, 0, 1000, 0).status(), FeeStatus::Waived);
        assert_eq!(ledger(0, 500, 0, 0).status(), FeeStatus::RefundDue);
    }

    #[test]
    fn balance_and_credit_never_go_negative() {
        assert_eq!(ledger(1000, 400, 0, 0).balance(), 600);
        assert_eq!(ledger(1000, 1200, 0, 0).balance(), 0);
        assert_eq!(ledger(1000, 1200, 0, 0).credit(), 200);
        assert_eq!(ledger(1000, 1200, 0, 200).credit(), 0);
    }

    #[test]
    fn agents_must_prove_their_identity_and_their_authority() {
        let d = jiff::civil::date(2026, 4, 1);
        let own = Case::blank(RequestKind::Disclosure, Filer::SelfFiler, d);
        assert_eq!(own.identity_targets(), &[IdentityTarget::Subject]);
        let agent = Case::blank(RequestKind::Disclosure, Filer::AppointedAgent, d);
        assert_eq!(agent.identity_targets().len(), 3);
    }
}
